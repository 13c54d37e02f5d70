// Every regular expression in src/ is found by parsing the source. A RegExp built at run time, or a
// literal with a shape that backtracks super-linearly, must be on this list with the reason it is
// safe (its input is trusted or bounded, or the pattern is unambiguous); anything new fails here.
import { describe, expect, it } from "vitest";
import { backtrackingRisk, regexSites } from "./regex-audit.ts";

/** file → why the RegExp constructed there is safe. */
const CONSTRUCTED: Record<string, string> = {
  "src/http/routes.ts": "built once at start-up from constant id patterns; applied to request paths",
  "src/report/unsafe-chars.ts":
    "built from a constant character class (UNSAFE_SOURCE); one character per match, no quantifier",
};

/** `file pattern` → why a flagged literal is safe. */
const FLAGGED: Record<string, string> = {
  "src/app.ts /\\/+$/": "FIXLOOP_PUBLIC_URL from the operator's environment (trusted)",
  "src/cli/commands/open-pr-setup.ts /\\/+$/": "a URL the operator types (trusted)",
  "src/github/hosts.ts /\\/+$/": "GitHub host URLs from the operator's configuration (trusted)",
  "src/findings/parsers/checkov.ts /^(?:module\\.[^.[\\]]+(?:\\[[^\\]]*\\])?\\.)+/":
    "unambiguous: each repetition starts with the literal `module.` and its name cannot contain `.`",
  "src/findings/parsers/tfsec.ts /^(?:module\\.[\\w-]+(?:\\[[^\\]]*\\])?\\.)*(?:data\\.)?[a-z][a-z0-9_]*\\.[\\w-]+(?:\\[[^\\]]*\\])?$/":
    "unambiguous: each repetition starts with the literal `module.` and its name cannot contain `.`",
  "src/locate/locate.ts /^(module\\.[^.]+\\.)+/": "unambiguous: repetitions are delimited by `.`",
  "src/verify/code-rescan.ts /^(module\\.[^.[]+(\\[[^\\]]*\\])?\\.)+/":
    "unambiguous: repetitions are delimited by `.`",
  "src/owners/codeowners.ts /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}$/":
    "unambiguous: the repeated labels are delimited by `.` (80,000-character owner: under 2 ms)",
};

describe("regular expressions in src/", () => {
  const sites = regexSites();

  it("finds the literals and constructions (the scan itself works)", () => {
    expect(sites.filter((s) => s.kind === "literal").length).toBeGreaterThan(100);
    expect(sites.some((s) => s.file === "src/http/routes.ts" && s.kind === "constructed")).toBe(true);
  });

  it("builds a RegExp at run time only where the list says why that is safe", () => {
    const unlisted = sites.filter((s) => s.kind === "constructed" && !(s.file in CONSTRUCTED));
    expect(unlisted.map((s) => `${s.file}:${s.line} ${s.text}`)).toEqual([]);
  });

  it("has no literal of a super-linear shape that the list does not explain", () => {
    const flagged = sites
      .filter((s) => s.kind === "literal" && backtrackingRisk(s.text) !== undefined)
      .filter((s) => !(`${s.file} ${s.text}` in FLAGGED));
    expect(flagged.map((s) => `${s.file}:${s.line} ${s.text} (${backtrackingRisk(s.text)})`)).toEqual([]);
  });

  it.each([
    ["/(a+)+$/", "nested unbounded quantifiers"],
    ["/^(?:x*y)*z/", "nested unbounded quantifiers"],
    ["/\\/+$/", "unanchored run before $"],
    ["/^\\s*(~>|>=)?\\s*v/", "adjacent runs with optional text between"],
    ["/^[a-z]+$/", undefined],
    ["/^(module\\.[^.]+)$/", undefined],
  ])("flags %s as %s", (pattern, risk) => expect(backtrackingRisk(pattern)).toBe(risk));
});
