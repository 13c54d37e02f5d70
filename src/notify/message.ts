// What a notification says, before each destination writes it in its own markup. The finding's
// title, repository and the summary may carry text from a scanner or a repository: untrusted, so
// each destination escapes it (./slack.ts, ./msteams.ts, ./jira-adf.ts) — nothing here is markup.

import { z } from "zod";
import { NOTIFICATION_EVENTS } from "../jobs/kinds.ts";

export const NotificationItemSchema = z.strictObject({
  event: z.enum(NOTIFICATION_EVENTS),
  findingId: z.string().min(1),
  at: z.string().min(1),
  summary: z.string().max(2000),
  link: z.string().url().optional(),
  title: z.string().max(500),
  tier: z.string().max(20),
  repository: z.string().max(200).nullable(),
  /** The teams this message went to (for the record and the signed webhook). */
  teams: z.array(z.string()).max(40),
});
export type NotificationItem = z.output<typeof NotificationItemSchema>;

/** How each event reads as a heading. */
export const EVENT_HEADINGS: Record<NotificationItem["event"], string> = {
  "fix-pr-opened": "Fix PR opened",
  "verification-failed": "Fix not verified: finding reopened",
  "sla-warning": "SLA about to be missed",
  "sla-breached": "SLA breached",
  "sla-escalation": "SLA escalation",
  "decision-waiting": "Waiting for the security team",
  "exception-expiring": "Exception expiring",
};

/** Only http(s) links are ever made clickable. */
export function safeLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  try {
    const u = new URL(link);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : undefined;
  } catch {
    return undefined;
  }
}
