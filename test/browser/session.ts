// Browser profiles for the suites that run the dashboard behind the web harness (sign-in against the
// GitHub OAuth double): each page reports console errors (a CSP violation is one), page errors,
// failed sub-resources and requests to any origin but the app's (the double's only for GitHub's
// authorization page) into `problems`, which the suite asserts empty after each test.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page, Response } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import type { WebHarness } from "../web/web-harness.ts";
import { launchChromium, SCREENSHOT_DIR } from "./chromium.ts";

/** One Chromium for the calling suite (launched before its tests, closed after them), and the
 *  screenshot folder; call inside `describe`, read the browser in a hook or a test. */
export function chromiumForSuite(executable: string): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium(executable);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => browser as Browser;
}

export interface BrowserSession {
  /** What went wrong in any page of the session; a suite expects it empty. */
  readonly problems: string[];
  /** A fresh browser profile (no cookie): a person who has not signed in, or an outsider. */
  newPage(): Promise<Page>;
  /**
   * A fresh profile that opens `path` signed out and signs in as `login` on the way (the app sends
   * it to GitHub's authorization page and back); it lands on `path`.
   */
  signIn(login: string, path: string): Promise<{ page: Page; answer: Response | null }>;
  /** Closes every profile it opened. */
  close(): Promise<void>;
}

export function browserSession(browser: Browser, h: WebHarness): BrowserSession {
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    // Chrome logs every answer ≥ 400 as "Failed to load resource", the 404 pages the tests open on
    // purpose too: those are checked as responses instead (any sub-resource failing is a problem).
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
      if (url.protocol === "data:" || url.origin === h.base) return;
      if (url.origin === h.double.url && url.pathname === "/login/oauth/authorize") return;
      problems.push(`request to another origin: ${url.origin}${url.pathname}`);
    });
    return page;
  }
  return {
    problems,
    newPage,
    async signIn(login, path) {
      const page = await newPage();
      h.double.signInAs = login;
      const answer = await page.goto(`${h.base}${path}`);
      const landed = new URL(page.url());
      expect(`${landed.pathname}${landed.search}`).toBe(path);
      return { page, answer };
    },
    async close() {
      for (const c of contexts.splice(0)) await c.close();
    },
  };
}

/** Keeps a full-page screenshot as `<name>.png` in SCREENSHOT_DIR (CI artifacts). */
export function screenshot(page: Page, name: string): Promise<Buffer> {
  return page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
