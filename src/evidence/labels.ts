// How a stored finding's parts are named in words, the same way in the CLI and in evidence
// records. Pure; the text may be untrusted, so every output medium escapes what it gets from here.

import type { Finding } from "../findings/model.ts";
import type { Actor, Links } from "../lifecycle/machine.ts";

/** Who made a change, as an auditor reads it. */
export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case "app":
      return "fixloop";
    case "github-user":
      return `GitHub user ${actor.login} (id ${actor.id})`;
    case "ingest":
      return `ingest from ${actor.source}`;
  }
}

/** The check as the source names it, and the catalog rule it maps to when there is one. */
export function ruleLabel(rule: { nativeId: string; catalogId: string | null }): string {
  return rule.catalogId ? `${rule.nativeId} → ${rule.catalogId}` : rule.nativeId;
}

/** The most specific name of the resource: Terraform address, ARN, cloud id, file, name. */
export function resourceLabel(resource: Finding["resource"]): string {
  return resource.terraformAddress ?? resource.arn ?? resource.id ?? resource.file ?? resource.name ?? "?";
}

/** The resource's name with its type, account and region: "arn:aws:s3:::x (AwsS3Bucket, account 1, us-east-1)". */
export function resourceDescription(resource: Finding["resource"]): string {
  const where = [resource.type, resource.account && `account ${resource.account}`, resource.region]
    .filter(Boolean)
    .join(", ");
  return `${resourceLabel(resource)}${where ? ` (${where})` : ""}`;
}

const LINK_ORDER: ReadonlyArray<keyof Links> = ["pr", "commit", "checkRun", "scan", "issue"];

/** The links of an event or check as [name, url] pairs in a fixed order. */
export function linkPairs(links: Links): Array<[keyof Links, string]> {
  return LINK_ORDER.flatMap((k) => (links[k] ? [[k, links[k]] as [keyof Links, string]] : []));
}

/** `pr=https://…; commit=abc` (empty when there are none). */
export function linksLabel(links: Links): string {
  return linkPairs(links)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");
}
