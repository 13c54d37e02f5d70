// CODEOWNERS, read the way GitHub reads it. Pure: text in, rules and errors out.
//
// GitHub's rules ("About code owners", docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners):
//   - patterns follow gitignore (git-scm.com/docs/gitignore#_pattern_format) "with some exceptions":
//     escaping a leading `#` with `\`, `!` negation and `[ ]` character ranges do not work;
//   - "Order is important; the last matching pattern takes the most precedence", and a pattern with
//     no owners leaves the matching paths without an owner (`/apps/github` after `/apps/ @octocat`);
//   - owners are `@username`, `@org/team-name` or an e-mail address; `#` starts a comment, also
//     after the owners (`*.js @js-owner #This is an inline comment.`);
//   - "If any line in your CODEOWNERS file contains invalid syntax, that line will be skipped";
//   - "CODEOWNERS paths are case sensitive"; files of 3 MB or more are not loaded.
// Where the docs are silent (`f*` vs `foo/*`, `**` placement) the matching follows the pattern
// table of hmarr/codeowners (testdata/patterns.json), which was checked against GitHub.
// Errors are shaped like GitHub's `GET /repos/{owner}/{repo}/codeowners/errors` entries.

import { ANY, literal, NOT_SLASH, WildcardBuilder, type WildcardMatcher } from "../config/wildcard.ts";

export interface CodeownersRule {
  pattern: string;
  /** Owners as written: `@user`, `@org/team`, `user@example.com`. Empty: the paths are un-owned. */
  owners: string[];
  /** 1-based line in the file. */
  line: number;
  /** Whether a normalized path matches the pattern. */
  matcher: WildcardMatcher;
}

export interface CodeownersError {
  line: number;
  column: number;
  kind: "Invalid pattern" | "Invalid owner" | "File too large";
  /** One line, no raw newlines: it may be shown in a PR body or a log. */
  message: string;
  suggestion: string | null;
  source: string;
}

export interface ParsedCodeowners {
  rules: CodeownersRule[];
  errors: CodeownersError[];
}

export type CodeownersOwner =
  | { kind: "user"; login: string }
  | { kind: "team"; org: string; team: string; slug: string }
  | { kind: "email"; email: string };

/** GitHub does not load a CODEOWNERS file of 3 MB or more. */
export const MAX_CODEOWNERS_BYTES = 3 * 1024 * 1024;

// Logins: letters, digits, hyphens; `_` too, as Enterprise Managed Users have `name_shortcode`.
const USER = /^@([A-Za-z0-9](?:[A-Za-z0-9_-]{0,98}))$/;
const TEAM = /^@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,98}[A-Za-z0-9_])?)$/;
const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;

/** What an owner token is, or null when GitHub would reject it. */
export function parseOwner(token: string): CodeownersOwner | null {
  const team = TEAM.exec(token);
  if (team) return { kind: "team", org: team[1]!, team: team[2]!, slug: `${team[1]}/${team[2]}` };
  const user = USER.exec(token);
  if (user) return { kind: "user", login: user[1]! };
  if (EMAIL.test(token)) return { kind: "email", email: token };
  return null;
}

export function parseCodeowners(text: string): ParsedCodeowners {
  if (Buffer.byteLength(text, "utf8") >= MAX_CODEOWNERS_BYTES) {
    const error = fileError(
      `CODEOWNERS is ${Buffer.byteLength(text, "utf8")} bytes; GitHub ignores files of 3 MB or more`,
    );
    return { rules: [], errors: [error] };
  }
  const rules: CodeownersRule[] = [];
  const errors: CodeownersError[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const parsed = parseLine(raw, i + 1);
    if (parsed === null) return;
    if ("kind" in parsed) errors.push(parsed);
    else rules.push(parsed);
  });
  return { rules, errors };
}

/** The rule that decides `path` (the last one matching), or null when none does. */
export function matchingRule(rules: readonly CodeownersRule[], path: string): CodeownersRule | null {
  const p = normalizePath(path);
  for (let i = rules.length - 1; i >= 0; i--) if (rules[i]!.matcher.test(p)) return rules[i]!;
  return null;
}

/** Owners of a repository-relative path: the last matching rule's owners, [] when none or un-owned. */
export function codeownersFor(rules: readonly CodeownersRule[], path: string): string[] {
  return matchingRule(rules, path)?.owners ?? [];
}

function normalizePath(path: string): string {
  return path.replace(/\\/g, "/").replace(/^(?:\.\/|\/)+/, "");
}

function fileError(message: string): CodeownersError {
  return { line: 1, column: 1, kind: "File too large", message, suggestion: null, source: "" };
}

/** One line → a rule, an error, or null for blank lines and comments. */
function parseLine(raw: string, line: number): CodeownersRule | CodeownersError | null {
  const source = raw.replace(/[\r\n]/g, "");
  const leading = source.length - source.trimStart().length;
  const body = source.trim();
  if (body === "" || body.startsWith("#")) return null;
  const error = (
    kind: CodeownersError["kind"],
    column: number,
    message: string,
    suggestion: string | null = null,
  ) => ({
    line,
    column,
    kind,
    message: `${kind} on line ${line}: ${message}`,
    suggestion,
    source,
  });

  const { pattern, end } = readPattern(body);
  const problem = patternProblem(pattern);
  if (problem) return error("Invalid pattern", leading + 1, problem.message, problem.suggestion);

  const owners: string[] = [];
  const rest = body.slice(end);
  for (const m of rest.matchAll(/\S+/g)) {
    if (m[0].startsWith("#")) break; // an inline comment ends the line
    if (!parseOwner(m[0]))
      return error(
        "Invalid owner",
        leading + end + m.index + 1,
        `${JSON.stringify(m[0])} is not @user, @org/team or an e-mail address`,
      );
    owners.push(m[0]);
  }
  return { pattern, owners, line, matcher: patternMatcher(pattern) };
}

/** The pattern runs to the first whitespace that a backslash does not escape. */
function readPattern(body: string): { pattern: string; end: number } {
  let i = 0;
  while (i < body.length && !/\s/.test(body[i]!)) i += body[i] === "\\" ? 2 : 1;
  return { pattern: body.slice(0, Math.min(i, body.length)), end: Math.min(i, body.length) };
}

function patternProblem(pattern: string): { message: string; suggestion: string | null } | null {
  if (pattern.startsWith("!"))
    return { message: "negating a pattern with ! does not work in CODEOWNERS", suggestion: null };
  if (pattern.startsWith("\\#"))
    return {
      message: "escaping # with \\ does not work in CODEOWNERS: a line starting with # is a comment",
      suggestion: null,
    };
  if (/[[\]]/.test(pattern))
    return { message: "character ranges with [ ] do not work in CODEOWNERS", suggestion: null };
  if (pattern.includes("***"))
    return { message: "a pattern cannot contain three asterisks in a row", suggestion: null };
  if (pattern === "/")
    return { message: "the pattern / never matches anything", suggestion: "did you mean * instead?" };
  return null;
}

/**
 * gitignore pattern → matcher of a whole repository-relative path (linear-time, see wildcard.ts):
 * a leading `/` or a `/` inside anchors at the root, otherwise the pattern matches at any depth;
 * a trailing `/` means "everything below"; `*` and `?` stay within one path segment; `**` spans
 * segments; a pattern whose last segment is a name (not a lone `*`) also owns what is below it.
 */
function patternMatcher(pattern: string): WildcardMatcher {
  let segments = pattern.split("/");
  if (segments[0] === "") segments = segments.slice(1);
  else if (segments.length === 1 || (segments.length === 2 && segments[1] === "")) {
    if (segments[0] !== "**") segments = ["**", ...segments];
  }
  if (segments.length > 1 && segments[segments.length - 1] === "") segments[segments.length - 1] = "**";

  const last = segments.length - 1;
  const b = new WildcardBuilder();
  let needSlash = false;
  segments.forEach((segment, i) => {
    if (segment === "**") {
      if (i === 0 && i === last)
        b.some(ANY); // .+
      else if (i === 0)
        b.optional((o) => o.some(ANY).text("/")); // (?:.+/)?
      else if (i === last)
        b.text("/").many(ANY); // /.*
      else b.optional((o) => o.text("/").some(ANY)); // (?:/.+)?
      needSlash = i !== 0;
      return;
    }
    if (needSlash) b.text("/");
    if (segment === "*") b.some(NOT_SLASH);
    else {
      addSegment(b, segment);
      if (i === last) b.optional((o) => o.text("/").many(ANY)); // (?:/.*)?
    }
    needSlash = true;
  });
  return b.build();
}

function addSegment(b: WildcardBuilder, segment: string): void {
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === "\\" && i + 1 < segment.length) b.one(literal(segment[++i]!));
    else if (c === "*") b.many(NOT_SLASH);
    else if (c === "?") b.one(NOT_SLASH);
    else b.one(literal(c));
  }
}
