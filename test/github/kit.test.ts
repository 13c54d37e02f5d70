// The GitHub mock kit itself: what passes, what fails and how the failure reads.

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Octokit } from "@octokit/rest";
import { describe, expect, it } from "vitest";
import { type GitHub, tokenClient } from "../../src/github/client.ts";
import { type MockGitHub, mockGitHub, useMockGitHub } from "./kit/mock-github.ts";
import { mergedPullRequestExample, webhookExample, withIds } from "./kit/webhooks.ts";

const repo = { owner: "acme", repo: "infra" };
const prResponse = { number: 7, html_url: "https://github.com/acme/infra/pull/7" };

const clientFor = (kit: MockGitHub): GitHub =>
  tokenClient({ token: "ghs_test", host: { apiUrl: kit.apiUrl, webUrl: "https://github.com" } });

/**
 * A plain client: tokenClient's throttling spaces content-creating requests (POST …/pulls,
 * …/issues) 3 s apart, which tests that send several do not need to wait for.
 */
const plainClient = (kit: MockGitHub): GitHub => new Octokit({ baseUrl: kit.apiUrl, auth: "ghs_test" });

/** A kit checked by hand, for the cases where assertDone is expected to throw: returns its verdict. */
async function withKit(run: (kit: MockGitHub) => Promise<void>, apiUrl?: string): Promise<() => void> {
  const kit = mockGitHub(apiUrl ? { apiUrl } : {});
  let verdict: unknown = null;
  try {
    await run(kit);
    try {
      kit.assertDone();
    } catch (error) {
      verdict = error;
    }
  } finally {
    kit.cleanup();
  }
  return () => {
    if (verdict) throw verdict;
  };
}

describe("useMockGitHub", () => {
  const github = useMockGitHub();

  it("answers a valid pull request creation and logs it", async () => {
    github().post("/repos/acme/infra/pulls").reply(201, prResponse);
    const gh = clientFor(github());
    const { data } = await gh.rest.pulls.create({ ...repo, title: "Fix", head: "fixloop/s3", base: "main" });
    expect(data.number).toBe(7);
    expect(github().requests).toEqual([
      {
        method: "POST",
        path: "/repos/acme/infra/pulls",
        route: "/repos/{owner}/{repo}/pulls",
        operationId: "pulls/create",
        body: { title: "Fix", head: "fixloop/s3", base: "main" },
      },
    ]);
    expect(github().count("POST", "/repos/{owner}/{repo}/pulls")).toBe(1);
    expect(github().count("GET", "/repos/{owner}/{repo}/pulls")).toBe(0);
  });

  it("matches a ref with slashes as written and logs the query", async () => {
    const sha = "a".repeat(40);
    github().patch("/repos/acme/infra/git/refs/heads/fixloop/s3", { sha, force: true }).reply(200, {});
    github().get("/repos/acme/infra/pulls").query({ state: "open", per_page: "100" }).reply(200, []);
    const gh = plainClient(github());
    // Octokit sends heads%2Ffixloop%2Fs3.
    await gh.rest.git.updateRef({ ...repo, ref: "heads/fixloop/s3", sha, force: true });
    await gh.rest.pulls.list({ ...repo, state: "open", per_page: 100 });
    expect(github().requests.map((r) => [r.method, r.path, r.operationId])).toEqual([
      ["PATCH", "/repos/acme/infra/git/refs/heads/fixloop/s3", "git/update-ref"],
      ["GET", "/repos/acme/infra/pulls?state=open&per_page=100", "pulls/list"],
    ]);
  });

  it("lets requests to loopback servers through", async () => {
    const server = createServer((_req, res) => res.end("local"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("local");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("mockGitHub failures", () => {
  it("names the operation when a body lacks a required field", async () => {
    const check = await withKit(async (kit) => {
      kit.post("/repos/acme/infra/pulls").reply(201, prResponse);
      await plainClient(kit).request("POST /repos/{owner}/{repo}/pulls", {
        ...repo,
        title: "Fix",
        base: "main",
      } as never);
    });
    expect(check).toThrow(
      "invalid request: POST /repos/acme/infra/pulls (pulls/create, POST /repos/{owner}/{repo}/pulls): " +
        "body does not match GitHub's OpenAPI description: / must have required property 'head'",
    );
  });

  it("names the field when a body has the wrong type", async () => {
    const check = await withKit(async (kit) => {
      kit.post("/repos/acme/infra/pulls").reply(201, prResponse);
      await plainClient(kit).rest.pulls.create({
        ...repo,
        head: "fixloop/s3",
        base: "main",
        draft: "yes" as unknown as boolean,
      });
    });
    expect(check).toThrow(
      /\(pulls\/create, POST \/repos\/\{owner\}\/\{repo\}\/pulls\): .*\/draft must be boolean$/,
    );
  });

  it("accepts OpenAPI nullable fields and rejects what they do not allow", async () => {
    const check = await withKit(async (kit) => {
      kit.post("/repos/acme/infra/issues").times(2).reply(201, { number: 3 });
      const gh = plainClient(kit);
      await gh.rest.issues.create({ ...repo, title: "Cannot locate", milestone: null, labels: ["fixloop"] });
      await gh.rest.issues.create({ ...repo, title: "Cannot locate", milestone: true as unknown as number });
    });
    const error = (() => {
      try {
        check();
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    expect(error.match(/invalid request/g)).toHaveLength(1);
    expect(error).toContain("(issues/create, POST /repos/{owner}/{repo}/issues)");
    expect(error).toContain("/milestone must be string");
  });

  it("fails a request to a route GitHub does not have", async () => {
    const check = await withKit(async (kit) => {
      kit.post("/repos/acme/infra/pull").reply(201, prResponse);
      await plainClient(kit).request("POST /repos/{owner}/{repo}/pull", { ...repo });
    });
    expect(check).toThrow(
      "invalid request: POST /repos/acme/infra/pull: no operation in GitHub's REST API has this route",
    );
  });

  it("fails an unmocked request, and the code under test sees an error", async () => {
    const check = await withKit(async (kit) => {
      kit.get("/repos/acme/infra").reply(200, { default_branch: "main" });
      // No retry plugin here: the point is the error, not how a client would retry it.
      const gh = plainClient(kit);
      await gh.rest.repos.get(repo);
      await expect(gh.rest.issues.listForRepo(repo)).rejects.toThrow();
    });
    expect(check).toThrow("unmocked request: GET api.github.com:443/repos/acme/infra/issues");
  });

  it("fails a mock that was never used", async () => {
    const check = await withKit(async (kit) => {
      kit.post("/repos/acme/infra/pulls").reply(201, prResponse);
    });
    expect(check).toThrow("unused mock: POST https://api.github.com:443/repos/acme/infra/pulls");
  });

  it("is silent when every mock was used by a valid request", async () => {
    const check = await withKit(async (kit) => {
      kit.get("/repos/acme/infra").reply(200, { default_branch: "main" });
      await plainClient(kit).rest.repos.get(repo);
    });
    expect(check).not.toThrow();
  });
});

describe("GitHub Enterprise Server", () => {
  const apiUrl = "https://ghe.example.com/api/v3";

  it("mocks under /api/v3 and validates against the same operations", async () => {
    let logged: MockGitHub["requests"] = [];
    const check = await withKit(async (kit) => {
      kit.post("/repos/acme/infra/pulls").times(2).reply(201, prResponse);
      const gh = plainClient(kit);
      await gh.rest.pulls.create({ ...repo, title: "Fix", head: "fixloop/s3", base: "main" });
      await gh.request("POST /repos/{owner}/{repo}/pulls", { ...repo, head: 42, base: "main" } as never);
      logged = [...kit.requests];
    }, apiUrl);
    expect(logged.map((r) => [r.path, r.operationId])).toEqual([
      ["/repos/acme/infra/pulls", "pulls/create"],
      ["/repos/acme/infra/pulls", "pulls/create"],
    ]);
    expect(check).toThrow(
      /\(pulls\/create, POST \/repos\/\{owner\}\/\{repo\}\/pulls\): .*\/head must be string$/,
    );
  });

  it("does not answer github.com requests from a GHES kit", async () => {
    const check = await withKit(async (kit) => {
      kit.get("/repos/acme/infra").reply(200, {});
      const gh = new Octokit({ baseUrl: "https://api.github.com", auth: "ghs_test" });
      await expect(gh.rest.repos.get(repo)).rejects.toThrow();
    }, apiUrl);
    expect(check).toThrow(
      /unmocked request: GET api\.github\.com:443\/repos\/acme\/infra\n {2}unused mock: GET https:\/\/ghe\.example\.com:443\/api\/v3\/repos\/acme\/infra/,
    );
  });
});

describe("webhook examples", () => {
  it("returns a merged, closed pull request delivery", () => {
    const payload = mergedPullRequestExample();
    expect(payload.action).toBe("closed");
    expect(payload.pull_request.merged).toBe(true);
    expect(payload.pull_request.merged_at).toBe(payload.pull_request.closed_at);
    expect(payload.pull_request.merged_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(payload.pull_request.merge_commit_sha).toMatch(/^[0-9a-f]{40}$/);
    expect(payload.pull_request.merged_by?.login).toBe(payload.sender?.login);
    expect(payload.sender?.login).toMatch(/\w/);
  });

  it("returns a copy each time", () => {
    const first = webhookExample("pull_request", (p) => p.action === "opened");
    first.pull_request.title = "changed";
    expect(webhookExample("pull_request", (p) => p.action === "opened").pull_request.title).not.toBe(
      "changed",
    );
  });

  it("names the event when nothing matches", () => {
    expect(() => webhookExample("status", () => false)).toThrow(
      'webhookExample: none of the 4 "status" examples matches the predicate',
    );
  });

  it("adapts owner, repo, number, installation and shas everywhere they occur", () => {
    const original = mergedPullRequestExample();
    const headSha = "1".repeat(40);
    const mergeSha = "2".repeat(40);
    const payload = withIds(original, {
      owner: "acme",
      repo: "infra",
      number: 42,
      installationId: 9001,
      headSha,
      mergeCommitSha: mergeSha,
    });
    expect(payload.repository.full_name).toBe("acme/infra");
    expect(payload.repository.name).toBe("infra");
    expect(payload.repository.owner.login).toBe("acme");
    expect(payload.pull_request.base.repo.full_name).toBe("acme/infra");
    expect(payload.number).toBe(42);
    expect(payload.pull_request.number).toBe(42);
    expect(payload.pull_request.html_url).toBe("https://github.com/acme/infra/pull/42");
    expect(payload.pull_request.url).toBe("https://api.github.com/repos/acme/infra/pulls/42");
    expect(payload.pull_request.head.sha).toBe(headSha);
    expect(payload.pull_request.statuses_url).toBe(
      `https://api.github.com/repos/acme/infra/statuses/${headSha}`,
    );
    expect(payload.pull_request.merge_commit_sha).toBe(mergeSha);
    expect(payload.installation?.id).toBe(9001);
    // Only identity changes: the rest is GitHub's recording, and the input is untouched.
    expect(payload.pull_request.title).toBe(original.pull_request.title);
    expect(payload.sender).toEqual(original.sender);
    expect(original.repository.full_name).toBe("Codertocat/Hello-World");
    expect(JSON.stringify(payload)).not.toContain("Codertocat/Hello-World");
  });

  it("adapts an issue delivery's number and repository without touching its milestone", () => {
    const original = webhookExample("issues", (p) => p.action === "opened" && p.issue.milestone !== null);
    const payload = withIds(original, { owner: "acme", repo: "infra", number: 9, repositoryId: 77 });
    expect(payload.issue.number).toBe(9);
    expect(payload.issue.html_url).toBe("https://github.com/acme/infra/issues/9");
    expect(payload.repository.id).toBe(77);
    expect(payload.issue.milestone).toEqual({
      ...original.issue.milestone,
      url: original.issue.milestone?.url.replace("Codertocat/Hello-World", "acme/infra"),
      html_url: original.issue.milestone?.html_url.replace("Codertocat/Hello-World", "acme/infra"),
      labels_url: original.issue.milestone?.labels_url.replace("Codertocat/Hello-World", "acme/infra"),
    });
  });

  it("adapts a check_run delivery's head sha", () => {
    const payload = withIds(webhookExample("check_run"), { headSha: "a".repeat(40) });
    expect(payload.check_run.head_sha).toBe("a".repeat(40));
    expect(payload.check_run.check_suite.head_sha).toBe("a".repeat(40));
  });

  it("refuses fake shas and identities the payload does not have", () => {
    const status = webhookExample("status");
    expect(() => withIds(status, { headSha: "abc" })).toThrow("withIds: headSha must be 40 hex characters");
    expect(() => withIds(status, { mergeCommitSha: "b".repeat(40) })).toThrow(
      "withIds: the payload has no mergeCommitSha",
    );
    expect(() => withIds(status, { number: 3 })).toThrow(
      "withIds: the payload has no pull request or issue number",
    );
  });
});
