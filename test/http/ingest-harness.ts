// The HTTP API on a real server over a fresh store, for tests that post findings documents as a
// sender would (signed), for several organizations.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApiHandler } from "../../src/http/routes.ts";
import { signRequest } from "../../src/http/signature.ts";
import type { Engine } from "../../src/store/connect.ts";
import type { Store } from "../../src/store/store.ts";
import { DEFAULT_TRIAGE_CONFIG } from "../../src/triage/config.ts";
import { uniqueTimestamp } from "../app/harness.ts";
import { freshLocation, manualClock } from "../store/engines.ts";

export const SECRET = "ingest-harness-secret-0123456789";
export const INSTALLATIONS: Record<string, number> = { acme: 4242, globex: 5151 };

export interface IngestApi {
  store: Store;
  clock: ReturnType<typeof manualClock>;
  /** Signed POST /api/orgs/:org/findings with an optional query (`?repository=…`). */
  post(org: string, body: Buffer | string, query?: string): Promise<Response>;
  logs: { obj: object; msg: string | undefined }[];
  close(): Promise<void>;
}

export async function startIngestApi(engine: Engine = "sqlite", now = Date.now()): Promise<IngestApi> {
  const clock = manualClock(now);
  const location = await freshLocation(engine);
  const store = await location.open(clock.clock);
  const logs: IngestApi["logs"] = [];
  const handler = createApiHandler({
    store,
    secrets: [SECRET],
    installationFor: async (org) => INSTALLATIONS[org] ?? null,
    triageConfigFor: async () => ({ ok: true, config: DEFAULT_TRIAGE_CONFIG }),
    log: { info: (obj, msg) => logs.push({ obj, msg }), warn: (obj, msg) => logs.push({ obj, msg }) },
    evidenceUrl: (id) => `https://fixloop.example.com/api/findings/${id}/evidence`,
  });
  const server: Server = createServer(async (req, res) => {
    if (!(await handler(req, res))) {
      res.statusCode = 418;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    store,
    clock,
    logs,
    post(org, body, query = "") {
      const target = `/api/orgs/${org}/findings${query}`;
      const timestamp = uniqueTimestamp(clock.clock());
      return fetch(`${base}${target}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...signRequest(SECRET, { timestamp, method: "POST", target, body }),
        },
        body: typeof body === "string" ? body : new Uint8Array(body),
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await store.close().catch(() => {});
      await location.dispose();
    },
  };
}
