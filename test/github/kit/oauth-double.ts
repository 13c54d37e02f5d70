// A GitHub double for the dashboard's sign-in, served over real HTTP so a browser can follow it:
// the OAuth web flow (`/login/oauth/authorize` redirects straight back with a code, as GitHub does
// for a user who already authorized the app; `/login/oauth/access_token` trades it), and the REST
// answers the dashboard asks under `/api/v3` (GitHub Enterprise Server's shape): `/user`,
// `/repos/{owner}/{repo}` with the user's token, team membership with an installation token.
// Anything else — or a wrong client id, secret, redirect URI or token — is recorded in
// `unexpected` and answered 501, and the tests assert `unexpected` is empty.

import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { GitHubHost } from "../../../src/github/hosts.ts";

export const CLIENT_ID = "Iv1.fixloopdouble01";
export const CLIENT_SECRET = "double-client-secret-0123456789abcdef";
/** The installation token the double accepts for team membership questions. */
export const INSTALLATION_TOKEN = "ghs_doubleinstallationtoken";

export interface DoubleUser {
  id: number;
  /** `owner/repo` the user can read. */
  repos: string[];
}

export class OAuthDouble {
  readonly #server: Server;
  url = "";
  /** The redirect URI the app must send (its `/auth/callback`). */
  redirectUri = "";
  readonly users = new Map<string, DoubleUser>();
  /** `org/slug` → active members. */
  readonly teams = new Map<string, Set<string>>();
  /** Who "approves" on GitHub's authorization page next. */
  signInAs: string | null = null;
  readonly requests: string[] = [];
  readonly unexpected: string[] = [];
  readonly #codes = new Map<string, string>();
  readonly #tokens = new Map<string, string>();

  constructor() {
    this.#server = createServer((req, res) => {
      this.#answer(req, res).catch((error) => {
        this.unexpected.push(`${req.method} ${req.url}: ${(error as Error).message}`);
        res.writeHead(500).end();
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** GitHub Enterprise Server's shape: the web flow on the host, the API under /api/v3. */
  get host(): GitHubHost {
    return { apiUrl: `${this.url}/api/v3`, webUrl: this.url };
  }

  /** The tokens handed out (the tests check none of them reaches a log or the store in clear). */
  get tokens(): string[] {
    return [...this.#tokens.keys()];
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  #fail(req: IncomingMessage, res: ServerResponse, why: string): void {
    this.unexpected.push(`${req.method} ${req.url}: ${why}`);
    res.writeHead(501, { "content-type": "application/json" }).end(JSON.stringify({ message: why }));
  }

  async #answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    this.requests.push(`${req.method} ${url.pathname}`);
    if (req.method === "GET" && url.pathname === "/login/oauth/authorize")
      return this.#authorize(req, res, url);
    if (req.method === "POST" && url.pathname === "/login/oauth/access_token") return this.#token(req, res);
    const auth = /^(?:token|bearer) (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    if (req.method === "GET" && url.pathname === "/api/v3/user") {
      const login = auth ? this.#tokens.get(auth) : undefined;
      if (!login) return this.#fail(req, res, "GET /user without a user token");
      return json(res, 200, { login, id: this.users.get(login)?.id, type: "User" });
    }
    const repo = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && repo) {
      const login = auth ? this.#tokens.get(auth) : undefined;
      if (!login) return this.#fail(req, res, "a repository read without a user token");
      const full = `${repo[1]}/${repo[2]}`;
      if (!this.users.get(login)?.repos.includes(full)) return json(res, 404, { message: "Not Found" });
      return json(res, 200, {
        full_name: full,
        private: true,
        permissions: { admin: false, push: false, pull: true },
      });
    }
    const member = /^\/api\/v3\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && member) {
      if (auth !== INSTALLATION_TOKEN)
        return this.#fail(req, res, "team membership asked without the installation token");
      const active = this.teams.get(`${member[1]}/${member[2]}`)?.has(member[3] as string);
      if (!active) return json(res, 404, { message: "Not Found" });
      return json(res, 200, { state: "active", role: "member" });
    }
    this.#fail(req, res, "not an answer this double has");
  }

  #authorize(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const wrong =
      url.searchParams.get("client_id") !== CLIENT_ID
        ? "wrong client_id"
        : url.searchParams.get("redirect_uri") !== this.redirectUri
          ? "wrong redirect_uri"
          : this.signInAs
            ? null
            : "nobody is signing in";
    if (wrong || !this.signInAs) {
      this.#fail(req, res, wrong ?? "nobody is signing in");
      return;
    }
    const code = randomBytes(10).toString("hex");
    this.#codes.set(code, this.signInAs);
    const back = new URL(this.redirectUri);
    back.searchParams.set("code", code);
    back.searchParams.set("state", url.searchParams.get("state") ?? "");
    res.writeHead(302, { location: back.toString() }).end();
  }

  async #token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
    if (req.headers.accept !== "application/json")
      return this.#fail(req, res, "Accept is not application/json");
    if (form.get("client_id") !== CLIENT_ID || form.get("client_secret") !== CLIENT_SECRET)
      return this.#fail(req, res, "wrong client credentials");
    if (form.get("redirect_uri") !== this.redirectUri) return this.#fail(req, res, "wrong redirect_uri");
    const login = this.#codes.get(form.get("code") ?? "");
    // GitHub's answer to a bad or used code: 200 with an error.
    if (!login)
      return json(res, 200, {
        error: "bad_verification_code",
        error_description: "The code passed is incorrect or expired.",
      });
    this.#codes.delete(form.get("code") ?? "");
    const token = `ghu_${randomBytes(18).toString("hex")}`;
    this.#tokens.set(token, login);
    json(res, 200, { access_token: token, token_type: "bearer", scope: "", expires_in: 28800 });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
}
