// A hostile repository costs the app one logged failure of that repository, never a frozen server:
// its Terraform is parsed in a worker thread with a time budget per file, /healthz keeps answering
// meanwhile, and the finding's tracking issue says which file could not be read and why.

import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_FILE_BYTES } from "../../src/hcl/index.ts";
import { getFinding } from "../../src/store/findings.ts";
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

/** The costliest file the loader accepts: just under 4 MB of interpolations (~6 s to parse alone). */
function worstFile(): string {
  const line = `x = "${"${a}".repeat(200)}"\n`;
  return `locals {\n${line.repeat(Math.floor((MAX_FILE_BYTES - 16) / line.length))}}\n`;
}

/**
 * Asks /healthz one request after another until stopped, from a thread of its own: a poller on the
 * main thread would stall with it and never see the stall. Gives every answer's time, in ms.
 */
function pollHealth(apiUrl: string): { stop(): Promise<number[]> } {
  const poller = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads");
    let running = true; const times = [];
    parentPort.on("message", () => { running = false; });
    (async () => {
      while (running) {
        const started = performance.now();
        const res = await fetch(workerData.url);
        await res.text();
        if (res.status !== 200) throw new Error("/healthz answered " + res.status);
        times.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, 5));
      }
      parentPort.postMessage(times);
    })();`,
    { eval: true, workerData: { url: `${apiUrl}/healthz` } },
  );
  return {
    stop() {
      const result = new Promise<number[]>((resolve, reject) => {
        poller.once("message", resolve);
        poller.once("error", reject);
      });
      poller.postMessage("stop");
      return result.finally(() => poller.terminate());
    },
  };
}

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe("a hostile repository", () => {
  it("is parsed off the main thread: /healthz keeps answering within 100 ms, the budget stops it, the issue says why", async () => {
    h = await startHarness({
      files: { "generated/locals.tf": worstFile() },
      appOptions: { indexBudgets: { perFileMs: 1500 } },
    });
    mockInstallation(gh(), { orgConfig: "triageRepository: security-triage\n" });
    mockRepositories(gh());
    gh()
      .post(`/repos/${ORG}/security-triage/issues`)
      .reply(201, { number: 9, html_url: `https://github.com/${ORG}/security-triage/issues/9` });
    await h.postFindings([BATCH[1]]);

    await (await fetch(`${h.apiUrl}/healthz`)).text(); // the first request opens the connection
    const health = pollHealth(h.apiUrl);
    await h.drain();
    const times = (await health.stop()).sort((a, b) => a - b);

    // Parsed on the main thread, this file stalled /healthz for 3-4.5 s. On the shared 2-core test
    // machine (load ~14) the idle event loop alone jitters by up to ~65 ms and an answer now and
    // then is late for it, so the 100 ms bound is on the 95th percentile, with every answer under 1 s.
    expect(times.length).toBeGreaterThan(50);
    expect(times[Math.floor(times.length * 0.95)]).toBeLessThan(100);
    expect(times[times.length - 1]).toBeLessThan(1000);
    expect((await getFinding(h.store.db, "bcac7cb3002f29bfdde66e83"))?.state).toBe("unlocatable");
    const issue = gh().requests.find(
      (r) => r.method === "POST" && r.route === "/repos/{owner}/{repo}/issues",
    );
    expect(((issue?.body ?? {}) as { body?: string }).body).toContain(
      "not searched: acme/infra could not be indexed: generated/locals.tf: parsing took longer than 1.5 s (the time budget per file)",
    );
  }, 60_000);

  it("fails alone: a finding in a healthy repository of the organization still gets its fix", async () => {
    h = await startHarness({ appOptions: { indexBudgets: { perFileMs: 1500 } } });
    // The costliest file allowed (stopped by the budget) and 5,000 nested braces (a stack overflow
    // that failed every remediation of the organization before the nesting limit).
    addRemote(h, "hostile", {
      "main.tf": worstFile(),
      "nested.tf": `a = ${"{x = ".repeat(5000)}1${"}".repeat(5000)}\n`,
    });
    mockInstallation(gh());
    mockRepositories(gh(), ["hostile", REPO]);
    mockConfig(gh(), REPO, null);
    mockConfig(gh(), ".github", null); // the config plugin looks in the org's .github next
    gh()
      .post(`/repos/${ORG}/${REPO}/issues`, (b) => b.title.length > 0)
      .reply(201, { number: 5, html_url: `https://github.com/${ORG}/${REPO}/issues/5` });
    // A public bucket holding PII on an attack path: gated, so the fix goes into an issue for approval.
    await h.postFindings([BATCH[0]]);
    await h.drain();
    const issue = gh().requests.find(
      (r) => r.method === "POST" && r.route === "/repos/{owner}/{repo}/issues",
    );
    expect(((issue?.body ?? {}) as { body?: string }).body).toContain(
      '+resource "aws_s3_bucket_public_access_block" "backups" {',
    );
    expect((await getFinding(h.store.db, "4f627203c485b023eb9b4282"))?.state).toBe("awaiting_approval");
  }, 60_000);
});

/** A second repository of the organization, served like the harness's own (file://). */
function addRemote(h: Harness, name: string, files: Record<string, string>): void {
  const dir = join(h.repoDir, "..", name);
  mkdirSync(dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd: dir });
  git("init", "--quiet", "--initial-branch=main");
  git("config", "uploadpack.allowFilter", "true");
  git("add", "-A");
  git("commit", "--quiet", "-m", "initial");
}
