// Reading a Terraform tree from disk: the only I/O of the source engine.

import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { buildIndex, type SourceFile, type TerraformIndex } from "./index.ts";

/** Directories Terraform itself never reads configuration from. */
const SKIP_DIRS = new Set([".git", ".terraform", "node_modules", ".terragrunt-cache"]);

export class TreeError extends Error {
  readonly code = "TREE_UNREADABLE";
}

/** A file the walk found but could not read (permissions, a dangling link): reported, not fatal. */
export interface UnreadableFile {
  path: string;
  reason: string;
}

/**
 * Every .tf / .tfvars file under `root`. An unreadable file aborts the walk with a TreeError,
 * unless `unreadable` is given: then it is recorded there and the rest is still read.
 */
export async function readTerraformTree(root: string, unreadable?: UnreadableFile[]): Promise<SourceFile[]> {
  const info = await stat(root).catch(() => undefined);
  if (!info) throw new TreeError(`${root}: no such directory — pass the folder that holds your .tf files`);
  if (!info.isDirectory())
    throw new TreeError(`${root}: not a directory — pass the folder that holds your .tf files`);
  const out: SourceFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
      throw new TreeError(`${dir}: cannot read directory (${e.code ?? e.message})`);
    });
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) await walk(full);
      } else if (entry.isFile() && (entry.name.endsWith(".tf") || entry.name.endsWith(".tfvars"))) {
        const path = relative(root, full).split(sep).join("/");
        const text = await readFile(full, "utf8").catch((e: NodeJS.ErrnoException) => {
          const reason = `cannot read file (${e.code ?? e.message})`;
          if (!unreadable) throw new TreeError(`${full}: ${reason}`);
          unreadable.push({ path, reason });
          return undefined;
        });
        if (text !== undefined) out.push({ path, text });
      }
    }
  };
  await walk(root);
  return out;
}

export async function indexTree(root: string): Promise<TerraformIndex> {
  return buildIndex(await readTerraformTree(root));
}
