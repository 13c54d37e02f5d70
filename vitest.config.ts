import { defineConfig } from "vitest/config";

// Octokit's request log prints every failed request ("GET /repos/acme/infra - 404 with id UNKNOWN
// in 2ms") to stderr. In the tests those are the error answers the mock GitHub gives on purpose;
// printed, they read like failures in a passing run. The test still sees the error itself.
const OCTOKIT_REQUEST_ERROR = /^(GET|POST|PUT|PATCH|DELETE|HEAD) \S+ - \d{3} with id \S+ in \d+ms\s*$/;

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    globalSetup: ["test/global-setup.ts"],
    onConsoleLog: (log, type) => !(type === "stderr" && OCTOKIT_REQUEST_ERROR.test(log)),
  },
});
