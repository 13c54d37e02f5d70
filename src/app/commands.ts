// Comment commands (`/fixloop retry` …) as one table: each entry says what the command is called,
// the arguments it takes (typed: dates, teams, choices, a free-text reason), who may run it and
// what it does. The help in replies, the command lists in PR and issue bodies and the README's
// command section are all read from this table; the handlers are in comment-commands.ts.
//
// One pure function parses a comment into one of a fixed set of results, in the manner of
// atlantis' comment parser: a comment that is not for fixloop is ignored; one that names no known
// command gets the list of commands; one whose arguments are wrong gets that command's usage line.

/** What a typed argument accepts. */
export type ArgType =
  /** A calendar date, `YYYY-MM-DD`. */
  | "date"
  /** A GitHub team, `org/team-slug`. */
  | "team"
  /** One of `choices`. */
  | "choice"
  /** Free text; as the last positional argument it takes the rest of the line (a reason). */
  | "text";

export interface ArgSpec {
  name: string;
  type: ArgType;
  /** `--name value` (or `--name=value`) instead of a position. */
  flag?: boolean;
  required?: boolean;
  choices?: readonly string[];
}

/** Who may run a command, from the least to the most restricted. */
export type Who =
  /** Anyone who can comment on a fixloop PR or issue. */
  | "anyone"
  /** People with write (or maintain, or admin) access to the repository. */
  | "writers"
  /** Writers who are also repository admins or members of the configured `securityTeam`. */
  | "admins-or-security-team"
  /** Members of the configured `securityTeam` only (segregation of duties: not admins as such). */
  | "security-team";

export interface CommandSpec {
  name: string;
  args: readonly ArgSpec[];
  who: Who;
  /** What it does: the reply to `/fixloop help`, and the README. */
  help: string;
  /** Its line in a fixloop PR's body (absent: not listed there). */
  onPullRequest?: string;
  /** Its line in a tracking issue's body (absent: not listed there). */
  onIssue?: string;
  /** What running it does, in a refusal: "only members of @acme/security can <action>". */
  action?: string;
}

export const COMMAND_SPECS = [
  {
    name: "retry",
    args: [],
    who: "writers",
    help: "compute the fix again on the current default branch (update the PR, or open one)",
    onPullRequest: "compute the fix again on the current default branch and update this PR",
    onIssue: "locate and fix again (after adding a tag, a mapping or the Terraform)",
  },
  {
    name: "explain",
    args: [],
    who: "writers",
    help: "reply with the finding's risk factors and audit trail",
    onPullRequest: "reply with the finding's risk factors, location evidence and audit trail",
    onIssue: "reply with the finding's risk factors and audit trail",
  },
  {
    name: "approve",
    args: [],
    who: "admins-or-security-team",
    help: "approve a fix that waits for approval (security team or repository admins)",
    onIssue: "approve a gated fix (security team): fixloop opens the PR",
  },
  {
    name: "false-positive",
    args: [{ name: "reason", type: "text", required: true }],
    who: "writers",
    help: "report the finding as a false positive: the PR is closed (or the issue labelled) and the security team reviews it",
  },
  {
    name: "confirm-false-positive",
    args: [
      { name: "scope", type: "choice", flag: true, choices: ["resource", "repository", "organization"] },
    ],
    who: "security-team",
    action: "confirm a false positive",
    help: "confirm a reported false positive (security team, not its reporter): suppressed, and later findings of the rule on this resource (default), in this repository or in the organization are suppressed on arrival",
  },
  {
    name: "reject-false-positive",
    args: [{ name: "reason", type: "text", required: true }],
    who: "security-team",
    action: "reject a false positive",
    help: "reject a reported false positive (security team): the finding is fixed again with a new PR",
  },
  {
    name: "accept-risk",
    args: [
      { name: "until", type: "date", flag: true, required: true },
      { name: "reason", type: "text", required: true },
    ],
    who: "writers",
    help: "ask to accept the risk until a date (at most `exceptions.maxDays` for the finding's tier); the security team approves",
  },
  {
    name: "approve-exception",
    args: [],
    who: "security-team",
    action: "approve an exception",
    help: "approve a requested exception (security team, not its requester): excepted until its date",
  },
  {
    name: "snooze",
    args: [{ name: "until", type: "date", flag: true, required: true }],
    who: "writers",
    help: "set the finding aside until a date, at most 14 days, without approval (counted, and shown by status)",
  },
  {
    name: "assign",
    args: [{ name: "team", type: "team", required: true }],
    who: "writers",
    help: "route the finding to another team of the organization and request its review",
  },
  {
    name: "status",
    args: [],
    who: "anyone",
    help: "reply with the finding's state, owner, SLA due date and open decisions",
  },
  {
    name: "help",
    args: [],
    who: "anyone",
    help: "list these commands",
    onPullRequest: "list these commands",
    onIssue: "list these commands",
  },
] as const satisfies readonly CommandSpec[];

export type CommandName = (typeof COMMAND_SPECS)[number]["name"];

/** A `team` argument, split once. */
export interface TeamArg {
  org: string;
  slug: string;
}
export type ArgValue = string | TeamArg;
export type CommandArgs = Readonly<Record<string, ArgValue>>;

export type ParsedComment<Name extends string = CommandName> =
  /** Not addressed to fixloop: say nothing. */
  | { kind: "ignore" }
  | { kind: "command"; name: Name; args: CommandArgs }
  /** Addressed to fixloop, but not a command it knows: reply with help. */
  | { kind: "unknown"; text: string }
  /** A known command with wrong arguments: reply with what is wrong and its usage line. */
  | { kind: "malformed"; name: Name; error: string; usage: string };

const PREFIX = /^\/fixloop(?:\s+|$)/i;

/** Only the first line that starts with `/fixloop` counts; quoted lines (`> /fixloop …`) do not. */
export function parseComment(body: string): ParsedComment {
  return parseCommentWith(COMMAND_SPECS, body);
}

/** parseComment over any command table (the next commands are tested before they are added). */
export function parseCommentWith<S extends CommandSpec>(
  specs: readonly S[],
  body: string,
): ParsedComment<S["name"]> {
  const line = body
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => PREFIX.test(l));
  if (line === undefined) return { kind: "ignore" };
  const rest = line.replace(PREFIX, "").trim();
  const verb = rest.split(/\s+/)[0] ?? "";
  if (verb === "") return { kind: "command", name: "help", args: {} };
  // A lookup by value, never by property: `constructor`, `__proto__`, `toString`… are not commands.
  const spec = specs.find((s) => s.name === verb.toLowerCase());
  if (!spec) return { kind: "unknown", text: line.slice(0, 80) };
  const parsed = parseArgs(spec, rest.slice(verb.length).trim());
  return "error" in parsed
    ? { kind: "malformed", name: spec.name, error: parsed.error, usage: usageOf(spec) }
    : { kind: "command", name: spec.name, args: parsed.args };
}

function parseArgs(spec: CommandSpec, text: string): { args: CommandArgs } | { error: string } {
  const args: Record<string, ArgValue> = {};
  const positional = spec.args.filter((a) => !a.flag);
  const words = text === "" ? [] : text.split(/\s+/);
  let position = 0;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (word.startsWith("--")) {
      const [flagName, inline] = splitFlag(word);
      const arg = spec.args.find((a) => a.flag && a.name === flagName);
      if (!arg) return { error: `\`${spec.name}\` has no option ${clip(`--${flagName}`)}` };
      if (Object.hasOwn(args, arg.name)) return { error: `--${arg.name} is given twice` };
      const value = inline ?? words[++i];
      if (value === undefined) return { error: `--${arg.name} needs a value` };
      const typed = typedValue(arg, value);
      if (typeof typed === "object" && "error" in typed) return typed;
      args[arg.name] = typed;
      continue;
    }
    const arg = positional[position++];
    if (!arg) return { error: `\`${spec.name}\` takes no more arguments (got ${clip(word)})` };
    // The last positional free text takes the rest of the line, flags included, as written.
    const value = arg.type === "text" && position === positional.length ? words.slice(i).join(" ") : word;
    const typed = typedValue(arg, value);
    if (typeof typed === "object" && "error" in typed) return typed;
    args[arg.name] = typed;
    if (value !== word) break;
  }
  const missing = spec.args.find((a) => a.required && !Object.hasOwn(args, a.name));
  if (missing) return { error: `${missing.flag ? `--${missing.name}` : `<${missing.name}>`} is required` };
  return { args };
}

function splitFlag(word: string): [name: string, inline: string | undefined] {
  const eq = word.indexOf("=");
  return eq < 0 ? [word.slice(2), undefined] : [word.slice(2, eq), word.slice(eq + 1)];
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// GitHub's rules: an organization login is alphanumeric with single hyphens; a team slug also has `_`.
const TEAM = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9_][A-Za-z0-9_-]{0,99})$/;

function typedValue(arg: ArgSpec, value: string): ArgValue | { error: string } {
  const what = arg.flag ? `--${arg.name}` : `<${arg.name}>`;
  switch (arg.type) {
    case "date": {
      const m = DATE.exec(value);
      // 2026-02-30 rolls over to March and 2026-13-01 is no date at all: both are refused.
      const date = m ? new Date(`${value}T00:00:00Z`) : undefined;
      const real = date && !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
      return real ? value : { error: `${what} must be a date as YYYY-MM-DD (got ${clip(value)})` };
    }
    case "team": {
      const m = TEAM.exec(value);
      return m
        ? { org: m[1] as string, slug: m[2] as string }
        : { error: `${what} must be a team as org/team (got ${clip(value)})` };
    }
    case "choice":
      return arg.choices?.includes(value)
        ? value
        : { error: `${what} must be one of ${(arg.choices ?? []).join(", ")} (got ${clip(value)})` };
    case "text":
      return value;
  }
}

/** An untrusted word in a reply: cut short and kept inside code marks. */
function clip(word: string): string {
  return `\`${word.slice(0, 40).replaceAll("`", "'")}\``;
}

/** `/fixloop accept-risk --until YYYY-MM-DD <reason>`: optional parts in brackets. */
export function usageOf(spec: CommandSpec): string {
  const parts = spec.args.map((a) => {
    const value =
      a.type === "date"
        ? "YYYY-MM-DD"
        : a.type === "team"
          ? "<org/team>"
          : a.type === "choice"
            ? (a.choices ?? []).join("|")
            : `<${a.name}>`;
    const part = a.flag ? `--${a.name} ${value}` : value;
    return a.required ? part : `[${part}]`;
  });
  return [`/fixloop ${spec.name}`, ...parts].join(" ");
}

export function commandSpec(name: CommandName): CommandSpec {
  return COMMAND_SPECS.find((s) => s.name === name) as CommandSpec;
}

export function helpText(intro?: string): string {
  const lines = COMMAND_SPECS.map((s) => `- \`${usageOf(s)}\`: ${s.help}`);
  return [intro ?? "fixloop understands these commands:", "", ...lines].join("\n");
}

/** The reply to a known command with wrong arguments. */
export function malformedText(error: string, usage: string): string {
  return `${error}. Usage: \`${usage}\``;
}

const RESTRICTION: Readonly<Record<Who, number>> = {
  "security-team": 0,
  "admins-or-security-team": 0,
  writers: 1,
  anyone: 2,
};

/**
 * The commands a surface lists, with its own wording (PR bodies and tracking issues). The most
 * restricted come first: a decision the PR or issue waits for (approve) before the conveniences.
 */
export function commandsFor(surface: "onPullRequest" | "onIssue"): { usage: string; description: string }[] {
  return [...(COMMAND_SPECS as readonly CommandSpec[])]
    .sort((a, b) => RESTRICTION[a.who] - RESTRICTION[b.who])
    .flatMap((s) => {
      const description = s[surface];
      return description === undefined ? [] : [{ usage: usageOf(s), description }];
    });
}

/** The README's command section, generated from the table (a test checks the README carries it). */
export function commandsMarkdown(): string {
  const who: Record<Who, string> = {
    anyone: "anyone",
    writers: "write access",
    "admins-or-security-team": "admins or the `securityTeam`",
    "security-team": "the `securityTeam` only",
  };
  return [
    "| Command | Who | What it does |",
    "| --- | --- | --- |",
    // A `|` inside a table cell ends it, even in code marks: escaped (GitHub shows a plain `|`).
    ...COMMAND_SPECS.map((s) => `| \`${usageOf(s).replaceAll("|", "\\|")}\` | ${who[s.who]} | ${s.help} |`),
  ].join("\n");
}
