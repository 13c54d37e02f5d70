// An end-to-end harness for the GitHub App: a real Probot instance with fixloop loaded, a real
// HTTP server in front of fixloop's API handler, a real git repository (file://) standing in for
// GitHub's git endpoint, a SQLite store on a hand-moved clock, and GitHub's REST API mocked with
// the kit (unmocked requests, unused mocks and invalid bodies fail the test).

import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { Probot, ProbotOctokit } from "probot";
import type { AppEnv } from "../../src/app/probot-env.ts";
import { type FixloopAppOptions, fixloopApp } from "../../src/app.ts";
import { GITHUB_COM, type GitHubHost } from "../../src/github/hosts.ts";
import { RepoSourceCache } from "../../src/github/repo-source.ts";
import { signRequest } from "../../src/http/signature.ts";
import type { Worker } from "../../src/jobs/worker.ts";
import { getFinding } from "../../src/store/findings.ts";
import type { Store } from "../../src/store/store.ts";
import type { MockGitHub } from "../github/kit/mock-github.ts";
import { webhookExample, withIds } from "../github/kit/webhooks.ts";

export const FIXTURES = fileURLToPath(new URL("../../fixtures/", import.meta.url));
export const API_SECRET = "test-api-secret-0123456789";
export const INSTALLATION_ID = 4242;
export const ORG = "acme";
export const REPO = "infra";

// One key per test run: Probot signs its app JWT with it (nock never checks the signature).
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

/** A clock tests move by hand (kept here so the benchmark can use the harness outside vitest). */
export interface ManualClock {
  clock: () => number;
  advance(ms: number): void;
  set(ms: number): void;
}

function manualClock(start: number): ManualClock {
  let t = start;
  return {
    clock: () => t,
    advance(ms) {
      t += ms;
    },
    set(ms) {
      t = ms;
    },
  };
}

export interface Harness {
  probot: Probot;
  store: Store;
  env: AppEnv;
  worker: Worker;
  clock: ManualClock;
  apiUrl: string;
  /** The working copy of acme/infra (its origin is what the app fetches). */
  repoDir: string;
  git(...args: string[]): string;
  /** Runs every job that is due now (remediations, sweeps) until none is left; returns how many ran. */
  drain(): Promise<number>;
  /** POSTs a findings document to /api/orgs/:org/findings, signed as a CSPM would. */
  /** A signed POST; `query` is appended as is (`?complete=true&accounts=…`). */
  postFindings(
    document: unknown,
    org?: string,
    query?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Run against this host (GitHub Enterprise Server) instead of github.com. */
  host?: GitHubHost;
  /** The repository's files on top of fixtures/repos/cspm-demo, e.g. a CODEOWNERS or a fixloop.yml. */
  files?: Record<string, string>;
  appOptions?: Partial<FixloopAppOptions>;
  /** The app's logger (silent unless given), e.g. appLogger at debug level to inspect what is logged. */
  log?: import("pino").Logger;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const root = mkdtempSync(join(tmpdir(), "fixloop-app-"));
  const repoDir = join(root, "remote", ORG, REPO);
  mkdirSync(repoDir, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: repoDir,
      encoding: "utf8",
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@example.com",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@example.com",
      },
    });
  git("init", "--quiet", "--initial-branch=main");
  git("config", "uploadpack.allowFilter", "true");
  cpSync(join(FIXTURES, "repos/cspm-demo"), repoDir, { recursive: true });
  for (const [path, text] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(repoDir, path)), { recursive: true });
    writeFileSync(join(repoDir, path), text);
  }
  git("add", "-A");
  git("commit", "--quiet", "-m", "initial");

  const clock = manualClock(Date.parse("2026-11-20T10:00:00.000Z"));
  const { Store } = await import("../../src/store/store.ts");
  const store = await Store.open({ dataDir: join(root, "data") }, { clock: clock.clock });
  const repoSource = new RepoSourceCache({
    cacheDir: join(root, "cache"),
    remoteUrl: (r) => `file://${join(root, "remote", r.owner, r.repo)}`,
  });
  const log = options.log ?? pino({ level: "silent" });
  const host = options.host ?? GITHUB_COM;
  const probot = new Probot({
    appId: 1,
    ...(host === GITHUB_COM ? {} : { baseUrl: host.apiUrl }),
    privateKey,
    log,
    // A function, not an object: Probot passes its own throttle options, which would replace an
    // object default. Production keeps them: writes are paced, rate limits wait and retry.
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { ...(options.throttle as object), enabled: false },
    })),
  });
  const handlers: Array<
    (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => unknown
  > = [];
  let ready: { env: AppEnv; worker: Worker } | undefined;
  await probot.load(
    fixloopApp({
      store,
      host,
      repoSource,
      startWorker: false,
      env: { FIXLOOP_API_SECRET: API_SECRET, FIXLOOP_PUBLIC_URL: "https://fixloop.example.com" },
      onReady: (r) => {
        ready = r;
      },
      ...options.appOptions,
    }),
    { cwd: root, addHandler: (h) => handlers.push(h) },
  );
  if (!ready) throw new Error("fixloop did not finish loading");
  const server: Server = createServer(async (req, res) => {
    for (const h of handlers) if (await h(req, res)) return;
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    probot,
    store,
    env: ready.env,
    worker: ready.worker,
    clock,
    apiUrl,
    repoDir,
    git,
    async drain() {
      let total = 0;
      for (let round = 0; round < 20; round++) {
        const ran = await ready!.worker.runDue();
        if (ran === 0) return total;
        total += ran;
      }
      throw new Error("jobs kept becoming due: a job reschedules itself for now");
    },
    async postFindings(document, org = ORG, query = "") {
      const body = JSON.stringify(document);
      const target = `/api/orgs/${org}/findings${query}`;
      const res = await fetch(`${apiUrl}${target}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...signRequest(API_SECRET, {
            timestamp: uniqueTimestamp(clock.clock()),
            method: "POST",
            target,
            body,
          }),
        },
        body,
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The GitHub requests an installation makes before its first real work: token, repositories, configuration. */
export function mockInstallation(
  gh: MockGitHub,
  options: { orgConfig?: string | null; repoConfig?: string | null } = {},
) {
  gh.get(`/orgs/${ORG}/installation`).reply(200, { id: INSTALLATION_ID, account: { login: ORG } });
  gh.post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
    .times(10)
    .optionally()
    .reply(201, { token: "ghs_installationtoken", expires_at: "2026-11-20T11:00:00Z" });
  mockConfig(gh, ".github", options.orgConfig ?? null);
  return gh;
}

/** `.github/fixloop.yml` of a repository, as Probot's config plugin reads it (raw media type). */
export function mockConfig(gh: MockGitHub, repo: string, yaml: string | null) {
  const path = `/repos/${ORG}/${repo}/contents/.github/fixloop.yml`;
  if (yaml === null) gh.get(path).reply(404, { message: "Not Found" });
  else gh.get(path).reply(200, yaml);
}

export function mockRepositories(gh: MockGitHub, names: readonly string[] = [REPO]) {
  gh.get("/installation/repositories?per_page=100").reply(200, {
    total_count: names.length,
    repositories: names.map((name, i) => ({
      id: 1000 + i,
      name,
      full_name: `${ORG}/${name}`,
      owner: { login: ORG },
      default_branch: "main",
      archived: false,
    })),
  });
}

/**
 * A person's comment on issue or PR `number`, delivered to the app: a replayed issue_comment
 * delivery (@octokit/webhooks-examples, adapted only in ids, body and author).
 */
export function commentBy(
  h: Harness,
  comment: { number: number; login: string; body: string; id: string },
): Promise<void> {
  const payload = withIds(
    webhookExample("issue_comment", (p) => p.action === "created"),
    { owner: ORG, repo: REPO, installationId: INSTALLATION_ID, number: comment.number },
  );
  payload.comment.body = comment.body;
  if (payload.comment.user) {
    payload.comment.user.login = comment.login;
    payload.comment.user.type = "User";
  }
  return h.probot.receive({ id: comment.id, name: "issue_comment", payload });
}

/** GitHub's answer when fixloop asks `login`'s permission on the repository. */
export function mockPermission(gh: MockGitHub, login: string, role: string) {
  gh.get(`/repos/${ORG}/${REPO}/collaborators/${login}/permission`).reply(200, {
    permission: role,
    role_name: role,
  });
}

/**
 * GitHub's answers while the app opens fix PR #17 in a repository that has only the `security`
 * label: fixloop's labels created, the tree, commit, branch and PR, its labels and reviewers.
 */
export function mockFixPullRequest(
  gh: MockGitHub,
  branch = "fixloop/aws-s3-public-access-block/6edc7db308ef",
) {
  gh.get(`/repos/${ORG}/${REPO}/labels?per_page=100`).reply(200, [{ name: "security" }]);
  for (const name of ["fixloop", "risk:high", "security-review-required"])
    gh.post(`/repos/${ORG}/${REPO}/labels`, (b) => b.name === name).reply(201, { name });
  gh.post(`/repos/${ORG}/${REPO}/git/trees`).reply(201, { sha: "tree0000000000000000000000000000000000001" });
  gh.post(`/repos/${ORG}/${REPO}/git/commits`).reply(201, {
    sha: "c0ffee0000000000000000000000000000000001",
  });
  gh.post(`/repos/${ORG}/${REPO}/git/refs`).reply(201, { ref: `refs/heads/${branch}` });
  gh.post(`/repos/${ORG}/${REPO}/pulls`).reply(201, {
    number: 17,
    html_url: `https://github.com/${ORG}/${REPO}/pull/17`,
  });
  gh.patch(`/repos/${ORG}/${REPO}/issues/17`).reply(200, { number: 17 });
  gh.post(`/repos/${ORG}/${REPO}/pulls/17/requested_reviewers`).reply(201, { number: 17 });
}

/** The first record of fixtures/findings/generic/cspm-batch.json: a public bucket holding PII on an
 *  attack path (critical), which the triage gate holds for approval. */
export const GATED = "4f627203c485b023eb9b4282";
/** The tracking issue the app opens for GATED. */
export const GATED_ISSUE = 5;

/**
 * Posts GATED with `securityTeam` configured and lets the app open its tracking issue (#GATED_ISSUE):
 * the finding then awaits approval (thrown otherwise).
 */
export async function gateForApproval(h: Harness, gh: MockGitHub, securityTeam = "acme/security") {
  const batch = JSON.parse(readFileSync(join(FIXTURES, "findings/generic/cspm-batch.json"), "utf8"));
  mockInstallation(gh);
  mockRepositories(gh);
  mockConfig(gh, REPO, `securityTeam: ${securityTeam}\n`);
  gh.post(`/repos/${ORG}/${REPO}/issues`, (b) => b.title.length > 0).reply(201, {
    number: GATED_ISSUE,
    html_url: `https://github.com/${ORG}/${REPO}/issues/${GATED_ISSUE}`,
  });
  await h.postFindings([batch[0]]);
  await h.drain();
  const state = (await getFinding(h.store.db, GATED))?.state;
  if (state !== "awaiting_approval") throw new Error(`${GATED} is ${state}, not awaiting_approval`);
}

let signedSoFar = 0;
/**
 * A timestamp for one signed API request: a signature is accepted once, so two requests with the same
 * method, path and body (a document posted twice) need two timestamps, as a real client's would be.
 */
export function uniqueTimestamp(nowMs: number): number {
  return Math.floor(nowMs / 1000) - (signedSoFar++ % 200);
}
