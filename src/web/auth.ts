// Signing in with GitHub and the sessions behind the cookie. The OAuth web flow of the GitHub
// App's user authorization: /auth/login sets a short-lived pre-login cookie carrying a random
// `state` (signed), sends the browser to GitHub, and /auth/callback accepts the code only when
// GitHub returns the same state to the same browser. The session is a random id in a signed
// cookie (HttpOnly, SameSite=Lax, Secure over https) and a row found by the id's hash, holding the
// user's token encrypted; it expires SESSION_TTL_MS after sign-in (a GitHub App's user token
// expires after 8 hours too). Nothing here logs a token, a code or a cookie.

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { GitHubHost } from "../github/hosts.ts";
import { authorizeUrl, exchangeCode, type OAuthApp, UserGitHub } from "../github/user-auth.ts";
import { deleteExpiredSessions, deleteSession, findSession, insertSession } from "../store/sessions.ts";
import type { Store } from "../store/store.ts";
import { AccessCache, type AccessPort, userViewer } from "./access.ts";
import type { Viewer } from "./contract.ts";
import { cookie, readCookies } from "./cookies.ts";
import { safeReturnPath } from "./respond.ts";
import type { SessionKeys } from "./secrets.ts";

/** How long a session lasts after sign-in: a working day, like GitHub's user tokens. */
export const SESSION_TTL_MS = 8 * 60 * 60_000;
/** How long a sign-in may take on GitHub's side. */
export const SIGN_IN_TTL_MS = 10 * 60_000;
/** Sessions whose remembered access answers are kept in memory at most. */
const MAX_CACHED_SESSIONS = 1000;

export interface WebLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface WebAuthOptions {
  store: Store;
  keys: SessionKeys;
  host: GitHubHost;
  /** GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET; null: sign-in is not configured. */
  client: { id: string; secret: string } | null;
  /** FIXLOOP_PUBLIC_URL, no trailing slash. */
  publicUrl: string;
  access: AccessPort;
  now: () => number;
  log: WebLog;
  /** The user behind a token (tests of other parts may replace GitHub's answer). */
  userOf?: (token: string) => Promise<{ login: string; id: number }>;
}

/** What the handler sends: a redirect with cookies, or a message page. */
export type AuthOutcome =
  | { ok: true; location: string; setCookie: string[] }
  | { ok: false; status: number; title: string; message: string; setCookie: string[] };

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");
const random = () => randomBytes(32).toString("base64url");

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class WebAuth {
  readonly secure: boolean;
  readonly sessionCookie: string;
  readonly signInCookie: string;
  readonly #o: WebAuthOptions;
  readonly #caches = new Map<string, AccessCache>();

  constructor(options: WebAuthOptions) {
    this.#o = options;
    this.secure = new URL(options.publicUrl).protocol === "https:";
    // __Host-: the browser keeps it to this exact origin (Secure, Path=/, no Domain).
    this.sessionCookie = this.secure ? "__Host-fixloop_session" : "fixloop_session";
    this.signInCookie = this.secure ? "__Host-fixloop_signin" : "fixloop_signin";
  }

  get configured(): boolean {
    return this.#o.client !== null;
  }

  #app(): OAuthApp {
    const client = this.#o.client as { id: string; secret: string };
    return {
      clientId: client.id,
      clientSecret: client.secret,
      redirectUri: `${this.#o.publicUrl}/auth/callback`,
    };
  }

  /** To GitHub's authorization page, with a fresh state bound to this browser by a signed cookie. */
  login(returnTo: string | null): AuthOutcome {
    if (!this.#o.client)
      return this.#failure(
        503,
        "Sign-in is not configured",
        "The operator has not set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET.",
      );
    const state = random();
    const payload = Buffer.from(
      JSON.stringify({ state, exp: this.#o.now() + SIGN_IN_TTL_MS, to: safeReturnPath(returnTo) }),
    ).toString("base64url");
    return {
      ok: true,
      location: authorizeUrl(this.#o.host, this.#app(), state),
      setCookie: [
        cookie(this.signInCookie, this.#o.keys.sign(payload), {
          secure: this.secure,
          maxAge: SIGN_IN_TTL_MS / 1000,
        }),
      ],
    };
  }

  /** GitHub sent the browser back: check the state, trade the code, start a session. */
  async callback(req: IncomingMessage, url: URL): Promise<AuthOutcome> {
    if (!this.#o.client) return this.login(null);
    const pending = this.#pendingSignIn(req);
    const state = url.searchParams.get("state") ?? "";
    if (!pending || !state || !equal(state, pending.state)) {
      this.#o.log.info({ route: "/auth/callback" }, "sign-in refused: state does not match this browser's");
      return this.#failure(
        400,
        "Sign-in failed",
        "This sign-in was not started in this browser, or took longer than 10 minutes. Sign in again.",
      );
    }
    const denied = url.searchParams.get("error");
    if (denied)
      return this.#failure(
        403,
        "Sign-in cancelled",
        `GitHub did not authorize fixloop (${denied.slice(0, 60)}).`,
      );
    const exchange = await exchangeCode(this.#o.host, this.#app(), url.searchParams.get("code") ?? "");
    if (!exchange.ok) {
      this.#o.log.warn({ route: "/auth/callback", reason: exchange.reason }, "sign-in: code exchange failed");
      return this.#failure(
        502,
        "Sign-in failed",
        `GitHub did not accept the sign-in (${exchange.reason}). Sign in again.`,
      );
    }
    const user = await (this.#o.userOf ?? ((t) => new UserGitHub(this.#o.host, t).user()))(exchange.token);
    const sessionId = random();
    const now = this.#o.now();
    await deleteExpiredSessions(this.#o.store.db, now);
    await insertSession(this.#o.store.db, {
      idHash: sha256(sessionId),
      login: user.login,
      userId: user.id,
      token: this.#o.keys.encrypt(exchange.token),
      csrf: random(),
      createdAt: now,
      expiresAt: now + SESSION_TTL_MS,
    });
    this.#o.log.info({ route: "/auth/callback", login: user.login }, "signed in");
    return {
      ok: true,
      location: pending.to,
      setCookie: [
        cookie(this.sessionCookie, this.#o.keys.sign(sessionId), {
          secure: this.secure,
          maxAge: SESSION_TTL_MS / 1000,
        }),
        this.#clear(this.signInCookie),
      ],
    };
  }

  /** Ends the session (its row is deleted, so a copied cookie dies with it). */
  async logout(req: IncomingMessage): Promise<AuthOutcome> {
    const id = this.#sessionId(req);
    if (id) {
      await deleteSession(this.#o.store.db, sha256(id));
      this.#caches.delete(sha256(id));
    }
    return { ok: true, location: "/", setCookie: [this.#clear(this.sessionCookie)] };
  }

  /** The signed-in user behind the request, or null (no cookie, a forged or expired one). */
  async viewerFor(req: IncomingMessage): Promise<Viewer | null> {
    const id = this.#sessionId(req);
    if (!id) return null;
    const idHash = sha256(id);
    const session = await findSession(this.#o.store.db, idHash, this.#o.now());
    if (!session) return null;
    const token = this.#o.keys.decrypt(session.token);
    // A token sealed under a previous secret cannot be used: sign in again.
    if (token === null) return null;
    return userViewer(
      { login: session.login, token, csrfToken: session.csrf },
      this.#o.access,
      this.#cache(idHash),
    );
  }

  #cache(idHash: string): AccessCache {
    let cache = this.#caches.get(idHash);
    if (!cache) {
      if (this.#caches.size >= MAX_CACHED_SESSIONS)
        this.#caches.delete(this.#caches.keys().next().value as string);
      cache = new AccessCache(this.#o.now);
      this.#caches.set(idHash, cache);
    }
    return cache;
  }

  #sessionId(req: IncomingMessage): string | null {
    const raw = readCookies(req).get(this.sessionCookie);
    return raw ? this.#o.keys.verify(raw) : null;
  }

  #pendingSignIn(req: IncomingMessage): { state: string; to: string } | null {
    const raw = readCookies(req).get(this.signInCookie);
    const payload = raw ? this.#o.keys.verify(raw) : null;
    if (!payload) return null;
    try {
      const p = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as {
        state?: unknown;
        exp?: unknown;
        to?: unknown;
      };
      if (typeof p.state !== "string" || typeof p.exp !== "number" || p.exp <= this.#o.now()) return null;
      return { state: p.state, to: safeReturnPath(typeof p.to === "string" ? p.to : "/") };
    } catch {
      return null;
    }
  }

  #clear(name: string): string {
    return cookie(name, "", { secure: this.secure, maxAge: 0 });
  }

  #failure(status: number, title: string, message: string): AuthOutcome {
    return { ok: false, status, title, message, setCookie: [this.#clear(this.signInCookie)] };
  }
}
