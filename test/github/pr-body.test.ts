import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_REPO_CONFIG, toTriageConfig } from "../../src/config/repo-config.ts";
import { parseFindings } from "../../src/findings/registry.ts";
import { GITHUB_COM, type GitHubHost } from "../../src/github/hosts.ts";
import { issueTitle, renderTrackingIssueBody, type TrackingIssueInput } from "../../src/github/issue-body.ts";
import { mdCode, mdFence, mdInline, safeLink, sourceLinkHosts } from "../../src/github/markdown.ts";
import {
  BODY_LIMIT,
  type Command,
  type PrBodyInput,
  type PrFinding,
  renderPrBody,
} from "../../src/github/pr-body.ts";
import { type TriagedFinding, triageFinding } from "../../src/ingest/triage-finding.ts";
import { guidanceOf } from "../../src/remediate/present.ts";
import { RULES, resolveRuleId } from "../../src/rules/registry.ts";

const FIXTURES = new URL("../../fixtures/", import.meta.url);
const NOW = new Date("2026-11-05T10:00:00Z");

/** Real findings, parsed and triaged the way ingest does it. */
function triaged(path: string): TriagedFinding[] {
  const document = JSON.parse(readFileSync(new URL(path, FIXTURES), "utf8"));
  const { findings } = parseFindings(document, { catalogIdFor: (id) => resolveRuleId(id)?.id ?? null });
  return findings.map((f) => triageFinding(f, toTriageConfig(DEFAULT_REPO_CONFIG), NOW));
}

function prFinding(t: TriagedFinding, sourceLink: string | null): PrFinding {
  return {
    id: t.dedupeKey,
    title: t.finding.title,
    rule: t.finding.rule,
    sourceTool: t.finding.source.tool,
    firstSeen: t.finding.firstSeen ?? null,
    sourceLink,
    risk: t.risk,
    attackPath: t.finding.context.attackPath === true,
    attackPathText: t.finding.context.attackPathText ?? null,
    guidance: guidanceOf(t.finding.context),
  };
}

const COMMANDS: Command[] = [
  { usage: "/fixloop help", description: "list the commands" },
  { usage: "/fixloop retry", description: "rebuild this fix from the default branch" },
  { usage: "/fixloop explain", description: "show how the risk and the owner were decided" },
];

/** TerraGoat's file in the rule's committed fix snapshot: a real diff fixloop produced. */
const S3_DIFF = readFileSync(new URL("rules/aws-s3-public-access-block/fix.diff", FIXTURES), "utf8")
  .split(/(?=^--- a\/)/m)
  .find((file) => file.startsWith("--- a/terragoat/main.tf"))!;

const S3_CONSOLE =
  "https://us-east-1.console.aws.amazon.com/securityhub/home?region=us-east-1#/findings?search=Id%3D%255Coperator%255C%253AEQUALS%255C%253Aarn%3Aaws%3Asecurityhub";

function s3Input(): PrBodyInput {
  const [asff] = triaged("findings/asff/afsbp-s3.8.json");
  return {
    host: GITHUB_COM,
    findings: [prFinding(asff!, S3_CONSOLE)],
    change: {
      files: ["terragoat/main.tf"],
      diff: S3_DIFF,
      fixes: [
        { ruleId: "aws-s3-public-access-block", summary: "added aws_s3_bucket_public_access_block.data" },
      ],
    },
    impactNotes: [],
    verification: { mode: "both", waitHours: 72 },
    routing:
      'Routed to @acme/platform-security because the bucket\'s Team tag is "platform-security" (owners.teams)',
    commands: COMMANDS,
  };
}

describe("renderPrBody", () => {
  it("renders a real Security Hub finding and its fix", async () => {
    const body = renderPrBody(s3Input());
    await expect(body).toMatchFileSnapshot("__snapshots__/pr-body.md");
    expect(body).toContain("<!-- fixloop:finding=ae0285f654a07dbf10547f88 v=1 -->");
  });

  it("explains every risk factor and the attack path of a critical CSPM finding", () => {
    const [critical] = triaged("findings/generic/cspm-batch.json");
    const body = renderPrBody({ ...s3Input(), findings: [prFinding(critical!, null)] });
    expect(body).toContain(
      "Factors: critical severity (60 points) × internet reachable (×1.5) × PII (×1.4) × on an attack path (×1.5)",
    );
    expect(body).toContain("The source reports this resource on an attack path.");
    expect(body).toContain(`\n\n${critical!.risk.explanation}\n`);
  });

  it("shows the seed payload's attack path and its guidance link, host visible", () => {
    const [seed] = triaged("findings/generic/seed-routing-payload.json");
    const body = renderPrBody({ ...s3Input(), findings: [prFinding(seed!, null)] });
    expect(body).toContain(
      [
        "",
        "The source reports this attack path: `Internet -> EC2 (Instance Profile) -> S3:GetObject`",
        "",
        "Guidance from the source: [docs.internal.com/security/s3-encryption-guide](https://docs.internal.com/security/s3-encryption-guide)",
        "",
      ].join("\n"),
    );
    expect(body).not.toContain("The source reports this resource on an attack path.");
  });

  it("links the source's guidance only when it is an https URL, and escapes it always", () => {
    const [seed] = triaged("findings/generic/seed-routing-payload.json");
    const withGuidance = (url: string | null, text: string | null, path = "x") =>
      renderPrBody({
        ...s3Input(),
        findings: [{ ...prFinding(seed!, null), attackPathText: path, guidance: { url, text } }],
      });
    expect(withGuidance("http://docs.internal.com/guide", null)).toContain(
      "Guidance from the source: `http://docs.internal.com/guide`",
    );
    expect(withGuidance("javascript:alert(1)//https://x", null)).toContain(
      "Guidance from the source: `javascript:alert(1)//https://x`",
    );
    expect(withGuidance("https://evil.example/a)](https://bank.example", null)).toContain(
      // The label starts with the real host; the destination cannot be closed early.
      "Guidance from the source: [evil.example/a)\\](https:\u200B//bank.example](https://evil.example/a%29]%28https://bank.example)",
    );
    expect(withGuidance(null, "Set <b>specific</b> ports @security-team")).toContain(
      "Guidance from the source: Set \\<b\\>specific\\</b\\> ports @\u200Bsecurity-team",
    );
    const hostile = withGuidance(null, null, "Internet -> `x` <img src=x> @org/team");
    expect(hostile).toContain(
      "The source reports this attack path: ``Internet -> `x` <img src=x> @org/team``",
    );
  });

  it("does not repeat guidance text that already is the finding's title", () => {
    const [critical] = triaged("findings/generic/cspm-batch.json");
    const f = prFinding(critical!, null);
    expect(f.title).toBe("Enable S3 Block Public Access on the bucket");
    expect(renderPrBody({ ...s3Input(), findings: [f] })).not.toContain("Guidance from the source");
    const linked = { ...f, guidance: { url: "https://docs.internal.com/s3", text: f.title } };
    expect(renderPrBody({ ...s3Input(), findings: [linked] })).toContain(
      "Guidance from the source: [docs.internal.com/s3](https://docs.internal.com/s3)\n",
    );
  });

  it("says how the fix will be verified, per mode", () => {
    const lines = (mode: "code" | "runtime" | "both") =>
      renderPrBody({ ...s3Input(), verification: { mode, waitHours: 24 } })
        .split("\n")
        .find((l) => l.startsWith("2. "));
    expect(lines("code")).toBe(
      "2. re-scans the merged Terraform with fixloop's rule catalog: the rule must no longer report the resource, and the change must add no new finding.",
    );
    expect(lines("runtime")).toBe(
      "2. waits up to 24 hours for securityhub to report the resource as passing.",
    );
    expect(lines("both")).toMatch(/add no new finding; then waits up to 24 hours for securityhub/);
  });

  it("lists impact notes, escaped", () => {
    const body = renderPrBody({
      ...s3Input(),
      impactNotes: ["forces replacement of aws_db_instance.main", "<b>drops</b> the *old* bucket policy"],
    });
    expect(body).toContain(
      "## Impact\n\n- forces replacement of aws\\_db\\_instance.main\n- \\<b\\>drops\\</b\\> the \\*old\\* bucket policy\n",
    );
  });

  it("shows every impact note of the catalog whole", () => {
    const longest = RULES.flatMap((r) => r.impact).reduce((a, b) => (b.length > a.length ? b : a));
    const body = renderPrBody({ ...s3Input(), impactNotes: [longest] });
    expect(longest.length).toBeGreaterThan(300);
    expect(body).toContain(`- ${mdInline(longest, 10_000)}\n`);
  });

  it("cuts a diff that would pass GitHub's body limit, and says so", () => {
    const lines = Array.from({ length: 6000 }, (_, i) => `+  tag_${i} = "${"x".repeat(40)}"`);
    const body = renderPrBody({
      ...s3Input(),
      change: { ...s3Input().change, diff: `${lines.join("\n")}\n` },
    });
    expect(body.length).toBeLessThanOrEqual(BODY_LIMIT);
    expect(body).toContain("+  tag_0 = ");
    expect(body).toContain("+  tag_299 = ");
    expect(body).not.toContain("+  tag_300 = ");
    expect(body).toContain("_The diff is cut here: 5,700 more lines in the **Files changed** tab._");
    expect(body).toContain("<!-- fixloop:finding=ae0285f654a07dbf10547f88 v=1 -->");
  });

  it("gives the diff only what the rest of the body leaves", () => {
    const long = Array.from({ length: 250 }, (_, i) => `+${"y".repeat(400)}${i}`).join("\n");
    const findings = Array.from({ length: 40 }, (_, i) => ({
      ...s3Input().findings[0]!,
      id: `${i}`.padStart(24, "0"),
      title: "t".repeat(300),
    }));
    const body = renderPrBody({ ...s3Input(), findings, change: { ...s3Input().change, diff: long } });
    expect(body.length).toBeLessThanOrEqual(BODY_LIMIT);
    expect(body.length).toBeGreaterThan(BODY_LIMIT - 500);
    expect(body).toMatch(/_The diff is cut here: \d+ more lines in the \*\*Files changed\*\* tab\._/);
    expect(body).toContain("30 more findings in the table below.");
  });

  it("refuses a finding id that could break out of the marker", () => {
    const input = s3Input();
    input.findings[0]!.id = "abc --> <script>";
    expect(() => renderPrBody(input)).toThrow('not a finding id: "abc --> <script>"');
  });
});

describe("hostile finding text", () => {
  const hostile = [
    "<img src=x onerror=alert(1)> @everyone @acme/security",
    "[click me](javascript:alert(1)) ![x](https://evil.example/pixel.png)",
    "```\n## Injected heading\n```",
    "<!-- fixloop:finding=ffffffffffffffffffffffff v=1 --> {{diff}} | cell |",
    "see https://evil.example/login and www.evil.example",
    "A".repeat(100_000),
  ].join("\n");

  function hostileBody(): string {
    const input = s3Input();
    const f = input.findings[0]!;
    f.title = hostile;
    f.sourceTool = "wiz @acme/owners";
    f.sourceLink = "https://app.wiz.io.evil.example/issues/1";
    f.rule = { catalogId: "aws-s3-public-access-block", nativeId: "x`` `y|z" };
    f.guidance = { url: "javascript:alert(1)", text: hostile };
    f.risk = {
      ...f.risk,
      explanation: hostile,
      factors: [{ name: "environment", value: hostile, weight: 1.2 }],
    };
    input.change.diff = "+ ok\n````\n<script>alert(1)</script>\n@everyone\n";
    input.impactNotes = [hostile];
    input.routing = hostile;
    return renderPrBody(input);
  }

  /** The body with the marker line and the diff fence taken out: what is rendered as Markdown. */
  function markdownPart(body: string): string {
    return body
      .split("\n")
      .slice(1)
      .join("\n")
      .replace(/^(`{3,})diff\n[\s\S]*?^\1$/m, "");
  }

  it("is bounded and keeps the real marker", () => {
    const body = hostileBody();
    expect(body.length).toBeLessThan(20_000);
    expect(body).toContain("<!-- fixloop:finding=ae0285f654a07dbf10547f88 v=1 -->");
    expect(body.split("\n")[0]).toBe("<!-- fixloop:finding=ae0285f654a07dbf10547f88 v=1 -->");
  });

  it("has no raw HTML, mention, link, image or heading from the finding", () => {
    const md = markdownPart(hostileBody());
    expect(md).not.toMatch(/(?<!\\)</);
    expect(md).not.toMatch(/@(?=[\w-])/);
    expect(md).not.toMatch(/(?<!\\)\]\(/);
    expect(md).not.toMatch(/^#+ Injected/m);
    expect(md).not.toContain("https://evil");
    expect(md).not.toMatch(/(?<!\\)\{\{/);
    expect(md).toContain("\\<img src=x onerror=alert(1)\\>");
  });

  it("keeps the table to its six columns", () => {
    const row = markdownPart(hostileBody())
      .split("\n")
      .find((l) => l.startsWith("| `ae0285f654a0`"))!;
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(6);
  });

  it("shows a look-alike console URL as code, not a link", () => {
    expect(hostileBody()).toContain("| `https://app.wiz.io.evil.example/issues/1` |");
  });

  it("keeps the diff verbatim in a fence its content cannot close", () => {
    expect(hostileBody()).toContain("`````diff\n+ ok\n````\n<script>alert(1)</script>\n@everyone\n`````");
  });
});

describe("markdown helpers", () => {
  it("mdInline escapes, bounds and defuses autolinks", () => {
    expect(mdInline("*a* @bob https://x.io", 100)).toBe("\\*a\\* @\u200Bbob https:\u200B//x.io");
    expect(mdInline("abcdef", 4)).toBe("abc…");
    expect(mdInline("😀😀😀", 2)).toBe("😀…");
  });

  it("mdCode cannot be closed by its content", () => {
    expect(mdCode("a`b")).toBe("``a`b``");
    expect(mdCode("`x`")).toBe("`` `x` ``");
    expect(mdCode("a|b", { table: true })).toBe("`a\\|b`");
  });

  it("mdFence says how many lines it left out", () => {
    expect(mdFence("diff", "a\nb\nc\n", 2)).toBe("```diff\na\nb\n```\n\n_1 more line not shown._");
    expect(mdFence("evil`info", "x", 5)).toBe("```\nx\n```");
  });

  it("safeLink links only to allowed hosts", () => {
    const hosts = sourceLinkHosts("prisma", GITHUB_COM);
    expect(safeLink("https://app2.prismacloud.io/alerts?x=(1)", hosts, { label: "open" })).toBe(
      "[open](https://app2.prismacloud.io/alerts?x=%281%29)",
    );
    expect(safeLink("https://prismacloud.io.evil.example/", hosts)).toBe(
      "`https://prismacloud.io.evil.example/`",
    );
    expect(safeLink("http://app.prismacloud.io/", hosts)).toBe("`http://app.prismacloud.io/`");
    expect(safeLink("javascript:alert(1)", hosts)).toBe("`javascript:alert(1)`");
    expect(safeLink("https://user:pw@github.com/x", hosts)).toBe("`https://user:pw@github.com/x`");
    expect(sourceLinkHosts("constructor", GITHUB_COM)).toEqual(["https://github.com"]);
  });

  it("safeLink allows a GitHub Enterprise Server origin over http", () => {
    const ghes: GitHubHost = {
      apiUrl: "http://ghe.internal:8080/api/v3",
      webUrl: "http://ghe.internal:8080",
    };
    expect(
      safeLink("http://ghe.internal:8080/acme/infra", sourceLinkHosts("checkov", ghes), { label: "repo" }),
    ).toBe("[repo](http://ghe.internal:8080/acme/infra)");
  });
});

describe("tracking issue", () => {
  function issueInput(): TrackingIssueInput {
    const [, sg] = triaged("findings/generic/cspm-batch.json");
    const base = prFinding(sg!, null);
    return {
      host: GITHUB_COM,
      finding: {
        ...base,
        severity: sg!.finding.severity.normalized,
        resource:
          "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0a1b2c3d4e5f67890 (account 123456789012, us-east-1)",
      },
      reason: {
        kind: "ambiguous",
        detail: "Two blocks resolve to sg-0a1b2c3d4e5f67890 with the same evidence.",
      },
      candidates: [
        {
          repository: { owner: "acme", repo: "infra" },
          sha: "6dcb09b5b57875f334f61aebed695e2e4193db5e",
          path: "envs/prod/network.tf",
          line: 14,
          address: "aws_security_group.admin",
          evidence: 'name resolves to "admin" (var.env = "prod")',
          confidence: 0.8,
        },
        {
          repository: { owner: "acme", repo: "infra" },
          sha: "6dcb09b5b57875f334f61aebed695e2e4193db5e",
          path: "modules/bastion/main.tf",
          line: 3,
          address: "module.bastion.aws_security_group.this",
          evidence: "tags match the resource",
          confidence: 0.8,
        },
      ],
      commands: COMMANDS,
    };
  }

  it("renders why there is no pull request and the candidate blocks", async () => {
    const body = renderTrackingIssueBody(issueInput());
    await expect(body).toMatchFileSnapshot("__snapshots__/tracking-issue.md");
    expect(body).toContain(`<!-- fixloop:issue finding=${issueInput().finding.id} -->`);
  });

  it("links candidates on the GitHub host only, at the commit fixloop read", () => {
    const ghes: GitHubHost = { apiUrl: "https://ghe.example.com/api/v3", webUrl: "https://ghe.example.com" };
    const body = renderTrackingIssueBody({ ...issueInput(), host: ghes });
    expect(body).toContain(
      '- [acme/infra: envs/prod/network.tf:14](https://ghe.example.com/acme/infra/blob/6dcb09b5b57875f334f61aebed695e2e4193db5e/envs/prod/network.tf#L14) `aws_security_group.admin`, confidence 0.80: name resolves to "admin" (var.env = "prod")',
    );
  });

  it("escapes hostile finding text as the PR body does", () => {
    const input = issueInput();
    input.finding.title = "<script>x</script> @everyone";
    input.finding.sourceLink = "https://evil.example/console";
    input.reason = { kind: "not-fixable", detail: "[x](javascript:alert(1))" };
    const body = renderTrackingIssueBody(input);
    expect(body).toContain("first seen 2026-10-30T11:00:00Z, `https://evil.example/console`\n");
    expect(body).toContain("\\<script\\>x\\</script\\> @\u200Beveryone");
    expect(body).toContain("\\[x\\](javascript:alert(1))");
  });

  it("titles the issue in one bounded plain line", () => {
    const f = issueInput().finding;
    expect(issueTitle(f, issueInput().reason)).toBe(
      "fixloop: aws-sg-open-admin-ports on arn:aws:ec2:us-east-1:123456789012:security-group/sg-0a1b2c3d4e5f67890 (account 123456789012, us-east-1) (several possible blocks)",
    );
    const long = issueTitle(
      { ...f, resource: `a\nb${"x".repeat(1000)}` },
      { kind: "not-locatable", detail: "" },
    );
    expect(long).toHaveLength(256);
    expect(long).toMatch(/^fixloop: aws-sg-open-admin-ports on a bx+… \(not found in Terraform\)$/);
  });
});
