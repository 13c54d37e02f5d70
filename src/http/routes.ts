// The app's HTTP API: one Probot `addHandler` handler that owns /api/* (except what Probot itself
// answers: its webhook middleware runs before any added handler) and /healthz. Routing, the 404/405
// answers and authentication live here; each endpoint is a function in its own module.
//
// Every /api route authenticates with the signature of src/http/signature.ts over the method, path,
// query and body (a GET has an empty body), accepted once (docs/http-api.md). Before any body byte is
// buffered, the headers and timestamp are checked and a slot among a bounded number of unauthenticated
// body reads is taken: beyond it the answer is 503 with Retry-After, so unsigned or forged uploads
// cannot make the server hold more than `maxPendingBodies` × the body limit in memory. Errors are
// `{"error": reason}` and never carry a secret; log lines carry the method, the route and the
// outcome, never a body or a header.

import type { IncomingMessage, ServerResponse } from "node:http";
import { firstSignatureUse } from "../store/deliveries.ts";
import { ping, type Store } from "../store/store.ts";
import type { TriageConfig } from "../triage/config.ts";
import { DEFAULT_BODY_LIMIT_BYTES, readBody } from "./body.ts";
import { exceptionsEndpoint } from "./exceptions-endpoints.ts";
import { evidenceEndpoint, findingEndpoint, listFindingsEndpoint } from "./findings-endpoints.ts";
import { ingestEndpoint } from "./ingest-endpoint.ts";
import { SeenSignatures } from "./replay.ts";
import { metricsEndpoint, periodEvidenceEndpoint } from "./report-endpoints.ts";
import { sendError, sendJson } from "./respond.ts";
import { DEFAULT_MAX_SKEW_SECONDS, failureReason, precheckRequest, verifyRequest } from "./signature.ts";

/** Unauthenticated body reads in flight at most, by default: 16 × 10 MB bounds what they can hold. */
export const DEFAULT_MAX_PENDING_BODIES = 16;
/** Seconds a client is asked to wait when every body-read slot is taken. */
export const BUSY_RETRY_AFTER_SECONDS = 5;

/** Probot 14's handler shape (`addHandler`): true when this handler answered the request. */
export type Handler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface ApiLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export type TriageConfigResult = { ok: true; config: TriageConfig } | { ok: false; message: string };

export interface ApiDeps {
  store: Store;
  /** FIXLOOP_API_SECRET split on commas: a request signed with any one of them is accepted (rotation). */
  secrets: readonly string[];
  /** The installation of the GitHub App on this organization (or user), null when not installed. */
  installationFor(org: string): Promise<number | null>;
  /** The organization's triage settings, or why they cannot be used. */
  triageConfigFor(org: string, installationId: number): Promise<TriageConfigResult>;
  clock?: () => Date;
  log: ApiLog;
  /** The absolute URL of a finding's evidence, for answers that point at it. */
  evidenceUrl(findingId: string): string;
  /** FIXLOOP_METRICS_TOKEN: when set, /metrics wants it as a bearer token. */
  metricsToken?: string | undefined;
  /** Signatures already accepted (per process); a fresh table when not given. */
  seenSignatures?: SeenSignatures;
  /** Unauthenticated body reads allowed in flight at once; DEFAULT_MAX_PENDING_BODIES when not given. */
  maxPendingBodies?: number;
  /** Largest accepted body; DEFAULT_BODY_LIMIT_BYTES when not given. */
  bodyLimitBytes?: number;
}

/** What an endpoint gets: the request and response, the dependencies, the parsed URL and its clock. */
export interface ApiContext {
  req: IncomingMessage;
  res: ServerResponse;
  deps: ApiDeps;
  url: URL;
  now: () => Date;
  /**
   * Reads the body and checks the request's signature, answering 401/413/503 itself when either
   * fails; the raw body when the request may go on, null otherwise.
   */
  readAuthenticated(): Promise<Buffer | null>;
  /** The same for a GET, whose body must be empty (the signature covers an empty body). */
  authenticateGet(): Promise<boolean>;
}

/** What one API handler shares between its requests. */
interface Shared {
  seen: SeenSignatures;
  slots: { inFlight: number; max: number };
  limitBytes: number;
}

type Endpoint = (ctx: ApiContext, params: string[]) => Promise<void>;

interface Route {
  pattern: RegExp;
  /** A name for logs: the pattern, never the concrete path (it may carry an id or an org). */
  name: string;
  methods: Partial<Record<"GET" | "POST", Endpoint>>;
}

// A GitHub login: letters, digits and single hyphens, at most 39 characters.
const ORG = "([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))";
// Finding ids are hex dedupe keys (a unique prefix is accepted, as in the CLI); anything else is
// matched too so that the endpoint can answer "no such finding" rather than "no such route".
const ID = "([^/]+)";

const ROUTES: readonly Route[] = [
  {
    pattern: new RegExp(`^/api/orgs/${ORG}/findings$`),
    name: "/api/orgs/:org/findings",
    methods: { POST: ingestEndpoint },
  },
  { pattern: /^\/api\/findings$/, name: "/api/findings", methods: { GET: listFindingsEndpoint } },
  { pattern: /^\/api\/evidence$/, name: "/api/evidence", methods: { GET: periodEvidenceEndpoint } },
  { pattern: /^\/api\/exceptions$/, name: "/api/exceptions", methods: { GET: exceptionsEndpoint } },
  {
    pattern: new RegExp(`^/api/findings/${ID}/evidence$`),
    name: "/api/findings/:id/evidence",
    methods: { GET: evidenceEndpoint },
  },
  {
    pattern: new RegExp(`^/api/findings/${ID}$`),
    name: "/api/findings/:id",
    methods: { GET: findingEndpoint },
  },
];

export function createApiHandler(deps: ApiDeps): Handler {
  const now = deps.clock ?? (() => new Date(deps.store.now()));
  const max = deps.maxPendingBodies ?? DEFAULT_MAX_PENDING_BODIES;
  if (!Number.isSafeInteger(max) || max < 1)
    throw new RangeError("maxPendingBodies must be a positive integer");
  const shared: Shared = {
    seen: deps.seenSignatures ?? new SeenSignatures(),
    slots: { inFlight: 0, max },
    limitBytes: deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
  };
  return async (req, res) => {
    const url = new URL(req.url ?? "/", "http://fixloop.invalid");
    if (url.pathname === "/healthz") {
      await healthz(req, res, deps);
      return true;
    }
    if (url.pathname === "/metrics") {
      await metricsEndpoint(req, res, deps.store, deps.metricsToken);
      return true;
    }
    if (url.pathname !== "/api" && !url.pathname.startsWith("/api/")) return false;
    const method = req.method ?? "GET";
    let routeName = "unknown";
    try {
      const match = matchRoute(url.pathname);
      if (!match) {
        sendError(res, 404, `no API route ${method} ${url.pathname}`);
        return true;
      }
      routeName = match.route.name;
      const endpoint = Object.hasOwn(match.route.methods, method)
        ? match.route.methods[method as "GET" | "POST"]
        : undefined;
      if (!endpoint) {
        const allow = Object.keys(match.route.methods).join(", ");
        sendError(res, 405, `${method} is not allowed on ${routeName}; use ${allow}`, { Allow: allow });
        return true;
      }
      if (deps.secrets.length === 0) {
        // Unconfigured is not "open": nothing is served until a secret is set.
        sendError(res, 503, "the API is not configured: FIXLOOP_API_SECRET is not set");
        return true;
      }
      const ctx: ApiContext = {
        req,
        res,
        deps,
        url,
        now,
        readAuthenticated: () => readAuthenticated(ctx, shared, shared.limitBytes),
        authenticateGet: async () => {
          const body = await readAuthenticated(ctx, shared, 0);
          return body !== null;
        },
      };
      await endpoint(ctx, match.params);
    } catch (error) {
      deps.log.warn({ method, route: routeName, error: errorSummary(error) }, "API request failed");
      if (!res.headersSent) sendError(res, 500, "internal error");
      else res.destroy();
    }
    return true;
  };
}

function matchRoute(path: string): { route: Route; params: string[] } | undefined {
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (m) return { route, params: m.slice(1).map(decodeSegment) };
  }
  return undefined;
}

/** A path segment with its %-escapes decoded; a malformed escape is kept as is (and matches nothing). */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * The checks in the order that keeps an unauthenticated request cheap: a declared size over the limit
 * (413, nothing read), the signature headers and timestamp (401, nothing read), a free body-read slot
 * (503 + Retry-After, nothing read), the body up to the limit (413), then the signature itself and
 * whether it was used before (401). The slot is held until the signature has been checked.
 */
async function readAuthenticated(
  ctx: ApiContext,
  shared: Shared,
  limitBytes: number,
): Promise<Buffer | null> {
  const { req, res, deps } = ctx;
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limitBytes) {
    if (limitBytes === 0) sendError(res, 400, "a GET request has no body; sign an empty body");
    else sendError(res, 413, `request body is larger than ${limitBytes} bytes`);
    return null;
  }
  const signed = { headers: req.headers, method: req.method ?? "GET", target: req.url ?? "/" };
  const pre = precheckRequest(signed, ctx.now().getTime(), DEFAULT_MAX_SKEW_SECONDS);
  if (!pre.ok) return refuse(ctx, 401, pre.code, failureReason(pre.code));
  if (shared.slots.inFlight >= shared.slots.max) {
    deps.log.warn({ method: req.method, inFlight: shared.slots.inFlight }, "API busy: body-read slots taken");
    sendError(res, 503, "too many requests are being received; try again shortly", {
      "Retry-After": String(BUSY_RETRY_AFTER_SECONDS),
    });
    return null;
  }
  shared.slots.inFlight++;
  try {
    const read = await readBody(req, { limitBytes });
    if (!read.ok) {
      if (limitBytes === 0) sendError(res, 400, "a GET request has no body; sign an empty body");
      else sendError(res, read.status, read.reason);
      return null;
    }
    const auth = verifyRequest({
      ...signed,
      secret: deps.secrets,
      body: read.body,
      now: ctx.now().getTime(),
      seen: shared.seen,
    });
    if (!auth.ok) return refuse(ctx, auth.status, auth.code, auth.reason);
    // The table above is this process's: the store's record refuses a POST replayed to another replica.
    const signature = `${auth.scheme}:${pre.given.toString("hex")}`;
    if (req.method === "POST" && !(await firstSignatureUse(deps.store.db, signature, ctx.now().getTime())))
      return refuse(ctx, 401, "replayed", failureReason("replayed"));
    if (auth.scheme === "v1") {
      deps.log.warn({ method: req.method }, "API request signed with the deprecated v1 scheme");
      res.setHeader("Deprecation", "true");
    }
    return read.body;
  } finally {
    shared.slots.inFlight--;
  }
}

function refuse(ctx: ApiContext, status: number, code: string, reason: string): null {
  ctx.deps.log.info({ method: ctx.req.method, code }, "API request not authenticated");
  sendError(
    ctx.res,
    status,
    reason,
    status === 503 ? { "Retry-After": String(BUSY_RETRY_AFTER_SECONDS) } : {},
  );
  return null;
}

/** Liveness with the store: a `SELECT 1`. No authentication, nothing about the store in the answer. */
async function healthz(req: IncomingMessage, res: ServerResponse, deps: ApiDeps): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    sendError(res, 405, `${req.method} is not allowed on /healthz; use GET`, { Allow: "GET, HEAD" });
    return;
  }
  try {
    await ping(deps.store.db);
    sendJson(res, 200, { status: "ok" });
  } catch (error) {
    deps.log.warn({ route: "/healthz", error: errorSummary(error) }, "store health check failed");
    sendJson(res, 503, { status: "unavailable" });
  }
}

/**
 * What a log line says about an error: its name, code and the start of its message. Endpoints never
 * put a body, a header or a secret in an error; a driver's message (a connection failure) is kept
 * short because it can name hosts.
 */
function errorSummary(error: unknown): { name: string; code?: string; message: string } {
  if (!(error instanceof Error)) return { name: typeof error, message: "" };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    ...(typeof code === "string" ? { code } : {}),
    message: error.message.slice(0, 200),
  };
}
