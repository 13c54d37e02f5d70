// Account-level controls written in the same configuration as a bucket or volume: an
// aws_s3_account_public_access_block with all four flags, or aws_ebs_encryption_by_default. They
// cover the bucket- and volume-level findings for the account they are applied to, so the rules say
// so — and still report, because Security Hub and the scanners check the resource level, and the
// resource-level setting keeps protecting it if the account setting is changed or the code is
// applied to another account or region.

import { attribute } from "../hcl/ast.ts";
import type { Resource, TerraformIndex } from "../hcl/index.ts";
import { isTrue, managedResources, resolveIn } from "./helpers.ts";
import type { Detection, FixPlan, Rule, RuleContext } from "./types.ts";

export const S3_ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws_s3_account_public_access_block";
export const EBS_ENCRYPTION_BY_DEFAULT = "aws_ebs_encryption_by_default";
const PAB_FLAGS = [
  "block_public_acls",
  "block_public_policy",
  "ignore_public_acls",
  "restrict_public_buckets",
];

/** The root modules a module is applied from (the module itself when nothing calls it). */
function rootsOf(index: TerraformIndex, dir: string): Set<string> {
  const roots = new Set<string>();
  const seen = new Set<string>();
  const walk = (d: string) => {
    if (seen.has(d)) return;
    seen.add(d);
    const callers = index.modules.get(d)?.calledBy ?? [];
    if (callers.length === 0) roots.add(d);
    for (const c of callers) walk(c.module);
  };
  walk(dir);
  return roots;
}

function sameConfiguration(index: TerraformIndex, a: Resource, b: Resource): boolean {
  const rootsA = rootsOf(index, a.module);
  return [...rootsOf(index, b.module)].some((r) => rootsA.has(r));
}

function statically(index: TerraformIndex, r: Resource, name: string, absent: boolean): boolean {
  const attr = attribute(r.block.body, name);
  if (!attr) return absent;
  const v = resolveIn(index, r, attr)!;
  return v.known && isTrue(v.value);
}

/**
 * `find` answered once per index and module: the control that applies depends only on the
 * resource's module, and rules ask once per detection (thousands of times on a large tree).
 */
function perModule(
  find: (index: TerraformIndex, resource: Resource) => Resource | undefined,
): (index: TerraformIndex, resource: Resource) => Resource | undefined {
  const memo = new WeakMap<readonly Resource[], Map<string, Resource | undefined>>();
  return (index, resource) => {
    let byModule = memo.get(index.resources);
    if (!byModule) {
      byModule = new Map();
      memo.set(index.resources, byModule);
    }
    if (!byModule.has(resource.module)) byModule.set(resource.module, find(index, resource));
    return byModule.get(resource.module);
  };
}

/** An account-level public access block with all four flags statically on, applied with `resource`. */
export const accountPublicAccessBlock = perModule((index, resource) =>
  managedResources(index, [S3_ACCOUNT_PUBLIC_ACCESS_BLOCK]).find(
    (r) =>
      sameConfiguration(index, r, resource) &&
      attribute(r.block.body, "count") === undefined &&
      PAB_FLAGS.every((f) => statically(index, r, f, false)),
  ),
);

/** aws_ebs_encryption_by_default with `enabled` statically on (the provider's default), applied with `resource`. */
export const ebsEncryptionByDefault = perModule((index, resource) =>
  managedResources(index, [EBS_ENCRYPTION_BY_DEFAULT]).find(
    (r) =>
      sameConfiguration(index, r, resource) &&
      attribute(r.block.body, "count") === undefined &&
      statically(index, r, "enabled", true),
  ),
);

/** How a finding on `subject` names the control: its address, and its module when another one. */
export function controlName(control: Resource, subject: Resource): string {
  if (control.module === subject.module) return control.address;
  return `${control.address} (in ${control.module || "the root module"})`;
}

export const S3_ACCOUNT_REASON =
  "still wanted: Security Hub (S3.8) and the scanners check the bucket level, and the bucket stays " +
  "protected if the account setting is turned off or this code is applied to another account";

export const EBS_ACCOUNT_REASON =
  "still wanted: encryption by default applies only to volumes created in that account and region after " +
  "it was enabled, Security Hub (EC2.3) checks each volume, and the volume stays encrypted if the code is " +
  "applied to another account or region";

/**
 * `rule` with the account-level context: a detection on a resource an account-level control
 * covers says so in its message, and its fix's summary says why the fix is still wanted.
 */
export function withAccountControl(
  rule: Rule,
  control: (index: TerraformIndex, resource: Resource) => Resource | undefined,
  covers: (control: Resource, detection: Detection) => string,
  stillWanted: string,
): Rule {
  return {
    ...rule,
    detect(ctx: RuleContext): Detection[] {
      return rule.detect(ctx).map((d) => {
        const c = control(ctx.index, d.resource);
        return c ? { ...d, message: `${d.message}; ${covers(c, d)}` } : d;
      });
    },
    fix(detection: Detection, ctx: RuleContext): FixPlan {
      const plan = rule.fix!(detection, ctx);
      if (plan.kind !== "edits" || !control(ctx.index, detection.resource)) return plan;
      return { ...plan, summary: `${plan.summary} — ${stillWanted}` };
    },
  };
}
