// `fixloop findings` (the stored findings, highest risk first) and `fixloop finding <id>` (one
// finding with its sources and whole audit trail). Read-only: nothing here changes the store.

import {
  actorLabel,
  linksLabel,
  resourceDescription,
  resourceLabel,
  ruleLabel,
} from "../../evidence/labels.ts";
import { contextValue } from "../../evidence/render.ts";
import { type FindingState, STATES } from "../../lifecycle/machine.ts";
import { auditTrail, type StoredAuditEvent } from "../../store/audit.ts";
import {
  type FindingSource,
  findingSources,
  getFinding,
  listFindings,
  resolveFindingId,
  type StoredFinding,
} from "../../store/findings.ts";
import { CliError, type CliIo } from "../io.ts";
import { oneOf, parseCommandArgs } from "../options.ts";
import { FINDING, FINDINGS } from "../spec.ts";
import { noStoreError, withExistingStore } from "../store-access.ts";
import { columns, terminalSafe } from "../text.ts";

/** Ids are long hex; 12 characters stay unique in practice and `finding` accepts any unique prefix. */
const SHORT_ID = 12;

/** An ISO time without its milliseconds, for tables. */
const toSecond = (iso: string) => iso.replace(/\.\d{3}Z$/, "Z");

export async function findingsCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommandArgs(FINDINGS, args);
  // Checked before the store is opened: a typo must not read as "no findings".
  const state =
    values.state === undefined ? undefined : oneOf<FindingState>(values.state, STATES, "--state", "new");
  const none = (location: string) => {
    if (values.json) io.stdout.write(`${JSON.stringify({ findings: [], store: location }, null, 2)}\n`);
    else
      io.stdout.write(
        values.breached
          ? `No open findings past their SLA${state ? ` in state ${state}` : ""} in ${terminalSafe(location)}.\n`
          : state
            ? `No findings in state ${state} in ${terminalSafe(location)}.\n`
            : `No findings stored in ${terminalSafe(location)}. Store some with \`fixloop ingest <file>… --store\`.\n`,
      );
    return 0;
  };
  // Reading must not create a store: a directory without one simply has no findings.
  return withExistingStore(
    io,
    values["data-dir"],
    async (store) => {
      const breachedAt = values.breached ? store.now() : undefined;
      const findings = await listFindings(store.db, { state, breachedAt });
      if (findings.length === 0) return none(store.location);
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ findings, store: store.location }, null, 2)}\n`);
        return 0;
      }
      const rows = findings.map((f) =>
        [
          f.id.slice(0, SHORT_ID),
          f.state,
          `${f.risk.tier} ${f.risk.score}`,
          ruleLabel(f.rule),
          resourceLabel(f.resource),
          f.ownerTeam ?? "-",
          toSecond(f.lastSeen),
        ].map(terminalSafe),
      );
      const lines = columns([["ID", "STATE", "RISK", "RULE", "RESOURCE", "TEAM", "LAST SEEN"], ...rows]);
      const n = `${findings.length} finding${findings.length === 1 ? "" : "s"}`;
      const where = terminalSafe(store.location);
      lines.push(
        "",
        `${n}${values.breached ? " past their SLA" : ""}${state ? ` in state ${state}` : ` (${byState(findings)})`} in ${where}.`,
      );
      io.stdout.write(`${lines.join("\n")}\n`);
      return 0;
    },
    none,
  );
}

/** "1 awaiting_approval, 2 fixing", in the lifecycle's order. */
function byState(findings: StoredFinding[]): string {
  return STATES.map((s) => [s, findings.filter((f) => f.state === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
}

export async function findingCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(FINDING, args);
  if (positionals.length !== 1)
    throw new CliError("give one finding id (or a unique prefix of one): fixloop finding <id> [--json]");
  return withExistingStore(
    io,
    values["data-dir"],
    async (store) => {
      const id = await resolveFindingId(store.db, positionals[0]!);
      const finding = (await getFinding(store.db, id))!;
      const sources = await findingSources(store.db, id);
      const trail = await auditTrail(store.db, id);
      if (values.json) {
        const auditJson = trail.map((e) => ({ ...e, actorLabel: actorLabel(e.actor) }));
        io.stdout.write(`${JSON.stringify({ finding, sources, auditTrail: auditJson }, null, 2)}\n`);
      } else {
        io.stdout.write(findingText(finding, sources, trail));
      }
      return 0;
    },
    (location) => {
      throw noStoreError(location);
    },
  );
}

/** The source's own context keys (jira_project, owner_team, …), kept as sent. */
function contextSection(context: Record<string, unknown> | undefined): string[] {
  const entries = Object.entries(context ?? {});
  if (entries.length === 0) return [];
  const rows = columns(entries.map(([key, value]) => [key, contextValue(value)].map(terminalSafe)));
  return ["", "Source context", ...rows.map((l) => `  ${l}`)];
}

function findingText(f: StoredFinding, sources: FindingSource[], trail: StoredAuditEvent[]): string {
  const sla = f.slaBreachedAt ? `${f.slaDue} (breached, recorded ${f.slaBreachedAt})` : f.slaDue;
  const facts = columns(
    [
      ["rule", ruleLabel(f.rule)],
      ["severity", f.severity],
      ["resource", resourceDescription(f.resource)],
      ["owner team", f.ownerTeam ?? "-"],
      ...(f.context.attackPathText ? [["attack path", f.context.attackPathText]] : []),
      ...(f.context.remediationText ? [["guidance", f.context.remediationText]] : []),
      ...(f.context.remediationUrl ? [["guidance link", f.context.remediationUrl]] : []),
      ["gate", `${f.actionable ? f.gate.gate : "not actionable"}: ${f.gate.reason}`],
      ["confidence", `${f.confidence.value} (${f.confidence.reasons.join("; ")})`],
      ["first seen", f.firstSeen],
      ["last seen", f.lastSeen],
      ["SLA due", sla],
    ].map((row) => row.map(terminalSafe)),
  );
  const factors = columns(
    f.risk.factors.map((x) =>
      [x.name, x.value, x.name === "severity" ? `${x.weight} points` : `×${x.weight}`].map(terminalSafe),
    ),
  );
  const sourceRows = columns(
    sources.map((s) =>
      [
        `${s.tool} (${s.format})`,
        s.status,
        `first seen ${s.firstSeen}`,
        `last seen ${s.lastSeen}`,
        s.sourceFindingId,
      ].map(terminalSafe),
    ),
  );
  const events = columns(
    trail.map((e) => {
      const links = linksLabel(e.links);
      return [
        e.at,
        `${e.from ?? "—"} → ${e.to}`,
        actorLabel(e.actor),
        `${e.reason}${links ? ` [${links}]` : ""}`,
      ].map(terminalSafe);
    }),
  );
  const lines = [
    `Finding ${f.id} (${f.state})`,
    terminalSafe(f.title),
    "",
    ...facts.map((l) => `  ${l}`),
    "",
    "Risk",
    `  ${terminalSafe(f.risk.explanation)}`,
    ...factors.map((l) => `  ${l}`),
    ...contextSection(f.context.sourceContext),
    "",
    "Sources",
    ...sourceRows.map((l) => `  ${l}`),
    "",
    "Audit trail",
    ...events.map((l) => `  ${l}`),
  ];
  return `${lines.join("\n")}\n`;
}
