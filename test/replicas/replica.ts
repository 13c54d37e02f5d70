// One app replica in a process of its own, started as src/server.ts starts the app (Probot loads
// fixloopApp, the worker runs, the API is served over HTTP), pointed at the test's GitHub double
// (test/replicas/github-double.ts) and at a git repository served over file://, with its own
// repository cache. The database comes from DATABASE_URL, as in production.
//
// Argument: JSON {databaseUrl, apiUrl, remoteRoot, cacheDir, apiSecret, leaseMs, runLog, name}.
// Prints "listening <port>" once the API answers. Every job run's start and end is appended to
// `runLog` as a JSON line {name, phase, id, kind, attempts, at} (appendFileSync: a SIGKILL loses
// nothing written before it).
//
// GitHub's rate-limit pacing (Probot's throttling: one write per second) is off, as in the app
// tests' harness: the double has no rate limit, and the test measures fixloop, not the pacing.

import { generateKeyPairSync } from "node:crypto";
import { appendFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import pino from "pino";
import { Probot, ProbotOctokit } from "probot";
import { fixloopApp } from "../../src/app.ts";
import { RepoSourceCache } from "../../src/github/repo-source.ts";

interface ReplicaArgs {
  databaseUrl: string;
  apiUrl: string;
  remoteRoot: string;
  cacheDir: string;
  apiSecret: string;
  leaseMs: number;
  runLog: string;
  name: string;
}

const args = JSON.parse(process.argv[2] as string) as ReplicaArgs;
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const log = pino(
  { level: process.env.REPLICA_LOG_LEVEL ?? "warn", base: { replica: args.name } },
  pino.destination(2),
);
const probot = new Probot({
  appId: 1,
  baseUrl: args.apiUrl,
  privateKey,
  log,
  Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
    ...options,
    retry: { enabled: false },
    throttle: { ...(options.throttle as object), enabled: false },
  })),
});
const handlers: Array<(req: IncomingMessage, res: ServerResponse) => unknown> = [];
await probot.load(
  fixloopApp({
    env: {
      DATABASE_URL: args.databaseUrl,
      FIXLOOP_API_SECRET: args.apiSecret,
      FIXLOOP_PUBLIC_URL: "https://fixloop.example.com",
    },
    host: { apiUrl: args.apiUrl, webUrl: "https://github.com" },
    repoSource: new RepoSourceCache({
      cacheDir: args.cacheDir,
      remoteUrl: (r) => `file://${join(args.remoteRoot, r.owner, r.repo)}`,
    }),
    worker: {
      leaseMs: args.leaseMs,
      pollMs: 50,
      onRun: (phase, job) =>
        appendFileSync(
          args.runLog,
          `${JSON.stringify({ name: args.name, phase, id: job.id, kind: job.kind, attempts: job.attempts, at: Date.now() })}\n`,
        ),
    },
  }),
  { cwd: args.cacheDir, addHandler: (h) => handlers.push(h) },
);
const server = createServer(async (req, res) => {
  for (const h of handlers) if (await h(req, res)) return;
  res.writeHead(404).end();
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
// An orphan (the test or benchmark that started it died) stops instead of running on.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, "SIGTERM");
}, 1_000).unref();
