// Untrusted text in GitHub-flavoured Markdown (PR bodies, issues, comments). Titles, resource names,
// URLs and diffs come from findings or repositories fixloop does not control: each helper here makes
// one kind of value inert — no markup, no raw HTML, no @mention notifications, no autolinks, no
// links except to hosts we trust — and bounded, so one 100k-character title cannot fill a PR body.
// Control, bidirectional and invisible characters are shown as `<U+202E>` (src/report/unsafe-chars.ts)
// before anything else, so a reviewer sees them instead of text that reads differently from what it is.
// Pure; builds on `mdText` (src/evidence/render.ts), which escapes the markup characters.

import { mdText } from "../evidence/render.ts";
import { showUnsafe } from "../report/unsafe-chars.ts";
import type { GitHubHost } from "./hosts.ts";

const ELLIPSIS = "…";

/** At most `max` code points (never half a surrogate pair), the last one "…" when cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const points = Array.from(text);
  if (points.length <= max) return text;
  return max <= 0 ? "" : `${points.slice(0, max - 1).join("")}${ELLIPSIS}`;
}

/**
 * GitHub turns bare `https://…`, `http://…`, `ftp://…` and `www.…` into links (GFM's extended
 * autolinks) even in escaped text, so a title could still carry a clickable phishing link. A
 * zero-width space after the scheme's colon and after `www` keeps the text readable but unlinked.
 * (Email autolinks are already broken by mdText's zero-width space after `@`.)
 */
function defuseAutolinks(text: string): string {
  return text.replace(/(https?|ftp):(?=\/\/)/gi, "$1:\u200B").replace(/www(?=\.)/gi, "www\u200B");
}

/**
 * Untrusted text as one inert line of Markdown, at most `maxLength` characters before escaping
 * (escaping can add a backslash per character). Braces are escaped as well, so a value can never
 * read as a `{{placeholder}}` to src/report/template.ts.
 */
export function mdInline(value: string | number | null | undefined, maxLength: number): string {
  if (value === null || value === undefined) return "";
  return defuseAutolinks(mdText(showUnsafe(clip(String(value), maxLength), { keep: "\r\n\t" }))).replace(
    /[{}]/g,
    "\\$&",
  );
}

export interface CodeOptions {
  /** Longest content shown, in characters (default 200). */
  maxLength?: number;
  /** The span sits in a table cell: `|` would end the cell even inside code, so it is escaped. */
  table?: boolean;
}

/**
 * Inline code the content cannot close: the delimiter is one backtick longer than the longest run
 * inside, and content that starts or ends with a backtick or space is padded (CommonMark strips one
 * space from each side). Inside code GitHub renders no HTML, links or mentions.
 */
export function mdCode(value: string | number, options: CodeOptions = {}): string {
  let text = clip(
    showUnsafe(String(value).replace(/\r\n|\r|\n/g, " "), { keep: "\t" }),
    options.maxLength ?? 200,
  );
  if (options.table) text = text.replace(/\|/g, "\\|");
  if (text === "") return "` `";
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const tick = "`".repeat(longest + 1);
  const padded = /^[` ]|[` ]$/.test(text) ? ` ${text} ` : text;
  return `${tick}${padded}${tick}`;
}

export interface Fenced {
  /** The fenced block, or "" when not even an empty block fits in `maxChars`. */
  text: string;
  totalLines: number;
  omittedLines: number;
}

/**
 * A fenced code block the content cannot close (the fence is longer than any backtick run in it),
 * holding the first lines of `content` that fit both `maxLines` and `maxChars` (the whole block,
 * fences included). Whole lines only: a diff cut mid-line would read as a different change.
 */
export function mdFenceBounded(
  info: string,
  content: string,
  limits: { maxLines: number; maxChars?: number },
): Fenced {
  const normalized = showUnsafe(content.replace(/\r\n|\r/g, "\n"), { keep: "\n\t" });
  const lines = normalized.endsWith("\n") ? normalized.slice(0, -1).split("\n") : normalized.split("\n");
  const total = normalized === "" ? 0 : lines.length;
  // The info string ends at the first space and must not hold a backtick: keep a plain language word.
  const language = /^[A-Za-z0-9_+.-]{0,30}$/.test(info) ? info : "";
  const maxChars = limits.maxChars ?? Number.POSITIVE_INFINITY;
  const longest = Math.max(0, ...(normalized.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  let size = fence.length * 2 + language.length + 2;
  if (size > maxChars) return { text: "", totalLines: total, omittedLines: total };
  let shown = 0;
  while (shown < Math.min(total, limits.maxLines) && size + lines[shown]!.length + 1 <= maxChars) {
    size += lines[shown]!.length + 1;
    shown++;
  }
  const body = lines
    .slice(0, shown)
    .map((line) => `${line}\n`)
    .join("");
  return { text: `${fence}${language}\n${body}${fence}`, totalLines: total, omittedLines: total - shown };
}

/** `mdFenceBounded` to `maxLines`, with a line saying how many more were left out. */
export function mdFence(info: string, content: string, maxLines: number): string {
  const fenced = mdFenceBounded(info, content, { maxLines });
  if (fenced.omittedLines === 0) return fenced.text;
  return `${fenced.text}\n\n_${plural(fenced.omittedLines, "more line")} not shown._`;
}

export function plural(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
}

/**
 * Hosts a link may point to. An entry is a host name (`github.com`), a wildcard for its subdomains
 * (`*.prismacloud.io`, not the bare domain) — both https only, default port — or an exact origin
 * (`http://ghe.internal:8080`) for a GitHub Enterprise Server that is not served over https.
 */
export type AllowedHosts = readonly string[];

function isAllowed(url: URL, allowed: AllowedHosts): boolean {
  return allowed.some((entry) => {
    if (entry.includes("://")) return URL.canParse(entry) && new URL(entry).origin === url.origin;
    if (url.protocol !== "https:" || url.port !== "") return false;
    const pattern = entry.toLowerCase();
    return pattern.startsWith("*.") ? url.hostname.endsWith(pattern.slice(1)) : url.hostname === pattern;
  });
}

export interface LinkOptions {
  /** Link text (untrusted text is fine: it is escaped); the URL itself when absent. */
  label?: string;
  /** The result sits in a table cell. */
  table?: boolean;
}

/**
 * A Markdown link when `url` is http(s) on an allowed host and carries no credentials; otherwise
 * the URL as inline code, readable but not clickable. The destination is percent-encoded where
 * Markdown or a table would read it (`(`, `)`, `|`, spaces, `<`, `>`, backslash, backtick).
 */
export function safeLink(url: string, allowedHosts: AllowedHosts, options: LinkOptions = {}): string {
  const parsed = URL.canParse(url) ? new URL(url) : null;
  const linkable =
    parsed !== null &&
    (parsed.protocol === "https:" || parsed.protocol === "http:") &&
    parsed.username === "" &&
    parsed.password === "" &&
    isAllowed(parsed, allowedHosts);
  if (!linkable) return mdCode(url, { table: options.table });
  return `[${mdInline(options.label ?? parsed.href, 200)}](${linkHref(parsed)})`;
}

/** The destination percent-encoded where Markdown or a table would read it. */
function linkHref(url: URL): string {
  return url.href.replace(
    /[()|\s<>\\`]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
}

/**
 * A link to guidance a source points to, on any host: https only, no credentials, and labelled
 * with the host in full and the path (cut when long), so a reader sees where it leads before
 * following it — `[docs.internal.com/security/s3-encryption-guide](https://…)`. Anything else is
 * shown as inline code, readable but not clickable.
 */
export function externalLink(url: string, options: { table?: boolean; pathLength?: number } = {}): string {
  const text = url.trim();
  const parsed = URL.canParse(text) ? new URL(text) : null;
  if (
    parsed === null ||
    parsed.protocol !== "https:" ||
    parsed.username !== "" ||
    parsed.password !== "" ||
    parsed.hostname === "" ||
    /\s/.test(text)
  )
    return mdCode(url, { table: options.table });
  const rest = `${parsed.pathname}${parsed.search}${parsed.hash}`;
  const label = `${parsed.host}${clip(rest === "/" ? "" : rest, options.pathLength ?? 60)}`;
  return `[${mdInline(label, 300)}](${linkHref(parsed)})`;
}

/** The GitHub host's own origin, for links to files, commits and pull requests. */
export function gitHubHosts(host: GitHubHost): AllowedHosts {
  return [new URL(host.webUrl).origin];
}

/**
 * Where each source's console lives, by `finding.source.tool`: a finding's link is shown as a link
 * only when it points there. AWS services that report through Security Hub (ASFF) share the AWS
 * console, including its regional hosts (us-east-1.console.aws.amazon.com) and GovCloud.
 */
const AWS_CONSOLE = ["console.aws.amazon.com", "*.console.aws.amazon.com", "console.amazonaws-us-gov.com"];
export const SOURCE_CONSOLE_HOSTS: Readonly<Record<string, AllowedHosts>> = {
  securityhub: AWS_CONSOLE,
  guardduty: AWS_CONSOLE,
  inspector: AWS_CONSOLE,
  inspector2: AWS_CONSOLE,
  macie: AWS_CONSOLE,
  config: AWS_CONSOLE,
  "access-analyzer": AWS_CONSOLE,
  wiz: ["app.wiz.io", "app.wiz.us"],
  prisma: ["*.prismacloud.io"],
};

/** Hosts a finding's source link may point to: its source's console, and the GitHub host. */
export function sourceLinkHosts(tool: string, host: GitHubHost): AllowedHosts {
  const key = tool.toLowerCase();
  const consoles = Object.hasOwn(SOURCE_CONSOLE_HOSTS, key) ? SOURCE_CONSOLE_HOSTS[key]! : [];
  return [...consoles, ...gitHubHosts(host)];
}
