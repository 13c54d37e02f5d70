// Reading a Terraform tree from disk: the only I/O of the source engine.

import type { Dirent } from "node:fs";
import { closeSync, fstatSync, openSync, readdirSync, readFileSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { buildIndex, type SourceFile, type TerraformIndex, tooLarge } from "./index.ts";

/** Directories Terraform itself never reads configuration from. */
const SKIP_DIRS = new Set([".git", ".terraform", "node_modules", ".terragrunt-cache"]);

const BOM = "\uFEFF";

/** Files Terraform reads: native syntax and its JSON syntax (`.tf.json`, `.tfvars.json`). */
const TERRAFORM_FILE = /\.(tf|tfvars)(\.json)?$/;

export class TreeError extends Error {
  readonly code = "TREE_UNREADABLE";
}

/** How a file's bytes map to the text the parser sees, so a writer can give back the same bytes. */
export interface FileEncoding {
  /** The file started with a UTF-8 byte-order mark (stripped from `text`, as Terraform ignores it). */
  bom: boolean;
  /** Every byte sequence was valid UTF-8. When false, `text` holds U+FFFD where bytes were not, and
   *  writing the text back would change those bytes: the file is read-only to fixes. */
  utf8: boolean;
}

export interface LoadOptions {
  /**
   * Read with blocking calls. For a process that does nothing else meanwhile (the CLI): 10,000
   * small files took ~90 ms this way against ~700 ms through the promise API's thread-pool round
   * trips (open, stat, read, close each one). A server keeps the default, which never blocks.
   */
  sync?: boolean;
}

export interface LoadedFiles {
  sources: SourceFile[];
  /** Per path, only for files with a BOM or bytes that are not UTF-8. */
  encodings: Map<string, FileEncoding>;
  /** Files found but not read (permission, I/O error): path relative to the root, and why. */
  unreadable: Array<{ file: string; reason: string }>;
  /** `terragrunt.hcl` files seen (relative paths): a tree of only these holds no Terraform to scan. */
  terragrunt: string[];
  /** Trivy's ignore files at the root (`.trivyignore`, `.trivyignore.yaml`) as text, when present. */
  ignoreFiles: Array<{ path: string; text: string }>;
}

const IGNORE_FILES = [".trivyignore", ".trivyignore.yaml"];

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const LOSSY_UTF8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** Bytes as text for the parser: BOM removed, invalid UTF-8 replaced (and reported). */
export function decodeSource(bytes: Uint8Array): { text: string; encoding: FileEncoding } {
  let text: string;
  let utf8 = true;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    text = LOSSY_UTF8.decode(bytes);
    utf8 = false;
  }
  const bom = text.startsWith(BOM);
  return { text: bom ? text.slice(1) : text, encoding: { bom, utf8 } };
}

/** The bytes to write for `text` in a file read with `encoding` (the BOM put back). */
export function encodeSource(text: string, encoding: FileEncoding | undefined): string {
  return encoding?.bom ? `${BOM}${text}` : text;
}

/** Files read at once: enough to keep libuv's thread pool busy, few enough to bound open handles. */
const READ_CONCURRENCY = 32;

/**
 * The paths under `dir` a tree load reads (Terraform files and terragrunt.hcl), in the order of a
 * depth-first walk with names sorted; symbolic links and SKIP_DIRS are left out. Sub-directories
 * are listed concurrently, the order stays that of the sequential walk.
 */
async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    throw unlistable(dir, e);
  });
  const parts = treeEntries(dir, entries, listTree);
  return (await Promise.all(parts)).flat();
}

/** `listTree` with blocking calls (`LoadOptions.sync`): same paths, same order. */
function listTreeSync(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw unlistable(dir, e as NodeJS.ErrnoException);
  }
  return treeEntries(dir, entries, listTreeSync).flat();
}

function unlistable(dir: string, e: NodeJS.ErrnoException): TreeError {
  return new TreeError(`${dir}: cannot read directory (${e.code ?? e.message})`);
}

/** The entries of one directory a tree load keeps, sorted: a path, or the listing of a sub-directory. */
function treeEntries<L extends string[] | Promise<string[]>>(
  dir: string,
  entries: Dirent[],
  list: (dir: string) => L,
): Array<string[] | L> {
  return entries
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((entry): string[] | L => {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) return SKIP_DIRS.has(entry.name) ? [] : list(full);
      if (entry.isFile() && (entry.name === "terragrunt.hcl" || TERRAFORM_FILE.test(entry.name)))
        return [full];
      return [];
    });
}

type ReadSource =
  | { text: string; encoding: FileEncoding }
  | { skipped: string } // too large: not read, buildIndex reports it
  | { error: string };

async function readSource(full: string): Promise<ReadSource> {
  const size = await stat(full).then(
    (st) => st.size,
    () => 0, // unreadable: readFile says why
  );
  const skipped = tooLarge(size);
  if (skipped) return { skipped };
  try {
    return decodeSource(await readFile(full));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { error: err.code ?? err.message };
  }
}

/** `readSource` with blocking calls: open, size, read, on one descriptor. */
function readSourceSync(full: string): ReadSource {
  let fd: number | undefined;
  try {
    fd = openSync(full, "r");
    const skipped = tooLarge(fstatSync(fd).size);
    if (skipped) return { skipped };
    return decodeSource(readFileSync(fd));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { error: err.code ?? err.message };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `fn` over `items` with at most `limit` calls pending at once; results in the items' order. */
async function mapConcurrently<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Every `.tf`/`.tfvars` file (and `.tf.json`/`.tfvars.json`) under `root`, skipping symbolic links (their targets are not the
 * repository's content) and directories Terraform never reads. A file that cannot be read is
 * reported in `unreadable` and the walk goes on; a directory that cannot be listed is a TreeError.
 */
export async function loadTerraformTree(root: string, options: LoadOptions = {}): Promise<LoadedFiles> {
  const info = await stat(root).catch(() => undefined);
  if (!info) throw new TreeError(`${root}: no such directory — pass the folder that holds your .tf files`);
  if (!info.isDirectory())
    throw new TreeError(`${root}: not a directory — pass the folder that holds your .tf files`);
  const out: LoadedFiles = {
    sources: [],
    encodings: new Map(),
    unreadable: [],
    terragrunt: [],
    ignoreFiles: [],
  };
  const rel = (full: string) => relative(root, full).split(sep).join("/");
  const listed = options.sync ? listTreeSync(root) : await listTree(root);
  const isTerragrunt = (full: string) => full.endsWith(`${sep}terragrunt.hcl`);
  out.terragrunt.push(...listed.filter(isTerragrunt).map(rel));
  const files = listed.filter((full) => !isTerragrunt(full));
  const read = options.sync
    ? files.map(readSourceSync)
    : await mapConcurrently(files, READ_CONCURRENCY, readSource);
  files.forEach((full, i) => {
    const r = read[i]!;
    if ("skipped" in r) out.sources.push({ path: rel(full), text: "", skipped: r.skipped });
    else if ("error" in r) out.unreadable.push({ file: rel(full), reason: `cannot read file (${r.error})` });
    else {
      out.sources.push({ path: rel(full), text: r.text });
      if (r.encoding.bom || !r.encoding.utf8) out.encodings.set(rel(full), r.encoding);
    }
  });
  for (const name of IGNORE_FILES) {
    const text = await readFile(join(root, name), "utf8").catch(() => undefined);
    if (text !== undefined) out.ignoreFiles.push({ path: name, text });
  }
  return out;
}

/**
 * The files of `loadTerraformTree` with each text exactly as read (a byte-order mark included: the
 * lexer skips it, and a patched text keeps it), for callers that keep no encodings of their own.
 * A file that cannot be read makes the whole read fail.
 */
export async function readTerraformTree(root: string): Promise<SourceFile[]> {
  const loaded = await loadTerraformTree(root);
  const first = loaded.unreadable[0];
  if (first) throw new TreeError(`${join(root, first.file)}: ${first.reason}`);
  return loaded.sources.map((s) =>
    loaded.encodings.get(s.path)?.bom ? { ...s, text: encodeSource(s.text, { bom: true, utf8: true }) } : s,
  );
}

export async function indexTree(root: string): Promise<TerraformIndex> {
  return buildIndex(await readTerraformTree(root));
}
