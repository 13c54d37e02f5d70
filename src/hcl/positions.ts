/** Maps string offsets to 1-based line and column numbers (binary search over line starts). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }

  position(offset: number): { line: number; column: number } {
    const lo = this.lineAt(offset);
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }

  line(offset: number): number {
    return this.lineAt(offset) + 1; // no position object: asked for every attribute and block
  }

  /** 0-based index of the line holding `offset`. */
  private lineAt(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Offset of the first character of 1-based `line`. */
  lineStart(line: number): number {
    return this.starts[line - 1] ?? this.text.length;
  }

  get lineCount(): number {
    return this.starts.length;
  }
}

/** Byte offset (UTF-8) of a string offset: reports carry byte ranges, edits use string offsets. */
export function byteOffset(text: string, offset: number): number {
  return Buffer.byteLength(text.slice(0, offset), "utf8");
}
