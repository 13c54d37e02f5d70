// Reading finding files for `ingest` and `fix --findings`: parse each document in its native
// format, triage every valid record, and keep every rejection with file, index, path and reason.

import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Rejection } from "../findings/model.ts";
import { PARSERS, parseFindings, UnknownFormatError } from "../findings/registry.ts";
import { type TriagedFinding, triageFinding } from "../ingest/triage-finding.ts";
import { resolveRuleId } from "../rules/registry.ts";
import { DEFAULT_TRIAGE_CONFIG, type TriageConfig, TriageConfigSchema } from "../triage/config.ts";
import { CliError, type CliIo } from "./io.ts";
import { oneOf } from "./options.ts";

export interface FileRejection extends Rejection {
  file: string;
}

export interface FindingsInput {
  triaged: TriagedFinding[];
  rejected: FileRejection[];
  unreadable: Array<{ file: string; reason: string }>;
}

/** Triage settings from a JSON file (`--triage-config`), validated key by key; defaults otherwise. */
export async function loadTriageConfig(path: string | undefined, io: CliIo): Promise<TriageConfig> {
  if (!path) return DEFAULT_TRIAGE_CONFIG;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(resolve(io.cwd, path), "utf8"));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new CliError(
      `${path}: ${err.code ? `cannot read it (${err.code})` : `not valid JSON (${err.message})`}`,
    );
  }
  const parsed = TriageConfigSchema.strict().safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const keys =
      issue.code === "unrecognized_keys"
        ? issue.keys.map((k) => [...issue.path, k].join(".")).join(", ")
        : "";
    const key = keys || issue.path.join(".") || "(top level)";
    throw new CliError(`${path}: ${key}: ${issue.message}; nothing from this file was applied`);
  }
  return parsed.data;
}

export async function readFindings(
  files: string[],
  formatOption: string | undefined,
  io: CliIo,
  config: TriageConfig = DEFAULT_TRIAGE_CONFIG,
): Promise<FindingsInput> {
  const format = oneOf(formatOption, ["auto", ...PARSERS.map((p) => p.id)], "--format", "auto");
  const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
  const now = new Date();
  const out: FindingsInput = { triaged: [], rejected: [], unreadable: [] };
  for (const file of files) {
    let document: unknown;
    try {
      document = JSON.parse(await readFile(resolve(io.cwd, file), "utf8"));
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      out.unreadable.push({
        file,
        reason: err.code ? `cannot read it (${err.code})` : `not valid JSON (${err.message})`,
      });
      continue;
    }
    try {
      const result = parseFindings(document, ctx, format);
      for (const f of result.findings) out.triaged.push(triageFinding(f, config, now));
      for (const r of result.rejected) out.rejected.push({ file, ...r });
    } catch (e) {
      if (!(e instanceof UnknownFormatError)) throw e;
      out.unreadable.push({ file, reason: e.message });
    }
  }
  for (const u of out.unreadable) io.stderr.write(`fixloop: ${u.file}: ${u.reason}\n`);
  return out;
}
