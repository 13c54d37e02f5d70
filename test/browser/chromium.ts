// Chromium for the dashboard's browser tests: the distribution's build (Debian's `chromium`
// package, installed by .ci/run), driven by playwright-core, which never downloads a browser.
// Locally, without Chromium, the browser suites skip; in CI (CI=true) a missing Chromium fails.

import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

const CANDIDATES = [process.env.FIXLOOP_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** The Chromium executable, or null when this machine has none. */
export function chromiumPath(): string | null {
  for (const path of CANDIDATES) if (path && existsSync(path)) return path;
  if (process.env.CI === "true")
    throw new Error("CI=true but no Chromium: install Debian's chromium package");
  return null;
}

/**
 * Headless Chromium with the flags this network needs: without the background-networking ones it
 * tries to reach Google's hosts at every start and the closed network refuses them.
 */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Where screenshots go: a folder .gitignore lists, kept as CI artifacts. */
export const SCREENSHOT_DIR = "test-artifacts/screenshots";
