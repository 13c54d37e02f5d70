// Finding → the Terraform block that defines its resource. Strategies, strongest first:
//  1. file + line from an IaC scanner → the enclosing resource (the file at exactly that path wins);
//  2. a Terraform address → the index;
//  3. an explicit mapping from configuration, or yor trace tags on the resource;
//  4. the cloud identity (bucket name, DB identifier, the GroupName Security Hub gives beside the
//     sg- id, Name tag…) matched against attribute values resolved through variables, tfvars, locals
//     and local module inputs, or against a *_prefix plus the suffix Terraform generates;
//  5. a call to a known registry module whose inputs name the resource (fixed at the call site).
// A block of a type the finding's rule does not cover is never a candidate. Two equally good
// candidates are never resolved by guessing: the result is "ambiguous".

import type { Finding } from "../findings/model.ts";
import {
  findResource,
  type Resource,
  resolveTags,
  resourceInstances,
  type TerraformIndex,
} from "../hcl/index.ts";
import { byIdentity, byModuleInput } from "./identity.ts";
import { type Candidate, CONFIDENCE, type Location } from "./types.ts";

export interface LocateOptions {
  /** Terraform types the finding's rule covers (from the catalog rule), narrowing identity matches. */
  resourceTypes?: string[];
  /** Explicit mappings from configuration: a cloud id/ARN/name → a Terraform address (and file). */
  mappings?: Array<{ resource: string; address: string; file?: string }>;
}

/** Per-index lookup tables, built once: locating many findings must not rescan the tree each time. */
interface Lookup {
  byFile: Map<string, Resource[]>;
  byAddress: Map<string, Resource[]>;
  /** File paths by their last segment, for suffix matching of absolute scanner paths. */
  byBasename: Map<string, string[]>;
}
const LOOKUPS = new WeakMap<TerraformIndex, Lookup>();

function lookup(index: TerraformIndex): Lookup {
  let l = LOOKUPS.get(index);
  if (l) return l;
  l = { byFile: new Map(), byAddress: new Map(), byBasename: new Map() };
  const add = <T>(m: Map<string, T[]>, k: string, v: T) => {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  };
  for (const r of index.resources) {
    add(l.byFile, r.file, r);
    for (const a of new Set([r.address, ...r.addresses])) add(l.byAddress, a, r);
  }
  for (const f of index.files.keys()) add(l.byBasename, f.slice(f.lastIndexOf("/") + 1), f);
  LOOKUPS.set(index, l);
  return l;
}

export function locate(finding: Finding, index: TerraformIndex, options: LocateOptions = {}): Location {
  const all = [
    ...byFileLine(finding, index),
    ...byAddress(finding, index),
    ...byMapping(finding, index, options),
    ...byTags(finding, index),
    ...byIdentity(finding, index, options),
    ...byModuleInput(finding, index, options),
  ];
  // A block of a type the finding's rule does not cover cannot be what the finding is about
  // (a line number that also falls inside an aws_lb of another file, a tag shared by two types).
  const covered = (c: Candidate) =>
    !c.resource || !options.resourceTypes?.length || options.resourceTypes.includes(c.resource.type);
  const candidates = all.filter(covered);
  if (candidates.length === 0) {
    const other = all.find((c) => !covered(c));
    return {
      kind: "not-found",
      reason: other
        ? `${notFoundReason(finding)} of a type its rule covers (${options.resourceTypes!.join(", ")}); ${describe(other)} matches (${other.evidence}), but the rule does not cover ${other.resource!.type}`
        : notFoundReason(finding),
    };
  }
  // One candidate per block, keeping the strongest evidence for it.
  const best = new Map<string, Candidate>();
  for (const c of candidates) {
    const key = c.resource
      ? `${c.resource.file}:${c.resource.address}`
      : `${c.moduleCall!.file}:${c.moduleCall!.address}`;
    const seen = best.get(key);
    if (!seen || seen.confidence < c.confidence) best.set(key, c);
  }
  // The instance a finding names (by address) stays known whichever evidence won for its block.
  for (const c of candidates) {
    if (!c.instance || !c.resource) continue;
    const key = `${c.resource.file}:${c.resource.address}`;
    const kept = best.get(key);
    if (kept && !kept.instance) best.set(key, { ...kept, instance: c.instance });
  }
  const ranked = [...best.values()].sort((a, b) => b.confidence - a.confidence);
  const top = ranked.filter((c) => c.confidence === ranked[0]!.confidence);
  if (top.length > 1) {
    return {
      kind: "ambiguous",
      candidates: top,
      reason: `${top.length} blocks match equally well (${top.map(describe).join(", ")}); fixloop does not guess`,
    };
  }
  return { kind: "located", candidate: top[0]!, alternatives: ranked.slice(1) };
}

function describe(c: Candidate): string {
  return c.resource
    ? `${c.resource.address} in ${c.resource.file}`
    : `${c.moduleCall!.address} in ${c.moduleCall!.file}`;
}

function notFoundReason(f: Finding): string {
  const r = f.resource;
  const what = r.terraformAddress ?? r.file ?? r.arn ?? r.id ?? r.name ?? "the resource";
  return `no Terraform block in this checkout defines ${what}`;
}

/** Scanner paths may be absolute, `file://` URIs, Windows paths or relative to another root. */
export function normalizePath(p: string): string {
  return p
    .replace(/^file:\/\//, "")
    .replace(/\\/g, "/")
    .replace(/^[A-Za-z]:\//, "/")
    .replace(/^\.\//, "");
}

/**
 * The index files the finding's path designates: the file at exactly that path when there is one,
 * else the files sharing the longest tail with it (an absolute path from a CI runner matches its
 * tail). `examples/demo/main.tf` is that file, never also the root `main.tf`.
 */
function matchingFiles(index: TerraformIndex, path: string): string[] {
  const wanted = normalizePath(path).replace(/^\/+/, "");
  const base = wanted.slice(wanted.lastIndexOf("/") + 1);
  const files = lookup(index).byBasename.get(base) ?? [];
  if (files.includes(wanted)) return [wanted];
  const out = files.filter((f) => wanted.endsWith(`/${f}`) || f.endsWith(`/${wanted}`));
  const shared = (f: string) => Math.min(f.length, wanted.length);
  const longest = Math.max(0, ...out.map(shared));
  return out.filter((f) => shared(f) === longest);
}

function byFileLine(finding: Finding, index: TerraformIndex): Candidate[] {
  const { file, line } = finding.resource;
  if (!file || !line) return [];
  const files = matchingFiles(index, file);
  const out: Candidate[] = [];
  for (const f of files) {
    const enclosing = (lookup(index).byFile.get(f) ?? []).filter((r) => r.line <= line && line <= r.endLine);
    for (const r of enclosing) {
      out.push({
        resource: r,
        by: "file-line",
        evidence: `${file}:${line} is inside ${r.address} (${r.file}:${r.line}-${r.endLine})`,
        confidence: CONFIDENCE["file-line"],
      });
    }
  }
  return out;
}

function byAddress(finding: Finding, index: TerraformIndex): Candidate[] {
  const address = finding.resource.terraformAddress;
  if (!address) return [];
  const [bare, tail] = addressForms(address);
  const byAddress = (a: string) => lookup(index).byAddress.get(a) ?? [];
  let found = byAddress(bare);
  // A module-qualified address (module.x.aws_s3_bucket.y) from a scanner run elsewhere: try the tail.
  if (found.length === 0) found = byAddress(tail);
  const { file } = finding.resource;
  if (file && found.length > 1) {
    const files = new Set(matchingFiles(index, file));
    const inFile = found.filter((r) => files.has(r.file));
    if (inFile.length > 0) found = inFile;
  }
  const key = instanceKeyOf(address);
  return found.flatMap((r) => {
    const instance = key === undefined ? "" : instanceNote(index, r, key);
    if (instance === null) return [];
    return [
      {
        resource: r,
        by: "address" as const,
        evidence: `the finding names ${address}; ${instance}defined in ${r.file}:${r.line}`,
        confidence: CONFIDENCE.address,
        ...(key === undefined ? {} : { instance: `[${JSON.stringify(key)}]` }),
      },
    ];
  });
}

/** The address without instance keys (`aws_s3_bucket.b["x"]` → `aws_s3_bucket.b`), and that without its module path. */
export function addressForms(address: string): [bare: string, tail: string] {
  const bare = address.replace(/\[[^\]]*\]/g, "");
  return [bare, bare.replace(/^(module\.[^.]+\.)+/, "")];
}

/** The instance key at the end of an address: `x["ssh"]` → "ssh", `x[0]` → 0; undefined without one. */
function instanceKeyOf(address: string): string | number | undefined {
  if (address.length > 1_000) return undefined; // untrusted text: bounded before any matching
  const m = /\[("(?:[^"\\]|\\.)*"|\d+)\]$/.exec(address);
  if (!m) return undefined;
  try {
    return JSON.parse(m[1]!) as string | number;
  } catch {
    return undefined;
  }
}

/**
 * What the block's for_each/count says of the instance the finding names: "" (or a note) when it
 * may be one of its instances, null when the collection is known and has no such key.
 */
function instanceNote(index: TerraformIndex, r: Resource, key: string | number): string | null {
  const instances = resourceInstances(index, r);
  const label = `[${JSON.stringify(key)}]`;
  if (instances.kind === "single")
    return `the block has no for_each or count (the finding names instance ${label}); `;
  if (instances.kind === "unknown") return `instance ${label} cannot be checked (${instances.reason}); `;
  const hit = instances.list.find((i) => i.key === key);
  if (!hit) return null;
  return `instance ${label} of its ${typeof key === "number" ? "count" : "for_each"}, `;
}

function byMapping(finding: Finding, index: TerraformIndex, options: LocateOptions): Candidate[] {
  const ids = new Set([finding.resource.arn, finding.resource.id, finding.resource.name].filter(Boolean));
  const out: Candidate[] = [];
  for (const m of options.mappings ?? []) {
    if (!ids.has(m.resource)) continue;
    for (const r of findResource(index, m.address)) {
      if (m.file && r.file !== m.file) continue;
      out.push({
        resource: r,
        by: "mapping",
        evidence: `the configuration maps ${m.resource} to ${m.address}`,
        confidence: CONFIDENCE.mapping,
      });
    }
  }
  return out;
}

function byTags(finding: Finding, index: TerraformIndex): Candidate[] {
  const trace = finding.resource.tags?.yor_trace;
  if (!trace) return [];
  return index.resources
    .filter((r) => r.mode === "managed" && resolveTags(index, r).yor_trace === trace)
    .map((r) => ({
      resource: r,
      by: "tags" as const,
      evidence: `yor_trace tag ${trace} is on ${r.address} (${r.file}:${r.line})`,
      confidence: CONFIDENCE.tags,
    }));
}
