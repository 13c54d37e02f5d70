// `npm start` on a fresh machine: Probot's setup flow, /healthz answering in it, "stop with
// Ctrl-C", and no advice to restart for smee.io when smee.io cannot be reached.

import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { inSetupMode, smeeForSetup } from "../../src/setup-mode.ts";

const ROOT = join(import.meta.dirname, "../..");
const TSX = join(ROOT, "node_modules/tsx/dist/esm/index.mjs");

describe("npm start in setup mode", () => {
  it("serves the setup page and GET /healthz, and says how to stop", async () => {
    const port = 30000 + Math.floor(Math.random() * 20000);
    const child = spawn(process.execPath, ["--import", TSX, join(ROOT, "src/server.ts")], {
      cwd: mkdtempSync(join(tmpdir(), "fixloop-setup-")),
      env: { PATH: process.env.PATH, PORT: String(port), NO_SMEE_SETUP: "true", LOG_FORMAT: "json" },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    try {
      const deadline = Date.now() + 60_000;
      while (!out.includes("stop with Ctrl-C") && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({
        status: "setup",
        message: "register the app at / (APP_ID and PRIVATE_KEY are not set)",
      });
      const home = await fetch(`http://127.0.0.1:${port}/`, { redirect: "manual" });
      expect(home.status).toBe(302);
      const messages = out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).msg as string);
      expect(messages).toContain(
        `fixloop is in setup mode at http://localhost:${port} (GET /healthz answers); stop with Ctrl-C`,
      );
      expect(out).not.toMatch(/smee/i);
    } finally {
      child.kill("SIGTERM");
    }
  }, 90_000);

  it("offline, says once why there is no smee.io channel, and tells Probot not to try", async () => {
    const env: NodeJS.ProcessEnv = {};
    const lines: string[] = [];
    const smee = await smeeForSetup(env, () => Promise.reject(new Error("getaddrinfo ENOTFOUND smee.io")), {
      info: (m: string) => lines.push(m),
    } as never);
    expect(smee).toBeUndefined();
    expect(env.NO_SMEE_SETUP).toBe("true");
    expect(lines).toEqual([
      "smee.io did not answer, so no webhook channel was created. The setup page works without one; to receive webhooks on this machine later, put a https://smee.io channel in WEBHOOK_PROXY_URL.",
    ]);
    expect(lines.join("")).not.toMatch(/restart/);
  });

  it("online, hands Probot the channel it created (Probot writes it to .env)", async () => {
    const smee = await smeeForSetup({}, async () => "https://smee.io/abc123", {
      info: () => undefined,
    } as never);
    expect(await smee?.createChannel()).toBe("https://smee.io/abc123");
  });

  it("is setup mode exactly when Probot's run would be", () => {
    expect(inSetupMode({}, false)).toBe(true);
    expect(inSetupMode({ APP_ID: "1" }, false)).toBe(true);
    expect(inSetupMode({ APP_ID: "1" }, true)).toBe(false);
    expect(inSetupMode({ APP_ID: "1", PRIVATE_KEY_PATH: "k.pem" }, false)).toBe(false);
    expect(inSetupMode({ NODE_ENV: "production" }, false)).toBe(false);
  });
});
