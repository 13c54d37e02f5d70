// Tokenizer for HCL native syntax (the Terraform language) that keeps exact source offsets.
// Strings and heredocs are scanned as whole template tokens; their `${…}` / `%{…}` sequences
// are tokenized recursively so the parser can treat interpolations as ordinary expressions.

import { HclSyntaxError, MAX_NESTING } from "./errors.ts";
import type { LineIndex } from "./positions.ts";

export type TokenKind =
  | "ident"
  | "number"
  | "string" // quoted template, see `parts`
  | "heredoc" // heredoc template, see `parts`
  | "punct"
  | "newline"
  | "comment"
  | "eof";

export interface TemplateText {
  kind: "text";
  value: string;
  start: number;
  end: number;
}
export interface TemplateInterp {
  kind: "interp" | "directive";
  tokens: Token[]; // tokens between `${` and `}` (exclusive), ending with an eof token
  start: number; // offset of `$` / `%`
  end: number; // offset after the closing `}`
}
export type TemplatePart = TemplateText | TemplateInterp;

export interface Token {
  kind: TokenKind;
  text: string; // raw source text for ident/number/punct; the whole literal for strings
  start: number;
  end: number;
  parts?: TemplatePart[];
  heredoc?: { marker: string; indented: boolean; contentStart: number; contentEnd: number };
}

/**
 * Every token has the same hidden class (all six fields, in one order): the parser reads `kind`
 * and `text` of every token many times, and one shape keeps those reads monomorphic (hot path).
 */
function token(
  kind: TokenKind,
  text: string,
  start: number,
  end: number,
  parts: TemplatePart[] | undefined = undefined,
  heredoc: Token["heredoc"] = undefined,
): Token {
  return { kind, text, start, end, parts, heredoc };
}

// `::` separates the parts of a provider-defined function name (`provider::aws::arn_parse`).
const PUNCT2 = ["==", "!=", "<=", ">=", "&&", "||", "=>", "::"];
/** The two-character punctuators by their two code units (first << 16 | second): the text itself,
 *  shared, instead of a new two-character string for every `=` to look it up (hot path). */
const PUNCT2_BY_CODES = new Map(PUNCT2.map((p) => [(p.charCodeAt(0) << 16) | p.charCodeAt(1), p]));
const PUNCT1_CODE = new Uint8Array(128);
for (const ch of "{}[]()=<>+-*/%!?:,.~") PUNCT1_CODE[ch.charCodeAt(0)] = 1;

// Character classes by code unit, looked up instead of tested with regular expressions (hot path).
const IDENT_START = new Uint8Array(128);
const IDENT_PART = new Uint8Array(128);
const DIGIT = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  IDENT_START[c] = /[A-Za-z_]/.test(ch) ? 1 : 0;
  IDENT_PART[c] = /[A-Za-z0-9_-]/.test(ch) ? 1 : 0;
  DIGIT[c] = /[0-9]/.test(ch) ? 1 : 0;
}
const isIdentStart = (code: number) => (code < 128 ? IDENT_START[code] === 1 : true);
const isIdentPart = (code: number) => (code < 128 ? IDENT_PART[code] === 1 : true);
const isDigit = (code: number | undefined) => code !== undefined && code < 128 && DIGIT[code] === 1;

/**
 * Short identifiers seen lately, by a hash of their characters: the same few names (`resource`,
 * `tags`, `var`, `id`…) make most tokens, and a string shared instead of copied for each one is
 * memory the garbage collector never has to move (most of a tree's AST lives until the end).
 * Only names shorter than V8's sliced-string minimum (13) are kept: those are copies that
 * reference no file text, so the table holds at most INTERN_SLOTS small strings and no file.
 */
const INTERN_SLOTS = 4096;
const INTERN_MAX = 12;
const interned: string[] = new Array<string>(INTERN_SLOTS).fill("");

function identText(src: string, start: number, end: number, hash: number): string {
  const length = end - start;
  if (length > INTERN_MAX) return src.slice(start, end);
  const slot = hash & (INTERN_SLOTS - 1);
  const seen = interned[slot]!;
  if (seen.length === length && src.startsWith(seen, start)) return seen;
  const text = src.slice(start, end);
  interned[slot] = text;
  return text;
}

export class Lexer {
  private pos: number;
  constructor(
    private readonly src: string,
    private readonly lines: LineIndex,
    private readonly file: string,
    start = 0,
    private readonly end = src.length,
    /** How many `${`/`%{` interpolations enclose this lexer (each one lexes with a lexer of its own). */
    private readonly nesting = 0,
  ) {
    // A UTF-8 byte-order mark opening the file is not a token (Terraform ignores it); it stays in
    // the text, so offsets are the file's and an edit gives it back untouched.
    this.pos = start === 0 && src.charCodeAt(0) === 0xfeff ? 1 : start;
  }

  private fail(message: string, at = this.pos): never {
    const { line, column } = this.lines.position(at);
    throw new HclSyntaxError(this.file, line, column, message);
  }

  /** Tokenizes until `end`, or (inside an interpolation) until the `}` that closes it. */
  tokenize(stopAtUnbalancedBrace = false): Token[] {
    const out: Token[] = [];
    while (true) {
      const t = this.nextToken(stopAtUnbalancedBrace);
      out.push(t);
      if (t.kind === "eof") return out;
    }
  }

  /** Brace depth inside an interpolation, to find the `}` that closes it. */
  private depth = 0;

  /**
   * The next token; an eof token at the end (and for ever after). The parser pulls tokens one by
   * one, so a large file never holds all its tokens at once (they were most of the GC work).
   */
  nextToken(stopAtUnbalancedBrace = false): Token {
    const src = this.src;
    while (this.pos < this.end) {
      const code = src.charCodeAt(this.pos);
      const start = this.pos;
      if (code === 32 || code === 9) {
        this.pos++;
        continue;
      }
      const c = src[this.pos]!;
      if (c === "\r" && src[this.pos + 1] === "\n") {
        this.pos += 2;
        return token("newline", "\r\n", start, this.pos);
      }
      if (c === "\n") {
        this.pos++;
        return token("newline", "\n", start, this.pos);
      }
      if (c === "\r") {
        this.pos++;
        continue;
      }
      if (c === "#" || (c === "/" && src[this.pos + 1] === "/")) {
        while (this.pos < this.end && src[this.pos] !== "\n" && src[this.pos] !== "\r") this.pos++;
        return token("comment", src.slice(start, this.pos), start, this.pos);
      }
      if (c === "/" && src[this.pos + 1] === "*") {
        const close = src.indexOf("*/", this.pos + 2);
        if (close < 0 || close + 2 > this.end) this.fail("unterminated /* comment");
        this.pos = close + 2;
        return token("comment", src.slice(start, this.pos), start, this.pos);
      }
      if (isIdentStart(code)) {
        let hash = code;
        this.pos++;
        while (this.pos < this.end) {
          const k = src.charCodeAt(this.pos);
          if (!isIdentPart(k)) break;
          hash = (hash * 31 + k) | 0;
          this.pos++;
        }
        return token("ident", identText(src, start, this.pos, hash), start, this.pos);
      }
      if (isDigit(code)) {
        return this.number();
      }
      if (c === '"') {
        return this.quoted();
      }
      if (c === "<" && src[this.pos + 1] === "<" && /[-A-Za-z_]/.test(src[this.pos + 2] ?? "")) {
        const heredoc = this.tryHeredoc();
        if (heredoc) return heredoc;
      }
      if (stopAtUnbalancedBrace) {
        if (c === "{") this.depth++;
        if (c === "}") {
          if (this.depth === 0) return token("eof", "", start, start);
          this.depth--;
        }
      }
      if (c === "." && src[this.pos + 1] === "." && src[this.pos + 2] === ".") {
        this.pos += 3;
        return token("punct", "...", start, this.pos);
      }
      const p2 = PUNCT2_BY_CODES.get((code << 16) | src.charCodeAt(this.pos + 1));
      if (p2 !== undefined) {
        this.pos += 2;
        return token("punct", p2, start, this.pos);
      }
      if (code < 128 && PUNCT1_CODE[code] === 1) {
        this.pos++;
        return token("punct", c, start, this.pos);
      }
      this.fail(`unexpected character ${JSON.stringify(c)}`);
    }
    if (stopAtUnbalancedBrace) this.fail("unterminated template interpolation: missing }");
    return token("eof", "", this.pos, this.pos);
  }

  get position(): number {
    return this.pos;
  }

  private number(): Token {
    const src = this.src;
    const start = this.pos;
    while (isDigit(src.charCodeAt(this.pos))) this.pos++;
    if (src[this.pos] === "." && isDigit(src.charCodeAt(this.pos + 1))) {
      this.pos++;
      while (isDigit(src.charCodeAt(this.pos))) this.pos++;
    }
    if ((src[this.pos] === "e" || src[this.pos] === "E") && /[-+0-9]/.test(src[this.pos + 1] ?? "")) {
      this.pos += 2;
      while (isDigit(src.charCodeAt(this.pos))) this.pos++;
    }
    return token("number", src.slice(start, this.pos), start, this.pos);
  }

  /** `${` or `%{` at `pos`: tokenizes the interpolation body and returns its part. */
  private interpolation(kind: "interp" | "directive"): TemplateInterp {
    const start = this.pos;
    if (this.nesting >= MAX_NESTING) this.fail(`nesting deeper than ${MAX_NESTING}`, start);
    let inner = start + 2;
    // `${~` / `~}` strip markers are whitespace-control only; skip them.
    if (this.src[inner] === "~") inner++;
    const sub = new Lexer(this.src, this.lines, this.file, inner, this.end, this.nesting + 1);
    const tokens = sub.tokenize(true);
    const closeAt = sub.position; // offset of the closing `}`
    const last = tokens[tokens.length - 2];
    if (last && last.kind === "punct" && last.text === "~" && last.end === closeAt) tokens.splice(-2, 1);
    this.pos = closeAt + 1;
    return { kind, tokens, start, end: this.pos };
  }

  private quoted(): Token {
    const src = this.src;
    const start = this.pos;
    this.pos++;
    const parts: TemplatePart[] = [];
    let text = "";
    let textStart = this.pos;
    while (true) {
      if (this.pos >= this.end) this.fail("unterminated string: missing closing quote", start);
      const c = src[this.pos]!;
      if (c === "\n" || c === "\r") this.fail("unterminated string: newline before closing quote", start);
      if (c === '"') {
        if (text) parts.push({ kind: "text", value: text, start: textStart, end: this.pos });
        this.pos++;
        break;
      }
      if (c === "\\") {
        const n = src[this.pos + 1];
        const simple: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };
        if (n !== undefined && n in simple) {
          text += simple[n];
          this.pos += 2;
        } else if (n === "u" || n === "U") {
          const len = n === "u" ? 4 : 8;
          const hex = src.slice(this.pos + 2, this.pos + 2 + len);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) this.fail("invalid unicode escape");
          text += String.fromCodePoint(Number.parseInt(hex, 16));
          this.pos += 2 + len;
        } else {
          this.fail(`invalid escape sequence \\${n ?? ""}`);
        }
        continue;
      }
      if ((c === "$" || c === "%") && src[this.pos + 1] === c && src[this.pos + 2] === "{") {
        text += `${c}{`; // `$${` and `%%{` are escapes for a literal `${` / `%{`
        this.pos += 3;
        continue;
      }
      if ((c === "$" || c === "%") && src[this.pos + 1] === "{") {
        if (text) parts.push({ kind: "text", value: text, start: textStart, end: this.pos });
        text = "";
        parts.push(this.interpolation(c === "$" ? "interp" : "directive"));
        textStart = this.pos;
        continue;
      }
      // Copy the run of plain characters up to the next special one in one slice.
      let j = this.pos + 1;
      while (j < this.end) {
        const k = src.charCodeAt(j);
        if (k === 34 || k === 92 || k === 36 || k === 37 || k === 10 || k === 13) break; // " \ $ % \n \r
        j++;
      }
      text += src.slice(this.pos, j);
      this.pos = j;
    }
    return token("string", src.slice(start, this.pos), start, this.pos, parts);
  }

  private tryHeredoc(): Token | undefined {
    const src = this.src;
    const start = this.pos;
    const m = /^<<(-?)([A-Za-z_][A-Za-z0-9_-]*)\r?\n/.exec(src.slice(this.pos, this.pos + 200));
    if (!m) return undefined;
    const indented = m[1] === "-";
    const marker = m[2]!;
    const contentStart = this.pos + m[0].length;
    // The closing marker is a line holding only the marker (leading whitespace allowed).
    let lineStart = contentStart;
    while (lineStart <= this.end) {
      let lineEnd = src.indexOf("\n", lineStart);
      if (lineEnd < 0 || lineEnd > this.end) lineEnd = this.end;
      const line = src.slice(lineStart, lineEnd).replace(/\r$/, "");
      if (line.trim() === marker) {
        const markerEnd = lineStart + line.length;
        this.pos = markerEnd;
        const parts = this.heredocParts(contentStart, lineStart);
        return token("heredoc", src.slice(start, markerEnd), start, markerEnd, parts, {
          marker,
          indented,
          contentStart,
          contentEnd: lineStart,
        });
      }
      if (lineEnd >= this.end) break;
      lineStart = lineEnd + 1;
    }
    this.fail(`unterminated heredoc: no line with closing marker ${marker}`, start);
  }

  private heredocParts(from: number, to: number): TemplatePart[] {
    const src = this.src;
    const parts: TemplatePart[] = [];
    const saved = this.pos;
    this.pos = from;
    let text = "";
    let textStart = from;
    while (this.pos < to) {
      const c = src[this.pos]!;
      if ((c === "$" || c === "%") && src[this.pos + 1] === c && src[this.pos + 2] === "{") {
        text += `${c}{`;
        this.pos += 3;
        continue;
      }
      if ((c === "$" || c === "%") && src[this.pos + 1] === "{") {
        if (text) parts.push({ kind: "text", value: text, start: textStart, end: this.pos });
        text = "";
        parts.push(this.interpolation(c === "$" ? "interp" : "directive"));
        textStart = this.pos;
        continue;
      }
      text += c;
      this.pos++;
    }
    if (text) parts.push({ kind: "text", value: text, start: textStart, end: to });
    this.pos = saved;
    return parts;
  }
}
