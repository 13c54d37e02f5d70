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
