// Issue 17's "Done when", in the distribution's Chromium: the link the "Verified" comment posts on
// the PR opens, after GitHub sign-in, the finding's page with the proof. The store holds a history
// made through ingest and the lifecycle (test/web/seed.ts: a fix merged, CI and the code re-scan
// passed, resolved); the comment is verification's own words (verifiedComment over
// verificationContext, with AppEnv's evidence URL); the server is the real createWebHandler with
// the real PAGES and stylesheet, signing in against the GitHub OAuth double.

import { join } from "node:path";
import type { Probot } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppEnv } from "../../src/app/probot-env.ts";
import { GITHUB_COM } from "../../src/github/hosts.ts";
import type { RepoSourceCache } from "../../src/github/repo-source.ts";
import { getFinding } from "../../src/store/findings.ts";
import { latestMergedRemediation } from "../../src/store/remediations.ts";
import { verificationsOf } from "../../src/store/verifications.ts";
import { verifiedComment } from "../../src/verify/verification-text.ts";
import { verificationContext } from "../../src/verify/verify-job.ts";
import { PAGES } from "../../src/web/pages/registry.ts";
import { seedDashboard } from "../web/seed.ts";
import { startWebHarness, type WebHarness } from "../web/web-harness.ts";
import { chromiumPath, SCREENSHOT_DIR } from "./chromium.ts";
import { type BrowserSession, browserSession, chromiumForSuite, screenshot } from "./session.ts";

const executable = chromiumPath();

describe.skipIf(!executable)("the Verified comment's link in Chromium", () => {
  const browser = chromiumForSuite(executable as string);
  let h: WebHarness;
  let session: BrowserSession;

  beforeEach(async () => {
    // The second finding the seed fixed: merged, CI and the code re-scan passed, resolved.
    h = await startWebHarness({
      pages: PAGES,
      seed: async (store, clock) => (await seedDashboard(store, clock)).resolved[1] as string,
    });
    session = browserSession(browser(), h);
  }, 120_000);
  afterEach(async () => {
    await session.close();
    await h.close();
    expect(session.problems).toEqual([]);
    expect(h.double.unexpected).toEqual([]);
  });

  /** The "Verified" comment verification would post for h.finding, with the app's evidence URL. */
  async function verifiedCommentOf(): Promise<string> {
    // AppEnv's GitHub side is not asked here: only its evidence URL (FIXLOOP_PUBLIC_URL = h.base).
    const env = new AppEnv({
      app: {} as Probot,
      store: h.store,
      host: GITHUB_COM,
      log: console as never,
      repoSource: {} as RepoSourceCache,
      publicUrl: h.base,
    });
    const finding = await getFinding(h.store.db, h.finding);
    const merged = await latestMergedRemediation(h.store.db, h.finding);
    if (!finding || !merged) throw new Error(`the seed left ${h.finding} without a merged fix`);
    const ctx = verificationContext(env, finding, merged, {
      repository: { owner: "acme", repo: "infra" },
      mode: "code",
    });
    const checked = (await verificationsOf(h.store.db, h.finding)).map((v) => ({
      kind: v.kind,
      result: v.result,
      checkedBy: v.checkedBy,
      observedAt: v.observedAt,
      detail: v.detail,
      links: v.links,
    }));
    return verifiedComment(ctx, null, checked);
  }

  /** The evidence link of the comment: the one link to this app's origin. */
  function evidenceLinkOf(comment: string): string {
    const links = [...comment.matchAll(/\]\((https?:\/\/[^)\s]+)\)/g)].map((m) => m[1] as string);
    const ours = links.filter((l) => l.startsWith(`${h.base}/`));
    expect(ours).toHaveLength(1);
    return ours[0] as string;
  }

  it("opens after sign-in on the finding's page, showing the verification that resolved it", async () => {
    const comment = await verifiedCommentOf();
    expect(comment).toMatch(/^\*\*Verified\.\*\* /);
    const link = evidenceLinkOf(comment);
    expect(link).toBe(`${h.base}/findings/${h.finding}`);

    const page = await session.newPage();
    const seen: string[] = [];
    page.on("request", (r) => {
      if (r.resourceType() === "document") seen.push(new URL(r.url()).pathname);
    });
    h.double.signInAs = "mona";
    const answer = await page.goto(link);
    // Signed out → sign-in → GitHub's authorization page → the callback → back where the link pointed.
    expect(seen).toEqual([
      `/findings/${h.finding}`,
      "/auth/login",
      "/login/oauth/authorize",
      "/auth/callback",
      `/findings/${h.finding}`,
    ]);
    expect(answer?.status()).toBe(200);
    expect(page.url()).toBe(link);
    await expect(page.locator("header").textContent()).resolves.toContain("Signed in as mona");
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toContain(h.finding);

    const summary = page.locator("main dl").first();
    await expect(summary.textContent()).resolves.toMatch(/State\s*resolved/);
    await expect(summary.textContent()).resolves.toMatch(/Verification\s*verified/);
    const verification = page.locator('section[aria-labelledby="verification"]');
    await expect(verification.getByText("Result:").textContent()).resolves.toBe("Result: verified");
    const rows = await verification.locator("tbody tr").allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/ci.*passed.*terraform-plan/i);
    expect(rows[1]).toMatch(/code.*passed.*fixloop/i);
    // The stylesheet applied under the CSP: the body font is the dashboard's.
    const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
    expect(font).toContain("system-ui");
    await screenshot(page, "verified-link-finding");

    // The skip link is out of sight until the keyboard reaches it, then in sight first.
    const skip = page.getByRole("link", { name: "Skip to content" });
    expect(
      ((await skip.boundingBox())?.y ?? 0) + ((await skip.boundingBox())?.height ?? 0),
    ).toBeLessThanOrEqual(0);
    await page.keyboard.press("Tab");
    await expect(skip.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    expect((await skip.boundingBox())?.y).toBeGreaterThanOrEqual(0);
    await page.screenshot({ path: join(SCREENSHOT_DIR, "verified-link-skip-link-focused.png") });
  }, 90_000);

  it("the start page invites a signed-out visitor to sign in, and shows a signed-in one the real home page", async () => {
    const page = await session.newPage();
    const answer = await page.goto(`${h.base}/`);
    expect(answer?.status()).toBe(200);
    expect(page.url()).toBe(`${h.base}/`);
    await expect(page.locator("main").textContent()).resolves.toContain(
      "Sign in with GitHub to see the findings",
    );
    await page.screenshot({ path: join(SCREENSHOT_DIR, "verified-link-home-signed-out.png") });
    h.double.signInAs = "mona";
    await page.locator("main").getByRole("link", { name: "Sign in with GitHub" }).click();
    await page.waitForURL(`${h.base}/`);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Organizations");
    await expect(page.locator("main").textContent()).resolves.toContain(
      "You may not see any organization's pages",
    );
  }, 90_000);

  it("answers 404 to a signed-in user who cannot read the repository it was fixed in", async () => {
    const link = evidenceLinkOf(await verifiedCommentOf());
    const { page, answer } = await session.signIn("eve", new URL(link).pathname);
    expect(answer?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Not found");
    await expect(page.locator("main").textContent()).resolves.not.toContain("Verification");
    await screenshot(page, "verified-link-not-found");
  }, 90_000);
});
