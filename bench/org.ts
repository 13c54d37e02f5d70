// An organization of 500 repositories (issue 19), on the real app: Probot with fixloop loaded, the
// SQLite store, GitHub's REST API answered in-process by nock, and 500 real git repositories served
// to the repository cache over file:// (as the app tests do). Each repository is one real Terraform
// folder of the corpus (round-robin, as bench/monorepo.ts builds its tree) plus three S3 buckets
// named after it; repositories come in pairs per AWS account. Deterministic: same corpus, same
// repositories, same findings.
//
// The findings are POSTed through the signed API as the seed payload (S3.8 on a bucket ARN), and
// each is located the way the remediation job locates it (organization config, installation
// repositories, then locateInRepositories against the app's environment). Measured, with REST
// requests, git fetches (and ls-remote checks), repositories read per finding, the cache's disk and
// CPU time (user + sys of the process, its worker thread and the git processes it waited for) and
// peak RSS:
//  (a) cold: the first finding of the organization (every repository fetched and indexed, four at
//      a time); its baseline, same run: 20 more repositories of the same shape (not installed)
//      fetched and indexed through the same environment one after another, as before this work;
//  baseline: five findings located as before this work (no resource → repository map), same run;
//  (b) warm: the next 1,000 findings, one minute later (heads confirmed a minute ago are checked again);
//  (c) a push to one repository (a new bucket, push webhook delivered), then a finding of that bucket;
//  (d) the same, the push received by another replica: only its row in the store's repository heads.
// Each phase also reports the time spent reading the heads other replicas recorded (one query per finding).
// Prints one JSON line (bench/run.ts reads it).

import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import nock from "nock";
import { isRepositoryConsidered } from "../src/config/repo-config.ts";
import { defaultGit, diskUsage, RepoSourceCache } from "../src/github/repo-source.ts";
import type { RemediationEnv } from "../src/remediate/env.ts";
import { locateInRepositories } from "../src/remediate/search-repositories.ts";
import { resolveRuleId } from "../src/rules/registry.ts";
import { getFinding, type StoredFinding } from "../src/store/findings.ts";
import { recordRepositoryHead } from "../src/store/repository-heads.ts";
import { INSTALLATION_ID, ORG, startHarness } from "../test/app/harness.ts";
import { webhookExample, withIds } from "../test/github/kit/webhooks.ts";
import { seedFolders } from "./monorepo.ts";

const REPOSITORIES = Number(process.env.FIXLOOP_BENCH_ORG_REPOS) || 500;
const WARM = Number(process.env.FIXLOOP_BENCH_ORG_WARM) || 1_000;
const BASELINE = 5;
/** Repositories read one after another for the cold pass's baseline (built, never installed). */
const COLD_BASELINE = 20;
const API = "https://api.github.com";
const repoRoot = join(import.meta.dirname, "..");
const name = (i: number) => `svc-${String(i).padStart(3, "0")}`;
const account = (i: number) => String(200_000_000_000 + Math.floor(i / 2));
const bucket = (i: number, k: number) => `acme-${name(i)}-${k}`;
const DATE = "2026-11-02T08:15:00Z";
const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: "bench",
  GIT_AUTHOR_EMAIL: "bench@example.com",
  GIT_COMMITTER_NAME: "bench",
  GIT_COMMITTER_EMAIL: "bench@example.com",
  GIT_AUTHOR_DATE: DATE,
  GIT_COMMITTER_DATE: DATE,
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, env: gitEnv, encoding: "utf8" });

const bucketsTf = (i: number, count = 3) =>
  Array.from(
    { length: count },
    (_, k) =>
      `resource "aws_s3_bucket" "fixloop_bench_${k}" {\n  bucket = "${bucket(i, k)}"\n\n  tags = {\n    Team = "platform"\n  }\n}\n`,
  ).join("\n");

/** 500 repositories (and the cold baseline's) under `remote/acme/`, each a committed git repository. */
function buildOrganization(remote: string): void {
  const seeds = seedFolders(repoRoot);
  for (let i = 0; i < REPOSITORIES + COLD_BASELINE; i++) {
    const dir = join(remote, name(i));
    const seed = seeds[i % seeds.length]!;
    mkdirSync(join(dir, "modules", "service"), { recursive: true });
    for (const { name: file, text } of seed) writeFileSync(join(dir, "modules", "service", file), text);
    writeFileSync(join(dir, "buckets.tf"), bucketsTf(i));
    git(dir, "init", "--quiet", "--initial-branch=main");
    git(dir, "config", "uploadpack.allowFilter", "true");
    git(dir, "add", "-A");
    git(dir, "commit", "--quiet", "-m", "initial");
  }
}

const finding = (i: number, k: number, id = `org-${i}-${k}`) => ({
  finding_id: id,
  resource_arn: `arn:aws:s3:::${bucket(i, k)}`,
  severity: "HIGH",
  rule_id: "S3.8",
  metadata: { account_id: account(i), region: "us-east-1", first_seen: DATE },
});
/** The repository of the n-th finding: spread over the organization, deterministically. */
const repoOf = (n: number) => (n * 7919) % REPOSITORIES;

/** Where the organization's repositories are (the harness's remote), known once it started. */
let remote = "";
const commands = { fetch: 0, lsRemote: 0 };
let cacheDir = "";
const repoSource = new RepoSourceCache({
  get cacheDir() {
    return cacheDir;
  },
  maxBytes: Number.MAX_SAFE_INTEGER, // tracked, not bounded: the figure is what the cache needs
  remoteUrl: (r) => `file://${join(remote, r.repo)}`,
  git: (dir, env) => {
    const instance = defaultGit(dir, env);
    const raw = instance.raw.bind(instance);
    instance.raw = ((args: string[]) => {
      if (args.includes("fetch")) commands.fetch++;
      if (args.includes("ls-remote")) commands.lsRemote++;
      return raw(args);
    }) as typeof instance.raw;
    return instance;
  },
});
const h = await startHarness({ appOptions: { repoSource } });
remote = join(h.repoDir, "..");
cacheDir = join(remote, "..", "..", "org-cache");
const built = performance.now();
buildOrganization(remote);
const buildMs = performance.now() - built;

// --- GitHub's REST API, answered in-process; every request counted ---
const requests: string[] = [];
nock.disableNetConnect();
nock.enableNetConnect(/127\.0\.0\.1|localhost/);
const scope = nock(API).persist();
scope.on("request", (req: { method: string; path: string }) => requests.push(`${req.method} ${req.path}`));
const PAGE = 100;
const page = (n: number) =>
  Array.from({ length: Math.max(0, Math.min(PAGE, REPOSITORIES - (n - 1) * PAGE)) }, (_, j) => {
    const i = (n - 1) * PAGE + j;
    return {
      id: 10_000 + i,
      name: name(i),
      full_name: `${ORG}/${name(i)}`,
      owner: { login: ORG },
      default_branch: "main",
      archived: false,
    };
  });
const pages = Math.ceil(REPOSITORIES / PAGE);
scope
  .get(`/orgs/${ORG}/installation`)
  .reply(200, { id: INSTALLATION_ID, account: { login: ORG } })
  .post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
  .reply(201, { token: "ghs_bench", expires_at: "2099-01-01T00:00:00Z" })
  .get(`/repos/${ORG}/.github/contents/.github%2Ffixloop.yml`)
  .reply(404, { message: "Not Found" })
  .get("/installation/repositories")
  .query(true)
  .reply((uri: string) => {
    // Octokit's paginate follows rel="next".
    const n = Number(new URL(uri, API).searchParams.get("page") ?? 1);
    const next = `<${API}/installation/repositories?per_page=${PAGE}&page=${n + 1}>; rel="next"`;
    return [200, { total_count: REPOSITORIES, repositories: page(n) }, n < pages ? { link: next } : {}];
  });

// --- the findings, through the signed API, as a CSPM posts them ---
const documents = [
  finding(repoOf(0), 0),
  ...Array.from({ length: BASELINE + WARM }, (_, n) => finding(repoOf(n + 1), (n + 1) % 3)),
];
const posted = await h.postFindings(documents);
if (posted.status !== 202) throw new Error(`POST answered ${posted.status}: ${JSON.stringify(posted.body)}`);
const ids = (posted.body as { findings: Array<{ id: string }> }).findings.map((f) => f.id);
const stored: StoredFinding[] = [];
for (const id of ids) stored.push((await getFinding(h.store.db, id))!);

/** What one finding costs the app to locate: the remediation job's first steps, as it runs them. */
async function locateOne(env: RemediationEnv, f: StoredFinding) {
  const org = await h.env.repoConfig(INSTALLATION_ID, { owner: ORG, repo: ".github" });
  if (!org.ok) throw new Error("the organization's configuration is invalid");
  const repos = (await h.env.repositories(INSTALLATION_ID, ORG)).filter(
    (r) => !r.archived && isRepositoryConsidered(org.config, r.repo) && r.repo !== "infra",
  );
  return locateInRepositories(env, {
    installationId: INSTALLATION_ID,
    finding: f,
    repos,
    config: org.config,
    resourceTypes: resolveRuleId(f.rule.nativeId)?.resourceTypes,
  });
}

let read = 0;
/** Time spent taking in other replicas' pushes (the shared repository heads), and how many reads. */
const catchUp = { calls: 0, ms: 0 };
/** The app's environment, counting the repositories read (snapshot + index) per finding. */
const counted: RemediationEnv = {
  store: h.env.store,
  host: h.env.host,
  log: h.env.log,
  platform: (id) => h.env.platform(id),
  repositories: (id, org) => h.env.repositories(id, org),
  repoConfig: (id, r) => h.env.repoConfig(id, r),
  snapshot: (id, r) => {
    read++;
    return h.env.snapshot(id, r);
  },
  catchUpPushes: async () => {
    const started = performance.now();
    await h.env.catchUpPushes();
    catchUp.calls++;
    catchUp.ms += performance.now() - started;
  },
  candidates: (repos, f) => h.env.candidates(repos, f),
  defining: (repos, f) => h.env.defining(repos, f),
  evidenceUrl: (id) => h.env.evidenceUrl(id),
};
/** The same, without the resource → repository map: every repository is read for each finding. */
const { candidates: _ignored, defining: _unused, catchUpPushes: _none, ...unmapped } = counted;

const TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
/** CPU time so far in ms: user + sys of this process (all threads) and of the children it waited for (git). */
function cpuMs(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const [utime, stime, cutime, cstime] = stat
    .slice(stat.lastIndexOf(")") + 2)
    .split(" ")
    .slice(11, 15)
    .map(Number);
  return ((utime! + stime! + cutime! + cstime!) * 1000) / TICKS;
}

interface Phase {
  findings: number;
  ms: number;
  maxMs: number;
  cpuMs: number;
  requests: number;
  fetches: number;
  lsRemotes: number;
  catchUpMs: number;
  reads: number;
  maxReads: number;
  located: number;
  cacheMb: number;
  rssMb: number;
}
async function phase(
  env: RemediationEnv,
  list: StoredFinding[],
  expected: (n: number) => string,
): Promise<Phase> {
  const before = { requests: requests.length, cpuMs: cpuMs(), ...commands, catchUpMs: catchUp.ms };
  let ms = 0;
  let maxMs = 0;
  let reads = 0;
  let maxReads = 0;
  let located = 0;
  for (const [n, f] of list.entries()) {
    read = 0;
    const started = performance.now();
    const where = await locateOne(env, f);
    const took = performance.now() - started;
    ms += took;
    maxMs = Math.max(maxMs, took);
    reads += read;
    maxReads = Math.max(maxReads, read);
    if (where.cross.kind === "located" && where.cross.repository.repo === expected(n)) located++;
  }
  return {
    findings: list.length,
    ms,
    maxMs,
    cpuMs: cpuMs() - before.cpuMs,
    requests: requests.length - before.requests,
    fetches: commands.fetch - before.fetch,
    lsRemotes: commands.lsRemote - before.lsRemote,
    catchUpMs: catchUp.ms - before.catchUpMs,
    reads,
    maxReads,
    located,
    cacheMb: (await diskUsage(cacheDir)) / 1024 / 1024,
    rssMb: process.resourceUsage().maxRSS / 1024,
  };
}

// (a) cold: the organization's first finding.
const cold = await phase(counted, stored.slice(0, 1), () => name(repoOf(0)));
// Its baseline, same run: 20 repositories of the same shape fetched and indexed one after another.
const coldBaseline = await (async () => {
  const before = { cpuMs: cpuMs(), ...commands };
  const started = performance.now();
  for (let j = 0; j < COLD_BASELINE; j++)
    await h.env.snapshot(INSTALLATION_ID, {
      owner: ORG,
      repo: name(REPOSITORIES + j),
      defaultBranch: "main",
      archived: false,
    });
  return {
    repositories: COLD_BASELINE,
    ms: performance.now() - started,
    cpuMs: cpuMs() - before.cpuMs,
    fetches: commands.fetch - before.fetch,
  };
})();
// Baseline, same run: five findings located without the map (every repository read each time).
const baseline = await phase(unmapped, stored.slice(1, 1 + BASELINE), (n) => name(repoOf(n + 1)));
// (b) warm: a minute later (heads confirmed by the cold pass are checked again), 1,000 findings.
h.clock.advance(61_000);
const warm = await phase(counted, stored.slice(1 + BASELINE), (n) => name(repoOf(n + 1 + BASELINE)));

// (c) a push to one repository: a fourth bucket, the push webhook, then a finding of that bucket.
const pushed = repoOf(4242);
const pushedDir = join(remote, name(pushed));
const base = git(pushedDir, "rev-parse", "HEAD").trim();
writeFileSync(join(pushedDir, "buckets.tf"), bucketsTf(pushed, 4));
git(pushedDir, "commit", "--quiet", "-am", "a fourth bucket");
const head = git(pushedDir, "rev-parse", "HEAD").trim();
const push = withIds(
  webhookExample("push", (p) => p.ref === `refs/heads/${p.repository.default_branch}`),
  { owner: ORG, repo: name(pushed), installationId: INSTALLATION_ID, baseSha: base, headSha: head },
);
await h.probot.receive({ id: "bench-org-push", name: "push", payload: push });
const newFinding = await h.postFindings([finding(pushed, 3, "org-pushed")]);
const newId = (newFinding.body as { findings: Array<{ id: string }> }).findings[0]!.id;
const afterPush = await phase(counted, [(await getFinding(h.store.db, newId))!], () => name(pushed));

// (d) a push another replica received: this process sees only the head it recorded in the store.
const elsewhere = repoOf(4243);
const elsewhereDir = join(remote, name(elsewhere));
writeFileSync(join(elsewhereDir, "buckets.tf"), bucketsTf(elsewhere, 4));
git(elsewhereDir, "commit", "--quiet", "-am", "a fourth bucket");
await recordRepositoryHead(h.store, {
  owner: ORG,
  repo: name(elsewhere),
  headSha: git(elsewhereDir, "rev-parse", "HEAD").trim(),
});
const replicaFinding = await h.postFindings([finding(elsewhere, 3, "org-replica-pushed")]);
const replicaId = (replicaFinding.body as { findings: Array<{ id: string }> }).findings[0]!.id;
const afterReplicaPush = await phase(counted, [(await getFinding(h.store.db, replicaId))!], () =>
  name(elsewhere),
);

await h.close();
nock.cleanAll();
console.log(
  JSON.stringify({
    task: "org",
    ms: warm.ms,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    repositories: REPOSITORIES,
    buildMs,
    cold,
    coldBaseline,
    baseline,
    warm,
    afterPush,
    afterReplicaPush,
  }),
);
