import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { errorsAsLine, errorsAsMarkdown, unwrap } from "../../src/config/config-errors.ts";
import {
  DEFAULT_REPO_CONFIG,
  isRepositoryConsidered,
  isRuleEnabled,
  parseRepoConfig,
  type RepoConfig,
  RepoConfigSchema,
  teamForTagValue,
  toTriageConfig,
} from "../../src/config/repo-config.ts";
import type { Finding } from "../../src/findings/model.ts";
import { DEFAULT_TRIAGE_CONFIG, TriageConfigSchema } from "../../src/triage/config.ts";
import { trueRisk } from "../../src/triage/risk.ts";

const DOC = readFileSync(new URL("../../docs/configuration.md", import.meta.url), "utf8");
const YAML_BLOCKS = [...DOC.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);

function valid(raw: unknown): RepoConfig {
  const result = parseRepoConfig(raw);
  if (!result.ok) throw new Error(`expected a valid configuration: ${errorsAsLine(result.errors)}`);
  return result.config;
}

function errorsOf(raw: unknown) {
  const result = parseRepoConfig(raw);
  expect(result.ok).toBe(false);
  expect(result).not.toHaveProperty("config");
  return result.ok ? [] : result.errors;
}

describe("defaults", () => {
  it("gives every default for a missing file (null), an empty file ({}) and undefined", () => {
    for (const raw of [null, undefined, {}]) expect(valid(raw)).toEqual(DEFAULT_REPO_CONFIG);
  });

  it("has the documented defaults", () => {
    const c = DEFAULT_REPO_CONFIG;
    expect(c.gates).toEqual({ prThreshold: 35, minConfidence: 0.6 });
    expect(c.labels).toEqual({ add: ["security", "fixloop"], riskTier: true });
    expect(c.securityReview).toEqual({
      label: "security-review-required",
      tiers: ["critical", "high"],
      impactNotes: true,
    });
    expect(c.securityTeam).toBeNull();
    expect(c.repositories).toEqual({ include: ["*"], exclude: [], accounts: {} });
    expect(c.grouping).toBe("off");
    expect(c.limits).toEqual({ openPrsPerRepository: 5, openPrsPerTeam: 10, teams: {} });
    expect(c.rules).toEqual({
      enabled: "all",
      disabled: [],
      options: { "aws-s3-encryption": { requireKms: false } },
      demote: { threshold: 0.3, minFindings: 10, rules: [] },
    });
    expect(c.branchPrefix).toBe("fixloop");
    expect(c.verification).toEqual({ mode: "auto", waitHours: 72 });
  });

  it("gives the triage defaults for the risk, gates and SLA part", () => {
    expect(toTriageConfig(DEFAULT_REPO_CONFIG)).toEqual(DEFAULT_TRIAGE_CONFIG);
  });

  it("keeps the defaults of the keys next to one that is set", () => {
    const c = valid({ gates: { prThreshold: 20 }, risk: { weights: { production: 2 } } });
    expect(c.gates).toEqual({ prThreshold: 20, minConfidence: 0.6 });
    expect(c.risk.weights).toEqual({ ...DEFAULT_TRIAGE_CONFIG.weights, production: 2 });
    expect(c.slaHours).toEqual(DEFAULT_TRIAGE_CONFIG.slaHours);
  });

  it("ignores a top-level _extends (Probot has followed it) and reads a key without a value as its default", () => {
    const c = valid({ _extends: ".github", gates: null, securityTeam: null, owners: { triageTeam: null } });
    expect(c).toEqual(DEFAULT_REPO_CONFIG);
    expect(c).not.toHaveProperty("_extends");
  });

  it("reads grouping: false (YAML 1.1's off) as off", () => {
    expect(valid({ grouping: false }).grouping).toBe("off");
  });
});

describe("the documented example", () => {
  it("has yaml blocks to test", () => {
    expect(YAML_BLOCKS.length).toBeGreaterThanOrEqual(3);
  });

  it("parses every yaml block of docs/configuration.md", () => {
    for (const block of YAML_BLOCKS) valid(parseYaml(block));
  });

  it("reads the full example as written, rules normalized to catalog ids", () => {
    const c = valid(parseYaml(YAML_BLOCKS[0]!));
    expect(c.gates.prThreshold).toBe(40);
    expect(c.slaHours.critical).toBe(24);
    expect(c.risk.accountEnvironments).toEqual({ "123456789012": "prod", "210987654321": "staging" });
    expect(c.securityTeam).toBe("acme/appsec");
    expect(c.owners.teams).toEqual({ payments: "acme/payments-sre", "data platform": "acme/data-platform" });
    expect(c.owners.assignees).toEqual(["octocat"]);
    expect(c.triageRepository).toBe("security-triage");
    expect(c.repositories).toEqual({
      include: ["infra-*", "terraform-*"],
      exclude: ["*-sandbox"],
      accounts: {},
    });
    expect(c.grouping).toBe("per-resource");
    expect(c.limits.teams).toEqual({ "acme/payments-sre": 3 });
    expect(c.rules).toEqual({
      enabled: "all",
      disabled: ["aws-s3-versioning", "aws-dynamodb-pitr"],
      options: { "aws-s3-encryption": { requireKms: true } },
      demote: { threshold: 0.3, minFindings: 10, rules: [] },
    });
    expect(c.verification).toEqual({ mode: "both", waitHours: 72 });
  });

  it("turns the example's risk, gates and SLA into a triage configuration the triage code accepts", () => {
    const triage = toTriageConfig(valid(parseYaml(YAML_BLOCKS[0]!)));
    expect(TriageConfigSchema.strict().parse(triage)).toEqual(triage);
    const finding: Finding = {
      source: { tool: "securityhub", format: "asff", findingId: "f1" },
      rule: { nativeId: "S3.8", catalogId: "aws-s3-public-access-block" },
      title: "S3 general purpose buckets should block public access",
      severity: { native: "HIGH", normalized: "high" },
      resource: { arn: "arn:aws:s3:::b", cloud: "aws", account: "123456789012" },
      status: "failed",
      context: { dataSensitivity: [] },
      raw: {},
    };
    const risk = trueRisk(finding, triage);
    expect(risk.factors.map((f) => [f.name, f.value, f.weight])).toEqual([
      ["severity", "high severity", 45],
      ["environment", "prod", 1.25],
    ]);
  });

  function leafPaths(node: unknown, prefix = ""): string[] {
    const def = (unwrap(node) as { _zod: { def: { type: string; shape?: Record<string, unknown> } } })._zod
      .def;
    if (def.type !== "object" || !def.shape) return [prefix];
    return Object.entries(def.shape).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
  }

  const ROWS = DOC.split("\n")
    .filter((line) => /^\| `/.test(line))
    .map((line) => line.split("|").map((cell) => cell.trim()));

  it("documents every key in a table, and only keys that exist", () => {
    const documented = ROWS.map((cells) => cells[1]!.replace(/^`|`$/g, ""));
    expect(documented.slice().sort()).toEqual(leafPaths(RepoConfigSchema).sort());
    expect(new Set(documented).size).toBe(documented.length);
  });

  it("documents each key's default exactly", () => {
    for (const cells of ROWS) {
      const key = cells[1]!.replace(/^`|`$/g, "");
      const cell = cells[3]!;
      expect(cell, key).toMatch(/^`[^`]*`$/);
      const actual = key
        .split(".")
        .reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], DEFAULT_REPO_CONFIG);
      expect(parseYaml(cell.slice(1, -1)), key).toEqual(actual);
    }
  });
});

describe("errors: the key path and what is wrong", () => {
  it("names an unknown key, with the closest known one", () => {
    expect(errorsOf({ gatse: { prThreshold: 1 } })).toEqual([
      { path: "gatse", message: 'unknown key (did you mean "gates"?)' },
    ]);
    expect(errorsOf({ gates: { prthreshold: 1 } })).toEqual([
      { path: "gates.prthreshold", message: 'unknown key (did you mean "prThreshold"?)' },
    ]);
  });

  it("lists the known keys when no key is close", () => {
    expect(errorsOf({ verification: { timeout: 3 } })).toEqual([
      { path: "verification.timeout", message: "unknown key (expected one of: mode, waitHours)" },
    ]);
  });

  it("rejects _extends below the top level, where it means nothing", () => {
    expect(errorsOf({ gates: { _extends: "x" } })[0]!.path).toBe("gates._extends");
  });

  it("says which type was expected and what was written", () => {
    expect(errorsOf({ gates: { prThreshold: "high" } })).toEqual([
      { path: "gates.prThreshold", message: 'must be a number, not the text "high"' },
    ]);
    expect(errorsOf({ labels: { riskTier: "yes" } })).toEqual([
      { path: "labels.riskTier", message: 'must be true or false, not the text "yes"' },
    ]);
    expect(errorsOf({ owners: ["acme/x"] })).toEqual([
      { path: "owners", message: "must be a mapping of keys, not a list" },
    ]);
    expect(errorsOf({ limits: { openPrsPerTeam: 2.5 } })).toEqual([
      { path: "limits.openPrsPerTeam", message: "must be a whole number, not the number 2.5" },
    ]);
  });

  it("says which bound a number crosses", () => {
    expect(errorsOf({ gates: { minConfidence: 2 }, slaHours: { high: 0 } })).toEqual([
      { path: "gates.minConfidence", message: "must be at most 1 (got the number 2)" },
      { path: "slaHours.high", message: "must be greater than 0 (got the number 0)" },
    ]);
  });

  it("lists the allowed values of a choice", () => {
    expect(errorsOf({ grouping: "per-repo" })).toEqual([
      { path: "grouping", message: 'must be one of off, per-file, per-resource (got the text "per-repo")' },
    ]);
    expect(errorsOf({ securityReview: { tiers: ["critical", "urgent"] } })).toEqual([
      {
        path: "securityReview.tiers[1]",
        message: 'must be one of critical, high, medium, low (got the text "urgent")',
      },
    ]);
  });

  it("names an unknown rule id or alias, by its position in the list", () => {
    expect(errorsOf({ rules: { disabled: ["CKV_AWS_20", "CKV_AWS_999"] } })).toEqual([
      {
        path: "rules.disabled[1]",
        message:
          'unknown rule "CKV_AWS_999": not a fixloop rule id or an alias of one (`fixloop rules` lists them)',
      },
    ]);
    expect(errorsOf({ rules: { enabled: ["no-such-rule"] } })[0]!.path).toBe("rules.enabled[0]");
    expect(errorsOf({ rules: { enabled: "some" } })).toEqual([
      { path: "rules.enabled", message: 'must be "all" or a list of rule ids' },
    ]);
    expect(errorsOf({ rules: { enabled: [] } })).toEqual([
      { path: "rules.enabled", message: 'must list at least one rule, or be "all"' },
    ]);
  });

  it.each([
    ["fix loop", 'may contain only letters, digits, ".", "_" and "-" (found " ")'],
    ["fix~1", 'may contain only letters, digits, ".", "_" and "-" (found "~")'],
    ["bots/fixloop", 'must be a single name without "/" (fixloop adds /<rule>/<hash>)'],
    ["-fixloop", 'must not start with "." or "-"'],
    [".fixloop", 'must not start with "." or "-"'],
    ["fix..loop", 'must not contain ".."'],
    ["fixloop.", 'must not end with "." or ".lock"'],
    ["fixloop.lock", 'must not end with "." or ".lock"'],
    ["", "must not be empty"],
    ["x".repeat(41), "must be at most 40 characters"],
  ])("rejects the branch prefix %j", (prefix, problem) => {
    expect(errorsOf({ branchPrefix: prefix })).toEqual([
      { path: "branchPrefix", message: `${JSON.stringify(prefix)}: ${problem}` },
    ]);
  });

  it("accepts a branch prefix that is one safe ref component", () => {
    for (const prefix of ["fixloop", "security-fixes", "bot_1.2"])
      expect(valid({ branchPrefix: prefix }).branchPrefix).toBe(prefix);
  });

  it("rejects a team that is not org/team-slug, wherever a team goes", () => {
    const message = (v: string) =>
      `${JSON.stringify(v)} is not a team: write it as org/team-slug, e.g. acme/platform-security`;
    expect(
      errorsOf({
        securityTeam: "appsec",
        owners: {
          teams: { payments: "payments-team", data: "acme/data/platform" },
          triageTeam: "acme/ops team",
        },
        limits: { teams: { "-acme/x": 3 } },
      }),
    ).toEqual([
      { path: "securityTeam", message: message("appsec") },
      { path: "owners.teams.payments", message: message("payments-team") },
      { path: "owners.teams.data", message: message("acme/data/platform") },
      { path: "owners.triageTeam", message: message("acme/ops team") },
      { path: 'limits.teams["-acme/x"]', message: message("-acme/x") },
    ]);
  });

  it("accepts a team written as in CODEOWNERS and drops the @", () => {
    const c = valid({ securityTeam: "@acme/appsec", limits: { teams: { "@acme/payments": 2 } } });
    expect(c.securityTeam).toBe("acme/appsec");
    expect(c.limits.teams).toEqual({ "acme/payments": 2 });
  });

  it("rejects two owner tag values that differ only in letter case", () => {
    expect(errorsOf({ owners: { teams: { Payments: "acme/a", payments: "acme/b" } } })).toEqual([
      {
        path: "owners.teams.payments",
        message: 'same tag value as "Payments" (tag values are matched case-insensitively)',
      },
    ]);
  });

  it("rejects risk tiers out of order", () => {
    expect(errorsOf({ risk: { tiers: { critical: 50, medium: 70 } } })).toEqual([
      { path: "risk.tiers.critical", message: "must be above high (60)" },
      { path: "risk.tiers.high", message: "must be above medium (70)" },
    ]);
  });

  it("rejects repository patterns with an owner or other characters, and bad names", () => {
    expect(
      errorsOf({ repositories: { include: ["acme/infra-*"] }, triageRepository: "acme/triage" }),
    ).toEqual([
      {
        path: "triageRepository",
        message: '"acme/triage" is not a repository name (the name only, no owner)',
      },
      {
        path: "repositories.include[0]",
        message:
          '"acme/infra-*" is not a repository name pattern: a repository name (no owner), where * matches any run of characters and ? one character',
      },
    ]);
  });

  it("rejects labels that are empty or longer than GitHub allows, and bad user names", () => {
    expect(
      errorsOf({
        labels: { add: [" "] },
        securityReview: { label: "x".repeat(51) },
        owners: { assignees: ["-x"] },
      }),
    ).toEqual([
      { path: "labels.add[0]", message: "must not be empty" },
      {
        path: "securityReview.label",
        message: `must be at most 50 characters (got the text "${"x".repeat(51)}")`,
      },
      { path: "owners.assignees[0]", message: '"-x" is not a GitHub user name' },
    ]);
  });

  it("quotes keys that are not plain words in the path", () => {
    expect(errorsOf({ owners: { teams: { "data platform": 5, "": "acme/x", data: null } } })).toEqual([
      { path: 'owners.teams["data platform"]', message: "must be text, not the number 5" },
      { path: 'owners.teams[""]', message: "must not be empty" },
      { path: "owners.teams.data", message: "must be text, not an empty value" },
    ]);
  });

  it("rejects a file that is not a mapping, with an empty path", () => {
    expect(errorsOf(["gates"])).toEqual([{ path: "", message: "must be a mapping of keys, not a list" }]);
    expect(errorsOf("gates: 1")).toEqual([
      { path: "", message: 'must be a mapping of keys, not the text "gates: 1"' },
    ]);
  });
});

describe("never half-applied", () => {
  it("gives no configuration when one key deep in an otherwise valid file is wrong", () => {
    const raw = parseYaml(YAML_BLOCKS[0]!) as Record<string, Record<string, unknown>>;
    raw.verification!.waitHours = "3 days";
    expect(errorsOf(raw)).toEqual([
      { path: "verification.waitHours", message: 'must be a number, not the text "3 days"' },
    ]);
  });

  it("lists every error, not only the first, in the order of the keys in the docs (unknown keys last)", () => {
    const errors = errorsOf({
      gatse: {},
      gates: { prThreshold: -1 },
      rules: { disabled: ["nope"] },
      branchPrefix: "a b",
      securityTeam: "x",
    });
    expect(errors.map((e) => e.path)).toEqual([
      "gates.prThreshold",
      "securityTeam",
      "rules.disabled[0]",
      "branchPrefix",
      "gatse",
    ]);
  });

  it("formats the errors for a log line and for a check run summary", () => {
    const errors = errorsOf({ gates: { prThreshold: "high" }, zzz: 1 });
    expect(errorsAsLine(errors)).toBe(
      'gates.prThreshold: must be a number, not the text "high"; zzz: unknown key (expected one of: risk, gates, slaHours, labels, securityReview, securityTeam, prScan, owners, triageRepository, repositories, grouping, limits, rules, branchPrefix, suppressions, exceptions, falsePositive, sla, verification, notifications, jira, auditors)',
    );
    expect(errorsAsMarkdown(errors).split("\n").slice(0, 2)).toEqual([
      "```text",
      'gates.prThreshold: must be a number, not the text "high"',
    ]);
    // Nothing from the file is rendered in Markdown: not a mention, not a fence of its own.
    const hostile = errorsOf({ securityTeam: "@someone ````" });
    expect(errorsAsMarkdown(hostile)).toBe(`\`\`\`\`\`text\n${errorsAsLine(hostile)}\n\`\`\`\`\``);
    expect(errorsAsLine([{ path: "", message: "must be a mapping of keys, not a list" }])).toBe(
      "(whole file): must be a mapping of keys, not a list",
    );
  });
});

describe("reading a valid configuration", () => {
  it("turns rules on and off by id or alias; disabled wins", () => {
    const c = valid({ rules: { enabled: ["S3.8", "CKV_AWS_21"], disabled: ["aws-s3-versioning"] } });
    expect(c.rules.enabled).toEqual(["aws-s3-public-access-block", "aws-s3-versioning"]);
    expect(isRuleEnabled(c, "aws-s3-public-access-block")).toBe(true);
    expect(isRuleEnabled(c, "CKV_AWS_53")).toBe(true);
    expect(isRuleEnabled(c, "aws-s3-versioning")).toBe(false);
    expect(isRuleEnabled(c, "aws-kms-rotation")).toBe(false);
    expect(isRuleEnabled(DEFAULT_REPO_CONFIG, "aws-kms-rotation")).toBe(true);
  });

  it("matches repository patterns by name, in any letter case; exclude wins", () => {
    const c = valid({ repositories: { include: ["infra-*", "tf-?"], exclude: ["*-sandbox"] } });
    expect(isRepositoryConsidered(c, "infra-payments")).toBe(true);
    expect(isRepositoryConsidered(c, "Infra-Payments")).toBe(true);
    expect(isRepositoryConsidered(c, "tf-a")).toBe(true);
    expect(isRepositoryConsidered(c, "tf-ab")).toBe(false);
    expect(isRepositoryConsidered(c, "infra-sandbox")).toBe(false);
    expect(isRepositoryConsidered(c, "app")).toBe(false);
    expect(isRepositoryConsidered(valid({ repositories: { include: ["a.b"] } }), "axb")).toBe(false);
    expect(isRepositoryConsidered(DEFAULT_REPO_CONFIG, "anything")).toBe(true);
  });

  it("matches an adversarial pattern in linear time (a backtracking RegExp took seconds)", () => {
    // 49 stars: the longest such pattern the 100-character limit allows, on a 100-character name.
    const pattern = `${"*a".repeat(49)}*b`;
    const c = valid({ repositories: { include: [pattern] } });
    const started = performance.now();
    expect(isRepositoryConsidered(c, "a".repeat(100))).toBe(false);
    expect(isRepositoryConsidered(c, `${"a".repeat(99)}b`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it("maps an owner tag value to its team in any letter case", () => {
    const c = valid({ owners: { teams: { Payments: "acme/payments-sre" } } });
    expect(teamForTagValue(c, "payments")).toBe("acme/payments-sre");
    expect(teamForTagValue(c, " PAYMENTS ")).toBe("acme/payments-sre");
    expect(teamForTagValue(c, "data")).toBeUndefined();
  });
});

describe("rules.demote", () => {
  it("reads the rules by any scanner id as catalog ids, with the line's threshold and minimum", () => {
    const r = parseRepoConfig({
      rules: { demote: { threshold: 0.5, minFindings: 4, rules: ["CKV_AWS_79"] } },
    });
    expect(r.ok && r.config.rules.demote).toEqual({
      threshold: 0.5,
      minFindings: 4,
      rules: ["aws-ec2-imdsv2"],
    });
    expect(r.ok && toTriageConfig(r.config).demotedRules).toEqual(["aws-ec2-imdsv2"]);
  });

  it("refuses a share above 1 and an unknown rule, naming the key", () => {
    const r = parseRepoConfig({ rules: { demote: { threshold: 1.5, rules: ["CKV_AWS_999"] } } });
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual([
      "rules.demote.threshold",
      "rules.demote.rules[0]",
    ]);
  });
});

describe("sla: the pre-breach warning and the escalation ladder", () => {
  it("reads durations and teams, and defaults to a warning at 75 % with no ladder", () => {
    expect(DEFAULT_REPO_CONFIG.sla).toEqual({ warnAt: 0.75, escalate: [] });
    const parsed = parseRepoConfig({
      sla: {
        warnAt: 0.5,
        escalate: [
          { after: "24h", notify: "@acme/security-leads" },
          { after: "3d", notify: "acme/ciso" },
        ],
      },
    });
    expect(parsed.ok && parsed.config.sla).toEqual({
      warnAt: 0.5,
      escalate: [
        { after: 24 * 3_600_000, notify: "acme/security-leads" },
        { after: 3 * 86_400_000, notify: "acme/ciso" },
      ],
    });
  });

  it("names the step and the key that is wrong", () => {
    expect(
      errorsOf({
        sla: {
          escalate: [
            { after: "1d", notify: "acme/leads" },
            { after: "tomorrow", notify: "acme/ciso" },
          ],
        },
      }),
    ).toEqual([
      {
        path: "sla.escalate[1].after",
        message: '"tomorrow" is not a duration: write a whole number and m, h or d, e.g. 24h or 3d',
      },
    ]);
    expect(
      errorsOf({
        sla: {
          escalate: [
            { after: "2d", notify: "acme/leads" },
            { after: "24h", notify: "acme/ciso" },
          ],
        },
      }),
    ).toEqual([{ path: "sla.escalate[1].after", message: "must be later than the step before it" }]);
    expect(errorsOf({ sla: { escalate: [{ after: "24h", notify: "security-leads" }] } })[0]!.path).toBe(
      "sla.escalate[0].notify",
    );
    expect(errorsOf({ sla: { escalate: [{ after: "24h", notify: "acme/x", team: "y" }] } })[0]!.path).toBe(
      "sla.escalate[0].team",
    );
    expect(errorsOf({ sla: { warnAt: 75 } })[0]!.path).toBe("sla.warnAt");
  });
});
