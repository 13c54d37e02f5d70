// Delivering a queued notification (src/jobs/kinds.ts `notify`) to where the finding's teams live.
// Three steps, each a durable job, so a receiver that is down delays but loses nothing and never
// blocks a webhook:
//   1. `notify`: routes the event — the finding's owning team (its remediation's assignment, else the
//      finding's owner) and the event's own teams → each team's Slack / Teams webhook, else the
//      default; every signed webhook that wants the event — and queues one `notify-send` per
//      destination, in one transaction.
//   2. `notify-send`: one POST, at most one per second per webhook (in this process), a 429 waits
//      for its Retry-After, any other failure retries with the queue's backoff and is `dead` after
//      its attempts, with an error that names the environment variable, never the URL.
//   3. digests: when more than `digestAfter` messages went to one chat webhook within
//      `digestWindow`, the next ones are queued for the end of the window (held) and one
//      `notify-digest` job sends them together; a held one the digest never took is sent alone.
// Secrets are read from the environment when a message is sent (./secrets.ts), never stored.

import { createHash } from "node:crypto";
import type { RepoConfigParse } from "../config/repo-config.ts";
import type { RepoRef } from "../github/platform.ts";
import { type NotificationEvent, type NotifyDestination, newJob } from "../jobs/kinds.ts";
import type { JobContext, JobOutcome } from "../jobs/worker.ts";
import { getFinding, type StoredFinding } from "../store/findings.ts";
import { enqueueJobs, type NewJob } from "../store/jobs.ts";
import { countJobsSince, finishQueuedJobs, queuedJobsWithPrefix } from "../store/notifications.ts";
import { remediationsOf } from "../store/remediations.ts";
import type { Store } from "../store/store.ts";
import type { NotificationsConfig } from "./config.ts";
import { type Fetch, ReceiverBusy, send } from "./http.ts";
import { type NotificationItem, NotificationItemSchema } from "./message.ts";
import { teamsMessage } from "./msteams.ts";
import type { SecretSource } from "./secrets.ts";
import { slackMessage } from "./slack.ts";
import { signedWebhookRequest } from "./webhook.ts";

export interface NotifyLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface NotifyDeps {
  store: Store;
  log: NotifyLog;
  /** The organization's `.github` configuration (Probot's config plugin, cached). */
  orgConfig(installationId: number | null, repository: RepoRef): Promise<RepoConfigParse>;
  secrets: SecretSource;
  fetch?: Fetch;
  /** Minimum time between two requests to one webhook URL. */
  minIntervalMs?: number;
  /** Last request time per webhook variable, for that rate limit (one map per app). */
  pacing: Map<string, number>;
}

/** A held message is sent alone if no digest took it this long after its window ended. */
const DIGEST_GRACE_MS = 10 * 60_000;
const MAX_DIGEST_ITEMS = 50;
export const NOTIFY_MAX_ATTEMPTS = 8;

const destinationId = (d: NotifyDestination) => `${d.kind}:${d.urlEnv}`;
const sendPrefix = (d: NotifyDestination) => `notify-send:${destinationId(d)}:`;
export const destinationLabel = (d: NotifyDestination) => `${d.kind} webhook (${d.urlEnv})`;

/** Step 1: where an event goes, queued as one send per destination. */
export async function routeNotification(deps: NotifyDeps, event: NotificationEvent, ctx: JobContext) {
  if ((ctx.progress as { routed?: boolean } | null)?.routed) return;
  const finding = await getFinding(deps.store.db, event.findingId);
  const fields = { event: event.event, findingId: event.findingId };
  if (!finding?.org) return deps.log.info(fields, "notification not sent: the finding has no organization");
  const parsed = await deps.orgConfig(finding.installationId, { owner: finding.org, repo: ".github" });
  if (!parsed.ok)
    return deps.log.warn(fields, `notification not sent: ${finding.org}/.github fixloop.yml is invalid`);
  const config = parsed.config.notifications;
  if (!config.events.includes(event.event))
    return deps.log.info(fields, "notification not sent: the organization does not ask for this event");
  const teams = await teamsOf(deps.store, finding, event);
  const item = itemOf(event, finding, teams);
  const destinations = destinationsFor(config, event, teams);
  if (destinations.length === 0)
    return deps.log.info(fields, "notification not sent: no notification destination is configured");
  const now = deps.store.now();
  const jobs: NewJob[] = [];
  for (const d of destinations) jobs.push(...(await sendJobs(deps.store, config, d, item, now)));
  await deps.store.transaction((tx) => enqueueJobs(tx, jobs, now));
  await ctx.saveProgress({ routed: true });
}

/** The owning team (the open or latest remediation's assignment, else the finding's) and the event's. */
async function teamsOf(store: Store, finding: StoredFinding, event: NotificationEvent): Promise<string[]> {
  const remediations = await remediationsOf(store.db, finding.id);
  const latest = remediations.at(-1);
  const owner = latest?.ownerTeam ?? latest?.assignment?.team ?? finding.ownerTeam;
  return [
    ...new Set([owner, ...(event.teams ?? [])].filter((t): t is string => !!t).map((t) => t.toLowerCase())),
  ];
}

function itemOf(event: NotificationEvent, finding: StoredFinding, teams: string[]): NotificationItem {
  return {
    event: event.event,
    findingId: event.findingId,
    at: event.at,
    summary: event.summary,
    ...(event.link ? { link: event.link } : {}),
    title: finding.title.slice(0, 500),
    tier: finding.risk.tier,
    repository: finding.repository,
    teams,
  };
}

/** Each team's chat webhook, else the default (once per URL variable), and the signed webhooks. */
export function destinationsFor(
  config: NotificationsConfig,
  event: NotificationEvent,
  teams: readonly string[],
): NotifyDestination[] {
  const out = new Map<string, NotifyDestination>();
  for (const kind of ["slack", "msteams"] as const) {
    const chat = config[kind];
    if (!chat) continue;
    const names = teams.map((t) => chat.teams[t] ?? chat.default);
    if (teams.length === 0) names.push(chat.default);
    for (const urlEnv of names) if (urlEnv) out.set(`${kind}:${urlEnv}`, { kind, urlEnv });
  }
  for (const w of config.webhooks)
    if (!w.events || w.events.includes(event.event))
      out.set(`webhook:${w.url}`, { kind: "webhook", urlEnv: w.url, secretEnv: w.secret });
  return [...out.values()];
}

/** Now, or — past `digestAfter` within the window on a chat webhook — held for the digest. */
async function sendJobs(
  store: Store,
  config: NotificationsConfig,
  destination: NotifyDestination,
  item: NotificationItem,
  now: number,
): Promise<NewJob[]> {
  const key = `${sendPrefix(destination)}${item.event}:${item.findingId}:${item.at}`;
  const options = { uniqueKey: key, maxAttempts: NOTIFY_MAX_ATTEMPTS };
  const send = (runAt?: number) =>
    newJob(
      "notify-send",
      { destination, items: [item] },
      runAt === undefined ? options : { ...options, runAt },
    );
  if (destination.kind === "webhook") return [send()];
  const recent = await countJobsSince(
    store.db,
    "notify-send",
    sendPrefix(destination),
    now - config.digestWindowMinutes * 60_000,
  );
  if (recent < config.digestAfter) return [send()];
  const digestAt = now + config.digestWindowMinutes * 60_000;
  return [
    send(digestAt + DIGEST_GRACE_MS),
    newJob(
      "notify-digest",
      { destination },
      {
        uniqueKey: `notify-digest:${destinationId(destination)}`,
        runAt: digestAt,
        maxAttempts: NOTIFY_MAX_ATTEMPTS,
      },
    ),
  ];
}

/** Step 2: one request to one destination. */
export async function sendNotification(
  deps: NotifyDeps,
  payload: { destination: NotifyDestination; items: unknown[] },
  ctx: JobContext,
): Promise<JobOutcome | undefined> {
  const items = payload.items.map((i) => NotificationItemSchema.parse(i));
  return deliverItems(deps, payload.destination, items, ctx);
}

/** Step 3: the held messages of one chat webhook, as one digest. */
export async function sendDigest(
  deps: NotifyDeps,
  payload: { destination: NotifyDestination },
  ctx: JobContext,
): Promise<JobOutcome | undefined> {
  let items = (ctx.progress as { items?: NotificationItem[] } | null)?.items;
  if (!items) {
    const held = await queuedJobsWithPrefix(
      deps.store.db,
      "notify-send",
      sendPrefix(payload.destination),
      MAX_DIGEST_ITEMS,
    );
    items = held.flatMap((j) => (j.payload as { items: NotificationItem[] }).items);
    // Saved before the held jobs are marked done: a crash in between sends twice, never loses one.
    await ctx.saveProgress({ items });
    const now = deps.store.now();
    await deps.store.transaction((tx) =>
      finishQueuedJobs(
        tx,
        held.map((j) => j.id),
        now,
      ),
    );
  }
  if (items.length === 0) return undefined;
  return deliverItems(deps, payload.destination, items, ctx);
}

async function deliverItems(
  deps: NotifyDeps,
  destination: NotifyDestination,
  items: NotificationItem[],
  ctx: JobContext,
): Promise<JobOutcome | undefined> {
  const now = deps.store.now();
  const id = destinationId(destination);
  const next = (deps.pacing.get(id) ?? Number.NEGATIVE_INFINITY) + (deps.minIntervalMs ?? 1_000);
  if (now < next) return { rescheduleAt: next };
  const label = destinationLabel(destination);
  const url = deps.secrets.value(destination.urlEnv, label);
  const secrets = [url];
  let request: { url: string; headers: Record<string, string>; body: string };
  if (destination.kind === "webhook") {
    const secret = deps.secrets.value(destination.secretEnv ?? "", label);
    secrets.push(secret);
    request = signedWebhookRequest(url, secret, items[0] as NotificationItem, deliveryId(ctx), now);
  } else {
    const body = destination.kind === "slack" ? slackMessage(items) : teamsMessage(items);
    request = { url, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  }
  deps.pacing.set(id, now);
  try {
    await send(deps.fetch ?? fetch, { method: "POST", label, secrets, ...request }, now);
  } catch (error) {
    if (error instanceof ReceiverBusy) return { rescheduleAt: error.retryAt };
    throw error;
  }
  deps.log.info(
    { destination: label, events: items.map((i) => i.event), findings: items.map((i) => i.findingId) },
    items.length > 1 ? `notification digest of ${items.length} sent` : "notification sent",
  );
  return undefined;
}

/** Stable across retries of one job (its unique key), so a receiver can drop a repeat. */
function deliveryId(ctx: JobContext): string {
  return createHash("sha256")
    .update(ctx.job.uniqueKey ?? String(ctx.job.id))
    .digest("hex")
    .slice(0, 32);
}
