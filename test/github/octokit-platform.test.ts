// The Platform on GitHub's REST API, against the mock kit (every request mocked, every body checked
// against GitHub's OpenAPI description): failures leave as typed errors, mapped once here, and the
// intent-level operations make the requests they should — no more.

import { describe, expect, it } from "vitest";
import { tokenClient } from "../../src/github/client.ts";
import { Conflict, Forbidden, NotFound, RateLimited, Unprocessable } from "../../src/github/errors.ts";
import { GITHUB_COM } from "../../src/github/hosts.ts";
import { OctokitPlatform } from "../../src/github/octokit-platform.ts";
import { answerDirectories, blobEntry, blobOid } from "./kit/graphql-trees.ts";
import { useMockGitHub } from "./kit/mock-github.ts";

const gh = useMockGitHub();
const NOW = Date.parse("2026-11-20T10:00:00Z");
const REPO = { owner: "acme", repo: "infra" };
const platform = () =>
  new OctokitPlatform(tokenClient({ token: "t", host: GITHUB_COM, rateLimitHandling: false }), {
    now: () => NOW,
  });

describe("errors, mapped once", () => {
  it("404 NotFound, 403 Forbidden, 409 Conflict, 422 Unprocessable, a secondary limit RateLimited{resetAt}", async () => {
    gh().get("/repos/acme/infra").reply(404, { message: "Not Found" });
    gh().get("/repos/acme/infra").reply(403, { message: "Resource not accessible by integration" });
    gh().get("/repos/acme/infra").reply(409, { message: "Git Repository is empty." });
    gh().get("/repos/acme/infra").reply(422, { message: "Validation Failed" });
    gh()
      .get("/repos/acme/infra")
      .reply(403, { message: "You have exceeded a secondary rate limit" }, { "retry-after": "90" });
    const p = platform();
    await expect(p.defaultBranch(REPO)).rejects.toBeInstanceOf(NotFound);
    await expect(p.defaultBranch(REPO)).rejects.toMatchObject({
      constructor: Forbidden,
      status: 403,
      message: expect.stringContaining("Resource not accessible by integration"),
    });
    await expect(p.defaultBranch(REPO)).rejects.toBeInstanceOf(Conflict);
    await expect(p.defaultBranch(REPO)).rejects.toBeInstanceOf(Unprocessable);
    await expect(p.defaultBranch(REPO)).rejects.toMatchObject({
      constructor: RateLimited,
      resetAt: NOW + 90_000,
    });
  });
});

describe("intent-level operations", () => {
  it("ensureComment edits fixloop's own marked comment in place, and posts one when there is none", async () => {
    gh()
      .get("/repos/acme/infra/issues/7/comments?per_page=100")
      .reply(200, [
        { id: 1, body: "quoting <!-- fixloop:status -->", user: { login: "mona", type: "User" } },
        { id: 2, body: "old\n\n<!-- fixloop:status -->", user: { login: "fixloop[bot]", type: "Bot" } },
      ]);
    gh()
      .patch("/repos/acme/infra/issues/comments/2", { body: "new\n\n<!-- fixloop:status -->" })
      .reply(200, { id: 2, html_url: "https://github.com/acme/infra/pull/7#issuecomment-2" });
    gh().get("/repos/acme/infra/issues/8/comments?per_page=100").reply(200, []);
    gh()
      .post("/repos/acme/infra/issues/8/comments", { body: "new\n\n<!-- fixloop:status -->" })
      .reply(201, { id: 3, html_url: "https://github.com/acme/infra/pull/8#issuecomment-3" });
    const p = platform();
    expect(await p.ensureComment({ repository: REPO, number: 7, marker: "status", body: "new" })).toEqual({
      id: 2,
      url: "https://github.com/acme/infra/pull/7#issuecomment-2",
      created: false,
    });
    expect(
      await p.ensureComment({ repository: REPO, number: 8, marker: "status", body: "new" }),
    ).toMatchObject({
      id: 3,
      created: true,
    });
  });

  it("addLabels creates a missing label, then adds it, keeping the labels the issue has", async () => {
    gh()
      .get("/repos/acme/infra/labels?per_page=100")
      .reply(200, [{ id: 1, name: "security", color: "b60205" }]);
    gh()
      .post("/repos/acme/infra/labels", {
        name: "sla-breached",
        color: "b60205",
        description: "Past its SLA due date: escalated to the security team",
      })
      .reply(201, {});
    gh()
      .post("/repos/acme/infra/issues/7/labels", { labels: ["sla-breached"] })
      .reply(200, [{ name: "security" }, { name: "sla-breached" }]);
    gh().post("/repos/acme/infra/issues/8/labels").reply(404, { message: "Not Found" });
    const p = platform();
    await p.addLabels(REPO, 7, ["sla-breached"]);
    // A warm repository: no label look-up; a failure leaves as a typed error.
    await expect(p.addLabels(REPO, 8, ["sla-breached"])).rejects.toBeInstanceOf(NotFound);
    expect(gh().count("GET", "/repos/{owner}/{repo}/labels")).toBe(1);
  });

  it("issueLabels lists every label the issue has, page by page", async () => {
    const page = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ id: from + i, name: `label-${from + i}`, color: "ededed" }));
    gh().get("/repos/acme/infra/issues/7/labels?per_page=100").reply(200, page(1, 100), {
      link: '<https://api.github.com/repos/acme/infra/issues/7/labels?per_page=100&page=2>; rel="next"',
    });
    gh()
      .get("/repos/acme/infra/issues/7/labels?per_page=100&page=2")
      .reply(200, [...page(101, 1), { id: 500, name: "security-review-required", color: "b60205" }]);
    gh().get("/repos/acme/infra/issues/8/labels?per_page=100").reply(404, { message: "Not Found" });
    const p = platform();
    const names = await p.issueLabels(REPO, 7);
    expect(names).toHaveLength(102);
    expect(names.slice(-2)).toEqual(["label-101", "security-review-required"]);
    await expect(p.issueLabels(REPO, 8)).rejects.toBeInstanceOf(NotFound);
  });

  it("requestReview returns GitHub's 422 refusal as text; other failures are thrown", async () => {
    gh()
      .post("/repos/acme/infra/pulls/7/requested_reviewers", {
        team_reviewers: ["payments"],
        reviewers: ["octocat"],
      })
      .reply(422, { message: "Reviews may only be requested from collaborators." });
    gh().post("/repos/acme/infra/pulls/8/requested_reviewers").reply(502, { message: "Bad Gateway" });
    const p = platform();
    const who = { teams: ["acme/payments"], users: ["octocat"] };
    expect(await p.requestReview(REPO, 7, who)).toBe(
      "GitHub refused the review request for acme/payments, octocat: Reviews may only be requested from collaborators.",
    );
    await expect(p.requestReview(REPO, 8, who)).rejects.toMatchObject({ status: 502 });
    expect(await p.requestReview(REPO, 9, { teams: [], users: [] })).toBeNull(); // no request at all
  });

  it("permissionOf and isTeamMember: a 404 is an answer (none / not a member)", async () => {
    gh()
      .get("/repos/acme/infra/collaborators/mona/permission")
      .reply(200, { permission: "write", role_name: "maintain", user: null });
    gh().get("/repos/acme/infra/collaborators/eve/permission").reply(404, { message: "Not Found" });
    gh()
      .get("/orgs/acme/teams/security/memberships/mona")
      .reply(200, { state: "active", role: "member", url: "" });
    gh().get("/orgs/acme/teams/security/memberships/eve").reply(404, { message: "Not Found" });
    const p = platform();
    expect(await p.permissionOf(REPO, "mona")).toBe("maintain");
    expect(await p.permissionOf(REPO, "eve")).toBe("none");
    expect(await p.isTeamMember("acme/security", "mona")).toBe(true);
    expect(await p.isTeamMember("acme/security", "eve")).toBe(false);
  });

  it("ensureIssue rewrites and reopens the known issue, or opens one; ensureIssueClosed comments then closes", async () => {
    gh()
      .patch("/repos/acme/infra/issues/5", { title: "t", body: "b", state: "open" })
      .reply(200, { number: 5 });
    gh()
      .post("/repos/acme/infra/issues", { title: "t", body: "b", labels: ["fixloop"] })
      .reply(201, { number: 6, html_url: "https://github.com/acme/infra/issues/6" });
    gh().post("/repos/acme/infra/issues/6/comments", { body: "done" }).reply(201, { id: 1 });
    gh()
      .patch("/repos/acme/infra/issues/6", { state: "closed", state_reason: "completed" })
      .reply(200, { number: 6 });
    const p = platform();
    const known = { number: 5, url: "https://github.com/acme/infra/issues/5" };
    const input = { repository: REPO, title: "t", body: "b", labels: ["fixloop"] };
    expect(await p.ensureIssue({ ...input, existing: known })).toEqual({ ...known, created: false });
    expect(await p.ensureIssue({ ...input, existing: null })).toEqual({
      number: 6,
      url: "https://github.com/acme/infra/issues/6",
      created: true,
    });
    await p.ensureIssueClosed(REPO, 6, "done");
    expect(gh().requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "PATCH /repos/acme/infra/issues/5",
      "POST /repos/acme/infra/issues",
      "POST /repos/acme/infra/issues/6/comments",
      "PATCH /repos/acme/infra/issues/6",
    ]);
  });
});

describe("directoriesAt: the Terraform of a PR's directories at head and base in one GraphQL request", () => {
  const HEAD = "b".repeat(40);
  const BASE = "a".repeat(40);
  const MAIN = 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n';
  const BIG = `# ${"x".repeat(120)}\n`;

  it("sends one query with the expressions as variables and reads every kind of entry", async () => {
    const head = [
      blobEntry("main.tf", MAIN),
      blobEntry("README.md", "# not Terraform\n"),
      blobEntry("big.tf", BIG),
      blobEntry("logo.tf", "", { isBinary: true, text: null }),
      // GitHub cut the text short: read whole by the blob's oid.
      blobEntry("cut.tf", MAIN, { text: MAIN.slice(0, 10), isTruncated: true }),
      { name: "modules", type: "tree" as const, object: {} },
    ];
    gh()
      .post("/graphql", (b) => {
        expect(b.variables).toEqual({
          owner: "acme",
          name: "infra",
          e0_0: `${HEAD}:envs/prod`,
          e0_1: `${HEAD}:`,
          e1_0: `${BASE}:envs/prod`,
          e1_1: `${BASE}:`,
        });
        // The directory names are variables, never spliced into the query text.
        expect(b.query).not.toContain("envs/prod");
        return true;
      })
      .reply(200, (_uri, body) =>
        answerDirectories(body, (ref, dir) =>
          ref === HEAD && dir === "envs/prod"
            ? head
            : dir === "."
              ? [blobEntry("versions.tf", "terraform {}\n")]
              : null,
        ),
      );
    // The blob GitHub cut short is read whole by its oid.
    gh()
      .get(`/repos/acme/infra/git/blobs/${blobOid(MAIN)}`)
      .reply(200, {
        sha: blobOid(MAIN),
        size: MAIN.length,
        encoding: "base64",
        content: Buffer.from(MAIN).toString("base64"),
      });
    const [atHead, atBase] = await platform().directoriesAt(REPO, [HEAD, BASE], ["envs/prod", "."], {
      files: 10,
      bytes: 100,
    });
    expect(atHead).toEqual({
      truncated: false,
      files: [
        { path: "envs/prod/main.tf", text: MAIN, sha: blobOid(MAIN) },
        {
          path: "envs/prod/big.tf",
          text: "",
          sha: blobOid(BIG),
          skipped: "skipped: larger than 100 bytes (123 bytes)",
        },
        { path: "envs/prod/logo.tf", text: "", sha: blobOid(""), skipped: "skipped: not text (binary)" },
        { path: "envs/prod/cut.tf", text: MAIN, sha: blobOid(MAIN) },
        { path: "versions.tf", text: "terraform {}\n", sha: blobOid("terraform {}\n") },
      ],
    });
    // envs/prod is new in the PR: nothing there at base.
    expect(atBase).toEqual({
      truncated: false,
      files: [{ path: "versions.tf", text: "terraform {}\n", sha: blobOid("terraform {}\n") }],
    });
    expect(gh().requests.map((r) => `${r.method} ${r.path.split("?")[0]}`)).toEqual([
      "POST /graphql",
      `GET /repos/acme/infra/git/blobs/${blobOid(MAIN)}`,
    ]);
  });

  it("says when a side has more files than the limit", async () => {
    gh()
      .post("/graphql")
      .reply(200, (_uri, body) =>
        answerDirectories(body, () => ["a.tf", "b.tf", "c.tf"].map((n) => blobEntry(n, "locals {}\n"))),
      );
    const [atHead] = await platform().directoriesAt(REPO, [HEAD], ["m"], { files: 2, bytes: 100 });
    expect(atHead?.truncated).toBe(true);
    expect(atHead?.files.map((f) => f.path)).toEqual(["m/a.tf", "m/b.tf"]);
  });

  it("falls back to the REST tree and blobs when GraphQL answers with errors (a directory too large)", async () => {
    gh()
      .post("/graphql")
      .reply(200, {
        data: null,
        errors: [{ type: "RESOURCE_LIMITS_EXCEEDED", message: "Resource limits for this query exceeded." }],
      });
    gh()
      .get(`/repos/acme/infra/git/trees/${HEAD}?recursive=true`)
      .reply(200, {
        sha: HEAD,
        url: "https://api.github.com/x",
        truncated: false,
        tree: [
          { path: "envs/prod/main.tf", mode: "100644", type: "blob", sha: blobOid(MAIN), size: MAIN.length },
          { path: "envs/staging/main.tf", mode: "100644", type: "blob", sha: "c".repeat(40), size: 10 },
        ],
      });
    gh()
      .get(`/repos/acme/infra/git/blobs/${blobOid(MAIN)}`)
      .reply(200, {
        sha: blobOid(MAIN),
        size: MAIN.length,
        encoding: "base64",
        content: Buffer.from(MAIN).toString("base64"),
      });
    const [atHead] = await platform().directoriesAt(REPO, [HEAD], ["envs/prod"], { files: 10, bytes: 1000 });
    expect(atHead).toEqual({
      truncated: false,
      files: [{ path: "envs/prod/main.tf", text: MAIN, sha: blobOid(MAIN) }],
    });
  });

  it("throws a rate limit instead of falling back", async () => {
    gh()
      .post("/graphql")
      .reply(
        403,
        { message: "API rate limit exceeded" },
        { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 + 60) },
      );
    await expect(
      platform().directoriesAt(REPO, [HEAD], ["m"], { files: 2, bytes: 100 }),
    ).rejects.toBeInstanceOf(RateLimited);
  });
});
