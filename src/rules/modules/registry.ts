// What fixloop knows about the most used registry modules (terraform-aws-modules): per module, the
// versions its inputs were checked against, and per catalog rule the inputs that configure the
// resource the rule judges, their defaults per version range, which values are insecure and what
// the fix at the call site writes. The one place this knowledge lives: detection (calls.ts), the
// fix at the call and `fix --findings` (module-inputs.ts) and the README's rule table read it.
//
// Sources (Apache-2.0, terraform-aws-modules), read from the code index and listed with their
// commits in fixtures/rules/MODULE-CALLS.md:
//  - s3-bucket: variables.tf at 0308df5c (3.x: block_public_* false, versioning {}, acl null,
//    attach_public_policy true); 4.x/5.x changed the block_public_* defaults in the module's README
//    (not re-read here), so they are listed only for 3.x;
//  - security-group: variables.tf at 00894553 (ingress_with_cidr_blocks, ingress_cidr_blocks,
//    ingress_rules default []), rules.tf named rules; modules/ssh at 0689ed63 shows 6.x's new
//    map(object) rule inputs, hence the checked range < 6.0;
//  - vpc: variables.tf at 013eae25 (default_security_group_ingress [], manage_default_security_group true);
//  - rds: variables.tf at 029b06b3 (storage_encrypted true, publicly_accessible false);
//  - ec2-instance: README inputs table of 4.x/5.x (metadata_options default http_tokens "optional")
//    and CHANGELOG.md at 00a7898b (metadata_options since 2.16);
//  - alb: README inputs table of 9.x (drop_invalid_header_fields default true); before 9.0 false;
//  - rds-aurora, autoscaling: input names only (written values are judged, no default assumed).
// A default is listed only for a range where it was read; elsewhere a missing input is not judged
// (see calls.ts for how the call's `version` picks a range).

import type { Value } from "../../hcl/evaluate.ts";
import { ADMIN_PORTS, isWorldCidr, type PortRange, parsePortSpec } from "../network-shared.ts";

/** How a rule's checks read the other inputs of the same call (value written, else the default). */
export type InputLookup = (name: string) => Value | undefined | "unknown";

export interface InputCheck {
  ruleId: string;
  /** The input judged; also the detection key, so one rule can judge several inputs of a call. */
  input: string;
  /** The input's default per module version range, where it was read (`null`: the input defaults to null). */
  defaults: Array<{ versions: string; value: Value }>;
  /** Why the value (as written or defaulted) is insecure, or undefined when it is safe. */
  insecure(value: Value, other: InputLookup): string | undefined;
  /** The value the fix writes for the input (given its current literal value), or why there is no fix. */
  fix: ((current: Value | undefined) => string) | { reason: string };
  /** For an object input written literally: the key the fix sets, spliced into the object as written. */
  objectKey?: { key: string; value: string };
  /** Only with a rule option (aws-s3-encryption's requireKms). */
  onlyWith?: "requireKms";
}

export interface KnownModule {
  /** Short name, as the README's rule table shows it. */
  name: string;
  /** Registry address (`namespace/name/provider`); the GitHub repository is derived from it. */
  registry: string;
  repository: string;
  /** The module versions whose inputs (names and meaning) the checks were read against. */
  checkedVersions: string;
  checks: InputCheck[];
}

const truthy = (v: Value) => v === true || v === "true" || v === "1";
const falsy = (v: Value) => v === false || v === "false" || v === "0";

/** A bool input that must be `want`. */
function boolInput(
  ruleId: string,
  input: string,
  want: boolean,
  defaults: InputCheck["defaults"],
): InputCheck {
  return {
    ruleId,
    input,
    defaults,
    insecure: (v) =>
      (want ? falsy(v) || v === null : truthy(v)) ? `${input} = ${JSON.stringify(v)}` : undefined,
    fix: () => String(want),
  };
}

/** HCL object text with `key = value` set, keeping the other keys (`{ enabled = false, mfa_delete = false }`). */
function objectWith(current: Value | undefined, key: string, value: string): string {
  const entries =
    current && typeof current === "object" && !Array.isArray(current) ? Object.entries(current) : [];
  const parts = entries.filter(([k]) => k !== key).map(([k, v]) => `${k} = ${hclLiteral(v)}`);
  return `{ ${[`${key} = ${value}`, ...parts].join(", ")} }`;
}

function hclLiteral(v: Value): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `[${v.map(hclLiteral).join(", ")}]`;
  if (typeof v === "object")
    return `{ ${Object.entries(v)
      .map(([k, x]) => `${k} = ${hclLiteral(x)}`)
      .join(", ")} }`;
  return JSON.stringify(v);
}

const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];

/** The named rules of terraform-aws-modules/security-group (rules.tf) that open an admin port. */
const SG_NAMED_RULES: Record<string, PortRange> = {
  "ssh-tcp": { from: 22, to: 22 },
  "rdp-tcp": { from: 3389, to: 3389 },
  "rdp-udp": { from: 3389, to: 3389 },
  "all-all": { from: 0, to: 65535 },
  "all-tcp": { from: 0, to: 65535 },
};

function adminPortsOf(range: PortRange): number[] {
  return ADMIN_PORTS.map((a) => a.port).filter((p) => p >= range.from && p <= range.to);
}

/** The world CIDR in a comma-separated `cidr_blocks` string of a module rule map, or a list. */
function worldIn(v: Value | undefined): boolean {
  if (typeof v === "string") return v.split(",").some((c) => isWorldCidr(c.trim()));
  return Array.isArray(v) && v.some((c) => isWorldCidr(c));
}

/** An item of `ingress_with_cidr_blocks` (or the VPC's default_security_group_ingress) open to the world on an admin port. */
function openRuleMap(item: Value, other: InputLookup, fallbackCidrs: string): string | undefined {
  if (!item || typeof item !== "object" || Array.isArray(item)) return undefined;
  const cidrs = "cidr_blocks" in item ? item.cidr_blocks : other(fallbackCidrs);
  if (cidrs === "unknown" || !worldIn(cidrs)) return undefined;
  const named = typeof item.rule === "string" ? SG_NAMED_RULES[item.rule] : undefined;
  const from = parsePortSpec(item.from_port ?? undefined);
  const to = parsePortSpec(item.to_port ?? undefined);
  const protocol = String(item.protocol ?? "tcp");
  const range =
    named ??
    (protocol === "-1" || protocol === "all"
      ? { from: 0, to: 65535 }
      : from && to && (protocol === "tcp" || protocol === "6")
        ? { from: from.from, to: to.to }
        : undefined);
  if (!range) return undefined;
  const ports = adminPortsOf(range);
  return ports.length > 0 ? `port ${ports.join(" and ")} open to 0.0.0.0/0` : undefined;
}

const SG_FIX = {
  reason:
    "the module call opens the port in a list of rules: replace 0.0.0.0/0 with the networks that need access by hand (fixloop cannot know them, and an empty list would change what the module creates)",
};

export const KNOWN_MODULES: readonly KnownModule[] = [
  {
    name: "s3-bucket",
    registry: "terraform-aws-modules/s3-bucket/aws",
    repository: "terraform-aws-modules/terraform-aws-s3-bucket",
    checkedVersions: ">= 3.0, < 6.0",
    checks: [
      {
        ruleId: "aws-s3-public-acl",
        input: "acl",
        defaults: [{ versions: ">= 3.0, < 6.0", value: null }],
        insecure: (v) => (typeof v === "string" && PUBLIC_ACLS.includes(v) ? `acl = "${v}"` : undefined),
        fix: () => '"private"',
      },
      ...(
        ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"] as const
      ).map((input) =>
        boolInput("aws-s3-public-access-block", input, true, [{ versions: ">= 3.0, < 4.0", value: false }]),
      ),
      {
        // The module creates its public access block only while attach_public_policy is true.
        ruleId: "aws-s3-public-access-block",
        input: "attach_public_policy",
        defaults: [{ versions: ">= 3.0, < 6.0", value: true }],
        insecure: (v) =>
          falsy(v) ? "attach_public_policy = false: the module creates no public access block" : undefined,
        fix: {
          reason:
            "attach_public_policy = false was chosen on purpose (the module then leaves the bucket's public access block alone): set it to true with the four block_* inputs once you know why it was turned off",
        },
      },
      {
        ruleId: "aws-s3-versioning",
        input: "versioning",
        defaults: [{ versions: ">= 3.0, < 6.0", value: {} }],
        insecure: (v) => {
          if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
          const enabled = v.enabled ?? v.status;
          if (enabled === undefined) return "versioning is not enabled";
          return truthy(enabled) || enabled === "Enabled"
            ? undefined
            : `versioning.enabled = ${JSON.stringify(enabled)}`;
        },
        fix: (current) => objectWith(current, "enabled", "true"),
        objectKey: { key: "enabled", value: "true" },
      },
      {
        ruleId: "aws-s3-encryption",
        input: "server_side_encryption_configuration",
        onlyWith: "requireKms",
        defaults: [{ versions: ">= 3.0, < 6.0", value: {} }],
        insecure: (v) => {
          const rule = v && typeof v === "object" && !Array.isArray(v) ? v.rule : undefined;
          const byDefault =
            rule && typeof rule === "object" && !Array.isArray(rule)
              ? rule.apply_server_side_encryption_by_default
              : undefined;
          const algorithm =
            byDefault && typeof byDefault === "object" && !Array.isArray(byDefault)
              ? byDefault.sse_algorithm
              : undefined;
          if (algorithm === "aws:kms" || algorithm === "aws:kms:dsse") return undefined;
          return algorithm === undefined
            ? "no SSE-KMS encryption configuration (the repository requires SSE-KMS)"
            : `sse_algorithm = ${JSON.stringify(algorithm)} (the repository requires SSE-KMS)`;
        },
        fix: () => '{ rule = { apply_server_side_encryption_by_default = { sse_algorithm = "aws:kms" } } }',
      },
    ],
  },
  {
    name: "security-group",
    registry: "terraform-aws-modules/security-group/aws",
    repository: "terraform-aws-modules/terraform-aws-security-group",
    checkedVersions: ">= 3.0, < 6.0",
    checks: [
      {
        ruleId: "aws-sg-open-admin-ports",
        input: "ingress_with_cidr_blocks",
        defaults: [{ versions: ">= 3.0, < 6.0", value: [] }],
        insecure: (v, other) => {
          if (!Array.isArray(v)) return undefined;
          const open = v.map((item) => openRuleMap(item, other, "ingress_cidr_blocks")).find(Boolean);
          return open ? `ingress_with_cidr_blocks has a rule with ${open}` : undefined;
        },
        fix: SG_FIX,
      },
      {
        ruleId: "aws-sg-open-admin-ports",
        input: "ingress_rules",
        defaults: [{ versions: ">= 3.0, < 6.0", value: [] }],
        insecure: (v, other) => {
          if (!Array.isArray(v)) return undefined;
          const cidrs = other("ingress_cidr_blocks");
          if (cidrs === "unknown" || !worldIn(cidrs)) return undefined;
          const open = v.find(
            (r) => typeof r === "string" && adminPortsOf(SG_NAMED_RULES[r] ?? { from: 1, to: 0 }).length > 0,
          );
          return open ? `ingress_rules has "${open}" with ingress_cidr_blocks 0.0.0.0/0` : undefined;
        },
        fix: SG_FIX,
      },
    ],
  },
  {
    name: "vpc",
    registry: "terraform-aws-modules/vpc/aws",
    repository: "terraform-aws-modules/terraform-aws-vpc",
    checkedVersions: ">= 3.0, < 7.0",
    checks: [
      {
        ruleId: "aws-sg-open-admin-ports",
        input: "default_security_group_ingress",
        defaults: [{ versions: ">= 3.0, < 7.0", value: [] }],
        insecure: (v, other) => {
          if (!Array.isArray(v) || falsy(other("manage_default_security_group") ?? true)) return undefined;
          const open = v.map((item) => openRuleMap(item, () => undefined, "")).find(Boolean);
          return open ? `default_security_group_ingress has a rule with ${open}` : undefined;
        },
        fix: SG_FIX,
      },
    ],
  },
  {
    name: "rds",
    registry: "terraform-aws-modules/rds/aws",
    repository: "terraform-aws-modules/terraform-aws-rds",
    checkedVersions: ">= 3.0, < 7.0",
    checks: [
      boolInput("aws-rds-public", "publicly_accessible", false, [
        { versions: ">= 3.0, < 7.0", value: false },
      ]),
      boolInput("aws-rds-encryption", "storage_encrypted", true, [
        { versions: ">= 3.0, < 7.0", value: true },
      ]),
    ],
  },
  {
    name: "rds-aurora",
    registry: "terraform-aws-modules/rds-aurora/aws",
    repository: "terraform-aws-modules/terraform-aws-rds-aurora",
    checkedVersions: ">= 7.0, < 10.0",
    checks: [
      boolInput("aws-rds-public", "publicly_accessible", false, []),
      boolInput("aws-rds-encryption", "storage_encrypted", true, [
        { versions: ">= 7.0, < 10.0", value: true },
      ]),
    ],
  },
  {
    name: "ec2-instance",
    registry: "terraform-aws-modules/ec2-instance/aws",
    repository: "terraform-aws-modules/terraform-aws-ec2-instance",
    checkedVersions: ">= 4.0, < 6.0",
    checks: [metadataCheck([{ versions: ">= 4.0, < 6.0", value: metadataDefault("optional", 1) }])],
  },
  {
    name: "autoscaling",
    registry: "terraform-aws-modules/autoscaling/aws",
    repository: "terraform-aws-modules/terraform-aws-autoscaling",
    checkedVersions: ">= 6.0, < 9.0",
    checks: [metadataCheck([])],
  },
  {
    name: "alb",
    registry: "terraform-aws-modules/alb/aws",
    repository: "terraform-aws-modules/terraform-aws-alb",
    checkedVersions: ">= 6.0, < 10.0",
    checks: [
      {
        ...boolInput("aws-alb-drop-invalid-headers", "drop_invalid_header_fields", true, [
          { versions: ">= 6.0, < 9.0", value: false },
          { versions: ">= 9.0, < 10.0", value: true },
        ]),
        // Only an application load balancer has the setting.
        insecure: (v, other) => {
          const type = other("load_balancer_type") ?? "application";
          return type === "application" && falsy(v)
            ? `drop_invalid_header_fields = ${JSON.stringify(v)}`
            : undefined;
        },
      },
    ],
  },
];

function metadataDefault(tokens: string, hops: number): Value {
  return { http_endpoint: "enabled", http_put_response_hop_limit: hops, http_tokens: tokens };
}

function metadataCheck(defaults: InputCheck["defaults"]): InputCheck {
  return {
    ruleId: "aws-ec2-imdsv2",
    input: "metadata_options",
    defaults,
    insecure: (v) => {
      if (!v || typeof v !== "object" || Array.isArray(v)) return undefined;
      if (v.http_endpoint === "disabled" || v.http_tokens === "required") return undefined;
      return v.http_tokens === undefined
        ? 'metadata_options does not set http_tokens = "required"'
        : `metadata_options.http_tokens = ${JSON.stringify(v.http_tokens)}`;
    },
    fix: (current) => objectWith(current, "http_tokens", '"required"'),
    objectKey: { key: "http_tokens", value: '"required"' },
  };
}

/** The modules that carry checks of a rule (for the README's rule table). */
export function modulesFor(ruleId: string): string[] {
  return KNOWN_MODULES.filter((m) => m.checks.some((c) => c.ruleId === ruleId)).map((m) => m.name);
}
