// GET /api/findings (a filtered, paged list), GET /api/findings/:id (one finding with its sources and
// audit trail) and GET /api/findings/:id/evidence (the evidence record as JSON, CSV, Markdown or an
// HTML page). Read-only. Finding text is untrusted: JSON carries it as data, the HTML page escapes
// every value and is served with a Content-Security-Policy that allows nothing to load or run.

import { buildEvidenceRecord } from "../evidence/record.ts";
import {
  EVIDENCE_RECORD_FORMATS,
  EVIDENCE_RENDERERS,
  type EvidenceRecordFormat,
  isEvidenceRecordFormat,
  renderEvidence,
} from "../evidence/render.ts";
import { type FindingState, STATES } from "../lifecycle/machine.ts";
import { auditTrail } from "../store/audit.ts";
import {
  FindingNotFoundError,
  findingFromRow,
  findingRow,
  findingRowsPage,
  findingSources,
  resolveFindingId,
} from "../store/findings.ts";
import type { FindingRow } from "../store/schema.ts";
import { type JsonValue, sendError, sendJson, sendText } from "./respond.ts";
import type { ApiContext } from "./routes.ts";

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
const LIST_PARAMETERS = new Set(["state", "org", "breached", "limit", "cursor"]);

/** Highest risk first, then the oldest detection, then the id: the CLI's order, and a total one. */
type Cursor = [riskScore: number, firstSeen: number, id: string];

export async function listFindingsEndpoint(ctx: ApiContext): Promise<void> {
  if (!(await ctx.authenticateGet())) return;
  const query = listQuery(ctx.url.searchParams);
  if (typeof query === "string") return sendError(ctx.res, 400, query);
  // One row more than asked says whether there is a next page without counting.
  const rows = await findingRowsPage(ctx.deps.store.db, {
    state: query.state,
    org: query.org,
    after: query.after,
    limit: query.limit + 1,
    breachedAt: query.breached ? ctx.deps.store.now() : undefined,
  });
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  sendJson(ctx.res, 200, {
    findings: jsonOf(page.map((r) => findingJson(ctx, r))),
    nextCursor:
      rows.length > query.limit && last ? encodeCursor([last.risk_score, last.first_seen, last.id]) : null,
  });
}

export async function findingEndpoint(ctx: ApiContext, [query]: string[]): Promise<void> {
  if (!(await ctx.authenticateGet())) return;
  const id = await resolveOrAnswer(ctx, query ?? "");
  if (id === undefined) return;
  const db = ctx.deps.store.db;
  const row = await findingRow(db, id);
  if (!row) throw new FindingNotFoundError(id);
  const [sources, events] = await Promise.all([findingSources(db, id), auditTrail(db, id)]);
  sendJson(ctx.res, 200, {
    finding: jsonOf(findingJson(ctx, row)),
    // The source records as received stay in the store (they can be large); the evidence omits them too.
    sources: sources.map(({ raw: _raw, ...s }) => s),
    audit: jsonOf(events),
  });
}

export async function evidenceEndpoint(ctx: ApiContext, [query]: string[]): Promise<void> {
  if (!(await ctx.authenticateGet())) return;
  const format = evidenceFormat(ctx);
  if (format === undefined)
    return sendError(ctx.res, 400, `format must be one of: ${EVIDENCE_RECORD_FORMATS.join(", ")}`);
  const id = await resolveOrAnswer(ctx, query ?? "");
  if (id === undefined) return;
  const record = await buildEvidenceRecord(ctx.deps.store.db, id);
  const body = renderEvidence(record, format);
  const headers: Record<string, string> = { Vary: "Accept" };
  if (format === "csv") headers["Content-Disposition"] = `attachment; filename="fixloop-evidence-${id}.csv"`;
  sendText(ctx.res, 200, EVIDENCE_RENDERERS[format].contentType, body, headers);
}

/** `?format=` wins; otherwise a browser (Accept: text/html) gets the page, anything else JSON. */
function evidenceFormat(ctx: ApiContext): EvidenceRecordFormat | undefined {
  const asked = ctx.url.searchParams.get("format");
  if (asked !== null) return isEvidenceRecordFormat(asked) ? asked : undefined;
  return /\btext\/html\b/i.test(ctx.req.headers.accept ?? "") ? "html" : "json";
}

/** The full id of an id or unique prefix; answers 404 (none) or 400 (ambiguous) and gives undefined. */
async function resolveOrAnswer(ctx: ApiContext, query: string): Promise<string | undefined> {
  try {
    return await resolveFindingId(ctx.deps.store.db, query);
  } catch (error) {
    if (!(error instanceof FindingNotFoundError)) throw error;
    if (error.candidates.length > 1) sendError(ctx.res, 400, error.message);
    else sendError(ctx.res, 404, /^[0-9a-f]{1,64}$/i.test(query) ? error.message : "no finding with that id");
    return undefined;
  }
}

interface ListQuery {
  state?: FindingState;
  org?: string;
  /** Only open findings past their SLA due date. */
  breached?: true;
  limit: number;
  after?: Cursor;
}

/** The list's query parameters, or the reason they are refused. */
function listQuery(params: URLSearchParams): ListQuery | string {
  for (const name of params.keys())
    if (!LIST_PARAMETERS.has(name))
      return `unknown query parameter "${name.slice(0, 40)}"; expected: ${[...LIST_PARAMETERS].join(", ")}`;
  const out: ListQuery = { limit: DEFAULT_PAGE_SIZE };
  const state = params.get("state");
  if (state !== null) {
    if (!(STATES as readonly string[]).includes(state)) return `state must be one of: ${STATES.join(", ")}`;
    out.state = state as FindingState;
  }
  const org = params.get("org");
  if (org !== null) out.org = org;
  const breached = params.get("breached");
  if (breached !== null) {
    if (breached !== "true") return "breached must be true (or left out for findings whatever their SLA)";
    out.breached = true;
  }
  const limit = params.get("limit");
  if (limit !== null) {
    if (!/^[0-9]{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_PAGE_SIZE)
      return `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}`;
    out.limit = Number(limit);
  }
  const cursor = params.get("cursor");
  if (cursor !== null) {
    const after = decodeCursor(cursor);
    if (!after) return "cursor is not one this API returned (pass nextCursor as it is)";
    out.after = after;
  }
  return out;
}

/** Opaque to clients (base64url JSON) so that the order it encodes can change without breaking them. */
function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), "utf8").toString("base64url");
}

function decodeCursor(text: string): Cursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      value.length === 3 &&
      Number.isFinite(value[0]) &&
      Number.isSafeInteger(value[1]) &&
      typeof value[2] === "string"
    )
      return value as Cursor;
  } catch {
    // Not base64url JSON: the same answer as any other foreign cursor.
  }
  return undefined;
}

/**
 * Store values as JSON. They are JSON already (read back from JSON text, or strings and numbers), but
 * TypeScript gives interfaces such as Risk no index signature, so it cannot see that.
 */
function jsonOf(value: object): JsonValue {
  return value as JsonValue;
}

function findingJson(ctx: ApiContext, row: FindingRow) {
  return {
    ...findingFromRow(row),
    org: row.org,
    installationId: row.installation_id,
    evidenceUrl: ctx.deps.evidenceUrl(row.id),
  };
}
