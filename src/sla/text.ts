// The words of the SLA notices: the comments on the PR or issue and the one-line summaries of their
// notifications. Pure. Only fixloop's own values go in (tier, dates, state names, team slugs
// checked by the configuration); the finding's title is not repeated, the PR or issue shows it.

import { mentions, when } from "../verify/verification-text.ts";
import { durationText, slaLine } from "./ladder.ts";
import type { Told } from "./notices.ts";

/** Where the notices go, and who owns the finding there. */
export interface SlaPlace {
  /** `owner/name`. */
  repository: string;
  number: number;
  url: string;
  owners: readonly string[];
}

const stateText = (state: string) => state.replace(/_/g, " ");

function lineOf(told: Told): string {
  return slaLine(told.finding.slaDue, told.sla.slaHours, told.finding.risk.tier);
}

export function slaComment(told: Told, evidenceUrl: string | null): string {
  const { finding, notice, place } = told;
  const evidence = evidenceUrl ? [`Evidence: [SLA and audit trail](${evidenceUrl})`, ""] : [];
  if (notice.kind === "warning") {
    const who = mentions(place.owners);
    const share = Math.round((told.sla.warnAt ?? 0) * 100);
    return [
      `**SLA due soon.** ${share} % of this finding's SLA has passed: it is ${lineOf(told)}.`,
      "",
      ...evidence,
      `${who || "Owners"}: please merge the fix, or record a decision (\`/fixloop help\`), before then.`,
    ].join("\n");
  }
  if (notice.kind === "breach") {
    const who = mentions([...place.owners, ...(told.securityTeam ? [told.securityTeam] : [])]);
    return [
      `**SLA breached.** This finding was ${lineOf(told)} and is still ${stateText(finding.state)}. The breach is recorded with its time in the finding's audit trail.`,
      "",
      ...evidence,
      `${who || "Owners"}: please fix it or record a decision now.`,
    ].join("\n");
  }
  const step = told.sla.escalate[notice.step]!;
  return [
    `**SLA escalation, step ${notice.step + 1} of ${told.sla.escalate.length}.** This finding has been past its SLA for ${durationText(step.after)}: it was ${lineOf(told)} and is still ${stateText(finding.state)}.`,
    "",
    ...evidence,
    `${mentions([step.notify])}: please see that it is fixed or decided.`,
  ].join("\n");
}

/** The notification's one line. */
export function slaSummary(told: Told): string {
  const { finding, notice } = told;
  const due = when(finding.slaDue);
  if (notice.kind === "warning")
    return `SLA due soon: a ${finding.risk.tier}-tier finding is due ${due} and is still ${stateText(finding.state)}.`;
  if (notice.kind === "breach")
    return `SLA breached: a ${finding.risk.tier}-tier finding was due ${due} and is still ${stateText(finding.state)}.`;
  const step = told.sla.escalate[notice.step]!;
  return `SLA escalation step ${notice.step + 1} (${step.notify}): a ${finding.risk.tier}-tier finding was due ${due}, ${durationText(step.after)} ago, and is still ${stateText(finding.state)}.`;
}
