// Table tests for the comment parser, in the manner of atlantis' comment_parser_test.go: every
// command, what is not a command, casing, extra words, quoting, and names that exist on every
// JavaScript object's prototype (which must never be taken for a command).

import { describe, expect, it } from "vitest";
import { COMMAND_HELP, helpText, type ParsedComment, parseComment } from "../../src/app/commands.ts";

const command = (name: string): ParsedComment => ({ kind: "command", name }) as ParsedComment;
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
    ["extra words after a command", "/fixloop retry now", unknown("/fixloop retry now")],
    ["a flag after a command", "/fixloop approve --force", unknown("/fixloop approve --force")],
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
    expect(Object.keys(COMMAND_HELP).sort()).toEqual(["approve", "explain", "help", "retry"]);
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
        "- `/fixloop help`: list these commands",
      ].join("\n"),
    );
  });
});
