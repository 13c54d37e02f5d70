// Loading the tree a command works on, and telling the user about files that could not be parsed.

import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { buildIndex, type SourceFile, type TerraformIndex } from "../hcl/index.ts";
import { readTerraformTree } from "../hcl/load.ts";
import { CliError, type CliIo } from "./io.ts";

export interface LoadedTree {
  root: string;
  sources: SourceFile[];
  index: TerraformIndex;
}

export async function loadTree(dir: string | undefined, io: CliIo, command: string): Promise<LoadedTree> {
  if (!dir) throw new CliError(`missing directory: fixloop ${command} <dir>`);
  const root = resolve(io.cwd, dir);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new CliError(
      `${dir}: ${info ? "not a directory" : "no such directory"} — pass the folder that holds your .tf files`,
    );
  }
  const sources = await readTerraformTree(root);
  if (!sources.some((s) => s.path.endsWith(".tf"))) {
    throw new CliError(`${dir}: no .tf files found — pass the folder that holds your Terraform`);
  }
  const index = buildIndex(sources);
  for (const e of index.errors) {
    io.stderr.write(
      `warning: ${dir.replace(/\/$/, "")}/${e.file}:${e.line}:${e.column}: ${e.reason} (file skipped; fix the syntax and re-run)\n`,
    );
  }
  return { root, sources, index };
}
