// Walking a token stream: significant-token lookahead (comments always skipped, newlines only
// where HCL ignores them), expectations with file:line:column errors. Shared by both parsers.

import { HclSyntaxError, MAX_NESTING } from "./errors.ts";
import type { Token } from "./lexer.ts";
import type { LineIndex } from "./positions.ts";

/** Where tokens come from: a lexer pulled one token at a time, or a list (interpolations). */
export interface TokenSource {
  /** The next token; an eof token at the end. */
  next(): Token;
}

export function listSource(tokens: Token[]): TokenSource {
  let i = 0;
  return { next: () => tokens[Math.min(i++, tokens.length - 1)]! };
}

/**
 * The same elements in an array of exactly their length. An array grown by `push` keeps room for
 * 16 more (a 152-byte store for one step or label), and nearly every array of the AST lives to
 * the end of a scan: trimmed, the retained AST is ~20 % smaller and the garbage collector copies
 * less of it (the grown array dies young, before a scavenge copies it).
 */
export function exactLength<T>(a: T[]): T[] {
  return a.length === 0 ? a : a.slice();
}

export class TokenCursor {
  /** Tokens pulled from the source and not yet dropped; `at` is the current position in it. */
  private buffer: Token[] = [];
  private at = 0;
  private eof: Token | undefined;
  /** Top of stack true → newlines are insignificant (inside parentheses, brackets, for-expressions). */
  private readonly ignoreNewlines: boolean[] = [false];
  /** The top of `ignoreNewlines`. */
  private skipNl = false;
  /** `peekIndex(0)` for raw position `peekAt` with `skipNl` = `peekSkip`: asked several times per token. */
  private peekAt = -1;
  private peekSkip = false;
  private peekK = 0;

  constructor(
    private readonly source: TokenSource,
    protected readonly lines: LineIndex,
    protected readonly file: string,
    /** Levels already open around this parser (an interpolation's parser starts inside its string). */
    protected depth = 0,
  ) {}

  /**
   * One nesting level deeper (the caller calls `leave` when done); past MAX_NESTING the file is a
   * syntax error at `at`. No try/finally: an error ends the whole parse and this cursor with it.
   * (Explicit enter/leave rather than a callback: one closure per expression was a hot allocation.)
   */
  protected enter(at: Token): void {
    if (this.depth >= MAX_NESTING) this.fail(`nesting deeper than ${MAX_NESTING}`, at);
    this.depth++;
  }

  protected leave(): void {
    this.depth--;
  }

  protected fail(message: string, at: Token = this.peekRaw()): never {
    const { line, column } = this.lines.position(at.start);
    throw new HclSyntaxError(this.file, line, column, message);
  }

  /** The raw token `k` places ahead (comments and newlines included). */
  private raw(k: number): Token {
    while (this.buffer.length <= this.at + k) {
      if (this.eof) return this.eof;
      const t = this.source.next();
      this.buffer.push(t);
      if (t.kind === "eof") this.eof = t;
    }
    return this.buffer[this.at + k]!;
  }

  /** Moves past `n` raw tokens, dropping consumed ones now and then so the buffer stays small. */
  protected advanceRaw(n = 1): void {
    this.at += n;
    this.peekAt = -1;
    if (this.at > 256) {
      this.buffer = this.buffer.slice(Math.min(this.at, this.buffer.length));
      this.at = 0;
    }
  }

  protected peekRaw(): Token {
    return this.raw(0);
  }

  /** Next significant token: comments are always skipped, newlines only where insignificant. */
  protected peek(offset = 0): Token {
    return this.raw(this.peekIndex(offset));
  }

  /** Raw distance to the significant token `offset` places ahead (an eof token when there is none). */
  private peekIndex(offset = 0): number {
    const skipNl = this.skipNl;
    if (offset === 0 && this.peekAt === this.at && this.peekSkip === skipNl) return this.peekK;
    let k = 0;
    let seen = 0;
    while (true) {
      const t = this.raw(k);
      if (t.kind === "eof") break;
      if (t.kind === "comment" || (skipNl && t.kind === "newline")) {
        k++;
        continue;
      }
      if (seen === offset) break;
      seen++;
      k++;
    }
    if (offset === 0) {
      this.peekAt = this.at;
      this.peekSkip = skipNl;
      this.peekK = k;
    }
    return k;
  }

  protected next(): Token {
    const k = this.peekIndex();
    const t = this.raw(k);
    this.advanceRaw(k + 1);
    return t;
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
    while (true) {
      const k = this.raw(0).kind;
      if (k === "newline" || k === "comment") this.advanceRaw();
      else break;
    }
  }

  /** Newlines insignificant (`true`) or significant until the matching `popNewlines`. */
  protected pushNewlines(ignore: boolean): void {
    this.ignoreNewlines.push(ignore);
    this.skipNl = ignore;
  }

  protected popNewlines(): void {
    this.ignoreNewlines.pop();
    this.skipNl = this.ignoreNewlines[this.ignoreNewlines.length - 1]!;
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
