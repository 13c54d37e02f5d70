// POST /api/orgs/:org/findings: a findings document in any format `fixloop ingest` reads, for one
// organization the GitHub App is installed on. The same pipeline as `fixloop ingest --store`:
// parse (auto-detected or `?format=`), triage each record with the organization's settings, then
// persist in one transaction — committed before the 202, so an accepted finding is never lost.
//
// `?complete=true&accounts=…[&rules=…][&tool=…]` declares the document one tool's complete scan of
// those accounts: a finding being verified that it covers and does not report has passed the
// runtime re-scan (../ingest/complete-scan.ts). The 202 lists those findings as `absent`.
//
// `?repository=name` (or `org/name`) names the repository a repository scan (SARIF, Checkov, Trivy,
// tfsec, KICS) was run on: the same check on the same file is then a separate finding in each
// repository. Without it, a repository scan's findings share one identity per organization.
//
// Order of the checks, each answering before the next runs: declared size (413), signature headers
// and timestamp (401), a free body-read slot (503), size (413), signature and replay (401), JSON (400),
// `?format=` (400), `?repository=` (400), installation (404), configuration (409), a known document
// format (400), at least
// one valid record (400), the complete-scan parameters (400).

import type { Rejection } from "../findings/model.ts";
import { PARSERS, parseFindings, UnknownFormatError } from "../findings/registry.ts";
import { completeScanFrom } from "../ingest/complete-scan.ts";
import { findingNotes } from "../ingest/notes.ts";
import { persistDocument } from "../ingest/persist.ts";
import { triageFinding } from "../ingest/triage-finding.ts";
import { resolveRuleId } from "../rules/registry.ts";
import { parseJsonBody } from "./body.ts";
import { sendError, sendJson } from "./respond.ts";
import type { ApiContext } from "./routes.ts";

const FORMATS: readonly string[] = ["auto", ...PARSERS.map((p) => p.id)];
const parseContext = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
/** A reason from the organization's configuration is its own text: bounded, on one line. */
const MAX_CONFIG_MESSAGE = 500;

export async function ingestEndpoint(ctx: ApiContext, [org]: string[]): Promise<void> {
  const { res, deps } = ctx;
  if (org === undefined) throw new Error("the findings route has no organization");
  const body = await ctx.readAuthenticated();
  if (body === null) return;
  const json = parseJsonBody(body);
  if (!json.ok) return sendError(res, json.status, json.reason);

  // Checked after the signature: an unsigned request learns nothing, not even which formats exist.
  const format = ctx.url.searchParams.get("format") ?? "auto";
  if (!FORMATS.includes(format))
    return sendError(
      res,
      400,
      `unknown format "${bounded(format, 40)}"; expected one of: ${FORMATS.join(", ")}`,
    );

  const repository = repositoryParam(org, ctx.url.searchParams.get("repository"));
  if (!repository.ok) return sendError(res, 400, repository.reason);

  const installationId = await deps.installationFor(org);
  if (installationId === null) return sendError(res, 404, `fixloop is not installed on ${org}`);
  const config = await deps.triageConfigFor(org, installationId);
  if (!config.ok) {
    // 409: the request is fine, the organization's configuration is not; the same request succeeds
    // once the configuration is fixed.
    return sendError(
      res,
      409,
      `the fixloop configuration of ${org} is invalid, nothing was stored: ${bounded(config.message, MAX_CONFIG_MESSAGE)}`,
    );
  }

  let parsed: ReturnType<typeof parseFindings>;
  try {
    parsed = parseFindings(json.value, parseContext, format);
  } catch (error) {
    if (!(error instanceof UnknownFormatError)) throw error;
    return sendError(res, 400, error.message);
  }
  const rejected = parsed.rejected.map(rejectionJson);
  if (parsed.findings.length === 0 && rejected.length > 0) {
    deps.log.info({ org, format: parsed.format, rejected: rejected.length }, "findings document rejected");
    return sendJson(res, 400, { error: "the document has no valid finding", rejected });
  }

  const params = ctx.url.searchParams;
  const declared = completeScanFrom(
    {
      complete: params.get("complete"),
      accounts: params.get("accounts"),
      rules: params.get("rules"),
      tool: params.get("tool"),
    },
    parsed.findings.map((f) => f.source.tool),
  );
  if (!declared.ok) return sendError(res, 400, declared.reason);

  const now = ctx.now();
  const triaged = parsed.findings.map((f) => triageFinding(f, config.config, now));
  const { results, absent } = await persistDocument(deps.store, triaged, {
    org,
    installationId,
    ...(repository.name ? { repository: repository.name } : {}),
    ...(declared.scan ? { completeScan: declared.scan } : {}),
  });
  const count = (outcome: string) => results.filter((r) => r.outcome === outcome).length;
  deps.log.info(
    {
      org,
      installationId,
      format: parsed.format,
      accepted: triaged.length,
      rejected: rejected.length,
      created: count("created"),
      updated: count("updated"),
      skipped: count("skipped"),
      ...(declared.scan ? { completeScan: declared.scan, absent: absent.length } : {}),
    },
    "findings ingested",
  );
  sendJson(res, 202, {
    accepted: triaged.length,
    rejected,
    findings: results.map((r, i) => {
      const notes = findingNotes(triaged[i]!.finding);
      return {
        id: r.id,
        dedupeKey: r.id,
        state: r.state,
        outcome: r.outcome,
        ...(r.reason !== undefined ? { reason: r.reason } : {}),
        ...(r.outcome !== "skipped" ? { evidenceUrl: deps.evidenceUrl(r.id) } : {}),
        // Only when there is something to say: a finding that names no check, for instance.
        ...(notes.length > 0 ? { notes } : {}),
      };
    }),
    ...(declared.scan ? { absent: absent.map((id) => ({ id, evidenceUrl: deps.evidenceUrl(id) })) } : {}),
  });
}

/** GitHub's repository names: letters, digits, `.`, `-`, `_`, at most 100 characters. */
const REPOSITORY_NAME = /^[A-Za-z0-9._-]{1,100}$/;

/** `?repository=` as `org/name` (lower-cased: GitHub names ignore case), a repository of `org` only. */
function repositoryParam(
  org: string,
  value: string | null,
): { ok: true; name: string | undefined } | { ok: false; reason: string } {
  if (value === null) return { ok: true, name: undefined };
  const slash = value.indexOf("/");
  const owner = slash < 0 ? org : value.slice(0, slash);
  const name = slash < 0 ? value : value.slice(slash + 1);
  if (!REPOSITORY_NAME.test(name) || name === "." || name === "..")
    return {
      ok: false,
      reason: `repository "${bounded(value, 140)}" is not a repository name (expected name or ${org}/name)`,
    };
  if (owner.toLowerCase() !== org.toLowerCase())
    return {
      ok: false,
      reason: `repository "${bounded(value, 140)}" is not in ${org}: findings are posted for the organization that owns the repository`,
    };
  return { ok: true, name: `${org}/${name}`.toLowerCase() };
}

function rejectionJson(r: Rejection): { index: number; path: string; reason: string } {
  return { index: r.index, path: r.path, reason: r.reason };
}

/** Text from outside on one line and at most `max` characters. */
function bounded(text: string, max: number): string {
  const line = text.replace(/[\r\n]+/g, " ");
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
