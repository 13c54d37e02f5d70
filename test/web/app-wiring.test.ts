// The dashboard as the app wires it (src/app.ts → src/web/wiring.ts), behind Probot's /api handler.

import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { API_SECRET, type Harness, startHarness } from "../app/harness.ts";

let h: Harness | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const get = (path: string) => fetch(`${h!.apiUrl}${path}`, { redirect: "manual" });

it("without GITHUB_CLIENT_ID: pages want a sign-in, which says it is not configured; /api is untouched", async () => {
  h = await startHarness();
  const page = await get("/orgs/acme/share-links");
  expect(page.status).toBe(302);
  expect(page.headers.get("location")).toBe("/auth/login?returnTo=%2Forgs%2Facme%2Fshare-links");
  const login = await get("/auth/login");
  expect(login.status).toBe(503);
  expect(await login.text()).toContain("The operator has not set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET.");
  expect((await get("/api/findings")).status).toBe(401);
});

it("with the app's client id and secret: GitHub sign-in, a session secret generated into the data directory", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "fixloop-wiring-"));
  dirs.push(dataDir);
  h = await startHarness({
    appOptions: {
      env: {
        FIXLOOP_API_SECRET: API_SECRET,
        FIXLOOP_PUBLIC_URL: "https://fixloop.example.com",
        FIXLOOP_DATA_DIR: dataDir,
        GITHUB_CLIENT_ID: "Iv1.0123456789abcdef",
        GITHUB_CLIENT_SECRET: "client-secret",
      },
    },
  });
  expect(statSync(join(dataDir, "session-secret")).mode & 0o777).toBe(0o600);
  const login = await get("/auth/login?returnTo=/findings/abc");
  expect(login.status).toBe(302);
  const to = new URL(login.headers.get("location") as string);
  expect(`${to.origin}${to.pathname}`).toBe("https://github.com/login/oauth/authorize");
  expect(to.searchParams.get("redirect_uri")).toBe("https://fixloop.example.com/auth/callback");
  expect(login.headers.getSetCookie()[0]).toMatch(/^__Host-fixloop_signin=.*; Secure$/);
  expect(existsSync(join(dataDir, "session-secret"))).toBe(true);
});
