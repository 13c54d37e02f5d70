// The Platform on GitHub's REST API, against the mock kit (every request mocked, every body checked
// against GitHub's OpenAPI description): failures leave as typed errors, mapped once here, and the
// intent-level operations make the requests they should — no more.

import { describe, expect, it } from "vitest";
import { tokenClient } from "../../src/github/client.ts";
import { Conflict, Forbidden, NotFound, RateLimited, Unprocessable } from "../../src/github/errors.ts";
import { GITHUB_COM } from "../../src/github/hosts.ts";
import { OctokitPlatform } from "../../src/github/octokit-platform.ts";
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
