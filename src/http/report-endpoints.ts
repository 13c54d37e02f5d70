// The period's evidence export for auditors (`GET /api/evidence?since=…`, the same rows as
// `fixloop evidence --since`) and the Prometheus metrics (`GET /metrics`).

import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { InvalidPeriodError, parsePeriod, periodEvidence, renderPeriodEvidence } from "../evidence/period.ts";
import { EVIDENCE_FORMATS, type EvidenceFormat } from "../evidence/render.ts";
import { collectMetrics } from "../metrics/metrics.ts";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from "../metrics/prometheus.ts";
import { exceptionRegister } from "../store/exceptions.ts";
import type { Store } from "../store/store.ts";
import { sendError, sendText } from "./respond.ts";
import type { ApiContext } from "./routes.ts";

const CONTENT_TYPES: Record<EvidenceFormat, string> = {
  json: "application/json; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  md: "text/markdown; charset=utf-8",
};

export async function periodEvidenceEndpoint(ctx: ApiContext): Promise<void> {
  if (!(await ctx.authenticateGet())) return;
  const q = ctx.url.searchParams;
  const since = q.get("since");
  const format = (q.get("format") ?? "json") as EvidenceFormat;
  if (!since)
    return sendError(
      ctx.res,
      400,
      "since is required: GET /api/evidence?since=2026-10-01[&until=…][&format=json|csv|md]",
    );
  if (!EVIDENCE_FORMATS.includes(format))
    return sendError(ctx.res, 400, `format must be one of ${EVIDENCE_FORMATS.join(", ")}`);
  let period: ReturnType<typeof parsePeriod>;
  try {
    period = parsePeriod({ since, until: q.get("until") ?? undefined }, ctx.now().getTime());
  } catch (error) {
    if (error instanceof InvalidPeriodError) return sendError(ctx.res, 400, error.message);
    throw error;
  }
  const rows = await periodEvidence(ctx.deps.store, period);
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const accepted = await exceptionRegister(ctx.deps.store.db, { includeEnded: true });
  sendText(ctx.res, 200, CONTENT_TYPES[format], renderPeriodEvidence(rows, period, format, accepted), {
    ...(format === "csv"
      ? {
          "Content-Disposition": `attachment; filename="fixloop-evidence-${day(period.since)}-${day(period.until - 1)}.csv"`,
        }
      : {}),
  });
}

/**
 * `/metrics` for a Prometheus scraper: with FIXLOOP_METRICS_TOKEN set, only `Authorization: Bearer
 * <token>` is served (Prometheus' `authorization` setting); without it the endpoint is open, as
 * exporters usually are, and should then be reachable only from the monitoring network.
 */
export async function metricsEndpoint(
  req: IncomingMessage,
  res: ServerResponse,
  store: Store,
  token: string | undefined,
): Promise<void> {
  if (req.method !== "GET") return sendError(res, 405, "use GET on /metrics", { Allow: "GET" });
  if (token && !bearerMatches(req.headers.authorization, token))
    return sendError(res, 401, "a valid Authorization: Bearer token is required (FIXLOOP_METRICS_TOKEN)");
  const text = renderPrometheus(await collectMetrics(store, store.now()));
  sendText(res, 200, PROMETHEUS_CONTENT_TYPE, text, {});
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(header ?? "")?.[1]?.trim() ?? "", "utf8");
  const wanted = Buffer.from(token, "utf8");
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
