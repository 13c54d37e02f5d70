// GET /api/evidence (the period export) and GET /metrics on a real server with a SQLite store.

import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApiHandler } from "../../src/http/routes.ts";
import { signRequest } from "../../src/http/signature.ts";
import type { Store } from "../../src/store/store.ts";
import { DEFAULT_TRIAGE_CONFIG } from "../../src/triage/config.ts";
import { scopedFindingId } from "../../src/triage/dedupe.ts";
import { freshLocation, manualClock, type TestLocation } from "../store/engines.ts";

const SECRET = "report-test-secret-0123456789";
const NOW = Date.parse("2026-11-12T09:00:00.000Z");
const CSPM_BATCH = readFileSync(new URL("../../fixtures/findings/generic/cspm-batch.json", import.meta.url));

describe("report endpoints", () => {
  let location: TestLocation;
  let store: Store;
  let server: Server;
  let base: string;
  const time = manualClock(NOW);
  let signedSoFar = 0;
  /** v2 headers for a GET of `target`, each with its own timestamp (a signature is accepted once). */
  const signed = (target: string, at = Math.floor(NOW / 1000) - (signedSoFar++ % 200)) =>
    signRequest(SECRET, { timestamp: at, method: "GET", target, body: "" });

  beforeEach(async () => {
    location = await freshLocation("sqlite");
    store = await location.open(time.clock);
    const handler = createApiHandler({
      store,
      secrets: [SECRET],
      installationFor: async () => 4242,
      triageConfigFor: async () => ({ ok: true, config: DEFAULT_TRIAGE_CONFIG }),
      log: { info: () => {}, warn: () => {} },
      evidenceUrl: (id) => `https://fixloop.example.com/api/findings/${id}/evidence`,
      metricsToken: "scrape-token",
    });
    server = createServer(async (req, res) => {
      if (!(await handler(req, res))) res.writeHead(418).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const at = Math.floor(NOW / 1000);
    const posted = await fetch(`${base}/api/orgs/acme/findings`, {
      method: "POST",
      headers: signRequest(SECRET, {
        timestamp: at,
        method: "POST",
        target: "/api/orgs/acme/findings",
        body: CSPM_BATCH,
      }),
      body: CSPM_BATCH,
    });
    expect(posted.status).toBe(202);
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    await location.dispose();
  });

  it("exports the period's findings as CSV, one row per finding, as an attachment", async () => {
    const target = "/api/evidence?since=2026-11-01&until=2026-11-30&format=csv";
    const res = await fetch(`${base}${target}`, { headers: signed(target) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(
      'attachment; filename="fixloop-evidence-2026-11-01-2026-11-30.csv"',
    );
    const lines = (await res.text()).trim().split("\r\n");
    expect(lines).toHaveLength(3); // header + the batch's two valid findings
    expect(
      lines
        .slice(1)
        .map((l) => l.split(",")[0])
        .sort(),
    ).toEqual(
      // The batch's two dedupe keys, as acme's findings.
      ["5c7579463ae931d10dec4ec9", "b71bcea8a45d481aa71bc276"]
        .map((key) => scopedFindingId(key, { org: "acme", repository: null }))
        .sort(),
    );
  });

  it("names a bad date, wants since, and is signed like every GET", async () => {
    const bad = await fetch(`${base}/api/evidence?since=2026-02-30`, {
      headers: signed("/api/evidence?since=2026-02-30"),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/2026-02-30/);
    const none = await fetch(`${base}/api/evidence`, { headers: signed("/api/evidence") });
    expect(((await none.json()) as { error: string }).error).toMatch(/^since is required/);
    expect((await fetch(`${base}/api/evidence?since=2026-11-01`)).status).toBe(401);
  });

  it("serves Prometheus metrics to a scraper with the bearer token only", async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect(
      (await fetch(`${base}/metrics`, { headers: { authorization: "Bearer wrong-token!" } })).status,
    ).toBe(401);
    const res = await fetch(`${base}/metrics`, { headers: { authorization: "Bearer scrape-token" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    expect(text).toContain("# TYPE fixloop_findings gauge");
    expect(text).toContain('fixloop_findings{state="awaiting_approval"} 1');
    expect(text).toContain('fixloop_findings{state="fixing"} 1');
  });
});
