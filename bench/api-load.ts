// Memory of the app under unauthenticated uploads: 150 concurrent 10 MB POSTs to
// /api/orgs/acme/findings that nobody signed, measured in this process (the client writes one shared
// buffer, so what grows is the server's). Run in a fresh process per mode by `npm run bench --only
// api` and by test/http/unauthenticated-load.test.ts:
//
//   node --import tsx bench/api-load.ts <mode> [requests] [megabytes]
//
// modes:
//   buffer-first  the order before issue 11: read the whole body (up to 10 MB), then check the
//                 signature — the baseline
//   unsigned      the API handler; the requests carry no signature headers
//   forged        the API handler; the requests carry well-formed v2 headers with a current timestamp
//                 and a wrong signature (what an attacker sends to get past the header check)
//
// Prints one JSON line: the statuses counted, the peak RSS growth over the idle server, and time.

import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "../src/http/body.ts";
import { SeenSignatures } from "../src/http/replay.ts";
import { sendError } from "../src/http/respond.ts";
import { createApiHandler } from "../src/http/routes.ts";
import { verifyRequest } from "../src/http/signature.ts";
import type { Store } from "../src/store/store.ts";
import { DEFAULT_TRIAGE_CONFIG } from "../src/triage/config.ts";

const SECRET = "api-load-secret-0123456789abcdef";
const MB = 1024 * 1024;

type Mode = "buffer-first" | "unsigned" | "forged";
type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

export interface LoadResult {
  mode: Mode;
  requests: number;
  bodyMb: number;
  statuses: Record<string, number>;
  baseRssMb: number;
  peakGrowthMb: number;
  ms: number;
}

function handlerFor(mode: Mode): Handler {
  if (mode === "buffer-first") {
    const seen = new SeenSignatures();
    return async (req, res) => {
      const read = await readBody(req);
      if (!read.ok) return sendError(res, read.status, read.reason);
      const auth = verifyRequest({
        secret: SECRET,
        headers: req.headers,
        method: req.method ?? "POST",
        target: req.url ?? "/",
        body: read.body,
        now: Date.now(),
        seen,
      });
      if (!auth.ok) return sendError(res, auth.status, auth.reason);
      return sendError(res, 500, "not expected: nothing here is signed");
    };
  }
  return createApiHandler({
    // The unauthenticated paths never reach the store.
    store: {} as Store,
    clock: () => new Date(),
    secrets: [SECRET],
    installationFor: async () => 1,
    triageConfigFor: async () => ({ ok: true, config: DEFAULT_TRIAGE_CONFIG }),
    log: { info: () => {}, warn: () => {} },
    evidenceUrl: (id) => `/api/findings/${id}/evidence`,
  });
}

function headersFor(mode: Mode, bytes: number): Record<string, string> {
  const base = { "content-type": "application/json", "content-length": String(bytes) };
  if (mode === "unsigned") return base;
  return {
    ...base,
    "x-fixloop-timestamp": String(Math.floor(Date.now() / 1000)),
    "x-fixloop-signature": `v2=${"0".repeat(64)}`,
    // buffer-first reads the v1 header the old way: give it one too, so the body is read in full.
    "x-fixloop-signature-256": `sha256=${"0".repeat(64)}`,
  };
}

/**
 * One POST of `body`, in two parts: the headers and the first megabyte now, the rest once `go`
 * resolves — so that every request is in flight at once, as with slow or many clients, instead of
 * one finishing before the next starts on a fast loopback. Resolves with the status, or the error
 * code when the connection was cut.
 */
function post(
  port: number,
  headers: Record<string, string>,
  body: Buffer,
  go: Promise<void>,
): Promise<string> {
  return new Promise((resolve) => {
    let outcome: string | undefined;
    const finish = (o: string) => {
      if (outcome === undefined) resolve(o);
      outcome ??= o;
    };
    const req = request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/api/orgs/acme/findings",
      headers,
      agent: false,
    });
    req.on("response", (res) => {
      // A 503 must say when to come back.
      const retry = res.statusCode === 503 && !res.headers["retry-after"] ? " without Retry-After" : "";
      finish(`${res.statusCode}${retry}`);
      res.resume();
      res.on("end", () => req.destroy());
    });
    req.on("error", (e: NodeJS.ErrnoException) => finish(e.code ?? "error"));
    req.write(body.subarray(0, MB));
    go.then(() => {
      if (outcome === undefined && !req.destroyed) req.end(body.subarray(MB));
    });
  });
}

export async function runLoad(mode: Mode, requests = 150, bodyMb = 10): Promise<LoadResult> {
  const handle = handlerFor(mode);
  let seen = 0;
  const server = createServer((req, res) => {
    seen++;
    Promise.resolve(handle(req, res)).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const body = Buffer.alloc(bodyMb * MB, 0x20); // one buffer, shared by every request
  const headers = headersFor(mode, body.length);
  globalThis.gc?.();
  const baseRss = process.memoryUsage.rss();
  let peak = baseRss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 5);
  const started = performance.now();
  let start!: () => void;
  const go = new Promise<void>((resolve) => {
    start = resolve;
  });
  const pending = Array.from({ length: requests }, () => post(port, headers, body, go));
  // The rest of the bodies go once the server has seen every request's headers (or after 10 s).
  for (let waited = 0; seen < requests && waited < 10_000; waited += 10)
    await new Promise((resolve) => setTimeout(resolve, 10));
  start();
  const outcomes = await Promise.all(pending);
  const ms = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  const statuses: Record<string, number> = {};
  for (const o of outcomes) statuses[o] = (statuses[o] ?? 0) + 1;
  return {
    mode,
    requests,
    bodyMb,
    statuses,
    baseRssMb: Math.round(baseRss / MB),
    peakGrowthMb: Math.round((peak - baseRss) / MB),
    ms: Math.round(ms),
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const [mode, requests, mb] = process.argv.slice(2);
  if (mode !== "buffer-first" && mode !== "unsigned" && mode !== "forged") {
    console.error("usage: api-load.ts buffer-first|unsigned|forged [requests] [megabytes]");
    process.exit(2);
  }
  const result = await runLoad(mode, Number(requests ?? 150), Number(mb ?? 10));
  console.log(JSON.stringify(result));
}
