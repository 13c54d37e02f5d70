// The organization's resource → repository map (issue 19): what each indexed repository could be
// matched on — file names, Terraform addresses, yor_trace tags, resolved cloud names and generated-
// name prefixes — as a set of short keys, and the keys a finding could match on. A repository none
// of whose keys the finding has cannot hold a candidate for it (every strategy `locateAcross` runs
// needs one of them), so locating across hundreds of indexed repositories reads only the few that
// can, and keeps none of the others' indexes in memory. Pure.

import type { Finding } from "../findings/model.ts";
import { resolveTags, type TerraformIndex } from "../hcl/index.ts";
import { CLOUD_STAND_INS, claimedNames, indexedNames } from "./identity.ts";
import { addressForms, normalizePath } from "./locate.ts";

const baseName = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/** What locate() could match in this index, as keys: `f:` file name, `a:` address, `t:` yor_trace, `n:` name, `p:` prefix. */
export function indexKeys(index: TerraformIndex): string[] {
  const keys = new Set<string>();
  for (const path of index.files.keys()) keys.add(`f:${baseName(path)}`);
  for (const r of index.resources) {
    keys.add(`a:${r.address}`);
    for (const a of r.addresses) keys.add(`a:${a}`);
    if (r.mode !== "managed") continue;
    const trace = resolveTags(index, r).yor_trace;
    if (typeof trace === "string") keys.add(`t:${trace}`);
  }
  const { names, prefixes } = indexedNames(index);
  for (const n of names) keys.add(`n:${n}`);
  for (const p of prefixes) keys.add(`p:${p}`);
  return [...keys];
}

/** The keys of indexKeys() that could lead locate() to a block for this finding. */
export function findingKeys(finding: Finding): string[] {
  const r = finding.resource;
  const keys = new Set<string>();
  if (r.file) keys.add(`f:${baseName(normalizePath(r.file))}`);
  if (r.terraformAddress) for (const form of addressForms(r.terraformAddress)) keys.add(`a:${form}`);
  if (r.tags?.yor_trace) keys.add(`t:${r.tags.yor_trace}`);
  // A name built from the account or region is kept with stand-ins in their place.
  const standIn = (text: string) => {
    let out = text;
    if (r.account) out = out.split(r.account).join(CLOUD_STAND_INS.account);
    if (r.region) out = out.split(r.region).join(CLOUD_STAND_INS.region);
    return out;
  };
  const { names, prefixes } = claimedNames(finding);
  for (const n of names) for (const v of [n, standIn(n)]) keys.add(`n:${v}`);
  for (const p of prefixes) for (const v of [p, standIn(p)]) keys.add(`p:${v}`);
  return [...keys];
}

/**
 * The keys of findingKeys() that name this very resource: its cloud names (`n:`) and yor_trace
 * (`t:`). A repository holding one of them defined the resource when it was indexed — evidence
 * about this finding, where a file name or an address could be any repository's.
 */
export function identifyingKeys(finding: Finding): string[] {
  return findingKeys(finding).filter((k) => k.startsWith("n:") || k.startsWith("t:"));
}

/**
 * Which repositories hold which keys, each at the commit it was indexed at. Small: a few hundred
 * short strings per repository, against the megabytes of its index.
 */
export class ResourceRepositoryMap {
  readonly #byKey = new Map<string, Set<string>>();
  readonly #repositories = new Map<string, { sha: string; keys: string[] }>();

  /** The repository's keys at `sha` replace those it had. */
  set(repository: string, sha: string, keys: readonly string[]): void {
    this.delete(repository);
    const unique = [...new Set(keys)];
    this.#repositories.set(repository, { sha, keys: unique });
    for (const k of unique) {
      const holders = this.#byKey.get(k);
      if (holders) holders.add(repository);
      else this.#byKey.set(k, new Set([repository]));
    }
  }

  delete(repository: string): void {
    const entry = this.#repositories.get(repository);
    if (!entry) return;
    this.#repositories.delete(repository);
    for (const k of entry.keys) {
      const holders = this.#byKey.get(k);
      holders?.delete(repository);
      if (holders?.size === 0) this.#byKey.delete(k);
    }
  }

  /** The commit the repository's keys are from, or undefined when it was never indexed. */
  sha(repository: string): string | undefined {
    return this.#repositories.get(repository)?.sha;
  }

  /** The repositories holding at least one of the keys. */
  holding(keys: readonly string[]): Set<string> {
    const out = new Set<string>();
    for (const k of keys) for (const r of this.#byKey.get(k) ?? []) out.add(r);
    return out;
  }
}
