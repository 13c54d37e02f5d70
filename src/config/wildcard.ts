// Wildcard matching without backtracking, for patterns written by untrusted users (CODEOWNERS lines,
// `repositories.include` globs). A pattern compiles to a tiny Thompson NFA that is run over the text
// keeping every live state at once (a Pike VM without captures): time is O(text × pattern) whatever
// the input, where a backtracking RegExp built from `*a*a*a*a*a*a*b` took minutes on a 40-byte path.

/** A single-character test: a literal, any character, or any character but `/`. */
export type CharClass = { kind: "literal"; char: string } | { kind: "any" } | { kind: "not-slash" };

type Instruction =
  | { op: "char"; test: CharClass }
  | { op: "split"; a: number; b: number }
  | { op: "jump"; to: number }
  | { op: "match" };

export const literal = (char: string): CharClass => ({ kind: "literal", char });
export const ANY: CharClass = { kind: "any" };
export const NOT_SLASH: CharClass = { kind: "not-slash" };

/** Builds a matcher of the whole text (anchored at both ends) from classes, stars and optional groups. */
export class WildcardBuilder {
  private readonly program: Instruction[] = [];

  /** One character of `test`. */
  one(test: CharClass): this {
    this.program.push({ op: "char", test });
    return this;
  }

  /** Each character of `text`, literally. */
  text(text: string): this {
    for (const char of text) this.one(literal(char));
    return this;
  }

  /** Zero or more characters of `test`. */
  many(test: CharClass): this {
    const split = this.program.length;
    this.program.push({ op: "split", a: split + 1, b: -1 });
    this.program.push({ op: "char", test });
    this.program.push({ op: "jump", to: split });
    (this.program[split] as { b: number }).b = this.program.length;
    return this;
  }

  /** One or more characters of `test`. */
  some(test: CharClass): this {
    return this.one(test).many(test);
  }

  /** What `body` adds, or nothing. */
  optional(body: (b: this) => void): this {
    const split = this.program.length;
    this.program.push({ op: "split", a: split + 1, b: -1 });
    body(this);
    (this.program[split] as { b: number }).b = this.program.length;
    return this;
  }

  build(): WildcardMatcher {
    return new WildcardMatcher([...this.program, { op: "match" }]);
  }
}

export class WildcardMatcher {
  constructor(private readonly program: readonly Instruction[]) {}

  /** Whether the whole of `text` matches. */
  test(text: string): boolean {
    // `seen[pc] === step` marks a state already added in this step, so no array is cleared per character.
    const seen = new Uint32Array(this.program.length);
    let step = 1;
    let current = this.closure([0], seen, step);
    for (const char of text) {
      const next: number[] = [];
      for (const pc of current) {
        const inst = this.program[pc]!;
        if (inst.op === "char" && accepts(inst.test, char)) next.push(pc + 1);
      }
      if (next.length === 0) return false;
      current = this.closure(next, seen, ++step);
    }
    return current.some((pc) => this.program[pc]!.op === "match");
  }

  /** The states reachable from `start` without reading a character, each once (no recursion). */
  private closure(start: number[], seen: Uint32Array, step: number): number[] {
    const out: number[] = [];
    const stack = start.reverse();
    while (stack.length > 0) {
      const pc = stack.pop()!;
      if (seen[pc] === step) continue;
      seen[pc] = step;
      const inst = this.program[pc]!;
      if (inst.op === "jump") stack.push(inst.to);
      else if (inst.op === "split") stack.push(inst.b, inst.a);
      else out.push(pc);
    }
    return out;
  }
}

function accepts(test: CharClass, char: string): boolean {
  if (test.kind === "any") return true;
  if (test.kind === "not-slash") return char !== "/";
  return test.char === char;
}

/** `*` any run of characters, `?` one character, everything else itself (repository name globs). */
export function simpleGlob(glob: string): WildcardMatcher {
  const b = new WildcardBuilder();
  for (const char of glob) {
    if (char === "*") b.many(ANY);
    else if (char === "?") b.one(ANY);
    else b.one(literal(char));
  }
  return b.build();
}
