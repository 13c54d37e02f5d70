// Every answer of the dashboard carries the same security headers: a CSP that lets a page load
// only its own stylesheet and images (no script at all), no MIME sniffing, no referrer to other
// sites, no caching (pages show who is signed in and what they may see).

import type { ServerResponse } from "node:http";

export const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export function securityHeaders(): Record<string, string> {
  return {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
  };
}

export interface Answer {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string | string[]>;
}

export function send(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, {
    ...securityHeaders(),
    "Content-Type": answer.contentType,
    "Content-Length": String(Buffer.byteLength(answer.body)),
    ...answer.headers,
  });
  res.end(answer.body);
}

export function html(status: number, body: string, headers?: Record<string, string | string[]>): Answer {
  return { status, contentType: "text/html; charset=utf-8", body, ...(headers ? { headers } : {}) };
}

/** A 303 (after a form) or 302 to `location`, with cookies to set. */
export function redirect(location: string, setCookie: string[] = [], status = 302): Answer {
  return {
    status,
    contentType: "text/plain; charset=utf-8",
    body: "",
    headers: { Location: location, ...(setCookie.length ? { "Set-Cookie": setCookie } : {}) },
  };
}

/**
 * A path on this site to go back to after signing in: a same-origin path and query, never a URL
 * that leaves it (`//evil.example`, `/\evil.example`, `https://…`); "/" when in doubt.
 */
export function safeReturnPath(raw: string | null | undefined): string {
  if (!raw?.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) return "/";
  if ([...raw].some((c) => c <= " " || c === "\x7f" || c === "\\")) return "/";
  const base = "http://fixloop.invalid";
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return "/";
  }
  if (url.origin !== base || url.pathname.startsWith("/auth/")) return "/";
  return `${url.pathname}${url.search}`;
}
