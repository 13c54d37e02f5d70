// Sign-in, sessions, CSRF and who sees what, through the real handler over HTTP against the GitHub
// OAuth double (GitHub Enterprise Server's URL shape).

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hostFromEnv } from "../../src/github/hosts.ts";
import { authorizeUrl } from "../../src/github/user-auth.ts";
import { SESSION_TTL_MS, WebAuth } from "../../src/web/auth.ts";
import { CSP, safeReturnPath } from "../../src/web/respond.ts";
import { SessionKeys } from "../../src/web/secrets.ts";
import { cookiePair, SESSION_SECRET, startWebHarness, type WebHarness } from "./web-harness.ts";

let h: WebHarness;
beforeEach(async () => {
  h = await startWebHarness();
});
afterEach(async () => {
  await h.close();
  expect(h.double.unexpected).toEqual([]);
  // No log line carries a user token or a cookie.
  for (const token of h.double.tokens) expect(h.logs.join("\n")).not.toContain(token);
  expect(h.logs.join("\n")).not.toContain("fixloop_session=");
});

const post = (path: string, form: Record<string, string>, headers: Record<string, string>) =>
  fetch(`${h.base}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });

async function csrfOf(cookie: string): Promise<string> {
  const page = await (await h.get("/me", cookie)).text();
  return /name="csrf" value="([^"]+)"/.exec(page)?.[1] as string;
}

describe("signing in with GitHub", () => {
  it("sends a browser without a session from a page to GitHub and back to that page", async () => {
    const first = await h.get(`/findings/${h.finding}?tab=audit`);
    expect(first.status).toBe(302);
    expect(first.headers.get("location")).toBe(
      `/auth/login?returnTo=${encodeURIComponent(`/findings/${h.finding}?tab=audit`)}`,
    );

    const login = await h.get(first.headers.get("location") as string);
    expect(login.status).toBe(302);
    const toGitHub = new URL(login.headers.get("location") as string);
    // GitHub Enterprise Server: the web flow on the host, not under /api/v3.
    expect(`${toGitHub.origin}${toGitHub.pathname}`).toBe(`${h.double.url}/login/oauth/authorize`);
    expect(toGitHub.searchParams.get("client_id")).toBe("Iv1.fixloopdouble01");
    expect(toGitHub.searchParams.get("redirect_uri")).toBe(`${h.base}/auth/callback`);
    expect(toGitHub.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const { cookie, location } = await h.signIn("mona", `/findings/${h.finding}?tab=audit`);
    expect(location).toBe(`/findings/${h.finding}?tab=audit`);
    const page = await h.get(location, cookie);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`<h1>Finding ${h.finding}</h1>`);
    expect(html).toContain("Signed in as <strong>mona</strong>");
    expect(h.double.requests).toEqual([
      "GET /login/oauth/authorize",
      "POST /login/oauth/access_token",
      "GET /api/v3/user",
      "GET /api/v3/repos/acme/infra",
    ]);
  });

  it("sets a signed, HttpOnly, SameSite=Lax session cookie that lasts 8 hours", async () => {
    h.double.signInAs = "mona";
    const start = await h.get("/auth/login");
    expect(start.headers.getSetCookie()[0]).toMatch(
      /^fixloop_signin=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax$/,
    );
    const atGitHub = await fetch(start.headers.get("location") as string, { redirect: "manual" });
    const cb = new URL(atGitHub.headers.get("location") as string);
    const back = await h.get(cb.pathname + cb.search, cookiePair(start));
    const [session, cleared] = back.headers.getSetCookie();
    expect(session).toMatch(
      /^fixloop_session=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; Max-Age=28800; HttpOnly; SameSite=Lax$/,
    );
    expect(cleared).toBe("fixloop_signin=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
  });

  it("over https: __Host- cookies, Secure", () => {
    const auth = new WebAuth({
      store: h.store,
      keys: new SessionKeys(SESSION_SECRET),
      host: h.double.host,
      client: { id: "Iv1.x", secret: "s" },
      publicUrl: "https://fixloop.example.com",
      access: { orgTeams: async () => null, isTeamMember: async () => false, canRead: async () => false },
      now: h.clock.clock,
      log: { info() {}, warn() {} },
    });
    const out = auth.login("/orgs/acme");
    expect(out.ok && out.setCookie[0]).toMatch(
      /^__Host-fixloop_signin=.*; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/,
    );
    expect(out.ok && new URL(out.location).searchParams.get("redirect_uri")).toBe(
      "https://fixloop.example.com/auth/callback",
    );
  });

  it("refuses a callback whose state is not the one this browser started with", async () => {
    h.double.signInAs = "mona";
    const start = await h.get("/auth/login");
    const atGitHub = await fetch(start.headers.get("location") as string, { redirect: "manual" });
    const cb = new URL(atGitHub.headers.get("location") as string);
    cb.searchParams.set("state", "forged-state-0123456789");
    const forged = await h.get(cb.pathname + cb.search, cookiePair(start));
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain(
      "This sign-in was not started in this browser, or took longer than 10 minutes. Sign in again.",
    );
    expect(forged.headers.getSetCookie().some((c) => c.startsWith("fixloop_session="))).toBe(false);
    // Without the pre-login cookie (another browser): refused too, and no code was traded.
    const other = await h.get(`/auth/callback${new URL(atGitHub.headers.get("location") as string).search}`);
    expect(other.status).toBe(400);
    expect(h.double.requests).not.toContain("POST /login/oauth/access_token");
  });

  it("refuses a state that is too old (10 minutes) and a code GitHub does not accept", async () => {
    h.double.signInAs = "mona";
    const start = await h.get("/auth/login");
    const atGitHub = await fetch(start.headers.get("location") as string, { redirect: "manual" });
    const cb = new URL(atGitHub.headers.get("location") as string);
    h.clock.advance(10 * 60_000 + 1);
    expect((await h.get(cb.pathname + cb.search, cookiePair(start))).status).toBe(400);

    h.clock.advance(-(10 * 60_000 + 1));
    cb.searchParams.set("code", "not-a-code");
    const bad = await h.get(cb.pathname + cb.search, cookiePair(start));
    expect(bad.status).toBe(502);
    expect(await bad.text()).toContain(
      "GitHub did not accept the sign-in (bad_verification_code). Sign in again.",
    );
  });

  it("goes back only to a path on this site", () => {
    expect(safeReturnPath("/findings/abc?x=1")).toBe("/findings/abc?x=1");
    for (const bad of [
      "//evil.example/x",
      "/\\evil.example",
      "https://evil.example/",
      "evil",
      "/auth/login",
      "/%0d%0aSet-Cookie:x",
      null,
    ])
      expect(safeReturnPath(bad)).toBe(bad === "/%0d%0aSet-Cookie:x" ? bad : "/");
  });

  it("builds github.com and GitHub Enterprise Server sign-in URLs from the environment", () => {
    const app = {
      clientId: "Iv1.abc",
      clientSecret: "x",
      redirectUri: "https://fixloop.example.com/auth/callback",
    };
    expect(authorizeUrl(hostFromEnv({}), app, "s1")).toBe(
      "https://github.com/login/oauth/authorize?client_id=Iv1.abc&redirect_uri=https%3A%2F%2Ffixloop.example.com%2Fauth%2Fcallback&state=s1&allow_signup=false",
    );
    expect(authorizeUrl(hostFromEnv({ GHE_HOST: "ghe.example.com" }), app, "s1")).toMatch(
      /^https:\/\/ghe\.example\.com\/login\/oauth\/authorize\?client_id=Iv1\.abc&/,
    );
  });
});

describe("sessions", () => {
  it("ends after 8 hours: the page sends the browser to sign in again", async () => {
    const { cookie } = await h.signIn("mona");
    expect((await h.get("/me", cookie)).status).toBe(200);
    h.clock.advance(SESSION_TTL_MS - 1000);
    expect((await h.get("/me", cookie)).status).toBe(200);
    h.clock.advance(1000);
    const expired = await h.get("/me", cookie);
    expect(expired.status).toBe(302);
    expect(expired.headers.get("location")).toBe("/auth/login?returnTo=%2Fme");
  });

  it("treats a tampered or foreign cookie as no session", async () => {
    const { cookie } = await h.signIn("mona");
    const [name, value] = cookie.split("=") as [string, string];
    const [id, mac] = value.split(".") as [string, string];
    const flip = (s: string) => (s[0] === "A" ? "B" : "A") + s.slice(1);
    for (const forged of [
      `${name}=${flip(id)}.${mac}`,
      `${name}=${id}.${flip(mac)}`,
      `${name}=${id}`,
      `${name}=`,
    ]) {
      expect((await h.get("/me", forged)).status).toBe(302);
    }
    // Signed with another secret: the same.
    const other = new SessionKeys("another-secret-0123456789abcdef-0123").sign(id);
    expect((await h.get("/me", `${name}=${other}`)).status).toBe(302);
  });

  it("keeps the user's token encrypted and the session id hashed in the store", async () => {
    const { cookie } = await h.signIn("mona");
    const [token] = h.double.tokens;
    const rows = await h.store.db.selectFrom("web_sessions").selectAll().execute();
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(JSON.stringify(row)).not.toContain(token);
    expect(JSON.stringify(row)).not.toContain(cookie.split("=")[1]!.split(".")[0]);
    expect(row.token).toMatch(/^v1\./);
    expect(new SessionKeys(SESSION_SECRET).decrypt(row.token)).toBe(token);
    expect(new SessionKeys("another-secret-0123456789abcdef-0123").decrypt(row.token)).toBeNull();
  });
});

describe("forms: CSRF", () => {
  it("signs out with the session's token from this site, and the cookie is dead after", async () => {
    const { cookie } = await h.signIn("mona");
    const csrf = await csrfOf(cookie);
    const out = await post("/auth/logout", { csrf }, { cookie, origin: h.base });
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/");
    expect(out.headers.getSetCookie()[0]).toBe("fixloop_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
    expect((await h.get("/me", cookie)).status).toBe(302);
  });

  it("refuses a form without the token, with another session's, or from another site (403 page)", async () => {
    const { cookie } = await h.signIn("mona");
    const csrf = await csrfOf(cookie);
    const other = await h.signIn("eve");
    const cases: Array<[Record<string, string>, Record<string, string>, string]> = [
      [{}, { cookie, origin: h.base }, "This form is out of date"],
      [{ csrf: await csrfOf(other.cookie) }, { cookie, origin: h.base }, "This form is out of date"],
      [
        { csrf },
        { cookie, origin: "https://evil.example" },
        `This form was sent from https://evil.example, not from ${h.base}.`,
      ],
      [
        { csrf },
        { cookie, referer: "https://evil.example/page" },
        "This form was sent from https://evil.example",
      ],
      [{ csrf }, { cookie }, "This form was sent from (no Origin or Referer header)"],
      [{ csrf }, { origin: h.base }, "Your session has ended. Sign in again"],
    ];
    for (const [form, headers, message] of cases) {
      const res = await post("/auth/logout", form, headers);
      expect(res.status, message).toBe(403);
      const text = await res.text();
      expect(text).toContain("<h1>Form refused</h1>");
      expect(text).toContain(message);
    }
    // Still signed in: nothing was changed.
    expect((await h.get("/me", cookie)).status).toBe(200);
  });
});

describe("who sees what", () => {
  // A reader of the repository the finding was fixed in, the security team, an auditor, a stranger.
  const matrix: Array<[string, number, number, number]> = [
    // login, finding page, organization page, share-link management
    ["mona", 200, 404, 404],
    ["sam", 200, 200, 200],
    ["ada", 200, 200, 404],
    ["eve", 404, 404, 404],
  ];
  for (const [login, finding, org, share] of matrix) {
    it(`${login}: finding ${finding}, organization ${org}, share links ${share}`, async () => {
      const { cookie } = await h.signIn(login);
      const f = await h.get(`/findings/${h.finding}`, cookie);
      expect(f.status).toBe(finding);
      expect((await h.get("/orgs/acme", cookie)).status).toBe(org);
      expect((await h.get("/orgs/acme/share-links", cookie)).status).toBe(share);
      // Another organization, or a finding that does not exist: the same 404 for everyone.
      expect((await h.get("/orgs/globex", cookie)).status).toBe(404);
      const missing = await h.get("/findings/0123456789abcdef", cookie);
      expect(missing.status).toBe(404);
      if (finding === 404) expect(await f.text()).toBe(await missing.text());
      expect((await h.get("/me", cookie)).status).toBe(200);
    });
  }

  it("asks GitHub once per session for a few minutes, then again", async () => {
    const { cookie } = await h.signIn("sam");
    for (let i = 0; i < 3; i++) await h.get("/orgs/acme", cookie);
    const asked = () => h.double.requests.filter((r) => r.includes("/memberships/")).length;
    expect(asked()).toBe(2); // appsec and auditors, once
    h.clock.advance(5 * 60_000);
    await h.get("/orgs/acme", cookie);
    expect(asked()).toBe(4);
  });
});

describe("every answer", () => {
  it("carries the CSP and the other security headers, and pages sit in one document", async () => {
    const { cookie } = await h.signIn("mona");
    const answers = await Promise.all([
      h.get("/"),
      h.get("/me", cookie),
      h.get("/me"),
      h.get("/orgs/acme", cookie),
      h.get("/assets/dashboard.css"),
      h.get("/assets/nope.css"),
      h.get("/share/not-a-token"),
      post("/auth/logout", {}, { cookie }),
      fetch(`${h.base}/me`, { method: "DELETE" }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 302, 404, 200, 404, 404, 403, 405]);
    for (const a of answers) {
      expect(a.headers.get("content-security-policy")).toBe(CSP);
      expect(a.headers.get("x-content-type-options")).toBe("nosniff");
      expect(a.headers.get("referrer-policy")).toBe("same-origin");
      expect(a.headers.get("cache-control")).toBe("no-store");
    }
    expect(CSP).toBe(
      "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    const me = await (await h.get("/me", cookie)).text();
    expect(me).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(me).toContain("<title>Me · fixloop</title>");
    expect(me).toContain('<link rel="stylesheet" href="/assets/dashboard.css">');
    expect(me).toContain('<a class="skip-link" href="#main">Skip to content</a>');
    expect(me).toContain('<main id="main" tabindex="-1"><p>You are mona</p></main>');
    expect(me).toContain(`<input type="hidden" name="csrf" value="${await csrfOf(cookie)}">`);
    expect(await answers[4]!.text()).toContain("font-family");
  });

  it("leaves every other path to the next handler", async () => {
    for (const path of [
      "/api/findings",
      "/api/github/webhooks",
      "/healthz",
      "/metrics",
      "/favicon.ico",
      "//evil.example/me",
    ])
      expect((await h.get(path)).status).toBe(418);
  });
});
