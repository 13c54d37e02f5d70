// Two app replicas — real processes, one PostgreSQL database, each with its own repository cache —
// against one GitHub (the kit's double over HTTP) and one git repository. The findings of 50
// groups (grouping: per-file; 20 public buckets in each of 50 files: 1,000 findings) are POSTed,
// half to each replica. What a user would notice: exactly one PR per group; every finding on its group's PR,
// whose branch carries every member's fix (none lost); no job run by two replicas at once; each
// sweep run once, not once per replica. Then the same with one replica killed (SIGKILL) mid-run:
// the survivor finishes everything once the dead replica's leases expire.
//
// PostgreSQL only (FIXLOOP_TEST_DATABASE_URL; skipped without it, an error under CI=true).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stableId } from "../../src/findings/hash.ts";
import type { Store } from "../../src/store/store.ts";
import { freshLocation, PG_URL, type TestLocation } from "../store/engines.ts";
import {
  allFindings,
  buildRepository,
  groupFile,
  INSTALLATION_ID,
  ORG,
  ORG_CONFIG,
  overlappingRuns,
  postAlternating,
  REPO,
  REPO_CONFIG,
  type Replica,
  runsFrom,
  startReplica,
  waitForRemediations,
} from "./cluster.ts";
import { type GitHubDouble, startGitHubDouble } from "./github-double.ts";

const GROUPS = 50;
/**
 * Findings per group: the issue's workload, 20 (1,000 findings). A join plans only the newcomer's fix
 * on top of the group's last plan, and the tree's scan is kept per snapshot, so a finding costs the
 * same whatever its group's size (docs/benchmarks.md, "Replicas"). `FIXLOOP_REPLICAS_PER_GROUP`
 * runs another size.
 */
const PER_GROUP = Number(process.env.FIXLOOP_REPLICAS_PER_GROUP) || 20;
/**
 * How long the 1,000 findings may take to reach their PRs: 134 s and 88 s (the two scenarios) on this
 * 2-core machine at a load average of 8–11, about 200 s at 15 (docs/benchmarks.md, "Replicas").
 */
const DRAIN_MS = 300_000;
const TEST_MS = DRAIN_MS + 60_000;
/** Short, so the kill scenario is quick; long enough that a replica starting on a loaded machine
 *  (its event loop busy loading modules) keeps extending the leases it holds. */
const LEASE_MS = 10_000;
const TOTAL = GROUPS * PER_GROUP;
/** 40 documents of 25 findings, alternating between the replicas. */
const PER_DOCUMENT = TOTAL / 40;

/** fixloop/group/<first 12 of the hash of "acme/infra\nfile:<path>"> (src/remediate/grouping.ts). */
const groupBranch = (g: number) =>
  `fixloop/group/${stableId(`${ORG}/${REPO}\nfile:${groupFile(g)}`, 24).slice(0, 12)}`;

(PG_URL ? describe : describe.skip)("two replicas on one PostgreSQL", () => {
  let root: string;
  let where: TestLocation;
  let store: Store;
  let github: GitHubDouble;
  let replicas: Replica[] = [];
  let runLog: string;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), "fixloop-replicas-"));
    buildRepository(root, GROUPS, PER_GROUP);
    where = await freshLocation("postgres");
    store = await where.open(); // migrates once, before the replicas start
    github = await startGitHubDouble({
      org: ORG,
      installationId: INSTALLATION_ID,
      repositories: [REPO],
      configs: { ".github": ORG_CONFIG, [REPO]: REPO_CONFIG },
    });
    runLog = join(root, "runs.jsonl");
    const setup = {
      root,
      databaseUrl: where.location.databaseUrl as string,
      github,
      leaseMs: LEASE_MS,
      runLog,
    };
    // Each one kept as soon as it runs, so afterEach stops it even when the other fails to start.
    replicas = [];
    await Promise.all(["a", "b"].map(async (name) => replicas.push(await startReplica(setup, name))));
    replicas.sort((x, y) => x.name.localeCompare(y.name));
  }, 120_000);
  afterEach(async () => {
    for (const r of replicas) if (r.child.exitCode === null) r.child.kill("SIGKILL");
    await Promise.all(replicas.map((r) => r.exited));
    await github.close();
    await store.close();
    await where.dispose();
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  /** What every run must leave behind, whatever happened to the replicas. */
  async function expectOnePrPerGroupAndNothingLost(deaths: ReadonlyMap<string, number>) {
    expect(github.problems).toEqual([]);
    // Exactly one PR per group, on the group's branch.
    expect(github.pulls.map((p) => p.head).sort()).toEqual(
      Array.from({ length: GROUPS }, (_, g) => groupBranch(g)).sort(),
    );
    const prOfBranch = new Map(github.pulls.map((p) => [p.head, p.number]));
    // None lost: each group's branch carries the fix of every one of its buckets.
    for (let g = 0; g < GROUPS; g++) {
      const text = github.fileAt(`${ORG}/${REPO}`, groupBranch(g), groupFile(g)) ?? "";
      const fixed = [...text.matchAll(/resource "aws_s3_bucket_public_access_block" "(b\d\d)"/g)].map(
        (m) => m[1],
      );
      expect(fixed.sort(), groupFile(g)).toEqual(
        Array.from({ length: PER_GROUP }, (_, b) => `b${String(b).padStart(2, "0")}`),
      );
    }
    // And the store agrees: every finding is pr_open, on its group's PR (one open remediation each).
    const findings = await store.db.selectFrom("findings").select(["id", "state", "resource"]).execute();
    expect(findings).toHaveLength(GROUPS * PER_GROUP);
    const open = await store.db
      .selectFrom("remediations")
      .select(["finding_id", "pr_number", "branch"])
      .where("pr_state", "=", "open")
      .execute();
    const prOf = new Map(open.map((r) => [r.finding_id, r]));
    expect(open).toHaveLength(findings.length);
    for (const f of findings) {
      const arn = (JSON.parse(f.resource) as { arn: string }).arn;
      const g = Number(/replica-g(\d\d)-/.exec(arn)?.[1]);
      expect(f.state, arn).toBe("pr_open");
      expect(prOf.get(f.id), arn).toEqual({
        finding_id: f.id,
        pr_number: prOfBranch.get(groupBranch(g)),
        branch: groupBranch(g),
      });
    }
    // No job was run by two replicas at once (a dead replica's run ends when it died).
    const runs = runsFrom(runLog);
    expect(overlappingRuns(runs, deaths)).toEqual([]);
    return runs;
  }

  it(
    `${TOTAL} findings of ${GROUPS} groups, half to each replica: one PR per group, none lost`,
    async () => {
      const perReplica = await postAlternating(replicas, allFindings(GROUPS, PER_GROUP), PER_DOCUMENT);
      expect([...perReplica.values()]).toEqual([TOTAL / 2, TOTAL / 2]);
      await waitForRemediations(store, DRAIN_MS);
      const runs = await expectOnePrPerGroupAndNothingLost(new Map());
      // No replica ever tried to open a group's PR, or create its branch, a second time.
      expect(github.conflicts).toEqual([]);
      expect(github.requests.filter((r) => r === `POST /repos/${ORG}/${REPO}/pulls`)).toHaveLength(GROUPS);
      // Both replicas worked, and each sweep ran once for the two of them.
      const remediations = runs.filter((r) => r.kind === "remediate");
      expect(new Set(remediations.map((r) => r.name))).toEqual(new Set(["a", "b"]));
      expect(new Set(remediations.map((r) => r.id)).size).toBe(GROUPS * PER_GROUP);
      const sweeps = runs.filter((r) => r.kind.startsWith("sweep:")).map((r) => r.kind);
      expect(sweeps.sort()).toEqual([
        "sweep:exception-expiry",
        "sweep:pending-verifications",
        "sweep:sla",
        "sweep:verification-timeout",
      ]);
    },
    TEST_MS,
  );

  it(
    "one replica killed mid-run: the survivor finishes everything",
    async () => {
      await postAlternating(replicas, allFindings(GROUPS, PER_GROUP), PER_DOCUMENT);
      const [survivor, victim] = replicas as [Replica, Replica];
      // Kill b while it is in the middle of the work (some PRs open, many findings still to go) and
      // holding a remediation: killing it between two jobs would leave nothing to take over.
      const holdsARemediation = () => {
        try {
          return runsFrom(runLog).some(
            (r) => r.name === victim.name && r.kind === "remediate" && r.end === null,
          );
        } catch {
          return false; // a line being appended as it was read: look again
        }
      };
      while (github.pulls.length < 10 || !holdsARemediation()) await new Promise((r) => setTimeout(r, 5));
      victim.child.kill("SIGKILL");
      await victim.exited;
      const deaths = new Map([[victim.name, Date.now()]]);
      await waitForRemediations(store, DRAIN_MS);
      const runs = await expectOnePrPerGroupAndNothingLost(deaths);
      // b died holding jobs; a took them over once their leases expired.
      const orphaned = runs.filter((r) => r.name === victim.name && r.end === null);
      expect(orphaned.length).toBeGreaterThan(0);
      for (const o of orphaned)
        expect(runs.some((r) => r.id === o.id && r.name === survivor.name && r.start >= o.start)).toBe(true);
    },
    TEST_MS,
  );
});
