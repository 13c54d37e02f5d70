// The dashboard pages rendered from a real store (test/web/seed.ts: real sample documents ingested
// and moved through the lifecycle), read as a person would: the figures, the rows, the links, the
// escaping of untrusted text, the 400 page for a bad query value, and "not found" for a viewer who
// may not see the page. The figures are checked against the store itself.

import { afterAll, beforeAll, expect, it } from "vitest";
import { STATE_GROUPS } from "../../src/lifecycle/states.ts";
import type { Store } from "../../src/store/store.ts";
import { ASSETS, PAGES } from "../../src/web/pages/registry.ts";
import { describeEachEngine, freshLocation, manualClock, type TestLocation } from "../store/engines.ts";
import { htmlOf, openPage, part, rowsOf, textOf, viewerOf } from "./render.ts";
import { HOSTILE_REASON, NOW, ORG, OTHER_ORG, type Seeded, seedDashboard } from "./seed.ts";

const DAY = 86_400_000;
const alice = viewerOf("alice", [ORG]);
const outsider = viewerOf("mallory", []);

describeEachEngine("dashboard pages", (engine) => {
  let loc: TestLocation;
  let store: Store;
  let seeded: Seeded;
  const open = (path: string, viewer = alice) => openPage(store, viewer, path);

  beforeAll(async () => {
    loc = await freshLocation(engine);
    const clock = manualClock();
    store = await loc.open(clock.clock);
    seeded = await seedDashboard(store, clock);
  }, 60_000);
  afterAll(async () => {
    await store.close();
    await loc.dispose();
  });

  /** The organization's open findings as the store holds them, counted here in JS. */
  async function openFindings() {
    return store.db
      .selectFrom("findings")
      .select(["id", "state", "risk_tier", "owner_team", "sla_due", "first_seen"])
      .where("org", "=", ORG)
      .where("state", "in", [...STATE_GROUPS.open])
      .execute();
  }

  it("lists the organizations the viewer may see, and only those", async () => {
    const home = htmlOf(await open("/"));
    expect(home).toContain('<a href="/orgs/acme">acme</a>');
    expect(home).not.toContain(OTHER_ORG);
    expect(textOf(htmlOf(await open("/", outsider)))).toContain("You may not see any organization's pages");
  });

  it("overview: open findings by tier, team and state, SLA, waiting and oldest — as in the store", async () => {
    const html = htmlOf(await open("/orgs/acme"));
    const findings = await openFindings();
    const figures = textOf(/<div class="figures">(.*?)<\/div>/.exec(html)?.[1] ?? "");
    const breached = findings.filter((f) => Number(f.sla_due) < NOW).length;
    const dueSoon = findings.filter(
      (f) => Number(f.sla_due) >= NOW && Number(f.sla_due) < NOW + 7 * DAY,
    ).length;
    expect(figures).toBe(
      `Open findings ${findings.length} SLA breached ${breached} Due within 7 days ${dueSoon} Waiting on a person 3`,
    );
    // The tier chart's table: one row per tier, the counts of the store.
    const tiers = rowsOf(part(html, 'id="chart-tiers"')).slice(1);
    for (const [tier, count, late] of tiers) {
      const ofTier = findings.filter((f) => f.risk_tier === tier);
      expect([count, late]).toEqual([
        String(ofTier.length),
        String(ofTier.filter((f) => Number(f.sla_due) < NOW).length),
      ]);
    }
    expect(tiers.map((r) => r[0])).toEqual(["critical", "high", "medium", "low"]);
    const teams = rowsOf(part(html, 'id="by-team"')).slice(1);
    expect(teams.map((r) => [r[0], r[1]])).toEqual(
      [...new Set(findings.map((f) => f.owner_team))]
        .map((t) => [t ?? "no owning team", String(findings.filter((f) => f.owner_team === t).length)])
        .sort((a, b) => Number(b[1]) - Number(a[1]) || String(a[0]).localeCompare(String(b[0]))),
    );
    expect(html).toContain('<a href="/orgs/acme/teams/acme/platform">acme/platform</a>');
    const waiting = rowsOf(part(html, 'id="waiting"')).slice(1);
    expect(waiting.map((r) => [r[2], r[5]])).toEqual([
      ["security team approval of the fix", "46 d"],
      ["security team review of a reported false positive", "8 d"],
      ["security team approval of an exception request", "6 d"],
    ]);
    const oldest = rowsOf(part(html, 'id="oldest"')).slice(1);
    expect(oldest).toHaveLength(15);
    expect(oldest[0]?.slice(1, 4)).toEqual([
      "S3.8 S3 Block Public Access setting should be enabled at the bucket-level",
      "medium",
      "closed unmerged",
    ]);
    expect(html).not.toContain(seeded.other);
  });

  it("trends: opened and resolved per week, TTR per tier, risk, PRs, failures — as in the store", async () => {
    const html = htmlOf(await open("/orgs/acme/trends?from=2026-09-07&to=2026-11-15"));
    expect(textOf(html)).toContain("Per week (Monday to Sunday, UTC) from 2026-09-07 to 2026-11-15.");
    const weeks = rowsOf(part(html, 'id="chart-opened-resolved"')).slice(1);
    expect(weeks).toHaveLength(10);
    const events = await store.db
      .selectFrom("audit_events as a")
      .innerJoin("findings as f", "f.id", "a.finding_id")
      .select(["a.to_state", "a.at", "f.risk_score"])
      .where("f.org", "=", ORG)
      .execute();
    const inWeek = (state: string, i: number) =>
      events.filter(
        (e) =>
          e.to_state === state &&
          Number(e.at) >= Date.parse("2026-09-07") + i * 7 * DAY &&
          Number(e.at) < Date.parse("2026-09-07") + (i + 1) * 7 * DAY,
      );
    weeks.forEach((row, i) => {
      expect(row).toEqual([
        new Date(Date.parse("2026-09-07") + i * 7 * DAY).toISOString().slice(0, 10),
        String(inWeek("new", i).length),
        String(inWeek("resolved", i).length),
      ]);
    });
    expect(weeks[0]).toEqual(["2026-09-07", "17", "0"]);
    const risk = rowsOf(part(html, 'id="chart-risk"')).slice(1);
    risk.forEach((row, i) => {
      expect(row[1]).toBe(String(inWeek("resolved", i).reduce((n, e) => n + Number(e.risk_score), 0)));
    });
    const prs = rowsOf(part(html, 'id="chart-prs"')).slice(1);
    expect(prs.map((r) => r.slice(1).map(Number)).reduce((a, r) => a.map((n, i) => n + (r[i] ?? 0)))).toEqual(
      [5, 3, 1],
    );
    const verification = rowsOf(part(html, 'id="chart-verification"')).slice(1);
    expect(verification.find((r) => r[1] !== "0")).toEqual(["2026-11-09", "1", "1"]);
    // The SVG says the same as the table, in its accessible name.
    expect(part(html, 'id="chart-opened-resolved"')).toContain(
      '<desc id="chart-opened-resolved-desc">Over the 10 weeks from 2026-09-07: 25 findings opened, 3 resolved.</desc>',
    );
    const ttr = rowsOf(part(html, 'id="chart-ttr"'));
    expect(ttr).toEqual([
      ["Tier", "Median (days)", "90th percentile (days)", "Resolved"],
      ["critical", "—", "—", "0"],
      ["high", "38", "47", "3"],
      ["medium", "—", "—", "0"],
      ["low", "—", "—", "0"],
    ]);
  });

  it("trends of one team count only its findings", async () => {
    const html = htmlOf(await open("/orgs/acme/trends?from=2026-09-07&to=2026-11-15&team=acme%2Fnetwork"));
    expect(textOf(html)).toContain("acme: trends for team acme/network");
    const weeks = rowsOf(part(html, 'id="chart-opened-resolved"')).slice(1);
    expect(weeks[0]).toEqual(["2026-09-07", "6", "0"]);
    expect(html).toContain('<option value="acme/network" selected>acme/network</option>');
  });

  it("a bad query value is a 400 page naming the parameter", async () => {
    for (const [path, text] of [
      [
        "/orgs/acme/trends?from=2026-02-30",
        'The query parameter from must be a date such as 2026-10-01 or a time with a zone such as 2026-10-01T09:00:00Z; got "2026-02-30"',
      ],
      [
        "/orgs/acme/trends?from=2026-11-01&to=2026-10-01",
        "The query parameter from must be before to (2026-10-01)",
      ],
      [
        "/orgs/acme/trends?from=2020-01-01",
        "The query parameter from is too far back: at most 106 weeks are shown",
      ],
      [
        "/orgs/acme/exceptions?sort=<b>",
        'The query parameter sort must be one of expiry, granted; got "<b>"',
      ],
      [
        "/orgs/acme/auditor-pack?format=pdf",
        'The query parameter format must be one of html, csv, json; got "pdf"',
      ],
      ["/orgs/acme/tuning?until=yesterday", "The query parameter until must be a date"],
    ] as const) {
      const result = await open(path);
      expect(result).toMatchObject({ kind: "html", status: 400, title: "Bad request" });
      expect(textOf(htmlOf(result))).toContain(text);
      expect(htmlOf(result)).not.toContain("<b>");
    }
  });

  it("team page: its open PRs and issues, and no page for a team the organization does not have", async () => {
    const html = htmlOf(await open("/orgs/acme/teams/acme/network"));
    expect(rowsOf(part(html, 'id="prs"')).slice(1)).toEqual([
      ["acme/infra#44", "An ingress security group rule allows traffic from /0.", "2026-11-10", "10 d"],
    ]);
    expect(part(html, 'id="prs"')).toContain(
      '<a href="https://github.com/acme/infra/pull/44" rel="noreferrer">',
    );
    const team = await store.db
      .selectFrom("findings")
      .select("owner_team")
      .where("id", "=", seeded.tracked)
      .executeTakeFirstOrThrow();
    const teamHtml = htmlOf(await open(`/orgs/acme/teams/${team.owner_team}`));
    expect(rowsOf(part(teamHtml, 'id="issues"')).slice(1)).toEqual([
      [
        "acme/infra#7",
        "An egress security group rule allows traffic to /0.",
        "the resource is defined in two places",
        "2026-11-15",
      ],
    ]);
    expect(await open("/orgs/acme/teams/data-platform-x")).toEqual({ kind: "notFound" });
    // globex's team is not acme's.
    expect(await open("/orgs/acme/teams/data-platform")).toMatchObject({ kind: "html" });
    expect(await open(`/orgs/${OTHER_ORG}/teams/data-platform`)).toEqual({ kind: "notFound" });
  });

  it("finding page: the evidence with sources, raw records, PR and diff, checks and every event", async () => {
    const id = seeded.resolved[1] as string;
    const result = await open(`/findings/${id}`);
    const html = htmlOf(result);
    expect(result).toMatchObject({
      kind: "html",
      title: `Finding ${id.slice(0, 12)}: An ingress security group rule allows traffic from /0.`,
    });
    const text = textOf(html);
    expect(text).toContain("Verification verified");
    expect(text).toContain("Raw record from tfsec (tfsec)");
    expect(part(html, 'id="location"')).toContain("aws_security_group_rule.egress");
    expect(html).toContain(
      '<a href="https://github.com/acme/infra/pull/41" rel="noreferrer">https://github.com/acme/infra/pull/41</a>',
    );
    expect(html).toContain("-  cidr_blocks = [&#34;0.0.0.0/0&#34;]");
    const checks = rowsOf(part(html, 'id="verification"')).slice(1);
    expect(checks.map((r) => r.slice(0, 4))).toEqual([
      ["2026-10-24 10:00 UTC", "ci", "passed", "terraform-plan"],
      ["2026-10-24 10:00 UTC", "code", "passed", "fixloop"],
    ]);
    const audit = rowsOf(part(html, 'id="audit"')).slice(1);
    const trail = await store.db
      .selectFrom("audit_events")
      .select("to_state")
      .where("finding_id", "=", id)
      .orderBy("id")
      .execute();
    expect(audit.map((r) => r[2])).toEqual(trail.map((e) => e.to_state.replaceAll("_", " ")));
    expect(audit.find((r) => r[2] === "merged")?.[3]).toBe("GitHub user octocat (id 583231)");
  });

  it("finding page: a reporter's text is escaped, and a viewer without access gets not found", async () => {
    const html = htmlOf(await open(`/findings/${seeded.falsePositive}`));
    expect(html).not.toContain("<script>");
    expect(html).toContain("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;");
    expect(textOf(html)).toContain(HOSTILE_REASON);
    expect(await open(`/findings/${seeded.falsePositive}`, outsider)).toEqual({ kind: "notFound" });
    expect(await open(`/findings/${seeded.other}`)).toEqual({ kind: "notFound" });
    expect(await open("/findings/no-such-finding")).toEqual({ kind: "notFound" });
  });

  it("exceptions register: each row with approver, reason, expiry; sortable by expiry", async () => {
    const html = htmlOf(await open("/orgs/acme/exceptions"));
    const rows = rowsOf(html);
    expect(rows[0]?.[0]).toBe("Expires ▲ , sorted ascending; sort descending");
    expect(rows.slice(1)).toEqual([
      [
        "2026-12-30",
        "accepted risk",
        "command",
        seeded.excepted.slice(0, 12),
        "aws-vpc-no-public-egress-sgr",
        "@octocat",
        "accepted until the migration",
        "—",
        "2026-11-15",
      ],
    ]);
    expect(html).toContain('href="/orgs/acme/exceptions?sort=expiry&#38;order=desc&#38;show=active"');
    expect(await open("/orgs/acme/exceptions", outsider)).toEqual({ kind: "notFound" });
  });

  it("rules tuning: per rule, what people decided", async () => {
    const html = htmlOf(await open("/orgs/acme/tuning?since=2026-09-01&until=2026-11-30"));
    const rules = rowsOf(part(html, 'id="rules"'));
    expect(rules[0]).toEqual([
      "Rule",
      "Seen",
      "Fixed",
      "False positives",
      "Accepted",
      "Snoozed",
      "PRs closed unmerged",
      "Rejected share",
      "Reasons given",
    ]);
    const s38 = rules.find((r) => r[0] === "aws-s3-public-access-block");
    expect(s38?.slice(1, 8)).toEqual(["1", "0", "0", "0", "0", "1", "100% of 1"]);
    expect(s38?.[8]).toBe("we replace this module next quarter (1)");
  });

  it("auditor pack: the period's findings with the four data points, and CSV and JSON downloads", async () => {
    const path = "/orgs/acme/auditor-pack?since=2026-10-01&until=2026-10-31";
    const html = htmlOf(await open(path));
    const rows = rowsOf(part(html, 'id="findings"')).slice(1);
    const resolved = rows.find((r) => r[0]?.startsWith(seeded.resolved[1]!.slice(0, 12)));
    expect(resolved?.slice(1, 8)).toEqual([
      "2026-09-07 09:00 UTC",
      "acme/network reviewers octocat",
      "PR acme/infra#41 merged by GitHub user octocat (id 583231) merge commit merge41",
      "CI: passed terraform-plan, 2026-10-24 Code: passed fixloop, 2026-10-24 Runtime: none",
      "2026-10-24 10:00 UTC (1129 h)",
      "breached, due 2026-09-14",
      "resolved",
    ]);
    expect(rows.some((r) => r[0]?.includes(seeded.other.slice(0, 12)))).toBe(false);
    const csv = await open(`${path}&format=csv`);
    expect(csv).toMatchObject({
      kind: "file",
      contentType: "text/csv; charset=utf-8",
      filename: "fixloop-acme-2026-10-01-2026-10-31.csv",
    });
    const lines = (csv as { body: string }).body.trim().split("\r\n");
    expect(lines).toHaveLength(rows.length + 1);
    expect(lines[0]).toMatch(/^finding_id,title,state,activity,rule/);
    const json = await open(`${path}&format=json`);
    const doc = JSON.parse((json as { body: string }).body) as {
      findings: Array<{ id: string }>;
      since: string;
    };
    expect(doc.since).toBe("2026-10-01T00:00:00.000Z");
    expect(doc.findings.map((f) => f.id).sort()).toEqual(
      rows
        .map((r) => r[0]?.split(" ")[0])
        .map((p) => doc.findings.find((f) => f.id.startsWith(p ?? ""))?.id)
        .sort(),
    );
  });

  it("every organization page is not found for a viewer who may not see the organization", async () => {
    for (const path of [
      "/orgs/acme",
      "/orgs/acme/trends",
      "/orgs/acme/tuning",
      "/orgs/acme/auditor-pack",
      "/orgs/acme/teams/acme/platform",
    ])
      expect(await open(path, outsider)).toEqual({ kind: "notFound" });
  });
});

it("the registry keeps the paths the handler and share links rely on, and serves the stylesheet", () => {
  expect(PAGES.map((p) => [p.name, p.pattern.source, p.access])).toEqual([
    ["home", "^\\/$", "signed-in"],
    ["overview", "^\\/orgs\\/([^/]+)$", "org"],
    ["trends", "^\\/orgs\\/([^/]+)\\/trends$", "org"],
    ["team", "^\\/orgs\\/([^/]+)\\/teams\\/(.+)$", "org"],
    ["finding", "^\\/findings\\/([^/]+)$", "finding"],
    ["exceptions", "^\\/orgs\\/([^/]+)\\/exceptions$", "org"],
    ["tuning", "^\\/orgs\\/([^/]+)\\/tuning$", "org"],
    ["auditor-pack", "^\\/orgs\\/([^/]+)\\/auditor-pack$", "org"],
  ]);
  expect(ASSETS["dashboard.css"]?.contentType).toBe("text/css; charset=utf-8");
  expect(ASSETS["dashboard.css"]?.body).toContain("@media print");
  expect(ASSETS["dashboard.css"]?.body).toContain(":focus-visible");
});
