// Finding text is untrusted: each destination's markup is escaped, secrets never leave in an error,
// and the configuration refuses a URL where it wants the name of an environment variable.

import { describe, expect, it } from "vitest";
import { parseRepoConfig } from "../../src/config/repo-config.ts";
import { redact, retryAfterMs, send } from "../../src/notify/http.ts";
import { doc, paragraph, text } from "../../src/notify/jira-adf.ts";
import type { NotificationItem } from "../../src/notify/message.ts";
import { escapeTeams, teamsMessage } from "../../src/notify/msteams.ts";
import { escapeSlack, slackMessage } from "../../src/notify/slack.ts";

const HOSTILE = "<!channel> @here *bold* <https://evil.example|click> & `x` [a](https://evil.example)";
const item: NotificationItem = {
  event: "sla-breached",
  findingId: "f1",
  at: "2026-11-20T10:00:00.000Z",
  summary: "SLA missed",
  link: "https://github.com/acme/infra/issues/4",
  title: HOSTILE,
  tier: "critical",
  repository: "acme/infra",
  teams: ["acme/data-platform"],
};

describe("Slack mrkdwn", () => {
  it("escapes &, < and > so no mention or link can be injected, and breaks @here", () => {
    expect(escapeSlack("<!channel> a & b <@U123>")).toBe("&lt;!channel&gt; a &amp; b &lt;@U123&gt;");
    const { text: t } = slackMessage([item]);
    expect(t).not.toContain("<!channel>");
    expect(t).not.toContain("<https://evil.example");
    expect(t).not.toMatch(/@here\b/);
    expect(
      t.startsWith("*SLA breached* (critical) in acme/infra: <https://github.com/acme/infra/issues/4|"),
    ).toBe(true);
  });
});

describe("Microsoft Teams cards", () => {
  it("escapes markdown and HTML in text and keeps links in actions only", () => {
    expect(escapeTeams("[a](https://evil) <b>*x*</b>")).toBe(
      "\\[a\\]\\(https://evil\\) &lt;b&gt;\\*x\\*&lt;/b&gt;",
    );
    const card = JSON.stringify(teamsMessage([{ ...item, link: "javascript:alert(1)" }]));
    expect(card).not.toContain("javascript:");
    expect(card).not.toContain("](https://evil.example)");
  });
});

describe("Jira ADF", () => {
  it("puts untrusted text in text nodes (no wiki markup is parsed) and drops control characters", () => {
    expect(doc(paragraph(text("{code}x{code} [x|https://evil] !img.png!\u0000")))).toEqual({
      type: "doc",
      version: 1,
      content: [
        { type: "paragraph", content: [{ type: "text", text: "{code}x{code} [x|https://evil] !img.png!" }] },
      ],
    });
  });
});

describe("secrets", () => {
  const url = "https://hooks.slack.com/services/T0/B0/secrettoken0123";
  it("redacts a URL, its path and its encoded form", () => {
    expect(
      redact(`failed ${url} and ${encodeURIComponent(url)} and /services/T0/B0/secrettoken0123`, [url]),
    ).toBe("failed [redacted] and [redacted] and [redacted]");
  });

  it("a receiver's error names the label, never the URL, even when the receiver echoes it", async () => {
    const echo = (async () => new Response(`bad url ${url}`, { status: 400 })) as unknown as typeof fetch;
    const failing = send(echo, { method: "POST", url, label: "slack webhook (X)", secrets: [url] }, 0);
    await expect(failing).rejects.toThrow("slack webhook (X): the receiver answered 400: bad url [redacted]");
    const down = (async () => {
      throw Object.assign(new TypeError(`fetch failed ${url}`), { cause: { code: "ECONNREFUSED" } });
    }) as unknown as typeof fetch;
    await expect(send(down, { method: "POST", url, label: "L", secrets: [url] }, 0)).rejects.toThrow(
      "L: the request failed (ECONNREFUSED)",
    );
  });

  it("reads Retry-After as seconds or a date, bounded", () => {
    expect(retryAfterMs("30", 0)).toBe(30_000);
    expect(retryAfterMs(new Date(90_000).toUTCString(), 0)).toBe(90_000);
    expect(retryAfterMs(null, 0)).toBe(60_000);
  });
});

describe("configuration", () => {
  it("refuses a URL where the name of an environment variable belongs, saying why", () => {
    const r = parseRepoConfig({
      notifications: { slack: { teams: { "acme/data-platform": "https://hooks.slack.com/services/T/B/x" } } },
    });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).toContain(
      "looks like a URL: write the NAME of an environment variable that holds the URL",
    );
  });

  it("accepts names, and needs credentials and a project with a Jira site", () => {
    expect(
      parseRepoConfig({
        notifications: { slack: { default: "SLACK_WEBHOOK_SECURITY" }, digestAfter: 3 },
        jira: {
          baseUrl: "https://acme.atlassian.net",
          project: "SEC",
          emailEnv: "JIRA_EMAIL",
          tokenEnv: "JIRA_TOKEN",
        },
      }).ok,
    ).toBe(true);
    const r = parseRepoConfig({ jira: { baseUrl: "https://acme.atlassian.net" } });
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual([
      "jira.emailEnv",
      "jira.tokenEnv",
      "jira.project",
    ]);
  });
});
