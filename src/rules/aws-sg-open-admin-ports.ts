import { type Attribute, attribute, type Block, type Expr } from "../hcl/ast.ts";
import type { EditOp } from "../hcl/edit.ts";
import { evaluate } from "../hcl/evaluate.ts";
import { type Instance, type Resource, resourceInstances, type TerraformIndex } from "../hcl/index.ts";
import { LineIndex } from "../hcl/positions.ts";
import { managedResources } from "./helpers.ts";
import {
  ALL_PORTS,
  type AttrChange,
  accessImpact,
  adminPortsIn,
  attrValue,
  declareVariable,
  describeAdminPorts,
  describeRanges,
  guardedImpact,
  guardedRuleEdits,
  isWorldCidr,
  mergeFileOps,
  notLiteralReason,
  opensMoreThanAdmin,
  type PortRange,
  referencesTo,
  ruleBlocks,
  scopeOf,
  sourceText,
  splitTuple,
  stringList,
  tcpProtocol,
  variableName,
  withVariable,
} from "./network-shared.ts";
import type { Detection, FixPlan, Rule, RuleContext } from "./types.ts";

const ID = "aws-sg-open-admin-ports";
const TYPES = [
  "aws_security_group",
  "aws_default_security_group",
  "aws_security_group_rule",
  "aws_vpc_security_group_ingress_rule",
];
/** Resources whose rules are nested `ingress` blocks (or an `ingress = [{ … }]` attribute). */
const GROUP_TYPES = new Set(["aws_security_group", "aws_default_security_group"]);

interface Finding {
  key: string;
  block: Block;
  /** inline `ingress {}` / aws_security_group_rule (CIDR lists) or aws_vpc_security_group_ingress_rule. */
  form: "list" | "single" | "attribute";
  /** Line to report, when there is no world attribute of its own (the attribute form). */
  line?: number;
  ports: number[];
  ranges: PortRange[];
  /** The world-open source attributes, IPv4 first. */
  world: Attribute[];
  /** The world values found, for the message. */
  worldValues: string[];
}

function portNumber(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return Number(v);
  return undefined;
}

/** Port ranges a rule allows, or undefined when the protocol is not TCP/all or a value is unknown. */
function rangesOf(
  index: TerraformIndex,
  resource: Resource,
  block: Block,
  protocolName: string,
  inst?: Instance,
): { ranges: PortRange[]; protocol: string } | undefined {
  const proto = attrValue(index, resource, block, protocolName, inst);
  if (!proto?.value.known) return undefined;
  const kind = tcpProtocol(proto.value.value);
  if (!kind) return undefined;
  if (kind === "all") return { ranges: [ALL_PORTS], protocol: "all protocols" };
  const from = attrValue(index, resource, block, "from_port", inst);
  const to = attrValue(index, resource, block, "to_port", inst);
  if (!from?.value.known || !to?.value.known) return undefined;
  const f = portNumber(from.value.value);
  const t = portNumber(to.value.value);
  if (f === undefined || t === undefined) return undefined;
  // AWS treats -1 as "all ports" for TCP only together with protocol -1; a tcp -1..-1 range is invalid.
  return { ranges: [{ from: Math.max(f, 0), to: t }], protocol: "tcp" };
}

/** Values of `each.value` / `each.key` when for_each is a statically known list or set. */
function eachValues(index: TerraformIndex, resource: Resource): unknown[] | undefined {
  const fe = attrValue(index, resource, resource.block, "for_each");
  if (!fe?.value.known || !Array.isArray(fe.value.value)) return undefined;
  return fe.value.value;
}

function singleCidr(
  index: TerraformIndex,
  resource: Resource,
  attr: Attribute | undefined,
  inst?: Instance,
): unknown[] | undefined {
  if (!attr) return [];
  const e = attr.expr;
  if (!inst && e.kind === "traversal" && e.root === "each") {
    const step = e.steps[0];
    if (step?.kind === "attr" && (step.name === "value" || step.name === "key") && e.steps.length === 1) {
      return eachValues(index, resource);
    }
  }
  const v = evaluate(e, scopeOf(index, resource, inst));
  return v.known ? [v.value] : undefined;
}

/** The open admin rules of a resource; of one for_each/count instance when `inst` is given. */
function analyze(index: TerraformIndex, resource: Resource, inst?: Instance): Finding[] {
  const out: Finding[] = [];
  const listForm = (block: Block, key: string) => {
    const r = rangesOf(index, resource, block, "protocol", inst);
    if (!r) return;
    const ports = adminPortsIn(r.ranges);
    if (ports.length === 0) return;
    const world: Attribute[] = [];
    const worldValues: string[] = [];
    for (const name of ["cidr_blocks", "ipv6_cidr_blocks"]) {
      const v = attrValue(index, resource, block, name, inst);
      const list = stringList(v?.value);
      const hits = (list ?? []).filter(isWorldCidr).map(String);
      if (v && hits.length > 0) {
        world.push(v.attr);
        worldValues.push(...hits);
      }
    }
    if (world.length > 0) out.push({ key, block, form: "list", ports, ranges: r.ranges, world, worldValues });
  };

  if (GROUP_TYPES.has(resource.type) && attribute(resource.block.body, "ingress")) {
    return attributeForm(index, resource, inst);
  }
  if (GROUP_TYPES.has(resource.type)) {
    // A `dynamic "ingress"` block's items are not known statically: only literal blocks are checked,
    // but dynamic ones count in the position, so a fix that turns one block dynamic keeps the keys
    // of the others.
    ruleBlocks(resource.block, "ingress").forEach((b, i) => {
      if (b.type === "ingress") listForm(b, `ingress[${i}]`);
    });
  } else if (resource.type === "aws_security_group_rule") {
    const type = attrValue(index, resource, resource.block, "type", inst);
    if (type?.value.known && type.value.value === "ingress") listForm(resource.block, "");
  } else {
    const block = resource.block;
    const r = rangesOf(index, resource, block, "ip_protocol", inst);
    if (!r) return out;
    const ports = adminPortsIn(r.ranges);
    if (ports.length === 0) return out;
    const world: Attribute[] = [];
    const worldValues: string[] = [];
    for (const name of ["cidr_ipv4", "cidr_ipv6"]) {
      const attr = block.body.find((i): i is Attribute => i.kind === "attribute" && i.name === name);
      const hits = (singleCidr(index, resource, attr, inst) ?? [])
        .filter((v) => isWorldCidr(v as string))
        .map(String);
      if (attr && hits.length > 0) {
        world.push(attr);
        worldValues.push(...hits);
      }
    }
    if (world.length > 0)
      out.push({ key: "", block, form: "single", ports, ranges: r.ranges, world, worldValues });
  }
  return out;
}

/** A field of an object constructor (`{ from_port = 22, … }`) by name. */
function field(obj: Expr, name: string): Expr | undefined {
  if (obj.kind !== "object") return undefined;
  for (const item of obj.items) {
    const k = item.key;
    const key =
      k.kind === "traversal" && k.steps.length === 0
        ? k.root
        : k.kind === "literal"
          ? String(k.value)
          : undefined;
    if (key === name) return item.value;
  }
  return undefined;
}

/**
 * `ingress = [{ from_port = 22, …, cidr_blocks = ["0.0.0.0/0"] }]` (the attribute form, one object per
 * rule): each object read on its own, so a reference in one rule does not hide the others.
 */
function attributeForm(index: TerraformIndex, resource: Resource, inst?: Instance): Finding[] {
  const attr = attribute(resource.block.body, "ingress")!;
  if (attr.expr.kind !== "tuple") return [];
  const scope = scopeOf(index, resource, inst);
  const lines = new LineIndex(index.files.get(resource.file)?.text ?? "");
  const out: Finding[] = [];
  attr.expr.items.forEach((item, i) => {
    const get = (name: string) => {
      const e = field(item, name);
      return e ? evaluate(e, scope) : undefined;
    };
    const proto = get("protocol");
    const kind = proto?.known ? tcpProtocol(proto.value) : undefined;
    if (!kind) return;
    let ranges: PortRange[] = [ALL_PORTS];
    if (kind === "tcp") {
      const from = get("from_port");
      const to = get("to_port");
      const f = from?.known ? portNumber(from.value) : undefined;
      const t = to?.known ? portNumber(to.value) : undefined;
      if (f === undefined || t === undefined) return;
      ranges = [{ from: Math.max(f, 0), to: t }];
    }
    const ports = adminPortsIn(ranges);
    if (ports.length === 0) return;
    const worldValues: string[] = [];
    let line: number | undefined;
    for (const name of ["cidr_blocks", "ipv6_cidr_blocks"]) {
      const hits = (stringList(get(name)) ?? []).filter(isWorldCidr).map(String);
      if (hits.length === 0) continue;
      worldValues.push(...hits);
      line ??= lines.line(field(item, name)!.start);
    }
    if (line === undefined) return;
    out.push({
      key: `ingress[${i}]`,
      block: resource.block,
      form: "attribute",
      ports,
      ranges,
      world: [],
      worldValues,
      line,
    });
  });
  return out;
}

/** Variables named after the resource (both admin ports) describe the whole range they open. */
function reach(resource: Resource, f: Finding): { reach?: string } {
  if (f.ports.length < 2) return {};
  const where = f.key ? `${resource.address} ${f.key}` : resource.address;
  const ranges = describeRanges(f.ranges);
  return { reach: `${ranges === "all ports" ? "all ports" : `TCP ${ranges}`} of ${where}` };
}

function detect({ index }: RuleContext): Detection[] {
  const out: Detection[] = [];
  const push = (resource: Resource, f: Finding, label = "") => {
    const key = [label, f.key].filter(Boolean).join(" ");
    const where = `${resource.address}${label}${f.key ? ` ${f.key}` : ""}`;
    const extra = opensMoreThanAdmin(f.ranges) ? ` (the rule opens ${describeRanges(f.ranges)})` : "";
    out.push({
      ruleId: ID,
      resource,
      key,
      line: f.line ?? f.world[0]!.line,
      message: `${where} allows ${describeAdminPorts(f.ports)} from ${[...new Set(f.worldValues)].join(", ")}${extra}`,
    });
  };
  for (const resource of managedResources(index, TYPES)) {
    const base = analyze(index, resource);
    for (const f of base) push(resource, f);
    // Values from each.* / count.index: each instance of a known collection on its own.
    const instances = resourceInstances(index, resource);
    if (instances.kind !== "known") continue;
    const seen = new Set(base.map((f) => f.key));
    for (const inst of instances.list)
      for (const f of analyze(index, resource, inst)) if (!seen.has(f.key)) push(resource, f, inst.label);
  }
  return out;
}

function fix(detection: Detection, { index }: RuleContext): FixPlan {
  const { resource } = detection;
  if (detection.key.startsWith("[")) {
    const label = detection.key.replace(/ ingress\[\d+\]$/, "");
    return {
      kind: "unfixable",
      reason: `${resource.address}${label} is open because of its for_each/count value; change that instance's entry in the collection where it is defined`,
    };
  }
  const f = analyze(index, resource).find((x) => x.key === detection.key);
  if (!f) return { kind: "unfixable", reason: "the finding is no longer present" };
  if (f.form === "attribute") {
    return {
      kind: "unfixable",
      reason:
        `${resource.address} sets its rules with the ingress = [{ … }] attribute form, where every object must ` +
        `spell out all of its fields; fixloop does not rewrite it: restrict the CIDRs of ${f.key} by hand`,
    };
  }
  const where = f.key ? `${f.key}.` : "";
  const ops: EditOp[] = [];
  const changes: string[] = [];

  if (f.form === "single") {
    if (resource.repeated) {
      return {
        kind: "unfixable",
        reason: `${resource.address} already uses count/for_each; restrict its cidr_ipv4/cidr_ipv6 values by hand`,
      };
    }
    const refs = referencesTo(index, resource);
    if (refs.length > 0) {
      return {
        kind: "unfixable",
        reason: `${resource.address} is referred to at ${refs.join(", ")}; one rule per allowed CIDR (for_each) would break those references`,
      };
    }
    const v6 = f.world[0]!.name === "cidr_ipv6";
    const name = variableName(f.ports, resource.name, v6 ? "ipv6_cidrs" : "cidrs");
    const decl = declareVariable(index, resource, name, f.ports, isWorldCidr, {
      what: v6 ? "IPv6 CIDR ranges" : "CIDR ranges",
      ...reach(resource, f),
    });
    if (!decl.ok) return { kind: "unfixable", reason: decl.reason };
    const attr = f.world[0]!;
    ops.push({ kind: "set", block: f.block, name: "for_each", value: `toset(var.${name})` });
    ops.push({ kind: "set", block: f.block, name: attr.name, value: "each.value" });
    const files = mergeFileOps([{ file: resource.file, ops }], decl.files);
    return {
      kind: "edits",
      files,
      summary:
        `replace ${attr.name} = ${sourceText(index, resource, attr.expr)} with one rule per CIDR in var.${name} ` +
        `(for_each = toset(var.${name}))${decl.reused ? "" : `; declare var.${name} (default [])`}. ` +
        `${accessImpact(name, f.ports)}. The address changes to ${resource.address}["<cidr>"]: the open rule is ` +
        "destroyed and one rule per CIDR is created (a state move is only needed to keep the existing rule)",
    };
  }

  const v4 = f.world.find((a) => a.name === "cidr_blocks");
  const v6 = f.world.find((a) => a.name === "ipv6_cidr_blocks");
  const name = variableName(f.ports, resource.name);
  const edits: AttrChange[] = [];
  let needVar = false;
  let keptAny = false;
  if (v4) {
    const split = splitTuple(index, resource, v4, isWorldCidr);
    if (!split) return { kind: "unfixable", reason: notLiteralReason(index, resource, v4, "0.0.0.0/0") };
    edits.push({ name: "cidr_blocks", value: withVariable(split.kept, name) });
    changes.push(`replace ${split.dropped.join(", ")} in ${where}cidr_blocks with var.${name}`);
    needVar = true;
    keptAny ||= split.kept.length > 0;
  }
  if (v6) {
    const split = splitTuple(index, resource, v6, isWorldCidr);
    if (!split) return { kind: "unfixable", reason: notLiteralReason(index, resource, v6, "::/0") };
    if (split.kept.length === 0) {
      edits.push({ name: "ipv6_cidr_blocks", remove: true });
      changes.push(`remove ${where}ipv6_cidr_blocks`);
    } else {
      edits.push({ name: "ipv6_cidr_blocks", value: `[${split.kept.join(", ")}]` });
      changes.push(`remove ${split.dropped.join(", ")} from ${where}ipv6_cidr_blocks`);
      keptAny = true;
    }
    const cidrs = attribute(f.block.body, "cidr_blocks");
    if (!v4 && !cidrs) {
      edits.push({ name: "cidr_blocks", value: `var.${name}` });
      changes.push(`set ${where}cidr_blocks = var.${name}`);
      needVar = true;
    } else if (!v4 && cidrs) keptAny = true;
  }
  // The variable as the only source: the rule must not exist while it is empty.
  const guard = needVar && !keptAny && !hasOtherSource(index, resource, f.block);
  const written = guardedRuleEdits(
    index,
    resource,
    { block: f.block, key: f.key, inlineBlock: "ingress" },
    edits,
    guard ? name : undefined,
  );
  if ("reason" in written) return { kind: "unfixable", reason: written.reason };
  if (written.change) changes.push(written.change);
  let files = [{ file: resource.file, ops: written.ops }];
  if (needVar) {
    const decl = declareVariable(index, resource, name, f.ports, isWorldCidr, reach(resource, f));
    if (!decl.ok) return { kind: "unfixable", reason: decl.reason };
    files = mergeFileOps(files, decl.files);
    if (!decl.reused) changes.push(`declare var.${name} (default [])`);
  }
  const more = opensMoreThanAdmin(f.ranges)
    ? ` (this also closes the rest of ${describeRanges(f.ranges)})`
    : "";
  const impact = !needVar
    ? `closes ${describeAdminPorts(f.ports)} from the IPv6 internet`
    : guard
      ? guardedImpact(name, f.ports)
      : accessImpact(name, f.ports);
  return { kind: "edits", files, summary: `${changes.join("; ")}. ${impact}${more}` };
}

/** Sources other than CIDR lists that keep a rule valid with no CIDR at all. */
function hasOtherSource(index: TerraformIndex, resource: Resource, block: Block): boolean {
  for (const name of ["prefix_list_ids", "security_groups", "source_security_group_id", "self"]) {
    const v = attrValue(index, resource, block, name);
    if (!v) continue;
    if (!v.value.known) return true; // may be set: the guard would only remove a valid rule
    const val = v.value.value;
    if (val === true || (typeof val === "string" && val !== "") || (Array.isArray(val) && val.length > 0))
      return true;
  }
  return false;
}

export const awsSgOpenAdminPorts: Rule = {
  id: ID,
  title: "Security group allows SSH or RDP from the internet",
  severity: "high",
  disruptive: true,
  provider: "aws",
  resourceTypes: TYPES,
  fixProviderVersions: {
    versions: ">= 3.0",
    byResourceType: { aws_vpc_security_group_ingress_rule: ">= 4.62" },
  },
  aliases: {
    checkov: ["CKV_AWS_24", "CKV_AWS_25"],
    trivy: ["AVD-AWS-0107"],
    tfsec: [
      "aws-ec2-no-public-ingress-sgr",
      "aws-vpc-no-public-ingress-sgr",
      "aws-vpc-no-public-ingress-sg",
      "AWS006",
      "AWS008",
    ],
    kics: ["65905cec-d691-4320-b320-2000436cb696", "151187cb-0efc-481c-babd-ad24e3c9bc22"],
    securityhub: [
      "EC2.13",
      "EC2.14",
      // The same checks' GeneratorIds in CIS v1.2.0 findings without consolidated control findings.
      "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/4.1",
      "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/4.2",
    ],
    prowler: [
      "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22",
      "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389",
    ],
  },
  rationale:
    "SSH (22) and RDP (3389) open to 0.0.0.0/0 or ::/0 expose remote administration to every scanner and " +
    "password-guessing bot on the internet; admin access should come only from known ranges (VPN, bastion).",
  impact: [
    "Closes SSH/RDP from the internet: the world CIDR is replaced by var.ssh_allowed_cidrs, var.rdp_allowed_cidrs " +
      "or var.<name>_admin_allowed_cidrs (type list(string), default [] = no access); set it to the CIDRs that need " +
      "access (e.g. a VPN/bastion range). Other CIDRs in the list are kept.",
    "::/0 is removed from ipv6_cidr_blocks (the attribute is dropped when nothing else is left).",
    "A rule with a port range or protocol -1 closes every port it covers to the internet, not only 22/3389.",
    "AWS rejects a rule with no source, so when the variable is the rule's only source (no other CIDR, prefix " +
      "list, security group or self) the rule exists only while the variable is set: `count = length(var.<name>) > 0 " +
      '? 1 : 0` on an aws_security_group_rule, a `dynamic "ingress"` block for an inline rule. Left empty, the rule ' +
      "is removed: SSH/RDP from anywhere stops until someone sets the allowed CIDRs. A rule that already has " +
      "count/for_each, or is referred to by address elsewhere in its module, is not fixed (the reason is given).",
    "aws_vpc_security_group_ingress_rule gets `for_each = toset(var.<name>)` and `cidr_ipv4 = each.value`: its " +
      'address changes to <address>["<cidr>"], so the open rule is destroyed and one rule per CIDR is created.',
  ],
  fixable: true,
  detect,
  fix,
};
