// Renders a dashboard path the way the HTTP handler does (match PAGES, check an "org" page's access,
// call render) and reads what a person sees: the text, and the rows of a section's tables.

import type { Store } from "../../src/store/store.ts";
import type { PageResult, Viewer } from "../../src/web/contract.ts";
import { PAGES } from "../../src/web/pages/registry.ts";
import { NOW } from "./seed.ts";

export async function openPage(store: Store, viewer: Viewer, path: string): Promise<PageResult> {
  const url = new URL(path, "https://fixloop.example");
  for (const page of PAGES) {
    const m = page.pattern.exec(url.pathname);
    if (!m) continue;
    const params = m.slice(1).map((p) => decodeURIComponent(p));
    if (page.access === "org" && !(await viewer.canSeeOrg(params[0] as string))) return { kind: "notFound" };
    return page.render({ url, params, viewer, store, now: () => new Date(NOW) });
  }
  return { kind: "notFound" };
}

/** The body of an html answer (fails the test otherwise). */
export function htmlOf(result: PageResult): string {
  if (result.kind !== "html") throw new Error(`expected an html page, got ${result.kind}`);
  return result.body;
}

const decode = (s: string) =>
  s
    .replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");

/** The text a person reads: tags out, entities decoded, whitespace collapsed. */
export function textOf(html: string): string {
  return decode(html.replace(/<br>/g, " ").replace(/<[^>]+>/g, " "))
    .replace(/\s+/g, " ")
    .trim();
}

/** The part of the page from `marker` (an id or any text) to the end of its section or figure. */
export function part(html: string, marker: string): string {
  const at = html.indexOf(marker);
  if (at < 0) throw new Error(`no "${marker}" on the page`);
  const end = html.slice(at).search(/<\/section>|<\/figure>/);
  return html.slice(at, end < 0 ? undefined : at + end);
}

/** Each row of the tables in `html` as the texts of its cells (header rows included). */
export function rowsOf(html: string): string[][] {
  return [...html.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) =>
    [...(m[1] as string).matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((c) => textOf(c[1] as string)),
  );
}

/** A viewer that may see what `orgs` names (its findings included) and nothing else. */
export function viewerOf(login: string, orgs: readonly string[]): Viewer {
  return {
    login,
    kind: "user",
    canSeeOrg: async (org) => orgs.includes(org),
    canSeeFinding: async (f) => f.org !== null && orgs.includes(f.org),
    canShare: async (org) => orgs.includes(org),
    csrfToken: "test-csrf",
  };
}
