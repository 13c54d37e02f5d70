// A complete scan: the sender says a document is everything one tool found in some accounts (for
// some rules, or all of them). Most CSPM exports list only what fails, so for those sources a fixed
// resource does not come back as "passed" — it just stops appearing. Missing from a complete scan
// is then the source's own word that the finding no longer fails, and it counts as a passing
// runtime re-scan for a finding fixloop is verifying. Missing from an ordinary upload means
// nothing: an upload may be a page, a filter or one team's slice.
//
// The declaration is the sender's (query parameters or CLI flags), never inferred from the
// document, and it only ever produces "passed" evidence for merged or verifying findings of the
// same organization, tool, account and rule.

import type { NewVerification } from "../store/verifications.ts";

export interface CompleteScan {
  /** The tool whose scan is complete, as the findings' `source.tool` names it (securityhub, wiz…). */
  tool: string;
  /** AWS accounts, Azure subscriptions or GCP projects the scan covered. */
  accounts: readonly string[];
  /** The rules it covered (native or catalog ids); null: every rule of the tool. */
  rules: readonly string[] | null;
}

/** How the sender declares one: `complete=true&accounts=…[&rules=…][&tool=…]` or the CLI's flags. */
export interface CompleteScanParams {
  complete?: string | null | undefined;
  accounts?: string | null | undefined;
  rules?: string | null | undefined;
  tool?: string | null | undefined;
}

export type CompleteScanRequest = { ok: true; scan: CompleteScan | null } | { ok: false; reason: string };

/** How errors spell the parameters: as the HTTP API's query, or as the CLI's flags. */
export type ParamSpelling = "query" | "cli";
type Param = "accounts" | "rules" | "tool";
const SPELLING = {
  query: { complete: "complete=true", name: (p: Param) => p, value: (p: Param) => `${p}=` },
  cli: { complete: "--complete-scan", name: (p: Param) => `--${p}`, value: (p: Param) => `--${p} ` },
} as const;

/** Account, project, subscription, rule and tool ids: no spaces, no markup, bounded. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,199}$/;
const MAX_IDS = 1000;

/**
 * The declared complete scan, checked. `documentTools` are the tools of the document's findings:
 * the scan's tool defaults to the only one, and a named tool must be among them.
 */
export function completeScanFrom(
  params: CompleteScanParams,
  documentTools: readonly string[],
  spelling: ParamSpelling = "query",
): CompleteScanRequest {
  const say = SPELLING[spelling];
  const { complete } = params;
  if (complete !== undefined && complete !== null && complete !== "true" && complete !== "false")
    return { ok: false, reason: `complete must be true or false (got "${shown(complete)}")` };
  const described = [params.accounts, params.rules, params.tool].some((v) => v !== undefined && v !== null);
  if (complete !== "true") {
    if (described)
      return {
        ok: false,
        reason: `${say.name("accounts")}, ${say.name("rules")} and ${say.name("tool")} describe a complete scan: add ${say.complete}, or leave them out`,
      };
    return { ok: true, scan: null };
  }

  const accounts = idList(params.accounts, say.name("accounts"));
  if (!accounts.ok) return accounts;
  if (accounts.ids.length === 0)
    return {
      ok: false,
      reason: `a complete scan names the accounts it covered: ${say.value("accounts")}<id>[,<id>…] (AWS accounts, Azure subscriptions or GCP projects)`,
    };
  const rules = idList(params.rules, say.name("rules"));
  if (!rules.ok) return rules;

  const tools = [...new Set(documentTools)].sort();
  let tool: string;
  if (params.tool !== undefined && params.tool !== null) {
    const named = params.tool.trim().toLowerCase();
    if (!ID.test(named))
      return { ok: false, reason: `${say.name("tool")}: "${shown(params.tool)}" is not a tool name` };
    const others = tools.filter((t) => t !== named);
    if (others.length > 0)
      return {
        ok: false,
        reason: `${say.value("tool")}${named}, but the document holds findings of ${others.join(", ")}: a complete scan is one tool's`,
      };
    tool = named;
  } else if (tools.length === 1) {
    tool = tools[0] as string;
  } else if (tools.length === 0) {
    return {
      ok: false,
      reason: `an empty complete scan must name its tool: ${say.value("tool")}<name> (for example securityhub, wiz, prisma, generic)`,
    };
  } else {
    return {
      ok: false,
      reason: `the findings come from several tools (${tools.join(", ")}): a complete scan is one tool's, so send each tool's scan on its own`,
    };
  }
  return {
    ok: true,
    scan: { tool, accounts: accounts.ids, rules: rules.ids.length > 0 ? rules.ids : null },
  };
}

function idList(
  value: string | null | undefined,
  name: string,
): { ok: true; ids: string[] } | { ok: false; reason: string } {
  const ids = [
    ...new Set(
      (value ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  if (ids.length > MAX_IDS)
    return { ok: false, reason: `${name} lists ${ids.length} ids; at most ${MAX_IDS}` };
  const bad = ids.find((id) => !ID.test(id));
  if (bad !== undefined) return { ok: false, reason: `${name}: "${shown(bad)}" is not an id` };
  return { ok: true, ids };
}

/** Text from the request, quoted back on one line and bounded. */
function shown(text: string): string {
  const line = text.replace(/\p{Cc}+/gu, " ");
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

/** A finding the scan could have reported: verifying or merged, with a source row of the scan's tool. */
export interface ScanCandidate {
  id: string;
  account: string | undefined;
  ruleNativeId: string;
  ruleCatalogId: string | null;
  /** The tool's own id of the finding, for the evidence's words. */
  sourceFindingId: string;
}

/** The candidates the scan covered and did not report: each one's passing runtime evidence. */
export function absenceEvidence(
  scan: CompleteScan,
  candidates: readonly ScanCandidate[],
  reported: ReadonlySet<string>,
  observedAt: number,
): NewVerification[] {
  const accounts = new Set(scan.accounts);
  const rules = scan.rules ? new Set(scan.rules) : null;
  const covered = rules ? `rules ${[...rules].join(", ")}` : "every rule";
  const evidence = new Map<string, NewVerification>();
  for (const c of candidates) {
    if (reported.has(c.id) || evidence.has(c.id)) continue;
    if (c.account === undefined || !accounts.has(c.account)) continue;
    if (rules && !rules.has(c.ruleNativeId) && !(c.ruleCatalogId && rules.has(c.ruleCatalogId))) continue;
    evidence.set(c.id, {
      findingId: c.id,
      kind: "runtime",
      result: "passed",
      checkedBy: scan.tool,
      observedAt,
      detail: `${c.ruleNativeId} (${c.sourceFindingId}) is absent from a complete scan of account ${c.account} (${covered})`,
      links: {},
    });
  }
  return [...evidence.values()];
}
