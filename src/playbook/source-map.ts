/**
 * Where each part of a playbook sits in its source text: JSON pointer -> offsets of the key and the
 * value. Diagnostics ask it for a 1-based line and column; a pointer that has no node of its own (a
 * missing property, a part of an alias) falls back to its nearest ancestor that has one.
 */

export interface Span {
  start: number;
  end: number;
}

export interface Position {
  line: number;
  column: number;
}

export class SourceMap {
  readonly text: string;
  /** Offset where each line starts; computed here so positions work even when parsing stopped early. */
  private readonly lineStarts: number[] = [0];
  private readonly keys = new Map<string, Span>();
  private readonly values = new Map<string, Span>();

  constructor(text: string) {
    this.text = text;
    for (let i = 0; i < text.length; i += 1) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  setKey(pointer: string, span: Span): void {
    this.keys.set(pointer, span);
  }

  setValue(pointer: string, span: Span): void {
    this.values.set(pointer, span);
  }

  /** Line and column of a source offset (1-based; columns count UTF-16 code units). */
  at(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= clamped) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: clamped - this.lineStarts[low]! + 1 };
  }

  /** The value's span, or undefined when the pointer has no node of its own. */
  valueSpan(pointer: string): Span | undefined {
    return this.values.get(pointer);
  }

  /** Pointer of the smallest mapped value whose span holds `offset` ('' when none does). */
  innermostPointer(offset: number): string {
    let best = '';
    let bestSize = Number.POSITIVE_INFINITY;
    for (const [pointer, span] of this.values) {
      const size = span.end - span.start;
      if (span.start <= offset && offset < span.end && size < bestSize) {
        best = pointer;
        bestSize = size;
      }
    }
    return best;
  }

  /** Position of the value at `pointer` (or of its key, with `prefer: 'key'`), else of the nearest ancestor. */
  position(pointer: string, prefer: 'key' | 'value' = 'value'): Position {
    let current = pointer;
    for (;;) {
      const span =
        prefer === 'key'
          ? (this.keys.get(current) ?? this.values.get(current))
          : (this.values.get(current) ?? this.keys.get(current));
      if (span) return this.at(span.start);
      if (current === '') return { line: 1, column: 1 };
      current = current.slice(0, current.lastIndexOf('/'));
    }
  }

  /**
   * Position of `needle` inside the source of the scalar at `pointer`, plus `extra` characters. Used to
   * point into an expression: the raw source is searched, so quoting and folding do not shift columns.
   * Falls back to the scalar's start when the needle is not found verbatim (escapes, folded lines).
   */
  positionInValue(pointer: string, needle: string, extra = 0, occurrence = 0): Position {
    const span = this.values.get(pointer);
    if (!span) return this.position(pointer);
    const raw = this.text.slice(span.start, span.end);
    let index = -1;
    for (let n = 0; n <= occurrence; n += 1) {
      index = raw.indexOf(needle, index + 1);
      if (index < 0) break;
    }
    if (index < 0) return this.at(span.start);
    const inner = raw.slice(index, index + needle.length);
    // Offsets inside the needle are only exact when the expression has no line breaks before them.
    const safeExtra = inner.slice(0, extra).includes('\n') ? 0 : extra;
    return this.at(span.start + index + safeExtra);
  }
}
