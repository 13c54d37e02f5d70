// Table tests for the comment parser, in the manner of atlantis' comment_parser_test.go: every
// command, what is not a command, casing, extra words, quoting, names that exist on every
// JavaScript object's prototype (which must never be taken for a command), and typed arguments
// (dates, teams, choices, a reason) on the commands the next issue adds, parsed from their table rows.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  COMMAND_SPECS,
  commandsMarkdown,
  helpText,
  type ParsedComment,
  parseComment,
} from "../../src/app/commands.ts";

const command = (name: string, args = {}): ParsedComment =>
  ({ kind: "command", name, args }) as ParsedComment;
const malformed = (name: string, error: string, usage = `/fixloop ${name}`): ParsedComment =>
  ({ kind: "malformed", name, error, usage }) as ParsedComment;
const unknown = (text: string): ParsedComment => ({ kind: "unknown", text });
const ignore: ParsedComment = { kind: "ignore" };

describe("parseComment", () => {
  const cases: [description: string, body: string, expected: ParsedComment][] = [
    // every command
    ["retry", "/fixloop retry", command("retry")],
    ["explain", "/fixloop explain", command("explain")],
    ["approve", "/fixloop approve", command("approve")],
    ["help", "/fixloop help", command("help")],
    ["the bare prefix is help", "/fixloop", command("help")],
    ["the bare prefix with spaces is help", "  /fixloop   ", command("help")],
    // casing and spacing
    ["an upper-case verb", "/fixloop RETRY", command("retry")],
    ["an upper-case prefix", "/FIXLOOP Explain", command("explain")],
    ["surrounding and inner whitespace", "\t /fixloop \t approve  ", command("approve")],
    ["CRLF line endings", "thanks!\r\n/fixloop retry\r\n", command("retry")],
    // where the command is
    ["a command on a later line", "Looks good.\n\n/fixloop approve\n", command("approve")],
    ["only the first /fixloop line counts", "/fixloop explain\n/fixloop approve", command("explain")],
    [
      "a first line that is unknown wins over a later known one",
      "/fixloop nope\n/fixloop retry",
      unknown("/fixloop nope"),
    ],
    // extra words and quoting
    [
      "extra words after a command",
      "/fixloop retry now",
      malformed("retry", "`retry` takes no more arguments (got `now`)"),
    ],
    [
      "a flag after a command",
      "/fixloop approve --force",
      malformed("approve", "`approve` has no option `--force`"),
    ],
    [
      "an upper-case verb with extra words",
      "/fixloop HELP me",
      malformed("help", "`help` takes no more arguments (got `me`)"),
    ],
    ["a quoted verb", '/fixloop "retry"', unknown('/fixloop "retry"')],
    ["a single-quoted verb", "/fixloop 'approve'", unknown("/fixloop 'approve'")],
    ["an unknown verb", "/fixloop merge", unknown("/fixloop merge")],
    ["a verb glued to punctuation", "/fixloop retry!", unknown("/fixloop retry!")],
    [
      "a long unknown text is cut at 80 characters",
      `/fixloop ${"x".repeat(200)}`,
      unknown(`/fixloop ${"x".repeat(71)}`),
    ],
    // not a command
    ["an empty comment", "", ignore],
    ["a comment without the prefix", "please retry", ignore],
    ["the prefix inside a sentence", "could someone /fixloop retry this?", ignore],
    ["a quoted (reply) line", "> /fixloop retry\n\nI agree", ignore],
    ["the prefix in inline code", "`/fixloop retry`", ignore],
    ["the prefix glued to a word", "/fixloopretry", ignore],
    ["another bot's prefix", "/atlantis plan", ignore],
    // names every object inherits: never a command
    ["constructor", "/fixloop constructor", unknown("/fixloop constructor")],
    ["__proto__", "/fixloop __proto__", unknown("/fixloop __proto__")],
    ["toString", "/fixloop toString", unknown("/fixloop toString")],
    ["hasOwnProperty", "/fixloop hasOwnProperty", unknown("/fixloop hasOwnProperty")],
    ["valueOf", "/fixloop valueOf", unknown("/fixloop valueOf")],
    ["isPrototypeOf", "/fixloop isPrototypeOf", unknown("/fixloop isPrototypeOf")],
    ["__defineGetter__", "/fixloop __defineGetter__", unknown("/fixloop __defineGetter__")],
    ["Constructor in another case", "/fixloop CONSTRUCTOR", unknown("/fixloop CONSTRUCTOR")],
  ];

  it.each(cases)("%s", (_description, body, expected) => {
    expect(parseComment(body)).toEqual(expected);
  });

  it("knows exactly the documented commands", () => {
    expect(COMMAND_SPECS.map((s) => s.name).sort()).toEqual([
      "accept-risk",
      "approve",
      "approve-exception",
      "assign",
      "confirm-false-positive",
      "explain",
      "false-positive",
      "help",
      "reject-false-positive",
      "retry",
      "snooze",
      "status",
    ]);
  });
});

describe("helpText", () => {
  it("lists every command with what it does", () => {
    expect(helpText()).toBe(
      [
        "fixloop understands these commands:",
        "",
        "- `/fixloop retry`: compute the fix again on the current default branch (update the PR, or open one)",
        "- `/fixloop explain`: reply with the finding's risk factors and audit trail",
        "- `/fixloop approve`: approve a fix that waits for approval (security team or repository admins)",
        "- `/fixloop false-positive <reason>`: report the finding as a false positive: the PR is closed (or the issue labelled) and the security team reviews it",
        "- `/fixloop confirm-false-positive [--scope resource|repository|organization]`: confirm a reported false positive (security team, not its reporter): suppressed, and later findings of the rule on this resource (default), in this repository or in the organization are suppressed on arrival",
        "- `/fixloop reject-false-positive <reason>`: reject a reported false positive (security team): the finding is fixed again with a new PR",
        "- `/fixloop accept-risk --until YYYY-MM-DD <reason>`: ask to accept the risk until a date (at most `exceptions.maxDays` for the finding's tier); the security team approves",
        "- `/fixloop approve-exception`: approve a requested exception (security team, not its requester): excepted until its date",
        "- `/fixloop snooze --until YYYY-MM-DD`: set the finding aside until a date, at most 14 days, without approval (counted, and shown by status)",
        "- `/fixloop assign <org/team>`: route the finding to another team of the organization and request its review",
        "- `/fixloop status`: reply with the finding's state, owner, SLA due date and open decisions",
        "- `/fixloop help`: list these commands",
      ].join("\n"),
    );
  });
});

describe("parseComment: typed arguments of the decision commands", () => {
  type Parsed = ParsedComment<string>;
  const ok = (name: string, args: Record<string, unknown>): Parsed =>
    ({ kind: "command", name, args }) as Parsed;
  const bad = (name: string, error: string, usage: string): Parsed => ({
    kind: "malformed",
    name,
    error,
    usage,
  });
  const FP = "/fixloop false-positive <reason>";
  const AR = "/fixloop accept-risk --until YYYY-MM-DD <reason>";
  const CFP = "/fixloop confirm-false-positive [--scope resource|repository|organization]";
  const AS = "/fixloop assign <org/team>";
  const SN = "/fixloop snooze --until YYYY-MM-DD";
  const cases: [description: string, body: string, expected: Parsed][] = [
    [
      "a reason takes the rest of the line",
      "/fixloop false-positive the bucket is a public website",
      ok("false-positive", { reason: "the bucket is a public website" }),
    ],
    [
      "a reason keeps what looks like a flag",
      "/fixloop false-positive --not a flag",
      bad("false-positive", "`false-positive` has no option `--not`", FP),
    ],
    ["a missing reason", "/fixloop false-positive", bad("false-positive", "<reason> is required", FP)],
    [
      "a date flag and a reason",
      "/fixloop accept-risk --until 2027-01-31 vendor fix due in January",
      ok("accept-risk", { until: "2027-01-31", reason: "vendor fix due in January" }),
    ],
    [
      "a date flag written with =",
      "/fixloop accept-risk --until=2027-01-31 ok",
      ok("accept-risk", { until: "2027-01-31", reason: "ok" }),
    ],
    [
      "a reason before the flag takes the flag as words",
      "/fixloop accept-risk wait --until 2027-01-31",
      bad("accept-risk", "--until is required", AR),
    ],
    [
      "a date that does not exist",
      "/fixloop accept-risk --until 2027-02-30 x",
      bad("accept-risk", "--until must be a date as YYYY-MM-DD (got `2027-02-30`)", AR),
    ],
    [
      "a date in another format",
      "/fixloop accept-risk --until 31/01/2027 x",
      bad("accept-risk", "--until must be a date as YYYY-MM-DD (got `31/01/2027`)", AR),
    ],
    [
      "a flag without its value",
      "/fixloop accept-risk --until",
      bad("accept-risk", "--until needs a value", AR),
    ],
    [
      "a flag given twice",
      "/fixloop accept-risk --until 2027-01-01 --until 2027-02-01 x",
      bad("accept-risk", "--until is given twice", AR),
    ],
    [
      "a missing required flag",
      "/fixloop accept-risk because",
      bad("accept-risk", "--until is required", AR),
    ],
    ["an optional choice left out", "/fixloop confirm-false-positive", ok("confirm-false-positive", {})],
    [
      "an optional choice",
      "/fixloop confirm-false-positive --scope repository",
      ok("confirm-false-positive", { scope: "repository" }),
    ],
    [
      "a choice not offered",
      "/fixloop confirm-false-positive --scope universe",
      bad(
        "confirm-false-positive",
        "--scope must be one of resource, repository, organization (got `universe`)",
        CFP,
      ),
    ],
    [
      "a team",
      "/fixloop assign acme/payments-team",
      ok("assign", { team: { org: "acme", slug: "payments-team" } }),
    ],
    [
      "a team mention is not a slug",
      "/fixloop assign @acme/payments",
      bad("assign", "<team> must be a team as org/team (got `@acme/payments`)", AS),
    ],
    [
      "a team without an organization",
      "/fixloop assign payments",
      bad("assign", "<team> must be a team as org/team (got `payments`)", AS),
    ],
    [
      "a second team",
      "/fixloop assign acme/a acme/b",
      bad("assign", "`assign` takes no more arguments (got `acme/b`)", AS),
    ],
    [
      "a hostile value is cut and kept in code marks",
      `/fixloop assign \`${"x".repeat(60)}`,
      bad("assign", `<team> must be a team as org/team (got \`'${"x".repeat(39)}\`)`, AS),
    ],
    ["an unknown verb next to them", "/fixloop accept", { kind: "unknown", text: "/fixloop accept" }],
    ["a snooze date", "/fixloop snooze --until 2026-12-12", ok("snooze", { until: "2026-12-12" })],
    ["a snooze without a date", "/fixloop snooze", bad("snooze", "--until is required", SN)],
    [
      "a snooze date given as a word",
      "/fixloop snooze --until tomorrow",
      bad("snooze", "--until must be a date as YYYY-MM-DD (got `tomorrow`)", SN),
    ],
    [
      "a rejection needs its reason",
      "/fixloop reject-false-positive",
      bad("reject-false-positive", "<reason> is required", "/fixloop reject-false-positive <reason>"),
    ],
    [
      "a rejection's reason",
      "/fixloop reject-false-positive the bucket holds exports",
      ok("reject-false-positive", { reason: "the bucket holds exports" }),
    ],
    ["approve-exception takes nothing", "/fixloop approve-exception", ok("approve-exception", {})],
    [
      "approve-exception with a date",
      "/fixloop approve-exception --until 2027-01-01",
      bad("approve-exception", "`approve-exception` has no option `--until`", "/fixloop approve-exception"),
    ],
    ["status", "/fixloop status", ok("status", {})],
    ["accept-risk alone", "/fixloop accept-risk", bad("accept-risk", "--until is required", AR)],
    ["assign alone", "/fixloop assign", bad("assign", "<team> is required", AS)],
  ];
  it.each(cases)("%s", (_description, body, expected) => {
    expect(parseComment(body)).toEqual(expected);
  });
});

describe("the README's command section", () => {
  it("is the table's, as generated", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    // Not toContain: its failure would print the whole README.
    expect(readme.includes(commandsMarkdown()), `README.md lacks:\n${commandsMarkdown()}`).toBe(true);
  });
});
