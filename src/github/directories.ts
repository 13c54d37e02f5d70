// The Terraform files of a few directories at a few refs in one request: GitHub's GraphQL API gives
// a directory as a tree object (`repository.object(expression: "<ref>:<dir>")`) whose entries carry
// their blobs' texts, so the base and head of every directory a pull request changes come back
// together — where the REST API needs a tree listing and then one request per blob. The query
// and the reading of its answer are pure; ./octokit-platform.ts sends it.
//
// Schema (GitHub's GraphQL reference): Repository.object(expression: String): GitObject;
// Tree.entries: [TreeEntry!] (name, type "blob" | "tree" | "commit", object); Blob: byteSize,
// isBinary, isTruncated, oid, text ("UTF8 text data or null if the Blob is binary").

import type { RepoFile } from "./platform.ts";

/** Directories per query: a pull request touching more is asked about in several. */
export const DIRS_PER_QUERY = 25;

const TREE_FIELDS = `... on Tree { entries { name type object { ... on Blob { oid byteSize isBinary isTruncated text } } } }`;

/** The git revision expression of `dir` at `ref` ("." is the root: "<ref>:"). */
const expression = (ref: string, dir: string) => `${ref}:${dir === "." ? "" : dir}`;

/**
 * One query for every (ref, dir): aliases `d<ref index>_<dir index>`, the expressions passed as
 * variables — a directory name comes from a pull request and is never spliced into the query.
 */
export function directoriesQuery(
  repository: { owner: string; repo: string },
  refs: readonly string[],
  dirs: readonly string[],
): { query: string; variables: Record<string, string> } {
  const variables: Record<string, string> = { owner: repository.owner, name: repository.repo };
  const params = ["$owner: String!", "$name: String!"];
  const fields: string[] = [];
  for (const [r, ref] of refs.entries())
    for (const [d, dir] of dirs.entries()) {
      const v = `e${r}_${d}`;
      variables[v] = expression(ref, dir);
      params.push(`$${v}: String!`);
      fields.push(`d${r}_${d}: object(expression: $${v}) { ${TREE_FIELDS} }`);
    }
  const query = `query(${params.join(", ")}) { repository(owner: $owner, name: $name) { ${fields.join(" ")} } }`;
  return { query, variables };
}

interface BlobNode {
  oid?: string;
  byteSize?: number;
  isBinary?: boolean;
  isTruncated?: boolean;
  text?: string | null;
}
interface TreeNode {
  entries?: Array<{ name: string; type: string; object?: BlobNode | null }> | null;
}

const isTerraformName = (name: string) => /\.(tf|tfvars)$/.test(name);

/** A blob GraphQL gave without its whole text (cut short): the caller reads it by its oid. */
export interface PendingBlob {
  ref: number;
  index: number;
  oid: string;
}

/**
 * Each ref's files, in the order of `dirs` then of the tree: at most `limits.files` per ref (then
 * `truncated`), a blob over `limits.bytes` or binary kept as skipped, a blob whose text GitHub cut
 * short listed in `pending` (its text left empty until read). A directory missing at a ref (added
 * or removed by the PR) has no files there.
 */
export function directoriesFromAnswer(
  answer: Record<string, TreeNode | null | undefined>,
  refs: readonly string[],
  dirs: readonly string[],
  limits: { files: number; bytes: number },
): { sides: Array<{ files: RepoFile[]; truncated: boolean }>; pending: PendingBlob[] } {
  const pending: PendingBlob[] = [];
  const sides = refs.map((_, r) => {
    const files: RepoFile[] = [];
    let truncated = false;
    dirs.forEach((dir, d) => {
      for (const entry of answer[`d${r}_${d}`]?.entries ?? []) {
        if (entry.type !== "blob" || !isTerraformName(entry.name)) continue;
        if (files.length >= limits.files) {
          truncated = true;
          break;
        }
        const path = dir === "." ? entry.name : `${dir}/${entry.name}`;
        const blob = entry.object ?? {};
        const size = blob.byteSize ?? 0;
        const sha = blob.oid ? { sha: blob.oid } : {};
        if (size > limits.bytes)
          files.push({
            path,
            text: "",
            ...sha,
            skipped: `skipped: larger than ${limits.bytes} bytes (${size} bytes)`,
          });
        else if (blob.isBinary) files.push({ path, text: "", ...sha, skipped: "skipped: not text (binary)" });
        else {
          if ((blob.isTruncated || typeof blob.text !== "string") && blob.oid)
            pending.push({ ref: r, index: files.length, oid: blob.oid });
          files.push({ path, text: blob.text ?? "", ...sha });
        }
      }
    });
    return { files, truncated };
  });
  return { sides, pending };
}
