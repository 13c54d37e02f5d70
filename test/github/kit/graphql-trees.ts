// Answers fixloop's one GraphQL query (src/github/directories.ts) the way GitHub does: for each
// variable `e<r>_<d>` holding a git revision expression "<ref>:<dir>", the alias `d<r>_<d>` is that
// directory's tree — entries with their blobs' oid, byteSize, isBinary, isTruncated and text — or
// null when the directory is not there at that ref. What a directory holds comes from the test
// (a map of files per ref) or from a real git repository (the bench).

import { createHash } from "node:crypto";

interface BlobAnswer {
  oid: string;
  byteSize: number;
  isBinary: boolean;
  isTruncated: boolean;
  text: string | null;
}

export interface TreeEntryAnswer {
  name: string;
  type: "blob" | "tree" | "commit";
  object: BlobAnswer | Record<string, never>;
}

/** Git's blob id of `text` (what GitHub reports as the blob's oid). */
export const blobOid = (text: string | Buffer) => {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
};

/** A blob entry as GitHub gives it; `as` changes what GitHub says of it (binary, cut short). */
export function blobEntry(name: string, text: string, as: Partial<BlobAnswer> = {}): TreeEntryAnswer {
  const byteSize = Buffer.byteLength(text);
  const object = { oid: blobOid(text), byteSize, isBinary: false, isTruncated: false, text };
  return { name, type: "blob", object: { ...object, ...as } };
}

/** The entries directly in `dir` of a flat map path → text ("." is the root); null: no such directory. */
export function entriesOf(files: Readonly<Record<string, string>>, dir: string): TreeEntryAnswer[] | null {
  const prefix = dir === "." ? "" : `${dir}/`;
  const entries = new Map<string, TreeEntryAnswer>();
  for (const [path, text] of Object.entries(files)) {
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash === -1) entries.set(rest, blobEntry(rest, text));
    else entries.set(rest.slice(0, slash), { name: rest.slice(0, slash), type: "tree", object: {} });
  }
  return entries.size === 0 ? null : [...entries.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The GraphQL answer to a request body `{ query, variables }`, from `entries(ref, dir)`. */
export function answerDirectories(
  body: unknown,
  entries: (ref: string, dir: string) => TreeEntryAnswer[] | null,
): { data: { repository: Record<string, { entries: TreeEntryAnswer[] } | null> } } {
  const { variables } = body as { variables: Record<string, string> };
  const repository: Record<string, { entries: TreeEntryAnswer[] } | null> = {};
  for (const [name, value] of Object.entries(variables)) {
    const alias = /^e(\d+_\d+)$/.exec(name)?.[1];
    if (!alias) continue;
    const colon = value.indexOf(":");
    const found = entries(value.slice(0, colon), value.slice(colon + 1) || ".");
    repository[`d${alias}`] = found ? { entries: found } : null;
  }
  return { data: { repository } };
}
