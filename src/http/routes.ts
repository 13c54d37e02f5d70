// The app's HTTP API: one Probot `addHandler` handler that owns /api/* (except what Probot itself
// answers: its webhook middleware runs before any added handler) and /healthz. Routing, the 404/405
// answers and authentication live here; each endpoint is a function in its own module.
//
// Every /api route authenticates with the signature of src/http/signature.ts; a GET signs an empty
// body (docs/http-api.md). Errors are `{"error": reason}` and never carry a secret; log lines carry
// the method, the route and the outcome, never a body or a header.

import type { IncomingMessage, ServerResponse } from "node:http";
import { sql } from "kysely";
import type { Store } from "../store/store.ts";
import type { TriageConfig } from "../triage/config.ts";
import { readBody } from "./body.ts";
import { evidenceEndpoint, findingEndpoint, listFindingsEndpoint } from "./findings-endpoints.ts";
import { ingestEndpoint } from "./ingest-endpoint.ts";
import { metricsEndpoint, periodEvidenceEndpoint } from "./report-endpoints.ts";
import { sendError, sendJson } from "./respond.ts";
import { verifyRequest } from "./signature.ts";

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
}

/** What an endpoint gets: the request and response, the dependencies, the parsed URL and its clock. */
export interface ApiContext {
  req: IncomingMessage;
  res: ServerResponse;
  deps: ApiDeps;
  url: URL;
  now: () => Date;
  /** Checks the signature over the raw body and answers 401 when it fails; true when it may go on. */
  authenticate(body: Buffer): boolean;
  /** The same for a GET, whose signed body is empty. */
  authenticateGet(): Promise<boolean>;
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
        authenticate: (body) => authenticate(ctx, body),
        authenticateGet: () => authenticateGet(ctx),
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
 * Checks the request's signature over `body` (the raw bytes of a POST, empty for a GET) and answers
 * 401 when it fails. Returns whether the request may go on.
 */
function authenticate(ctx: ApiContext, body: Buffer): boolean {
  const auth = verifyRequest({
    secret: ctx.deps.secrets,
    headers: ctx.req.headers,
    body,
    now: ctx.now().getTime(),
  });
  if (auth.ok) return true;
  ctx.deps.log.info({ method: ctx.req.method, code: auth.code }, "API request not authenticated");
  sendError(ctx.res, auth.status, auth.reason);
  return false;
}

/**
 * For a GET: its body must be empty (the signature covers an empty body) — reading it also tells a
 * client that sent one that it was not part of the request.
 */
async function authenticateGet(ctx: ApiContext): Promise<boolean> {
  const read = await readBody(ctx.req, { limitBytes: 0 });
  if (!read.ok) {
    sendError(ctx.res, 400, "a GET request has no body; sign an empty body");
    return false;
  }
  return authenticate(ctx, read.body);
}

/** Liveness with the store: a `SELECT 1`. No authentication, nothing about the store in the answer. */
async function healthz(req: IncomingMessage, res: ServerResponse, deps: ApiDeps): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    sendError(res, 405, `${req.method} is not allowed on /healthz; use GET`, { Allow: "GET, HEAD" });
    return;
  }
  try {
    await sql`select 1`.execute(deps.store.db);
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
