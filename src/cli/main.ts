// The `fixloop` command: one table of sub-commands, errors handled in one place.

import { HclSyntaxError } from "../hcl/errors.ts";
import { TreeError } from "../hcl/load.ts";
import { FindingNotFoundError } from "../store/findings.ts";
import { evidenceCommand } from "./commands/evidence.ts";
import { findingCommand, findingsCommand } from "./commands/findings.ts";
import { fixCommand } from "./commands/fix.ts";
import { ingestCommand } from "./commands/ingest.ts";
import { rulesCommand } from "./commands/rules.ts";
import { scanCommand } from "./commands/scan.ts";
import { CliError, type CliIo, type Command } from "./io.ts";
import { safeOutput, terminalSafe } from "./text.ts";

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  scan: {
    run: scanCommand,
    summary: "scan <dir> [--format text|json|sarif] [--rule ID]... [--require-kms]   report misconfigurations",
  },
  fix: {
    run: fixCommand,
    summary:
      "fix <dir> [--rule ID]... [--require-kms] [--dry-run] [--branch NAME] [--format text|json]   patch them\n  fixloop fix <dir> --findings F... [--min-risk N]   fix the given findings (all it can; --min-risk N: only risk ≥ N)\n  fixloop fix <dir> --findings F... --open-pr [--base BRANCH]   one PR per fixed finding, as the app opens it (GITHUB_TOKEN; GITHUB_API_URL for GHES)",
  },
  ingest: {
    run: ingestCommand,
    summary:
      "ingest <file>... [--format auto|<name>] [--json] [--store [--data-dir DIR] [--org NAME] [--repository OWNER/NAME|none] [--complete-scan --accounts ID,… [--rules ID,…] [--tool NAME]]]   read scanner/CSPM findings, score and triage them (--store: keep them, one finding per organization and, for a repository scan, per repository: --repository, else the origin remote of the current directory; --complete-scan: the files are the tool's whole scan of those accounts, so a finding being verified that is missing has passed)",
  },
  findings: {
    run: findingsCommand,
    summary: "findings [--state STATE] [--json] [--data-dir DIR]   list stored findings, highest risk first",
  },
  finding: {
    run: findingCommand,
    summary: "finding <id> [--json] [--data-dir DIR]   show one stored finding with its audit trail",
  },
  evidence: {
    run: evidenceCommand,
    summary:
      "evidence <id> | --since DATE [--until DATE] [--format json|csv|md] [--data-dir DIR]   a finding's evidence record, or one row per finding active in a period",
  },
  rules: { run: rulesCommand, summary: "rules [--format text|json]   list the rule catalog with aliases" },
};

export const USAGE = `Usage: fixloop <command> [options]

Commands:
${Object.values(COMMANDS)
  .map((c) => `  fixloop ${c.summary}`)
  .join("\n")}

Exit codes: 0 clean / everything fixed, 1 findings remain, 2 error (including any file that
could not be read or parsed: the others are still reported).
`;

/**
 * Runs one command. Whatever it writes goes through `safeOutput` (no raw escape sequences, bidi or
 * invisible characters reach the terminal), and whatever it throws ends as one line on stderr and
 * exit code 2: a user never sees a stack trace (FIXLOOP_DEBUG=1 prints it, for bug reports).
 */
export async function main(argv: string[], rawIo: CliIo): Promise<number> {
  const io: CliIo = { ...rawIo, stdout: safeOutput(rawIo.stdout), stderr: safeOutput(rawIo.stderr) };
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(USAGE);
    return name ? 0 : 2;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr.write(`fixloop: unknown command "${terminalSafe(name)}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    io.stderr.write(`fixloop ${name}: ${terminalSafe(oneLine(e))}\n`);
    const env = io.env ?? process.env;
    if (env.FIXLOOP_DEBUG && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
    return 2;
  }
}

/** The error as the user reads it: its message for errors they can act on, else a short note. */
function oneLine(e: unknown): string {
  if (
    e instanceof CliError ||
    e instanceof TreeError ||
    e instanceof HclSyntaxError ||
    e instanceof FindingNotFoundError ||
    (e instanceof TypeError && "code" in e && String(e.code).startsWith("ERR_PARSE_ARGS"))
  )
    return e.message;
  if (e instanceof RangeError) return "the input is nested too deeply or too large to process";
  const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
  return `unexpected error: ${message} (a bug in fixloop; FIXLOOP_DEBUG=1 shows where)`;
}
