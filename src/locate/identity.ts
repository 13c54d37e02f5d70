// Locating a finding by the names the cloud gives its resource: the ARN's id, the identifiers a
// source adds (Security Hub's GroupName beside the sg- id), the Name tag — matched against the
// values the code resolves to statically (variables, tfvars, locals, local module inputs), against
// a *_prefix plus the suffix Terraform generates, or against a known registry module's input.

import { parseArn } from "../findings/arn.ts";
import type { Finding } from "../findings/model.ts";
import { attribute } from "../hcl/ast.ts";
import { evaluate, type Resolved, type Scope, type Value } from "../hcl/evaluate.ts";
import {
  callScope,
  type ModuleCall,
  moduleScope,
  type Resource,
  resolveTags,
  type TerraformIndex,
} from "../hcl/index.ts";
import { withoutSubdirectory } from "../hcl/module-source.ts";
import { type Candidate, CONFIDENCE } from "./types.ts";

/** The Terraform types the finding's rule covers, when it names a catalog rule. */
interface TypeOptions {
  resourceTypes?: string[];
}

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

/** Attributes that make Terraform generate the cloud name: the value plus GENERATED_SUFFIX. */
const PREFIX_ATTRIBUTES: Record<string, string> = {
  aws_s3_bucket: "bucket_prefix",
  aws_db_instance: "identifier_prefix",
  aws_rds_cluster: "cluster_identifier_prefix",
  aws_security_group: "name_prefix",
};

/**
 * What Terraform appends to a `*_prefix` (terraform-plugin-sdk helper/id PrefixedUniqueId): the UTC
 * time to 1/10000 s (18 digits) and an 8-hex-digit counter, e.g. "web-20220510183629183700000003".
 */
const GENERATED_SUFFIX = /^([\s\S]+?)(\d{18}[0-9a-f]{8})$/;

/** Registry modules the catalog knows, and the input that names the resource they create. */
export const KNOWN_MODULES: Record<string, { input: string; types: string[]; prefixSeparator?: string }> = {
  "terraform-aws-modules/s3-bucket/aws": { input: "bucket", types: ["aws_s3_bucket"] },
  // With use_name_prefix (its default) the group is named `${name}-` plus the generated suffix.
  "terraform-aws-modules/security-group/aws": {
    input: "name",
    types: ["aws_security_group"],
    prefixSeparator: "-",
  },
  "terraform-aws-modules/rds/aws": { input: "identifier", types: ["aws_db_instance"] },
};

/** A name the finding gives its resource, and where the finding said it ("" for the ARN/id/name). */
interface NameClaim {
  value: string;
  from: string;
}

function identityStrings(finding: Finding): NameClaim[] {
  const r = finding.resource;
  const out = new Map<string, string>();
  const add = (value: string, from: string) => {
    if (value && !out.has(value)) out.set(value, from);
  };
  for (const text of [r.arn, r.id]) {
    if (!text) continue;
    const arn = parseArn(text);
    if (arn) add(arn.resourceId, "");
    else add(text.split("/").filter(Boolean).pop() ?? text, ""); // Azure ids, GCP self links
  }
  if (r.name) add(r.name, "");
  // What the source says beside the ARN: a security group's GroupName, a DB identifier…
  for (const i of r.identifiers ?? []) if (i.kind === "name") add(i.value, i.from);
  // The Name tag is how consoles name instances, volumes, keys and groups.
  if (r.tags?.Name) add(r.tags.Name, "tag Name");
  return [...out].map(([value, from]) => ({ value, from }));
}

/** Terraform types of the ASFF / Prowler resource types, to keep name matches to the right kind of block. */
const NATIVE_TYPES: Record<string, string[]> = {
  AwsS3Bucket: ["aws_s3_bucket"],
  AwsEc2SecurityGroup: ["aws_security_group"],
  AwsEc2Instance: ["aws_instance"],
  AwsEc2Volume: ["aws_ebs_volume"],
  AwsKmsKey: ["aws_kms_key"],
  AwsRdsDbInstance: ["aws_db_instance"],
  AwsRdsDbCluster: ["aws_rds_cluster"],
  AwsDynamoDbTable: ["aws_dynamodb_table"],
  AwsCloudTrailTrail: ["aws_cloudtrail"],
  AwsElbv2LoadBalancer: ["aws_lb", "aws_alb"],
};

/** Scopes a module's code can be evaluated in: its own (defaults, tfvars) and one per local module call. */
function scopesFor(
  index: TerraformIndex,
  dir: string,
  data: Scope["data"],
): Array<{ scope: Scope; via?: ModuleCall }> {
  const mod = index.modules.get(dir);
  if (!mod) return [];
  const out: Array<{ scope: Scope; via?: ModuleCall }> = [{ scope: moduleScope(mod, undefined, data) }];
  for (const call of mod.calledBy) {
    const caller = index.modules.get(call.module);
    const scope = caller ? callScope(index, call, moduleScope(caller, undefined, data)) : undefined;
    if (scope) out.push({ scope, via: call });
  }
  return out;
}

/** The identity-table key of a `*_prefix` value (kept apart from whole names). */
const prefixKey = (prefix: string) => `\0prefix\0${prefix}`;

interface IdentityEntry {
  resource: Resource;
  attribute: string;
  via?: ModuleCall;
  /** The scope the value was resolved in (absent for tags, resolved in the module's own scope). */
  scope?: Scope;
}

/** Identity tables per index, one per cloud context (account and region) they were evaluated in. */
const IDENTITIES = new WeakMap<TerraformIndex, Map<string, Map<string, IdentityEntry[]>>>();

/**
 * Where the finding was reported: the account and region AWS names the resource in. A name the code
 * builds from `data.aws_caller_identity.current.account_id` or `data.aws_region.current.name` (the
 * TerraGoat pattern, and a common way to make bucket names unique) is that name in that account —
 * evaluated with those values, not guessed.
 */
export interface CloudContext {
  account?: string;
  region?: string;
}

function dataFacts(cloud: CloudContext): Scope["data"] {
  const { account, region } = cloud;
  if (!account && !region) return undefined;
  return (type): Record<string, Value> | undefined => {
    if (type === "aws_caller_identity" && account) return { account_id: account };
    if (type === "aws_region" && region) return { name: region, region, id: region };
    return undefined;
  };
}

/**
 * Every statically known cloud name in the tree (bucket names, identifiers, Name tags…), evaluated
 * once per index in each scope the code runs in (its own, and each local module call's inputs).
 */
function identities(index: TerraformIndex, cloud: CloudContext = {}): Map<string, IdentityEntry[]> {
  const data = dataFacts(cloud);
  const key = data ? `${cloud.account ?? ""}/${cloud.region ?? ""}` : "";
  let tables = IDENTITIES.get(index);
  if (!tables) {
    tables = new Map();
    IDENTITIES.set(index, tables);
  }
  let map = tables.get(key);
  if (map) return map;
  map = new Map();
  const add = (value: string, e: IdentityEntry) => {
    const list = map!.get(value);
    if (list) list.push(e);
    else map!.set(value, [e]);
  };
  const scopes = new Map<string, Array<{ scope: Scope; via?: ModuleCall }>>();
  const byType = new Map<string, Resource[]>();
  for (const r of index.resources) {
    if (r.mode !== "managed" || !(r.type in IDENTITY_ATTRIBUTES)) continue;
    byType.set(r.type, [...(byType.get(r.type) ?? []), r]);
  }
  for (const type of Object.keys(IDENTITY_ATTRIBUTES)) {
    for (const r of byType.get(type) ?? []) {
      if (!scopes.has(r.module)) scopes.set(r.module, scopesFor(index, r.module, data));
      for (const { scope, via } of scopes.get(r.module)!) {
        for (const name of IDENTITY_ATTRIBUTES[type]!) {
          const attr = attribute(r.block.body, name);
          const v: Resolved | undefined = attr ? evaluate(attr.expr, scope) : undefined;
          if (v?.known && typeof v.value === "string")
            add(v.value, { resource: r, attribute: name, via, scope });
        }
      }
      const prefix = PREFIX_ATTRIBUTES[type];
      const prefixAttr = prefix ? attribute(r.block.body, prefix) : undefined;
      for (const { scope, via } of prefixAttr ? scopes.get(r.module)! : []) {
        const v = evaluate(prefixAttr!.expr, scope);
        if (v.known && typeof v.value === "string" && v.value !== "")
          add(prefixKey(v.value), { resource: r, attribute: prefix!, via, scope });
      }
      // The Name tag identifies instances, volumes, keys… in every console.
      const tagName = resolveTags(index, r).Name;
      if (typeof tagName === "string") add(tagName, { resource: r, attribute: "tags.Name" });
    }
  }
  tables.set(key, map);
  return map;
}

export function byIdentity(finding: Finding, index: TerraformIndex, options: TypeOptions): Candidate[] {
  const names = identityStrings(finding);
  if (names.length === 0) return [];
  const ruleTypes = options.resourceTypes?.filter((t) => t in IDENTITY_ATTRIBUTES);
  const nativeTypes = NATIVE_TYPES[finding.resource.type ?? ""];
  const out: Candidate[] = [];
  const cloud = { account: finding.resource.account, region: finding.resource.region };
  const table = identities(index, cloud);
  const plain = identities(index);
  /** " with data.aws_caller_identity read as …" when the name resolved only with the finding's account/region. */
  const withCloud = (value: string, e: IdentityEntry) =>
    (plain.get(value) ?? []).some((p) => p.resource === e.resource && p.attribute === e.attribute)
      ? ""
      : ` with the data sources read in the finding's ${[
          cloud.account ? `account ${cloud.account}` : "",
          cloud.region ? `region ${cloud.region}` : "",
        ]
          .filter(Boolean)
          .join(", ")}`;
  const generated = (value: string) => {
    const m = GENERATED_SUFFIX.exec(value);
    return m ? (table.get(prefixKey(m[1]!)) ?? []).map((e) => ({ e, prefix: m[1]! })) : [];
  };
  const vpc = finding.resource.identifiers?.find((i) => i.kind === "vpc");
  for (const { value, from } of names) {
    const exact = (table.get(value) ?? []).map((e) => ({ e, prefix: undefined as string | undefined }));
    for (const { e, prefix } of [...exact, ...generated(value)]) {
      if (ruleTypes && !ruleTypes.includes(e.resource.type)) continue;
      if (nativeTypes && !nativeTypes.includes(e.resource.type)) continue;
      const network = vpc ? vpcOf(index, e) : undefined;
      // A group whose vpc_id is known to be another VPC is another group of the same name.
      if (vpc && network !== undefined && network !== vpc.value) continue;
      const sameVpc = vpc !== undefined && network === vpc.value;
      const r = e.resource;
      const where = e.via ? ` when called as ${e.via.address} from ${e.via.file}:${e.via.line}` : "";
      const said = from ? `, the finding's ${from}` : "";
      const how =
        prefix === undefined
          ? `resolves to ${JSON.stringify(value)}${withCloud(value, e)}${said}`
          : `resolves to ${JSON.stringify(prefix)}; ${from ? `the finding's ${from} ` : ""}${JSON.stringify(value)} is that prefix plus the suffix Terraform generates`;
      const inVpc = sameVpc
        ? `; its vpc_id resolves to ${JSON.stringify(vpc!.value)}, the finding's ${vpc!.from}`
        : "";
      // A generated name is as specific as a whole one, but a whole name written in the code wins;
      // the same VPC on top is stronger evidence than the name alone.
      const confidence =
        (prefix === undefined ? CONFIDENCE.identity : CONFIDENCE["identity-prefix"]) +
        (sameVpc ? CONFIDENCE["same-vpc"] : 0);
      out.push({
        resource: r,
        by: "identity",
        evidence: `${r.address}.${e.attribute} ${how}${where}${inVpc} (${r.file}:${r.line})`,
        confidence,
      });
    }
  }
  return out;
}

/** The entry's `vpc_id`, when it is written and statically known in the entry's scope. */
function vpcOf(index: TerraformIndex, e: IdentityEntry): string | undefined {
  const attr = attribute(e.resource.block.body, "vpc_id");
  const mod = index.modules.get(e.resource.module);
  const scope = e.scope ?? (mod ? moduleScope(mod) : undefined);
  if (!attr || !scope) return undefined;
  const v = evaluate(attr.expr, scope);
  return v.known && typeof v.value === "string" ? v.value : undefined;
}

export function byModuleInput(finding: Finding, index: TerraformIndex, options: TypeOptions): Candidate[] {
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
    if (!v.known || typeof v.value !== "string") continue;
    const value = v.value;
    const exact = names.find((n) => n.value === value);
    const prefixed =
      known.prefixSeparator === undefined
        ? undefined
        : names.find((n) => GENERATED_SUFFIX.exec(n.value)?.[1] === `${value}${known.prefixSeparator}`);
    const claim = exact ?? prefixed;
    if (!claim) continue;
    const said = claim.from ? `; the finding's ${claim.from} is ${JSON.stringify(claim.value)}` : "";
    const generatedNote = exact ? "" : ", which the module extends with a generated suffix";
    out.push({
      moduleCall: call,
      by: "module-input",
      evidence: `${call.address} (${source}) sets ${known.input} = ${JSON.stringify(value)}${generatedNote} (${call.file}:${call.line})${said}`,
      confidence: CONFIDENCE["module-input"],
    });
  }
  return out;
}

/**
 * Stand-ins for the account and region a name may be built from (`data.aws_caller_identity`,
 * `data.aws_region`): the organization's resource → repository map keeps such a name once, with
 * these in place of the values, and a finding's name is looked up with its own account and region
 * replaced by them (src/locate/resource-keys.ts).
 */
export const CLOUD_STAND_INS = { account: "\u001faccount\u001f", region: "\u001fregion\u001f" } as const;

/**
 * Every name the index's blocks could be matched on by byIdentity and byModuleInput — whole names
 * (`names`) and the prefixes Terraform extends with a generated suffix (`prefixes`) — evaluated
 * with the cloud stand-ins, so one table serves findings of every account and region.
 */
export function indexedNames(index: TerraformIndex): { names: string[]; prefixes: string[] } {
  const names: string[] = [];
  const prefixes: string[] = [];
  const tables = [identities(index), identities(index, CLOUD_STAND_INS)];
  for (const table of tables)
    for (const key of table.keys())
      if (key.startsWith(prefixKey(""))) prefixes.push(key.slice(prefixKey("").length));
      else names.push(key);
  for (const call of index.calls) {
    const known = call.source === undefined ? undefined : KNOWN_MODULES[withoutSubdirectory(call.source)];
    const input = known ? attribute(call.block.body, known.input) : undefined;
    const mod = index.modules.get(call.module);
    if (!known || !input || !mod) continue;
    const v = evaluate(input.expr, moduleScope(mod));
    if (!v.known || typeof v.value !== "string") continue;
    names.push(v.value);
    if (known.prefixSeparator !== undefined) prefixes.push(`${v.value}${known.prefixSeparator}`);
  }
  return { names, prefixes };
}

/** The names a finding gives its resource, and the prefixes of those that end in a generated suffix. */
export function claimedNames(finding: Finding): { names: string[]; prefixes: string[] } {
  const names = identityStrings(finding).map((n) => n.value);
  const prefixes = names.flatMap((n) => {
    const m = GENERATED_SUFFIX.exec(n);
    return m ? [m[1]!] : [];
  });
  return { names, prefixes };
}
