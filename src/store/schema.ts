// The tables, as Kysely sees them. One description for SQLite and PostgreSQL: timestamps are epoch
// milliseconds (integers sort and compare the same on both, with no time-zone or collation
// surprises), structured values are JSON text, ids are text except the append-only sequences.

import type { ColumnType, Generated, Insertable, Selectable } from "kysely";

/** An integer column PostgreSQL stores as bigint; the pg driver is told to return it as a number. */
type Millis = number;

export interface FindingsTable {
  /** The finding's id: the same resource and control from any source of one organization (and
   *  repository, for a repository scan) is one finding. */
  id: string;
  state: string;
  /** Bumped on every transition: an update that names an old version lost a race and is refused. */
  version: number;
  rule_native_id: string;
  rule_catalog_id: string | null;
  title: string;
  severity: string;
  risk_score: number;
  risk_tier: string;
  /** JSON: the Risk (factors and explanation), the Confidence, the GateDecision. */
  risk: string;
  confidence: string;
  gate: string;
  actionable: number;
  /** JSON: the normalized resource (arn, id, name, type, account, file, line, tags…). */
  resource: string;
  /** JSON: the finding's context (reachability, data sensitivity, owner team…). */
  context: string;
  owner_team: string | null;
  first_seen: Millis;
  last_seen: Millis;
  sla_due: Millis;
  sla_breached_at: Millis | null;
  verification_deadline: Millis | null;
  verification_overdue_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
  /** The GitHub organization (or user) the finding was posted for; null from the CLI. */
  org: string | null;
  installation_id: number | null;
  /** The rule-and-resource key (src/triage/dedupe.ts), unique within (org, repository); the id
   *  of findings stored before migration 0004, and a hash of it with its scope after. */
  dedupe_key: string;
  /** `owner/name` of the scanned repository for a repository scan's finding; null for a cloud
   *  finding, or when the sender did not name it. */
  repository: string | null;
}

/** One row per (finding, source record): a finding seen by Wiz and by Security Hub has two. */
export interface FindingSourcesTable {
  finding_id: string;
  tool: string;
  format: string;
  source_finding_id: string;
  status: string;
  first_seen: Millis;
  last_seen: Millis;
  /** The source record as received (JSON), for the audit trail. */
  raw: string;
  /** SHA-256 of `raw` (base64url); null on rows stored before migration 0015. */
  raw_hash: string | null;
}

/** One SLA breach: append-only, one per finding and due date (src/store/sla-breaches.ts). */
export interface SlaBreachesTable {
  id: Generated<number>;
  finding_id: string;
  /** The due date that was missed. */
  due: Millis;
  /** When the SLA sweep found it past due. */
  breached_at: Millis;
  /** The state the finding was in (its SLA clock running). */
  state: string;
  risk_tier: string;
}

export interface AuditEventsTable {
  id: Generated<number>;
  finding_id: string;
  from_state: string | null;
  to_state: string;
  at: Millis;
  /** app | github-user | ingest */
  actor_kind: string;
  /** JSON of the whole actor: login and id for a GitHub user, source for an ingest. */
  actor: string;
  reason: string;
  /** JSON: pr, commit, checkRun, scan, issue. */
  links: string;
  /** The finding's organization (it never changes), so trends count without joining; migration 0020. */
  org: string | null;
}

export interface RemediationsTable {
  id: Generated<number>;
  finding_id: string;
  repository: string | null;
  branch: string | null;
  pr_number: number | null;
  pr_url: string | null;
  commit_sha: string | null;
  merge_commit_sha: string | null;
  /** JSON array of repository-relative paths. */
  files: string;
  diff: string;
  /** JSON: { team, reviewers[], decidedBy } */
  assignment: string;
  created_at: Millis;
  updated_at: Millis;
  /** open | merged | closed (closed without merge); null before a PR exists. */
  pr_state: string | null;
  /** A hash of the patch: the same fix again is not a new commit. */
  fix_fingerprint: string | null;
  /** The owning team the PR was routed to (counted by the per-team open-PR limit). */
  owner_team: string | null;
  /** Where the fix located the finding (0010): the file and the resource address in it. */
  located_file: ColumnType<string | null, string | null | undefined, string | null>;
  located_address: ColumnType<string | null, string | null | undefined, string | null>;
}

/** What was checked to decide a finding is fixed (or not): CI, code re-scan, runtime re-scan. */
export interface VerificationsTable {
  id: Generated<number>;
  finding_id: string;
  /** ci | code | runtime */
  kind: string;
  /** passed | failed | pending */
  result: string;
  /** Who looked: a scanner (securityhub, wiz…), fixloop's catalog, a CI system. */
  checked_by: string;
  observed_at: Millis;
  detail: string;
  /** JSON: links to the scan, check run, alert. */
  links: string;
}

/** A human decision to accept or waive a finding: who approved it, why, and until when. */
export interface ExceptionsTable {
  id: Generated<number>;
  finding_id: string;
  /** exception (time-bound accepted risk) | suppression (false positive / source-side waiver) */
  kind: string;
  reason: string;
  /** JSON actor of the approver. */
  approved_by: string;
  expires_at: Millis | null;
  created_at: Millis;
  revoked_at: Millis | null;
  /** command (a /fixloop command) | file (.github/fixloop-exceptions.yml) | inline (a comment in the code) */
  origin: ColumnType<string, string | undefined, string>;
  /** JSON actor of who asked for it (never its approver), when someone did. */
  requested_by: string | null;
  /** Where it is written: `path#entry` in the exceptions file, or `file:line` of the inline comment. */
  reference: string | null;
}

/** A suppression written in a repository's code, as the app last saw it there. */
export interface InlineSuppressionsTable {
  id: Generated<number>;
  /** owner/name */
  repository: string;
  file: string;
  line: number;
  /** checkov:skip, trivy:ignore, tfsec:ignore, kics-scan …, .trivyignore */
  syntax: string;
  /** JSON array of the check ids as written ([] = every check). */
  ids: string;
  reason: string | null;
  /** YYYY-MM-DD as written, or null. */
  expires: string | null;
  /** Who wrote it, when known (null: fixloop does not run git blame). */
  author: string | null;
  commit_sha: string;
  seen_at: Millis;
}

/** A confirmed false positive that suppresses later findings of its rule on arrival, by scope. */
export interface SuppressionScopesTable {
  id: Generated<number>;
  org: string;
  /** owner/name for repository and resource scopes; null for the organization. */
  repository: string | null;
  /** The catalog rule id (or the source's check id when the finding maps to no rule). */
  rule_id: string;
  /** The resource address or identifier (resource scope only). */
  resource: string | null;
  /** resource | repository | organization */
  scope: string;
  /** The finding whose review decided it. */
  finding_id: string;
  /** JSON actor of the security-team member who confirmed it. */
  decided_by: string;
  reason: string;
  created_at: Millis;
  revoked_at: Millis | null;
}

export interface JobsTable {
  id: Generated<number>;
  kind: string;
  /** JSON arguments of the job. */
  payload: string;
  /** queued | running | done | dead */
  state: string;
  /** At most one queued or running job per key (a partial unique index): enqueueing is idempotent. */
  unique_key: string | null;
  run_at: Millis;
  attempts: number;
  max_attempts: number;
  lease_owner: string | null;
  lease_expires_at: Millis | null;
  last_error: string | null;
  /** JSON the handler saved on the way (a branch it created…), so a re-run adopts instead of repeating. */
  progress: string | null;
  created_at: Millis;
  updated_at: Millis;
  finished_at: Millis | null;
  /** Among due jobs, higher runs first (a remediation's risk score). */
  priority: Generated<number>;
}

/** The one issue fixloop keeps per finding it cannot fix by PR (not locatable, ambiguous, gated…). */
export interface TrackingIssuesTable {
  finding_id: string;
  /** owner/name */
  repository: string;
  number: number;
  url: string;
  /** open | closed */
  state: string;
  /** Why there is an issue rather than a PR (the last reason written into it). */
  reason: string;
  created_at: Millis;
  updated_at: Millis;
}

/** The Jira issue kept for a finding's tracking issue (src/notify/jira.ts). */
export interface JiraIssuesTable {
  finding_id: string;
  /** The Jira key, e.g. SEC-123. */
  key: string;
  /** The issue's page, `<baseUrl>/browse/<key>`. */
  url: string;
  /** open | done: what fixloop last made it. */
  status: string;
  created_at: Millis;
  updated_at: Millis;
}

/** A person's PR that touches blocks of open findings: what fixloop last said on it (0010). */
export interface AssociatedPrsTable {
  /** owner/name */
  repository: string;
  number: number;
  /** JSON: the ids of the findings the comment lists. */
  finding_ids: string;
  /** 1: fixloop put the security-review label on for them. */
  labelled: number;
  /** 1: fixloop's comment is on the PR. */
  commented: number;
  head_sha: string;
  updated_at: Millis;
  /** fixloop's comment's id (null: not posted, or posted before it was remembered). */
  comment_id: ColumnType<number | null, number | null | undefined, number | null>;
  /** 1: the `fixloop/scan` check found a new finding that needs security review. */
  scan_review: ColumnType<number, number | undefined, number>;
  /** 1: fixloop put the security-review label on (it takes off only a label it put on). */
  label_owned: ColumnType<number, number | undefined, number>;
  /** JSON: the PR's changed Terraform files (null: not recorded). */
  tf_files: ColumnType<string | null, string | null | undefined, string | null>;
  /** 1: the PR is open (0: closed; a resolution or reopening of a finding leaves it alone). */
  open: ColumnType<number, number | undefined, number>;
}

/** Where a finding of an account and resource type was last located (issue 19), tried first next time. */
export interface LearnedRepositoriesTable {
  /** The organization, lowercased. */
  org: string;
  account: string;
  /** The finding's native resource type (AwsS3Bucket, aws_s3_bucket…) or `arn:<service>:<type>`. */
  resource_type: string;
  /** owner/name */
  repository: string;
  located_at: Millis;
}

/** The default branch's head of a repository as the last push webhook to any replica gave it (issue 19). */
export interface RepositoryHeadsTable {
  /** owner/name, lowercased. */
  repository: string;
  /** The owner, lowercased. */
  org: string;
  head_sha: string;
  updated_at: Millis;
}

/** GitHub webhook deliveries (and other idempotency keys) already handled. */
export interface DeliveriesTable {
  id: string;
  event: string;
  received_at: Millis;
}

/** A group's last fix plan (grouping), for the next finding joining its PR to build on. */
export interface GroupPlansTable {
  /** owner/name */
  repository: string;
  branch: string;
  /** The default branch commit the plan was made on. */
  base_sha: string;
  /** Hash of what the plan was made from: its members' planning inputs in order, the rule options, the day. */
  inputs_key: string;
  /** JSON array: the members, in the order they joined. */
  member_ids: string;
  /** JSON: the plan's files, fixes, rules and target (src/remediate/plan-join.ts JoinBasis). */
  basis: string;
  updated_at: Millis;
}

export interface Database {
  findings: FindingsTable;
  finding_sources: FindingSourcesTable;
  audit_events: AuditEventsTable;
  sla_breaches: SlaBreachesTable;
  remediations: RemediationsTable;
  verifications: VerificationsTable;
  exceptions: ExceptionsTable;
  suppression_scopes: SuppressionScopesTable;
  inline_suppressions: InlineSuppressionsTable;
  jobs: JobsTable;
  deliveries: DeliveriesTable;
  tracking_issues: TrackingIssuesTable;
  jira_issues: JiraIssuesTable;
  learned_repositories: LearnedRepositoriesTable;
  repository_heads: RepositoryHeadsTable;
  group_plans: GroupPlansTable;
  config_issues: ConfigIssuesTable;
  associated_prs: AssociatedPrsTable;
  web_sessions: WebSessionsTable;
  share_links: ShareLinksTable;
  share_link_events: ShareLinkEventsTable;
}

/** A signed-in browser (src/web): looked up by the hash of the id its cookie carries. */
export interface WebSessionsTable {
  /** sha256 (hex) of the session id: a dump of this table opens no session. */
  id_hash: string;
  login: string;
  user_id: number;
  /** The user's GitHub token, AES-256-GCM under a key derived from the session secret. */
  token: string;
  csrf: string;
  created_at: Millis;
  expires_at: Millis;
}

/** A share link to one finding's evidence or one period's auditor pack of one organization. */
export interface ShareLinksTable {
  id: string;
  /** sha256 (hex) of the link's token; the token itself is never stored. */
  token_hash: string;
  org: string;
  /** finding | auditor-pack */
  kind: string;
  finding_id: string | null;
  /** YYYY-MM-DD, auditor packs only. */
  since: string | null;
  until: string | null;
  created_by: string;
  created_at: Millis;
  expires_at: Millis;
  revoked_at: Millis | null;
  revoked_by: string | null;
}

/** Every creation, use and revocation of a share link: append-only (migration 0013). */
export interface ShareLinkEventsTable {
  id: Generated<number>;
  link_id: string;
  org: string;
  /** created | used | revoked */
  action: string;
  /** A GitHub login, or `share:<id>` for a use. */
  actor: string;
  at: Millis;
}

/** The issue that tells a repository its fixloop.yml is invalid; updated, never duplicated. */
export interface ConfigIssuesTable {
  /** owner/name */
  repository: string;
  number: number;
  url: string;
  /** open | closed */
  state: string;
  /** The errors last written into it, one per line. */
  errors: string;
  updated_at: Millis;
}

export type FindingRow = Selectable<FindingsTable>;
export type NewFindingRow = Insertable<FindingsTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type JobRow = Selectable<JobsTable>;
export type RemediationRow = Selectable<RemediationsTable>;
export type VerificationRow = Selectable<VerificationsTable>;
export type ExceptionRow = Selectable<ExceptionsTable>;
export type SourceRow = Selectable<FindingSourcesTable>;
export type TrackingIssueRow = Selectable<TrackingIssuesTable>;
