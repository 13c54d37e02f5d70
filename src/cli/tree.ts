// Loading the tree a command works on, and telling the user about files that could not be parsed.

import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { buildIndex, type SourceFile, type TerraformIndex } from "../hcl/index.ts";
import { readTerraformTree, type UnreadableFile } from "../hcl/load.ts";
import { CliError, type CliIo } from "./io.ts";

export interface LoadedTree {
  root: string;
  sources: SourceFile[];
  index: TerraformIndex;
  /** Files found but not read; like files in `index.errors`, they were skipped and reported. */
  unreadable: UnreadableFile[];
}

/**
 * `skipUnreadable`: report an unreadable file and go on (scan). Without it (fix) an unreadable
 * file stops the command: a fix could otherwise write a file it never read.
 */
export async function loadTree(
  dir: string | undefined,
  io: CliIo,
  command: string,
  skipUnreadable = false,
): Promise<LoadedTree> {
  if (!dir) throw new CliError(`missing directory: fixloop ${command} <dir>`);
  const root = resolve(io.cwd, dir);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new CliError(
      `${dir}: ${info ? "not a directory" : "no such directory"} — pass the folder that holds your .tf files`,
    );
  }
  const unreadable: UnreadableFile[] = [];
  const sources = await readTerraformTree(root, skipUnreadable ? unreadable : undefined);
  const prefix = dir.replace(/\/$/, "");
  for (const u of unreadable)
    io.stderr.write(
      `warning: ${prefix}/${u.path}: ${u.reason} (file skipped; fix its permissions and re-run)\n`,
    );
  if (!sources.some((s) => s.path.endsWith(".tf")) && unreadable.length === 0) {
    throw new CliError(`${dir}: no .tf files found — pass the folder that holds your Terraform`);
  }
  const index = buildIndex(sources);
  for (const e of index.errors) {
    io.stderr.write(
      `warning: ${prefix}/${e.file}:${e.line}:${e.column}: ${e.reason} (file skipped; fix the syntax and re-run)\n`,
    );
  }
  return { root, sources, index, unreadable };
}
