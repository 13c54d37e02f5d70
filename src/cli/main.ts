// The `fixloop` command: one table of sub-commands (flags in spec.ts), errors handled in one place.
// Each command's module is imported only when that command runs, so `fixloop rules` never loads
// the WASM parsers, the store drivers or Octokit (start-up: docs/benchmarks.md).

import { VERSION } from "../version.ts";
import { CliError, type CliIo, type Command } from "./io.ts";
import { commandHelp, nearest, topLevelHelp } from "./options.ts";
import { COMMAND_SPECS, type CommandSpec } from "./spec.ts";

const COMMANDS: Record<string, () => Promise<Command>> = {
  scan: async () => (await import("./commands/scan.ts")).scanCommand,
  fix: async () => (await import("./commands/fix.ts")).fixCommand,
  ingest: async () => (await import("./commands/ingest.ts")).ingestCommand,
  findings: async () => (await import("./commands/findings.ts")).findingsCommand,
  finding: async () => (await import("./commands/findings.ts")).findingCommand,
  evidence: async () => (await import("./commands/evidence.ts")).evidenceCommand,
  rules: async () => (await import("./commands/rules.ts")).rulesCommand,
};

/** Kept for callers that print the overview. */
export const USAGE = topLevelHelp();

export async function main(argv: string[], io: CliIo): Promise<number> {
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
  const load = COMMANDS[name];
  const spec = specOf(name);
  if (!load || !spec) {
    const near = nearest(name, Object.keys(COMMANDS));
    io.stderr.write(
      `fixloop: unknown command "${name}"${near ? ` (did you mean ${near}?)` : ""}\n\n${topLevelHelp()}`,
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
    if (e instanceof CliError || (await isUserError(e))) {
      io.stderr.write(`fixloop ${name}: ${(e as Error).message}\n`);
      return 2;
    }
    if (e instanceof TypeError && "code" in e && String(e.code).startsWith("ERR_PARSE_ARGS")) {
      io.stderr.write(`fixloop ${name}: ${e.message}\n`);
      return 2;
    }
    throw e;
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
