import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath, launchChromium } from "./chromium.ts";

const executable = chromiumPath();

describe.skipIf(!executable)("the distribution's Chromium under playwright-core", () => {
  const server = createServer((_req, res) => {
    res.setHeader("Content-Type", "text/html; charset=utf-8");
    res.end("<!doctype html><title>probe</title><button>ok</button>");
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve)));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("opens a page served on localhost", async () => {
    const browser = await launchChromium(executable as string);
    try {
      const page = await browser.newPage();
      const address = server.address() as { port: number };
      await page.goto(`http://127.0.0.1:${address.port}/`);
      expect(await page.title()).toBe("probe");
      expect(await page.getByRole("button").textContent()).toBe("ok");
    } finally {
      await browser.close();
    }
  }, 60_000);
});
