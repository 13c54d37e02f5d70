// Microsoft Teams incoming webhooks (and Workflows' "post to a channel when a webhook request is
// received"): a message with one Adaptive Card attachment. TextBlock text is a markdown subset, so
// the untrusted title and summary have the markdown characters backslash-escaped and `<`, `>` and
// `&` written as entities, and the link goes in an Action.OpenUrl, never in the text.

import { EVENT_HEADINGS, type NotificationItem, safeLink } from "./message.ts";

export function escapeTeams(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([\\`*_{}[\]()#+\-.!|~])/g, "\\$1");
}

function blocks(item: NotificationItem): unknown[] {
  const where = item.repository ? ` in ${escapeTeams(item.repository)}` : "";
  return [
    {
      type: "TextBlock",
      text: `**${EVENT_HEADINGS[item.event]}** (${escapeTeams(item.tier)})${where}`,
      wrap: true,
    },
    { type: "TextBlock", text: escapeTeams(item.title), wrap: true, weight: "Bolder" },
    { type: "TextBlock", text: escapeTeams(item.summary), wrap: true, isSubtle: true },
  ];
}

export function teamsMessage(items: readonly NotificationItem[]): unknown {
  const links = items.flatMap((i) => {
    const url = safeLink(i.link);
    return url ? [{ type: "Action.OpenUrl", title: `Open ${i.findingId.slice(0, 12)}`, url }] : [];
  });
  const body =
    items.length === 1
      ? blocks(items[0] as NotificationItem)
      : [
          { type: "TextBlock", text: `**fixloop: ${items.length} notifications**`, wrap: true },
          ...items.flatMap(blocks),
        ];
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body,
          ...(links.length > 0 ? { actions: links.slice(0, 5) } : {}),
        },
      },
    ],
  };
}
