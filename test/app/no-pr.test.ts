// When fixloop must not open a PR: the finding is gated for approval, cannot be located, the
// repository's configuration is invalid, or the noise budget is spent. Each ends in one issue (or a
// queued job), never a PR, and says why.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { getFinding } from "../../src/store/findings.ts";
import { listJobs } from "../../src/store/jobs.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import {
  FIXTURES,
  type Harness,
  mockConfig,
  mockInstallation,
  mockRepositories,
  ORG,
  REPO,
  startHarness,
} from "./harness.ts";

const gh = useMockGitHub();
const BATCH = JSON.parse(readFileSync(join(FIXTURES, "findings/generic/cspm-batch.json"), "utf8"));
const PUBLIC_BUCKET = JSON.parse(readFileSync(join(FIXTURES, "findings/generic/public-bucket.json"), "utf8"));

let h: Harness;
afterEach(async () => {
  await h?.close();
});

function issueBody(): string {
  const r = gh().requests.find((x) => x.method === "POST" && x.route === "/repos/{owner}/{repo}/issues");
  return ((r?.body ?? {}) as { body: string }).body;
}

describe("no pull request, and the reason in one issue", () => {
  it("a critical finding gated for approval: an issue with the proposed change, no PR", async () => {
    h = await startHarness();
    mockInstallation(gh());
    mockRepositories(gh());
    mockConfig(gh(), REPO, null);
    mockConfig(gh(), ".github", null); // the config plugin looks in the org's .github next
    gh()
      .post(`/repos/${ORG}/${REPO}/issues`, (b) => b.title.length > 0)
      .reply(201, { number: 5, html_url: `https://github.com/${ORG}/${REPO}/issues/5` });
    // The batch's first record: a public bucket holding PII on an attack path, rule unspecified.
    const posted = await h.postFindings([BATCH[0]]);
    expect(posted.body).toMatchObject({ findings: [{ state: "awaiting_approval" }] });
    await h.drain();
    const body = issueBody();
    expect(body).toContain("<!-- fixloop:issue finding=4f627203c485b023eb9b4282 -->");
    expect(body).toContain('+resource "aws_s3_bucket_public_access_block" "backups" {');
    expect(body).toContain("`/fixloop approve`");
    expect((await getFinding(h.store.db, "4f627203c485b023eb9b4282"))?.state).toBe("awaiting_approval");
    expect(gh().count("POST", "/repos/{owner}/{repo}/pulls")).toBe(0);

    // Run again (a retry): the same issue, not a second one — and no request at all.
    const before = gh().requests.length;
    await h.env.store.transaction((tx) =>
      tx
        .updateTable("jobs")
        .set({ state: "queued", run_at: h.clock.clock() })
        .where("kind", "=", "remediate")
        .execute(),
    );
    await h.drain();
    expect(gh().requests.length).toBe(before);
  });

  it("not defined in any repository: unlocatable, with the issue in the configured triage repository", async () => {
    h = await startHarness();
    mockInstallation(gh(), { orgConfig: "triageRepository: security-triage\n" });
    mockRepositories(gh());
    gh()
      .post(`/repos/${ORG}/security-triage/issues`)
      .reply(201, { number: 9, html_url: `https://github.com/${ORG}/security-triage/issues/9` });
    // The batch's security group is not in the repository's Terraform.
    const posted = await h.postFindings([BATCH[1]]);
    expect(posted.body).toMatchObject({ findings: [{ state: "fixing" }] });
    await h.drain();
    const finding = await getFinding(h.store.db, "bcac7cb3002f29bfdde66e83");
    expect(finding?.state).toBe("unlocatable");
    expect(issueBody()).toContain("no Terraform block in 1 repository defines this resource");

    // Someone fixes the security group by hand; the CSPM reports it resolved. fixloop had no fix,
    // so the source's re-scan resolves it, and the issue is closed with that word.
    gh()
      .post(`/repos/${ORG}/security-triage/issues/9/comments`, (b) =>
        /^\*\*Resolved by the source\.\*\* resolved by the source: generic reports it resolved \(f-/.test(
          b.body,
        ),
      )
      .reply(201, {});
    gh()
      .patch(`/repos/${ORG}/security-triage/issues/9`, { state: "closed", state_reason: "completed" })
      .reply(200, {});
    const fixed = await h.postFindings([{ ...BATCH[1], status: "resolved" }]);
    expect(fixed.body).toMatchObject({ findings: [{ state: "resolved", outcome: "updated" }] });
    await h.drain();
    expect((await getFinding(h.store.db, "bcac7cb3002f29bfdde66e83"))?.state).toBe("resolved");
  });

  it("an invalid fixloop.yml: one issue naming the key, nothing else done, nothing half-applied", async () => {
    h = await startHarness();
    mockInstallation(gh());
    mockRepositories(gh());
    mockConfig(gh(), REPO, "limits:\n  openPrsPerRepository: lots\n");
    gh()
      .post(
        `/repos/${ORG}/${REPO}/issues`,
        (b) => b.title === "fixloop: .github/fixloop.yml is invalid, so fixloop is paused here",
      )
      .reply(201, { number: 3, html_url: `https://github.com/${ORG}/${REPO}/issues/3` });
    await h.postFindings(PUBLIC_BUCKET);
    await h.drain();
    expect(issueBody()).toContain("limits.openPrsPerRepository:");
    expect((await getFinding(h.store.db, "2246b397c614a4456bf7b417"))?.state).toBe("fixing");
    const [job] = await listJobs(h.store.db, { kind: "remediate", state: "queued" });
    expect(job).toMatchObject({ runAt: h.clock.clock() + 60 * 60_000 });
  });

  it("the repository's open-PR budget is spent: the fix waits in the queue, not dropped", async () => {
    h = await startHarness();
    mockInstallation(gh());
    mockRepositories(gh());
    mockConfig(gh(), REPO, "limits:\n  openPrsPerRepository: 0\n");
    // owner_team "data-platform" is not in owners.teams: fixloop asks whether acme has that team.
    gh().get(`/orgs/${ORG}/teams/data-platform`).reply(404, { message: "Not Found" });
    await h.postFindings(PUBLIC_BUCKET);
    await h.drain();
    expect((await getFinding(h.store.db, "2246b397c614a4456bf7b417"))?.state).toBe("fixing");
    const [job] = await listJobs(h.store.db, { kind: "remediate", state: "queued" });
    expect(job).toMatchObject({ runAt: h.clock.clock() + 15 * 60_000, priority: 68 });
  });
});
