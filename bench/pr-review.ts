// GitHub cost and latency of the pull_request review (issue 16), on the real app with GitHub's REST
// and GraphQL APIs answered in-process by nock from the harness's git repository (trees, blobs,
// contents and the GraphQL directory trees are what git holds), on a 500-file repository built from the corpus the other benches use:
//  - requests per PR event when nothing matches, and when fixloop labels and comments, with the
//    scan check run off (the associated-findings path alone) and on;
//  - time from the delivery to the `fixloop/scan` check run, against the same run's baseline:
//    indexing and scanning the whole 500-file repository in-process.
// Prints one JSON line (bench/run.ts reads it).

import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import nock from "nock";
import { buildIndex } from "../src/hcl/index.ts";
import { RULES } from "../src/rules/registry.ts";
import { scanIndex } from "../src/rules/scan.ts";
import { FIXTURES, INSTALLATION_ID, ORG, REPO, startHarness } from "../test/app/harness.ts";
import { answerDirectories, blobEntry, type TreeEntryAnswer } from "../test/github/kit/graphql-trees.ts";
import { webhookExample, withIds } from "../test/github/kit/webhooks.ts";
import { buildMonorepo } from "./monorepo.ts";

const API = "https://api.github.com";
const R = `/repos/${ORG}/${REPO}`;
const repoRoot = join(import.meta.dirname, "..");
const mono = buildMonorepo(repoRoot, join(tmpdir(), `fixloop-pr-bench-${process.pid}`), 500, 0);
const files: Record<string, string> = {};
const walk = (dir: string) => {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full);
    else files[relative(mono.root, full)] = readFileSync(full, "utf8");
  }
};
walk(mono.root);

const scanOn = process.argv[2] !== "off";
const config = `owners:\n  teams:\n    data-platform: acme/data-platform\nsecurityTeam: acme/appsec\nprScan:\n  enabled: ${scanOn}\n`;
const h = await startHarness({ files: { ...files, ".github/fixloop.yml": config } });
const git = (...args: string[]) => h.git(...args);

const requests: string[] = [];
let checkRunAt = 0;
nock.disableNetConnect();
nock.enableNetConnect(/127\.0\.0\.1|localhost/);
const scope = nock(API).persist();
scope.on("request", (req: { method: string; path: string }) => requests.push(`${req.method} ${req.path}`));
const prFiles = new Map<number, unknown[]>();
scope
  .get(`/orgs/${ORG}/installation`)
  .reply(200, { id: INSTALLATION_ID })
  .post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
  .reply(201, { token: "ghs_bench", expires_at: "2099-01-01T00:00:00Z" })
  .get(`/repos/${ORG}/.github/contents/.github%2Ffixloop.yml`)
  .reply(404, {})
  .get(`${R}/contents/.github%2Ffixloop.yml`)
  .reply(200, config)
  .get("/installation/repositories")
  .query(true)
  .reply(200, {
    total_count: 1,
    repositories: [{ name: REPO, owner: { login: ORG }, default_branch: "main" }],
  })
  .get(`${R}/labels`)
  .query(true)
  .reply(200, [])
  .post(`${R}/labels`)
  .reply(201, {})
  .post(`${R}/git/trees`)
  .reply(201, { sha: "t".repeat(40) })
  .post(`${R}/git/commits`)
  .reply(201, { sha: "c".repeat(40) })
  .post(`${R}/git/refs`)
  .reply(201, {})
  .post(`${R}/pulls`)
  .reply(201, { number: 17, html_url: `https://github.com/${ORG}/${REPO}/pull/17` })
  .patch(/\/issues\/\d+$/)
  .reply(200, {})
  .post(/\/pulls\/\d+\/requested_reviewers/)
  .reply(201, {})
  .get(/\/pulls\/\d+\/files/)
  .reply(200, (uri: string) => prFiles.get(Number(/pulls\/(\d+)/.exec(uri)?.[1])) ?? [])
  .post("/graphql")
  .reply(200, (_uri: string, body: unknown) => answerDirectories(body, gitEntries))
  .get(/\/git\/trees\/[0-9a-f]{40}/)
  .reply(200, (uri: string) => gitTree(/trees\/([0-9a-f]{40})/.exec(uri)?.[1] as string))
  .get(/\/git\/blobs\/[0-9a-f]{40}/)
  .reply(200, (uri: string) => gitBlob(/blobs\/([0-9a-f]{40})/.exec(uri)?.[1] as string))
  .get(/\/contents\/envs/)
  .query(true)
  .reply(200, (uri: string) => contents(uri))
  .post(`${R}/check-runs`)
  .reply(201, () => {
    checkRunAt = performance.now();
    return { id: 1, html_url: "https://github.com/r/1" };
  })
  .post(/\/issues\/\d+\/labels$/)
  .reply(200, [])
  .delete(/\/issues\/\d+\/labels\//)
  .reply(200, [])
  .get(/\/issues\/\d+\/comments/)
  .query(true)
  .reply(200, [])
  .post(/\/issues\/\d+\/comments/)
  .reply(201, { id: 5, html_url: "https://github.com/c/5" });

function gitTree(sha: string) {
  const tree = git("ls-tree", "-r", "-l", sha)
    .trim()
    .split("\n")
    .map((line) => {
      const [meta, path] = line.split("\t") as [string, string];
      const [mode, type, blobSha, size] = meta.split(/\s+/) as [string, string, string, string];
      return { path, mode, type, sha: blobSha, size: Number(size) };
    });
  return { sha, truncated: false, tree };
}
/** A directory at a ref as GitHub's GraphQL API gives it: what git holds there (null: not there). */
function gitEntries(ref: string, dir: string): TreeEntryAnswer[] | null {
  let listing: string;
  try {
    listing = git("ls-tree", "-l", `${ref}:${dir === "." ? "" : dir}`);
  } catch {
    return null;
  }
  return listing
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [meta, name] = line.split("\t") as [string, string];
      const [, type, sha] = meta.split(/\s+/) as [string, string, string];
      if (type !== "blob") return { name, type: type as "tree" | "commit", object: {} };
      return blobEntry(name, git("cat-file", "blob", sha));
    });
}
function gitBlob(sha: string) {
  const content = Buffer.from(git("cat-file", "blob", sha)).toString("base64");
  return { sha, encoding: "base64", content, size: content.length };
}
function contents(uri: string) {
  const url = new URL(uri, API);
  const path = decodeURIComponent(url.pathname.replace(`${R}/contents/`, ""));
  const text = git("show", `${url.searchParams.get("ref")}:${path}`);
  return {
    type: "file",
    encoding: "base64",
    size: text.length,
    path,
    sha: "f".repeat(40),
    content: Buffer.from(text).toString("base64"),
  };
}

// A finding with its fix PR (#17), located at envs/prod/main.tf aws_s3_bucket.backups.
const finding = JSON.parse(readFileSync(join(FIXTURES, "findings/generic/public-bucket.json"), "utf8"));
await h.postFindings(finding);
await h.drain();

/** A PR changing `path` by `edit` on a branch of its own; returns head and base shas. */
function branch(name: string, path: string, edit: (t: string) => string) {
  const base = git("rev-parse", "main").trim();
  git("checkout", "--quiet", "-b", name);
  writeFileSync(join(h.repoDir, path), edit(readFileSync(join(h.repoDir, path), "utf8")));
  git("commit", "--quiet", "-am", name);
  const head = git("rev-parse", "HEAD").trim();
  const patch = git("diff", "-U3", base, head, "--", path).split("\n").slice(4).join("\n");
  git("checkout", "--quiet", "main");
  return { base, head, file: { filename: path, status: "modified", patch } };
}

async function event(number: number, pr: ReturnType<typeof branch>, id: string) {
  prFiles.set(number, [pr.file]);
  const payload = withIds(
    webhookExample("pull_request", (p) => p.action === "opened" && p.installation !== undefined),
    { owner: ORG, repo: REPO, installationId: INSTALLATION_ID, number, headSha: pr.head, baseSha: pr.base },
  );
  const before = requests.length;
  checkRunAt = 0;
  const started = performance.now();
  await h.probot.receive({ id, name: "pull_request", payload });
  const counted = requests.slice(before).filter((r) => !r.includes("access_tokens"));
  return { requests: counted.length, routes: counted, checkRunMs: checkRunAt ? checkRunAt - started : null };
}

const svc = Object.keys(files).find((p) => p.startsWith("services/svc-00007/")) as string;
const quiet = branch("quiet", svc, (t) => `${t}\n# reviewed\n`);
const touching = branch("touching", "envs/prod/main.tf", (t) =>
  t.replace('Team = "data-platform"', 'Team = "storage"'),
);
// Warm: the first event pays for the labels listing and the first sandbox start.
await event(40, quiet, "warm");
const nothing = await event(41, quiet, "d-41");
const labels = await event(42, touching, "d-42");

// Baseline: the whole 500-file repository indexed and scanned in-process.
const all = Object.entries(files).map(([path, text]) => ({ path, text }));
const t0 = performance.now();
scanIndex(buildIndex(all), RULES);
const fullScanMs = performance.now() - t0;

await h.close();
nock.cleanAll();
console.log(
  JSON.stringify({
    task: `pr-review-${scanOn ? "scan" : "noscan"}`,
    ms: labels.checkRunMs ?? 0,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    files: Object.keys(files).length,
    nothingRequests: nothing.requests,
    nothingRoutes: nothing.routes,
    labelRequests: labels.requests,
    labelRoutes: labels.routes,
    checkRunMs: nothing.checkRunMs,
    checkRunTouchingMs: labels.checkRunMs,
    fullScanMs,
  }),
);
