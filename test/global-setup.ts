// Runs once per `vitest run`, before any test file: says once (not once per store suite) that the
// PostgreSQL suites will be skipped, and refuses to skip them in CI.

export default function setup(): void {
  if (process.env.FIXLOOP_TEST_DATABASE_URL) return;
  const message =
    'PostgreSQL store tests SKIPPED: FIXLOOP_TEST_DATABASE_URL is not set. Run `eval "$(scripts/postgres-test-server.sh start)"` first.';
  if (process.env.CI === "true") throw new Error(`${message} CI must run them.`);
  console.warn(`\n  ⚠ ${message}\n`);
}
