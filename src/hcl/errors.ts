/** A Terraform file that is not valid HCL; carries where, so the CLI can say "file:line: what". */
export class HclSyntaxError extends Error {
  readonly code = "HCL_SYNTAX";
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}:${column}: ${reason}`);
    this.name = "HclSyntaxError";
  }
}

/**
 * How deeply blocks, brackets, parentheses, braces, operators and `${` interpolations may nest.
 * Real Terraform rarely goes past 10-15 levels (a jsonencode()d policy inside a dynamic block);
 * 128 is far above that yet keeps the recursive parser, the lexer's interpolations and every
 * walker of the tree well inside Node's ~1 MB stack (a 1,000-deep object or template overflowed it).
 */
export const MAX_NESTING = 128;
