import { type Attribute, attribute } from "../hcl/ast.ts";
import type { EditOp } from "../hcl/edit.ts";
import type { Resource, TerraformIndex } from "../hcl/index.ts";
import { isTrue, managedResources, nestedBlocks } from "./helpers.ts";
import {
  ALL_PORTS,
  accessImpact,
  adminPortsIn,
  attrValue,
  declareVariable,
  describeAdminPorts,
  describeRanges,
  isWorldCidr,
  mergeFileOps,
  notLiteralReason,
  opensMoreThanAdmin,
  type PortRange,
  parsePortSpec,
  sourceText,
  splitTuple,
  stringList,
  tcpProtocol,
  variableName,
  withVariable,
} from "./network-shared.ts";
import type { Detection, FixPlan, Rule, RuleContext } from "./types.ts";

const ID = "gcp-firewall-open-admin-ports";
const TYPES = ["google_compute_firewall"];

interface Finding {
  ports: number[];
  ranges: PortRange[];
  /** source_ranges when present. */
  sourceRanges: Attribute | undefined;
  worldValues: string[];
  /** No source at all: GCP then applies 0.0.0.0/0. */
  implicit: boolean;
  /** source_tags or source_service_accounts are set (non-empty), so source_ranges may become empty. */
  otherSources: boolean;
}

function analyze(index: TerraformIndex, resource: Resource): Finding | undefined {
  const block = resource.block;
  const get = (name: string) => attrValue(index, resource, block, name);
  const direction = get("direction");
  if (direction && (!direction.value.known || String(direction.value.value).toUpperCase() !== "INGRESS")) {
    return undefined;
  }
  const disabled = get("disabled");
  if (disabled && (!disabled.value.known || isTrue(disabled.value.value))) return undefined;

  const ranges: PortRange[] = [];
  for (const allow of nestedBlocks(block, "allow").blocks) {
    const proto = attrValue(index, resource, allow, "protocol");
    if (!proto?.value.known || !tcpProtocol(proto.value.value)) continue;
    const ports = attrValue(index, resource, allow, "ports");
    const list = ports ? stringList(ports.value) : [];
    if (!list) continue; // unknown ports: never guessed
    if (list.length === 0) ranges.push(ALL_PORTS);
    for (const p of list) {
      const r = parsePortSpec(p);
      if (r) ranges.push(r);
    }
  }
  const adminPorts = adminPortsIn(ranges);
  if (adminPorts.length === 0) return undefined;

  const src = get("source_ranges");
  const srcList = src ? stringList(src.value) : [];
  if (!srcList) return undefined;
  const others: boolean[] = [];
  for (const name of ["source_tags", "source_service_accounts"]) {
    const v = get(name);
    if (!v) continue;
    const list = stringList(v.value);
    if (!list) return undefined; // an unknown tag list might be the only source: not guessed
    others.push(list.length > 0);
  }
  const otherSources = others.some(Boolean);
  const worldValues = srcList.filter(isWorldCidr).map(String);
  const implicit = srcList.length === 0 && !otherSources;
  if (worldValues.length === 0 && !implicit) return undefined;
  return { ports: adminPorts, ranges, sourceRanges: src?.attr, worldValues, implicit, otherSources };
}

function detect({ index }: RuleContext): Detection[] {
  const out: Detection[] = [];
  for (const resource of managedResources(index, TYPES)) {
    const f = analyze(index, resource);
    if (!f) continue;
    const from = f.implicit
      ? "anywhere: it sets no source_ranges, source_tags or source_service_accounts, so GCP applies 0.0.0.0/0"
      : [...new Set(f.worldValues)].join(", ");
    const extra = opensMoreThanAdmin(f.ranges) ? ` (the rule opens ${describeRanges(f.ranges)})` : "";
    out.push({
      ruleId: ID,
      resource,
      key: "",
      line: f.sourceRanges?.line ?? resource.line,
      message: `${resource.address} allows ${describeAdminPorts(f.ports)} from ${from}${extra}`,
    });
  }
  return out;
}

function fix(detection: Detection, { index }: RuleContext): FixPlan {
  const { resource } = detection;
  const f = analyze(index, resource);
  if (!f) return { kind: "unfixable", reason: "the finding is no longer present" };
  const block = resource.block;
  const name = variableName(f.ports, resource.name);
  const ops: EditOp[] = [];
  const changes: string[] = [];
  let kept: string[] = [];
  if (f.sourceRanges) {
    const split = splitTuple(index, resource, f.sourceRanges, isWorldCidr);
    if (!split) {
      const world = f.implicit ? "the empty source list (GCP then applies 0.0.0.0/0)" : "0.0.0.0/0";
      return { kind: "unfixable", reason: notLiteralReason(index, resource, f.sourceRanges, world) };
    }
    kept = split.kept;
    ops.push({ kind: "set", block, name: "source_ranges", value: withVariable(kept, name) });
    changes.push(
      split.dropped.length > 0
        ? `replace ${split.dropped.join(", ")} in source_ranges with var.${name}`
        : `set source_ranges = var.${name}`,
    );
  } else {
    ops.push({ kind: "set", block, name: "source_ranges", value: `var.${name}` });
    changes.push(`set source_ranges = var.${name} (the rule had no source, so GCP applied 0.0.0.0/0)`);
  }
  // An empty source_ranges with no tag/service-account source makes GCP fall back to 0.0.0.0/0:
  // the rule is disabled while the variable is empty.
  if (kept.length === 0 && !f.otherSources) {
    const disabled = attribute(block.body, "disabled");
    if (disabled && !(disabled.expr.kind === "literal" && disabled.expr.value === false)) {
      return {
        kind: "unfixable",
        reason: `disabled is set from \`${sourceText(index, resource, disabled.expr)}\`; the fix needs to disable the rule while var.${name} is empty`,
      };
    }
    ops.push({ kind: "set", block, name: "disabled", value: `length(var.${name}) == 0` });
    changes.push(`set disabled = length(var.${name}) == 0`);
  }
  const reach = f.ports.length > 1 ? { reach: `${describeRanges(f.ranges)} of ${resource.address}` } : {};
  const decl = declareVariable(index, resource, name, f.ports, isWorldCidr, {
    what: "Source IP ranges",
    ...reach,
  });
  if (!decl.ok) return { kind: "unfixable", reason: decl.reason };
  if (!decl.reused) changes.push(`declare var.${name} (default [])`);
  const files = mergeFileOps([{ file: resource.file, ops }], decl.files);
  const more = opensMoreThanAdmin(f.ranges)
    ? ` (this also closes the rest of ${describeRanges(f.ranges)})`
    : "";
  return { kind: "edits", files, summary: `${changes.join("; ")}. ${accessImpact(name, f.ports)}${more}` };
}

export const gcpFirewallOpenAdminPorts: Rule = {
  id: ID,
  title: "Firewall rule allows SSH or RDP from the internet",
  severity: "high",
  disruptive: true,
  provider: "gcp",
  resourceTypes: TYPES,
  fixProviderVersions: { versions: ">= 3.0" },
  aliases: {
    checkov: ["CKV_GCP_2", "CKV_GCP_3"],
    trivy: ["AVD-GCP-0071", "AVD-GCP-0070"],
    tfsec: [
      "google-compute-restrict-ssh-access",
      "google-misc-rdp-access-is-not-restricted",
      "google-compute-no-public-ingress",
      "GCP003",
    ],
    kics: ["c4dcdcdf-10dd-4bf4-b4a0-8f6239e6aaa0", "678fd659-96f2-454a-a2a0-c2571f83a4a3"],
    securityhub: [],
    prowler: [
      "compute_firewall_ssh_access_from_the_internet_allowed",
      "compute_firewall_rdp_access_from_the_internet_allowed",
    ],
  },
  rationale:
    "An ingress firewall rule allowing TCP 22 or 3389 from 0.0.0.0/0 (or with no source at all, which GCP " +
    "treats as 0.0.0.0/0) exposes SSH/RDP of every targeted VM to the internet; use IAP or known ranges instead.",
  impact: [
    "Closes SSH/RDP from the internet: 0.0.0.0/0 and ::/0 in source_ranges are replaced by var.ssh_allowed_cidrs " +
      "(or rdp_/<name>_admin_), a list(string) variable with default [] = no access; other ranges are kept. Set it " +
      "to the CIDRs that need access (e.g. a VPN/bastion range, or 35.235.240.0/20 for IAP TCP forwarding).",
    "GCP treats an ingress rule with no source as 0.0.0.0/0, so when the variable would be the only source the fix " +
      "also sets `disabled = length(var.<name>) == 0`: the rule stays disabled until the variable is set.",
    "A rule with a port range, no ports or protocol all closes every port it covers to the internet, not only 22/3389.",
  ],
  fixable: true,
  detect,
  fix,
};
