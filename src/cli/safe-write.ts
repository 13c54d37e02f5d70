// Writing patched files into the user's checkout without ever leaving it. A repository is
// untrusted: a committed symlink (`variables.tf -> ~/.bashrc`, a dangling link, a linked
// directory) must not turn a fix into a write anywhere else. The root's real path is resolved once;
// every target is checked component by component with lstat (no link anywhere below the root, the
// real parent inside the root), and files are opened with O_NOFOLLOW — new ones with O_EXCL — so a
// link swapped in after the check is refused by the kernel rather than followed.

import { constants } from "node:fs";
import { lstat, mkdir, open, realpath } from "node:fs/promises";
import { join, posix, sep } from "node:path";
import { encodeSource, type FileEncoding } from "../hcl/load.ts";

export interface Checkout {
  /** The root's real path (symlinks in the path to the root itself are the user's choice). */
  realRoot: string;
  /** Files read with a BOM or with bytes that are not UTF-8, by relative path. */
  encodings: Map<string, FileEncoding>;
}

export async function openCheckout(root: string, encodings: Map<string, FileEncoding>): Promise<Checkout> {
  return { realRoot: await realpath(root), encodings };
}

/** Why `path` (relative, forward slashes) must not be written, or undefined when it may be. */
export async function writeRefusal(checkout: Checkout, path: string): Promise<string | undefined> {
  const normal = posix.normalize(path);
  if (posix.isAbsolute(normal) || normal === ".." || normal.startsWith("../") || normal !== path)
    return `${path} is not a plain path inside the checkout`;
  if (checkout.encodings.get(path)?.utf8 === false)
    return `${path} is not valid UTF-8: rewriting it would change bytes on lines the fix does not touch`;
  const parts = path.split("/");
  let current = checkout.realRoot;
  for (const [i, part] of parts.entries()) {
    current = join(current, part);
    const info = await lstat(current).catch((e: NodeJS.ErrnoException) => e);
    if (info instanceof Error) {
      if (info.code === "ENOENT") break; // created by the write, below a checked parent
      return `${path}: cannot check ${parts.slice(0, i + 1).join("/")} (${info.code ?? info.message})`;
    }
    const shown = parts.slice(0, i + 1).join("/");
    if (info.isSymbolicLink())
      return `${shown} is a symbolic link: fixloop does not write through links (its target may be outside the checkout)`;
    const last = i === parts.length - 1;
    if (last && !info.isFile()) return `${shown} exists and is not a regular file`;
    if (!last && !info.isDirectory()) return `${shown} is not a directory`;
  }
  return undefined;
}

/** Writes `text` to `path` under the checkout, refusing links; throws WriteRefused with the reason. */
export async function writeInside(checkout: Checkout, path: string, text: string): Promise<void> {
  const refusal = await writeRefusal(checkout, path);
  if (refusal) throw new WriteRefused(refusal);
  const target = join(checkout.realRoot, ...path.split("/"));
  const parent = join(checkout.realRoot, ...path.split("/").slice(0, -1));
  await mkdir(parent, { recursive: true });
  // The parent's real path must still be inside the root (a directory swapped for a link since the check).
  const realParent = await realpath(parent);
  if (realParent !== checkout.realRoot && !realParent.startsWith(checkout.realRoot + sep))
    throw new WriteRefused(`${path}: its directory resolves outside the checkout`);
  const exists = await lstat(target).then(
    () => true,
    () => false,
  );
  const flags = exists
    ? constants.O_WRONLY | constants.O_TRUNC | constants.O_NOFOLLOW
    : constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const handle = await open(target, flags, 0o644).catch((e: NodeJS.ErrnoException) => {
    throw new WriteRefused(`${path}: not written (${e.code ?? e.message})`);
  });
  try {
    await handle.writeFile(encodeSource(text, checkout.encodings.get(path)), "utf8");
  } finally {
    await handle.close();
  }
}

export class WriteRefused extends Error {
  readonly code = "WRITE_REFUSED";
}
