// Sign-in and access in the distribution's Chromium: the dashboard's handler on a real server,
// signing in against the GitHub OAuth double (./session.ts checks every page for console errors and
// requests to other origins). Share links: ./share-link.browser.test.ts. Screenshots go to
// SCREENSHOT_DIR.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWebHarness, type WebHarness } from "../web/web-harness.ts";
import { chromiumPath } from "./chromium.ts";
import { type BrowserSession, browserSession, chromiumForSuite, screenshot } from "./session.ts";

const executable = chromiumPath();

describe.skipIf(!executable)("signing in in Chromium", () => {
  const browser = chromiumForSuite(executable as string);
  let h: WebHarness;
  let session: BrowserSession;

  beforeEach(async () => {
    h = await startWebHarness();
    session = browserSession(browser(), h);
  });
  afterEach(async () => {
    await session.close();
    await h.close();
    expect(session.problems).toEqual([]);
    expect(h.double.unexpected).toEqual([]);
  });

  it("signs a repository reader in end to end and opens the finding the Verified link names", async () => {
    const home = await session.newPage();
    await home.goto(`${h.base}/`);
    await screenshot(home, "auth-home-signed-out");
    await home.keyboard.press("Tab");
    expect(await home.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");

    const { page } = await session.signIn("mona", `/findings/${h.finding}`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(`Finding ${h.finding}`);
    await expect(page.locator("header").textContent()).resolves.toContain("Signed in as mona");
    await screenshot(page, "auth-finding-signed-in");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${h.base}/`);
    await expect(page.getByRole("link", { name: "Sign in with GitHub" }).first().isVisible()).resolves.toBe(
      true,
    );
  }, 60_000);

  it("answers 404 to a user who cannot read the repository", async () => {
    const { page } = await session.signIn("eve", `/findings/${h.finding}`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Not found");
    await expect(page.locator("main").textContent()).resolves.toContain(
      "There is no such page, or you may not see it.",
    );
    await screenshot(page, "auth-finding-not-found");
  }, 60_000);
});
