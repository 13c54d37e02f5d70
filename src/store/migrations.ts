// Schema migrations, in code, run on start by Kysely's Migrator (which takes a lock, so replicas
// starting together migrate once). Each migration is written once for both engines; the only
// differences are the auto-increment id type and how an append-only table is enforced.

import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import type { Engine } from "./connect.ts";

// biome-ignore lint/suspicious/noExplicitAny: migrations see the database as it was then, untyped
type AnyDb = Kysely<any>;

function migrations(engine: Engine): Record<string, Migration> {
  const serial = engine === "postgres" ? "bigserial" : "integer";
  const millis = engine === "postgres" ? "bigint" : "integer";
  const id = (c: { primaryKey: () => { autoIncrement: () => unknown } }) =>
    engine === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement();

  return {
    "0001_initial": {
      async up(db: AnyDb) {
        await db.schema
          .createTable("findings")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("version", "integer", (c) => c.notNull())
          .addColumn("rule_native_id", "text", (c) => c.notNull())
          .addColumn("rule_catalog_id", "text")
          .addColumn("title", "text", (c) => c.notNull())
          .addColumn("severity", "text", (c) => c.notNull())
          .addColumn("risk_score", "integer", (c) => c.notNull())
          .addColumn("risk_tier", "text", (c) => c.notNull())
          .addColumn("risk", "text", (c) => c.notNull())
          .addColumn("confidence", "text", (c) => c.notNull())
          .addColumn("gate", "text", (c) => c.notNull())
          .addColumn("actionable", "integer", (c) => c.notNull())
          .addColumn("resource", "text", (c) => c.notNull())
          .addColumn("context", "text", (c) => c.notNull())
          .addColumn("owner_team", "text")
          .addColumn("first_seen", millis, (c) => c.notNull())
          .addColumn("last_seen", millis, (c) => c.notNull())
          .addColumn("sla_due", millis, (c) => c.notNull())
          .addColumn("sla_breached_at", millis)
          .addColumn("verification_deadline", millis)
          .addColumn("verification_overdue_at", millis)
          .addColumn("created_at", millis, (c) => c.notNull())
          .addColumn("updated_at", millis, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("findings_state")
          .on("findings")
          .columns(["state", "risk_score"])
          .execute();

        await db.schema
          .createTable("finding_sources")
          .addColumn("finding_id", "text", (c) => c.notNull().references("findings.id"))
          .addColumn("tool", "text", (c) => c.notNull())
          .addColumn("format", "text", (c) => c.notNull())
          .addColumn("source_finding_id", "text", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("first_seen", millis, (c) => c.notNull())
          .addColumn("last_seen", millis, (c) => c.notNull())
          .addColumn("raw", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("finding_sources_pk", ["finding_id", "tool", "source_finding_id"])
          .execute();

        await db.schema
          .createTable("audit_events")
          .addColumn("id", serial, (c) => id(c) as never)
          .addColumn("finding_id", "text", (c) => c.notNull().references("findings.id"))
          .addColumn("from_state", "text")
          .addColumn("to_state", "text", (c) => c.notNull())
          .addColumn("at", millis, (c) => c.notNull())
          .addColumn("actor_kind", "text", (c) => c.notNull())
          .addColumn("actor", "text", (c) => c.notNull())
          .addColumn("reason", "text", (c) => c.notNull())
          .addColumn("links", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("audit_events_finding")
          .on("audit_events")
          .columns(["finding_id", "id"])
          .execute();
        await appendOnly(db, engine, "audit_events");

        await db.schema
          .createTable("remediations")
          .addColumn("id", serial, (c) => id(c) as never)
          .addColumn("finding_id", "text", (c) => c.notNull().references("findings.id"))
          .addColumn("repository", "text")
          .addColumn("branch", "text")
          .addColumn("pr_number", "integer")
          .addColumn("pr_url", "text")
          .addColumn("commit_sha", "text")
          .addColumn("merge_commit_sha", "text")
          .addColumn("files", "text", (c) => c.notNull())
          .addColumn("diff", "text", (c) => c.notNull())
          .addColumn("assignment", "text", (c) => c.notNull())
          .addColumn("created_at", millis, (c) => c.notNull())
          .addColumn("updated_at", millis, (c) => c.notNull())
          .execute();
        await db.schema.createIndex("remediations_finding").on("remediations").column("finding_id").execute();

        await db.schema
          .createTable("verifications")
          .addColumn("id", serial, (c) => id(c) as never)
          .addColumn("finding_id", "text", (c) => c.notNull().references("findings.id"))
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("result", "text", (c) => c.notNull())
          .addColumn("checked_by", "text", (c) => c.notNull())
          .addColumn("observed_at", millis, (c) => c.notNull())
          .addColumn("detail", "text", (c) => c.notNull())
          .addColumn("links", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("verifications_finding")
          .on("verifications")
          .column("finding_id")
          .execute();

        await db.schema
          .createTable("exceptions")
          .addColumn("id", serial, (c) => id(c) as never)
          .addColumn("finding_id", "text", (c) => c.notNull().references("findings.id"))
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("reason", "text", (c) => c.notNull())
          .addColumn("approved_by", "text", (c) => c.notNull())
          .addColumn("expires_at", millis)
          .addColumn("created_at", millis, (c) => c.notNull())
          .addColumn("revoked_at", millis)
          .execute();
        await db.schema.createIndex("exceptions_finding").on("exceptions").column("finding_id").execute();

        await db.schema
          .createTable("jobs")
          .addColumn("id", serial, (c) => id(c) as never)
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("payload", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("unique_key", "text")
          .addColumn("run_at", millis, (c) => c.notNull())
          .addColumn("attempts", "integer", (c) => c.notNull())
          .addColumn("max_attempts", "integer", (c) => c.notNull())
          .addColumn("lease_owner", "text")
          .addColumn("lease_expires_at", millis)
          .addColumn("last_error", "text")
          .addColumn("progress", "text")
          .addColumn("created_at", millis, (c) => c.notNull())
          .addColumn("updated_at", millis, (c) => c.notNull())
          .addColumn("finished_at", millis)
          .execute();
        // Claiming looks for runnable work in these two orders: queued by due time, running by lease.
        await db.schema.createIndex("jobs_runnable").on("jobs").columns(["state", "run_at", "id"]).execute();
        await db.schema.createIndex("jobs_lease").on("jobs").columns(["state", "lease_expires_at"]).execute();
        await db.schema
          .createIndex("jobs_active_unique_key")
          .on("jobs")
          .column("unique_key")
          .unique()
          .where(sql.ref("state"), "in", sql`('queued', 'running')`)
          .execute();

        await db.schema
          .createTable("deliveries")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("event", "text", (c) => c.notNull())
          .addColumn("received_at", millis, (c) => c.notNull())
          .execute();
      },
    },
    // The GitHub App: which organization a finding belongs to, the PR's own state and what the fix
    // was (to tell "the fix changed" from "the same fix again"), tracking issues, job priority.
    "0002_github_app": {
      async up(db: AnyDb) {
        await db.schema.alterTable("findings").addColumn("org", "text").execute();
        await db.schema.alterTable("findings").addColumn("installation_id", millis).execute();
        await db.schema.createIndex("findings_org").on("findings").columns(["org", "state"]).execute();

        await db.schema.alterTable("remediations").addColumn("pr_state", "text").execute();
        await db.schema.alterTable("remediations").addColumn("fix_fingerprint", "text").execute();
        await db.schema.alterTable("remediations").addColumn("owner_team", "text").execute();
        await db.schema
          .createIndex("remediations_pr")
          .on("remediations")
          .columns(["repository", "pr_number"])
          .execute();
        await db.schema
          .createIndex("remediations_open")
          .on("remediations")
          .columns(["pr_state", "repository"])
          .execute();

        // Higher runs first among due jobs: remediation jobs carry the finding's risk score, so a
        // capped repository or team gets its riskiest fixes first.
        await db.schema
          .alterTable("jobs")
          .addColumn("priority", "integer", (c) => c.notNull().defaultTo(0))
          .execute();

        await db.schema
          .createTable("tracking_issues")
          .addColumn("finding_id", "text", (c) => c.primaryKey().references("findings.id"))
          .addColumn("repository", "text", (c) => c.notNull())
          .addColumn("number", "integer", (c) => c.notNull())
          .addColumn("url", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("reason", "text", (c) => c.notNull())
          .addColumn("created_at", millis, (c) => c.notNull())
          .addColumn("updated_at", millis, (c) => c.notNull())
          .execute();
      },
    },
    // The one issue per repository that says its fixloop.yml is invalid (and which keys).
    "0003_config_issues": {
      async up(db: AnyDb) {
        await db.schema
          .createTable("config_issues")
          .addColumn("repository", "text", (c) => c.primaryKey())
          .addColumn("number", "integer", (c) => c.notNull())
          .addColumn("url", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("errors", "text", (c) => c.notNull())
          .addColumn("updated_at", millis, (c) => c.notNull())
          .execute();
      },
    },
    // A finding's identity is its dedupe key within its organization, and within its repository for
    // a repository scan (src/triage/dedupe.ts). Existing findings keep their ids: those ids are in
    // the append-only audit trail, in PR commit trailers (Fixloop-Finding), tracking issues and
    // evidence links, none of which can be rewritten. Each keeps its organization (already stored)
    // and gets no repository: the first repository scan of its organization that reports it claims
    // it (src/ingest/persist.ts), so an open PR is not duplicated after the upgrade.
    "0004_finding_identity": {
      async up(db: AnyDb) {
        await db.schema.alterTable("findings").addColumn("dedupe_key", "text").execute();
        await db.schema.alterTable("findings").addColumn("repository", "text").execute();
        await db
          .updateTable("findings")
          .set({ dedupe_key: sql.ref("id") })
          .execute();
        await db.schema
          .createIndex("findings_identity")
          .on("findings")
          .columns(["dedupe_key", "org", "repository"])
          .execute();
      },
    },
    // SQLite resolves `INSERT OR REPLACE` (and `REPLACE INTO`) of an existing id by deleting the old
    // row without firing DELETE triggers (unless recursive_triggers is on), which rewrote history past
    // 0001's triggers. An insert that would collide is refused before conflict resolution runs.
    // PostgreSQL has no REPLACE; its `ON CONFLICT DO UPDATE` fires the UPDATE trigger.
    "0005_audit_no_replace": {
      async up(db: AnyDb) {
        if (engine !== "sqlite") return;
        await sql
          .raw(`CREATE TRIGGER audit_events_no_replace BEFORE INSERT ON audit_events
                WHEN EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.id)
                BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END`)
          .execute(db);
      },
    },
    // People's decisions (issue 15): an exception records who asked for it and where it was
    // written (a /fixloop command, .github/fixloop-exceptions.yml, or an inline suppression seen in
    // the code), so the register shows every accepted risk in one place and segregation of duties
    // can be checked; a confirmed false positive can suppress later findings of the same rule on
    // arrival, for one resource, one repository or the whole organization.
    "0006_decisions": {
      async up(db: AnyDb) {
        await db.schema
          .alterTable("exceptions")
          .addColumn("origin", "text", (c) => c.notNull().defaultTo("command"))
          .execute();
        await db.schema.alterTable("exceptions").addColumn("requested_by", "text").execute();
        await db.schema.alterTable("exceptions").addColumn("reference", "text").execute();
        await db.schema
          .createTable("suppression_scopes")
          .addColumn("id", serial, (c) => id(c) as never)
          .addColumn("org", "text", (c) => c.notNull())
          .addColumn("repository", "text")
          .addColumn("rule_id", "text", (c) => c.notNull())
          .addColumn("resource", "text")
          .addColumn("scope", "text", (c) => c.notNull())
          .addColumn("finding_id", "text", (c) => c.notNull().references("findings.id"))
          .addColumn("decided_by", "text", (c) => c.notNull())
          .addColumn("reason", "text", (c) => c.notNull())
          .addColumn("created_at", millis, (c) => c.notNull())
          .addColumn("revoked_at", millis)
          .execute();
        await db.schema
          .createIndex("suppression_scopes_rule")
          .on("suppression_scopes")
          .columns(["org", "rule_id"])
          .execute();
      },
    },
    // Suppressions written in the code (#checkov:skip, #trivy:ignore…) as the app last saw them in
    // each repository it planned a fix in: the register lists them beside the exceptions.
    "0008_inline_suppressions": {
      async up(db: AnyDb) {
        await db.schema
          .createTable("inline_suppressions")
          .addColumn("id", serial, (c) => id(c) as never)
          .addColumn("repository", "text", (c) => c.notNull())
          .addColumn("file", "text", (c) => c.notNull())
          .addColumn("line", "integer", (c) => c.notNull())
          .addColumn("syntax", "text", (c) => c.notNull())
          .addColumn("ids", "text", (c) => c.notNull())
          .addColumn("reason", "text")
          .addColumn("expires", "text")
          .addColumn("author", "text")
          .addColumn("commit_sha", "text", (c) => c.notNull())
          .addColumn("seen_at", millis, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("inline_suppressions_repository")
          .on("inline_suppressions")
          .columns(["repository"])
          .execute();
      },
    },
    // Associated pull requests (issue 16): where a fix located its finding (file and resource
    // address), so a person's PR touching that block is matched to the open finding; and what
    // fixloop last said on such a PR (the findings listed, whether it put the label on), so a
    // later push that no longer touches them takes the label off and updates the comment.
    "0010_pr_review": {
      async up(db: AnyDb) {
        await db.schema.alterTable("remediations").addColumn("located_file", "text").execute();
        await db.schema.alterTable("remediations").addColumn("located_address", "text").execute();
        await db.schema
          .createTable("associated_prs")
          .addColumn("repository", "text", (c) => c.notNull())
          .addColumn("number", "integer", (c) => c.notNull())
          .addColumn("finding_ids", "text", (c) => c.notNull())
          .addColumn("labelled", "integer", (c) => c.notNull())
          .addColumn("commented", "integer", (c) => c.notNull())
          .addColumn("head_sha", "text", (c) => c.notNull())
          .addColumn("updated_at", millis, (c) => c.notNull())
          .addPrimaryKeyConstraint("associated_prs_pk", ["repository", "number"])
          .execute();
      },
    },
    // SLA breaches (issue 16): a breach is not a state change, so it is not an audit event (every
    // reader of the trail takes an event as "entered `to`"); it is its own append-only record,
    // one row per finding and due date, with when the sweep found it and the state it was in.
    "0011_sla_breaches": {
      async up(db: AnyDb) {
        await db.schema
          .createTable("sla_breaches")
          .addColumn("id", serial, (c) => id(c) as never)
          .addColumn("finding_id", "text", (c) => c.notNull().references("findings.id"))
          .addColumn("due", millis, (c) => c.notNull())
          .addColumn("breached_at", millis, (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("risk_tier", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("sla_breaches_finding_due")
          .on("sla_breaches")
          .columns(["finding_id", "due"])
          .unique()
          .execute();
        await appendOnly(db, engine, "sla_breaches");
      },
    },
    // Jira (issue 16): the one Jira issue kept for a finding's tracking issue, created once and then
    // updated and transitioned in place; `status` is what fixloop last made it (open | done).
    "0012_jira_issues": {
      async up(db: AnyDb) {
        await db.schema
          .createTable("jira_issues")
          .addColumn("finding_id", "text", (c) => c.primaryKey().references("findings.id"))
          .addColumn("key", "text", (c) => c.notNull())
          .addColumn("url", "text", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("created_at", millis, (c) => c.notNull())
          .addColumn("updated_at", millis, (c) => c.notNull())
          .execute();
      },
    },
    // The dashboard (issue 17): browser sessions (looked up by the hash of their id, the user's
    // token encrypted), share links (only their token's hash) and the append-only trail of each
    // link's creation, use and revocation.
    "0013_web_access": {
      async up(db: AnyDb) {
        await db.schema
          .createTable("web_sessions")
          .addColumn("id_hash", "text", (c) => c.primaryKey())
          .addColumn("login", "text", (c) => c.notNull())
          .addColumn("user_id", millis, (c) => c.notNull())
          .addColumn("token", "text", (c) => c.notNull())
          .addColumn("csrf", "text", (c) => c.notNull())
          .addColumn("created_at", millis, (c) => c.notNull())
          .addColumn("expires_at", millis, (c) => c.notNull())
          .execute();
        await db.schema.createIndex("web_sessions_expires").on("web_sessions").column("expires_at").execute();
        await db.schema
          .createTable("share_links")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("token_hash", "text", (c) => c.notNull().unique())
          .addColumn("org", "text", (c) => c.notNull())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("finding_id", "text")
          .addColumn("since", "text")
          .addColumn("until", "text")
          .addColumn("created_by", "text", (c) => c.notNull())
          .addColumn("created_at", millis, (c) => c.notNull())
          .addColumn("expires_at", millis, (c) => c.notNull())
          .addColumn("revoked_at", millis)
          .addColumn("revoked_by", "text")
          .execute();
        await db.schema
          .createIndex("share_links_org")
          .on("share_links")
          .columns(["org", "created_at"])
          .execute();
        await db.schema
          .createTable("share_link_events")
          .addColumn("id", serial, (c) => id(c) as never)
          .addColumn("link_id", "text", (c) => c.notNull().references("share_links.id"))
          .addColumn("org", "text", (c) => c.notNull())
          .addColumn("action", "text", (c) => c.notNull())
          .addColumn("actor", "text", (c) => c.notNull())
          .addColumn("at", millis, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("share_link_events_org")
          .on("share_link_events")
          .columns(["org", "at"])
          .execute();
        await appendOnly(db, engine, "share_link_events");
      },
    },
    // The dashboard (issue 17): its pages read by organization and period, so each range they scan
    // has an index (measured on 100,000 findings and 1,000,000 audit events, docs/benchmarks.md).
    "0014_dashboard_indexes": {
      async up(db: AnyDb) {
        for (const index of DASHBOARD_INDEXES)
          await db.schema
            .createIndex(index.name)
            .on(index.table)
            .columns([...index.columns])
            .execute();
      },
    },
    // Ingest at the speed of the hardware (issue 19): the SHA-256 of each source row's raw record,
    // so a record seen again unchanged is not written again (src/store/finding-sources.ts). Rows
    // stored before have none; the next ingest that reports them writes it.
    "0015_source_raw_hash": {
      async up(db: AnyDb) {
        await db.schema.alterTable("finding_sources").addColumn("raw_hash", "text").execute();
      },
    },
    // People's pull requests, continued (issue 16): the id of fixloop's comment (edited without
    // listing the PR's comments), the second reason for the security-review label (a new finding
    // the `fixloop/scan` check found, `scan_review`), whether fixloop put the label on
    // (`label_owned`: a label a person added is never taken off), and the PR's changed Terraform
    // files (`tf_files`, JSON), so a finding that reopens finds the PRs that may touch it, and
    // whether the PR is open.
    "0017_associated_pr_label": {
      async up(db: AnyDb) {
        const table = "associated_prs";
        await db.schema.alterTable(table).addColumn("comment_id", millis).execute();
        await db.schema
          .alterTable(table)
          .addColumn("scan_review", "integer", (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .alterTable(table)
          .addColumn("label_owned", "integer", (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.alterTable(table).addColumn("tf_files", "text").execute();
        // 0: the PR was closed — its record is kept (a reopened PR's comment is edited, not posted
        // again) but a finding's resolution no longer concerns it.
        await db.schema
          .alterTable(table)
          .addColumn("open", "integer", (c) => c.notNull().defaultTo(1))
          .execute();
        // Until now, fixloop recorded `labelled` when it put the label on or found it there.
        await db.updateTable(table).set({ label_owned: sql`labelled` }).execute();
      },
    },
    // Organization scale (issue 19): the repository where fixloop last located a finding of an
    // account and resource type, tried first for the next finding of the same account and type, so
    // that one repository is indexed instead of every repository of the organization.
    "0018_learned_repositories": {
      async up(db: AnyDb) {
        await db.schema
          .createTable("learned_repositories")
          .addColumn("org", "text", (c) => c.notNull())
          .addColumn("account", "text", (c) => c.notNull())
          .addColumn("resource_type", "text", (c) => c.notNull())
          .addColumn("repository", "text", (c) => c.notNull())
          .addColumn("located_at", millis, (c) => c.notNull())
          .addPrimaryKeyConstraint("learned_repositories_pk", ["org", "account", "resource_type"])
          .execute();
      },
    },
    // Dashboard pages on a large store (issue 17): trends, team and tuning join every event of a
    // period to its finding (organization, team, risk, rule) and tuning reads the sources of the
    // findings seen. Read from these covering indexes, each join is an index lookup instead of a
    // read of the row (its JSON makes it several pages): 2-4x faster on 1,000,000 audit events.
    "0019_dashboard_covering_indexes": {
      async up(db: AnyDb) {
        for (const index of COVERING_INDEXES)
          await db.schema
            .createIndex(index.name)
            .on(index.table)
            .columns([...index.columns])
            .execute();
      },
    },
    // Dashboard pages on a large store (issue 17): the organization on each audit event, so trends
    // count a year's transitions from one index range instead of joining each to its finding. A
    // finding's organization is part of its identity and never changes, so the copy cannot go
    // stale; events written from now on carry it (src/store/audit.ts). Existing events are filled
    // from their findings here — the one write to history, a derived column, with the append-only
    // guard lifted for this statement only (PostgreSQL: inside the migration's transaction).
    "0020_audit_event_org": {
      async up(db: AnyDb) {
        await db.schema.alterTable("audit_events").addColumn("org", "text").execute();
        await backfillAuditEventOrg(db, engine);
        for (const index of AUDIT_ORG_INDEXES)
          await db.schema
            .createIndex(index.name)
            .on(index.table)
            .columns([...index.columns])
            .execute();
      },
    },
    // Ingest at the speed of the hardware (issue 19): findings_org (org, state) is a prefix of
    // findings_org_open (org, state, risk_tier, owner_team, sla_due, migration 0014), which serves
    // every lookup and order it could, so it only cost a B-tree insert per finding written.
    "0021_drop_redundant_findings_org": {
      async up(db: AnyDb) {
        await db.schema.dropIndex("findings_org").ifExists().execute();
      },
    },
    // Replicas at scale (issue 19): a finding joining a group's PR plans its fix on top of the
    // group's last plan, kept here (one row per group branch) so any replica can build on it; and
    // the API's signature rows, pruned by (event, received_at) every minute, get an index for it.
    "0022_group_plans": {
      async up(db: AnyDb) {
        await db.schema
          .createTable("group_plans")
          .addColumn("repository", "text", (c) => c.notNull())
          .addColumn("branch", "text", (c) => c.notNull())
          .addColumn("base_sha", "text", (c) => c.notNull())
          .addColumn("inputs_key", "text", (c) => c.notNull())
          .addColumn("member_ids", "text", (c) => c.notNull())
          .addColumn("basis", "text", (c) => c.notNull())
          .addColumn("updated_at", millis, (c) => c.notNull())
          .addPrimaryKeyConstraint("group_plans_pk", ["repository", "branch"])
          .execute();
        await db.schema
          .createIndex("deliveries_event_received")
          .on("deliveries")
          .columns(["event", "received_at"])
          .execute();
      },
    },
    // Replicas (issue 19): the head of each repository's default branch as the last push webhook
    // gave it, whichever replica received it. Every replica reads the rows changed since it last
    // looked (the updated_at index) before trusting its resource → repository map.
    "0023_repository_heads": {
      async up(db: AnyDb) {
        await db.schema
          .createTable("repository_heads")
          .addColumn("repository", "text", (c) => c.primaryKey())
          .addColumn("org", "text", (c) => c.notNull())
          .addColumn("head_sha", "text", (c) => c.notNull())
          .addColumn("updated_at", millis, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("repository_heads_updated_at")
          .on("repository_heads")
          .columns(["updated_at"])
          .execute();
      },
    },
  };
}

/** Migration 0020's fill of `audit_events.org` from the events' findings. */
async function backfillAuditEventOrg(db: AnyDb, engine: Engine): Promise<void> {
  if (engine === "postgres") {
    await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change`.execute(db);
    await sql`UPDATE audit_events a SET org = f.org FROM findings f
              WHERE f.id = a.finding_id AND f.org IS NOT NULL`.execute(db);
    await sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change`.execute(db);
    return;
  }
  // SQLite runs migrations outside a transaction: one of its own, so the guard is back however
  // the fill ends.
  await db.transaction().execute(async (tx) => {
    await sql`DROP TRIGGER audit_events_no_update`.execute(tx);
    await sql`UPDATE audit_events SET org = f.org FROM findings f
              WHERE f.id = audit_events.finding_id AND f.org IS NOT NULL`.execute(tx);
    await sql
      .raw(`CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
            BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END`)
      .execute(tx);
  });
}

/** Migration 0020's index: an organization's transitions into a state in a period (trends). */
export const AUDIT_ORG_INDEXES = [
  {
    name: "audit_events_org_state_at",
    table: "audit_events",
    columns: ["org", "to_state", "at", "finding_id"],
  },
] as const;

/** The indexes of migration 0014, as data: `npm run bench -- --only dashboard` times the pages
 *  with and without them. */
export const DASHBOARD_INDEXES = [
  // Trends: transitions into a state in a period (opened, resolved, PRs, regressions, remediation times).
  { name: "audit_events_state_at", table: "audit_events", columns: ["to_state", "at", "finding_id"] },
  // Auditor pack and tuning: every event in a period.
  { name: "audit_events_at", table: "audit_events", columns: ["at", "finding_id"] },
  // Overview's oldest open findings, and findings detected in a period, per organization.
  { name: "findings_org_first_seen", table: "findings", columns: ["org", "first_seen"] },
  // Overview: the open findings of an organization counted by state, tier, team and SLA (covering).
  {
    name: "findings_org_open",
    table: "findings",
    columns: ["org", "state", "risk_tier", "owner_team", "sla_due"],
  },
  // Team pages: one team's findings of an organization.
  { name: "findings_org_team", table: "findings", columns: ["org", "owner_team", "state"] },
  // Trends: failed checks in a period.
  { name: "verifications_result_at", table: "verifications", columns: ["result", "observed_at"] },
] as const;

/** Migration 0019's covering indexes: the columns the dashboard reads through a join, by id. */
export const COVERING_INDEXES = [
  // Trends, team and tuning: an event's finding.
  {
    name: "findings_dashboard_cover",
    table: "findings",
    columns: [
      "id",
      "org",
      "owner_team",
      "risk_score",
      "risk_tier",
      "first_seen",
      "rule_catalog_id",
      "rule_native_id",
    ],
  },
  // Tuning: the sources of the findings seen in a period, and the sources reporting in it.
  {
    name: "finding_sources_cover",
    table: "finding_sources",
    columns: ["finding_id", "format", "tool", "first_seen", "last_seen"],
  },
] as const;

/** Makes a table append-only in the database itself, so no code path — ours or a console — can
 *  rewrite history: UPDATE and DELETE (and TRUNCATE on PostgreSQL) raise an error. */
async function appendOnly(db: AnyDb, engine: Engine, table: string): Promise<void> {
  const message = `${table} is append-only`;
  if (engine === "sqlite") {
    for (const op of ["UPDATE", "DELETE"]) {
      await sql
        .raw(`CREATE TRIGGER ${table}_no_${op.toLowerCase()} BEFORE ${op} ON ${table}
              BEGIN SELECT RAISE(ABORT, '${message}'); END`)
        .execute(db);
    }
    return;
  }
  await sql
    .raw(`CREATE FUNCTION ${table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION '${message}'; END $$`)
    .execute(db);
  await sql
    .raw(`CREATE TRIGGER ${table}_no_change BEFORE UPDATE OR DELETE ON ${table}
          FOR EACH ROW EXECUTE FUNCTION ${table}_append_only()`)
    .execute(db);
  await sql
    .raw(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
          FOR EACH STATEMENT EXECUTE FUNCTION ${table}_append_only()`)
    .execute(db);
}

/**
 * PostgreSQL, run by the owner after migrating: what the app's role needs, and no more. Every table of
 * the schema: SELECT, INSERT, UPDATE, DELETE; audit_events, sla_breaches and share_link_events: SELECT and INSERT only (no UPDATE,
 * DELETE, TRUNCATE or TRIGGER), so the append-only rule holds by privilege as well as by trigger, and
 * as a non-owner the role cannot disable or drop the triggers; the sequences behind the ids: USAGE;
 * the migration bookkeeping: SELECT. Run again after every migration, so new tables are covered.
 */
export async function grantAppRole(db: AnyDb, role: string): Promise<void> {
  const app = sql.id(role);
  const schema = sql.id(
    (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]!.schema,
  );
  await sql`GRANT USAGE ON SCHEMA ${schema} TO ${app}`.execute(db);
  await sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${app}`.execute(db);
  await sql`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${app}`.execute(db);
  await sql`REVOKE ALL ON audit_events FROM ${app}`.execute(db);
  await sql`GRANT SELECT, INSERT ON audit_events TO ${app}`.execute(db);
  await sql`REVOKE ALL ON sla_breaches FROM ${app}`.execute(db);
  await sql`GRANT SELECT, INSERT ON sla_breaches TO ${app}`.execute(db);
  await sql`REVOKE ALL ON share_link_events FROM ${app}`.execute(db);
  await sql`GRANT SELECT, INSERT ON share_link_events TO ${app}`.execute(db);
  await sql`REVOKE ALL ON fixloop_migrations, fixloop_migrations_lock FROM ${app}`.execute(db);
  await sql`GRANT SELECT ON fixloop_migrations TO ${app}`.execute(db);
}

/**
 * The migrations this code knows that the database has not run; null when it has no bookkeeping table
 * yet (a new database) or it cannot be read.
 */
async function pendingMigrations(db: AnyDb, engine: Engine): Promise<string[] | null> {
  try {
    const done = await sql<{ name: string }>`select name from fixloop_migrations`.execute(db);
    const ran = new Set(done.rows.map((r) => r.name));
    return Object.keys(migrations(engine)).filter((name) => !ran.has(name));
  } catch {
    return null;
  }
}

/**
 * Brings the schema up to date; throws with the failing migration's name and error. An up-to-date
 * schema is only read, never locked: the app's role of a two-role PostgreSQL set-up (README
 * "Security model") has no privilege on the migration lock and none to change the schema. `target`
 * stops at that migration (tests of a migration on an older store).
 */
export async function migrate(db: AnyDb, engine: Engine, target?: string): Promise<void> {
  const pending = await pendingMigrations(db, engine);
  if (!target && pending !== null && pending.length === 0) return;
  const provider: MigrationProvider = { getMigrations: async () => migrations(engine) };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: "fixloop_migrations",
    migrationLockTableName: "fixloop_migrations_lock",
  });
  const { error, results } = await (target ? migrator.migrateTo(target) : migrator.migrateToLatest());
  if (error) {
    const message = error instanceof Error ? error.message : String(error);
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    if (pending !== null && /permission denied|must be owner/.test(message))
      throw new Error(
        `the store needs migrations ${pending.join(", ")} and this role may not run them (${message}): run them once with DATABASE_MIGRATION_URL set to the schema owner's URL`,
      );
    // No failed migration means it never got that far: the database could not be reached or locked.
    throw new Error(
      failed ? `store migration ${failed} failed: ${message}` : `cannot migrate the store: ${message}`,
    );
  }
}
