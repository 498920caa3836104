/** One catalogue entry: a title, whether a retry can help by default, and what the user should do. */
export interface ErrorCodeEntry {
  title: string;
  retryable: boolean;
  hint: string;
}
