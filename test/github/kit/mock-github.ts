// A nock-based GitHub for tests that talk to GitHub through Octokit (fetch; nock 14 intercepts it).
// The point is that a passing test means something: every request the code makes must be mocked,
// every mock must be used, and every body must be one GitHub's OpenAPI description accepts.
//
//   const github = useMockGitHub();                       // per test; afterEach → assertDone()
//   github().post("/repos/acme/infra/pulls").reply(201, { number: 7 });
//   … run the code with an Octokit whose baseUrl is github().apiUrl …
//   expect(github().count("POST", "/repos/{owner}/{repo}/pulls")).toBe(1);

import nock from "nock";
import { afterEach, beforeEach } from "vitest";
import { checkRequest } from "./openapi.ts";

export interface MockGitHubOptions {
  /** REST base, e.g. https://ghe.example.com/api/v3 (GHES); default https://api.github.com */
  apiUrl?: string;
}

/** A request a mock answered, in order. */
export interface RecordedRequest {
  method: string;
  /**
   * Under the API root (no /api/v3 prefix), with the query, %2F shown as "/":
   * /repos/acme/infra/pulls?state=open, /repos/acme/infra/git/refs/heads/fixloop/s3
   */
  path: string;
  /** The operation's path template, e.g. /repos/{owner}/{repo}/pulls; null when not a REST route. */
  route: string | null;
  operationId: string | null;
  /** Parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
}

export interface MockGitHub {
  readonly apiUrl: string;
  readonly requests: readonly RecordedRequest[];
  /** Paths are relative to the API root: "/repos/acme/infra/pulls" (the GHES prefix is added). */
  get(path: string): nock.Interceptor;
  post(path: string, body?: nock.RequestBodyMatcher): nock.Interceptor;
  put(path: string, body?: nock.RequestBodyMatcher): nock.Interceptor;
  patch(path: string, body?: nock.RequestBodyMatcher): nock.Interceptor;
  delete(path: string, body?: nock.RequestBodyMatcher): nock.Interceptor;
  /** Requests answered for one operation: count("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments"). */
  count(method: string, route: string): number;
  /** Throws listing invalid bodies, unmocked requests and unused mocks; silent when all is well. */
  assertDone(): void;
  /** Removes this kit's mocks and listeners; network is allowed again once no kit is active. */
  cleanup(): void;
}

const LOCAL_HOST = /^(localhost|127\.0\.0\.1|\[::1\]|::1)(:\d+)?$/;
let activeKits = 0;

function parseBody(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** nock's "no match" event has three shapes (options; request; request, options, body). */
function describeUnmatched(args: unknown[]): { line: string; host: string } {
  const info = (args[1] ?? args[0] ?? {}) as {
    method?: string;
    host?: string;
    hostname?: string;
    path?: string;
  };
  const host = info.host ?? info.hostname ?? "?";
  return { line: `${info.method ?? "?"} ${host}${info.path ?? ""}`, host };
}

export function mockGitHub(options: MockGitHubOptions = {}): MockGitHub {
  const apiUrl = (options.apiUrl ?? "https://api.github.com").replace(/\/+$/, "");
  const base = new URL(apiUrl);
  const prefix = base.pathname.replace(/\/+$/, "");
  // Octokit encodes a slash inside a parameter (ref "heads/fixloop/x" → heads%2Ffixloop%2Fx) and
  // GitHub accepts both: match either spelling, so tests mock the path as a person writes it.
  const scope = nock(base.origin).filteringPath((p) => p.replace(/%2F/gi, "/"));
  const requests: RecordedRequest[] = [];
  const invalid: string[] = [];
  const unmatched: string[] = [];
  const interceptors: nock.Interceptor[] = [];

  if (activeKits++ === 0) {
    nock.disableNetConnect();
    // Tests run their own servers on loopback (the HTTP API, git over file:// needs none).
    nock.enableNetConnect((host) => LOCAL_HOST.test(host));
  }

  const onNoMatch = (...args: unknown[]) => {
    const { line, host } = describeUnmatched(args);
    if (!LOCAL_HOST.test(host)) unmatched.push(line);
  };
  nock.emitter.on("no match", onNoMatch);

  scope.on("request", (req: { method: string; path: string }, _interceptor: unknown, bodyText: string) => {
    const url = new URL(req.path, base.origin);
    const path = url.pathname.startsWith(`${prefix}/`) ? url.pathname.slice(prefix.length) : url.pathname;
    // The operation is matched on the path as sent; the log shows it as the test mocked it.
    const check = checkRequest(req.method, path, bodyText ?? "");
    if (!check.ok) invalid.push(check.message);
    requests.push({
      method: req.method.toUpperCase(),
      path: path.replace(/%2F/gi, "/") + url.search,
      route: check.operation?.template ?? null,
      operationId: check.operation?.operationId ?? null,
      body: parseBody(bodyText ?? ""),
    });
  });

  const intercept = (method: string) => (path: string, body?: nock.RequestBodyMatcher) => {
    if (!path.startsWith("/")) throw new Error(`mockGitHub: path must start with "/": ${path}`);
    const interceptor = scope.intercept(prefix + path, method, body);
    interceptors.push(interceptor);
    return interceptor;
  };

  return {
    apiUrl,
    requests,
    get: (path) => intercept("GET")(path),
    post: intercept("POST"),
    put: intercept("PUT"),
    patch: intercept("PATCH"),
    delete: intercept("DELETE"),
    count: (method, route) =>
      requests.filter((r) => r.method === method.toUpperCase() && r.route === route).length,
    assertDone() {
      const problems = [
        ...invalid.map((m) => `invalid request: ${m}`),
        ...unmatched.map((m) => `unmocked request: ${m}`),
        ...scope.pendingMocks().map((m) => `unused mock: ${m}`),
      ];
      if (problems.length > 0) {
        throw new Error(`mock GitHub (${apiUrl}):\n  ${problems.join("\n  ")}`);
      }
    },
    cleanup() {
      for (const interceptor of interceptors) nock.removeInterceptor(interceptor);
      scope.removeAllListeners("request");
      nock.emitter.off("no match", onNoMatch);
      if (--activeKits === 0) nock.enableNetConnect();
    },
  };
}

/**
 * One kit per test: created before each test, checked and removed after it. Returns an accessor
 * (the kit does not exist while the describe block is being collected).
 */
export function useMockGitHub(options: MockGitHubOptions = {}): () => MockGitHub {
  let current: MockGitHub | null = null;
  beforeEach(() => {
    current = mockGitHub(options);
  });
  afterEach((context) => {
    const kit = current;
    current = null;
    if (!kit) return;
    try {
      // A test that already failed has its own error; unused mocks after it are noise.
      if (context.task.result?.state !== "fail") kit.assertDone();
    } finally {
      kit.cleanup();
    }
  });
  return () => {
    if (!current) throw new Error("useMockGitHub(): the kit exists only while a test runs");
    return current;
  };
}
