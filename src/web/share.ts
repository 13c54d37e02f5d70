// Share links for external auditors: the security team of an organization shares one finding's
// evidence or one period's auditor pack, for at most MAX_SHARE_DAYS, and may revoke it. The link
// carries a random 256-bit token; only its sha256 is stored. Each creation, use and revocation is
// a row of the append-only share-link trail, shown on the management page with its actor and time.

import { createHash, randomBytes } from "node:crypto";
import { htmlText } from "../evidence/html.ts";
import { getFinding } from "../store/findings.ts";
import {
  createShareLink,
  recordShareLinkEvent,
  revokeShareLink,
  type ShareKind,
  type ShareLink,
  type ShareLinkEvent,
  shareLinkByTokenHash,
  shareLinkEventsOf,
  shareLinksOf,
} from "../store/share-links.ts";
import type { Store } from "../store/store.ts";

export const MAX_SHARE_DAYS = 30;
const DAY_MS = 24 * 60 * 60_000;
/** Trail rows shown on the management page. */
const TRAIL_ROWS = 200;

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (d: string) =>
  DATE.test(d) &&
  !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) &&
  new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);

export type Created = { ok: true; link: ShareLink; token: string } | { ok: false; message: string };

/** A link from the creation form's fields (kind, finding, since, until, days), or why not. */
export async function createFromForm(
  store: Store,
  org: string,
  actor: string,
  form: URLSearchParams,
): Promise<Created> {
  const kind = form.get("kind");
  if (kind !== "finding" && kind !== "auditor-pack")
    return { ok: false, message: "Choose what to share: one finding, or the auditor pack of a period." };
  const days = Number(form.get("days"));
  if (!Number.isInteger(days) || days < 1 || days > MAX_SHARE_DAYS)
    return { ok: false, message: `A link expires after 1 to ${MAX_SHARE_DAYS} days (whole days).` };
  const target = await targetOf(store, org, kind, form);
  if (typeof target === "string") return { ok: false, message: target };
  const now = store.now();
  const token = randomBytes(32).toString("base64url");
  const link: ShareLink = {
    id: randomBytes(6).toString("hex"),
    org: org.toLowerCase(),
    kind,
    ...target,
    createdBy: actor,
    createdAt: now,
    expiresAt: now + days * DAY_MS,
    revokedAt: null,
    revokedBy: null,
  };
  await store.transaction((tx) => createShareLink(tx, link, hashToken(token)));
  return { ok: true, link, token };
}

type Target = Pick<ShareLink, "findingId" | "since" | "until">;

async function targetOf(
  store: Store,
  org: string,
  kind: ShareKind,
  form: URLSearchParams,
): Promise<Target | string> {
  if (kind === "finding") {
    const id = (form.get("finding") ?? "").trim().toLowerCase();
    const finding = /^[0-9a-f]{4,128}$/.test(id) ? await getFinding(store.db, id) : undefined;
    // The same answer for a finding of another organization: the form tells nothing about it.
    if (!finding || finding.org?.toLowerCase() !== org.toLowerCase())
      return `No finding with id "${id.slice(0, 80)}" in ${org}: give the full id shown on the finding's page.`;
    return { findingId: finding.id, since: null, until: null };
  }
  const since = form.get("since") ?? "";
  const until = form.get("until") ?? "";
  if (!validDate(since) || !validDate(until) || since > until)
    return "An auditor pack needs a period: a start and an end date (YYYY-MM-DD), the start not after the end.";
  return { findingId: null, since, until };
}

export async function revoke(store: Store, org: string, id: string, actor: string): Promise<boolean> {
  return store.transaction((tx) => revokeShareLink(tx, org.toLowerCase(), id, { actor, at: store.now() }));
}

/** The live link a token opens, with its use recorded; null when unknown, expired or revoked. */
export async function openShareLink(store: Store, token: string): Promise<ShareLink | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const link = await shareLinkByTokenHash(store.db, hashToken(token));
  const now = store.now();
  if (!link || link.revokedAt !== null || link.expiresAt <= now) return null;
  await recordShareLinkEvent(store.db, link.org, {
    linkId: link.id,
    action: "used",
    actor: `share:${link.id}`,
    at: now,
  });
  return link;
}

const when = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;

function what(link: ShareLink): string {
  return link.kind === "finding"
    ? `Finding <a href="/findings/${encodeURIComponent(link.findingId ?? "")}">${htmlText(link.findingId)}</a>`
    : `Auditor pack ${htmlText(link.since)} to ${htmlText(link.until)}`;
}

function status(link: ShareLink, now: number): string {
  if (link.revokedAt !== null) return `Revoked by ${htmlText(link.revokedBy)} on ${when(link.revokedAt)}`;
  if (link.expiresAt <= now) return "Expired";
  return "Active";
}

export interface ManagementPage {
  org: string;
  csrf: string;
  now: number;
  /** A link just created: its URL is shown once (only its hash is kept). */
  created?: { url: string; link: ShareLink };
  error?: string;
}

/** The share-link management page of an organization: create, the links, the trail. */
export async function managementPage(store: Store, page: ManagementPage): Promise<string> {
  const org = page.org.toLowerCase();
  const [links, trail] = await Promise.all([
    shareLinksOf(store.db, org),
    shareLinkEventsOf(store.db, org, TRAIL_ROWS),
  ]);
  const csrf = `<input type="hidden" name="csrf" value="${htmlText(page.csrf)}">`;
  const action = `/orgs/${encodeURIComponent(page.org)}/share-links`;
  return [
    `<h1>Share links of ${htmlText(page.org)}</h1>`,
    "<p>A share link opens one finding's evidence, or one period's auditor pack, to whoever holds it, without a GitHub account, until it expires or is revoked.</p>",
    page.error ? `<p class="error" role="alert">${htmlText(page.error)}</p>` : "",
    page.created ? createdNotice(page.created) : "",
    createForm(action, csrf),
    linksTable(links, action, csrf, page.now),
    trailTable(trail),
  ].join("\n");
}

function createdNotice(created: { url: string; link: ShareLink }): string {
  return `<section class="notice" role="status" aria-labelledby="created-title"><h2 id="created-title">Link created</h2>
<p>Copy it now: it is shown only once. It expires on ${when(created.link.expiresAt)}.</p>
<p><label for="created-url">Share link</label> <input id="created-url" class="share-url" type="text" readonly size="80" value="${htmlText(created.url)}"></p></section>`;
}

function createForm(action: string, csrf: string): string {
  return `<section aria-labelledby="create-title"><h2 id="create-title">Create a link</h2>
<form method="post" action="${action}">${csrf}
<fieldset><legend>What to share</legend>
<p><input type="radio" id="kind-finding" name="kind" value="finding" checked> <label for="kind-finding">One finding's evidence</label></p>
<p><label for="finding">Finding id</label> <input id="finding" name="finding" type="text" size="40" autocomplete="off"></p>
<p><input type="radio" id="kind-pack" name="kind" value="auditor-pack"> <label for="kind-pack">The auditor pack of a period</label></p>
<p><label for="since">From</label> <input id="since" name="since" type="date"> <label for="until">to</label> <input id="until" name="until" type="date"></p>
</fieldset>
<p><label for="days">Expires after (days, at most ${MAX_SHARE_DAYS})</label> <input id="days" name="days" type="number" min="1" max="${MAX_SHARE_DAYS}" value="7" required></p>
<p><button type="submit">Create link</button></p>
</form></section>`;
}

function linksTable(links: ShareLink[], action: string, csrf: string, now: number): string {
  if (links.length === 0)
    return '<section aria-labelledby="links-title"><h2 id="links-title">Links</h2><p>No link yet.</p></section>';
  const rows = links.map((l) => {
    const live = l.revokedAt === null && l.expiresAt > now;
    const revokeForm = live
      ? `<form method="post" action="${action}/${encodeURIComponent(l.id)}/revoke">${csrf}<button type="submit" aria-label="Revoke link ${htmlText(l.id)}">Revoke</button></form>`
      : "";
    return `<tr><td><code>${htmlText(l.id)}</code></td><td>${what(l)}</td><td>${htmlText(l.createdBy)}</td><td>${when(l.createdAt)}</td><td>${when(l.expiresAt)}</td><td>${status(l, now)}</td><td>${revokeForm}</td></tr>`;
  });
  return `<section aria-labelledby="links-title"><h2 id="links-title">Links</h2>
<table><thead><tr><th scope="col">Link</th><th scope="col">Shares</th><th scope="col">Created by</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${rows.join("")}</tbody></table></section>`;
}

function trailTable(trail: ShareLinkEvent[]): string {
  const rows = trail.map(
    (e) =>
      `<tr><td>${when(e.at)}</td><td><code>${htmlText(e.linkId)}</code></td><td>${htmlText(e.action)}</td><td>${htmlText(e.actor)}</td></tr>`,
  );
  return `<section aria-labelledby="trail-title"><h2 id="trail-title">Trail</h2>
${rows.length === 0 ? "<p>Nothing yet.</p>" : `<table><thead><tr><th scope="col">When</th><th scope="col">Link</th><th scope="col">What</th><th scope="col">Who</th></tr></thead><tbody>${rows.join("")}</tbody></table>`}</section>`;
}
