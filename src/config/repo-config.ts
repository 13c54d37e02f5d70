// The repository configuration, `.github/fixloop.yml`, as Probot's `context.config` returns it
// (YAML already parsed, `_extends` and the organization's `.github` repository already merged).
// Strict: an unknown key, a wrong type or an unknown rule is an error naming its key, and any error
// means no configuration at all — never half-applied. Risk, gates and SLA are the triage
// configuration's own schemas (src/triage/config.ts), so their bounds and defaults live in one place.
// Every key, type and default is documented in docs/configuration.md (tested against this schema).

import { z } from "zod";
import { JiraConfigSchema, NotificationsConfigSchema } from "../notify/config.ts";
import { resolveRuleId } from "../rules/registry.ts";
import { type TriageConfig, TriageConfigSchema } from "../triage/config.ts";
import type { Tier } from "../triage/risk.ts";
import { type ConfigError, configErrors, unwrap } from "./config-errors.ts";
import { simpleGlob } from "./wildcard.ts";

export type { ConfigError } from "./config-errors.ts";

const triage = TriageConfigSchema.shape;
const TIERS = ["critical", "high", "medium", "low"] as const satisfies readonly Tier[];

/** A GitHub login (organization or user): letters, digits and single hyphens, at most 39. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const TEAM_SLUG = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,98}[A-Za-z0-9_])?$/;
const REPO_NAME = /^[A-Za-z0-9._-]{1,100}$/;
const REPO_GLOB = /^[A-Za-z0-9._*?-]{1,100}$/;

/** `org/team-slug` as GitHub names a team (a leading `@`, as in CODEOWNERS, is accepted and dropped). */
const TeamSlug = z.string().transform((value, ctx) => {
  const slug = value.trim().replace(/^@/, "");
  const [org, team, ...rest] = slug.split("/");
  if (rest.length === 0 && org && team && LOGIN.test(org) && TEAM_SLUG.test(team)) return slug;
  ctx.addIssue({
    code: "custom",
    message: `${JSON.stringify(value)} is not a team: write it as org/team-slug, e.g. acme/platform-security`,
  });
  return z.NEVER;
});

const Login = z.string().refine((v) => LOGIN.test(v), {
  error: (iss) => `${JSON.stringify(iss.input)} is not a GitHub user name`,
});

/** GitHub's label name limit is 50 characters. */
const Label = z.string().trim().min(1).max(50);

/** A catalog rule id or any scanner alias of one (CKV_AWS_20, AVD-AWS-0086, S3.8…) → the catalog id. */
const RuleRef = z.string().transform((value, ctx) => {
  const rule = resolveRuleId(value);
  if (rule) return rule.id;
  ctx.addIssue({
    code: "custom",
    message: `unknown rule ${JSON.stringify(value)}: not a fixloop rule id or an alias of one (\`fixloop rules\` lists them)`,
  });
  return z.NEVER;
});
const RuleList = z.array(RuleRef).transform((ids) => [...new Set(ids)]);

const RepoName = z.string().refine((v) => REPO_NAME.test(v) && v !== "." && v !== "..", {
  error: (iss) => `${JSON.stringify(iss.input)} is not a repository name (the name only, no owner)`,
});

const RepoGlob = z.string().refine((v) => REPO_GLOB.test(v), {
  error: (iss) =>
    `${JSON.stringify(iss.input)} is not a repository name pattern: a repository name (no owner), where * matches any run of characters and ? one character`,
});

/** Why `prefix` cannot start a branch name (`<prefix>/<rule>/<hash>`), or undefined when it can. */
export function branchPrefixProblem(prefix: string): string | undefined {
  if (prefix.length === 0) return "must not be empty";
  if (prefix.length > 40) return "must be at most 40 characters";
  if (prefix.includes("/")) return 'must be a single name without "/" (fixloop adds /<rule>/<hash>)';
  const bad = prefix.match(/[^A-Za-z0-9._-]/);
  if (bad) return `may contain only letters, digits, ".", "_" and "-" (found ${JSON.stringify(bad[0])})`;
  if (/^[.-]/.test(prefix)) return 'must not start with "." or "-"';
  if (prefix.includes("..")) return 'must not contain ".."';
  if (prefix.endsWith(".") || prefix.endsWith(".lock")) return 'must not end with "." or ".lock"';
  return undefined;
}

const BranchPrefix = z.string().superRefine((value, ctx) => {
  const problem = branchPrefixProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: `${JSON.stringify(value)}: ${problem}` });
});

const OwnerTeams = z.record(z.string().trim().min(1), TeamSlug).superRefine((teams, ctx) => {
  const seen = new Map<string, string>();
  for (const key of Object.keys(teams)) {
    const other = seen.get(key.toLowerCase());
    if (other !== undefined)
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `same tag value as ${JSON.stringify(other)} (tag values are matched case-insensitively)`,
      });
    else seen.set(key.toLowerCase(), key);
  }
});

/** `24h`, `3d`, `90m`: how long after the breach an escalation step is told; → milliseconds. */
const SlaDuration = z.string().transform((value, ctx) => {
  const m = /^([1-9][0-9]{0,4})(m|h|d)$/.exec(value.trim());
  if (m) return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "m" | "h" | "d"];
  ctx.addIssue({
    code: "custom",
    message: `${JSON.stringify(value)} is not a duration: write a whole number and m, h or d, e.g. 24h or 3d`,
  });
  return z.NEVER;
});

/** Each escalation step comes later than the one before it (the ladder is climbed in order). */
function increasingSteps(steps: ReadonlyArray<{ after: number }>, ctx: z.RefinementCtx): void {
  steps.forEach((step, i) => {
    const previous = steps[i - 1];
    if (previous && step.after <= previous.after)
      ctx.addIssue({ code: "custom", path: [i, "after"], message: "must be later than the step before it" });
  });
}

const RiskTiers = triage.tiers.superRefine((tiers, ctx) => {
  if (tiers.critical <= tiers.high)
    ctx.addIssue({ code: "custom", path: ["critical"], message: `must be above high (${tiers.high})` });
  if (tiers.high <= tiers.medium)
    ctx.addIssue({ code: "custom", path: ["high"], message: `must be above medium (${tiers.medium})` });
});

const RepoConfigObject = z.strictObject({
  risk: z
    .strictObject({
      severityPoints: triage.severityPoints,
      weights: triage.weights,
      tiers: RiskTiers,
      accountEnvironments: triage.accountEnvironments,
      environmentTags: triage.environmentTags,
      productionEnvironments: triage.productionEnvironments,
    })
    .prefault({}),
  gates: triage.gates,
  slaHours: triage.slaHours,
  labels: z
    .strictObject({
      add: z
        .array(Label)
        .default(["security", "fixloop"])
        .transform((l) => [...new Set(l)]),
      riskTier: z.boolean().default(true),
    })
    .prefault({}),
  securityReview: z
    .strictObject({
      label: Label.default("security-review-required"),
      tiers: z
        .array(z.enum(TIERS))
        .default(["critical", "high"])
        .transform((t) => [...new Set(t)]),
      impactNotes: z.boolean().default(true),
    })
    .prefault({}),
  securityTeam: TeamSlug.nullable().default(null),
  /** The `fixloop/scan` check run on people's pull requests: what the findings a PR introduces make it. */
  prScan: z
    .strictObject({
      enabled: z.boolean().default(true),
      conclusion: z.enum(["neutral", "failure"]).default("neutral"),
      failAt: z.enum(TIERS).default("high"),
    })
    .prefault({}),
  owners: z
    .strictObject({
      tagKeys: z.array(z.string().trim().min(1)).default(["team", "owner"]),
      teams: OwnerTeams.default({}),
      triageTeam: TeamSlug.nullable().default(null),
      requestReview: z.boolean().default(true),
      assignees: z.array(Login).default([]),
    })
    .prefault({}),
  triageRepository: RepoName.nullable().default(null),
  repositories: z
    .strictObject({
      include: z.array(RepoGlob).default(["*"]),
      exclude: z.array(RepoGlob).default([]),
      accounts: z
        .record(
          z
            .string()
            .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, "is not a cloud account, subscription or project id"),
          z.array(RepoName).min(1),
        )
        .default({}),
    })
    .prefault({}),
  grouping: z
    .preprocess((v) => (v === false ? "off" : v), z.enum(["off", "per-file", "per-resource"]))
    .default("off"),
  limits: z
    .strictObject({
      openPrsPerRepository: z.number().int().min(0).default(5),
      openPrsPerTeam: z.number().int().min(0).default(10),
      teams: z.record(TeamSlug, z.number().int().min(0)).default({}),
    })
    .prefault({}),
  rules: z
    .strictObject({
      enabled: z
        .preprocess((v, ctx) => {
          if (v === undefined || v === "all") return undefined;
          if (Array.isArray(v) && v.length > 0) return v;
          ctx.addIssue({
            code: "custom",
            input: v,
            message: Array.isArray(v)
              ? 'must list at least one rule, or be "all"'
              : 'must be "all" or a list of rule ids',
          });
          return z.NEVER;
        }, z.array(RuleRef).optional())
        .transform((ids): "all" | string[] => (ids ? [...new Set(ids)] : "all")),
      disabled: RuleList.default([]),
      // Rules whose PRs people reject or mark false positive too often: recorded, never a PR here.
      // Listed by a person; `fixloop report tuning` names the rules that cross the line.
      demote: z
        .strictObject({
          threshold: z.number().min(0).max(1).default(0.3),
          minFindings: z.number().int().min(1).default(10),
          rules: RuleList.default([]),
        })
        .prefault({}),
      // Per-rule options; off by default (docs/configuration.md).
      options: z
        .strictObject({
          "aws-s3-encryption": z.strictObject({ requireKms: z.boolean().default(false) }).prefault({}),
        })
        .prefault({}),
    })
    .prefault({}),
  branchPrefix: BranchPrefix.default("fixloop"),
  // What a suppression written in code (#checkov:skip, #tfsec:ignore, .trivyignore…) must carry;
  // one that does not is reported as a `suppression-without-reason` finding (src/suppress/policy.ts).
  suppressions: z
    .strictObject({
      requireReason: z.boolean().default(false),
      maxDays: z.number().int().positive().nullable().default(null),
    })
    .prefault({}),
  // People's decisions (the /fixloop decision commands and .github/fixloop-exceptions.yml).
  exceptions: z
    .strictObject({
      // The longest accepted risk per tier, in days; a longer request is refused with the limit.
      maxDays: z
        .strictObject({
          critical: z.number().int().positive().default(30),
          high: z.number().int().positive().default(90),
          medium: z.number().int().positive().default(180),
          low: z.number().int().positive().default(365),
        })
        .prefault({}),
      // How many days before an exception or snooze ends the approver and the owners are told.
      noticeDays: z.number().int().min(0).default(7),
    })
    .prefault({}),
  falsePositive: z
    .strictObject({
      // Hours the security team has to review a reported false positive.
      reviewHours: z.number().positive().default(24),
    })
    .prefault({}),
  // SLA notices (src/sla/): a pre-breach warning at a share of the SLA, and after a breach an
  // escalation ladder, each step told once.
  sla: z
    .strictObject({
      warnAt: z.number().gt(0).lt(1).nullable().default(0.75),
      escalate: z
        .array(z.strictObject({ after: SlaDuration, notify: TeamSlug }))
        .max(10)
        .default([])
        .superRefine(increasingSteps),
    })
    .prefault({}),
  verification: z
    .strictObject({
      // auto: both when the finding's source re-scans the cloud (a CSPM), else code (an IaC scanner).
      mode: z.enum(["auto", "code", "runtime", "both"]).default("auto"),
      waitHours: z.number().positive().default(72),
    })
    .prefault({}),
  // Where teams hear about their findings (organization level; src/notify/config.ts).
  notifications: NotificationsConfigSchema,
  jira: JiraConfigSchema,
  // Who may read every finding and organization-wide dashboard page besides securityTeam
  // (organization level; src/web/access.ts). Auditors see, they do not decide or share.
  auditors: TeamSlug.nullable().default(null),
});

export type RepoConfig = z.output<typeof RepoConfigObject>;

/** Drops `_extends` (Probot has already followed it) and keys written without a value (`gates:`). */
function prepare(raw: unknown): unknown {
  if (raw === null || raw === undefined) return {};
  const strip = (schema: unknown, value: unknown, top: boolean): unknown => {
    const def = (unwrap(schema) as { _zod?: { def?: { type?: string; shape?: Record<string, unknown> } } })
      ._zod?.def;
    if (def?.type !== "object" || !def.shape || !isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (v === null || (top && key === "_extends")) continue;
      out[key] = key in def.shape ? strip(def.shape[key], v, false) : v;
    }
    return out;
  };
  return strip(RepoConfigObject, raw, true);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The schema, including the preparation `parseRepoConfig` does (nulls → defaults, `_extends` ignored). */
export const RepoConfigSchema = z.preprocess(prepare, RepoConfigObject);

export type RepoConfigParse = { ok: true; config: RepoConfig } | { ok: false; errors: ConfigError[] };

/**
 * Validates what `context.config("fixloop.yml")` returned: null (no file) or an empty file give the
 * defaults; any error gives no configuration and every error with its key path.
 */
export function parseRepoConfig(raw: unknown): RepoConfigParse {
  const parsed = RepoConfigSchema.safeParse(raw, { reportInput: true });
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, errors: configErrors(RepoConfigObject, parsed.error.issues) };
}

export const DEFAULT_REPO_CONFIG: RepoConfig = RepoConfigObject.parse({});

/** The triage part, in the shape src/triage accepts. */
export function toTriageConfig(config: RepoConfig): TriageConfig {
  return {
    ...config.risk,
    gates: config.gates,
    slaHours: config.slaHours,
    ...(config.rules.demote.rules.length > 0 ? { demotedRules: config.rules.demote.rules } : {}),
  };
}

/** A catalog rule is on unless `rules.enabled` is a list without it, or `rules.disabled` names it. */
export function isRuleEnabled(config: RepoConfig, ruleId: string): boolean {
  const id = resolveRuleId(ruleId)?.id ?? ruleId;
  if (config.rules.disabled.includes(id)) return false;
  return config.rules.enabled === "all" || config.rules.enabled.includes(id);
}

/** Repository names are matched case-insensitively, as GitHub treats them. */
const globMatches = (glob: string, name: string) => simpleGlob(glob.toLowerCase()).test(name.toLowerCase());

/** A repository (by name, case-insensitively) is considered when an include matches and no exclude does. */
export function isRepositoryConsidered(config: RepoConfig, name: string): boolean {
  const matches = (globs: readonly string[]) => globs.some((g) => globMatches(g, name));
  return matches(config.repositories.include) && !matches(config.repositories.exclude);
}

/** The team mapped to an owner tag value (`owners.teams`, matched case-insensitively), or undefined. */
export function teamForTagValue(config: RepoConfig, value: string): string | undefined {
  const wanted = value.trim().toLowerCase();
  for (const [key, team] of Object.entries(config.owners.teams))
    if (key.toLowerCase() === wanted) return team;
  return undefined;
}
