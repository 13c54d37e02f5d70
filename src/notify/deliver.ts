// Delivering a queued notification (src/jobs/kinds.ts `notify`) to where the finding's teams live.
// The destinations (Slack, Microsoft Teams, signed webhooks, Jira) come from the organization's
// configuration; until one is configured a notification is done with nothing to send (and the
// log says so), so the queue never fills with work nobody can do.

import type { NotificationEvent } from "../jobs/kinds.ts";

export interface NotifyLog {
  info(fields: Record<string, unknown>, message: string): void;
}

export type NotificationSender = (event: NotificationEvent) => Promise<void>;

/** The sender used while no destination is configured. */
export function withoutDestinations(log: NotifyLog): NotificationSender {
  return async (event) =>
    log.info(
      { event: event.event, findingId: event.findingId },
      "notification not sent: no notification destination is configured",
    );
}
