// The dashboard's handler on a real HTTP server, signing in against the GitHub OAuth double, with
// a SQLite store on a hand-moved clock, the real stylesheet, and small PageSpec rows standing in for
// the real pages (these only show what the access rules let through; a suite may pass PAGES).

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { htmlText } from "../../src/evidence/html.ts";
import { tokenClient } from "../../src/github/client.ts";
import { OctokitPlatform } from "../../src/github/octokit-platform.ts";
import { UserGitHub } from "../../src/github/user-auth.ts";
import { persistFindings } from "../../src/ingest/persist.ts";
import { getFinding } from "../../src/store/findings.ts";
import type { Store } from "../../src/store/store.ts";
import type { AccessPort } from "../../src/web/access.ts";
import { WebAuth } from "../../src/web/auth.ts";
import type { PageSpec } from "../../src/web/contract.ts";
import { createWebHandler } from "../../src/web/handler.ts";
import { ASSETS } from "../../src/web/pages/registry.ts";
import { SessionKeys } from "../../src/web/secrets.ts";
import { CLIENT_ID, CLIENT_SECRET, INSTALLATION_TOKEN, OAuthDouble } from "../github/kit/oauth-double.ts";
import { freshLocation, manualClock, type TestLocation } from "../store/engines.ts";
import { asffS38, triage } from "../store/helpers.ts";

export const NOW = Date.parse("2026-11-20T10:00:00.000Z");
export const SESSION_SECRET = "web-test-session-secret-0123456789abcdef";
/** The repository the test finding page says its finding was fixed in. */
export const FIXED_IN = "acme/infra";

/** Small pages: what each shows is only who reached it. */
export const TEST_PAGES: readonly PageSpec[] = [
  {
    name: "finding",
    pattern: /^\/findings\/([^/]+)$/,
    access: "finding",
    async render({ params, viewer, store }) {
      const f = await getFinding(store.db, params[0] ?? "");
      if (!f || !(await viewer.canSeeFinding({ org: f.org, repository: FIXED_IN, id: f.id })))
        return { kind: "notFound" };
      return {
        kind: "html",
        title: `Finding ${f.id}`,
        body: `<h1>Finding ${htmlText(f.id)}</h1><p>${htmlText(f.title)}</p>`,
      };
    },
  },
  {
    name: "overview",
    pattern: /^\/orgs\/([^/]+)$/,
    access: "org",
    async render({ params }) {
      return {
        kind: "html",
        title: `Overview of ${params[0]}`,
        body: `<h1>Overview of ${htmlText(params[0])}</h1>`,
      };
    },
  },
  {
    name: "auditor-pack",
    pattern: /^\/orgs\/([^/]+)\/auditor-pack$/,
    access: "org",
    async render({ params, url }) {
      const since = url.searchParams.get("since") ?? "";
      const until = url.searchParams.get("until") ?? "";
      if (url.searchParams.get("format") === "csv")
        return {
          kind: "file",
          contentType: "text/csv; charset=utf-8",
          filename: `auditor-pack-${params[0]}-${since}-${until}.csv`,
          body: "finding,detected\n",
        };
      return {
        kind: "html",
        title: "Auditor pack",
        body: `<h1>Auditor pack of ${htmlText(params[0])}, ${htmlText(since)} to ${htmlText(until)}</h1><p><a href="?format=csv">CSV</a></p>`,
      };
    },
  },
  {
    name: "me",
    pattern: /^\/me$/,
    access: "signed-in",
    async render({ viewer }) {
      return { kind: "html", title: "Me", body: `<p>You are ${htmlText(viewer.login)}</p>` };
    },
  },
];

export interface WebHarness {
  base: string;
  store: Store;
  double: OAuthDouble;
  clock: ReturnType<typeof manualClock>;
  logs: string[];
  /** The id of a real (Security Hub S3.8) finding of acme. */
  finding: string;
  /** Signs `login` in over HTTP as a browser would; the Cookie header of the session. */
  signIn(login: string, returnTo?: string): Promise<{ cookie: string; location: string }>;
  get(path: string, cookie?: string): Promise<Response>;
  close(): Promise<void>;
}

/** What a suite may swap: the real pages, and its own store history. */
export interface WebHarnessOptions {
  pages?: readonly PageSpec[];
  /** Fills the store (on the harness's clock); the id of the finding the suite opens. */
  seed?: (store: Store, clock: ReturnType<typeof manualClock>) => Promise<string>;
}

export async function startWebHarness(options: WebHarnessOptions = {}): Promise<WebHarness> {
  const double = await new OAuthDouble().start();
  double.users.set("mona", { id: 1, repos: [FIXED_IN] });
  double.users.set("sam", { id: 2, repos: [] });
  double.users.set("ada", { id: 3, repos: [] });
  double.users.set("eve", { id: 4, repos: ["eve/dotfiles"] });
  double.teams.set("acme/appsec", new Set(["sam"]));
  double.teams.set("acme/auditors", new Set(["ada"]));
  const clock = manualClock(NOW);
  const location: TestLocation = await freshLocation("sqlite");
  const store = await location.open(clock.clock);
  const finding = options.seed
    ? await options.seed(store, clock)
    : ((await persistFindings(store, triage(asffS38("FAILED")), { org: "acme", installationId: 1 }))[0]
        ?.id as string);
  const logs: string[] = [];
  const log = {
    info: (obj: object, msg?: string) => logs.push(JSON.stringify({ obj, msg })),
    warn: (obj: object, msg?: string) => logs.push(JSON.stringify({ obj, msg })),
  };
  const access: AccessPort = {
    orgTeams: async (org) =>
      org.toLowerCase() === "acme"
        ? { installationId: 1, securityTeam: "acme/appsec", auditors: "acme/auditors" }
        : null,
    isTeamMember: (_id, team, login) =>
      new OctokitPlatform(
        tokenClient({ token: INSTALLATION_TOKEN, host: double.host, rateLimitHandling: false }),
      ).isTeamMember(team, login),
    canRead: (token, repository) => new UserGitHub(double.host, token).canRead(repository),
  };
  let handler: ReturnType<typeof createWebHandler> | undefined;
  const server: Server = createServer(async (req, res) => {
    if (!(await handler?.(req, res))) res.writeHead(418).end("not the dashboard's");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  double.redirectUri = `${base}/auth/callback`;
  const auth = new WebAuth({
    store,
    keys: new SessionKeys(SESSION_SECRET),
    host: double.host,
    client: { id: CLIENT_ID, secret: CLIENT_SECRET },
    publicUrl: base,
    access,
    now: clock.clock,
    log,
  });
  handler = createWebHandler({
    store,
    pages: options.pages ?? TEST_PAGES,
    assets: ASSETS,
    publicUrl: base,
    viewerFor: (req) => auth.viewerFor(req),
    auth,
    log,
  });
  const get = (path: string, cookie?: string) =>
    fetch(`${base}${path}`, { redirect: "manual", headers: cookie ? { cookie } : {} });
  return {
    base,
    store,
    double,
    clock,
    logs,
    finding,
    get,
    async signIn(login, returnTo) {
      double.signInAs = login;
      const start = await get(`/auth/login${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ""}`);
      const pending = cookiePair(start);
      const atGitHub = await fetch(start.headers.get("location") as string, { redirect: "manual" });
      const callback = new URL(atGitHub.headers.get("location") as string);
      const back = await get(`${callback.pathname}${callback.search}`, pending);
      if (back.status !== 302)
        throw new Error(`sign-in of ${login} answered ${back.status}: ${await back.text()}`);
      return { cookie: cookiePair(back), location: back.headers.get("location") as string };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await double.stop();
      await store.close();
      await location.dispose();
    },
  };
}

/** `name=value` of the first cookie a response sets (what a browser sends back). */
export function cookiePair(res: Response): string {
  const set = res.headers.getSetCookie()[0] ?? "";
  return set.split(";")[0] ?? "";
}
