import { afterEach, describe, expect, it } from "vitest";
import { wakeVerifications } from "../../src/app/verification-triggers.ts";
import { parseFindings } from "../../src/findings/registry.ts";
import { sweepVerificationTimeouts } from "../../src/jobs/sweeps.ts";
import { changeState } from "../../src/lifecycle/change-state.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";
import { listJobs } from "../../src/store/jobs.ts";
import { decide, effectiveMode } from "../../src/verify/decide.ts";
import { notifyOverdue, overdueMarker } from "../../src/verify/overdue.ts";
import type { CheckedItem } from "../../src/verify/verification-text.ts";
import { reverseChange, sourceWords } from "../../src/verify/verify-steps.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import { webhookExample, withIds } from "../github/kit/webhooks.ts";
import { readFixture } from "../store/helpers.ts";
import { disposeMerged, MERGE_SHA, type Merged, mergedFix, ORG, PR_NUMBER, REPO } from "./setup.ts";

const kit = useMockGitHub();
let merged: Merged | undefined;
afterEach(async () => {
  await disposeMerged(merged);
  merged = undefined;
});

describe("wakeVerifications: CI events for a merge commit", () => {
  it("queues the finding's verify job once per delivery, and moves a waiting one to now", async () => {
    merged = await mergedFix({ kit });
    const m = merged;
    const payload = withIds(
      webhookExample("check_run", (p) => p.action === "completed"),
      { owner: ORG, repo: REPO, headSha: MERGE_SHA },
    );
    const event = {
      deliveryId: "d-1",
      event: "check_run",
      repository: payload.repository.full_name,
      sha: payload.check_run.head_sha,
    };
    expect(event.repository).toBe(`${ORG}/${REPO}`);

    expect(await wakeVerifications(m.store, event)).toBe(1);
    const [job] = await listJobs(m.store.db, { kind: "verify" });
    expect(job).toMatchObject({ payload: { findingId: m.findingId }, uniqueKey: `verify:${m.findingId}` });
    expect(job?.runAt).toBe(m.store.now());
    // The same delivery again (GitHub redelivers): nothing.
    expect(await wakeVerifications(m.store, event)).toBe(0);

    // A job waiting for its next look is woken by a new delivery.
    await m.store.db
      .updateTable("jobs")
      .set({ run_at: m.store.now() + 30 * 60_000 })
      .where("kind", "=", "verify")
      .execute();
    m.clock.advance(60_000);
    expect(await wakeVerifications(m.store, { ...event, deliveryId: "d-2" })).toBe(1);
    const jobs = await listJobs(m.store.db, { kind: "verify" });
    expect(jobs.map((j) => j.runAt)).toEqual([m.store.now()]);
  });

  it("ignores commits that are not a merge being verified", async () => {
    merged = await mergedFix({ kit });
    const m = merged;
    const payload = withIds(webhookExample("status"), { owner: ORG, repo: REPO });
    const woken = await wakeVerifications(m.store, {
      deliveryId: "s-1",
      event: "status",
      repository: payload.repository.full_name,
      sha: payload.sha,
    });
    expect(woken).toBe(0);
    expect(await listJobs(m.store.db, { kind: "verify" })).toEqual([]);
  });
});

describe("notifyOverdue", () => {
  it("tells the owners once per overdue window, on the PR", async () => {
    merged = await mergedFix({ kit });
    const m = merged;
    await changeState(m.store, {
      findingId: m.findingId,
      to: "verifying",
      actor: { kind: "app" },
      reason: "test",
    });
    await m.store.db
      .updateTable("findings")
      .set({ verification_deadline: m.store.now() + 72 * 3_600_000 })
      .execute();
    m.clock.advance(73 * 3_600_000);
    expect(await sweepVerificationTimeouts(m.store)).toBe(1);
    const gh = kit();
    gh.post(`/repos/${ORG}/${REPO}/issues/${PR_NUMBER}/comments`).reply(201, {
      id: 5,
      html_url: "https://github.com/x",
    });

    expect(await notifyOverdue(m.env)).toBe(1);
    expect(await notifyOverdue(m.env)).toBe(0);

    const body = (gh.requests[0]?.body as { body: string } | undefined)?.body ?? "";
    expect(body).toContain("**Verification overdue.**");
    expect(body).toContain(
      `by 2026-11-23 11:00 UTC fixloop still had no verdict: CI on the merge commit ${MERGE_SHA.slice(0, 12)} has not finished.`,
    );
    expect(body).toContain("@acme/data-platform @octocat: please look at why the re-scan has not reported.");
    const marker = await m.store.db.selectFrom("deliveries").select("id").execute();
    expect(marker.map((r) => r.id)).toEqual([overdueMarker(m.findingId, m.store.now())]);
  });
});

describe("pure parts", () => {
  it("reverseChange takes the merged fix back out exactly", async () => {
    merged = await mergedFix({ kit });
    const m = merged;
    const before = reverseChange(m.after, m.plan.diff);
    expect(before.note).toBe("");
    expect(before.files).toEqual(m.before);
    // A file changed since the merge: kept as merged, and said so.
    const edited = m.after.map((f) => (f.path === "envs/prod/main.tf" ? { ...f, text: "# rewritten\n" } : f));
    expect(reverseChange(edited, m.plan.diff).note).toBe(
      " The fix's diff no longer fits envs/prod/main.tf (changed since), so new findings there are judged against the merged file.",
    );
  });

  const at = "2026-11-20T12:00:00.000Z";
  const item = (kind: CheckedItem["kind"], result: CheckedItem["result"]): CheckedItem => ({
    kind,
    result,
    checkedBy: kind === "runtime" ? "securityhub" : "fixloop",
    observedAt: at,
    detail: `${kind} ${result}`,
    links: {},
  });
  const green = { kind: "green" as const, item: item("ci", "passed"), reused: false };

  it("decide: an inconclusive code re-scan leaves it to the runtime re-scan, even in mode code", () => {
    const inconclusive = { item: item("code", "pending"), stillFailing: false };
    expect(decide("code", { ci: green, code: inconclusive, runtime: null }, "the bucket").kind).toBe(
      "waiting",
    );
    expect(
      decide("code", { ci: green, code: inconclusive, runtime: item("runtime", "passed") }, "the bucket"),
    ).toEqual({
      kind: "verified",
      summary: `CI green on the merge commit, code re-scan inconclusive, securityhub re-scan passed at ${at}`,
    });
    expect(
      decide(
        "code",
        { ci: green, code: { item: item("code", "passed"), stillFailing: false }, runtime: null },
        "x",
      ).kind,
    ).toBe("verified");
    // mode runtime: the code's view does not decide.
    const failing = { item: item("code", "failed"), stillFailing: true };
    expect(
      decide("runtime", { ci: green, code: failing, runtime: item("runtime", "passed") }, "x").kind,
    ).toBe("verified");
    expect(decide("both", { ci: green, code: failing, runtime: item("runtime", "passed") }, "x")).toEqual({
      kind: "not-verified",
      reason: "code failed",
      newFix: true,
    });
  });

  it("effectiveMode: auto is both for a source that re-scans, else code; explicit modes stay", () => {
    expect(effectiveMode("auto", true)).toBe("both");
    expect(effectiveMode("auto", false)).toBe("code");
    expect(effectiveMode("runtime", false)).toBe("runtime");
  });

  it("sourceWords: the source's own sentence, where its format has one", () => {
    const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
    const [fail] = parseFindings(readFixture("ocsf/prowler_v5_test_output.ocsf.json"), ctx, "auto").findings;
    expect(
      sourceWords({
        tool: "prowler",
        format: "ocsf",
        sourceFindingId: "x",
        status: "failed",
        firstSeen: at,
        lastSeen: at,
        raw: fail?.raw,
      }),
    ).toBe("IAM Access Analyzer in account 123456789012 is not enabled.");
    expect(sourceWords(undefined)).toBeNull();
  });
});
