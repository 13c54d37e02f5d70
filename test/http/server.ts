// A tiny framework-free handler for POST /api/orgs/:org/findings built from src/http, on a real server.

import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseJsonBody, readBody } from "../../src/http/body.ts";
import { SeenSignatures } from "../../src/http/replay.ts";
import { sendError, sendJson } from "../../src/http/respond.ts";
import { type Secrets, verifyRequest } from "../../src/http/signature.ts";

export interface TestServer {
  url: string;
  /** One record per request the handler finished, in order: its status and whether it read any body. */
  handled: HandledRequest[];
  /** Resolves once `count` requests have been handled. */
  waitForHandled(count: number): Promise<HandledRequest[]>;
  close(): Promise<void>;
}

export interface HandledRequest {
  status: number;
  bodyReadStarted: boolean;
}

export interface TestServerOptions {
  secret: Secrets;
  /** Epoch milliseconds; the real clock unless given. */
  now?: () => number;
  limitBytes?: number;
}

const ROUTE = /^\/api\/orgs\/([A-Za-z0-9-]+)\/findings(?:\?|$)/;

export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const handled: HandledRequest[] = [];
  const seen = new SeenSignatures();
  const bodyReadStarted = new WeakMap<IncomingMessage, boolean>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const org = ROUTE.exec(req.url ?? "")?.[1];
    if (req.method !== "POST" || org === undefined) return sendError(res, 404, "not found");
    const read = await readBody(
      req,
      options.limitBytes === undefined ? {} : { limitBytes: options.limitBytes },
    );
    bodyReadStarted.set(req, req.readableDidRead);
    if (!read.ok) return sendError(res, read.status, read.reason);
    const auth = verifyRequest({
      secret: options.secret,
      headers: req.headers,
      method: req.method ?? "GET",
      target: req.url ?? "/",
      seen,
      body: read.body,
      now: (options.now ?? Date.now)(),
    });
    if (!auth.ok) return sendError(res, auth.status, auth.reason);
    const json = parseJsonBody(read.body);
    if (!json.ok) return sendError(res, json.status, json.reason);
    const records = Array.isArray(json.value) ? json.value.length : 1;
    sendJson(res, 200, {
      org,
      records,
      bytes: read.body.length,
      sha256: createHash("sha256").update(read.body).digest("hex"),
    });
  };
  const server: Server = createServer((req, res) => {
    handle(req, res)
      .then(() => {
        handled.push({ status: res.statusCode, bodyReadStarted: bodyReadStarted.get(req) ?? false });
      })
      .catch((error: unknown) => {
        if (!res.headersSent) sendError(res, 500, "internal error");
        throw error;
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    handled,
    async waitForHandled(count) {
      for (let waited = 0; handled.length < count; waited += 5) {
        if (waited > 5_000) throw new Error(`only ${handled.length} of ${count} requests were handled`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return handled;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
