// What every page shares: escaping (src/evidence/html.ts), links that can only point where they
// should, dates and durations in words, the organization's navigation, and the 400 page a bad query
// value gets (naming the parameter, never a stack trace).

import { htmlText, type Markup } from "../../evidence/html.ts";
import { InvalidPeriodError, parsePeriodBound } from "../../evidence/period.ts";
import type { PageResult } from "../contract.ts";

export { htmlText };

/** A query value a page cannot use: the page answers 400 with this message. */
export class BadQueryError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
    this.name = "BadQueryError";
  }
}

/** Runs a page's render; a bad query value becomes a 400 page that names the parameter. */
export async function answering(render: () => Promise<PageResult>): Promise<PageResult> {
  try {
    return await render();
  } catch (error) {
    if (!(error instanceof BadQueryError)) throw error;
    return {
      kind: "html",
      status: 400,
      title: "Bad request",
      body: `<h1>Bad request</h1><p class="error" role="alert">The query parameter <code>${htmlText(error.parameter)}</code> ${htmlText(error.message)}</p><p><a href="?">Open the page without parameters</a></p>`,
    };
  }
}

/** A date query parameter (`2026-10-01`, or a time with a zone), or undefined when absent. */
export function dateParam(url: URL, name: string, bound: "since" | "until"): number | undefined {
  const text = url.searchParams.get(name);
  if (text === null || text === "") return undefined;
  try {
    return parsePeriodBound(text, bound);
  } catch (error) {
    if (!(error instanceof InvalidPeriodError)) throw error;
    throw new BadQueryError(
      name,
      `must be a date such as 2026-10-01 or a time with a zone such as 2026-10-01T09:00:00Z; got "${text}"`,
    );
  }
}

/** A query parameter that must be one of `allowed` (the first is the default). */
export function choiceParam<T extends string>(url: URL, name: string, allowed: readonly T[]): T {
  const text = url.searchParams.get(name);
  if (text === null || text === "") return allowed[0] as T;
  if ((allowed as readonly string[]).includes(text)) return text as T;
  throw new BadQueryError(name, `must be one of ${allowed.join(", ")}; got "${text}"`);
}

/** A link to GitHub (or any https page); anything that is not an https URL stays text. */
export function externalLink(url: string | null | undefined, label?: string): Markup {
  if (!url) return { html: "—" };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { html: htmlText(label ?? url) };
  }
  if (parsed.protocol !== "https:") return { html: htmlText(label ?? url) };
  return { html: `<a href="${htmlText(parsed.href)}" rel="noreferrer">${htmlText(label ?? url)}</a>` };
}

/** `owner/repo#12` for a GitHub pull request or issue URL; the URL itself otherwise. */
export function githubLabel(url: string): string {
  const m = /^https:\/\/[^/]+\/([^/]+\/[^/]+)\/(?:pull|issues)\/(\d+)$/.exec(url);
  return m ? `${m[1]}#${m[2]}` : url;
}

/** A link inside the dashboard: `path` is built by the page from fixed parts and encoded values. */
export function pageLink(path: string, label: string): Markup {
  return { html: `<a href="${htmlText(path)}">${htmlText(label)}</a>` };
}

export const seg = (value: string) => encodeURIComponent(value);
export const orgPath = (org: string) => `/orgs/${seg(org)}`;
export const teamPath = (org: string, team: string) =>
  `${orgPath(org)}/teams/${team.split("/").map(seg).join("/")}`;
export const findingPath = (id: string) => `/findings/${seg(id)}`;

/** The organization's pages, the current one marked. */
export function orgNav(org: string, current: string): string {
  const items: Array<[string, string, string]> = [
    ["overview", "Overview", orgPath(org)],
    ["trends", "Trends", `${orgPath(org)}/trends`],
    ["exceptions", "Exceptions", `${orgPath(org)}/exceptions`],
    ["tuning", "Rules tuning", `${orgPath(org)}/tuning`],
    ["auditor-pack", "Auditor pack", `${orgPath(org)}/auditor-pack`],
  ];
  const li = items.map(([name, label, href]) =>
    name === current
      ? `<li><a href="${htmlText(href)}" aria-current="page">${htmlText(label)}</a></li>`
      : `<li><a href="${htmlText(href)}">${htmlText(label)}</a></li>`,
  );
  return `<nav class="org-nav" aria-label="${htmlText(org)} pages"><ul>${li.join("")}</ul></nav>`;
}

export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const isoMinute = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** A duration in the largest unit that keeps it readable: "45 min", "7 h", "12 d". */
export function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round(ms / 3_600_000);
  if (hours < 72) return `${hours} h`;
  return `${Math.round(ms / 86_400_000)} d`;
}

/** The page's notFound: also the answer to a viewer who may not see it. */
export const NOT_FOUND: PageResult = { kind: "notFound" };

/** A state name as words: `awaiting_approval` → "awaiting approval". */
export const words = (state: string) => state.replaceAll("_", " ");

export const TIERS = ["critical", "high", "medium", "low"] as const;
