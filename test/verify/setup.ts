// A merged fixloop fix, ready to verify: the real Security Hub S3.8 sample (its bucket ARN adapted to
// fixtures/repos/cspm-demo's prod backups bucket) admitted into a SQLite store, the fix engine's own
// patch for it recorded as a merged PR, and a RemediationEnv whose GitHub is the mock kit and whose
// default branch snapshot is the demo repository with that patch applied.

import { Octokit } from "@octokit/rest";
import { parseRepoConfig } from "../../src/config/repo-config.ts";
import { GITHUB_COM } from "../../src/github/hosts.ts";
import { OctokitPlatform } from "../../src/github/octokit-platform.ts";
import { buildIndex, type SourceFile } from "../../src/hcl/index.ts";
import { readTerraformTree } from "../../src/hcl/load.ts";
import { persistFindings } from "../../src/ingest/persist.ts";
import type { TriagedFinding } from "../../src/ingest/triage-finding.ts";
import { changeState } from "../../src/lifecycle/change-state.ts";
import type { InstallationRepository, RemediationEnv } from "../../src/remediate/env.ts";
import { type PatchPlan, planFix } from "../../src/remediate/plan-fix.ts";
import { getFinding } from "../../src/store/findings.ts";
import { recordRemediation } from "../../src/store/remediations.ts";
import type { Store } from "../../src/store/store.ts";
import type { MockGitHub } from "../github/kit/mock-github.ts";
import { freshLocation, manualClock, type TestLocation } from "../store/engines.ts";
import { asffS38, triage } from "../store/helpers.ts";

export const ORG = "acme";
export const REPO = "infra";
export const INSTALLATION = 4242;
export const MERGE_SHA = "9f3c2a1b4d5e6f708192a3b4c5d6e7f8091a2b3c";
export const PR_NUMBER = 7;
export const PR_URL = `https://github.com/${ORG}/${REPO}/pull/${PR_NUMBER}`;
export const BUCKET_ARN = "arn:aws:s3:::prod-customer-data-backups";
export const EVIDENCE = (id: string) => `https://fixloop.example.com/findings/${id}`;
const DEMO = "fixtures/repos/cspm-demo";

/** The S3.8 sample about the demo's prod bucket (only the resource id adapted), failing or passing. */
export function s38(status: "FAILED" | "PASSED", updatedAt?: string): unknown {
  const doc = asffS38(status, updatedAt) as { Resources: Array<{ Id: string }> };
  doc.Resources[0]!.Id = BUCKET_ARN;
  return doc;
}

export interface Merged {
  store: Store;
  location: TestLocation;
  clock: ReturnType<typeof manualClock>;
  env: RemediationEnv & { logs: string[] };
  findingId: string;
  plan: PatchPlan;
  before: SourceFile[];
  after: SourceFile[];
}

export interface MergedOptions {
  kit: () => MockGitHub;
  /** `.github/fixloop.yml` as parsed (default: none). */
  config?: unknown;
  /** The default branch's files; default: the demo with the fix applied. */
  after?: (plan: PatchPlan, before: SourceFile[]) => SourceFile[];
  snapshotSha?: string;
}

export async function mergedFix(options: MergedOptions): Promise<Merged> {
  const location = await freshLocation("sqlite");
  const clock = manualClock(Date.parse("2026-11-20T10:00:00.000Z"));
  const store = await location.open(clock.clock);
  const [read] = triage(s38("FAILED"), new Date(clock.clock())) as [TriagedFinding];
  const [stored] = await persistFindings(store, [read], { org: ORG, installationId: INSTALLATION });
  const findingId = stored!.id;
  // As the remediate job sees it (triagedFromStored): named by its stored id.
  const triaged: TriagedFinding = { ...read, dedupeKey: findingId };
  // The admission's remediate job ran: it opened the PR recorded below.
  await store.db.updateTable("jobs").set({ state: "done", finished_at: store.now() }).execute();

  const before = await readTerraformTree(DEMO);
  const plan = await planFix(before, buildIndex(before), triaged);
  if (plan.kind !== "patch") throw new Error(`no patch for the S3.8 sample: ${plan.reason}`);
  const patched = before.map((f) => ({
    path: f.path,
    text: plan.files.find((c) => c.path === f.path)?.content ?? f.text,
  }));
  const after = options.after ? options.after(plan, before) : patched;

  const state = (await getFinding(store.db, findingId))?.state;
  if (state === "awaiting_approval")
    await changeState(store, {
      findingId,
      to: "fixing",
      actor: { kind: "app" },
      reason: "approved in the test",
    });
  await store.transaction((tx) =>
    recordRemediation(
      tx,
      {
        findingId,
        repository: `${ORG}/${REPO}`,
        branch: "fixloop/aws-s3-public-access-block/abc",
        prNumber: PR_NUMBER,
        prUrl: PR_URL,
        commitSha: "1111111111111111111111111111111111111111",
        mergeCommitSha: MERGE_SHA,
        files: plan.files.map((f) => f.path),
        diff: plan.diff,
        assignment: { team: "acme/data-platform", reviewers: ["octocat"], decidedBy: "resource-tags" },
        prState: "merged",
      },
      store.now(),
    ),
  );
  await changeState(store, { findingId, to: "pr_open", actor: { kind: "app" }, reason: `opened ${PR_URL}` });
  clock.advance(60 * 60_000);
  await changeState(store, {
    findingId,
    to: "merged",
    actor: { kind: "github-user", login: "octocat", id: 1 },
    reason: `${PR_URL} merged by octocat as ${MERGE_SHA}`,
  });

  const repository: InstallationRepository = {
    owner: ORG,
    repo: REPO,
    defaultBranch: "main",
    archived: false,
  };
  const logs: string[] = [];
  const env: Merged["env"] = {
    store,
    host: GITHUB_COM,
    logs,
    log: {
      info: (_o, m) => logs.push(`info: ${m}`),
      warn: (_o, m) => logs.push(`warn: ${m}`),
      error: (_o, m) => logs.push(`error: ${m}`),
    },
    platform: async () =>
      new OctokitPlatform(new Octokit({ baseUrl: options.kit().apiUrl, request: { retries: 0 } }), {
        now: clock.clock,
      }),
    repositories: async () => [repository],
    repoConfig: async () => parseRepoConfig(options.config ?? null),
    snapshot: async () => ({
      snapshot: {
        repository: { owner: ORG, repo: REPO },
        branch: "main",
        sha: options.snapshotSha ?? MERGE_SHA,
        treeSha: "2222222222222222222222222222222222222222",
        files: after,
        codeowners: null,
        fetched: false,
      },
      index: buildIndex(after),
    }),
    evidenceUrl: EVIDENCE,
  };
  return { store, location, clock, env, findingId, plan, before, after };
}

export async function disposeMerged(m: Merged | undefined): Promise<void> {
  if (!m) return;
  await m.store.close();
  await m.location.dispose();
}
