// Every patch is checked before anyone sees it: the patched file must parse with HashiCorp's own
// parser (@cdktf/hcl2json), its JSON must equal the original's plus exactly the intended change,
// and a file that was `terraform fmt`-clean must stay clean (@cdktf/hcl-tools is hclwrite's formatter).

import { format } from "@cdktf/hcl-tools";
import { parse } from "@cdktf/hcl2json";
import type { Block, BodyItem, HclFile } from "./ast.ts";
import { applySplices, type EditOp, planSplices } from "./edit.ts";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export type PatchResult =
  | { ok: true; path: string; before: string; after: string; formatted: boolean }
  | { ok: false; path: string; reason: string };

/**
 * A small memo of recent parser results, keyed by the text: when several fixes land in one file,
 * the patched text of one fix is the original of the next, and the WASM parsers cost ~2.5 ms/KB.
 */
function memo<T>(fn: (text: string) => Promise<T>, size = 32): (text: string) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (text) => {
    let hit = cache.get(text);
    if (hit) {
      cache.delete(text); // re-insert: most recently used last
    } else {
      hit = fn(text);
      if (cache.size >= size) cache.delete(cache.keys().next().value!);
    }
    cache.set(text, hit);
    return hit;
  };
}

const parseMemo = memo(async (text) => (await parse("file.tf", text)) as Json);

/** The few distinct values and blocks rules write recur in every fix: a memo of their own, so
 *  that large files passing through parseMemo do not evict them. */
const snippetJson = memo(async (text) => (await parse("snippet.tf", text)) as Json, 256);

async function hclToJson(path: string, text: string): Promise<Json> {
  try {
    return await parseMemo(text);
  } catch (e) {
    // Re-parse under the real name so the error message names the file.
    await parse(path, text);
    throw e;
  }
}

/** Texts `format` returned unchanged: they are fmt-clean without asking the formatter again. */
const knownClean = new Set<string>();

/** hclwrite's `format`, remembering inputs it leaves as they are (see isFmtClean). */
async function formatText(text: string): Promise<string> {
  const out = await format(text);
  if (out === text) {
    if (knownClean.size >= 64) knownClean.delete(knownClean.values().next().value!);
    knownClean.add(text);
  }
  return out;
}

const fmtCleanMemo = memo(async (text: string): Promise<boolean> => {
  const normalized = text.replace(/\r\n/g, "\n");
  if (knownClean.has(normalized)) return true;
  try {
    return (await formatText(normalized)) === normalized;
  } catch {
    return false;
  }
});

/** Whether `text` is already in the layout `terraform fmt` produces. */
export const isFmtClean = (text: string): Promise<boolean> =>
  knownClean.has(text) ? Promise.resolve(true) : fmtCleanMemo(text);

/** hcl2json path of a block: `resource.aws_s3_bucket.logs.0.versioning.0`. */
function jsonPathOf(body: BodyItem[], target: Block): Array<string | number> | undefined {
  for (const item of body) {
    if (item.kind !== "block") continue;
    const siblings = body.filter(
      (b): b is Block =>
        b.kind === "block" && b.type === item.type && b.labels.join("\0") === item.labels.join("\0"),
    );
    const here = [item.type, ...item.labels, siblings.indexOf(item)];
    if (item === target) return here;
    const inner = jsonPathOf(item.body, target);
    if (inner) return [...here, ...inner];
  }
  return undefined;
}

function at(root: Json, path: Array<string | number>): Json | undefined {
  let cur: Json | undefined = root;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, Json>)[key as string];
  }
  return cur;
}

/** Merges a snippet's JSON into `target`, appending to block arrays (how hcl2json lists blocks). */
function mergeBlocks(target: Record<string, Json>, snippet: Record<string, Json>): void {
  for (const [k, v] of Object.entries(snippet)) {
    const existing = target[k];
    if (Array.isArray(v) && (existing === undefined || Array.isArray(existing)))
      target[k] = [...(existing ?? []), ...v];
    else if (v && typeof v === "object" && !Array.isArray(v)) {
      const obj = existing && typeof existing === "object" && !Array.isArray(existing) ? existing : {};
      target[k] = obj;
      mergeBlocks(obj, v);
    } else target[k] = v;
  }
}

/** A replaced block leaves its type's array (hcl2json lists blocks) and the new text's JSON joins
 *  the parent. */
async function replaceBlockJson(
  file: HclFile,
  expected: Record<string, Json>,
  block: Block,
  text: string,
): Promise<void> {
  const path = jsonPathOf(file.body, block);
  if (!path) throw new Error("the block to replace is not part of this file");
  const parent = at(expected, path.slice(0, -2)) as Record<string, Json> | undefined;
  const list = parent?.[path.at(-2) as string];
  if (!parent || !Array.isArray(list)) throw new Error(`block ${path.join(".")} not found in parsed file`);
  list.splice(path.at(-1) as number, 1);
  if (list.length === 0) delete parent[path.at(-2) as string];
  mergeBlocks(parent, (await snippetJson(`${text}\n`)) as Record<string, Json>);
}

async function expectedJson(file: HclFile, before: Json, ops: EditOp[]): Promise<Json> {
  const expected = structuredClone(before) as Record<string, Json>;
  for (const op of ops) {
    if (op.kind === "replaceBlock") {
      await replaceBlockJson(file, expected, op.block, op.text);
      continue;
    }
    const parentPath =
      op.kind === "addBlock"
        ? op.parent
          ? jsonPathOf(file.body, op.parent)
          : []
        : op.block
          ? jsonPathOf(file.body, op.block)
          : [];
    if (!parentPath) throw new Error("the block to edit is not part of this file");
    const target = at(expected, parentPath) as Record<string, Json> | undefined;
    if (!target || typeof target !== "object")
      throw new Error(`block ${parentPath.join(".")} not found in parsed file`);
    if (op.kind === "set") {
      const parsed = (await snippetJson(`${op.name} = ${op.value}\n`)) as Record<string, Json>;
      target[op.name] = parsed[op.name] ?? null;
    } else if (op.kind === "remove") {
      delete target[op.name];
    } else {
      mergeBlocks(target, (await snippetJson(`${op.text}\n`)) as Record<string, Json>);
    }
  }
  return expected;
}

/** First path where two JSON values differ, for the refusal message. */
function firstDifference(a: Json | undefined, b: Json | undefined, path = ""): string | undefined {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) === !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference(
        (a as Record<string, Json>)[k],
        (b as Record<string, Json>)[k],
        `${path}.${k}`,
      );
      if (d) return d;
    }
  }
  return path || "(root)";
}

/** Key order is not meaningful in hcl2json output; compare canonical forms. */
function canonical(v: Json): Json {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical(v[k]!)]),
    );
  }
  return v;
}

/** Applies the operations to one file and verifies the result; never returns an unverified patch. */
export async function patchFile(file: HclFile, ops: EditOp[]): Promise<PatchResult> {
  const wasClean = await wasFmtClean(file.text);
  const patched = await applyEdits(file, ops, wasClean);
  if (!patched.ok) return patched;
  const check = await startVerification(file.path, file.text, wasClean);
  await check.add(file, ops); // a failure here is reported by finish, in the order of its checks
  const verified = await check.finish(patched.after);
  if (!verified.ok) return verified;
  return { ok: true, path: file.path, before: file.text, after: patched.after, formatted: patched.formatted };
}

/** Whether a file is held to `terraform fmt` layout: an empty file is, as is one already in it. */
export async function wasFmtClean(text: string): Promise<boolean> {
  return text.trim() === "" || (await isFmtClean(text));
}

/** The operations spliced into the file's text, formatted with hclwrite when the file was clean:
 *  the text a patch writes, not yet verified. */
export async function applyEdits(
  file: HclFile,
  ops: EditOp[],
  wasClean: boolean,
): Promise<{ ok: true; after: string; formatted: boolean } | { ok: false; path: string; reason: string }> {
  const path = file.path;
  let after: string;
  try {
    after = applySplices(file.text, planSplices(file, ops));
  } catch (e) {
    return { ok: false, path, reason: `edits could not be combined: ${(e as Error).message}` };
  }
  let formatted = false;
  if (wasClean) {
    const eol = file.text.includes("\r\n") ? "\r\n" : "\n";
    try {
      const fmt = (await formatText(after.replace(/\r\n/g, "\n"))).replace(/\n/g, eol);
      formatted = fmt !== after;
      after = fmt;
    } catch (e) {
      return { ok: false, path, reason: `the patched file does not format: ${String(e)}` };
    }
  }
  return { ok: true, after, formatted };
}

type Check = { ok: true } | { ok: false; path: string; reason: string };

/** The verification of one file through one or more patches: parse the original once, add each
 *  patch's intended change (planned on the text the previous patch produced) to the expected JSON,
 *  then parse the final text once and compare. */
export interface FileVerification {
  add(file: HclFile, ops: EditOp[]): Promise<Check>;
  /** `heldToFmt`: the final text must be fmt-clean (by default: when the original was). */
  finish(after: string, heldToFmt?: boolean): Promise<Check>;
}

export async function startVerification(
  path: string,
  original: string,
  wasClean: boolean,
): Promise<FileVerification> {
  let expected: Json | undefined;
  let failed: Check | undefined;
  // Reported after a patched text that does not parse, as a single patch's check always has.
  let invalidChange: Check | undefined;
  try {
    expected = await hclToJson(path, original);
  } catch (e) {
    failed = {
      ok: false,
      path,
      reason: `the original file does not parse with HashiCorp's parser: ${firstLine(e)}`,
    };
  }
  return {
    async add(file, ops) {
      if (failed || invalidChange || expected === undefined) return failed ?? invalidChange!;
      try {
        expected = await expectedJson(file, expected, ops);
        return { ok: true };
      } catch (e) {
        invalidChange = { ok: false, path, reason: `the intended change is not valid HCL: ${firstLine(e)}` };
        return invalidChange;
      }
    },
    async finish(after, heldToFmt = wasClean) {
      if (failed || expected === undefined) return failed!;
      let afterJson: Json;
      try {
        afterJson = await hclToJson(path, after);
      } catch (e) {
        return { ok: false, path, reason: `the patched file would not parse: ${firstLine(e)}` };
      }
      if (invalidChange) return invalidChange;
      const diff = firstDifference(canonical(expected), canonical(afterJson));
      if (diff) {
        return {
          ok: false,
          path,
          reason: `the patch changes more than intended (at ${diff.slice(1) || "the top level"})`,
        };
      }
      if (heldToFmt && !(await isFmtClean(after))) {
        return { ok: false, path, reason: "the file was terraform fmt-clean and the patch would break that" };
      }
      return { ok: true };
    },
  };
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split("\n")[0] ?? "";
}
