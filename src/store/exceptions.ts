// The exceptions table: a human's time-bound acceptance of a finding's risk, with the approver and
// the expiry. The finding's state moves with it through src/lifecycle/exceptions.ts.

import type { Actor } from "../lifecycle/machine.ts";
import { inlineSuppressions } from "./inline-suppressions.ts";
import type { Db } from "./store.ts";

export interface NewException {
  findingId: string;
  reason: string;
  approvedBy: Actor;
  expiresAt: number;
  /** exception (the default) | snooze (no approval: `approvedBy` is who snoozed it). */
  kind?: "exception" | "snooze";
  /** Who asked for it (never its approver), by a /fixloop command. */
  requestedBy?: Actor;
  /** command (a /fixloop command) | file | inline; the column's default when absent. */
  origin?: "command" | "file" | "inline";
  /** `path#index` of the exceptions file, `file:line` of an inline comment. */
  reference?: string;
}

export async function recordException(tx: Db, e: NewException, now: number): Promise<void> {
  await tx
    .insertInto("exceptions")
    .values({
      finding_id: e.findingId,
      kind: e.kind ?? "exception",
      reason: e.reason,
      approved_by: JSON.stringify(e.approvedBy),
      expires_at: e.expiresAt,
      created_at: now,
      revoked_at: null,
      ...(e.origin ? { origin: e.origin } : {}),
      ...(e.requestedBy ? { requested_by: JSON.stringify(e.requestedBy) } : {}),
      ...(e.reference ? { reference: e.reference } : {}),
    })
    .execute();
}

export interface ActiveException {
  findingId: string;
  exceptionId: number;
  expiresAt: number | null;
  approvedBy: Actor;
  createdAt: number;
}

/** The latest unrevoked exception of each `excepted` finding. */
export async function latestExceptionsOfExcepted(db: Db): Promise<ActiveException[]> {
  const rows = await db
    .selectFrom("findings")
    .innerJoin("exceptions", "exceptions.finding_id", "findings.id")
    .select([
      "findings.id as findingId",
      "exceptions.id as exceptionId",
      "exceptions.expires_at",
      "exceptions.approved_by",
      "exceptions.created_at",
    ])
    .where("findings.state", "=", "excepted")
    .where("exceptions.revoked_at", "is", null)
    .orderBy("exceptions.id", "desc")
    .execute();
  const latest = new Map<string, ActiveException>();
  for (const r of rows)
    if (!latest.has(r.findingId))
      latest.set(r.findingId, {
        findingId: r.findingId,
        exceptionId: r.exceptionId,
        expiresAt: r.expires_at,
        approvedBy: JSON.parse(r.approved_by) as Actor,
        createdAt: r.created_at,
      });
  return [...latest.values()];
}

export interface ExceptionRecord {
  id: number;
  kind: string;
  reason: string;
  approvedBy: Actor;
  requestedBy: Actor | null;
  expiresAt: number | null;
  createdAt: number;
}

/** The finding's latest unrevoked exception or snooze (what `/fixloop status` shows while excepted). */
export async function latestExceptionOf(db: Db, findingId: string): Promise<ExceptionRecord | undefined> {
  const r = await db
    .selectFrom("exceptions")
    .selectAll()
    .where("finding_id", "=", findingId)
    .where("revoked_at", "is", null)
    .orderBy("id", "desc")
    .executeTakeFirst();
  if (!r) return undefined;
  return {
    id: Number(r.id),
    kind: r.kind,
    reason: r.reason,
    approvedBy: JSON.parse(r.approved_by) as Actor,
    requestedBy: r.requested_by ? (JSON.parse(r.requested_by) as Actor) : null,
    expiresAt: r.expires_at === null ? null : Number(r.expires_at),
    createdAt: Number(r.created_at),
  };
}

export interface FileException {
  exceptionId: number;
  findingId: string;
  reference: string;
  approvedBy: Actor;
  expiresAt: number | null;
  createdAt: number;
  state: string;
}

/** The unrevoked exceptions an exceptions file granted, by reference prefix (`owner/repo/path#`). */
export async function fileExceptions(db: Db, referencePrefix: string): Promise<FileException[]> {
  const rows = await db
    .selectFrom("exceptions")
    .innerJoin("findings", "findings.id", "exceptions.finding_id")
    .select([
      "exceptions.id",
      "exceptions.finding_id",
      "exceptions.reference",
      "exceptions.approved_by",
      "exceptions.expires_at",
      "exceptions.created_at",
      "findings.state",
    ])
    .where("exceptions.origin", "=", "file")
    .where("exceptions.revoked_at", "is", null)
    .orderBy("exceptions.id")
    .execute();
  return rows
    .filter((r) => (r.reference ?? "").startsWith(referencePrefix))
    .map((r) => ({
      exceptionId: r.id,
      findingId: r.finding_id,
      reference: r.reference ?? "",
      approvedBy: JSON.parse(r.approved_by) as Actor,
      expiresAt: r.expires_at,
      createdAt: r.created_at,
      state: r.state,
    }));
}

/** Ends an exception's row (removed from its file, or expired): it is no longer active. */
export async function revokeException(tx: Db, exceptionId: number, now: number): Promise<void> {
  await tx.updateTable("exceptions").set({ revoked_at: now }).where("id", "=", exceptionId).execute();
}

export interface ExceptionCandidate {
  id: string;
  state: string;
  ruleNativeId: string;
  ruleCatalogId: string | null;
  riskTier: string;
  resource: { terraformAddress?: string; arn?: string; id?: string; name?: string };
}

/** The findings of an organization an exceptions file may cover: all of them for the org's
 *  `.github` repository, else those of the repository (scanned there, or fixed there). */
export async function exceptionCandidates(
  db: Db,
  org: string,
  repository: string | null,
): Promise<ExceptionCandidate[]> {
  let query = db
    .selectFrom("findings")
    .select(["id", "state", "rule_native_id", "rule_catalog_id", "risk_tier", "resource"])
    .where((eb) => eb(eb.fn("lower", ["org"]), "=", org.toLowerCase()));
  if (repository !== null)
    query = query.where((eb) =>
      eb.or([
        eb(eb.fn("lower", ["repository"]), "=", repository.toLowerCase()),
        eb(
          "id",
          "in",
          eb
            .selectFrom("remediations")
            .select("finding_id")
            .where((e) => e(e.fn("lower", ["repository"]), "=", repository.toLowerCase())),
        ),
      ]),
    );
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    state: r.state,
    ruleNativeId: r.rule_native_id,
    ruleCatalogId: r.rule_catalog_id,
    riskTier: r.risk_tier,
    resource: JSON.parse(r.resource) as ExceptionCandidate["resource"],
  }));
}

/** One accepted risk of the register, whoever wrote it and wherever. */
export interface RegisterRow {
  /** exception | snooze | false-positive | inline-suppression */
  kind: string;
  /** command | file | inline */
  origin: string;
  findingId: string | null;
  /** The rule (catalog id when known) the acceptance is about. */
  rule: string | null;
  /** Who approved it (a GitHub login), or who wrote it when that is all there is. */
  approvedBy: string | null;
  reason: string;
  expiresAt: number | null;
  /** `path#index`, `file:line`, or the suppression's scope. */
  reference: string | null;
  createdAt: number;
  org: string | null;
}

const loginOf = (json: string | null) => {
  if (!json) return null;
  const actor = JSON.parse(json) as Actor;
  return actor.kind === "github-user" ? actor.login : actor.kind;
};

/** Every active exception and snooze (unrevoked), with its finding's rule. */
async function activeExceptionRows(db: Db, includeEnded: boolean, org?: string): Promise<RegisterRow[]> {
  let query = db
    .selectFrom("exceptions")
    .innerJoin("findings", "findings.id", "exceptions.finding_id")
    .select([
      "exceptions.kind",
      "exceptions.origin",
      "exceptions.finding_id",
      "exceptions.approved_by",
      "exceptions.reason",
      "exceptions.expires_at",
      "exceptions.reference",
      "exceptions.created_at",
      "findings.rule_native_id",
      "findings.rule_catalog_id",
      "findings.org",
    ]);
  if (!includeEnded) query = query.where("exceptions.revoked_at", "is", null);
  if (org !== undefined) query = query.where("findings.org", "=", org);
  const rows = await query.execute();
  return rows.map((r) => ({
    kind: r.kind,
    origin: r.origin,
    findingId: r.finding_id,
    rule: r.rule_catalog_id ?? r.rule_native_id,
    approvedBy: loginOf(r.approved_by),
    reason: r.reason,
    expiresAt: r.expires_at,
    reference: r.reference,
    createdAt: r.created_at,
    org: r.org,
  }));
}

/** Confirmed false positives (suppression scopes): they do not expire. */
async function falsePositiveRows(db: Db, includeEnded: boolean, org?: string): Promise<RegisterRow[]> {
  let query = db.selectFrom("suppression_scopes").selectAll();
  if (!includeEnded) query = query.where("revoked_at", "is", null);
  if (org !== undefined) query = query.where("org", "=", org);
  const rows = await query.execute();
  return rows.map((r) => ({
    kind: "false-positive",
    origin: "command",
    findingId: r.finding_id,
    rule: r.rule_id,
    approvedBy: loginOf(r.decided_by),
    reason: r.reason,
    expiresAt: null,
    reference: `${r.scope}${r.repository ? ` ${r.repository}` : ""}${r.resource ? ` ${r.resource}` : ""}`,
    createdAt: r.created_at,
    org: r.org,
  }));
}

/** `YYYY-MM-DD` → the start of the next UTC day (a suppression holds through its last day). */
function dayEnd(date: string | null): number | null {
  if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const start = Date.parse(`${date}T00:00:00Z`);
  return Number.isNaN(start) ? null : start + 86_400_000;
}

/** Suppressions written in code, as last seen where the app planned fixes. */
async function inlineRows(db: Db): Promise<RegisterRow[]> {
  return (await inlineSuppressions(db)).map((s) => ({
    kind: "inline-suppression",
    origin: "inline",
    findingId: null,
    rule: s.ids.length > 0 ? s.ids.join(",") : `every check (${s.syntax})`,
    approvedBy: s.author,
    reason: s.reason ?? "",
    expiresAt: dayEnd(s.expires),
    reference: `${s.repository}/${s.file}:${s.line}`,
    createdAt: s.seenAt,
    org: s.repository.split("/")[0] ?? null,
  }));
}

/** The register: every accepted risk, soonest expiry first (none last); `includeEnded` also
 *  lists the ended and revoked ones (an audit of a past period); `org`: one organization's only
 *  (selected in SQL; a suppression in code belongs to its repository's owner). */
export async function exceptionRegister(
  db: Db,
  options: { includeEnded?: boolean; org?: string } = {},
): Promise<RegisterRow[]> {
  const ended = options.includeEnded === true;
  const { org } = options;
  const rows = [
    ...(await activeExceptionRows(db, ended, org)),
    ...(await falsePositiveRows(db, ended, org)),
    ...(await inlineRows(db)).filter((r) => org === undefined || r.org === org),
  ];
  const key = (r: RegisterRow) => r.expiresAt ?? Number.MAX_SAFE_INTEGER;
  return rows.sort((a, b) => key(a) - key(b) || a.createdAt - b.createdAt);
}

export interface ExpiringException {
  exceptionId: number;
  findingId: string;
  /** exception | snooze */
  kind: string;
  approvedBy: Actor;
  reason: string;
  expiresAt: number;
  createdAt: number;
  installationId: number | null;
  ownerTeam: string | null;
  title: string;
}

/** The active exceptions and snoozes that end after `now` and no later than `until`. */
export async function expiringExceptions(db: Db, now: number, until: number): Promise<ExpiringException[]> {
  const rows = await db
    .selectFrom("exceptions")
    .innerJoin("findings", "findings.id", "exceptions.finding_id")
    .select([
      "exceptions.id",
      "exceptions.finding_id",
      "exceptions.kind",
      "exceptions.approved_by",
      "exceptions.reason",
      "exceptions.expires_at",
      "exceptions.created_at",
      "findings.installation_id",
      "findings.owner_team",
      "findings.title",
    ])
    .where("exceptions.revoked_at", "is", null)
    .where("exceptions.kind", "in", ["exception", "snooze"])
    .where("exceptions.expires_at", ">", now)
    .where("exceptions.expires_at", "<=", until)
    .orderBy("exceptions.expires_at")
    .execute();
  return rows.map((r) => ({
    exceptionId: r.id,
    findingId: r.finding_id,
    kind: r.kind,
    approvedBy: JSON.parse(r.approved_by) as Actor,
    reason: r.reason,
    expiresAt: r.expires_at as number,
    createdAt: r.created_at,
    installationId: r.installation_id,
    ownerTeam: r.owner_team,
    title: r.title,
  }));
}
