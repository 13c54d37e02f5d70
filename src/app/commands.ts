// Comment commands (`/fixloop retry` …), parsed by one pure function into one of a fixed set of
// results, in the manner of atlantis' comment parser: a comment that is not for fixloop is
// ignored; one that is, but is not understood, gets a reply saying what fixloop does understand.

export type CommandName = "retry" | "explain" | "approve" | "help";

export const COMMAND_HELP: Readonly<Record<CommandName, string>> = {
  retry: "compute the fix again on the current default branch (update the PR, or open one)",
  explain: "reply with the finding's risk factors and audit trail",
  approve: "approve a fix that waits for approval (security team or repository admins)",
  help: "list these commands",
};

export type ParsedComment =
  /** Not addressed to fixloop: say nothing. */
  | { kind: "ignore" }
  | { kind: "command"; name: CommandName }
  /** Addressed to fixloop, but not a command it knows: reply with help. */
  | { kind: "unknown"; text: string };

const PREFIX = /^\/fixloop(?:\s+|$)/i;

/** Only the first line that starts with `/fixloop` counts; quoted lines (`> /fixloop …`) do not. */
export function parseComment(body: string): ParsedComment {
  const line = body
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => PREFIX.test(l));
  if (line === undefined) return { kind: "ignore" };
  const words = line.replace(PREFIX, "").trim().split(/\s+/).filter(Boolean);
  const [verb, ...rest] = words;
  if (verb === undefined) return { kind: "command", name: "help" };
  const name = verb.toLowerCase();
  // An own property only: `in` would also find `constructor`, `__proto__`, `toString`… on the prototype.
  if (rest.length === 0 && isCommandName(name)) return { kind: "command", name };
  return { kind: "unknown", text: line.slice(0, 80) };
}

function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMAND_HELP, name);
}

export function helpText(intro?: string): string {
  const lines = Object.entries(COMMAND_HELP).map(([name, what]) => `- \`/fixloop ${name}\`: ${what}`);
  return [intro ?? "fixloop understands these commands:", "", ...lines].join("\n");
}
