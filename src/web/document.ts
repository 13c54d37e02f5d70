// The one HTML document every dashboard page is served in: a title, the stylesheet (the only
// asset a page loads; the CSP allows nothing else), a header saying who is signed in with the
// sign-out form, a skip link to the content, and the page's body inside <main>. Pages return only
// their body (src/web/contract.ts); everything they show is escaped by them, everything here by
// this module.

import { htmlText } from "../evidence/html.ts";

export const STYLESHEET = "/assets/dashboard.css";

/** Who the header names: a signed-in user (with the token the sign-out form carries) or a share link. */
export type HeaderViewer =
  | { kind: "user"; login: string; csrfToken: string | null }
  | { kind: "share" }
  | null;

export interface DocumentInput {
  title: string;
  /** The page's HTML, already escaped by the page. */
  body: string;
  viewer: HeaderViewer;
}

export function renderDocument({ title, body, viewer }: DocumentInput): string {
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${htmlText(title)} · fixloop</title>`,
    `<link rel="stylesheet" href="${STYLESHEET}">`,
    // No favicon request (its 404 would be a console error on every page).
    '<link rel="icon" href="data:,">',
    "</head>",
    "<body>",
    '<a class="skip-link" href="#main">Skip to content</a>',
    header(viewer),
    `<main id="main" tabindex="-1">${body}</main>`,
    "</body>",
    "</html>",
  ].join("\n");
}

function header(viewer: HeaderViewer): string {
  const brand = '<a class="brand" href="/">fixloop</a>';
  if (viewer === null)
    return `<header class="site">${brand}<a class="sign-in" href="/auth/login">Sign in with GitHub</a></header>`;
  if (viewer.kind === "share")
    return `<header class="site"><span class="brand">fixloop</span><span class="viewer">Shared view (read only)</span></header>`;
  const csrf = viewer.csrfToken
    ? `<input type="hidden" name="csrf" value="${htmlText(viewer.csrfToken)}">`
    : "";
  return [
    `<header class="site">${brand}`,
    `<span class="viewer">Signed in as <strong>${htmlText(viewer.login)}</strong></span>`,
    `<form class="sign-out" method="post" action="/auth/logout">${csrf}<button type="submit">Sign out</button></form>`,
    "</header>",
  ].join("");
}

/** A page of its own for answers that are not a page's: not found, refused, failed. */
export function messagePage(
  title: string,
  message: string,
  viewer: HeaderViewer,
  link?: { href: string; label: string },
): string {
  const more = link ? `<p><a href="${htmlText(link.href)}">${htmlText(link.label)}</a></p>` : "";
  return renderDocument({
    title,
    body: `<h1>${htmlText(title)}</h1><p>${htmlText(message)}</p>${more}`,
    viewer,
  });
}
