// Walking a token stream: significant-token lookahead (comments always skipped, newlines only
// where HCL ignores them), expectations with file:line:column errors. Shared by both parsers.

import { HclSyntaxError } from "./errors.ts";
import type { Token } from "./lexer.ts";
import type { LineIndex } from "./positions.ts";

export class TokenCursor {
  protected i = 0;
  /** Top of stack true → newlines are insignificant (inside parentheses, brackets, for-expressions). */
  protected readonly ignoreNewlines: boolean[] = [false];

  constructor(
    protected readonly tokens: Token[],
    protected readonly lines: LineIndex,
    protected readonly file: string,
  ) {}

  protected fail(message: string, at: Token = this.peekRaw()): never {
    const { line, column } = this.lines.position(at.start);
    throw new HclSyntaxError(this.file, line, column, message);
  }

  protected peekRaw(): Token {
    return this.tokens[this.i] ?? this.tokens[this.tokens.length - 1]!;
  }

  /** Next significant token: comments are always skipped, newlines only where insignificant. */
  protected peek(offset = 0): Token {
    return this.tokens[this.peekIndex(offset)]!;
  }

  /** Index of the significant token `offset` places ahead (the eof token when there is none). */
  private peekIndex(offset = 0): number {
    let j = this.i;
    let seen = 0;
    const skipNl = this.ignoreNewlines[this.ignoreNewlines.length - 1];
    while (j < this.tokens.length) {
      const t = this.tokens[j]!;
      if (t.kind === "comment" || (skipNl && t.kind === "newline")) {
        j++;
        continue;
      }
      if (seen === offset) return j;
      seen++;
      j++;
    }
    return this.tokens.length - 1;
  }

  protected next(): Token {
    const j = this.peekIndex();
    this.i = j + 1;
    return this.tokens[j]!;
  }

  protected isPunct(t: Token, text: string): boolean {
    return t.kind === "punct" && t.text === text;
  }

  protected expectPunct(text: string, context: string): Token {
    const t = this.peek();
    if (!this.isPunct(t, text)) this.fail(`expected "${text}" ${context}, found ${describe(t)}`, t);
    return this.next();
  }

  protected skipNewlinesAndComments(): void {
    while (this.i < this.tokens.length) {
      const k = this.tokens[this.i]!.kind;
      if (k === "newline" || k === "comment") this.i++;
      else break;
    }
  }

  protected withNewlines<T>(ignore: boolean, fn: () => T): T {
    this.ignoreNewlines.push(ignore);
    try {
      return fn();
    } finally {
      this.ignoreNewlines.pop();
    }
  }
}

export function describe(t: Token): string {
  switch (t.kind) {
    case "eof":
      return "end of file";
    case "newline":
      return "a newline";
    case "string":
    case "heredoc":
      return "a string";
    default:
      return JSON.stringify(t.text);
  }
}
