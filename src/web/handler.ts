// The dashboard's HTTP side: one Probot `addHandler` handler for the browser routes — `/`, every
// page of PAGES (src/web/pages/registry.ts), `/assets/<name>`, sign-in (`/auth/…`), share links
// (`/share/<token>`, `/orgs/<org>/share-links`). Every other path is left to the next handler
// (/api/* and Probot's webhook path are answered before this one). Every answer carries the CSP
// and the other headers of src/web/respond.ts; pages' bodies are wrapped in src/web/document.ts.
//
// Access: a page that needs a signed-in viewer redirects a browser without a session to sign-in
// (and back); a viewer who may not see a page gets the same 404 as a page that does not exist.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Store } from "../store/store.ts";
import { shareViewer } from "./access.ts";
import type { WebAuth, WebLog } from "./auth.ts";
import type { PageRequest, PageResult, PageSpec, Viewer } from "./contract.ts";
import { type HeaderViewer, messagePage, renderDocument } from "./document.ts";
import { readForm } from "./forms.ts";
import { type Answer, html, redirect, send } from "./respond.ts";
import { createFromForm, type ManagementPage, managementPage, openShareLink, revoke } from "./share.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface Asset {
  contentType: string;
  body: string;
}

export interface WebDeps {
  store: Store;
  pages: readonly PageSpec[];
  assets: Record<string, Asset>;
  /** FIXLOOP_PUBLIC_URL without a trailing slash: forms must come from its origin; share links start with it. */
  publicUrl: string;
  /** The signed-in viewer behind a request, or null (the app: WebAuth.viewerFor; tests inject one). */
  viewerFor(req: IncomingMessage): Promise<Viewer | null>;
  /** Sign-in and sign-out; absent: /auth/login says sign-in is not configured. */
  auth?: Pick<WebAuth, "login" | "callback" | "logout">;
  log: WebLog;
}

type Route =
  | { kind: "asset"; name: string }
  | { kind: "login" | "callback" | "logout" | "home" }
  | { kind: "share"; token: string }
  | { kind: "share-links"; org: string }
  | { kind: "revoke"; org: string; id: string }
  | { kind: "page"; spec: PageSpec; params: string[] };

// An organization is a GitHub login: letters, digits and hyphens, at most 39 characters.
const SHARE_LINKS = /^\/orgs\/([A-Za-z0-9][A-Za-z0-9-]{0,38})\/share-links$/;
const REVOKE = /^\/orgs\/([A-Za-z0-9][A-Za-z0-9-]{0,38})\/share-links\/([0-9a-f]{1,32})\/revoke$/;
const METHODS: Record<Route["kind"], readonly string[]> = {
  asset: ["GET", "HEAD"],
  login: ["GET", "HEAD"],
  callback: ["GET"],
  logout: ["POST"],
  home: ["GET", "HEAD"],
  share: ["GET", "HEAD"],
  "share-links": ["GET", "HEAD", "POST"],
  revoke: ["POST"],
  page: ["GET", "HEAD"],
};

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** The route of a path, or null when the dashboard does not answer it. */
function routeOf(path: string, pages: readonly PageSpec[]): Route | null {
  if (path.startsWith("/assets/")) return { kind: "asset", name: path.slice("/assets/".length) };
  if (path === "/auth/login") return { kind: "login" };
  if (path === "/auth/callback") return { kind: "callback" };
  if (path === "/auth/logout") return { kind: "logout" };
  if (path.startsWith("/share/")) return { kind: "share", token: path.slice("/share/".length) };
  // Before the pages: a signed-out visitor of "/" is asked to sign in, not sent to GitHub at once.
  if (path === "/") return { kind: "home" };
  const links = SHARE_LINKS.exec(path);
  if (links) return { kind: "share-links", org: links[1] as string };
  const revoked = REVOKE.exec(path);
  if (revoked) return { kind: "revoke", org: revoked[1] as string, id: revoked[2] as string };
  for (const spec of pages) {
    const m = spec.pattern.exec(path);
    if (!m) continue;
    const params = m.slice(1).map((p) => decode(p ?? ""));
    // A malformed %-escape names nothing: the page is not asked.
    if (params.some((p) => p === null)) return null;
    return { kind: "page", spec, params: params as string[] };
  }
  return null;
}

export function createWebHandler(deps: WebDeps): Handler {
  const origin = new URL(deps.publicUrl).origin;
  return async (req, res) => {
    // Appended to the origin, never resolved against it: `//host/x` stays a path on this site.
    const raw = req.url?.startsWith("/") ? req.url : "/";
    const url = new URL(`${origin}${raw}`);
    const route = routeOf(url.pathname, deps.pages);
    if (!route) return false;
    const method = req.method ?? "GET";
    try {
      if (!METHODS[route.kind].includes(method)) {
        const allow = METHODS[route.kind].join(", ");
        send(res, html(405, messagePage("Method not allowed", `Use ${allow} here.`, null), { Allow: allow }));
        return true;
      }
      send(res, await answer({ deps, req, url, origin }, route));
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      deps.log.warn(
        { route: route.kind, method, error: { name: e.name, message: e.message.slice(0, 200) } },
        "dashboard request failed",
      );
      if (res.headersSent) res.destroy();
      else
        send(
          res,
          html(
            500,
            messagePage(
              "Something went wrong",
              "The page could not be shown; the server's log says why. Try again in a moment.",
              null,
            ),
          ),
        );
    }
    return true;
  };
}

interface Ctx {
  deps: WebDeps;
  req: IncomingMessage;
  url: URL;
  origin: string;
}

async function answer(ctx: Ctx, route: Route): Promise<Answer> {
  const { deps, req, url } = ctx;
  switch (route.kind) {
    case "asset":
      return assetAnswer(deps, route.name);
    case "login":
      return authAnswer(deps.auth ? deps.auth.login(url.searchParams.get("returnTo")) : null);
    case "callback":
      return authAnswer(deps.auth ? await deps.auth.callback(req, url) : null);
    case "logout":
      return logoutAnswer(ctx);
    case "share":
      return shareAnswer(ctx, route.token);
    case "share-links":
    case "revoke":
      return shareLinksAnswer(ctx, route);
    case "page":
      return pageAnswer(ctx, route.spec, route.params);
    case "home":
      return homeAnswer(ctx);
  }
}

function assetAnswer(deps: WebDeps, name: string): Answer {
  const asset = Object.hasOwn(deps.assets, name) ? deps.assets[name] : undefined;
  if (!asset) return notFound(null);
  return { status: 200, contentType: asset.contentType, body: asset.body };
}

function authAnswer(outcome: Awaited<ReturnType<WebAuth["callback"]>> | null): Answer {
  if (!outcome)
    return html(
      503,
      messagePage(
        "Sign-in is not configured",
        "The operator has not set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET.",
        null,
      ),
    );
  if (outcome.ok) return redirect(outcome.location, outcome.setCookie);
  return html(
    outcome.status,
    messagePage(outcome.title, outcome.message, null, { href: "/auth/login", label: "Sign in with GitHub" }),
    { "Set-Cookie": outcome.setCookie },
  );
}

async function logoutAnswer(ctx: Ctx): Promise<Answer> {
  const viewer = await ctx.deps.viewerFor(ctx.req);
  const form = await readForm(ctx.req, viewer, ctx.origin);
  if (!form.ok) return html(form.status, messagePage(form.title, form.message, headerOf(viewer)));
  if (!ctx.deps.auth) return redirect("/", [], 303);
  const out = await ctx.deps.auth.logout(ctx.req);
  return redirect("/", out.setCookie, 303);
}

export function headerOf(viewer: Viewer | null): HeaderViewer {
  if (!viewer) return null;
  return viewer.kind === "share"
    ? { kind: "share" }
    : { kind: "user", login: viewer.login, csrfToken: viewer.csrfToken };
}

function notFound(viewer: Viewer | null): Answer {
  return html(
    404,
    messagePage("Not found", "There is no such page, or you may not see it.", headerOf(viewer)),
  );
}

async function pageAnswer(ctx: Ctx, spec: PageSpec, params: string[]): Promise<Answer> {
  const viewer = await ctx.deps.viewerFor(ctx.req);
  if (!viewer)
    return redirect(`/auth/login?returnTo=${encodeURIComponent(ctx.url.pathname + ctx.url.search)}`);
  if (spec.access === "org" && !(await viewer.canSeeOrg(params[0] ?? ""))) return notFound(viewer);
  return render(ctx.deps, spec, { url: ctx.url, params, viewer });
}

async function render(
  deps: WebDeps,
  spec: PageSpec,
  request: Pick<PageRequest, "url" | "params" | "viewer">,
): Promise<Answer> {
  const now = () => new Date(deps.store.now());
  const result: PageResult = await spec.render({ ...request, store: deps.store, now });
  if (result.kind === "notFound") return notFound(request.viewer);
  if (result.kind === "file") {
    const filename = result.filename.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 120) || "download";
    return {
      status: 200,
      contentType: result.contentType,
      body: result.body,
      headers: { "Content-Disposition": `attachment; filename="${filename}"` },
    };
  }
  return html(
    result.status ?? 200,
    renderDocument({ title: result.title, body: result.body, viewer: headerOf(request.viewer) }),
  );
}

/** A share link: its one page, with a viewer that sees that one thing. */
async function shareAnswer(ctx: Ctx, token: string): Promise<Answer> {
  const link = await openShareLink(ctx.deps.store, token);
  if (!link) return notFound(null);
  ctx.deps.log.info({ route: "/share/:token", link: link.id }, "share link used");
  const spec = ctx.deps.pages.find((p) => p.name === (link.kind === "finding" ? "finding" : "auditor-pack"));
  if (!spec) return notFound(null);
  const url = new URL(ctx.url);
  if (link.kind === "auditor-pack") {
    // The period is the link's, whatever the query says.
    url.searchParams.set("since", link.since ?? "");
    url.searchParams.set("until", link.until ?? "");
  }
  const params = [link.kind === "finding" ? (link.findingId ?? "") : link.org];
  return render(ctx.deps, spec, { url, params, viewer: shareViewer(link) });
}

async function shareLinksAnswer(
  ctx: Ctx,
  route: { kind: "share-links" | "revoke"; org: string; id?: string },
): Promise<Answer> {
  const { deps, req, url } = ctx;
  const viewer = await deps.viewerFor(req);
  const post = req.method === "POST";
  if (!viewer && !post) return redirect(`/auth/login?returnTo=${encodeURIComponent(url.pathname)}`);
  // A form without a session is refused as a form (403, sign in again), not hidden.
  const form = post ? await readForm(req, viewer, ctx.origin) : null;
  if (form && !form.ok) return html(form.status, messagePage(form.title, form.message, headerOf(viewer)));
  if (viewer?.kind !== "user" || !(await viewer.canShare(route.org))) return notFound(viewer);
  const show = async (status: number, extra: Pick<ManagementPage, "created" | "error"> = {}) => {
    const page = { org: route.org, csrf: viewer.csrfToken ?? "", now: deps.store.now(), ...extra };
    const body = await managementPage(deps.store, page);
    return html(
      status,
      renderDocument({ title: `Share links of ${route.org}`, body, viewer: headerOf(viewer) }),
    );
  };
  if (!form) return show(200);
  if (route.kind === "revoke") {
    const done = await revoke(deps.store, route.org, route.id ?? "", viewer.login);
    if (!done) return notFound(viewer);
    return redirect(`/orgs/${encodeURIComponent(route.org)}/share-links`, [], 303);
  }
  const created = await createFromForm(deps.store, route.org, viewer.login, form.form);
  if (!created.ok) return show(400, { error: created.message });
  return show(201, { created: { url: `${deps.publicUrl}/share/${created.token}`, link: created.link } });
}

/** "/": the signed-in viewer's start page (the "home" row of PAGES, when there is one), else a sign-in invitation. */
async function homeAnswer(ctx: Ctx): Promise<Answer> {
  const viewer = await ctx.deps.viewerFor(ctx.req);
  const start = ctx.deps.pages.find((p) => p.name === "home");
  if (viewer && start) return render(ctx.deps, start, { url: ctx.url, params: [], viewer });
  const body = viewer
    ? "<h1>fixloop</h1><p>Open a finding from the link fixloop posted on GitHub, or your organization's pages.</p>"
    : '<h1>fixloop</h1><p>Sign in with GitHub to see the findings of the repositories you can read, and their evidence.</p><p><a class="button" href="/auth/login">Sign in with GitHub</a></p>';
  return html(200, renderDocument({ title: "fixloop", body, viewer: headerOf(viewer) }));
}
