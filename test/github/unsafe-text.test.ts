// Text that reads differently from what it is ("Trojan Source" bidi controls, terminal escapes,
// zero-width characters) never reaches a rendered body as is: each is shown as <U+XXXX>.

import { describe, expect, it } from "vitest";
import { GITHUB_COM } from "../../src/github/hosts.ts";
import { issueTitle, renderTrackingIssueBody, type TrackingIssueInput } from "../../src/github/issue-body.ts";
import { mdCode, mdFence, mdFenceBounded, mdInline } from "../../src/github/markdown.ts";
import { fixCommitMessage, type PatchPlan, prTitle } from "../../src/remediate/plan-fix.ts";
import { render } from "../../src/report/template.ts";
import { showUnsafe } from "../../src/report/unsafe-chars.ts";

// Every class, once: ESC (an ANSI sequence), BEL, a C1 control (CSI), RLO / PDI / RLI (bidi),
// ZWSP / ZWJ / word joiner / BOM (invisible), soft hyphen, a tag character (invisible ASCII).
const HOSTILE =
  "a\u001b[2Jb\u0007c\u009bd\u202Eevil\u2069e\u2067f\u200Bg\u200Dh\u2060i\uFEFFj\u00ADk\u{E0041}l";
const SHOWN =
  "a<U+001B>[2Jb<U+0007>c<U+009B>d<U+202E>evil<U+2069>e<U+2067>f<U+200B>g<U+200D>h<U+2060>i<U+FEFF>j<U+00AD>k<U+E0041>l";
// What must not be in a body (U+200B excepted: the helpers add it after "@" on purpose).
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is looked for
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const RAW_FORMAT = /[\u00ad\u202a-\u202e\u2066-\u2069\u200c-\u200f\u2060\ufeff]|\u{e0041}/u;
const RAW = { test: (s: string) => RAW_CONTROL.test(s) || RAW_FORMAT.test(s) };

describe("showUnsafe", () => {
  it("shows every control, bidi and invisible character, and nothing else", () => {
    expect(showUnsafe(HOSTILE)).toBe(SHOWN);
    expect(showUnsafe("café — 東京 😀 ok\ttab")).toBe("café — 東京 😀 ok<U+0009>tab");
    expect(showUnsafe("a\nb\tc", { keep: "\n\t" })).toBe("a\nb\tc");
  });
});

describe("Markdown helpers", () => {
  it("mdInline shows them (then escapes markup as before)", () => {
    expect(mdInline(HOSTILE, 500)).toBe(SHOWN.replace(/[<>[\]]/g, "\\$&"));
  });

  it("mdCode shows them inside the code span", () => {
    expect(mdCode(`x\u202Ey`)).toBe("`x<U+202E>y`");
  });

  it("mdFence shows them on every line of a diff, keeping lines and tabs", () => {
    const diff = `+  cidr_blocks = ["10.0.0.0/8"] # \u202E }\u2066 open to all\n-\told\u200B\n`;
    expect(mdFence("diff", diff, 10)).toBe(
      '```diff\n+  cidr_blocks = ["10.0.0.0/8"] # <U+202E> }<U+2066> open to all\n-\told<U+200B>\n```',
    );
    expect(RAW.test(mdFenceBounded("diff", diff, { maxLines: 10 }).text)).toBe(false);
  });
});

describe("template values", () => {
  it("are shown, keeping line breaks and tabs of block values (and U+200B, see template.ts)", () => {
    expect(render("- {{title}}\n{{block}}", { title: HOSTILE, block: "line 1\n\tline 2" })).toBe(
      `- ${SHOWN.replace("<U+200B>", "\u200B")}\nline 1\n\tline 2`,
    );
  });
});

describe("a rendered tracking issue body", () => {
  it("carries no raw bidi, escape or invisible character from a finding", () => {
    const input: TrackingIssueInput = {
      host: GITHUB_COM,
      finding: {
        id: "ae0285f654a07dbf10547f88",
        title: `S3 bucket ${HOSTILE}`,
        rule: { catalogId: "aws-s3-public-access-block", nativeId: `S3.8${HOSTILE}` },
        sourceTool: "securityhub",
        firstSeen: "2026-11-01T00:00:00Z",
        sourceLink: null,
        risk: { score: 70, tier: "high", explanation: HOSTILE, factors: [] },
        attackPath: false,
        severity: "high",
        resource: `arn:aws:s3:::data${HOSTILE}`,
      } as TrackingIssueInput["finding"],
      reason: { kind: "not-fixable", detail: HOSTILE },
      candidates: [
        {
          repository: { owner: "acme", repo: "infra" },
          sha: "6dcb09b5b57875f334f61aebed695e2e4193db5e",
          path: "main.tf",
          line: 3,
          address: `aws_s3_bucket.data${HOSTILE}`,
          evidence: HOSTILE,
          confidence: 0.8,
        },
      ],
      commands: [],
      proposedChange: `+ x = 1 # ${HOSTILE}\n`,
    };
    const body = renderTrackingIssueBody(input);
    expect(RAW.test(body)).toBe(false);
    expect(body).toContain("S3 bucket a\\<U+001B\\>\\[2Jb"); // renders as S3 bucket a<U+001B>[2Jb
    expect(body).toContain("+ x = 1 # a<U+001B>[2Jb<U+0007>c<U+009B>d<U+202E>evil<U+2069>");
  });
});

describe("titles and commit messages the app writes", () => {
  // A resource label is any string the repository holds: this one clears the screen of whoever
  // runs `git log` and reverses the rest of the PR title.
  const plan = {
    kind: "patch",
    ruleIds: ["aws-kms-rotation"],
    target: { file: "kms.tf", line: 1, address: "aws_kms_key.a\u001b[2J\u202Eb", evidence: "" },
    fixes: [{ ruleId: "aws-kms-rotation", summary: "set enable_key_rotation = true\u2066" }],
  } as unknown as PatchPlan;

  it("show control and bidi characters in the PR title and the commit message", () => {
    expect(prTitle(plan)).toBe(
      "fix(security): aws_kms_key.a<U+001B>[2J<U+202E>b — KMS key rotation is disabled",
    );
    expect(fixCommitMessage(plan, ["ae0285f654a07dbf10547f88"]).split("\n").slice(0, 3)).toEqual([
      "fix(security): aws-kms-rotation on aws_kms_key.a<U+001B>[2J<U+202E>b",
      "",
      "- aws-kms-rotation: set enable_key_rotation = true<U+2066>",
    ]);
  });

  it("show them in a tracking issue's title", () => {
    expect(
      issueTitle(
        { rule: { catalogId: "aws-kms-rotation", nativeId: "x" }, resource: "arn:aws:kms:key/\u202Eab" },
        { kind: "not-fixable", detail: "" },
      ),
    ).toMatch(/^fixloop: aws-kms-rotation on arn:aws:kms:key\/<U\+202E>ab \(/);
  });
});
