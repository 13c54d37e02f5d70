// The records people's decisions leave, on both engines: a confirmed false positive's scope (read
// back as the decisions that apply to an organization's rules, revoked ones left out), and an
// exception or snooze with its kind, origin, requester and approver.

import { afterEach, beforeEach, expect, it } from "vitest";
import { findingRow } from "../../src/ingest/persist.ts";
import { latestExceptionOf, recordException } from "../../src/store/exceptions.ts";
import type { Store } from "../../src/store/store.ts";
import { activeSuppressionScopes, recordSuppressionScope } from "../../src/store/suppression-scopes.ts";
import { describeEachEngine, freshLocation, type TestLocation } from "./engines.ts";
import { asffS38, triage } from "./helpers.ts";

const AT = Date.parse("2026-11-20T10:00:00.000Z");
const carol = { kind: "github-user" as const, login: "carol", id: 3 };
const alice = { kind: "github-user" as const, login: "alice", id: 1 };

describeEachEngine("decision records", (engine) => {
  let where: TestLocation;
  let store: Store;
  const finding = triage(asffS38("FAILED"))[0]!;
  const id = finding.dedupeKey;

  beforeEach(async () => {
    where = await freshLocation(engine);
    store = await where.open(() => AT);
    await store.db
      .insertInto("findings")
      .values({ ...findingRow(finding, "excepted", 1, AT), id, org: "acme", installation_id: 4242 })
      .execute();
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  it("suppression scopes: recorded with an id, read back per organization and rule", async () => {
    const base = {
      org: "acme",
      repository: "acme/infra",
      ruleId: "aws-s3-public-access-block",
      resource: null,
      scope: "repository" as const,
      findingId: id,
      decidedBy: carol,
      reason: "website buckets",
    };
    const first = await recordSuppressionScope(store.db, base, AT);
    const second = await recordSuppressionScope(store.db, { ...base, org: "globex" }, AT);
    expect(second).toBe(first + 1);
    await store.db
      .updateTable("suppression_scopes")
      .set({ revoked_at: AT })
      .where("id", "=", second)
      .execute();
    expect(await activeSuppressionScopes(store.db, "acme", ["aws-s3-public-access-block", "other"])).toEqual([
      { ...base, id: first, createdAt: AT },
    ]);
    expect(await activeSuppressionScopes(store.db, "globex", ["aws-s3-public-access-block"])).toEqual([]);
    expect(await activeSuppressionScopes(store.db, "acme", [])).toEqual([]);
  });

  it("an approved exception keeps its requester; a snooze is its own kind", async () => {
    const exception = { findingId: id, reason: "WAF", approvedBy: carol, expiresAt: AT + 86_400_000 };
    await recordException(store.db, { ...exception, requestedBy: alice, origin: "command" }, AT);
    expect(await latestExceptionOf(store.db, id)).toEqual({
      id: expect.any(Number),
      kind: "exception",
      reason: "WAF",
      approvedBy: carol,
      requestedBy: alice,
      expiresAt: AT + 86_400_000,
      createdAt: AT,
    });
    await recordException(
      store.db,
      { ...exception, approvedBy: alice, kind: "snooze", origin: "command" },
      AT,
    );
    expect(await latestExceptionOf(store.db, id)).toMatchObject({ kind: "snooze", requestedBy: null });
  });
});
