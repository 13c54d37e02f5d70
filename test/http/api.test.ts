import { execFile, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ApiDeps, createApiHandler } from "../../src/http/routes.ts";
import { signBody, signRequest } from "../../src/http/signature.ts";
import { listJobs } from "../../src/store/jobs.ts";
import type { Store } from "../../src/store/store.ts";
import { DEFAULT_TRIAGE_CONFIG } from "../../src/triage/config.ts";
import { freshLocation, manualClock, type TestLocation } from "../store/engines.ts";

const SECRET = "api-test-secret-0123456789abcdef";
const OLD_SECRET = "api-old-secret-fedcba9876543210";
const NOW = Date.parse("2026-11-12T09:00:00.000Z");
const MB = 1024 * 1024;
const fixture = (path: string) => readFileSync(new URL(`../../fixtures/findings/${path}`, import.meta.url));
const CSPM_BATCH = fixture("generic/cspm-batch.json");
const HUB_BUCKET = fixture("generic/hub-module-bucket.json");
const CSPM_REJECTIONS = [
  {
    index: 2,
    path: "$[2].severity",
    reason: 'unknown severity "urgent" (expected critical, high, medium, low or info)',
  },
  { index: 3, path: "$[3].resource_arn", reason: "required field is missing (expected string)" },
];

const run = promisify(execFile);
// The documented command needs sh, openssl and curl: skipped with a warning without them, an error under CI.
const missingTools = ["openssl", "curl"].filter(
  (tool) => spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status !== 0,
);
const withShellTools = missingTools.length > 0 && process.env.CI !== "true" ? it.skip : it;

/** The fenced block after the HTML comment containing `marker` in docs/http-api.md. */
function documentedBlock(marker: string): string {
  const doc = readFileSync(new URL("../../docs/http-api.md", import.meta.url), "utf8");
  const at = doc.indexOf(marker);
  const match = /<!--[\s\S]*?-->\s*```[a-z]*\n([\s\S]*?)```/.exec(doc.slice(doc.lastIndexOf("<!--", at)));
  if (at < 0 || !match) throw new Error(`docs/http-api.md has no block marked "${marker}"`);
  return match[1]!;
}

/** The fields of the API's answers these tests read (each answer has some of them). */
interface FindingAnswer {
  id: string;
  dedupeKey: string;
  state: string;
  outcome: string;
  evidenceUrl?: string;
  risk: { score: number };
}
interface Answer {
  error: string;
  accepted: number;
  rejected: unknown[];
  findings: FindingAnswer[];
  nextCursor: string | null;
  finding: Record<string, unknown>;
  sources: Array<Record<string, unknown>>;
  audit: Array<Record<string, unknown>>;
}

interface LogLine {
  level: "info" | "warn";
  obj: object;
  msg: string | undefined;
}

describe("the HTTP API on a real server with a SQLite store", () => {
  let location: TestLocation;
  let store: Store;
  let server: Server;
  let base: string;
  let logs: LogLine[];
  let secrets: string[];
  let installations: Record<string, number>;
  const time = manualClock(NOW);

  beforeEach(async () => {
    time.set(NOW);
    logs = [];
    installations = { acme: 4242, "bad-config": 7 };
    secrets = [SECRET, OLD_SECRET];
    location = await freshLocation("sqlite");
    store = await location.open(time.clock);
    const deps: ApiDeps = {
      store,
      get secrets() {
        return secrets;
      },
      installationFor: async (org) => installations[org] ?? null,
      triageConfigFor: async (org) =>
        org === "bad-config"
          ? { ok: false, message: ".github/fixloop.yml: triage.tiers.high: expected number" }
          : { ok: true, config: DEFAULT_TRIAGE_CONFIG },
      log: {
        info: (obj, msg) => logs.push({ level: "info", obj, msg }),
        warn: (obj, msg) => logs.push({ level: "warn", obj, msg }),
      },
      evidenceUrl: (id) => `https://fixloop.example.com/api/findings/${id}/evidence`,
    };
    const handler = createApiHandler(deps);
    server = createServer(async (req, res) => {
      if (!(await handler(req, res))) {
        res.statusCode = 418;
        res.end("not handled by the API");
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await store.close().catch(() => {});
    await location.dispose();
    // Whatever happened, no log line carries the secret, a signature or a finding's text.
    const logged = JSON.stringify(logs);
    for (const secret of [SECRET, OLD_SECRET, "sha256=", "v2=", "prod-customer-data-backups", "<script>"])
      expect(logged).not.toContain(secret);
  });

  let signedSoFar = 0;
  /**
   * v2 headers for `method target`. A signature is accepted once, so each request is signed with its
   * own timestamp, as a client signs each request anew (a few seconds back from the server's clock).
   */
  const signed = (
    body: Buffer | string,
    { secret = SECRET, method = "POST", target = "/api/orgs/acme/findings", at = 0 } = {},
  ) => {
    const timestamp = at || Math.floor(time.clock() / 1000) - (signedSoFar++ % 200);
    return {
      "content-type": "application/json",
      ...signRequest(secret, { timestamp, method, target, body }),
    };
  };
  const post = (org: string, body: Buffer | string, headers?: Record<string, string>, query = "") => {
    const target = `/api/orgs/${org}/findings${query}`;
    return fetch(`${base}${target}`, {
      method: "POST",
      headers: headers ?? signed(body, { target }),
      body: typeof body === "string" ? body : new Uint8Array(body),
    });
  };
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { headers: { ...signed("", { method: "GET", target: path }), ...headers } });
  const json = async (response: Response) => (await response.json()) as Answer;

  describe("POST /api/orgs/:org/findings", () => {
    it("stores a signed document before answering 202, with the org, the installation and a remediate job", async () => {
      const response = await post("acme", CSPM_BATCH);
      expect(response.status).toBe(202);
      const body = await json(response);
      expect(body.accepted).toBe(2);
      expect(body.rejected).toEqual(CSPM_REJECTIONS);
      expect(body.findings).toHaveLength(2);
      const rows = await store.db.selectFrom("findings").selectAll().orderBy("risk_score", "desc").execute();
      expect(rows.map((r) => [r.id, r.org, r.installation_id, r.title])).toEqual([
        [expect.any(String), "acme", 4242, "Enable S3 Block Public Access on the bucket"],
        [expect.any(String), "acme", 4242, "ec2 finding f-11b0e7d4"],
      ]);
      for (const f of body.findings) {
        const row = rows.find((r) => r.id === f.id)!;
        expect(f).toMatchObject({ dedupeKey: f.id, state: row.state, outcome: "created" });
        expect(f.evidenceUrl).toBe(`https://fixloop.example.com/api/findings/${f.id}/evidence`);
      }
      const jobs = await listJobs(store.db, { kind: "remediate" });
      // A job for each finding that gets a PR, and for the one awaiting approval (its issue).
      const acting = rows
        .filter((r) => r.state === "fixing" || r.state === "awaiting_approval")
        .map((r) => r.id);
      expect(acting.length).toBe(2);
      const ids = (xs: Array<{ findingId: string }>) => xs.map((x) => x.findingId).sort();
      expect(ids(jobs.map((j) => j.payload as { findingId: string }))).toEqual(acting.sort());
      expect(logs).toContainEqual({
        level: "info",
        msg: "findings ingested",
        obj: expect.objectContaining({ org: "acme", accepted: 2, rejected: 2, created: 2, updated: 0 }),
      });
    });

    it("gives the same ids when the same document comes again, as updates", async () => {
      const first = await json(await post("acme", CSPM_BATCH));
      time.advance(60_000);
      const second = await json(await post("acme", CSPM_BATCH));
      expect(second.findings.map((f: { id: string }) => f.id)).toEqual(
        first.findings.map((f: { id: string }) => f.id),
      );
      expect(second.findings.map((f: { outcome: string }) => f.outcome)).toEqual(["updated", "updated"]);
      expect(await store.db.selectFrom("findings").select("id").execute()).toHaveLength(2);
    });

    it("accepts the previous secret during a rotation, and answers 401 to a wrong one or a stale timestamp", async () => {
      expect((await post("acme", HUB_BUCKET, signed(HUB_BUCKET, { secret: OLD_SECRET }))).status).toBe(202);
      const wrong = await post("acme", HUB_BUCKET, signed(HUB_BUCKET, { secret: "not-the-secret" }));
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toEqual({
        error: "signature does not match the request (timestamp, method, path, query and body)",
      });
      const old = signed(HUB_BUCKET, { at: Math.floor(NOW / 1000) - 301 });
      const stale = await post("acme", HUB_BUCKET, old);
      expect(stale.status).toBe(401);
      expect(await stale.json()).toEqual({
        error: "X-Fixloop-Timestamp is more than 300 seconds in the past",
      });
      expect(await store.db.selectFrom("findings").select("id").execute()).toHaveLength(1);
    });

    it("answers 413 to 11 MB without storing anything", async () => {
      const big = Buffer.alloc(11 * MB, 0x20);
      const response = await post("acme", big);
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual({ error: "request body is larger than 10485760 bytes" });
      expect(await store.db.selectFrom("findings").select("id").execute()).toEqual([]);
    });

    it("answers 404 when the app is not installed on the organization", async () => {
      const response = await post("globex", HUB_BUCKET);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: "fixloop is not installed on globex" });
      expect(await store.db.selectFrom("findings").select("id").execute()).toEqual([]);
    });

    it("answers 409 when the organization's configuration is invalid", async () => {
      const response = await post("bad-config", HUB_BUCKET);
      expect(response.status).toBe(409);
      expect(await response.json()).toEqual({
        error:
          "the fixloop configuration of bad-config is invalid, nothing was stored: .github/fixloop.yml: triage.tiers.high: expected number",
      });
    });

    it("answers 400 to garbage, to an unknown shape and to an unknown ?format=", async () => {
      const garbage = await post("acme", "{not json");
      expect(garbage.status).toBe(400);
      expect((await json(garbage)).error).toMatch(/^request body is not valid JSON: /);

      const shape = await post("acme", '{"hello":"world"}');
      expect(shape.status).toBe(400);
      expect((await json(shape)).error).toMatch(
        /^the document matches no supported format; expected one of: /,
      );

      const format = await post("acme", HUB_BUCKET, undefined, "?format=xml");
      expect(format.status).toBe(400);
      expect((await json(format)).error).toMatch(/^unknown format "xml"; expected one of: auto, sarif, /);
    });

    it("reads the format given with ?format=", async () => {
      const response = await post("acme", HUB_BUCKET, undefined, "?format=generic");
      expect(response.status).toBe(202);
      const sarif = await post("acme", HUB_BUCKET, undefined, "?format=sarif");
      expect(sarif.status).toBe(400);
      expect(await sarif.json()).toEqual({
        error: "the document has no valid finding",
        rejected: [{ index: 0, path: "$.runs", reason: "not a SARIF log: expected a runs array" }],
      });
    });

    it("answers 400 with every rejection when no record is valid", async () => {
      const doc = JSON.stringify((JSON.parse(CSPM_BATCH.toString("utf8")) as unknown[]).slice(2));
      const response = await post("acme", doc);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: "the document has no valid finding",
        rejected: [
          { ...CSPM_REJECTIONS[0], index: 0, path: "$[0].severity" },
          { ...CSPM_REJECTIONS[1], index: 1, path: "$[1].resource_arn" },
        ],
      });
    });

    it("answers 400 to a complete scan it cannot read, and stores nothing", async () => {
      const bad = async (query: string) => {
        const response = await post("acme", HUB_BUCKET, undefined, query);
        return { status: response.status, body: await json(response) };
      };
      expect(await bad("?complete=true")).toEqual({
        status: 400,
        body: {
          error:
            "a complete scan names the accounts it covered: accounts=<id>[,<id>…] (AWS accounts, Azure subscriptions or GCP projects)",
        },
      });
      expect((await bad("?accounts=123456789012")).body.error).toBe(
        "accounts, rules and tool describe a complete scan: add complete=true, or leave them out",
      );
      expect((await bad("?complete=true&accounts=123456789012&tool=wiz")).body.error).toBe(
        "tool=wiz, but the document holds findings of generic: a complete scan is one tool's",
      );
      expect(await listJobs(store.db)).toEqual([]);
    });

    it("lists nothing as absent when no finding waits for a re-scan", async () => {
      const response = await post(
        "acme",
        "[]",
        undefined,
        "?complete=true&accounts=123456789012&tool=generic",
      );
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ accepted: 0, rejected: [], findings: [], absent: [] });
    });

    it("accepts an empty list as a report with nothing in it", async () => {
      const response = await post("acme", "[]");
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ accepted: 0, rejected: [], findings: [] });
    });
  });

  describe("GET endpoints", () => {
    const hostile = () => {
      const doc = JSON.parse(HUB_BUCKET.toString("utf8")) as Record<string, unknown>;
      doc.title = `<script>alert("x")</script><img src=x onerror=alert(1)> & 'quoted'`;
      return JSON.stringify(doc);
    };
    const seed = async () => {
      await post("acme", CSPM_BATCH);
      return json(await post("acme", hostile()));
    };

    it("lists findings highest risk first, filtered by state and org, a page at a time", async () => {
      await seed();
      const all = await json(await get("/api/findings"));
      expect(all.nextCursor).toBeNull();
      expect(all.findings).toHaveLength(3);
      const scores = all.findings.map((f: { risk: { score: number } }) => f.risk.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(all.findings[0]).toMatchObject({ org: "acme", installationId: 4242 });

      const first = await json(await get("/api/findings?limit=2"));
      expect(first.findings).toHaveLength(2);
      const rest = await json(await get(`/api/findings?limit=2&cursor=${first.nextCursor}`));
      expect(rest.nextCursor).toBeNull();
      expect([...first.findings, ...rest.findings].map((f: { id: string }) => f.id)).toEqual(
        all.findings.map((f: { id: string }) => f.id),
      );

      const state = all.findings[0]!.state;
      const byState = await json(await get(`/api/findings?state=${state}`));
      expect(byState.findings.every((f: { state: string }) => f.state === state)).toBe(true);
      expect((await json(await get("/api/findings?org=globex"))).findings).toEqual([]);
    });

    it("refuses bad list parameters and unsigned requests", async () => {
      const cases: Array<[string, string]> = [
        ["/api/findings?state=open", "state must be one of: new, triaged,"],
        ["/api/findings?limit=0", "limit must be a whole number from 1 to 500"],
        ["/api/findings?cursor=bm9wZQ", "cursor is not one this API returned (pass nextCursor as it is)"],
        ["/api/findings?breached=yes", "breached must be true (or left out for findings whatever their SLA)"],
        [
          "/api/findings?sort=risk",
          'unknown query parameter "sort"; expected: state, org, breached, limit, cursor',
        ],
      ];
      for (const [path, reason] of cases) {
        const response = await get(path);
        expect(response.status, path).toBe(400);
        expect((await json(response)).error, path).toContain(reason);
      }
      const unsigned = await fetch(`${base}/api/findings`);
      expect(unsigned.status).toBe(401);
      expect(await unsigned.json()).toEqual({ error: "missing X-Fixloop-Timestamp header" });
    });

    it("shows one finding by id or unique prefix, with its sources and audit trail", async () => {
      const { findings } = await seed();
      const id = findings[0]!.id;
      const body = await json(await get(`/api/findings/${id.slice(0, 10)}`));
      expect(body.finding).toMatchObject({ id, org: "acme", title: expect.stringContaining("<script>") });
      expect(body.sources).toEqual([
        expect.objectContaining({ tool: "generic", format: "generic", status: "failed" }),
      ]);
      expect(body.sources[0]).not.toHaveProperty("raw");
      expect(body.audit[0]).toMatchObject({ from: null, to: "new", actor: { kind: "ingest" } });
      const missing = await get("/api/findings/0000000000");
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: 'no finding with id "0000000000"' });
    });

    it("serves the evidence as JSON, Markdown, CSV and an escaped HTML page", async () => {
      const { findings } = await seed();
      const id = findings[0]!.id;
      const asJson = await get(`/api/findings/${id}/evidence`);
      expect(asJson.headers.get("content-type")).toBe("application/json; charset=utf-8");
      expect((await json(asJson)).finding).toMatchObject({ id, title: expect.stringContaining("<script>") });

      const md = await get(`/api/findings/${id}/evidence?format=md`);
      expect(md.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
      expect(await md.text()).toContain(`# Evidence for finding ${id}`);
      const csv = await get(`/api/findings/${id}/evidence?format=csv`);
      expect(csv.headers.get("content-disposition")).toBe(
        `attachment; filename="fixloop-evidence-${id}.csv"`,
      );
      expect((await csv.text()).split("\r\n")[0]).toMatch(/^finding_id,detected_at,source,/);

      for (const response of [
        await get(`/api/findings/${id}/evidence`, { accept: "text/html,application/xhtml+xml;q=0.9" }),
        await get(`/api/findings/${id}/evidence?format=html`),
      ]) {
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
        expect(response.headers.get("content-security-policy")).toBe("default-src 'none'");
        expect(response.headers.get("x-content-type-options")).toBe("nosniff");
        const page = await response.text();
        expect(page).toContain(
          "<dt>Title</dt><dd>&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#60;img src=x onerror=alert(1)&#62; &#38; &#39;quoted&#39;</dd>",
        );
        expect(page).not.toMatch(/<script|<img|onerror=alert\(1\)>/i);
      }
      const bad = await get(`/api/findings/${id}/evidence?format=pdf`);
      expect(bad.status).toBe(400);
      expect(await bad.json()).toEqual({ error: "format must be one of: json, csv, md, html" });
    });
  });

  describe("a signed request is good for its own method, path, query and body, once", () => {
    const replayed = {
      error:
        "this signature was already used: a signed request is accepted once; sign it again with a new timestamp",
    };
    const mismatch = {
      error: "signature does not match the request (timestamp, method, path, query and body)",
    };
    const findingsOf = async (org: string) =>
      (await store.db.selectFrom("findings").select("id").where("org", "=", org).execute()).length;

    it("refuses the same request sent twice, and stores the document once", async () => {
      const headers = signed(CSPM_BATCH);
      expect((await post("acme", CSPM_BATCH, headers)).status).toBe(202);
      time.advance(1_000);
      const again = await post("acme", CSPM_BATCH, headers);
      expect(again.status).toBe(401);
      expect(await again.json()).toEqual(replayed);
      expect(logs).toContainEqual({
        level: "info",
        msg: "API request not authenticated",
        obj: { method: "POST", code: "replayed" },
      });
      expect(await listJobs(store.db, { kind: "remediate" })).toHaveLength(2);
    });

    it("refuses a captured request replayed to another organization's path", async () => {
      installations.globex = 99;
      const headers = signed(HUB_BUCKET, { target: "/api/orgs/acme/findings" });
      const replay = await post("globex", HUB_BUCKET, headers);
      expect(replay.status).toBe(401);
      expect(await replay.json()).toEqual(mismatch);
      expect(await findingsOf("globex")).toBe(0);
      expect((await post("acme", HUB_BUCKET, headers)).status).toBe(202);
    });

    it("refuses a captured request with ?complete=true added, or its query changed", async () => {
      const target = "/api/orgs/acme/findings";
      const headers = signed("[]", { target });
      for (const query of ["?complete=true&accounts=123456789012&tool=generic", "?format=generic"]) {
        const replay = await post("acme", "[]", headers, query);
        expect(replay.status, query).toBe(401);
        expect(await replay.json()).toEqual(mismatch);
      }
      const signedQuery = "?complete=true&accounts=123456789012&tool=generic";
      const withQuery = signed("[]", { target: `${target}${signedQuery}` });
      const reordered = await post(
        "acme",
        "[]",
        withQuery,
        "?accounts=123456789012&complete=true&tool=generic",
      );
      expect(reordered.status).toBe(401);
      expect((await post("acme", "[]", withQuery, signedQuery)).status).toBe(202);
    });

    it("refuses a GET signature for another finding or query, and a second use of it", async () => {
      const headers = signed("", { method: "GET", target: "/api/findings?org=acme" });
      const other = await fetch(`${base}/api/findings?org=globex`, { headers });
      expect(other.status).toBe(401);
      expect((await fetch(`${base}/api/findings?org=acme`, { headers })).status).toBe(200);
      const again = await fetch(`${base}/api/findings?org=acme`, { headers });
      expect(again.status).toBe(401);
      expect(await again.json()).toEqual(replayed);
    });

    it("accepts a deprecated v1 POST without a query once, marked as deprecated, and never with a query or for a GET", async () => {
      const at = Math.floor(time.clock() / 1000);
      const v1 = {
        "x-fixloop-timestamp": String(at),
        "x-fixloop-signature-256": signBody(SECRET, at, HUB_BUCKET),
      };
      const withQuery = await post("acme", HUB_BUCKET, v1, "?complete=true&accounts=123456789012");
      expect(withQuery.status).toBe(401);
      expect((await withQuery.json()) as unknown).toEqual({
        error:
          "the deprecated v1 signature (X-Fixloop-Signature-256) is accepted only for a POST without a query string; sign this request with v2 (X-Fixloop-Signature)",
      });
      const accepted = await post("acme", HUB_BUCKET, v1);
      expect(accepted.status).toBe(202);
      expect(accepted.headers.get("deprecation")).toBe("true");
      expect(logs).toContainEqual({
        level: "warn",
        msg: "API request signed with the deprecated v1 scheme",
        obj: { method: "POST" },
      });
      installations.globex = 99;
      const elsewhere = await post("globex", HUB_BUCKET, v1);
      expect(elsewhere.status).toBe(401);
      expect(await elsewhere.json()).toEqual(replayed);
      const emptyV1 = {
        "x-fixloop-timestamp": String(at),
        "x-fixloop-signature-256": signBody(SECRET, at, ""),
      };
      expect((await fetch(`${base}/api/findings`, { headers: emptyV1 })).status).toBe(401);
      expect(await findingsOf("globex")).toBe(0);
    });
  });

  describe("docs/http-api.md", () => {
    withShellTools("reads findings with the documented signed GET", async () => {
      time.set(Date.now()); // the block signs with `date +%s`
      await post("acme", CSPM_BATCH);
      const script = documentedBlock("test/http/api.test.ts runs this block");
      const env = { PATH: process.env.PATH, FIXLOOP_URL: base, FIXLOOP_SECRET: SECRET };
      const { stdout } = await run("sh", ["-c", script], { env });
      const listed = JSON.parse(stdout) as { findings: Array<{ state: string }>; nextCursor: null };
      expect(listed.findings.length).toBeGreaterThan(0);
      expect(listed.findings.every((f) => f.state === "fixing")).toBe(true);
      const wrong = run("sh", ["-c", script], { env: { ...env, FIXLOOP_SECRET: "wrong" } });
      await expect(wrong).rejects.toMatchObject({
        code: 22,
        stdout: JSON.stringify({
          error: "signature does not match the request (timestamp, method, path, query and body)",
        }),
      });
    });
  });

  describe("routing and health", () => {
    it("answers /healthz without authentication, and 503 when the store is gone", async () => {
      const ok = await fetch(`${base}/healthz`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ status: "ok" });
      await store.close();
      const down = await fetch(`${base}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({ status: "unavailable" });
      expect(logs.at(-1)).toMatchObject({ level: "warn", msg: "store health check failed" });
    });

    it("answers 404 to unknown API paths, 405 with Allow to a wrong method, and leaves other paths alone", async () => {
      const unknown = await get("/api/nothing/here");
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toEqual({ error: "no API route GET /api/nothing/here" });

      const wrong = await get("/api/orgs/acme/findings");
      expect(wrong.status).toBe(405);
      expect(wrong.headers.get("allow")).toBe("POST");
      expect(await wrong.json()).toEqual({
        error: "GET is not allowed on /api/orgs/:org/findings; use POST",
      });
      const postList = await fetch(`${base}/api/findings`, { method: "POST", body: "{}" });
      expect(postList.status).toBe(405);
      expect(postList.headers.get("allow")).toBe("GET");

      const other = await fetch(`${base}/ping`);
      expect(other.status).toBe(418);
    });

    it("serves nothing under /api without a configured secret", async () => {
      secrets = [];
      const response = await post("acme", HUB_BUCKET);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        error: "the API is not configured: FIXLOOP_API_SECRET is not set",
      });
    });
  });
});
