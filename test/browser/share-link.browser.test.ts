import type { Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PAGES } from "../../src/web/pages/registry.ts";
import { type Seeded, seedDashboard } from "../web/seed.ts";
import { startWebHarness, type WebHarness } from "../web/web-harness.ts";
import { chromiumPath } from "./chromium.ts";
import { type BrowserSession, browserSession, chromiumForSuite, screenshot } from "./session.ts";

const executable = chromiumPath();
const DAY = 24 * 60 * 60_000;
const REFUSAL = "There is no such page, or you may not see it.";

describe.skipIf(!executable)("share links in Chromium, on the real pages", () => {
  const browser = chromiumForSuite(executable as string);
  let h: WebHarness;
  let seeded: Seeded;
  let session: BrowserSession;

  beforeEach(async () => {
    h = await startWebHarness({
      pages: PAGES,
      seed: async (store, clock) => {
        seeded = await seedDashboard(store, clock);
        return seeded.resolved[1] as string;
      },
    });
    session = browserSession(browser(), h);
  }, 120_000);
  afterEach(async () => {
    await session.close();
    await h.close();
    expect(session.problems).toEqual([]);
    expect(h.double.unexpected).toEqual([]);
  });

  /** The security team's management page, signed in as sam (a member of acme/appsec). */
  async function managementPage(): Promise<Page> {
    const { page, answer } = await session.signIn("sam", "/orgs/acme/share-links");
    expect(answer?.status()).toBe(200);
    // The forms carry the session's CSRF token.
    expect(await page.locator('form[method="post"] input[name="csrf"]').first().inputValue()).toMatch(
      /.{20,}/,
    );
    return page;
  }

  /** Fills and sends the creation form; the link the page shows once. */
  async function create(
    sam: Page,
    what: { finding: string } | { since: string; until: string },
    days: string,
  ): Promise<string> {
    await sam.goto(`${h.base}/orgs/acme/share-links`);
    if ("finding" in what) {
      await sam.getByLabel("One finding's evidence").check();
      await sam.getByLabel("Finding id").fill(what.finding);
    } else {
      await sam.getByLabel("The auditor pack of a period").check();
      await sam.getByLabel("From", { exact: true }).fill(what.since);
      await sam.getByLabel("to", { exact: true }).fill(what.until);
    }
    await sam.getByLabel("Expires after (days, at most 30)").fill(days);
    const answer = sam.waitForResponse((r) => r.request().method() === "POST");
    await sam.getByRole("button", { name: "Create link" }).click();
    expect((await answer).status()).toBe(201);
    const url = await sam.locator("#created-url").inputValue();
    expect(url).toMatch(new RegExp(`^${h.base}/share/[A-Za-z0-9_-]{43}$`));
    return url;
  }

  /** Revokes the link whose row shows `shares` ("Finding <id>", "Auditor pack …"). */
  async function revoke(sam: Page, shares: string): Promise<void> {
    await sam.goto(`${h.base}/orgs/acme/share-links`);
    const row = sam.locator("tbody tr", { hasText: shares });
    await row.getByRole("button", { name: /^Revoke link / }).click();
    await sam.waitForURL(`${h.base}/orgs/acme/share-links`);
    await expect(row.locator("td").nth(5).textContent()).resolves.toMatch(/^Revoked by sam on /);
  }

  async function expectRefused(page: Page, url: string, name: string): Promise<void> {
    const answer = await page.goto(url);
    expect(answer?.status()).toBe(404);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe("Not found");
    await expect(page.locator("main").textContent()).resolves.toContain(REFUSAL);
    // Nothing of the shared record is left on the refusal page.
    await expect(page.locator("main").textContent()).resolves.not.toContain("Evidence");
    await screenshot(page, name);
  }

  it("a finding's link opens that finding's evidence page and nothing else, until it is revoked", async () => {
    const sam = await managementPage();
    const finding = h.finding;
    const link = await create(sam, { finding }, "30");
    await screenshot(sam, "share-links-created");

    const auditor = await session.newPage();
    const opened = await auditor.goto(link);
    expect(opened?.status()).toBe(200);
    await expect(auditor.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(
      `Evidence for finding ${finding}`,
    );
    await expect(auditor.locator("header").textContent()).resolves.toContain("Shared view (read only)");
    await expect(auditor.locator("header").textContent()).resolves.not.toContain("Sign out");
    // The real evidence record: the verification that resolved it.
    const verification = auditor.locator('section[aria-labelledby="verification"]');
    await expect(verification.getByText("Result:").textContent()).resolves.toBe("Result: verified");
    await screenshot(auditor, "share-link-finding");

    // The link is no session: another finding of the same organization is not shown to its holder.
    // A token with more after it is no token; the finding's own page wants a GitHub sign-in, and an
    // auditor whose GitHub account cannot read the repository is refused.
    const other = seeded.resolved[2] as string;
    await expectRefused(auditor, `${link}/${other}`, "share-link-other-path");
    h.double.signInAs = "eve";
    await expectRefused(auditor, `${h.base}/findings/${other}`, "share-link-other-finding");
    await expect(auditor.locator("header").textContent()).resolves.toContain("Signed in as eve");
    await expectRefused(auditor, `${h.base}/findings/${finding}`, "share-link-same-finding-signed-in");

    await revoke(sam, `Finding ${finding}`);
    await screenshot(sam, "share-links-revoked");
    const stranger = await session.newPage();
    await expectRefused(stranger, link, "share-link-revoked");
    // The trail names who created and revoked it, and each use.
    const trail = await sam.locator('section[aria-labelledby="trail-title"] tbody tr').allTextContents();
    const id = /^[\d-]+ [\d:]+ UTC([0-9a-f]{12})/.exec(trail[0] ?? "")?.[1];
    expect(trail.map((row) => row.replace(/^[\d-]+ [\d:]+ UTC[0-9a-f]{12}/, "")).sort()).toEqual([
      "createdsam",
      "revokedsam",
      `usedshare:${id}`,
    ]);
  }, 120_000);

  it("a period's link opens that period's auditor pack and its export, whatever the query says", async () => {
    const sam = await managementPage();
    const link = await create(sam, { since: "2026-10-01", until: "2026-10-31" }, "14");
    const heading = "acme: evidence from 2026-10-01 to 2026-10-31";
    // What the security team sees for that period, signed in: the rows the link must show.
    await sam.goto(`${h.base}/orgs/acme/auditor-pack?since=2026-10-01&until=2026-10-31`);
    await expect(sam.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(heading);
    const rows = await sam.locator('section[aria-labelledby="findings"] tbody tr').allTextContents();
    expect(rows.length).toBeGreaterThan(0);

    const auditor = await session.newPage();
    for (const url of [link, `${link}?since=2026-01-01&until=2026-12-31`]) {
      expect((await auditor.goto(url))?.status()).toBe(200);
      await expect(auditor.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(heading);
      await expect(auditor.locator("header").textContent()).resolves.toContain("Shared view (read only)");
      expect(await auditor.locator('section[aria-labelledby="findings"] tbody tr').allTextContents()).toEqual(
        rows,
      );
    }
    await screenshot(auditor, "share-link-auditor-pack");

    // Every link of the shared pack to fixloop stays on the share link: no organization page,
    // finding page or other period the holder could not open.
    const token = new URL(link).pathname;
    const hrefs = await auditor.locator("a[href]").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    const ours = hrefs.filter((href) => href?.startsWith("/")); // GitHub's links (the PRs) are evidence
    expect(ours.length).toBeGreaterThan(0);
    for (const href of ours) expect(href?.startsWith(`${token}?`), String(href)).toBe(true);
    expect(await auditor.locator("form").count()).toBe(0);

    // The export of the link's period, downloaded as a browser does: by its link on the page.
    const download = auditor.waitForEvent("download");
    await auditor.getByRole("link", { name: "CSV" }).click();
    const csv = await download;
    expect(csv.suggestedFilename()).toBe("fixloop-acme-2026-10-01-2026-10-31.csv");
    const text = await (await csv.createReadStream()).toArray();
    const lines = Buffer.concat(text).toString("utf8").trimEnd().split(/\r?\n/);
    expect(lines[0]).toMatch(/^finding_id,/);
    expect(lines.length).toBe(rows.length + 1);

    // Expiry: 14 days after creation the link answers the refusal page, like a revoked one.
    h.clock.advance(14 * DAY - 60_000);
    expect((await auditor.goto(link))?.status()).toBe(200);
    h.clock.advance(60_000);
    await expectRefused(auditor, link, "share-link-expired");
    await sam.goto(`${h.base}/orgs/acme/share-links`);
    await expect(
      sam
        .locator("tbody tr", { hasText: "Auditor pack 2026-10-01 to 2026-10-31" })
        .locator("td")
        .nth(5)
        .textContent(),
    ).resolves.toBe("Expired");
  }, 120_000);
});
