// What a command gets from the outside world: where to write and where it runs. Tests pass buffers.

export interface Output {
  write(chunk: string): unknown;
}

export interface CliIo {
  stdout: Output;
  stderr: Output;
  cwd: string;
  /** The environment (DATABASE_URL, FIXLOOP_DATA_DIR); process.env when absent. Tests pass their own
   *  so a developer's DATABASE_URL never points a test run at a real database. */
  env?: NodeJS.ProcessEnv;
  /** The clock (suppression expiries are judged against today); the system clock when absent. */
  now?: () => Date;
}

/** An error the user can act on: printed as one line, exit code 2. */
export class CliError extends Error {
  readonly code = "CLI_USAGE";
}

export type Command = (args: string[], io: CliIo) => Promise<number>;
