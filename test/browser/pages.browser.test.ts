// The dashboard pages in the distribution's Chromium, served by the real handler (createWebHandler
// with PAGES and ASSETS, so the production document, headers and CSP) with an injected viewer, from
// a store seeded through ingest and the lifecycle
// (test/web/seed.ts): each page renders with no console error (a CSP violation is one) and no
// request to another origin, Tab reaches every link and control, the charts' numbers are the
// store's, print media hides the navigation and keeps the charts. Screenshots of every page go to
// SCREENSHOT_DIR (kept as CI artifacts). Without Chromium this skips, except in CI.

import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.ts";
import type { Viewer } from "../../src/web/contract.ts";
import { createWebHandler } from "../../src/web/handler.ts";
import { ASSETS, PAGES } from "../../src/web/pages/registry.ts";
import { freshLocation, manualClock, type TestLocation } from "../store/engines.ts";
import { viewerOf } from "../web/render.ts";
import { ORG, type Seeded, seedDashboard } from "../web/seed.ts";
import { chromiumPath, launchChromium, SCREENSHOT_DIR } from "./chromium.ts";

const executable = chromiumPath();
const DAY = 86_400_000;

interface PageServer {
  url: string;
  close(): Promise<void>;
}

/** The dashboard's real handler on a local server, every request seen as `viewer`. */
async function servePages(store: Store, viewer: Viewer): Promise<PageServer> {
  let handler: ReturnType<typeof createWebHandler> | undefined;
  const server = createServer(async (req, res) => {
    if (!(await handler?.(req, res))) res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const log = { info: () => {}, warn: (obj: object, msg?: string) => console.warn(msg, obj) };
  handler = createWebHandler({
    store,
    pages: PAGES,
    assets: ASSETS,
    publicUrl: url,
    viewerFor: async () => viewer,
    log,
  });
  return {
    url,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(!executable)("dashboard pages in Chromium", () => {
  let loc: TestLocation;
  let store: Store;
  let seeded: Seeded;
  let server: PageServer;
  let outsiderServer: PageServer;
  let browser: Browser;

  beforeAll(async () => {
    loc = await freshLocation("sqlite");
    const clock = manualClock();
    store = await loc.open(clock.clock);
    seeded = await seedDashboard(store, clock);
    server = await servePages(store, viewerOf("alice", [ORG]));
    outsiderServer = await servePages(store, viewerOf("mallory", []));
    browser = await launchChromium(executable as string);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await outsiderServer?.close();
    await store?.close();
    await loc?.dispose();
  });

  /** Opens `path` and records console errors, page errors and requests that leave the origin. */
  async function visit(path: string, base = server.url) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const foreign: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("request", (r) => {
      const url = r.url();
      if (!url.startsWith(`${base}/`) && !url.startsWith("data:")) foreign.push(url);
    });
    const response = await page.goto(`${base}${path}`);
    await page.waitForLoadState("load");
    return { page, errors, foreign, status: response?.status() };
  }

  const pages = () => [
    ["home", "/"],
    ["overview", "/orgs/acme"],
    ["trends", "/orgs/acme/trends?from=2026-09-07&to=2026-11-15"],
    ["team", "/orgs/acme/teams/acme/network"],
    ["finding", `/findings/${seeded.resolved[1]}`],
    ["exceptions", "/orgs/acme/exceptions?show=all"],
    ["tuning", "/orgs/acme/tuning?since=2026-09-01&until=2026-11-30"],
    ["auditor-pack", "/orgs/acme/auditor-pack?since=2026-10-01&until=2026-10-31"],
  ];

  it("renders every page with no console error, no foreign request, and keeps a screenshot", async () => {
    for (const [name, path] of pages()) {
      const { page, errors, foreign, status } = await visit(path as string);
      expect({ name, status, errors, foreign }).toEqual({ name, status: 200, errors: [], foreign: [] });
      // The stylesheet applied (not blocked by the CSP): the body font is not the browser default.
      expect(await page.evaluate(() => getComputedStyle(document.body).fontFamily)).toContain("system-ui");
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
      await page.close();
    }
  }, 120_000);

  /** Every focusable element, in document order, and whether Tab reached each one. */
  async function tabThrough(page: Page): Promise<{ total: number; missed: string[] }> {
    const total = await page.evaluate(() => {
      const all = document.querySelectorAll('a[href], button, input:not([type="hidden"]), select, summary');
      all.forEach((el, i) => {
        (el as HTMLElement).dataset.tabProbe = String(i);
      });
      return all.length;
    });
    const seen = new Set<string>();
    // A date field takes one Tab per part (month, day, year): press until all are seen, or enough.
    for (let i = 0; i < total * 4 + 10 && seen.size < total; i++) {
      await page.keyboard.press("Tab");
      const probe = await page.evaluate(
        () => (document.activeElement as HTMLElement | null)?.dataset.tabProbe,
      );
      if (probe !== undefined) seen.add(probe);
    }
    const missed = await page.evaluate(
      (reached) =>
        Array.from(document.querySelectorAll<HTMLElement>("[data-tab-probe]"))
          .filter((el) => !reached.includes(el.dataset.tabProbe as string))
          .map((el) => el.outerHTML.slice(0, 80)),
      [...seen],
    );
    return { total, missed };
  }

  it("reaches every link and control with the keyboard, with a visible focus outline", async () => {
    for (const [name, path] of pages()) {
      const { page } = await visit(path as string);
      const { total, missed } = await tabThrough(page);
      expect({ name, missed }).toEqual({ name, missed: [] });
      expect(total).toBeGreaterThan(0);
      // The focused element draws the stylesheet's outline.
      const outline = await page.evaluate(
        () => getComputedStyle(document.activeElement as Element).outlineStyle,
      );
      expect(outline).toBe("solid");
      await page.close();
    }
  }, 120_000);

  it("draws the trends charts with the store's numbers", async () => {
    const { page } = await visit("/orgs/acme/trends?from=2026-09-07&to=2026-11-15");
    const from = Date.parse("2026-09-07T00:00:00Z");
    const counts = await store.db
      .selectFrom("audit_events as a")
      .innerJoin("findings as f", "f.id", "a.finding_id")
      .select(["a.to_state", "a.at"])
      .where("f.org", "=", ORG)
      .where("a.to_state", "in", ["new", "resolved"])
      .where("a.at", ">=", from)
      .where("a.at", "<", from + 70 * DAY)
      .execute();
    const expected = Array.from({ length: 10 }, (_, i) => {
      const week = counts.filter(
        (e) => Number(e.at) >= from + i * 7 * DAY && Number(e.at) < from + (i + 1) * 7 * DAY,
      );
      return [
        new Date(from + i * 7 * DAY).toISOString().slice(0, 10),
        String(week.filter((e) => e.to_state === "new").length),
        String(week.filter((e) => e.to_state === "resolved").length),
      ];
    });
    const figure = page.locator("#chart-opened-resolved");
    const table = await figure
      .locator("tbody tr")
      .evaluateAll((rows) =>
        rows.map((r) => Array.from(r.querySelectorAll("th, td")).map((c) => c.textContent ?? "")),
      );
    expect(table).toEqual(expected);
    // Each bar's tooltip says the same number as the table.
    const bars = await figure.locator("svg rect > title").allTextContents();
    expect(bars).toEqual(
      expected.flatMap(([week, opened, resolved]) => [
        `Opened, ${week}: ${opened}`,
        `Resolved, ${week}: ${resolved}`,
      ]),
    );
    // An image with an accessible name and description.
    const svg = figure.locator("svg");
    expect(await svg.getAttribute("role")).toBe("img");
    expect(await page.getByRole("img", { name: "Findings opened and resolved per week" }).count()).toBe(1);
    await page.close();
  }, 60_000);

  it("prints without the navigation and with the charts in colour", async () => {
    for (const [name, path] of [pages()[2], pages()[7]] as Array<[string, string]>) {
      const { page } = await visit(path);
      await page.emulateMedia({ media: "print" });
      expect(
        await page.evaluate(() => getComputedStyle(document.querySelector("nav") as Element).display),
      ).toBe("none");
      expect(
        await page.evaluate(() => getComputedStyle(document.querySelector("header") as Element).display),
      ).toBe("none");
      const pdf = await page.pdf({ format: "A4" });
      expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
      await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-print.png`), fullPage: true });
      await page.close();
    }
  }, 60_000);

  it("answers a bad query value with a 400 page that names it", async () => {
    const { page, errors, status } = await visit("/orgs/acme/trends?from=yesterday");
    expect(status).toBe(400);
    expect(await page.getByRole("alert").textContent()).toContain("The query parameter from must be a date");
    // The only console line is Chromium's note of the 400 itself.
    expect(errors).toEqual([
      "Failed to load resource: the server responded with a status of 400 (Bad Request)",
    ]);
    await page.screenshot({ path: join(SCREENSHOT_DIR, "bad-request.png") });
    await page.close();
  }, 60_000);

  it("shows a viewer without access neither the organization nor its findings", async () => {
    for (const path of ["/orgs/acme", `/findings/${seeded.resolved[1]}`, "/orgs/acme/auditor-pack"]) {
      const { page, status } = await visit(path, outsiderServer.url);
      expect({ path, status }).toEqual({ path, status: 404 });
      await page.close();
    }
    const { page } = await visit("/", outsiderServer.url);
    expect(await page.locator("main").textContent()).toContain("You may not see any organization's pages");
    await page.close();
  }, 60_000);
});
