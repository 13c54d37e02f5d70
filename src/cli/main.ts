// The `fixloop` command: one table of sub-commands (flags in spec.ts), errors handled in one place.
// Each command's module is imported only when that command runs, so `fixloop rules` never loads
// the WASM parsers, the store drivers or Octokit (start-up: docs/benchmarks.md).

import { VERSION } from "../version.ts";
import { CliError, type CliIo, type Command } from "./io.ts";
import { commandHelp, nearest, topLevelHelp } from "./options.ts";
import { COMMAND_SPECS, type CommandSpec } from "./spec.ts";
import { safeOutput, terminalSafe } from "./text.ts";

const COMMANDS: Record<string, () => Promise<Command>> = {
  scan: async () => (await import("./commands/scan.ts")).scanCommand,
  fix: async () => (await import("./commands/fix.ts")).fixCommand,
  ingest: async () => (await import("./commands/ingest.ts")).ingestCommand,
  findings: async () => (await import("./commands/findings.ts")).findingsCommand,
  finding: async () => (await import("./commands/findings.ts")).findingCommand,
  evidence: async () => (await import("./commands/evidence.ts")).evidenceCommand,
  report: async () => (await import("./commands/report.ts")).reportCommand,
  exceptions: async () => (await import("./commands/exceptions.ts")).exceptionsCommand,
  rules: async () => (await import("./commands/rules.ts")).rulesCommand,
};

/** Kept for callers that print the overview. */
export const USAGE = topLevelHelp();

/**
 * Runs one command. Whatever it writes goes through `safeOutput` (no raw escape sequences, bidi or
 * invisible characters reach the terminal), and whatever it throws ends as one line on stderr and
 * exit code 2: a user never sees a stack trace (FIXLOOP_DEBUG=1 prints it, for bug reports).
 */
export async function main(argv: string[], rawIo: CliIo): Promise<number> {
  const io: CliIo = { ...rawIo, stdout: safeOutput(rawIo.stdout), stderr: safeOutput(rawIo.stderr) };
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    const spec = name === "help" ? specOf(rest[0]) : undefined;
    io.stdout.write(spec ? commandHelp(spec) : topLevelHelp());
    return name ? 0 : 2;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    io.stdout.write(`fixloop ${VERSION}\n`);
    return 0;
  }
  // Own properties only: `fixloop constructor` is an unknown command, not Object's constructor.
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  const spec = specOf(name);
  if (!load || !spec) {
    const near = nearest(name, Object.keys(COMMANDS));
    io.stderr.write(
      `fixloop: unknown command "${terminalSafe(name)}"${near ? ` (did you mean ${near}?)` : ""}\n\n${topLevelHelp()}`,
    );
    return 2;
  }
  if (wantsHelp(rest)) {
    io.stdout.write(commandHelp(spec));
    return 0;
  }
  try {
    return await (await load())(rest, io);
  } catch (e) {
    io.stderr.write(`fixloop ${name}: ${terminalSafe(await oneLine(e))}\n`);
    const env = io.env ?? process.env;
    if (env.FIXLOOP_DEBUG && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
    return 2;
  }
}

function specOf(name: string | undefined): CommandSpec | undefined {
  return COMMAND_SPECS.find((s) => s.name === name);
}

/** `--help` / `-h` anywhere before a `--` separator. */
function wantsHelp(args: string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

/** The error as the user reads it: its message for errors they can act on, else a short note. */
async function oneLine(e: unknown): Promise<string> {
  if (
    e instanceof CliError ||
    (await isUserError(e)) ||
    (e instanceof TypeError && "code" in e && String(e.code).startsWith("ERR_PARSE_ARGS"))
  )
    return (e as Error).message;
  if (e instanceof RangeError) return "the input is nested too deeply or too large to process";
  const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
  return `unexpected error: ${message} (a bug in fixloop; FIXLOOP_DEBUG=1 shows where)`;
}

/** Errors that carry a message for the user. Their modules are loaded only when one is thrown
 *  (by then the command has loaded them anyway), keeping them off the start-up path. */
async function isUserError(e: unknown): Promise<boolean> {
  if (!(e instanceof Error)) return false;
  const [{ HclSyntaxError }, { TreeError }, { FindingNotFoundError }] = await Promise.all([
    import("../hcl/errors.ts"),
    import("../hcl/load.ts"),
    import("../store/findings.ts"),
  ]);
  return e instanceof TreeError || e instanceof HclSyntaxError || e instanceof FindingNotFoundError;
}
