// Code re-scan of a merged fix: pure. Runs the rule catalog over the merged Terraform and decides
// whether the finding is gone from the code: the finding's rule must be silent on its resource,
// and the change must not have brought a new finding into the files it touched — the same test
// the fix engine applies to a patch before it leaves the process (src/rules/fix.ts), now applied to
// what actually landed on the default branch (a reviewer may have edited the PR).
//
// Detections are compared by rule + module + address, never by line: lines move with any edit.

import { posix } from "node:path";
import { buildIndex, type SourceFile, type TerraformIndex } from "../hcl/index.ts";
import { RULES, resolveRuleId } from "../rules/registry.ts";
import { scanIndex } from "../rules/scan.ts";
import type { Detection, Rule } from "../rules/types.ts";

export interface CodeRescanInput {
  /** The Terraform files before the change (base of the PR), paths relative to the repository root. */
  before: SourceFile[];
  /** The same tree after the merge. */
  after: SourceFile[];
  finding: {
    /** Catalog id or any scanner alias (CKV_AWS_20, AVD-AWS-0086 …). */
    ruleId: string;
    /** Address in its module (`aws_s3_bucket.logs`) or from the root (`module.cdn.aws_s3_bucket.this`),
     *  or a module call (`module.logs`) when the fix set the module's inputs. */
    resourceAddress: string;
    /** The file that defines it; its directory is the module the address is looked up in. */
    file: string;
  };
  /** Repository-relative paths the merged change modified. */
  touchedFiles: readonly string[];
}

export interface CodeRescanResult {
  passed: boolean;
  /** The re-scan could not observe the finding (unknown rule, a registry module's insides, a file
   *  that no longer parses, a resource that never existed): `passed` is false but nothing was seen
   *  failing either, so the caller should rely on the runtime re-scan rather than reopen. */
  inconclusive: boolean;
  /** One paragraph for the PR comment and the check run; values come from the repository and are
   *  not escaped (the renderer escapes them). */
  detail: string;
  stillFailing: Detection[];
  newFindings: Detection[];
}

/** Rule + module + address: the identity of a detection across edits. */
function identity(d: Detection): string {
  return `${d.ruleId}\u0000${d.resource.module}\u0000${d.resource.address}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function describe(d: Detection): string {
  return `${d.ruleId} on ${d.resource.address} (${d.resource.file} line ${d.line}): ${oneLine(d.message)}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** `module.cdn.aws_s3_bucket.this` → `aws_s3_bucket.this`: within its module (the finding file's
 *  directory) a resource is known by its local address, whichever root reaches it. */
function localAddress(address: string): string {
  return address.replace(/^(module\.[^.[]+(\[[^\]]*\])?\.)+/, "");
}

/** Does a detection concern the finding's resource: the resource itself, or a resource of the same
 *  module that configures it (an `aws_s3_bucket_acl` pointing at the bucket)? Matching is per
 *  module: two environments often hold a resource of the same address. */
function concerns(d: Detection, local: string, dir: string): boolean {
  const r = d.resource;
  return r.module === dir && (r.address === local || r.references.includes(local));
}

function inconclusive(detail: string): CodeRescanResult {
  return { passed: false, inconclusive: true, detail, stillFailing: [], newFindings: [] };
}

function definesAddress(index: TerraformIndex, local: string, dir: string): boolean {
  return index.resources.some((r) => r.module === dir && r.address === local);
}

export function codeRescan(input: CodeRescanInput, rules: readonly Rule[] = RULES): CodeRescanResult {
  const { finding } = input;
  const address = finding.resourceAddress;
  const local = localAddress(address);
  const dir = posix.dirname(finding.file);
  const rule = resolveRuleId(finding.ruleId);
  if (!rule || !rules.some((r) => r.id === rule.id))
    return inconclusive(
      `The rule ${oneLine(finding.ruleId)} is not in fixloop's catalog, so the code re-scan cannot tell whether ${address} is fixed.`,
    );

  const afterIndex = buildIndex(input.after);
  const touched = new Set(input.touchedFiles);
  // A file that no longer parses drops its resources from the index: silence would be a false pass.
  const relevantDirs = new Set([dir, ...[...touched].map((f) => posix.dirname(f))]);
  const broken = afterIndex.errors.filter(
    (e) => touched.has(e.file) || relevantDirs.has(posix.dirname(e.file)),
  );
  if (broken.length > 0)
    return inconclusive(
      `The merged code does not parse (${broken.map((e) => oneLine(e.message)).join("; ")}), so the code re-scan cannot confirm the fix.`,
    );

  const call = afterIndex.calls.find((c) => c.address === local && c.module === dir);
  if (call && !call.sourceDir)
    return inconclusive(
      `${address} uses the module ${oneLine(call.source ?? "(no source)")}, whose resources fixloop does not scan; the runtime re-scan decides whether ${rule.id} is fixed.`,
    );

  const after = scanIndex(afterIndex, rules);
  const beforeIndex = buildIndex(input.before);
  const before = new Set(scanIndex(beforeIndex, rules).map(identity));

  const ownDetections = after.filter((d) => d.ruleId === rule.id);
  const stillFailing = call
    ? ownDetections.filter((d) => d.resource.module === call.sourceDir)
    : ownDetections.filter((d) => concerns(d, local, dir));
  const stillIds = new Set(stillFailing.map(identity));
  const newFindings = after.filter(
    (d) => touched.has(d.resource.file) && !before.has(identity(d)) && !stillIds.has(identity(d)),
  );

  const defined = Boolean(call) || definesAddress(afterIndex, local, dir);
  if (!defined && !definesAddress(beforeIndex, local, dir) && stillFailing.length === 0)
    return inconclusive(
      `${address} is not defined in ${dir === "." ? "the root module" : dir} before or after the merge, so the code re-scan cannot find the resource the finding is about.`,
    );

  const sentences: string[] = [];
  if (stillFailing.length > 0)
    sentences.push(`${rule.id} still reports ${address}: ${stillFailing.map(describe).join("; ")}.`);
  else if (!defined)
    sentences.push(`${address} is no longer defined in ${finding.file}, so ${rule.id} cannot report it.`);
  else sentences.push(`${rule.id} no longer reports ${address} in ${finding.file}.`);
  const files = plural(touched.size, "changed file");
  if (newFindings.length > 0)
    sentences.push(
      `The change brought ${plural(newFindings.length, "new finding")} into the ${files}: ${newFindings.map(describe).join("; ")}.`,
    );
  else sentences.push(`The ${files} ${touched.size === 1 ? "has" : "have"} no new finding.`);

  return {
    passed: stillFailing.length === 0 && newFindings.length === 0,
    inconclusive: false,
    detail: sentences.join(" "),
    stillFailing,
    newFindings,
  };
}
