// Finding → the Terraform block that defines its resource. Strategies, strongest first:
//  1. file + line from an IaC scanner → the enclosing resource;
//  2. a Terraform address → the index;
//  3. an explicit mapping from configuration, or yor trace tags on the resource;
//  4. the cloud identity (bucket name, DB identifier, security group name, Name tag…) matched
//     against attribute values resolved through variables, tfvars, locals and local module inputs;
//  5. a call to a known registry module whose inputs name the resource (fixed at the call site).
// Two equally good candidates are never resolved by guessing: the result is "ambiguous".

import { parseArn } from "../findings/arn.ts";
import type { Finding } from "../findings/model.ts";
import { attribute } from "../hcl/ast.ts";
import { evaluate, type Resolved, type Scope } from "../hcl/evaluate.ts";
import {
  callScope,
  findResource,
  type ModuleCall,
  moduleScope,
  type Resource,
  resolveTags,
  type TerraformIndex,
} from "../hcl/index.ts";
import { withoutSubdirectory } from "../hcl/module-source.ts";
import type { Candidate, Location } from "./types.ts";

/** Which attribute of a resource type carries the name a cloud tool reports. */
const IDENTITY_ATTRIBUTES: Record<string, string[]> = {
  aws_s3_bucket: ["bucket"],
  aws_db_instance: ["identifier"],
  aws_rds_cluster: ["cluster_identifier"],
  aws_security_group: ["name"],
  aws_dynamodb_table: ["name"],
  aws_cloudtrail: ["name"],
  aws_lb: ["name"],
  aws_alb: ["name"],
  aws_kms_key: [],
  aws_instance: [],
  aws_ebs_volume: [],
  azurerm_storage_account: ["name"],
  azurerm_network_security_group: ["name"],
  google_storage_bucket: ["name"],
  google_compute_firewall: ["name"],
};

/** Registry modules the catalog knows, and the input that names the resource they create. */
export const KNOWN_MODULES: Record<string, { input: string; types: string[] }> = {
  "terraform-aws-modules/s3-bucket/aws": { input: "bucket", types: ["aws_s3_bucket"] },
  "terraform-aws-modules/security-group/aws": { input: "name", types: ["aws_security_group"] },
  "terraform-aws-modules/rds/aws": { input: "identifier", types: ["aws_db_instance"] },
};

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
  byType: Map<string, Resource[]>;
  /** File paths by their last segment, for suffix matching of absolute scanner paths. */
  byBasename: Map<string, string[]>;
}
const LOOKUPS = new WeakMap<TerraformIndex, Lookup>();

function lookup(index: TerraformIndex): Lookup {
  let l = LOOKUPS.get(index);
  if (l) return l;
  l = { byFile: new Map(), byAddress: new Map(), byType: new Map(), byBasename: new Map() };
  const add = <T>(m: Map<string, T[]>, k: string, v: T) => {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  };
  for (const r of index.resources) {
    add(l.byFile, r.file, r);
    if (r.mode === "managed") add(l.byType, r.type, r);
    for (const a of new Set([r.address, ...r.addresses])) add(l.byAddress, a, r);
  }
  for (const f of index.files.keys()) add(l.byBasename, f.slice(f.lastIndexOf("/") + 1), f);
  LOOKUPS.set(index, l);
  return l;
}

const CONFIDENCE = {
  "file-line": 1,
  address: 0.98,
  mapping: 0.95,
  tags: 0.95,
  identity: 0.85,
  "module-input": 0.8,
};

export function locate(finding: Finding, index: TerraformIndex, options: LocateOptions = {}): Location {
  const candidates = [
    ...byFileLine(finding, index),
    ...byAddress(finding, index),
    ...byMapping(finding, index, options),
    ...byTags(finding, index),
    ...byIdentity(finding, index, options),
    ...byModuleInput(finding, index, options),
  ];
  if (candidates.length === 0) {
    return { kind: "not-found", reason: notFoundReason(finding) };
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
function normalizePath(p: string): string {
  return p
    .replace(/^file:\/\//, "")
    .replace(/\\/g, "/")
    .replace(/^[A-Za-z]:\//, "/")
    .replace(/^\.\//, "");
}

/** Index files the finding's path ends with, longest match first (an absolute path matches its tail). */
function matchingFiles(index: TerraformIndex, path: string): string[] {
  const wanted = normalizePath(path).replace(/^\/+/, "");
  const base = wanted.slice(wanted.lastIndexOf("/") + 1);
  const out = (lookup(index).byBasename.get(base) ?? []).filter(
    (f) => wanted === f || wanted.endsWith(`/${f}`) || f.endsWith(`/${wanted}`),
  );
  return out.sort((a, b) => b.length - a.length);
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
  const bare = address.replace(/\[[^\]]*\]/g, ""); // aws_s3_bucket.b["x"] → aws_s3_bucket.b
  const byAddress = (a: string) => lookup(index).byAddress.get(a) ?? [];
  let found = byAddress(bare);
  if (found.length === 0) {
    // A module-qualified address (module.x.aws_s3_bucket.y) from a scanner run elsewhere: try the tail.
    const tail = bare.replace(/^(module\.[^.]+\.)+/, "");
    found = byAddress(tail);
  }
  const { file } = finding.resource;
  if (file && found.length > 1) {
    const files = new Set(matchingFiles(index, file));
    const inFile = found.filter((r) => files.has(r.file));
    if (inFile.length > 0) found = inFile;
  }
  return found.map((r) => ({
    resource: r,
    by: "address" as const,
    evidence: `the finding names ${address}; defined in ${r.file}:${r.line}`,
    confidence: CONFIDENCE.address,
  }));
}

function identityStrings(finding: Finding): string[] {
  const r = finding.resource;
  const out = new Set<string>();
  for (const text of [r.arn, r.id]) {
    if (!text) continue;
    const arn = parseArn(text);
    if (arn) out.add(arn.resourceId);
    else out.add(text.split("/").filter(Boolean).pop() ?? text); // Azure ids, GCP self links
  }
  if (r.name) out.add(r.name);
  return [...out].filter(Boolean);
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

/** Scopes a module's code can be evaluated in: its own (defaults, tfvars) and one per local module call. */
function scopesFor(index: TerraformIndex, dir: string): Array<{ scope: Scope; via?: ModuleCall }> {
  const mod = index.modules.get(dir);
  if (!mod) return [];
  const out: Array<{ scope: Scope; via?: ModuleCall }> = [{ scope: moduleScope(mod) }];
  for (const call of mod.calledBy) {
    const caller = index.modules.get(call.module);
    const scope = caller ? callScope(index, call, moduleScope(caller)) : undefined;
    if (scope) out.push({ scope, via: call });
  }
  return out;
}

interface IdentityEntry {
  resource: Resource;
  attribute: string;
  via?: ModuleCall;
}

const IDENTITIES = new WeakMap<TerraformIndex, Map<string, IdentityEntry[]>>();

/**
 * Every statically known cloud name in the tree (bucket names, identifiers, Name tags…), evaluated
 * once per index in each scope the code runs in (its own, and each local module call's inputs).
 */
function identities(index: TerraformIndex): Map<string, IdentityEntry[]> {
  let map = IDENTITIES.get(index);
  if (map) return map;
  map = new Map();
  const add = (value: string, e: IdentityEntry) => {
    const list = map!.get(value);
    if (list) list.push(e);
    else map!.set(value, [e]);
  };
  const scopes = new Map<string, Array<{ scope: Scope; via?: ModuleCall }>>();
  for (const type of Object.keys(IDENTITY_ATTRIBUTES)) {
    for (const r of lookup(index).byType.get(type) ?? []) {
      if (!scopes.has(r.module)) scopes.set(r.module, scopesFor(index, r.module));
      for (const { scope, via } of scopes.get(r.module)!) {
        for (const name of IDENTITY_ATTRIBUTES[type]!) {
          const attr = attribute(r.block.body, name);
          const v: Resolved | undefined = attr ? evaluate(attr.expr, scope) : undefined;
          if (v?.known && typeof v.value === "string") add(v.value, { resource: r, attribute: name, via });
        }
      }
      // The Name tag identifies instances, volumes, keys… in every console.
      const tagName = resolveTags(index, r).Name;
      if (typeof tagName === "string") add(tagName, { resource: r, attribute: "tags.Name" });
    }
  }
  IDENTITIES.set(index, map);
  return map;
}

function byIdentity(finding: Finding, index: TerraformIndex, options: LocateOptions): Candidate[] {
  const names = identityStrings(finding);
  if (names.length === 0) return [];
  const types = options.resourceTypes?.filter((t) => t in IDENTITY_ATTRIBUTES);
  const out: Candidate[] = [];
  const table = identities(index);
  for (const value of names) {
    for (const e of table.get(value) ?? []) {
      if (types && !types.includes(e.resource.type)) continue;
      const r = e.resource;
      const where = e.via ? ` when called as ${e.via.address} from ${e.via.file}:${e.via.line}` : "";
      out.push({
        resource: r,
        by: "identity",
        evidence: `${r.address}.${e.attribute} resolves to ${JSON.stringify(value)}${where} (${r.file}:${r.line})`,
        confidence: CONFIDENCE.identity,
      });
    }
  }
  return out;
}

function byModuleInput(finding: Finding, index: TerraformIndex, options: LocateOptions): Candidate[] {
  const names = identityStrings(finding);
  if (names.length === 0) return [];
  const out: Candidate[] = [];
  for (const call of index.calls) {
    const source = call.source === undefined ? undefined : withoutSubdirectory(call.source);
    const known = source ? KNOWN_MODULES[source] : undefined;
    if (!known) continue;
    if (options.resourceTypes && !known.types.some((t) => options.resourceTypes!.includes(t))) continue;
    const input = attribute(call.block.body, known.input);
    const mod = index.modules.get(call.module);
    if (!input || !mod) continue;
    const v = evaluate(input.expr, moduleScope(mod));
    if (v.known && typeof v.value === "string" && names.includes(v.value)) {
      out.push({
        moduleCall: call,
        by: "module-input",
        evidence: `${call.address} (${source}) sets ${known.input} = ${JSON.stringify(v.value)} (${call.file}:${call.line})`,
        confidence: CONFIDENCE["module-input"],
      });
    }
  }
  return out;
}
