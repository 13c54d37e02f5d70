// The test kit's GitHub as an HTTP server, for app processes that cannot share the test's nock
// (test/replicas: two replicas in child processes). It answers the requests a remediation makes,
// keeps the state a second replica must see (labels, trees, commits, refs, pull requests) and
// behaves as GitHub does where replicas race: creating a ref that exists or a second open PR for
// one head is a 422. Like the kit (test/github/kit/mock-github.ts), every body is checked against
// GitHub's OpenAPI description, and any request it does not know is a problem the test reports.

import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkRequest } from "../github/kit/openapi.ts";

export interface DoubleOptions {
  org: string;
  installationId: number;
  repositories: string[];
  /** `.github/fixloop.yml` by repository name (`.github` for the organization's); absent: 404. */
  configs: Record<string, string>;
}

export interface PullRequest {
  number: number;
  repository: string;
  head: string;
  state: "open" | "closed";
  title: string;
  body: string;
  updates: number;
}

export interface GitHubDouble {
  readonly apiUrl: string;
  /** Every request, `METHOD /path` (no query). */
  readonly requests: string[];
  /** Invalid bodies and requests the double does not know. */
  readonly problems: string[];
  readonly pulls: PullRequest[];
  /** Every 422 answered, `METHOD /path: message`: a ref created twice, a second PR for one head —
   *  what two replicas deciding the same group at once would do. */
  readonly conflicts: string[];
  /** A file as the head of a branch has it (the overlay of fixloop's commit on the base tree), or null. */
  fileAt(repository: string, branch: string, path: string): string | null;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
interface Reply {
  status: number;
  body?: unknown;
  text?: string;
}

const sha = (...parts: unknown[]) =>
  createHash("sha1")
    .update(JSON.stringify(parts) + Math.random())
    .digest("hex");

const validationFailed = (resource: string, code: string, message?: string): Reply => ({
  status: 422,
  body: {
    message: message ?? "Validation Failed",
    errors: [{ resource, code, ...(message ? { message } : {}) }],
    documentation_url: "https://docs.github.com/rest",
  },
});

export async function startGitHubDouble(options: DoubleOptions): Promise<GitHubDouble> {
  const { org, installationId } = options;
  const requests: string[] = [];
  const problems: string[] = [];
  const pulls: PullRequest[] = [];
  const conflicts: string[] = [];
  const labels = new Map<string, Set<string>>();
  const trees = new Map<string, Map<string, string>>();
  const commits = new Map<string, { tree: string }>();
  const refs = new Map<string, string>();

  const route = (method: string, path: string, query: URLSearchParams, body: Json): Reply | null => {
    const seg = path.split("/").map(decodeURIComponent);
    if (method === "GET" && path === `/orgs/${org}/installation`)
      return { status: 200, body: { id: installationId, account: { login: org } } };
    if (method === "POST" && path === `/app/installations/${installationId}/access_tokens`)
      return { status: 201, body: { token: "ghs_replicas", expires_at: "2099-01-01T00:00:00Z" } };
    if (method === "GET" && path === "/installation/repositories")
      return {
        status: 200,
        body: {
          total_count: options.repositories.length,
          repositories: options.repositories.map((name, i) => ({
            id: 1000 + i,
            name,
            full_name: `${org}/${name}`,
            owner: { login: org },
            default_branch: "main",
            archived: false,
          })),
        },
      };
    if (seg[1] !== "repos" || seg[2] !== org) return null;
    const repo = seg[3] as string;
    const rest = seg.slice(4);
    const full = `${org}/${repo}`;
    if (method === "GET" && rest[0] === "contents" && rest.slice(1).join("/") === ".github/fixloop.yml") {
      const yaml = options.configs[repo];
      return yaml === undefined
        ? { status: 404, body: { message: "Not Found" } }
        : { status: 200, text: yaml };
    }
    if (!options.repositories.includes(repo)) return null;
    const repoLabels = labels.get(full) ?? new Set<string>();
    labels.set(full, repoLabels);
    const key = rest.join("/");
    if (method === "GET" && key === "labels")
      return { status: 200, body: [...repoLabels].map((name) => ({ name, color: "ededed" })) };
    if (method === "POST" && key === "labels") {
      const name = String(body.name);
      if (repoLabels.has(name)) return validationFailed("Label", "already_exists");
      repoLabels.add(name);
      return { status: 201, body: { name, color: body.color } };
    }
    if (method === "POST" && key === "git/trees") {
      const files = new Map(trees.get(String(body.base_tree)) ?? []);
      for (const entry of body.tree as Array<{ path: string; content: string }>)
        files.set(entry.path, entry.content);
      const tree = sha("tree", body);
      trees.set(tree, files);
      return { status: 201, body: { sha: tree, tree: [] } };
    }
    if (method === "POST" && key === "git/commits") {
      const commit = sha("commit", body);
      commits.set(commit, { tree: String(body.tree) });
      return { status: 201, body: { sha: commit } };
    }
    if (method === "POST" && key === "git/refs") {
      const ref = `${full}:${String(body.ref).replace(/^refs\//, "")}`;
      if (refs.has(ref)) return validationFailed("Reference", "custom", "Reference already exists");
      refs.set(ref, String(body.sha));
      return { status: 201, body: { ref: body.ref, object: { sha: body.sha } } };
    }
    if (method === "PATCH" && rest[0] === "git" && rest[1] === "refs") {
      const ref = `${full}:${rest.slice(2).join("/")}`;
      if (!refs.has(ref)) return validationFailed("Reference", "custom", "Reference does not exist");
      refs.set(ref, String(body.sha));
      return { status: 200, body: { ref: `refs/${rest.slice(2).join("/")}`, object: { sha: body.sha } } };
    }
    if (key === "pulls" && method === "GET") {
      const head = query.get("head");
      const state = query.get("state") ?? "open";
      return {
        status: 200,
        body: pulls
          .filter((p) => p.repository === full && (!head || `${org}:${p.head}` === head))
          .filter((p) => state === "all" || p.state === state)
          .map(pullJson),
      };
    }
    if (key === "pulls" && method === "POST") {
      const head = String(body.head);
      if (pulls.some((p) => p.repository === full && p.head === head && p.state === "open"))
        return validationFailed("PullRequest", "custom", `A pull request already exists for ${org}:${head}.`);
      if (!refs.has(`${full}:heads/${head}`))
        return validationFailed("PullRequest", "invalid", "head does not exist");
      const pr: PullRequest = {
        number: pulls.length + 1,
        repository: full,
        head,
        state: "open",
        title: String(body.title),
        body: String(body.body ?? ""),
        updates: 0,
      };
      pulls.push(pr);
      return { status: 201, body: pullJson(pr) };
    }
    const pr = pulls.find((p) => p.repository === full && p.number === Number(rest[1]));
    if (!pr) return null;
    if (method === "PATCH" && rest[0] === "pulls" && rest.length === 2) {
      pr.title = String(body.title ?? pr.title);
      pr.body = String(body.body ?? pr.body);
      pr.updates++;
      return { status: 200, body: pullJson(pr) };
    }
    if (method === "PATCH" && rest[0] === "issues" && rest.length === 2)
      return { status: 200, body: { number: pr.number } };
    if (method === "POST" && rest[0] === "pulls" && rest[2] === "requested_reviewers")
      return { status: 201, body: pullJson(pr) };
    return null;
  };

  const pullJson = (p: PullRequest) => ({
    number: p.number,
    html_url: `https://github.com/${p.repository}/pull/${p.number}`,
    state: p.state,
    title: p.title,
    head: { ref: p.head },
  });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://double");
    const method = req.method ?? "GET";
    const path = url.pathname.replace(/%2F/gi, "/");
    requests.push(`${method} ${path}`);
    const check = checkRequest(method, url.pathname, text);
    if (!check.ok) problems.push(`invalid request: ${check.message}`);
    const reply = route(method, path, url.searchParams, text ? (JSON.parse(text) as Json) : {});
    if (reply?.status === 422)
      conflicts.push(
        `${method} ${path}: ${(reply.body as { errors?: Array<{ message?: string; code?: string }> }).errors?.[0]?.message ?? "already_exists"}`,
      );
    if (!reply) {
      problems.push(`unhandled request: ${method} ${path}${url.search}`);
      res.writeHead(404, { "content-type": "application/json" }).end('{"message":"Not Found"}');
      return;
    }
    if (reply.text !== undefined)
      res.writeHead(reply.status, { "content-type": "text/plain; charset=utf-8" }).end(reply.text);
    else res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.body));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      problems.push(`double failed on ${req.method} ${req.url}: ${error.message}`);
      res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl,
    requests,
    problems,
    pulls,
    conflicts,
    fileAt(repository, branch, path) {
      const commit = refs.get(`${repository}:heads/${branch}`);
      const tree = commit ? commits.get(commit)?.tree : undefined;
      return (tree && trees.get(tree)?.get(path)) ?? null;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
