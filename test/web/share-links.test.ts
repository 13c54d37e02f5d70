// Share links through the real handler over HTTP: the security team creates one (a finding, or an
// auditor pack of a period), anyone holding it sees that one thing until it expires or is revoked,
// and every creation, use and revocation is in the trail with its actor and time.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startWebHarness, type WebHarness } from "./web-harness.ts";

const DAY = 24 * 60 * 60_000;
let h: WebHarness;
let sam: string;
let csrf: string;

beforeEach(async () => {
  h = await startWebHarness();
  sam = (await h.signIn("sam")).cookie;
  csrf = /name="csrf" value="([^"]+)"/.exec(
    await (await h.get("/orgs/acme/share-links", sam)).text(),
  )?.[1] as string;
});
afterEach(async () => {
  await h.close();
  expect(h.double.unexpected).toEqual([]);
});

const post = (path: string, form: Record<string, string>, cookie = sam) =>
  fetch(`${h.base}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: h.base },
    body: new URLSearchParams({ csrf, ...form }).toString(),
  });

async function create(form: Record<string, string>): Promise<{ path: string; html: string }> {
  const res = await post("/orgs/acme/share-links", form);
  const html = await res.text();
  expect(res.status, html).toBe(201);
  const url = /id="created-url"[^>]* value="([^"]+)"/.exec(html)?.[1] as string;
  expect(url.startsWith(`${h.base}/share/`)).toBe(true);
  return { path: new URL(url).pathname, html };
}

/** The trail rows of the management page (signed in afresh: a session lasts 8 hours). */
async function trail(): Promise<string[]> {
  sam = (await h.signIn("sam")).cookie;
  const page = await (await h.get("/orgs/acme/share-links", sam)).text();
  const section = page.slice(page.indexOf('id="trail-title"'));
  return [
    ...section.matchAll(
      /<tr><td>([^<]+)<\/td><td><code>[0-9a-f]+<\/code><\/td><td>(\w+)<\/td><td>([^<]+)<\/td><\/tr>/g,
    ),
  ].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
}

describe("a share link to one finding", () => {
  it("opens that finding to anyone holding it, and nothing else, until it expires", async () => {
    const { path, html } = await create({ kind: "finding", finding: h.finding, days: "7" });
    expect(html).toContain("Copy it now: it is shown only once. It expires on 2026-11-27 10:00 UTC.");
    const token = path.slice("/share/".length);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
    // Only the hash is stored.
    const rows = await h.store.db.selectFrom("share_links").selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);

    const shared = await h.get(path);
    expect(shared.status).toBe(200);
    const page = await shared.text();
    expect(page).toContain(`<h1>Finding ${h.finding}</h1>`);
    expect(page).toContain("Shared view (read only)");
    expect(page).not.toContain("Sign out");
    // The link is no session: every other page still wants a sign-in.
    expect((await h.get("/orgs/acme")).status).toBe(302);

    h.clock.advance(7 * DAY - 1);
    expect((await h.get(path)).status).toBe(200);
    h.clock.advance(1);
    const expired = await h.get(path);
    expect(expired.status).toBe(404);
    expect(await expired.text()).toContain("There is no such page, or you may not see it.");
    expect(await trail()).toEqual([
      `2026-11-27 09:59 UTC used share:${rows[0]!.id}`,
      `2026-11-20 10:00 UTC used share:${rows[0]!.id}`,
      "2026-11-20 10:00 UTC created sam",
    ]);
    const list = await (await h.get("/orgs/acme/share-links", sam)).text();
    expect(list).toContain(`<td>Expired</td>`);
  });

  it("stops working when revoked, and the revocation is in the trail with who and when", async () => {
    const { path } = await create({ kind: "finding", finding: h.finding, days: "30" });
    expect((await h.get(path)).status).toBe(200);
    const [link] = await h.store.db.selectFrom("share_links").select("id").execute();
    h.clock.advance(60 * 60_000);
    const revoked = await post(`/orgs/acme/share-links/${link!.id}/revoke`, {});
    expect(revoked.status).toBe(303);
    expect(revoked.headers.get("location")).toBe("/orgs/acme/share-links");
    expect((await h.get(path)).status).toBe(404);
    // Revoking twice: nothing to revoke.
    expect((await post(`/orgs/acme/share-links/${link!.id}/revoke`, {})).status).toBe(404);
    expect(await trail()).toEqual([
      "2026-11-20 11:00 UTC revoked sam",
      `2026-11-20 10:00 UTC used share:${link!.id}`,
      "2026-11-20 10:00 UTC created sam",
    ]);
    expect(await (await h.get("/orgs/acme/share-links", sam)).text()).toContain(
      "<td>Revoked by sam on 2026-11-20 11:00 UTC</td>",
    );
    // The trail is append-only in the database.
    await expect(h.store.db.deleteFrom("share_link_events").execute()).rejects.toThrow(/append-only/);
  });
});

describe("a share link to an auditor pack", () => {
  it("opens that organization's pack for the link's period, whatever the query says, and its export", async () => {
    const { path } = await create({
      kind: "auditor-pack",
      since: "2026-10-01",
      until: "2026-10-31",
      days: "14",
    });
    const page = await (await h.get(`${path}?since=2020-01-01&until=2030-01-01`)).text();
    expect(page).toContain("<h1>Auditor pack of acme, 2026-10-01 to 2026-10-31</h1>");
    const csv = await h.get(`${path}?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toBe(
      'attachment; filename="auditor-pack-acme-2026-10-01-2026-10-31.csv"',
    );
  });
});

describe("creating links", () => {
  it("says what is wrong with the form, and creates nothing", async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [
        { kind: "finding", finding: h.finding, days: "31" },
        "A link expires after 1 to 30 days (whole days).",
      ],
      [{ kind: "finding", finding: h.finding, days: "0" }, "A link expires after 1 to 30 days (whole days)."],
      [
        { kind: "finding", finding: "0123456789abcdef", days: "7" },
        "No finding with id &#34;0123456789abcdef&#34; in acme",
      ],
      [
        { kind: "auditor-pack", since: "2026-10-31", until: "2026-10-01", days: "7" },
        "An auditor pack needs a period",
      ],
      [
        { kind: "auditor-pack", since: "2026-02-30", until: "2026-03-01", days: "7" },
        "An auditor pack needs a period",
      ],
      [{ kind: "everything", days: "7" }, "Choose what to share"],
    ];
    for (const [form, message] of cases) {
      const res = await post("/orgs/acme/share-links", form);
      expect(res.status, message).toBe(400);
      expect(await res.text()).toContain(message);
    }
    expect(await h.store.db.selectFrom("share_links").selectAll().execute()).toEqual([]);
  });

  it("is for the security team only: an auditor or a reader gets 404, a form from elsewhere 403", async () => {
    for (const login of ["ada", "mona"]) {
      const { cookie } = await h.signIn(login);
      const own = /name="csrf" value="([^"]+)"/.exec(
        await (await h.get("/me", cookie)).text(),
      )?.[1] as string;
      const res = await fetch(`${h.base}/orgs/acme/share-links`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: h.base },
        body: new URLSearchParams({ csrf: own, kind: "finding", finding: h.finding, days: "7" }).toString(),
      });
      expect(res.status).toBe(404);
    }
    const foreign = await fetch(`${h.base}/orgs/acme/share-links`, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: sam,
        origin: "https://evil.example",
      },
      body: new URLSearchParams({ csrf, kind: "finding", finding: h.finding, days: "7" }).toString(),
    });
    expect(foreign.status).toBe(403);
    expect(await h.store.db.selectFrom("share_links").selectAll().execute()).toEqual([]);
  });

  it("an unknown token is a 404 and records nothing", async () => {
    expect((await h.get("/share/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")).status).toBe(404);
    expect(await h.store.db.selectFrom("share_link_events").selectAll().execute()).toEqual([]);
  });
});
