#!/usr/bin/env node
// CI's check of the container image, without a container engine (none runs on the CI machines):
// runs scripts/image.sh — the script the Dockerfile runs — in a clean directory holding only the
// repository's files, starts the app from the result with the image's environment, and checks
// GET /healthz, the HEALTHCHECK command, a signed POST of findings (202) and a clean SIGTERM.
// GitHub is a stub on localhost (GHE_HOST) answering the one call the POST makes.
//   node scripts/image-check.mjs        (from .ci/run; about 3 minutes, mostly npm ci)

import { execFileSync, spawn } from "node:child_process";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const repo = join(import.meta.dirname, "..");
const work = mkdtempSync(join(tmpdir(), "fixloop-image-"));
const step = (s) => console.log(`image-check: ${s}`);

// 1. A clean directory: the repository's files (tracked and new, not ignored), nothing built.
const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: repo, encoding: "utf8" })
  .split("\0")
  .filter((f) => f && !f.startsWith("node_modules"));
for (const f of files) {
  mkdirSync(join(work, "src", dirname(f)), { recursive: true });
  cpSync(join(repo, f), join(work, "src", f));
}
step(`${files.length} files copied to ${join(work, "src")}; running scripts/image.sh build`);
execFileSync("bash", ["scripts/image.sh", "build", join(work, "src"), join(work, "app")], {
  cwd: join(work, "src"),
  stdio: "inherit",
});
cpSync(join(repo, "scripts/image.sh"), join(work, "app/scripts/image.sh"));

// 2. GitHub stub: the org's installation, nothing else.
const github = createServer((req, res) => {
  const found = req.url === "/api/v3/orgs/acme/installation";
  res.writeHead(found ? 200 : 404, { "content-type": "application/json" });
  res.end(JSON.stringify(found ? { id: 4242, account: { login: "acme" } } : { message: "Not Found" }));
});
await new Promise((r) => github.listen(0, "127.0.0.1", r));

// 3. The app, as the image starts it (ENV of the Dockerfile, a data volume, not the source tree).
const port = 30000 + Math.floor(Math.random() * 20000);
const secret = "image-check-secret";
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const env = {
  PATH: process.env.PATH,
  NODE_ENV: "production",
  PORT: String(port),
  FIXLOOP_DATA_DIR: join(work, "data"),
  APP_ID: "123",
  PRIVATE_KEY: privateKey.export({ type: "pkcs1", format: "pem" }),
  WEBHOOK_SECRET: "webhook-secret",
  FIXLOOP_API_SECRET: secret,
  GHE_HOST: `127.0.0.1:${github.address().port}`,
  GHE_PROTOCOL: "http",
  LOG_LEVEL: "warn",
};
const app = spawn("scripts/image.sh", ["start"], { cwd: join(work, "app"), env, stdio: ["ignore", "inherit", "inherit"] });
const exited = new Promise((r) => app.on("exit", (code, signal) => r({ code, signal })));
const base = `http://127.0.0.1:${port}`;
const deadline = Date.now() + 60_000;
let health;
while (Date.now() < deadline) {
  health = await fetch(`${base}/healthz`).catch(() => undefined);
  if (health?.ok) break;
  await new Promise((r) => setTimeout(r, 250));
}
const fail = (why) => {
  console.error(`image-check: FAILED: ${why}`);
  app.kill("SIGKILL");
  process.exit(1);
};
if (!health?.ok) fail(`GET /healthz did not answer 200 within 60 s (${health?.status})`);
step(`GET /healthz → ${health.status} ${await health.text()}`);
execFileSync("bash", ["scripts/image.sh", "healthcheck"], { cwd: join(work, "app"), env, stdio: "inherit" });
step("HEALTHCHECK command → exit 0");

// 4. A signed POST of a real findings document.
const body = readFileSync(join(repo, "fixtures/findings/asff/afsbp-s3.8.json"));
const timestamp = String(Math.floor(Date.now() / 1000));
const signature = createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex");
const post = await fetch(`${base}/api/orgs/acme/findings`, {
  method: "POST",
  headers: { "content-type": "application/json", "x-fixloop-timestamp": timestamp, "x-fixloop-signature-256": `sha256=${signature}` },
  body,
});
const answer = await post.text();
if (post.status !== 202) fail(`signed POST → ${post.status} ${answer}`);
step(`signed POST /api/orgs/acme/findings → 202 ${answer}`);
const unsigned = await fetch(`${base}/api/orgs/acme/findings`, { method: "POST", body, headers: { "content-type": "application/json" } });
if (unsigned.status !== 401) fail(`unsigned POST → ${unsigned.status}, expected 401`);
step("unsigned POST → 401");

// 5. SIGTERM: the worker drains, the store closes, the process ends of that signal.
app.kill("SIGTERM");
const stopped = await Promise.race([exited, new Promise((r) => setTimeout(() => r(undefined), 30_000))]);
if (!stopped) fail("did not stop within 30 s of SIGTERM");
if (stopped.signal !== "SIGTERM" && stopped.code !== 0) fail(`stopped with ${JSON.stringify(stopped)}`);
step(`SIGTERM → stopped (${stopped.signal ?? `exit ${stopped.code}`})`);
github.close();
rmSync(work, { recursive: true, force: true }); // kept on failure, for a look
step("passed");
