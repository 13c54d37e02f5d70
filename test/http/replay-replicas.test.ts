// A signed POST is accepted once across replicas, not once per replica: two API handlers (two
// replicas, each with its own in-memory signature table) on one store. Before, a captured request
// replayed to the replica that had not seen it was ingested again — a document saying a resolved
// finding fails would reopen it. Now the store remembers the signature; GETs stay per process.

import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createApiHandler } from "../../src/http/routes.ts";
import { signRequest } from "../../src/http/signature.ts";
import { listJobs } from "../../src/store/jobs.ts";
import type { Store } from "../../src/store/store.ts";
import { DEFAULT_TRIAGE_CONFIG } from "../../src/triage/config.ts";
import { describeEachEngine, freshLocation, manualClock, type TestLocation } from "../store/engines.ts";

const SECRET = "replay-test-secret-0123456789abcdef";
const DOCUMENT = readFileSync(new URL("../../fixtures/findings/generic/cspm-batch.json", import.meta.url));
const TARGET = "/api/orgs/acme/findings";

describeEachEngine("a signed POST replayed to another replica", (engine) => {
  let where: TestLocation;
  let store: Store;
  let servers: Server[];
  let urls: string[];
  const time = manualClock(Date.parse("2026-11-12T09:00:00.000Z"));
  const logs: string[] = [];

  beforeEach(async () => {
    logs.length = 0;
    where = await freshLocation(engine);
    store = await where.open(time.clock);
    servers = [];
    urls = [];
    for (let i = 0; i < 2; i++) {
      const handler = createApiHandler({
        store,
        secrets: [SECRET],
        installationFor: async () => 4242,
        triageConfigFor: async () => ({ ok: true, config: DEFAULT_TRIAGE_CONFIG }),
        clock: () => new Date(time.clock()),
        log: { info: (obj) => logs.push(JSON.stringify(obj)), warn: (obj) => logs.push(JSON.stringify(obj)) },
        evidenceUrl: (id) => `https://fixloop.example.com/api/findings/${id}/evidence`,
      });
      const server = createServer(async (req, res) => {
        if (!(await handler(req, res))) res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      servers.push(server);
      urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
  });
  afterEach(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    await store.close();
    await where.dispose();
  });

  const headers = (timestamp: number) => ({
    "content-type": "application/json",
    ...signRequest(SECRET, { timestamp, method: "POST", target: TARGET, body: DOCUMENT }),
  });
  const post = (url: string, h: Record<string, string>) =>
    fetch(`${url}${TARGET}`, { method: "POST", headers: h, body: new Uint8Array(DOCUMENT) });

  it("is refused by the replica that had not seen it, and the document is stored once", async () => {
    const captured = headers(Math.floor(time.clock() / 1000));
    expect((await post(urls[0] as string, captured)).status).toBe(202);
    const jobs = (await listJobs(store.db, { kind: "remediate" })).length;
    time.advance(1_000);
    const replay = await post(urls[1] as string, captured);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual({
      error:
        "this signature was already used: a signed request is accepted once; sign it again with a new timestamp",
    });
    expect(logs).toContain(JSON.stringify({ method: "POST", code: "replayed" }));
    expect(await listJobs(store.db, { kind: "remediate" })).toHaveLength(jobs);
    // Signed again (a new timestamp), the same document is accepted by either replica.
    expect((await post(urls[1] as string, headers(Math.floor(time.clock() / 1000)))).status).toBe(202);
  });

  it("forgets signatures once their timestamps are long out of the window", async () => {
    const first = headers(Math.floor(time.clock() / 1000));
    expect((await post(urls[0] as string, first)).status).toBe(202);
    const remembered = async () =>
      (await store.db.selectFrom("deliveries").select("id").where("event", "=", "api-signature").execute())
        .length;
    expect(await remembered()).toBe(1);
    time.advance(20 * 60_000);
    expect((await post(urls[1] as string, headers(Math.floor(time.clock() / 1000)))).status).toBe(202);
    expect(await remembered()).toBe(1);
  });
});
