// The dashboard as the app runs it: sign-in when GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET are
// set (the manifest flow writes both to .env), the session secret from FIXLOOP_SESSION_SECRET or
// the data directory, and the pages of PAGES. src/app.ts passes in what access needs from GitHub.

import type { GitHubHost } from "../github/hosts.ts";
import type { Store } from "../store/store.ts";
import type { AccessPort } from "./access.ts";
import { WebAuth, type WebLog } from "./auth.ts";
import { createWebHandler } from "./handler.ts";
import { ASSETS, PAGES } from "./pages/registry.ts";
import { loadSessionSecret, SessionKeys } from "./secrets.ts";

export interface DashboardOptions {
  env: Readonly<Record<string, string | undefined>>;
  store: Store;
  host: GitHubHost;
  publicUrl: string;
  dataDir: string;
  access: AccessPort;
  log: WebLog;
}

export function dashboardHandler(o: DashboardOptions) {
  const id = o.env.GITHUB_CLIENT_ID;
  const secret = o.env.GITHUB_CLIENT_SECRET;
  let auth: WebAuth | null = null;
  if (id && secret) {
    const session = loadSessionSecret(o.env.FIXLOOP_SESSION_SECRET, o.dataDir);
    auth = new WebAuth({
      store: o.store,
      keys: new SessionKeys(session.secret),
      host: o.host,
      client: { id, secret },
      publicUrl: o.publicUrl,
      access: o.access,
      now: o.store.now,
      log: o.log,
    });
    o.log.info({ sessionSecret: session.source }, "fixloop: dashboard sign-in with GitHub is on");
  } else {
    o.log.warn(
      {},
      "fixloop: GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET are not both set, so nobody can sign in to the dashboard (share links still open)",
    );
  }
  const signedIn = auth;
  return createWebHandler({
    store: o.store,
    pages: PAGES,
    assets: ASSETS,
    publicUrl: o.publicUrl,
    viewerFor: async (req) => (signedIn ? signedIn.viewerFor(req) : null),
    ...(signedIn ? { auth: signedIn } : {}),
    log: o.log,
  });
}
