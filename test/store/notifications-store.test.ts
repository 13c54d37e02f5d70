// The digest queries (src/store/notifications.ts) and the jira_issues table (migration 0012) on
// both engines: jobs found by unique-key prefix (environment names contain `_`, a LIKE wildcard).

import { afterEach, beforeEach, expect, it } from "vitest";
import { persistFindings } from "../../src/ingest/persist.ts";
import { jiraIssueOf, saveJiraIssue } from "../../src/store/jira-issues.ts";
import { enqueueJobs } from "../../src/store/jobs.ts";
import { countJobsSince, finishQueuedJobs, queuedJobsWithPrefix } from "../../src/store/notifications.ts";
import type { Store } from "../../src/store/store.ts";
import { describeEachEngine, freshLocation, manualClock, type TestLocation } from "./engines.ts";
import { asffS38, triage } from "./helpers.ts";

describeEachEngine("notification digests and Jira keys in the store", (engine) => {
  let where: TestLocation;
  let store: Store;
  const time = manualClock();
  beforeEach(async () => {
    where = await freshLocation(engine);
    store = await where.open(time.clock);
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  it("counts and takes a destination's jobs by key prefix, `_` taken literally", async () => {
    const job = (key: string) => ({ kind: "notify-send", payload: { key }, uniqueKey: key });
    const now = store.now();
    await enqueueJobs(
      store.db,
      [job("notify-send:slack:A_B:1"), job("notify-send:slack:A_B:2"), job("notify-send:slack:AXB:3")],
      now,
    );
    expect(await countJobsSince(store.db, "notify-send", "notify-send:slack:A_B:", now - 1000)).toBe(2);
    expect(await countJobsSince(store.db, "notify-send", "notify-send:slack:A_B:", now + 1)).toBe(0);
    const held = await queuedJobsWithPrefix(store.db, "notify-send", "notify-send:slack:A_B:", 10);
    expect(held.map((j) => j.uniqueKey)).toEqual(["notify-send:slack:A_B:1", "notify-send:slack:A_B:2"]);
    const ids = held.map((j) => j.id);
    expect(await store.transaction((tx) => finishQueuedJobs(tx, ids, now))).toEqual(ids);
    expect(await queuedJobsWithPrefix(store.db, "notify-send", "notify-send:slack:A_B:", 10)).toEqual([]);
  });

  it("keeps one Jira issue per finding, its status updated in place", async () => {
    const [created] = await persistFindings(store, triage(asffS38("FAILED")));
    const f1 = created?.id as string;
    const record = {
      findingId: f1,
      key: "SEC-1",
      url: "https://acme.atlassian.net/browse/SEC-1",
      status: "open" as const,
    };
    await saveJiraIssue(store.db, record, store.now());
    await saveJiraIssue(store.db, { ...record, key: "SEC-2", status: "done" }, store.now());
    expect(await jiraIssueOf(store.db, f1)).toEqual({ ...record, status: "done" });
  });
});
