// The tracking issue and the configuration issue share the platform's ensureIssue / ensureIssueClosed;
// their bookkeeping is in src/store/. These run on the in-memory platform: no HTTP, the assertions
// read what GitHub would hold.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Forbidden, RateLimited } from "../../src/github/errors.ts";
import { persistFindings } from "../../src/ingest/persist.ts";
import type { TriagedFinding } from "../../src/ingest/triage-finding.ts";
import {
  CONFIG_ISSUE_TITLE,
  configIsValidAgain,
  reportInvalidConfig,
} from "../../src/remediate/config-issue.ts";
import { closeTrackingIssue, upsertTrackingIssue } from "../../src/remediate/tracking-issues.ts";
import { configIssueOf } from "../../src/store/config-issues.ts";
import type { Store } from "../../src/store/store.ts";
import { trackingIssueOf } from "../../src/store/tracking-issues.ts";
import { MemoryPlatform } from "../github/memory-platform.ts";
import { freshLocation, manualClock, type TestLocation } from "../store/engines.ts";
import { asffS38, triage } from "../store/helpers.ts";

const REPO = { owner: "acme", repo: "infra" };
let location: TestLocation;
let store: Store;
let findingId: string;
let platform: MemoryPlatform;
const io = () => ({ platform, db: store.db, now: store.now() });

beforeEach(async () => {
  location = await freshLocation("sqlite");
  store = await location.open(manualClock().clock);
  const [read] = triage(asffS38("FAILED")) as [TriagedFinding];
  const [stored] = await persistFindings(store, [read], { org: "acme", installationId: 1 });
  findingId = stored!.id;
  platform = new MemoryPlatform();
});

afterEach(async () => {
  await store.close();
  await location.dispose();
});

const draft = (reason: string) => ({
  findingId,
  repository: REPO,
  title: "S3.8: not fixable",
  body: `why: ${reason}`,
  labels: ["security", "fixloop"],
  reason,
});

describe("the tracking issue", () => {
  it("is opened once, left alone for the same reason, rewritten in place for a new one", async () => {
    const first = await upsertTrackingIssue(io(), draft("not-fixable: a"));
    expect(first).toEqual({ number: 1, url: "https://github.com/acme/infra/issues/1", created: true });
    expect(platform.issues[0]).toMatchObject({ title: "S3.8: not fixable", labels: ["security", "fixloop"] });

    const again = await upsertTrackingIssue(io(), draft("not-fixable: a"));
    expect(again).toEqual({ ...first, created: false });
    expect(platform.calls.filter((c) => c.op === "ensureIssue")).toHaveLength(1);

    await upsertTrackingIssue(io(), draft("unlocatable: b"));
    expect(platform.issues).toHaveLength(1);
    expect(platform.issues[0]?.body).toBe("why: unlocatable: b");
    expect(await trackingIssueOf(store.db, findingId)).toMatchObject({
      repository: "acme/infra",
      number: 1,
      state: "open",
      reason: "unlocatable: b",
    });
  });

  it("is closed with a comment once, and reopened (not duplicated) when the finding needs it again", async () => {
    await upsertTrackingIssue(io(), draft("not-fixable: a"));
    expect(await closeTrackingIssue(io(), findingId, "Fixed by acme/infra#7")).toBe(true);
    expect(platform.issues[0]).toMatchObject({
      state: "closed",
      comments: [{ body: "Fixed by acme/infra#7" }],
    });
    expect(await closeTrackingIssue(io(), findingId, "again")).toBe(false);

    await upsertTrackingIssue(io(), draft("not-fixable: a"));
    expect(platform.issues).toHaveLength(1);
    expect(platform.issues[0]?.state).toBe("open");
  });
});

describe("the configuration issue", () => {
  const errors = [{ path: "limits.openPrsPerRepository", message: "Expected number, received string" }];

  it("is opened with every error, not rewritten for the same errors, and closed when the file is valid", async () => {
    const url = await reportInvalidConfig(io(), REPO, errors);
    expect(url).toBe("https://github.com/acme/infra/issues/1");
    expect(platform.issues[0]).toMatchObject({
      title: CONFIG_ISSUE_TITLE,
      labels: ["fixloop"],
      state: "open",
    });
    expect(platform.issues[0]?.body).toContain(
      "limits.openPrsPerRepository: Expected number, received string",
    );

    expect(await reportInvalidConfig(io(), REPO, errors)).toBe(url);
    expect(platform.calls.filter((c) => c.op === "ensureIssue")).toHaveLength(1);

    await configIsValidAgain(io(), REPO);
    expect(platform.issues[0]?.state).toBe("closed");
    expect((await configIssueOf(store.db, "acme/infra"))?.state).toBe("closed");
    await configIsValidAgain(io(), REPO); // nothing open: no request
    expect(platform.calls.filter((c) => c.op === "ensureIssueClosed")).toHaveLength(1);
  });

  it("is null when fixloop may not write issues there, and a rate limit is not swallowed", async () => {
    platform.fail("ensureIssue", new Forbidden("Resource not accessible by integration", 403));
    expect(await reportInvalidConfig(io(), { owner: "acme", repo: ".github" }, errors)).toBeNull();
    expect(await configIssueOf(store.db, "acme/.github")).toBeNull();

    platform.fail("ensureIssue", new RateLimited("secondary rate limit", 403, 1_000));
    await expect(reportInvalidConfig(io(), REPO, errors)).rejects.toBeInstanceOf(RateLimited);
  });
});
