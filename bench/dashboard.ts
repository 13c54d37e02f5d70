// The dashboard on a large store (issue 17), run by `npm run bench -- --only dashboard` once per
// engine in its own process: 100,000 findings and 1,000,000 audit events (with remediations,
// verifications, exceptions, suppressions, tracking issues and sources in proportion) written in
// bulk through the engine's own driver, then each page of PAGES rendered as the HTTP handler would
// (median of 5 warm runs) — first without the indexes of migrations 0014, 0019 and 0020 (the
// baseline), then with them. The rows are loaded into the schema before 0020, so opening the store
// runs 0020's fill of every audit event's organization on a million events, timed.
// Prints one JSON line per page, one for the load and one for the migration.
//
// The rows reuse real findings as templates (fixtures/findings/tfsec: the finding, risk and source
// JSON exactly as ingest writes them), with ids, organizations, teams, states and times spread
// deterministically over a year.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import pg from "pg";
import { parseFindings } from "../src/findings/registry.ts";
import { findingRow, sourceRow } from "../src/ingest/persist.ts";
import { triageFinding } from "../src/ingest/triage-finding.ts";
import { resolveRuleId } from "../src/rules/registry.ts";
import { SQLITE_FILE } from "../src/store/connect.ts";
import { AUDIT_ORG_INDEXES, COVERING_INDEXES, DASHBOARD_INDEXES, migrate } from "../src/store/migrations.ts";
import { Store } from "../src/store/store.ts";
import { DEFAULT_TRIAGE_CONFIG } from "../src/triage/config.ts";
import type { Viewer } from "../src/web/contract.ts";
import { PAGES } from "../src/web/pages/registry.ts";
import { freshLocation, type StoreEngine } from "./store.ts";

const FINDINGS = Number(process.argv[3] ?? 100_000);
const EVENTS_PER_FINDING = 10;
const NOW = Date.parse("2026-11-20T12:00:00Z");
const DAY = 86_400_000;
const HOUR = 3_600_000;
const TEAMS = 20;
/** The dashboard's indexes (migrations 0014, 0019 and 0020): the baseline is timed without them. */
const INDEXES = [...DASHBOARD_INDEXES, ...COVERING_INDEXES, ...AUDIT_ORG_INDEXES];
/** The schema the rows are loaded into: the one before audit events carried their organization. */
const BEFORE_ORG = "0019_dashboard_covering_indexes";

type Value = string | number | null;
interface Table {
  name: string;
  /** Column name and its PostgreSQL array type for unnest. */
  columns: Array<[string, "text" | "int8" | "int4"]>;
  rows: Value[][];
}

/** A deterministic PRNG (mulberry32): the same store on every run and both engines. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The final state, and the states a finding went through after `new` and `triaged` to get there. */
const PATHS: Array<[number, string[]]> = [
  [0.4, ["fixing", "pr_open", "merged", "verifying", "resolved"]],
  [0.62, ["recorded_only"]],
  [0.68, ["fixing"]],
  [0.73, ["fixing", "pr_open"]],
  [0.76, ["fixing", "pr_open", "merged", "verifying"]],
  [0.79, ["awaiting_approval"]],
  [0.81, ["recorded_only", "false_positive_pending"]],
  [0.83, ["recorded_only", "awaiting_exception"]],
  [0.88, ["recorded_only", "awaiting_exception", "excepted"]],
  [0.93, ["recorded_only", "false_positive_pending", "suppressed"]],
  [0.95, ["fixing", "pr_open", "closed_unmerged"]],
  [0.97, ["fixing", "pr_open", "merged", "verifying", "resolved", "reopened"]],
  [1, ["fixing", "unlocatable"]],
];

const tierOf = (score: number) =>
  score >= 85 ? "critical" : score >= 65 ? "high" : score >= 35 ? "medium" : "low";
const SLA_DAYS: Record<string, number> = { critical: 2, high: 7, medium: 30, low: 90 };

function templates() {
  const doc = JSON.parse(
    readFileSync(join(import.meta.dirname, "../fixtures/findings/tfsec/many_findings_current.json"), "utf8"),
  );
  const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
  return parseFindings(doc, ctx).findings.map((f) => triageFinding(f, DEFAULT_TRIAGE_CONFIG, new Date(NOW)));
}

const APP = JSON.stringify({ kind: "app" });
const PERSON = JSON.stringify({ kind: "github-user", login: "octocat", id: 583231 });

/** Every table's rows, generated in memory (about 1.3 million rows). */
function generate(): Table[] {
  const rnd = random(17);
  const tpl = templates();
  const t = (name: string, columns: Table["columns"]): Table => ({ name, columns, rows: [] });
  // The admitted row, and what the ingest scope adds to it (organization, installation).
  const findingCols = [...Object.keys(findingRow(tpl[0]!, "new", 1, NOW)), "org", "installation_id"];
  const findings = t(
    "findings",
    findingCols.map((c) => [
      c,
      /^(version|risk_score|actionable|installation_id)$/.test(c)
        ? "int4"
        : /(_seen|_due|_at|deadline)$/.test(c)
          ? "int8"
          : "text",
    ]),
  );
  const audit = t("audit_events", [
    ["finding_id", "text"],
    ["from_state", "text"],
    ["to_state", "text"],
    ["at", "int8"],
    ["actor_kind", "text"],
    ["actor", "text"],
    ["reason", "text"],
    ["links", "text"],
  ]);
  const sourceCols = Object.keys(sourceRow(tpl[0]!, NOW));
  const sources = t(
    "finding_sources",
    sourceCols.map((c) => [c, /seen$/.test(c) ? "int8" : "text"]),
  );
  const remediations = t("remediations", [
    ["finding_id", "text"],
    ["repository", "text"],
    ["branch", "text"],
    ["pr_number", "int4"],
    ["pr_url", "text"],
    ["commit_sha", "text"],
    ["merge_commit_sha", "text"],
    ["files", "text"],
    ["diff", "text"],
    ["assignment", "text"],
    ["created_at", "int8"],
    ["updated_at", "int8"],
    ["pr_state", "text"],
    ["owner_team", "text"],
  ]);
  const verifications = t("verifications", [
    ["finding_id", "text"],
    ["kind", "text"],
    ["result", "text"],
    ["checked_by", "text"],
    ["observed_at", "int8"],
    ["detail", "text"],
    ["links", "text"],
  ]);
  const exceptions = t("exceptions", [
    ["finding_id", "text"],
    ["kind", "text"],
    ["reason", "text"],
    ["approved_by", "text"],
    ["expires_at", "int8"],
    ["created_at", "int8"],
    ["origin", "text"],
  ]);
  const issues = t("tracking_issues", [
    ["finding_id", "text"],
    ["repository", "text"],
    ["number", "int4"],
    ["url", "text"],
    ["state", "text"],
    ["reason", "text"],
    ["created_at", "int8"],
    ["updated_at", "int8"],
  ]);
  const riskJson = tpl.map((x) => x.risk);
  // Each template's row and source once: the JSON in them is the same for all its copies.
  const baseRows = tpl.map((x) => findingRow(x, "new", 1, NOW));
  const baseSources = tpl.map((x) => sourceRow(x, NOW));
  for (let i = 0; i < FINDINGS; i++) {
    const base = baseRows[i % tpl.length]!;
    const id = `b${i.toString(16).padStart(23, "0")}`;
    const org = i % 10 === 0 ? "globex" : "acme";
    const team = i % 11 === 0 ? null : `team-${String((i * 7) % TEAMS).padStart(2, "0")}`;
    const firstSeen = NOW - Math.floor(rnd() * 365 * DAY);
    const score = 5 + Math.floor(rnd() * 95);
    const tier = tierOf(score);
    const r = rnd();
    const path = ["new", "triaged", ...(PATHS.find(([p]) => r < p) as [number, string[]])[1]];
    const state = path[path.length - 1]!;
    // Ten events spread after detection, never past now.
    const gap = Math.min(
      HOUR + Math.floor(rnd() * 5 * DAY),
      Math.floor((NOW - firstSeen) / (EVENTS_PER_FINDING + 1)),
    );
    const at = (k: number) => firstSeen + k * gap;
    const row = {
      ...base,
      state,
      version: path.length,
      id,
      dedupe_key: id,
      org,
      installation_id: 1,
      owner_team: team,
      repository: "acme/infra",
      risk_score: score,
      risk_tier: tier,
      risk: JSON.stringify({ ...riskJson[i % riskJson.length], score, tier }),
      first_seen: firstSeen,
      last_seen: at(EVENTS_PER_FINDING - 1),
      sla_due: firstSeen + SLA_DAYS[tier]! * DAY,
      created_at: firstSeen,
      updated_at: at(EVENTS_PER_FINDING - 1),
    } as Record<string, Value>;
    findings.rows.push(findingCols.map((c) => row[c] ?? null));
    const src = {
      ...baseSources[i % tpl.length],
      finding_id: id,
      first_seen: firstSeen,
      last_seen: at(EVENTS_PER_FINDING - 1),
    } as Record<string, Value>;
    sources.rows.push(sourceCols.map((c) => src[c] ?? null));
    // The path, with the trail padded to ten events by re-triages after `triaged` (risk recomputed).
    const trail = [
      ...path.slice(0, 2),
      ...Array(EVENTS_PER_FINDING - path.length).fill("triaged"),
      ...path.slice(2),
    ];
    for (let k = 0; k < EVENTS_PER_FINDING; k++) {
      const to = trail[k]!;
      const from = k === 0 ? null : trail[k - 1]!;
      const person = to === "merged" || to === "false_positive_pending" || to === "awaiting_exception";
      audit.rows.push([
        id,
        from,
        to,
        at(k),
        person ? "github-user" : k === 0 ? "ingest" : "app",
        person ? PERSON : APP,
        from === to ? "risk recomputed" : `entered ${to}`,
        to === "pr_open" ? `{"pr":"https://github.com/acme/infra/pull/${i}"}` : "{}",
      ]);
    }
    const step = (state: string) => trail.indexOf(state);
    const prAt = step("pr_open");
    if (prAt >= 0) {
      const merged = path.includes("merged");
      remediations.rows.push([
        id,
        "acme/infra",
        `fixloop/${id}`,
        i,
        `https://github.com/acme/infra/pull/${i}`,
        `c${i}`,
        merged ? `m${i}` : null,
        '["main.tf"]',
        "--- a/main.tf\n+++ b/main.tf\n",
        JSON.stringify({ team, reviewers: ["octocat"], decidedBy: "codeowners" }),
        at(prAt),
        at(prAt + 1),
        merged ? "merged" : state === "closed_unmerged" ? "closed" : "open",
        team,
      ]);
    }
    const verifyAt = step("verifying");
    if (verifyAt >= 0) {
      const when = at(verifyAt) + HOUR;
      verifications.rows.push([id, "ci", "passed", "terraform-plan", when, "", "{}"]);
      verifications.rows.push([id, "code", rnd() < 0.05 ? "failed" : "passed", "fixloop", when, "", "{}"]);
      if (state !== "verifying")
        verifications.rows.push([
          id,
          "runtime",
          state === "reopened" ? "failed" : "passed",
          "tfsec",
          when + HOUR,
          "",
          "{}",
        ]);
    }
    if (state === "excepted")
      exceptions.rows.push([
        id,
        "exception",
        "accepted until the migration",
        PERSON,
        NOW + Math.floor(rnd() * 90 * DAY),
        at(EVENTS_PER_FINDING - 1),
        "command",
      ]);
    if (state === "unlocatable" || (state === "recorded_only" && i % 10 === 3))
      issues.rows.push([
        id,
        "acme/infra",
        i,
        `https://github.com/acme/infra/issues/${i}`,
        "open",
        "cannot locate",
        at(EVENTS_PER_FINDING - 1),
        at(EVENTS_PER_FINDING - 1),
      ]);
  }
  return [findings, sources, audit, remediations, verifications, exceptions, issues];
}

/** Bulk writers: prepared statements in one transaction (SQLite), unnest of arrays (PostgreSQL). */
async function load(engine: StoreEngine, target: string, tables: Table[]): Promise<void> {
  if (engine === "sqlite") {
    const db = new BetterSqlite3(target);
    db.pragma("journal_mode = WAL");
    // A bench store: nothing to lose if the machine stops mid-load.
    db.pragma("synchronous = OFF");
    db.pragma("cache_size = -262144");
    for (const table of tables) {
      const cols = table.columns.map(([c]) => c);
      const insert = db.prepare(
        `insert into ${table.name} (${cols.join(", ")}) values (${cols.map(() => "?").join(", ")})`,
      );
      db.transaction(() => {
        for (const row of table.rows) insert.run(row);
      })();
    }
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: target });
  await client.connect();
  try {
    for (const table of tables) {
      const cols = table.columns.map(([c]) => c);
      const unnest = table.columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(", ");
      for (let start = 0; start < table.rows.length; start += 50_000) {
        const chunk = table.rows.slice(start, start + 50_000);
        await client.query(
          `insert into ${table.name} (${cols.join(", ")}) select * from unnest(${unnest})`,
          table.columns.map((_, i) => chunk.map((r) => r[i])),
        );
      }
    }
    await client.query("analyze");
  } finally {
    await client.end();
  }
}

/** The store's database without the app's migrations run (those before 0020 are run explicitly). */
function openRaw(engine: StoreEngine, loc: { location: { dataDir?: string }; target: string }) {
  // biome-ignore lint/suspicious/noExplicitAny: the schema before 0020, untyped as in migrations.ts
  return new Kysely<any>({
    dialect:
      engine === "sqlite"
        ? new SqliteDialect({
            database: new BetterSqlite3(join(loc.location.dataDir as string, SQLITE_FILE)),
          })
        : new PostgresDialect({ pool: new pg.Pool({ connectionString: loc.target }) }),
  });
}

const viewer: Viewer = {
  login: "bench",
  kind: "user",
  canSeeOrg: async () => true,
  canSeeFinding: async () => true,
  canShare: async () => false,
  csrfToken: null,
};

/** Renders `path` as the handler does; the size of what it answered. */
async function render(store: Store, path: string): Promise<number> {
  const url = new URL(path, "https://fixloop.example");
  for (const page of PAGES) {
    const m = page.pattern.exec(url.pathname);
    if (!m) continue;
    const params = m.slice(1).map((p) => decodeURIComponent(p));
    const result = await page.render({ url, params, viewer, store, now: () => new Date(NOW) });
    if (result.kind === "notFound") throw new Error(`${path}: not found`);
    if (result.kind === "html" && result.status) throw new Error(`${path}: ${result.status}`);
    return result.body.length;
  }
  throw new Error(`${path}: no page`);
}

async function timePages(store: Store, runs: number) {
  const finding = "b00000000000000000000001"; // finding 1: acme, team-07
  const paths: Array<[string, string]> = [
    ["home", "/"],
    ["overview", "/orgs/acme"],
    ["trends (12 weeks)", "/orgs/acme/trends"],
    ["trends (1 year)", "/orgs/acme/trends?from=2025-11-24"],
    ["team", "/orgs/acme/teams/team-07"],
    ["finding", `/findings/${finding}`],
    ["exceptions", "/orgs/acme/exceptions"],
    ["tuning (90 days)", "/orgs/acme/tuning"],
    ["auditor pack (7 days)", "/orgs/acme/auditor-pack?since=2026-11-13"],
    ["auditor pack CSV (7 days)", "/orgs/acme/auditor-pack?since=2026-11-13&format=csv"],
    ["auditor pack (30 days)", "/orgs/acme/auditor-pack"],
  ];
  // Wall time, and this process's CPU time (user + sys): on SQLite that includes the database's
  // work, and moves less than wall time with the machine's load.
  const out: Record<string, { ms: number; cpuMs: number; bytes: number }> = {};
  const median = (xs: number[]) => Math.round(xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]! * 10) / 10;
  for (const [name, path] of paths) {
    const bytes = await render(store, path); // warm-up
    const times: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await render(store, path);
      times.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
    out[name] = { ms: median(times), cpuMs: median(cpu), bytes };
  }
  return out;
}

async function main(engine: StoreEngine) {
  const loc = await freshLocation(engine);
  try {
    // Migrate an empty store to the schema before 0020, drop the dashboard's indexes (an index is
    // built faster at once than row by row), then load it in bulk.
    const empty = openRaw(engine, loc);
    await migrate(empty, engine, BEFORE_ORG);
    for (const ix of [...DASHBOARD_INDEXES, ...COVERING_INDEXES])
      await empty.schema.dropIndex(ix.name).execute();
    await empty.destroy();
    const t0 = performance.now();
    const tables = generate();
    const generated = performance.now();
    await load(
      engine,
      engine === "sqlite" ? join(loc.location.dataDir as string, SQLITE_FILE) : loc.target,
      tables,
    );
    const loadMs = performance.now() - generated;
    console.log(
      JSON.stringify({
        engine,
        kind: "load",
        rows: Object.fromEntries(tables.map((t) => [t.name, t.rows.length])),
        generateMs: Math.round(generated - t0),
        loadMs: Math.round(loadMs),
      }),
    );
    // Opening runs 0020 (and any later migration): the organization of a million events filled.
    const m0 = performance.now();
    const store = await Store.open(loc.location);
    console.log(JSON.stringify({ engine, kind: "migrate", ms: Math.round(performance.now() - m0) }));
    try {
      for (const ix of AUDIT_ORG_INDEXES) await store.db.schema.dropIndex(ix.name).execute();
      await sql`analyze`.execute(store.db);
      const without = await timePages(store, 1);
      const i0 = performance.now();
      for (const ix of INDEXES)
        await store.db.schema
          .createIndex(ix.name)
          .on(ix.table)
          .columns([...ix.columns])
          .execute();
      console.log(JSON.stringify({ engine, kind: "indexes", ms: Math.round(performance.now() - i0) }));
      await sql`analyze`.execute(store.db);
      const withIndexes = await timePages(store, 5);
      for (const page of Object.keys(withIndexes))
        console.log(
          JSON.stringify({
            engine,
            kind: "page",
            page,
            ...withIndexes[page],
            withoutMs: without[page]?.ms,
            withoutCpuMs: without[page]?.cpuMs,
          }),
        );
    } finally {
      await store.close();
    }
  } finally {
    await loc.dispose();
  }
}

await main((process.argv[2] ?? "sqlite") as StoreEngine);
