// Sign-in, access and share links in the distribution's Chromium: the dashboard's handler on a real
// server, signing in against the GitHub OAuth double. Every page is checked for console errors
// (a CSP violation is one) and for requests to any origin but the app's (the double's only for
// GitHub's authorization page). Screenshots go to SCREENSHOT_DIR.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startWebHarness, type WebHarness } from "../web/web-harness.ts";
import { chromiumPath, launchChromium, SCREENSHOT_DIR } from "./chromium.ts";

const executable = chromiumPath();
const DAY = 24 * 60 * 60_000;

describe.skipIf(!executable)("signing in and share links in Chromium", () => {
  let browser: Browser;
  let h: WebHarness;
  let problems: string[];
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchChromium(executable as string);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    h = await startWebHarness();
    problems = [];
  });
  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
    await h.close();
    expect(problems).toEqual([]);
    expect(h.double.unexpected).toEqual([]);
  });

  /** A fresh browser profile that reports console errors and requests to other origins. */
  async function newPage(): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    // Chrome logs every answer ≥ 400 as "Failed to load resource", the 404 pages these tests open
    // on purpose too: those are checked as responses instead (any sub-resource failing is a problem).
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource"))
        problems.push(`console: ${m.text()}`);
    });
    page.on("response", (r) => {
      if (r.request().resourceType() !== "document" && r.status() >= 400)
        problems.push(`${r.status()} for ${r.request().resourceType()} ${r.url()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("request", (r) => {
      const url = new URL(r.url());
      if (url.origin === h.base) return;
      if (url.origin === h.double.url && url.pathname === "/login/oauth/authorize") return;
      problems.push(`request to another origin: ${url.origin}${url.pathname}`);
    });
    return page;
  }

  async function signIn(login: string, path: string): Promise<Page> {
    const page = await newPage();
    h.double.signInAs = login;
    const answer = await page.goto(`${h.base}${path}`);
    expect(new URL(page.url()).pathname).toBe(path);
    expect(answer?.status()).toBeDefined();
    return page;
  }

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SCREENSHOT_DIR, `auth-${name}.png`), fullPage: true });

  it("signs a repository reader in end to end and opens the finding the Verified link names", async () => {
    const home = await newPage();
    await home.goto(`${h.base}/`);
    await shot(home, "home-signed-out");
    await home.keyboard.press("Tab");
    expect(await home.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");

    const page = await signIn("mona", `/findings/${h.finding}`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(`Finding ${h.finding}`);
    await expect(page.locator("header").textContent()).resolves.toContain("Signed in as mona");
    await shot(page, "finding-signed-in");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${h.base}/`);
    await expect(page.getByRole("link", { name: "Sign in with GitHub" }).first().isVisible()).resolves.toBe(
      true,
    );
  }, 60_000);

  it("answers 404 to a user who cannot read the repository", async () => {
    const page = await signIn("eve", `/findings/${h.finding}`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Not found");
    await expect(page.locator("main").textContent()).resolves.toContain(
      "There is no such page, or you may not see it.",
    );
    await shot(page, "finding-not-found");
  }, 60_000);

  it("a share link works until it is revoked, another until it expires", async () => {
    const sam = await signIn("sam", "/orgs/acme/share-links");
    const create = async (days: string) => {
      await sam.getByLabel("Finding id").fill(h.finding);
      await sam.getByLabel("Expires after (days, at most 30)").fill(days);
      await sam.getByRole("button", { name: "Create link" }).click();
      await sam.waitForSelector("#created-url");
      return sam.locator("#created-url").inputValue();
    };
    const revocable = await create("30");
    await shot(sam, "share-links-created");

    const auditor = await newPage();
    const opened = await auditor.goto(revocable);
    expect(opened?.status()).toBe(200);
    await expect(auditor.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(
      `Finding ${h.finding}`,
    );
    await expect(auditor.locator("header").textContent()).resolves.toContain("Shared view (read only)");
    await shot(auditor, "share-link-finding");

    await sam.goto(`${h.base}/orgs/acme/share-links`);
    await sam.getByRole("button", { name: /^Revoke link / }).click();
    await sam.waitForURL(`${h.base}/orgs/acme/share-links`);
    await expect(sam.locator("main").textContent()).resolves.toContain("Revoked by sam");
    await shot(sam, "share-links-revoked");
    expect((await auditor.goto(revocable))?.status()).toBe(404);
    await shot(auditor, "share-link-revoked");

    const expiring = await create("1");
    expect((await auditor.goto(expiring))?.status()).toBe(200);
    h.clock.advance(DAY);
    expect((await auditor.goto(expiring))?.status()).toBe(404);
  }, 90_000);
});
