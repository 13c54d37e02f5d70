// Slack incoming webhooks: `{"text": …}` in mrkdwn. Slack's documentation asks for exactly three
// characters to be escaped in text — `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;` — which also makes
// `<!channel>`, `<!here>`, `<@U123>` and `<https://evil|click>` in a finding's title plain text; a
// bare `@channel` is not a mention in a webhook's mrkdwn, but is broken with a zero-width joiner
// anyway so no client renders it as one. `*`, `_`, `~` and backticks are neutralized too so an
// untrusted title cannot restyle the message.

import { EVENT_HEADINGS, type NotificationItem, safeLink } from "./message.ts";

export function escapeSlack(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/@(channel|here|everyone)\b/gi, "@\u2060$1")
    .replace(/([*_~`])/g, "\u200b$1\u200b");
}

function line(item: NotificationItem): string {
  const link = safeLink(item.link);
  const where = item.repository ? ` in ${escapeSlack(item.repository)}` : "";
  const title = escapeSlack(item.title);
  // A link's URL is fixloop's own (a PR or issue URL); `|` and `>` would end it, so they are encoded.
  const titled = link ? `<${link.replace(/[|>]/g, encodeURIComponent)}|${title}>` : title;
  return `*${EVENT_HEADINGS[item.event]}* (${escapeSlack(item.tier)})${where}: ${titled}\n${escapeSlack(item.summary)}`;
}

export function slackMessage(items: readonly NotificationItem[]): { text: string } {
  if (items.length === 1) return { text: line(items[0] as NotificationItem) };
  return {
    text: [`*fixloop: ${items.length} notifications*`, ...items.map((i) => `• ${line(i)}`)].join("\n"),
  };
}
