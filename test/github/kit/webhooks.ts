// Real webhook payloads for tests, from @octokit/webhooks-examples (GitHub's own recorded
// deliveries). Tests adapt them only where a test needs its own identity — ids, shas, owner/repo —
// so every other field stays what GitHub really sends.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Probot } from "probot";

/** Typed as Probot receives them, so `probot.receive({ id, name, payload })` type-checks. */
type ReceivedEvent = Parameters<Probot["receive"]>[0];
export type WebhookName = ReceivedEvent["name"];
export type WebhookPayload<E extends WebhookName> = Extract<ReceivedEvent, { name: E }>["payload"];

interface Definition {
  name: string;
  examples: unknown[];
}

let definitions: Definition[] | null = null;

function loadDefinitions(): Definition[] {
  if (!definitions) {
    const file = createRequire(import.meta.url).resolve(
      "@octokit/webhooks-examples/api.github.com/index.json",
    );
    definitions = JSON.parse(readFileSync(file, "utf8")) as Definition[];
  }
  return definitions;
}

/**
 * The first recorded `event` payload that satisfies `predicate`, as a deep copy (tests may change
 * it freely). Throws naming the event when no example matches.
 */
export function webhookExample<E extends WebhookName>(
  event: E,
  predicate: (payload: WebhookPayload<E>) => boolean = () => true,
): WebhookPayload<E> {
  const definition = loadDefinitions().find((d) => d.name === event);
  if (!definition) throw new Error(`webhookExample: @octokit/webhooks-examples has no "${event}" event`);
  const found = (definition.examples as WebhookPayload<E>[]).find(predicate);
  if (found === undefined) {
    throw new Error(
      `webhookExample: none of the ${definition.examples.length} "${event}" examples matches the predicate`,
    );
  }
  return structuredClone(found);
}

export type ClosedPullRequest = Extract<WebhookPayload<"pull_request">, { action: "closed" }>;

/**
 * A merged pull request. The examples package records no merged `closed` delivery (both `closed`
 * examples have merged: false), so this takes the recorded closed one and marks it merged with the
 * example's own values: merged_at = its closed_at, merged_by = its sender (the merge commit sha is
 * already in it). Everything else is GitHub's recording.
 */
export function mergedPullRequestExample(): ClosedPullRequest {
  const payload = webhookExample("pull_request", (p) => p.action === "closed") as unknown as {
    sender: unknown;
    pull_request: { merged: boolean; merged_at: string | null; closed_at: string | null; merged_by: unknown };
  };
  payload.pull_request.merged = true;
  payload.pull_request.merged_at = payload.pull_request.closed_at;
  payload.pull_request.merged_by = structuredClone(payload.sender);
  return payload as unknown as ClosedPullRequest;
}

/** What a test may change in a recorded payload. Shas must be 40 hex characters, like real ones. */
export interface IdOverrides {
  owner?: string;
  repo?: string;
  repositoryId?: number;
  installationId?: number;
  /** The pull request / issue number. */
  number?: number;
  /** pull_request.head.sha, check_run/check_suite/workflow_run head_sha, status sha, push after. */
  headSha?: string;
  /** pull_request.base.sha, push before. */
  baseSha?: string;
  mergeCommitSha?: string;
}

type Node = null | boolean | number | string | Node[] | { [key: string]: Node };
type Obj = { [key: string]: Node };

const SHA = /^[0-9a-f]{40}$/;

const at = (root: Obj, ...path: string[]): Node | undefined =>
  path.reduce<Node | undefined>(
    (node, key) => (node && typeof node === "object" && !Array.isArray(node) ? node[key] : undefined),
    root,
  );

const firstString = (...values: Array<Node | undefined>) =>
  values.find((v): v is string => typeof v === "string");

/** Applies `fn` to every object (after its children) and `text` to every string, returning a copy. */
function mapTree(node: Node, text: (s: string) => string, fn: (o: Obj) => void): Node {
  if (typeof node === "string") return text(node);
  if (Array.isArray(node)) return node.map((n) => mapTree(n, text, fn));
  if (node === null || typeof node !== "object") return node;
  const out: Obj = {};
  for (const [key, value] of Object.entries(node)) out[key] = mapTree(value, text, fn);
  fn(out);
  return out;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A copy of `payload` with its identity changed: owner/repo (repository names, full names, owner
 * login and every URL that contains owner/repo; people's own user URLs stay as recorded),
 * repository id, installation id, PR/issue number (fields and this repository's URLs) and shas
 * (everywhere they occur). Throws when asked to change something the payload does not have.
 */
export function withIds<T>(payload: T, overrides: IdOverrides): T {
  const root = payload as unknown as Obj;
  const rewrites: Array<(s: string) => string> = [];

  const oldFull = firstString(at(root, "repository", "full_name"));
  const newOwner = overrides.owner;
  const newRepo = overrides.repo;
  let newFull: string | undefined;
  if (newOwner !== undefined || newRepo !== undefined) {
    if (!oldFull) throw new Error("withIds: the payload has no repository.full_name");
    const [owner, repo] = oldFull.split("/") as [string, string];
    newFull = `${newOwner ?? owner}/${newRepo ?? repo}`;
    // Not followed by a name character (Hello-World must not rewrite Hello-World-fork), except in
    // the clone URLs' ".git".
    const pattern = new RegExp(`${escapeRegex(oldFull)}(?![\\w-])(?!\\.(?!git(?![\\w.-])))`, "g");
    const to = newFull;
    rewrites.push((s) => s.replace(pattern, to));
  }

  const shaSources: Array<[keyof IdOverrides, string | undefined]> = [
    [
      "headSha",
      firstString(
        at(root, "pull_request", "head", "sha"),
        at(root, "check_run", "head_sha"),
        at(root, "check_suite", "head_sha"),
        at(root, "workflow_run", "head_sha"),
        at(root, "sha"),
        at(root, "after"),
      ),
    ],
    ["baseSha", firstString(at(root, "pull_request", "base", "sha"), at(root, "before"))],
    ["mergeCommitSha", firstString(at(root, "pull_request", "merge_commit_sha"))],
  ];
  const shas = new Map<string, string>();
  for (const [key, old] of shaSources) {
    const value = overrides[key];
    if (value === undefined) continue;
    if (typeof value !== "string" || !SHA.test(value))
      throw new Error(`withIds: ${key} must be 40 hex characters`);
    if (!old) throw new Error(`withIds: the payload has no ${key}`);
    shas.set(old, value);
  }
  if (shas.size > 0) {
    // One pass over all old shas, so a new sha equal to another old one is not replaced twice.
    const any = new RegExp([...shas.keys()].map(escapeRegex).join("|"), "g");
    rewrites.push((s) => s.replace(any, (old) => shas.get(old) ?? old));
  }

  const oldNumber = at(root, "number") ?? at(root, "pull_request", "number") ?? at(root, "issue", "number");
  if (overrides.number !== undefined) {
    if (typeof oldNumber !== "number")
      throw new Error("withIds: the payload has no pull request or issue number");
    // Only this repository's pull/issue URLs (after the owner/repo rewrite above has run).
    const scope = escapeRegex(newFull ?? oldFull ?? "");
    const pattern = new RegExp(`(${scope}/(?:pull|pulls|issues))/${oldNumber}(?![0-9])`, "g");
    const to = `$1/${overrides.number}`;
    rewrites.push((s) => s.replace(pattern, to));
  }

  const oldRepoId = at(root, "repository", "id");
  if (overrides.repositoryId !== undefined && typeof oldRepoId !== "number") {
    throw new Error("withIds: the payload has no repository.id");
  }

  const text = (s: string) => rewrites.reduce((acc, rewrite) => rewrite(acc), s);
  const repoFullName = newFull ?? oldFull;

  const adapt = (o: Obj) => {
    // A repository object: the payload's, a PR's head/base repo.
    if (repoFullName !== undefined && o.full_name === repoFullName) {
      const [owner, repo] = repoFullName.split("/") as [string, string];
      o.name = repo;
      const ownerObj = o.owner;
      if (ownerObj && typeof ownerObj === "object" && !Array.isArray(ownerObj)) ownerObj.login = owner;
      if (overrides.repositoryId !== undefined && o.id === oldRepoId) o.id = overrides.repositoryId;
    }
  };

  const copy = mapTree(root, text, adapt) as Obj;
  if (overrides.number !== undefined) {
    if (typeof copy.number === "number") copy.number = overrides.number;
    for (const key of ["pull_request", "issue"]) {
      const item = copy[key];
      if (item && typeof item === "object" && !Array.isArray(item) && item.number === oldNumber) {
        item.number = overrides.number;
      }
    }
  }
  if (newOwner !== undefined) {
    const org = copy.organization;
    if (org && typeof org === "object" && !Array.isArray(org) && oldFull?.startsWith(`${org.login}/`)) {
      org.login = newOwner;
    }
  }
  if (overrides.installationId !== undefined) {
    const installation = copy.installation;
    copy.installation = {
      ...(installation && typeof installation === "object" && !Array.isArray(installation)
        ? installation
        : {}),
      id: overrides.installationId,
    };
  }
  return copy as unknown as T;
}
