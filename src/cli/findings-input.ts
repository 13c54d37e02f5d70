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
import { terminalSafe } from "./text.ts";

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
    raw = parseJsonFile(await readFile(resolve(io.cwd, path), "utf8"));
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

/** JSON text as tools write it: a leading UTF-8 byte-order mark (PowerShell, some Windows tools)
 *  is not part of the document (RFC 8259 §8.1 lets a parser ignore it; JSON.parse does not). */
function parseJsonFile(text: string): unknown {
  return JSON.parse(text.startsWith("\uFEFF") ? text.slice(1) : text);
}

function parserFailure(e: unknown): string {
  if (e instanceof UnknownFormatError) return e.message;
  if (e instanceof RangeError) return "not read: the document is nested too deeply";
  return `not read: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`;
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
      document = parseJsonFile(await readFile(resolve(io.cwd, file), "utf8"));
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
      // One document a parser cannot cope with is that file's failure, never the whole run's.
      out.unreadable.push({ file, reason: parserFailure(e) });
    }
  }
  for (const u of out.unreadable) io.stderr.write(`fixloop: ${terminalSafe(`${u.file}: ${u.reason}`)}\n`);
  return out;
}
