// `fixloop report tuning --since DATE`: what people decided about each rule's and each source's
// findings in a period, the rules with the most false positives and rejected PRs, and those over
// the organization's `rules.demote` line (read from its fixloop.yml with --config).

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { errorsAsLine } from "../../config/config-errors.ts";
import { DEFAULT_REPO_CONFIG, parseRepoConfig } from "../../config/repo-config.ts";
import { InvalidPeriodError, type Period, parsePeriod } from "../../evidence/period.ts";
import type { DemotePolicy } from "../../report/tuning.ts";
import { readTuning } from "../../report/tuning.ts";
import { renderTuningJson, renderTuningText, tuningReport } from "../../report/tuning-text.ts";
import { CliError, type CliIo } from "../io.ts";
import { oneOf, parseCommandArgs } from "../options.ts";
import { REPORT } from "../spec.ts";
import { noStoreError, withExistingStore } from "../store-access.ts";

const USAGE = `fixloop report ${REPORT.forms[0]}`;
const REPORTS = ["tuning"] as const;

export async function reportCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(REPORT, args);
  if (positionals.length !== 1 || !REPORTS.includes(positionals[0] as (typeof REPORTS)[number]))
    throw new CliError(
      `${positionals.length === 0 ? "name a report" : `unknown report "${positionals.join(" ")}"`}: ${USAGE}`,
    );
  const format = oneOf(values.format, ["text", "json"] as const, "--format", "text");
  if (values.since === undefined) throw new CliError(`--since is required: ${USAGE}`);
  // Dates and the configuration are checked before the store opens: a typo touches nothing.
  const period = periodOf({ since: values.since, until: values.until }, Date.now());
  const demote = values.config === undefined ? DEFAULT_REPO_CONFIG.rules.demote : demoteOf(io, values.config);
  const scope = { ...period, ...(values.org !== undefined ? { org: values.org } : {}) };
  return withExistingStore(
    io,
    values["data-dir"],
    async (store) => {
      const report = tuningReport(await readTuning(store.db, scope), scope, demote);
      io.stdout.write(format === "json" ? renderTuningJson(report) : renderTuningText(report));
      return 0;
    },
    (location) => {
      throw noStoreError(location);
    },
  );
}

function periodOf(bounds: { since: string; until: string | undefined }, now: number): Period {
  try {
    return parsePeriod(bounds, now);
  } catch (e) {
    if (e instanceof InvalidPeriodError) throw new CliError(e.message);
    throw e;
  }
}

/** `rules.demote` of a fixloop.yml, validated as the app validates it (errors by key path). */
function demoteOf(io: CliIo, path: string): DemotePolicy {
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd, path), "utf8");
  } catch (e) {
    throw new CliError(`--config ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new CliError(`--config ${path} is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  const parsed = parseRepoConfig(raw);
  if (!parsed.ok) throw new CliError(`--config ${path} is invalid: ${errorsAsLine(parsed.errors)}`);
  return parsed.config.rules.demote;
}
