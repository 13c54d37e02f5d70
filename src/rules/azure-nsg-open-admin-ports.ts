import type { Attribute, Block } from "../hcl/ast.ts";
import type { Resource, TerraformIndex } from "../hcl/index.ts";
import { managedResources } from "./helpers.ts";
import {
  type AttrChange,
  accessImpact,
  adminPortsIn,
  attrValue,
  declareVariable,
  describeAdminPorts,
  describeRanges,
  guardedImpact,
  guardedRuleEdits,
  isAzureWorldPrefix,
  mergeFileOps,
  notLiteralReason,
  opensMoreThanAdmin,
  type PortRange,
  parsePortSpec,
  ruleBlocks,
  sourceText,
  splitTuple,
  stringList,
  tcpProtocol,
  variableName,
  withVariable,
} from "./network-shared.ts";
import type { Detection, FixPlan, Rule, RuleContext } from "./types.ts";

const ID = "azure-nsg-open-admin-ports";
const TYPES = ["azurerm_network_security_rule", "azurerm_network_security_group"];

interface Finding {
  key: string;
  block: Block;
  ports: number[];
  ranges: PortRange[];
  source: Attribute;
  worldValues: string[];
}

const lower = (v: unknown) => (typeof v === "string" ? v.trim().toLowerCase() : undefined);

function analyzeRule(
  index: TerraformIndex,
  resource: Resource,
  block: Block,
  key: string,
): Finding | undefined {
  const get = (name: string) => attrValue(index, resource, block, name);
  const direction = get("direction");
  const access = get("access");
  if (!direction?.value.known || lower(direction.value.value) !== "inbound") return undefined;
  if (!access?.value.known || lower(access.value.value) !== "allow") return undefined;
  const protocol = get("protocol");
  if (!protocol?.value.known || !tcpProtocol(protocol.value.value)) return undefined;

  const ranges: PortRange[] = [];
  const single = get("destination_port_range");
  const multi = get("destination_port_ranges");
  if (!single && !multi) return undefined;
  for (const spec of [single, multi]) {
    if (!spec) continue;
    const list = stringList(spec.value);
    if (!list) return undefined; // unknown ports: never guessed
    for (const item of list) {
      const r = parsePortSpec(item);
      if (r) ranges.push(r);
    }
  }
  const ports = adminPortsIn(ranges);
  if (ports.length === 0) return undefined;

  for (const name of ["source_address_prefix", "source_address_prefixes"]) {
    const src = get(name);
    const hits = (stringList(src?.value) ?? []).filter(isAzureWorldPrefix).map(String);
    if (src && hits.length > 0) return { key, block, ports, ranges, source: src.attr, worldValues: hits };
  }
  return undefined;
}

function analyze(index: TerraformIndex, resource: Resource): Finding[] {
  if (resource.type === "azurerm_network_security_rule") {
    const f = analyzeRule(index, resource, resource.block, "");
    return f ? [f] : [];
  }
  // Inline rules; a `dynamic "security_rule"` block's items are not known statically.
  // Dynamic blocks count in the position so that turning one block dynamic keeps the others' keys.
  return ruleBlocks(resource.block, "security_rule").flatMap((b, i) =>
    b.type === "security_rule" ? (analyzeRule(index, resource, b, `security_rule[${i}]`) ?? []) : [],
  );
}

function detect({ index }: RuleContext): Detection[] {
  const out: Detection[] = [];
  for (const resource of managedResources(index, TYPES)) {
    for (const f of analyze(index, resource)) {
      const where = f.key ? `${resource.address} ${f.key}` : resource.address;
      const extra = opensMoreThanAdmin(f.ranges) ? ` (the rule opens ${describeRanges(f.ranges)})` : "";
      out.push({
        ruleId: ID,
        resource,
        key: f.key,
        line: f.source.line,
        message: `${where} allows inbound ${describeAdminPorts(f.ports)} from ${[...new Set(f.worldValues)].join(", ")}${extra}`,
      });
    }
  }
  return out;
}

function fix(detection: Detection, { index }: RuleContext): FixPlan {
  const { resource } = detection;
  const f = analyze(index, resource).find((x) => x.key === detection.key);
  if (!f) return { kind: "unfixable", reason: "the finding is no longer present" };
  const name = variableName(f.ports, resource.name);
  const where = f.key ? `${f.key}.` : "";
  const edits: AttrChange[] = [];
  let change: string;
  let kept: string[] = [];
  if (f.source.name === "source_address_prefix") {
    // A single prefix: whatever expression gives the world value is replaced by the list variable.
    edits.push({ name: "source_address_prefix", remove: true });
    edits.push({ name: "source_address_prefixes", value: `var.${name}` });
    change = `replace ${where}source_address_prefix = ${sourceText(index, resource, f.source.expr)} with source_address_prefixes = var.${name}`;
  } else {
    const split = splitTuple(index, resource, f.source, isAzureWorldPrefix);
    if (!split)
      return { kind: "unfixable", reason: notLiteralReason(index, resource, f.source, "the world prefix") };
    kept = split.kept;
    edits.push({ name: "source_address_prefixes", value: withVariable(split.kept, name) });
    change = `replace ${split.dropped.join(", ")} in ${where}source_address_prefixes with var.${name}`;
  }
  // Azure needs a source on every rule: with only the variable left, the rule exists only while it is set.
  const guard = kept.length === 0 && !hasSourceGroup(index, resource, f.block);
  const written = guardedRuleEdits(
    index,
    resource,
    { block: f.block, key: f.key, inlineBlock: "security_rule" },
    edits,
    guard ? name : undefined,
  );
  if ("reason" in written) return { kind: "unfixable", reason: written.reason };
  const ops = written.ops;
  if (written.change) change += `; ${written.change}`;
  const reach =
    f.ports.length > 1
      ? {
          reach: `${describeRanges(f.ranges)} of ${f.key ? `${resource.address} ${f.key}` : resource.address}`,
        }
      : {};
  const decl = declareVariable(index, resource, name, f.ports, isAzureWorldPrefix, {
    what: "Source address prefixes (CIDRs)",
    ...reach,
  });
  if (!decl.ok) return { kind: "unfixable", reason: decl.reason };
  const files = mergeFileOps([{ file: resource.file, ops }], decl.files);
  const declared = decl.reused ? "" : `; declare var.${name} (default [])`;
  const more = opensMoreThanAdmin(f.ranges)
    ? ` (this also closes the rest of ${describeRanges(f.ranges)})`
    : "";
  const impact = guard ? guardedImpact(name, f.ports) : accessImpact(name, f.ports);
  return { kind: "edits", files, summary: `${change}${declared}. ${impact}${more}` };
}

/** An application security group source keeps a rule valid with no address prefix. */
function hasSourceGroup(index: TerraformIndex, resource: Resource, block: Block): boolean {
  const v = attrValue(index, resource, block, "source_application_security_group_ids");
  if (!v) return false;
  return !v.value.known || (Array.isArray(v.value.value) && v.value.value.length > 0);
}

export const azureNsgOpenAdminPorts: Rule = {
  id: ID,
  title: "Network security group allows SSH or RDP from the internet",
  severity: "high",
  disruptive: true,
  provider: "azure",
  resourceTypes: TYPES,
  fixProviderVersions: { versions: ">= 2.0" },
  aliases: {
    checkov: ["CKV_AZURE_9", "CKV_AZURE_10"],
    trivy: ["AVD-AZU-0048", "AVD-AZU-0050"],
    tfsec: [
      "azure-network-disable-rdp-from-internet",
      "azure-network-ssh-blocked-from-internet",
      "AZU024",
      "AZU017",
    ],
    kics: ["efbf6449-5ec5-4cfe-8f15-acc51e0d787c", "3e3c175e-aadf-4e2b-a464-3fdac5748d24"],
    securityhub: [],
    prowler: ["network_rdp_internet_access_restricted", "network_ssh_internet_access_restricted"],
  },
  rationale:
    "An inbound Allow rule for SSH (22) or RDP (3389) from `*`/Internet/0.0.0.0/0 exposes remote administration " +
    "of every VM behind the NSG to the whole internet; admin access should come only from known ranges.",
  impact: [
    'Closes SSH/RDP from the internet: `source_address_prefix = "*"` (or Internet/Any/0.0.0.0/0) becomes ' +
      "`source_address_prefixes = var.ssh_allowed_cidrs` (or rdp_/<name>_admin_), a list(string) variable with " +
      "default [] = no access; set it to the CIDRs that need access (e.g. a VPN/bastion range).",
    "Azure needs a source on every rule, so when the variable is the rule's only source the rule exists only " +
      "while the variable is set: `count = length(var.<name>) > 0 ? 1 : 0` on an azurerm_network_security_rule, a " +
      '`dynamic "security_rule"` block for an inline rule. Left empty, the rule is removed: SSH/RDP from anywhere ' +
      "stops until someone sets the allowed CIDRs. A rule that already has count/for_each, or is referred to by " +
      "address elsewhere in its module, is not fixed (the reason is given).",
    "A rule whose port range is wider than 22/3389 (`*`, 0-65535, 20-30) closes all of those ports to the internet.",
  ],
  fixable: true,
  detect,
  fix,
};
