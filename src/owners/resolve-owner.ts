// Who a remediation PR goes to, and one sentence saying why. Pure.
//
// The order is from the most specific statement of ownership to the least: what the finding itself
// says, the resource's own tags in Terraform, CODEOWNERS for the file, the cloud resource's tags as the
// source reported them (mapped through `owners.teams`), then the configured triage team. The first
// step that yields an owner decides; the others are summed up only when nothing did, so a reader sees
// why the fallback was used. A bare value (`data-platform`) that owners.teams does not map routes
// to `<org>/data-platform` when the organization has that team: the caller looks the candidates up
// (teamCandidates) and passes the answers in, so this stays pure. Everything quoted from a finding, a tag or CODEOWNERS is untrusted: it is
// quoted and bounded here and never contains a raw newline, and the renderer escapes it.

import { type RepoConfig, teamForTagValue } from "../config/repo-config.ts";
import type { Finding } from "../findings/model.ts";
import type { Resource, TerraformIndex } from "../hcl/index.ts";
import { type CodeownersRule, matchingRule, parseOwner } from "./codeowners.ts";
import { type OwnerTag, resourceOwnerTags } from "./resource-tags.ts";

export type DecidedBy = "finding" | "resource-tags" | "codeowners" | "mapping" | "triage-team";

export interface OwnerInput {
  finding: {
    context: Pick<Finding["context"], "ownerTeam">;
    resource: Pick<Finding["resource"], "tags">;
  };
  /** The resource the finding was traced to, in an index whose paths are relative to the repository root. */
  located?: { index: TerraformIndex; resource: Resource } | null;
  /** The repository-relative file the change touches; defaults to the located resource's file. */
  file?: string | null;
  /** CODEOWNERS of the base branch, and where it was found (`.github/CODEOWNERS`). */
  codeowners?: { path: string; rules: readonly CodeownersRule[] } | null;
  /**
   * The repository's organization and whether it has a team of a slug (true/false; undefined when
   * it could not be checked). Without it, a bare value routes only through owners.teams.
   */
  organization?: { login: string; hasTeam: (slug: string) => boolean | undefined } | null;
}

export interface OwnerDecision {
  /** `org/team-slug`, without `@`. */
  team: string | null;
  /** User logins (without `@`) to request a review from: CODEOWNERS users, when no team was found. */
  reviewers: string[];
  decidedBy: DecidedBy | null;
  /** One sentence for the PR body, unescaped, without newlines. */
  explanation: string;
}

type Step = { decision: OwnerDecision } | { miss: string };

export function resolveOwner(input: OwnerInput, config: RepoConfig): OwnerDecision {
  const misses: string[] = [];
  for (const step of [fromFinding, fromResourceTags, fromCodeowners, fromMapping]) {
    const result = step(input, config);
    if ("decision" in result) return result.decision;
    misses.push(result.miss);
  }
  const why = misses.join("; ");
  const triage = config.owners.triageTeam;
  if (triage)
    return {
      team: triage,
      reviewers: [],
      decidedBy: "triage-team",
      explanation: `Routed to @${triage}, the triage team (owners.triageTeam), because no owner was found: ${why}.`,
    };
  return {
    team: null,
    reviewers: [],
    decidedBy: null,
    explanation: `No owner found: ${why}; owners.triageTeam is not set.`,
  };
}

/** How a value became a team: mapped by owners.teams, written as org/team, or a team of the organization. */
type Found = { team: string; via: "mapping" | "written" | "organization" };

/** A tag or owner value → a team: through `owners.teams`, as written when `org/team`, or the organization's team of that slug. */
function teamFor(input: OwnerInput, config: RepoConfig, value: string): Found | null {
  const mapped = teamForTagValue(config, value);
  if (mapped) return { team: mapped, via: "mapping" };
  const owner = parseOwner(`@${value.trim().replace(/^@/, "")}`);
  if (owner?.kind === "team") return { team: owner.slug, via: "written" };
  const slug = teamSlug(value);
  const org = input.organization;
  if (slug && org?.hasTeam(slug) === true) return { team: `${org.login}/${slug}`, via: "organization" };
  return null;
}

/** What a team lookup said about a value no step could use, for the "why not" sentence. */
function orgNote(input: OwnerInput, value: string): string {
  const slug = teamSlug(value);
  const org = input.organization;
  if (!slug || !org) return "";
  const known = org.hasTeam(slug);
  if (known === false) return `, nor a team of ${plain(org.login)}`;
  return known === undefined ? ` (fixloop could not check ${plain(org.login)}'s teams)` : "";
}

/** Where a found team came from, appended to the routing sentence. */
function viaText(found: Found): string {
  if (found.via === "mapping") return " (owners.teams)";
  if (found.via === "organization") return `, a team of ${plain(found.team.split("/")[0]!)}`;
  return "";
}

/** A bare GitHub team slug (`data-platform`, `@Data-Platform`) written as a value, lowercased; else null. */
function teamSlug(value: string): string | null {
  const bare = value.trim().replace(/^@/, "");
  return /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(bare) ? bare.toLowerCase() : null;
}

/**
 * The bare values (finding owner team, resource owner tags, the finding's resource tags) that would
 * route to `<org>/<slug>` if the organization had that team, in the order the steps consult them.
 * The caller asks GitHub about these and passes the answers as `organization.hasTeam`.
 */
export function teamCandidates(input: OwnerInput, config: RepoConfig): string[] {
  const values: string[] = [];
  if (input.finding.context.ownerTeam) values.push(input.finding.context.ownerTeam);
  if (input.located) {
    const { index, resource } = input.located;
    values.push(...resourceOwnerTags(index, resource, config.owners.tagKeys).tags.map((t) => t.value));
  }
  const wanted = new Set(config.owners.tagKeys.map((k) => k.toLowerCase()));
  for (const [k, v] of Object.entries(input.finding.resource.tags ?? {}))
    if (wanted.has(k.toLowerCase())) values.push(v);
  const bare = values.filter(
    (v) => !teamForTagValue(config, v) && parseOwner(`@${v.trim().replace(/^@/, "")}`)?.kind !== "team",
  );
  return [...new Set(bare.flatMap((v) => teamSlug(v) ?? []))];
}

const routed = (team: string, decidedBy: DecidedBy, because: string): Step => ({
  decision: { team, reviewers: [], decidedBy, explanation: `Routed to @${team} because ${because}.` },
});

function fromFinding(input: OwnerInput, config: RepoConfig): Step {
  const value = input.finding.context.ownerTeam;
  if (value === undefined || value.trim() === "") return { miss: "the finding names no owner team" };
  const found = teamFor(input, config, value);
  if (!found)
    return {
      miss: `the finding's owner team ${quote(value)} is neither in owners.teams nor an org/team slug${orgNote(input, value)}`,
    };
  return routed(
    found.team,
    "finding",
    found.via === "written"
      ? "the finding names it as the owner team"
      : `the finding names the owner team ${quote(value)}${viaText(found)}`,
  );
}

function fromResourceTags(input: OwnerInput, config: RepoConfig): Step {
  if (!input.located) return { miss: "the resource was not located in the repository" };
  const { index, resource } = input.located;
  const name = plain(resource.addresses.length === 1 ? resource.addresses[0]! : resource.address);
  const { tags, ignored } = resourceOwnerTags(index, resource, config.owners.tagKeys);
  const unmapped: OwnerTag[] = [];
  for (const tag of tags) {
    const found = teamFor(input, config, tag.value);
    if (!found) {
      unmapped.push(tag);
      continue;
    }
    const where =
      tag.origin === "resource"
        ? `the ${plain(tag.key)} tag of ${name}`
        : `the ${plain(tag.key)} tag in the default_tags of the aws provider (${plain(tag.file)}:${tag.line}) that ${name} inherits`;
    return routed(found.team, "resource-tags", `${where} is ${quote(tag.value)}${viaText(found)}`);
  }
  const notes = [
    ...unmapped.map(
      (t) =>
        `its ${plain(t.key)} tag is ${quote(t.value)}, which is not in owners.teams${orgNote(input, t.value)}`,
    ),
    ...ignored.map((i) =>
      i.key === null ? plain(i.reason) : `its ${plain(i.key)} tag cannot be used (${plain(i.reason)})`,
    ),
  ];
  if (notes.length > 0) return { miss: `${name} names no team (${notes.join(", ")})` };
  return { miss: `${name} has no ${keyList(config.owners.tagKeys)} tag` };
}

function fromCodeowners(input: OwnerInput, _config: RepoConfig): Step {
  const file = input.file ?? input.located?.resource.file;
  if (!file) return { miss: "no file to look up in CODEOWNERS" };
  if (!input.codeowners) return { miss: "the repository has no CODEOWNERS file" };
  const where = plain(input.codeowners.path);
  const rule = matchingRule(input.codeowners.rules, file);
  if (!rule) return { miss: `${where} has no rule for ${plain(file)}` };
  const at = `${where} line ${rule.line} (${plain(rule.pattern)})`;
  if (rule.owners.length === 0) return { miss: `${at} leaves ${plain(file)} without an owner` };
  const owners = rule.owners.map(parseOwner);
  const team = owners.find((o) => o?.kind === "team");
  if (team?.kind === "team")
    return routed(team.slug, "codeowners", `${at} makes it an owner of ${plain(file)}`);
  const users = owners.flatMap((o) => (o?.kind === "user" ? [o.login] : []));
  if (users.length === 0)
    return {
      miss: `${at} names only e-mail addresses for ${plain(file)}, which cannot be requested for review`,
    };
  return {
    decision: {
      team: null,
      reviewers: users,
      decidedBy: "codeowners",
      explanation: `Review requested from ${andList(users.map((u) => `@${u}`))} because ${at} names ${users.length === 1 ? "this user" : "these users"} and no team as owners of ${plain(file)}.`,
    },
  };
}

function fromMapping(input: OwnerInput, config: RepoConfig): Step {
  const tags = input.finding.resource.tags ?? {};
  const byKey = new Map(Object.entries(tags).map(([k, v]) => [k.toLowerCase(), { key: k, value: v }]));
  const seen: string[] = [];
  for (const wanted of config.owners.tagKeys) {
    const tag = byKey.get(wanted.toLowerCase());
    if (!tag) continue;
    const found = teamFor(input, config, tag.value);
    if (found)
      return routed(
        found.team,
        "mapping",
        `the ${quote(tag.key)} tag the finding reports on the cloud resource is ${quote(tag.value)}${viaText(found)}`,
      );
    seen.push(`${quote(tag.key)} is ${quote(tag.value)}${orgNote(input, tag.value)}`);
  }
  if (seen.length > 0)
    return { miss: `the finding's resource tags are not in owners.teams (${seen.join(", ")})` };
  return { miss: `the finding reports no ${keyList(config.owners.tagKeys)} tag on the cloud resource` };
}

const MAX_QUOTED = 80;
/** Control characters, line/paragraph separators and bidirectional overrides: never shown as they are. */
const UNSAFE = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

/** An untrusted value as a bounded, quoted string: JSON escaping turns newlines into `\n`. */
function quote(value: string): string {
  const chars = [...value];
  const bounded = chars.length > MAX_QUOTED ? `${chars.slice(0, MAX_QUOTED - 1).join("")}…` : value;
  return JSON.stringify(bounded).replace(UNSAFE, " ");
}

/** Repository text shown unquoted (paths, addresses, patterns): unsafe characters become spaces. */
function plain(value: string): string {
  const chars = [...value.replace(UNSAFE, " ")];
  return chars.length > 200 ? `${chars.slice(0, 199).join("")}…` : chars.join("");
}

function andList(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function keyList(keys: readonly string[]): string {
  return keys.length === 0 ? "owner" : keys.map(plain).join(" or ");
}
