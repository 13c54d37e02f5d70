// The one table of CLI commands and their flags. Parsing (options.ts `parseCommandArgs`), every
// help text (`fixloop --help`, `fixloop <command> --help`) and the README's usage block come from
// here, so they cannot drift apart (test/cli/help.test.ts compares the README with it).
// This module imports nothing heavy: `--help` and dispatch load it before any command module.

import { STATES } from "../lifecycle/machine.ts";

export interface FlagSpec {
  type: "string" | "boolean";
  /** May be given several times (the value is a list). */
  multiple?: boolean;
  /** Placeholder for the value in usage lines (`DIR`, `text|json`). */
  value?: string;
  /** Allowed values, checked before the command runs. */
  choices?: readonly string[];
  /** What it does, for `--help`. */
  help: string;
  /** What happens without it, for `--help`. */
  default?: string;
}

export interface CommandSpec {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Every form of the command, without `fixloop <name>`: each becomes a usage line. */
  forms: string[];
  flags: Record<string, FlagSpec>;
  /** Longer description for `fixloop <name> --help`. */
  description: string;
  examples: string[];
}

const FORMAT_TEXT_JSON = {
  type: "string",
  value: "text|json",
  choices: ["text", "json"],
  help: "output format",
  default: "text",
} satisfies FlagSpec;
const DATA_DIR = {
  type: "string",
  value: "DIR",
  help: "the SQLite store's directory (DATABASE_URL=postgres://… uses PostgreSQL instead)",
  default: "$FIXLOOP_DATA_DIR or .fixloop",
} satisfies FlagSpec;
const TRIAGE_CONFIG = {
  type: "string",
  value: "FILE",
  help: "JSON file overriding the True Risk weights, tiers, gates and SLAs (README: True Risk)",
  default: "the built-in settings",
} satisfies FlagSpec;
const REQUIRE_KMS = {
  type: "boolean",
  help: "the organization requires SSE-KMS: a bucket without it (SSE-S3 or no configuration) is a finding (rules.options.aws-s3-encryption.requireKms)",
  default: "SSE-S3, AWS's default since January 2023, is enough",
} as const;

const RULE = {
  type: "string",
  multiple: true,
  value: "ID",
  help: "only this rule: a catalog id or any alias (CKV_AWS_53, AVD-AWS-0086, S3.8…)",
  default: "every rule",
} satisfies FlagSpec;

export const SCAN = {
  name: "scan",
  summary: "report misconfigurations in Terraform directories",
  forms: ["<dir>... [--format text|json|sarif] [--rule ID]... [--require-kms]"],
  flags: {
    format: {
      type: "string",
      value: "text|json|sarif",
      choices: ["text", "json", "sarif"],
      help: "output format; sarif is SARIF 2.1.0 for GitHub code scanning",
      default: "text",
    },
    rule: RULE,
    "require-kms": REQUIRE_KMS,
  },
  description:
    "Scans every .tf file under each directory with the rule catalog. Files that do not parse (or\n" +
    "cannot be read) are reported as warnings and skipped; the rest is scanned.\n" +
    "Exit code: 0 clean, 1 findings, 2 error (also when a file could not be parsed or read).",
  examples: ["fixloop scan infra", "fixloop scan infra modules --format sarif > fixloop.sarif"],
} satisfies CommandSpec;

export const FIX = {
  name: "fix",
  summary: "patch the misconfigurations (or the findings of a scanner/CSPM) in place",
  forms: [
    "<dir> [--rule ID]... [--require-kms] [--allow-disruptive] [--dry-run] [--branch NAME] [--format text|json]",
    "<dir> --findings FILE... [--findings-format auto|NAME] [--triage-config FILE] [--min-risk N] [--allow-disruptive] [--dry-run] [--branch NAME] [--format text|json]",
    "<dir> --findings FILE... --open-pr [--base BRANCH] [--format text|json]",
  ],
  flags: {
    rule: RULE,
    "require-kms": REQUIRE_KMS,
    "allow-disruptive": {
      type: "boolean",
      help: "also apply fixes that replace a resource, lose data or cut traffic (listed as skipped with their impact otherwise)",
      default: "skip disruptive fixes",
    },
    "dry-run": { type: "boolean", help: "print the diff, write nothing", default: "write the files" },
    branch: {
      type: "string",
      value: "NAME",
      help: "create this branch in the checkout and commit the patched files on it",
      default: "no commit",
    },
    format: FORMAT_TEXT_JSON,
    findings: {
      type: "string",
      multiple: true,
      value: "FILE",
      help: "fix the findings in these documents (SARIF, Checkov, Trivy, ASFF, Wiz…) instead of scanning",
      default: "scan with the catalog",
    },
    "findings-format": {
      type: "string",
      value: "auto|NAME",
      help: "format of the --findings files (see `fixloop ingest --help`)",
      default: "auto",
    },
    "triage-config": TRIAGE_CONFIG,
    "min-risk": {
      type: "string",
      value: "N",
      help: "with --findings: skip findings whose True Risk score is below N (record only); not with --open-pr, where the triage gate decides",
      default: "fix every finding it can",
    },
    "open-pr": {
      type: "boolean",
      help: "open one pull request per fixed finding, as the app does (needs GITHUB_TOKEN; GITHUB_API_URL for GHES)",
      default: "no pull request",
    },
    base: {
      type: "string",
      value: "BRANCH",
      help: "with --open-pr: the branch the pull requests target",
      default: "the repository's default branch",
    },
  },
  description:
    "Patches the Terraform minimally; each patch is re-parsed, must stay `terraform fmt`-clean and\n" +
    "must make the finding disappear on a re-scan, or it is refused with the reason.\n" +
    "Exit code: 0 everything fixed, 1 some findings skipped or refused, 2 error.",
  examples: [
    "fixloop fix examples/terragoat --dry-run",
    "fixloop fix infra --findings checkov.json --branch fixloop/security",
    "GITHUB_TOKEN=… fixloop fix infra --findings wiz.json --open-pr",
  ],
} satisfies CommandSpec;

export const INGEST = {
  name: "ingest",
  summary: "read scanner/CSPM findings, score and triage them (and keep them with --store)",
  forms: [
    "FILE... [--format auto|NAME] [--triage-config FILE] [--json] [--store [--data-dir DIR] [--org NAME] [--repository OWNER/NAME|none]] [--complete-scan --accounts ID,... [--rules ID,...] [--tool NAME]]",
  ],
  flags: {
    format: {
      type: "string",
      value: "auto|NAME",
      help: "document format: sarif, asff, ocsf, checkov, trivy, tfsec, kics, wiz, prisma, generic",
      default: "auto (detected per file)",
    },
    "triage-config": TRIAGE_CONFIG,
    json: { type: "boolean", help: "print JSON instead of text", default: "text" },
    store: { type: "boolean", help: "keep the findings in the store", default: "print only" },
    "data-dir": DATA_DIR,
    org: {
      type: "string",
      value: "NAME",
      help: "with --store: the organization the findings belong to (a finding is one per organization)",
      default: "the repository's owner, else none",
    },
    repository: {
      type: "string",
      value: "OWNER/NAME|none",
      help: "with --store: the repository a repository scan (SARIF, Checkov, Trivy, tfsec, KICS) ran on; its findings are one per repository",
      default: "the origin remote of the current directory",
    },
    "complete-scan": {
      type: "boolean",
      help: "the files are the tool's whole scan of --accounts: a finding being verified that is missing has passed",
      default: "a partial report",
    },
    accounts: {
      type: "string",
      value: "ID,...",
      help: "with --complete-scan: the accounts the scan covered",
    },
    rules: {
      type: "string",
      value: "ID,...",
      help: "with --complete-scan: the rules the scan ran",
      default: "every rule",
    },
    tool: {
      type: "string",
      value: "NAME",
      help: "with --complete-scan: the tool that scanned",
      default: "the files' tool",
    },
  },
  description:
    "Parses finding documents as the tools emit them, scores each finding's True Risk, its gate\n" +
    "and SLA, and lists invalid records with file, index, JSON path and reason.\n" +
    "Exit code: 0 all parsed, 1 some rejected, 2 nothing could be read.",
  examples: [
    "fixloop ingest results.sarif",
    "fixloop ingest prowler.ocsf.json --store --complete-scan --accounts 123456789012",
  ],
} satisfies CommandSpec;

export const FINDINGS = {
  name: "findings",
  summary: "list stored findings, highest risk first",
  forms: ["[--state STATE] [--breached] [--json] [--data-dir DIR]"],
  flags: {
    state: {
      type: "string",
      value: "STATE",
      choices: STATES,
      help: "only findings in this lifecycle state",
      default: "every state",
    },
    breached: {
      type: "boolean",
      help: "only open findings past their SLA due date",
      default: "any SLA",
    },
    json: { type: "boolean", help: "print JSON instead of a table", default: "table" },
    "data-dir": DATA_DIR,
  },
  description:
    "Lists the findings kept by `fixloop ingest --store` (or the app). Reading never creates a store.",
  examples: [
    "fixloop findings",
    "fixloop findings --state awaiting_approval --json",
    "fixloop findings --breached",
  ],
} satisfies CommandSpec;

export const FINDING = {
  name: "finding",
  summary: "show one stored finding with its sources and audit trail",
  forms: ["FINDING [--json] [--data-dir DIR]"],
  flags: {
    json: { type: "boolean", help: "print JSON instead of text", default: "text" },
    "data-dir": DATA_DIR,
  },
  description: "FINDING is a finding id or a unique prefix of one (4 characters or more).",
  examples: ["fixloop finding 3f2a9c01"],
} satisfies CommandSpec;

const EVIDENCE_FORMAT = {
  type: "string",
  value: "json|csv|md|html",
  choices: ["json", "csv", "md", "html"],
  help: "output format (html: one finding's record as a page; a period is json, csv or md)",
  default: "json",
} satisfies FlagSpec;

export const EVIDENCE = {
  name: "evidence",
  summary: "a finding's evidence record, or one row per finding active in a period",
  forms: [
    "FINDING [--format json|csv|md|html] [--data-dir DIR]",
    "--since DATE [--until DATE] [--format json|csv|md] [--data-dir DIR]",
  ],
  flags: {
    format: EVIDENCE_FORMAT,
    since: {
      type: "string",
      value: "DATE",
      help: "export every finding with activity from this date (a date alone is a whole UTC day)",
    },
    until: { type: "string", value: "DATE", help: "end of the period", default: "now" },
    "data-dir": DATA_DIR,
  },
  description:
    "Detection, risk, assignment, the fix (PR, commits, diff), verification, SLA and the audit\n" +
    "trail, for an auditor.",
  examples: [
    "fixloop evidence 3f2a9c01 --format md",
    "fixloop evidence 3f2a9c01 --format html > evidence.html",
    "fixloop evidence --since 2026-10-01 --until 2026-10-31 --format csv",
  ],
} satisfies CommandSpec;

export const REPORT = {
  name: "report",
  summary: "what people decided per rule and source: the rules to tune or demote",
  forms: [
    "tuning --since DATE [--until DATE] [--format text|json] [--org NAME] [--config FILE] [--data-dir DIR]",
  ],
  flags: {
    since: {
      type: "string",
      value: "DATE",
      help: "start of the period (a date alone is a whole UTC day)",
    },
    until: { type: "string", value: "DATE", help: "end of the period (that day included)", default: "now" },
    format: FORMAT_TEXT_JSON,
    org: {
      type: "string",
      value: "NAME",
      help: "only this organization's findings (demotion is per organization)",
      default: "every finding in the store",
    },
    config: {
      type: "string",
      value: "FILE",
      help: "the organization's fixloop.yml, for rules.demote (the line and the rules already demoted)",
      default: "threshold 0.3, minFindings 10, no rule demoted",
    },
    "data-dir": DATA_DIR,
  },
  description:
    "Per rule and per source: findings seen, fixed (PR merged and verified), confirmed false\n" +
    "positive, accepted, snoozed and closed unmerged in the period, each finding once per outcome.\n" +
    "Lists the rules with the most false positives and rejected PRs, with the reasons people gave,\n" +
    "and the rules over the rules.demote line that are not demoted yet, with the line to add.\n" +
    "Nothing is demoted automatically. Exit code: 0, or 2 on an error.",
  examples: [
    "fixloop report tuning --since 2026-11-01",
    "fixloop report tuning --since 2026-11-01 --until 2026-11-30 --org acme --config .github/fixloop.yml --format json",
  ],
} satisfies CommandSpec;

export const RULES_SPEC = {
  name: "rules",
  summary: "list the rule catalog with aliases and impact notes",
  forms: ["[--format text|json]"],
  flags: { format: FORMAT_TEXT_JSON },
  description: "Every rule with its severity, resource types, scanner aliases and what its fix may break.",
  examples: ["fixloop rules", "fixloop rules --format json"],
} satisfies CommandSpec;

export const EXCEPTIONS = {
  name: "exceptions",
  summary: "the register of accepted risks: exceptions, snoozes, false positives, inline suppressions",
  forms: ["[--expiring 30d] [--json] [--data-dir DIR]"],
  flags: {
    expiring: {
      type: "string",
      value: "30d",
      help: "only what expires within this many days (or has expired and not yet been swept)",
      default: "everything",
    },
    json: { type: "boolean", help: "one JSON object per row", default: "a table" },
    "data-dir": DATA_DIR,
  },
  description:
    "Exceptions granted by /fixloop commands and by .github/fixloop-exceptions.yml, snoozes,\n" +
    "confirmed false positives and inline suppressions (#checkov:skip, #trivy:ignore…) seen where\n" +
    "the app planned fixes: origin, approver or author, reason and expiry, soonest expiry first.",
  examples: ["fixloop exceptions", "fixloop exceptions --expiring 30d --json"],
} satisfies CommandSpec;

/** Every command, in the order the help and the README list them. */
export const COMMAND_SPECS: readonly CommandSpec[] = [
  SCAN,
  FIX,
  INGEST,
  FINDINGS,
  FINDING,
  EVIDENCE,
  REPORT,
  EXCEPTIONS,
  RULES_SPEC,
];
