import { describe, expect, it } from "vitest";
import {
  codeownersFor,
  MAX_CODEOWNERS_BYTES,
  matchingRule,
  parseCodeowners,
  parseOwner,
} from "../../src/owners/codeowners.ts";

// The example file of GitHub's "About code owners" page (docs.github.com, current version), verbatim
// apart from the explanatory comment lines, which are shortened.
const GITHUB_DOCS_EXAMPLE = `# This is a comment.
# Each line is a file pattern followed by one or more owners.

# Default owners for everything in the repo.
*       @global-owner1 @global-owner2

# Order is important; the last matching pattern takes the most precedence.
*.js    @js-owner #This is an inline comment.

*.go docs@example.com

*.txt @octo-org/octocats

/build/logs/ @doctocat

# docs/* matches docs/getting-started.md but not docs/build-app/troubleshooting.md.
docs/*  docs@example.com

# any file in an apps directory anywhere in your repository.
apps/ @octocat

/docs/ @doctocat

/scripts/ @doctocat @octocat

**/logs @octocat

/apps/ @octocat
/apps/github

/apps/ @octocat
/apps/github @doctocat
`;

describe("parseCodeowners on GitHub's documented example", () => {
  const { rules, errors } = parseCodeowners(GITHUB_DOCS_EXAMPLE);

  it("reads every rule, with no errors, and drops the inline comment", () => {
    expect(errors).toEqual([]);
    expect(rules.map((r) => [r.line, r.pattern, r.owners])).toEqual([
      [5, "*", ["@global-owner1", "@global-owner2"]],
      [8, "*.js", ["@js-owner"]],
      [10, "*.go", ["docs@example.com"]],
      [12, "*.txt", ["@octo-org/octocats"]],
      [14, "/build/logs/", ["@doctocat"]],
      [17, "docs/*", ["docs@example.com"]],
      [20, "apps/", ["@octocat"]],
      [22, "/docs/", ["@doctocat"]],
      [24, "/scripts/", ["@doctocat", "@octocat"]],
      [26, "**/logs", ["@octocat"]],
      [28, "/apps/", ["@octocat"]],
      [29, "/apps/github", []],
      [31, "/apps/", ["@octocat"]],
      [32, "/apps/github", ["@doctocat"]],
    ]);
  });

  it.each([
    ["README.md", ["@global-owner1", "@global-owner2"]],
    ["web/static/app.js", ["@js-owner"]],
    ["cmd/fixloop/main.go", ["docs@example.com"]],
    ["notes/todo.txt", ["@octo-org/octocats"]],
    // `**/logs` comes after `/build/logs/` and after `*.txt`: the last match wins.
    ["build/logs/2026/run.txt", ["@octocat"]],
    ["deeply/nested/logs/app.log", ["@octocat"]],
    // `/docs/` comes after `docs/*`; `docs/*` is anchored at the root (it has a `/` inside).
    ["docs/getting-started.md", ["@doctocat"]],
    ["docs/build-app/troubleshooting.md", ["@doctocat"]],
    ["src/docs/intro.md", ["@global-owner1", "@global-owner2"]],
    ["services/apps/api/main.go", ["@octocat"]],
    ["scripts/deploy.sh", ["@doctocat", "@octocat"]],
    ["apps/github/workflow.yml", ["@doctocat"]],
    ["apps/web/index.ts", ["@octocat"]],
  ])("%s is owned by %j", (path, owners) => {
    expect(codeownersFor(rules, path)).toEqual(owners);
  });
});

describe("codeownersFor", () => {
  it("un-owns paths matched last by a pattern without owners", () => {
    const { rules } = parseCodeowners("/apps/ @octocat\n/apps/github\n");
    expect(codeownersFor(rules, "apps/github/ci.yml")).toEqual([]);
    expect(matchingRule(rules, "apps/github/ci.yml")).toMatchObject({ line: 2, pattern: "/apps/github" });
    expect(codeownersFor(rules, "apps/web/index.ts")).toEqual(["@octocat"]);
    expect(matchingRule(rules, "lib/x.ts")).toBeNull();
    expect(codeownersFor(rules, "lib/x.ts")).toEqual([]);
  });

  it("matches case-sensitively, as GitHub does", () => {
    const { rules } = parseCodeowners("/Envs/ @acme/platform\n");
    expect(codeownersFor(rules, "envs/prod/main.tf")).toEqual([]);
    expect(codeownersFor(rules, "Envs/prod/main.tf")).toEqual(["@acme/platform"]);
  });

  it("accepts ./ or / in front of the path and CRLF line endings", () => {
    const { rules, errors } = parseCodeowners("envs/prod/ @acme/data-platform\r\n*.tf @acme/platform\r\n");
    expect(errors).toEqual([]);
    expect(codeownersFor(rules, "./envs/prod/main.tf")).toEqual(["@acme/platform"]);
    expect(codeownersFor(rules, "/envs/prod/README.md")).toEqual(["@acme/data-platform"]);
  });
});

describe("gitignore-style patterns (the pattern table of hmarr/codeowners, checked against GitHub)", () => {
  const cases: Array<[string, Record<string, boolean>]> = [
    [
      "foo",
      {
        foo: true,
        "foo.txt": false,
        "foo/bar": true,
        "bar/foo": true,
        "bar/foo.txt": false,
        "bar/foo/baz": true,
      },
    ],
    ["/foo", { foo: true, "fool.txt": false, "foo/bar/baz": true, "bar/foo": false }],
    ["foo/", { foo: false, "foo/bar": true, "bar/foo/baz": true, "bar/foo": false }],
    ["/foo/", { "foo/bar": true, "bar/foo/baz": false, foo: false }],
    ["foo/bar", { "foo/bar": true, "foo/bart": false, "foo/bar/baz": true, "baz/foo/bar": false }],
    ["foo/bar/", { "foo/bar": false, "foo/bar/baz": true, "baz/foo/bar/qux": false }],
    ["*", { foo: true, "foo/bar": true, "bar/foo/baz": true }],
    ["f*", { foo: true, "foo/bar": true, "bar/foo/baz": true, "bar/baz": false, xfoo: false }],
    ["/*", { foo: true, "foo/bar": false }],
    ["/f*", { "foo/bar/baz": true, "bar/foo": false }],
    ["f*/", { foo: false, "foo/bar": true, "bar/foo/baz": true }],
    ["/*/", { foo: false, "foo/bar": true, "bar/foo/baz": true }],
    ["foo/*", { foo: false, "foo/bar": true, "foo/bar/baz": false, "bar/foo": false }],
    ["foo/*.txt", { "foo/bar.txt": true, "foo/bar/baz.txt": false, "qux/foo/bar.txt": false }],
    ["foo/*/baz", { "foo/baz": false, "foo/bar/baz": true, "foo/bar/baz/qux": true }],
    ["f?o", { foo: true, fo: false, fooo: false }],
    ["**/foo/bar", { "foo/bar": true, "qux/foo/bar/baz": true, "foo/baz/bar": false }],
    ["**/*bar*", { bar: true, "foo/rebar": true, "foo/barrio": true, "foo/qux/bar": true }],
    ["foo/bar/**", { "foo/bar": false, "foo/bar/baz/qux": true, "qux/foo/bar/baz": false }],
    ["foo/**/bar", { "foo/bar": true, "foo/qux/quux/bar/baz": true, "qux/foo/bar": false }],
    ["foo/**/", { foo: false, "foo/bar": true, "foo/bar/baz": true }],
    [
      "foo/**/bar/b*",
      { "foo/bar": false, "foo/bar/baz": true, "foo/qux/bar/baz": true, "foo/qux/bar/qux": false },
    ],
    ["*.tf", { "main.tf": true, "envs/prod/main.tf": true, "main.tfvars": false }],
  ];
  for (const [pattern, paths] of cases) {
    it(`${pattern}`, () => {
      const { rules, errors } = parseCodeowners(`${pattern} @acme/platform\n`);
      expect(errors).toEqual([]);
      const matched = Object.fromEntries(Object.keys(paths).map((p) => [p, matchingRule(rules, p) !== null]));
      expect(matched).toEqual(paths);
    });
  }
});

describe("lines GitHub skips", () => {
  const text = [
    "*                   @acme/platform",
    "!envs/dev/          @acme/dev",
    "envs/[ab]*/         @acme/ab",
    "\\#notes            @acme/docs",
    "envs/prod/          @acme/data-platform data-platform",
    "/                   @acme/root",
    "modules/            @acme/modules",
  ].join("\n");
  const { rules, errors } = parseCodeowners(text);

  it("reports each with its line, column and kind, like GitHub's codeowners/errors API", () => {
    expect(
      errors.map(({ line, column, kind, message, suggestion }) => ({
        line,
        column,
        kind,
        message,
        suggestion,
      })),
    ).toEqual([
      {
        line: 2,
        column: 1,
        kind: "Invalid pattern",
        message: "Invalid pattern on line 2: negating a pattern with ! does not work in CODEOWNERS",
        suggestion: null,
      },
      {
        line: 3,
        column: 1,
        kind: "Invalid pattern",
        message: "Invalid pattern on line 3: character ranges with [ ] do not work in CODEOWNERS",
        suggestion: null,
      },
      {
        line: 4,
        column: 1,
        kind: "Invalid pattern",
        message:
          "Invalid pattern on line 4: escaping # with \\ does not work in CODEOWNERS: a line starting with # is a comment",
        suggestion: null,
      },
      {
        line: 5,
        column: 41,
        kind: "Invalid owner",
        message: 'Invalid owner on line 5: "data-platform" is not @user, @org/team or an e-mail address',
        suggestion: null,
      },
      {
        line: 6,
        column: 1,
        kind: "Invalid pattern",
        message: "Invalid pattern on line 6: the pattern / never matches anything",
        suggestion: "did you mean * instead?",
      },
    ]);
    expect(errors[4]!.source).toBe("/                   @acme/root");
  });

  it("skips the whole line, valid owners included, and keeps the rest", () => {
    expect(rules.map((r) => r.line)).toEqual([1, 7]);
    expect(codeownersFor(rules, "envs/prod/main.tf")).toEqual(["@acme/platform"]);
    expect(codeownersFor(rules, "envs/dev/main.tf")).toEqual(["@acme/platform"]);
    expect(codeownersFor(rules, "modules/bucket/main.tf")).toEqual(["@acme/modules"]);
  });

  it("does not load a file of 3 MB or more", () => {
    const big = `* @acme/platform\n${"# padding\n".repeat(MAX_CODEOWNERS_BYTES / 10)}`;
    const parsed = parseCodeowners(big);
    expect(parsed.rules).toEqual([]);
    expect(parsed.errors).toHaveLength(1);
    expect(parsed.errors[0]).toMatchObject({ kind: "File too large" });
    expect(parsed.errors[0]!.message).toBe(
      `CODEOWNERS is ${Buffer.byteLength(big)} bytes; GitHub ignores files of 3 MB or more`,
    );
  });
});

describe("parseOwner", () => {
  it.each([
    ["@octocat", { kind: "user", login: "octocat" }],
    ["@mona_acme", { kind: "user", login: "mona_acme" }],
    [
      "@acme/platform-security",
      { kind: "team", org: "acme", team: "platform-security", slug: "acme/platform-security" },
    ],
    ["docs@example.com", { kind: "email", email: "docs@example.com" }],
    ["octocat", null],
    ["@acme/platform/extra", null],
    ["@", null],
    ["@acme/", null],
  ])("%s", (token, expected) => {
    expect(parseOwner(token)).toEqual(expected);
  });
});

describe("matching time", () => {
  it("matches adversarial patterns in linear time (a backtracking RegExp froze the app for a minute)", () => {
    const { rules } = parseCodeowners(
      `${"*a".repeat(30)}*b @org/a\n**/${"*a".repeat(30)}*/**/b @org/b\n${"?*".repeat(30)}c/ @org/c\n`,
    );
    const path = `${"a".repeat(500)}/${"a".repeat(500)}`; // deeper than any real path
    const started = performance.now();
    expect(matchingRule(rules, path)).toBeNull();
    expect(codeownersFor(rules, `${path}b`)).toEqual(["@org/a"]);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
