// A finding's identity is scoped by organization, and by repository for a repository scan, through
// POST /api/orgs/:org/findings: what one organization posts never touches another's findings, and
// thereby never their jobs (the only way fixloop reaches an issue or a PR); the same Checkov result
// in two repositories is two findings; two tools on one organization's bucket stay one finding.

import { readFileSync } from "node:fs";
import { afterEach, beforeEach, expect, it } from "vitest";
import { changeState } from "../../src/lifecycle/change-state.ts";
import { auditTrail } from "../../src/store/audit.ts";
import { describeEachEngine } from "../store/engines.ts";
import { type IngestApi, startIngestApi } from "./ingest-harness.ts";

const text = (path: string) =>
  readFileSync(new URL(`../../fixtures/findings/${path}`, import.meta.url), "utf8");
/** The real Security Hub S3.8 finding (bucket arn:aws:s3:::example), with its compliance status. */
const s38 = (status: "FAILED" | "PASSED") => {
  const doc = JSON.parse(text("asff/afsbp-s3.8.json"));
  doc.Compliance.Status = status;
  return JSON.stringify(doc);
};
const APP = { kind: "app" } as const;

interface Posted {
  accepted: number;
  rejected: unknown[];
  findings: { id: string; state: string | null; outcome: string }[];
}

describeEachEngine("finding identity through the API", (engine) => {
  let api: IngestApi;
  beforeEach(async () => {
    api = await startIngestApi(engine, Date.parse("2026-11-12T09:00:00.000Z"));
  });
  afterEach(() => api.close());

  const post = async (org: string, body: string, query = "") => {
    const response = await api.post(org, body, query);
    expect(response.status, await response.clone().text()).toBe(202);
    return (await response.json()) as Posted;
  };
  const jobsOf = async (findingId: string) =>
    (await api.store.db.selectFrom("jobs").select(["kind", "payload"]).execute()).filter(
      (j) => (JSON.parse(j.payload) as { findingId?: string }).findingId === findingId,
    );

  it("one organization's passing scan never resolves another's finding, nor closes its issue", async () => {
    const [acme] = (await post("acme", s38("FAILED"))).findings;
    // acme's remediation found no Terraform for the bucket: the finding waits with a tracking issue.
    await changeState(api.store, {
      findingId: acme!.id,
      to: "unlocatable",
      actor: APP,
      reason: "no Terraform",
    });
    await api.store.db
      .insertInto("tracking_issues")
      .values({
        finding_id: acme!.id,
        repository: "acme/infra",
        number: 7,
        url: "https://github.com/acme/infra/issues/7",
        state: "open",
        reason: "not-locatable",
        created_at: api.store.now(),
        updated_at: api.store.now(),
      })
      .execute();
    const trail = await auditTrail(api.store.db, acme!.id);
    const jobs = await jobsOf(acme!.id);

    // globex posts the same bucket passing: it never saw it failing, so nothing is stored for it.
    const globex = await post("globex", s38("PASSED"));
    expect(globex.findings).toEqual([expect.objectContaining({ state: null, outcome: "skipped" })]);
    // globex's failing copy is globex's own finding, with its own job.
    const [own] = (await post("globex", s38("FAILED"))).findings;
    expect(own).toMatchObject({ outcome: "created" });
    expect(own!.id).not.toBe(acme!.id);
    expect(await jobsOf(own!.id)).toEqual([expect.objectContaining({ kind: "remediate" })]);

    // acme's finding, trail, jobs and issue are as they were.
    const row = await api.store.db
      .selectFrom("findings")
      .selectAll()
      .where("id", "=", acme!.id)
      .executeTakeFirstOrThrow();
    expect([row.state, row.org, row.installation_id]).toEqual(["unlocatable", "acme", 4242]);
    expect(await auditTrail(api.store.db, acme!.id)).toEqual(trail);
    expect(await jobsOf(acme!.id)).toEqual(jobs);
    expect(jobs.map((j) => j.kind)).not.toContain("source-resolved");
    const issue = await api.store.db.selectFrom("tracking_issues").selectAll().executeTakeFirstOrThrow();
    expect([issue.finding_id, issue.state]).toEqual([acme!.id, "open"]);
    const sources = await api.store.db
      .selectFrom("finding_sources")
      .select(["finding_id", "status"])
      .execute();
    expect(sources).toHaveLength(2);
    expect(sources).toEqual(
      expect.arrayContaining([
        { finding_id: acme!.id, status: "failed" },
        { finding_id: own!.id, status: "failed" },
      ]),
    );

    // And acme passing resolves acme's own finding only.
    const [back] = (await post("acme", s38("PASSED"))).findings;
    expect(back).toMatchObject({ id: acme!.id, state: "resolved", outcome: "updated" });
    expect(
      (
        await api.store.db
          .selectFrom("findings")
          .select("state")
          .where("id", "=", own!.id)
          .executeTakeFirstOrThrow()
      ).state,
    ).toBe("fixing");
  });

  it("the same document from two organizations gives each its own findings", async () => {
    const batch = text("generic/cspm-batch.json");
    const acme = await post("acme", batch);
    const globex = await post("globex", batch);
    const ids = (p: Posted) => p.findings.map((f) => f.id);
    expect(ids(acme)).toHaveLength(2);
    expect(ids(globex).filter((id) => ids(acme).includes(id))).toEqual([]);
    expect(globex.findings.map((f) => f.outcome)).toEqual(["created", "created"]);
    const rows = await api.store.db.selectFrom("findings").select(["id", "org"]).execute();
    expect(
      rows
        .filter((r) => r.org === "acme")
        .map((r) => r.id)
        .sort(),
    ).toEqual(ids(acme).sort());
    expect(
      rows
        .filter((r) => r.org === "globex")
        .map((r) => r.id)
        .sort(),
    ).toEqual(ids(globex).sort());
    // Each organization's re-post updates its own.
    expect((await post("globex", batch)).findings.map((f) => [f.id, f.outcome])).toEqual(
      ids(globex).map((id) => [id, "updated"]),
    );
  });

  it("the same Checkov results from two repositories are two sets of findings", async () => {
    const sarif = text("sarif/checkov-duplicates.sarif");
    const a = await post("acme", sarif, "?repository=infra-a");
    const b = await post("acme", sarif, "?repository=acme/Infra-B");
    expect(a.findings).toHaveLength(4);
    const idsA = new Set(a.findings.map((f) => f.id));
    expect(b.findings.filter((f) => idsA.has(f.id))).toEqual([]);
    const rows = await api.store.db.selectFrom("findings").select(["id", "repository"]).execute();
    expect(new Set(rows.map((r) => r.repository))).toEqual(new Set(["acme/infra-a", "acme/infra-b"]));
    expect(
      rows
        .filter((r) => r.repository === "acme/infra-a")
        .map((r) => r.id)
        .sort(),
    ).toEqual([...idsA].sort());
    // A re-scan of infra-a updates infra-a's findings and leaves infra-b's alone.
    const again = await post("acme", sarif, "?repository=acme/infra-a");
    expect(again.findings.map((f) => [f.id, f.outcome])).toEqual(a.findings.map((f) => [f.id, "updated"]));
  });

  it("a cloud finding is one per organization whatever repository the sender names", async () => {
    const batch = text("generic/cspm-batch.json");
    const a = await post("acme", batch, "?repository=infra-a");
    const b = await post("acme", batch, "?repository=infra-b");
    expect(b.findings.map((f) => [f.id, f.outcome])).toEqual(a.findings.map((f) => [f.id, "updated"]));
    const rows = await api.store.db.selectFrom("findings").select("repository").execute();
    expect(rows.map((r) => r.repository)).toEqual([null, null]);
  });

  it("Security Hub and a generic CSPM on one organization's bucket stay one finding with two sources", async () => {
    const generic = JSON.parse(text("generic/public-bucket.json"));
    generic[0].resource_arn = "arn:aws:s3:::example"; // the bucket of the Security Hub sample
    const [hub] = (await post("acme", s38("FAILED"))).findings;
    const [cspm] = (await post("acme", JSON.stringify(generic))).findings;
    expect(cspm).toMatchObject({ id: hub!.id, outcome: "updated" });
    const sources = await api.store.db
      .selectFrom("finding_sources")
      .select(["finding_id", "tool"])
      .orderBy("tool")
      .execute();
    expect(sources).toEqual([
      { finding_id: hub!.id, tool: "generic" },
      { finding_id: hub!.id, tool: "securityhub" },
    ]);
  });

  it("refuses a repository of another organization, or a name that is not one", async () => {
    const sarif = text("sarif/checkov-duplicates.sarif");
    for (const [query, error] of [
      [
        "?repository=globex/infra",
        'repository "globex/infra" is not in acme: findings are posted for the organization that owns the repository',
      ],
      ["?repository=..", 'repository ".." is not a repository name (expected name or acme/name)'],
      ["?repository=a/b/c", 'repository "a/b/c" is not a repository name (expected name or acme/name)'],
    ] as const) {
      const response = await api.post("acme", sarif, query);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error });
    }
    expect(await api.store.db.selectFrom("findings").select("id").execute()).toEqual([]);
  });
});
