// What a command gets from the outside world: where to write and where it runs. Tests pass buffers.

export interface Output {
  write(chunk: string): unknown;
}

export interface CliIo {
  stdout: Output;
  stderr: Output;
  cwd: string;
}

/** An error the user can act on: printed as one line, exit code 2. */
export class CliError extends Error {
  readonly code = "CLI_USAGE";
}

export type Command = (args: string[], io: CliIo) => Promise<number>;
