// Types of compiled.mjs for the TypeScript callers (benchmarks, tests).
export declare function sourceFingerprint(): string;
export declare function buildCli(options?: { quiet?: boolean }): Promise<string>;
export declare function loadCliMain(): Promise<(argv: readonly string[]) => Promise<number>>;
