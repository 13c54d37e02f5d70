// Loading the tree a command works on, and telling the user about files that could not be read or
// parsed. One bad file never stops the others: it is named (file, line, reason) and left out.

import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { HclSyntaxError } from "../hcl/errors.ts";
import { buildIndex, type SourceFile, type TerraformIndex } from "../hcl/index.ts";
import { loadTerraformTree } from "../hcl/load.ts";
import { CliError, type CliIo } from "./io.ts";
import { type Checkout, openCheckout, writeRefusal } from "./safe-write.ts";
import { terminalSafe } from "./text.ts";

/** A file left out of the run: relative path, where in it when known, and why. */
export interface FileProblem {
  file: string;
  line?: number;
  column?: number;
  reason: string;
}

/** A problem in the JSON outputs (`errors`), the shape scan has always used for syntax errors. */
export function problemJson(p: FileProblem) {
  return { file: p.file, line: p.line ?? null, column: p.column ?? null, message: p.reason };
}

export interface LoadedTree {
  root: string;
  sources: SourceFile[];
  index: TerraformIndex;
  /** Files that could not be read or parsed; any makes the command exit 2. */
  problems: FileProblem[];
  /** `.trivyignore` / `.trivyignore.yaml` at the root, as text. */
  ignoreFiles: Array<{ path: string; text: string }>;
  checkout: Checkout;
  /** For the fix engine: why a file must not be written, if it must not. */
  refuseWrite: (path: string) => Promise<string | undefined>;
}

/**
 * The tree under `dir`: a file that cannot be read or parsed is reported on stderr, left out, and
 * never written (`refuseWrite`); the rest is loaded.
 */
export async function loadTree(dir: string | undefined, io: CliIo, command: string): Promise<LoadedTree> {
  if (!dir) throw new CliError(`missing directory: fixloop ${command} <dir>`);
  const root = resolve(io.cwd, dir);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new CliError(
      `${dir}: ${info ? "not a directory" : "no such directory"} — pass the folder that holds your .tf files`,
    );
  }
  // A CLI process does nothing else while it reads: blocking reads are several times faster.
  const loaded = await loadTerraformTree(root, { sync: true });
  const problems: FileProblem[] = [...loaded.unreadable];
  if (!loaded.sources.some((s) => /\.tf(\.json)?$/.test(s.path)) && problems.length === 0) {
    if (loaded.terragrunt.length > 0) {
      const n = loaded.terragrunt.length;
      throw new CliError(
        `${dir}: holds Terragrunt configuration (${n} terragrunt.hcl file${n === 1 ? "" : "s"}) but no .tf files — fixloop reads Terraform, not Terragrunt: pass the folder of the Terraform module each terragrunt.hcl names in terraform { source }`,
      );
    }
    throw new CliError(`${dir}: no .tf files found — pass the folder that holds your Terraform`);
  }
  const { index, failed } = indexEachFileSafely(loaded.sources);
  problems.push(...failed);
  const shown = dir.replace(/\/$/, "");
  for (const p of problems.sort((a, b) => a.file.localeCompare(b.file))) {
    const at = p.line ? `:${p.line}:${p.column ?? 1}` : "";
    const advice = p.line ? "file skipped; fix the syntax and re-run" : "file skipped";
    io.stderr.write(`error: ${terminalSafe(`${shown}/${p.file}${at}: ${p.reason}`)} (${advice})\n`);
  }
  const checkout = await openCheckout(root, loaded.encodings);
  // Files that made the parser throw stay out of every later index; no file with a problem is
  // ever written (the fix engine would take a file it did not read for a new one).
  const crashed = new Set(failed.filter((f) => f.line === undefined).map((f) => f.file));
  const sources = loaded.sources.filter((s) => !crashed.has(s.path));
  const skipped = new Set(problems.map((p) => p.file));
  const refuseWrite = async (path: string) =>
    skipped.has(path)
      ? `${path} could not be read or parsed, so fixloop does not change it`
      : writeRefusal(checkout, path);
  return { root, sources, index, problems, checkout, refuseWrite, ignoreFiles: loaded.ignoreFiles };
}

/**
 * The index of every file that parses, and the files that do not. A syntax error is the parser's
 * to report; anything else a file makes the parser throw (a stack overflow on deep nesting, a bug)
 * is caught here, per file, so one hostile file cannot hide the rest of the tree.
 */
export function indexEachFileSafely(sources: SourceFile[]): { index: TerraformIndex; failed: FileProblem[] } {
  const fromSyntax = (e: HclSyntaxError): FileProblem => ({
    file: e.file,
    line: e.line,
    column: e.column,
    reason: e.reason,
  });
  try {
    const index = buildIndex(sources);
    return { index, failed: index.errors.map(fromSyntax) };
  } catch {
    const failed: FileProblem[] = [];
    // Only on this rare path: each file indexed alone (parsing and reading its blocks) finds the
    // file(s) that throw; syntax errors are left to buildIndex, which reports them.
    for (const s of sources) {
      try {
        buildIndex([s]);
      } catch (e) {
        failed.push({ file: s.path, reason: unexpectedParseFailure(e) });
      }
    }
    const bad = new Set(failed.map((f) => f.file));
    const index = buildIndex(sources.filter((s) => !bad.has(s.path)));
    return { index, failed: [...failed, ...index.errors.map(fromSyntax)] };
  }
}

function unexpectedParseFailure(e: unknown): string {
  if (e instanceof RangeError) return "cannot be parsed: nested too deeply";
  return `cannot be parsed (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`;
}
