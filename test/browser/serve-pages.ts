// A small stand-in for the dashboard's HTTP handler, for the browser tests: it matches PAGES on the
// path, enforces each row's access the way the handler does ("org" → canSeeOrg(params[0]),
// "finding" → the page itself, "signed-in"), wraps the body in one HTML document, serves ASSETS
// under /assets/<name>, and sends the same strict Content-Security-Policy — so a page that needs an
// inline style or a script breaks here as it would in production. The Viewer is injected.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { htmlText } from "../../src/evidence/html.ts";
import type { Store } from "../../src/store/store.ts";
import type { PageResult, Viewer } from "../../src/web/contract.ts";
import { ASSETS, PAGES } from "../../src/web/pages/registry.ts";

export const CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

function documentOf(result: Extract<PageResult, { kind: "html" }>, viewer: Viewer): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">
<title>${htmlText(result.title)} · fixloop</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/dashboard.css"></head>
<body><header><a href="/">fixloop</a><span class="muted">signed in as ${htmlText(viewer.login)}</span><form method="post" action="/auth/sign-out"><button type="submit">Sign out</button></form></header>
<main>
${result.body}
</main></body></html>`;
}

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

export async function servePages(store: Store, viewer: Viewer, now: () => Date): Promise<PageServer> {
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": type, "content-security-policy": CSP, ...headers });
      res.end(body);
    };
    const notFound = () => send(404, "text/plain; charset=utf-8", "not found");
    const asset = url.pathname.startsWith("/assets/") ? ASSETS[url.pathname.slice(8)] : undefined;
    if (asset) return send(200, asset.contentType, asset.body);
    for (const page of PAGES) {
      const m = page.pattern.exec(url.pathname);
      if (!m) continue;
      const params = m.slice(1).map((p) => decodeURIComponent(p));
      if (page.access === "org" && !(await viewer.canSeeOrg(params[0] as string))) return notFound();
      try {
        const result = await page.render({ url, params, viewer, store, now });
        if (result.kind === "notFound") return notFound();
        if (result.kind === "file")
          return send(200, result.contentType, result.body, {
            "content-disposition": `attachment; filename="${result.filename}"`,
          });
        return send(result.status ?? 200, "text/html; charset=utf-8", documentOf(result, viewer));
      } catch (error) {
        console.error(error);
        return send(500, "text/plain; charset=utf-8", "internal error");
      }
    }
    return notFound();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
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
