// The job kinds fixloop queues, defined once as a table: each kind's name, what it does and the
// schema of its payload. A payload is checked when the job is queued (the builders below) and when
// it is claimed (jobHandler): a bad one is a clear error and the job goes `dead` with the reason,
// instead of a handler failing on it eight times. Every kind in the table must have a handler
// where the worker is built (assertEveryKindHandled, at start and in test/architecture): a kind
// queued without one would otherwise wait in the queue forever, never claimed.

import { z } from "zod";
import type { NewJob } from "../store/jobs.ts";
import type { JobContext, JobHandler, JobOutcome } from "./worker.ts";

const FindingPayload = z.strictObject({ findingId: z.string().min(1) });
/**
 * Something that happened to a finding that people outside GitHub hear about (Slack, Teams, signed
 * webhooks, Jira). Queued as a `notify` job in the same transaction as what it reports: nothing is
 * lost while a receiver is down, nothing is sent for work that rolled back.
 */
export const NOTIFICATION_EVENTS = [
  "fix-pr-opened",
  "verification-failed",
  "sla-warning",
  "sla-breached",
  "sla-escalation",
  "decision-waiting",
  "exception-expiring",
] as const;
export type NotificationEventKind = (typeof NOTIFICATION_EVENTS)[number];
const NotificationPayload = z.strictObject({
  event: z.enum(NOTIFICATION_EVENTS),
  findingId: z.string().min(1),
  /** When it happened (ISO 8601): with the event and the finding, what makes it one message. */
  at: z.string().min(1),
  /** One line for people, from fixloop's own words (finding text is escaped per destination). */
  summary: z.string().min(1).max(2000),
  /** Who else must hear it beyond the owning team (`org/team`), e.g. an escalation step. */
  teams: z
    .array(z.string().regex(/^[^/\s]+\/[^/\s]+$/))
    .max(20)
    .optional(),
  /** The PR, issue or page it is about. */
  link: z.string().url().optional(),
});
export type NotificationEvent = z.output<typeof NotificationPayload>;

/**
 * Where one notification goes: a chat webhook or a signed webhook, named by the environment
 * variables that hold its URL and secret — never the URL itself, so no secret is stored in a job.
 */
const NotifyDestination = z.strictObject({
  kind: z.enum(["slack", "msteams", "webhook"]),
  urlEnv: z.string().regex(/^[A-Z][A-Z0-9_]*$/),
  secretEnv: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/)
    .optional(),
});
export type NotifyDestination = z.output<typeof NotifyDestination>;
const NotifySendPayload = z.strictObject({
  destination: NotifyDestination,
  /** What to say (src/notify/message.ts checks each item when it is sent). */
  items: z.array(z.record(z.string(), z.unknown())).min(1).max(100),
});
const NotifyDigestPayload = z.strictObject({ destination: NotifyDestination });

/** Sweeps carry nothing: what they look at is in the database. */
const NoPayload = z.null();

interface JobKindSpec {
  what: string;
  payload: z.ZodType;
}

export const JOB_KINDS = {
  remediate: {
    what: "locates, patches and opens the PR for a finding (or the issue that says why not)",
    payload: FindingPayload,
  },
  verify: { what: "after merge: CI, the re-scans, then resolved or reopened", payload: FindingPayload },
  recheck: {
    what: "a finding whose PR was closed unmerged, seen failing again: has its fix changed?",
    payload: FindingPayload,
  },
  regression: {
    what: "a resolved finding seen failing again: tell the fix's PR, then fix again",
    payload: FindingPayload,
  },
  "source-resolved": {
    what: "an unfixed finding resolved by its source's re-scan: close its tracking issue",
    payload: FindingPayload,
  },
  notify: {
    what: "tells the places a finding's teams live (Slack, Teams, webhooks, Jira) what happened",
    payload: NotificationPayload,
  },
  "notify-send": {
    what: "sends one notification (or a team's digest) to one Slack, Teams or signed webhook",
    payload: NotifySendPayload,
  },
  "notify-digest": {
    what: "collects a chat webhook's held notifications into one digest message",
    payload: NotifyDigestPayload,
  },
  "jira-sync": {
    what: "creates, updates or transitions the finding's Jira issue to match its tracking issue",
    payload: FindingPayload,
  },
  "pr-review-refresh": {
    what: "a finding resolved or reopened: the comment and label of the people's PRs that touch it follow",
    payload: FindingPayload,
  },
  "sweep:sla": { what: "marks findings past their SLA due date", payload: NoPayload },
  "sweep:verification-timeout": {
    what: "marks merged fixes whose verification is overdue",
    payload: NoPayload,
  },
  "sweep:exception-expiry": { what: "ends exceptions past their expiry", payload: NoPayload },
  "sweep:pending-verifications": {
    what: "queues the verification of every merged fix (missed webhooks)",
    payload: NoPayload,
  },
} as const satisfies Record<string, JobKindSpec>;

export type JobKind = keyof typeof JOB_KINDS;
export type PayloadOf<K extends JobKind> = z.output<(typeof JOB_KINDS)[K]["payload"]>;
export type SweepKind = Extract<JobKind, `sweep:${string}`>;

/** A payload its kind's schema refuses: never worth another attempt. */
export class InvalidJobPayloadError extends Error {
  readonly code = "INVALID_JOB_PAYLOAD";
  /** The worker buries the job at once instead of retrying it. */
  readonly permanent = true;
  constructor(kind: string, detail: string) {
    super(`invalid payload for job kind ${kind}: ${detail}`);
    this.name = "InvalidJobPayloadError";
  }
}

function isJobKind(kind: string): kind is JobKind {
  return Object.hasOwn(JOB_KINDS, kind);
}

/** The payload, checked against its kind's schema; throws InvalidJobPayloadError naming what is wrong. */
export function checkedPayload<K extends JobKind>(kind: K | string, payload: unknown): PayloadOf<K> {
  if (!isJobKind(kind)) throw new InvalidJobPayloadError(kind, "no such job kind");
  const parsed = JOB_KINDS[kind].payload.safeParse(payload);
  if (!parsed.success)
    throw new InvalidJobPayloadError(
      kind,
      parsed.error.issues.map((i) => `${i.path.join(".") || "payload"}: ${i.message}`).join("; "),
    );
  return parsed.data as PayloadOf<K>;
}

/** A job of a kind in the table, its payload checked now, when it is queued. */
export function newJob<K extends JobKind>(
  kind: K,
  payload: PayloadOf<K>,
  options: Omit<NewJob, "kind" | "payload"> = {},
): NewJob {
  return { kind, payload: checkedPayload(kind, payload), ...options };
}

/** A handler whose payload is checked when the job is claimed (a bad one: the job goes dead). */
export function jobHandler<K extends JobKind>(
  kind: K,
  handler: (payload: PayloadOf<K>, ctx: JobContext) => Promise<JobOutcome | undefined>,
): JobHandler {
  return (payload, ctx) => handler(checkedPayload(kind, payload), ctx);
}

/**
 * Throws, naming them, when a kind in the table has no handler or a handler has no kind in the
 * table: the app calls it before its worker starts, so such a build fails at start, not silently.
 */
export function assertEveryKindHandled(handlers: Readonly<Record<string, unknown>>): void {
  const missing = Object.keys(JOB_KINDS).filter((k) => !Object.hasOwn(handlers, k));
  const unknown = Object.keys(handlers).filter((k) => !isJobKind(k));
  if (missing.length > 0 || unknown.length > 0)
    throw new Error(
      [
        missing.length > 0 ? `job kinds without a handler: ${missing.join(", ")}` : "",
        unknown.length > 0 ? `handlers for kinds not in src/jobs/kinds.ts: ${unknown.join(", ")}` : "",
      ]
        .filter(Boolean)
        .join("; "),
    );
}

/** Locates, patches and opens the PR for a finding (or the issue that says why not). */
export const REMEDIATE_JOB = "remediate" satisfies JobKind;
/** After merge: CI, the re-scans, then resolved or reopened. */
export const VERIFY_JOB = "verify" satisfies JobKind;
/** A finding whose PR was closed without merge, seen failing again: has its fix changed since? */
export const RECHECK_JOB = "recheck" satisfies JobKind;
/** A resolved finding seen failing again: tell the fix's PR, then compute the fix again. */
export const REGRESSION_JOB = "regression" satisfies JobKind;
/** A finding fixloop had no fix for, resolved by its source's re-scan: close its tracking issue. */
export const SOURCE_RESOLVED_JOB = "source-resolved" satisfies JobKind;

export const remediateJobKey = (findingId: string) => `${REMEDIATE_JOB}:${findingId}`;
export const verifyJobKey = (findingId: string) => `${VERIFY_JOB}:${findingId}`;
export const recheckJobKey = (findingId: string) => `${RECHECK_JOB}:${findingId}`;
export const regressionJobKey = (findingId: string) => `${REGRESSION_JOB}:${findingId}`;
export const sourceResolvedJobKey = (findingId: string) => `${SOURCE_RESOLVED_JOB}:${findingId}`;

/**
 * How long a recheck waits after the re-ingest that asks for it. Scanners report an open finding
 * on every run (some every few minutes); with one queued recheck per finding (its unique key), a
 * closed finding costs GitHub at most one look per window instead of one per scan.
 */
export const RECHECK_DELAY_MS = 6 * 60 * 60_000;

/** A commit with no check at all this long after the merge has no CI to wait for; a merged
 *  finding's first verification look waits this long (src/lifecycle/states.ts). */
export const CI_GRACE_MS = 15 * 60_000;

/** Riskier findings first when a repository or team is capped: the priority is the risk score. */
export function remediateJob(findingId: string, riskScore: number): NewJob {
  return newJob(REMEDIATE_JOB, { findingId }, { uniqueKey: remediateJobKey(findingId), priority: riskScore });
}

export function verifyJob(findingId: string, runAt?: number): NewJob {
  return newJob(
    VERIFY_JOB,
    { findingId },
    { uniqueKey: verifyJobKey(findingId), ...(runAt === undefined ? {} : { runAt }) },
  );
}

/** Its own kind, not a `remediate`: freeing a budget slot wakes remediations, and these can wait. */
export function recheckJob(findingId: string, now: number): NewJob {
  return newJob(
    RECHECK_JOB,
    { findingId },
    { uniqueKey: recheckJobKey(findingId), runAt: now + RECHECK_DELAY_MS },
  );
}

export function regressionJob(findingId: string, riskScore: number): NewJob {
  return newJob(
    REGRESSION_JOB,
    { findingId },
    { uniqueKey: regressionJobKey(findingId), priority: riskScore },
  );
}

export function sourceResolvedJob(findingId: string): NewJob {
  return newJob(SOURCE_RESOLVED_JOB, { findingId }, { uniqueKey: sourceResolvedJobKey(findingId) });
}

/** A notification, once per event, finding and time (a redelivered webhook queues nothing new). */
export function notifyJob(event: NotificationEvent): NewJob {
  return newJob("notify", event, { uniqueKey: `notify:${event.event}:${event.findingId}:${event.at}` });
}

/** The finding's Jira issue follows its tracking issue (created, updated, done, reopened). */
export function jiraSyncJob(findingId: string): NewJob {
  return newJob("jira-sync", { findingId }, { uniqueKey: `jira-sync:${findingId}` });
}

/** The people's PRs associated with a finding follow its resolution or reopening (src/review/refresh.ts). */
export function prReviewRefreshJob(findingId: string): NewJob {
  return newJob("pr-review-refresh", { findingId }, { uniqueKey: `pr-review-refresh:${findingId}` });
}

/** A recurring sweep: one queued or running at a time (its kind is its unique key). */
export function sweepJob(kind: SweepKind, runAt: number): NewJob {
  return newJob(kind, null, { uniqueKey: kind, runAt });
}
