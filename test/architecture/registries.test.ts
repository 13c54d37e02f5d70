// The registries hold the whole plug-in: a job kind that can be queued has a handler where the
// app builds its worker; a comment command has help text, a usage line, a handler and a row in the
// parser's table test. Adding one without the rest fails here, not in production.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { COMMAND_SPECS, usageOf } from "../../src/app/commands.ts";
import { COMMAND_HANDLER_NAMES } from "../../src/app/comment-commands.ts";
import { jobHandlers } from "../../src/app/job-handlers.ts";
import type { AppEnv } from "../../src/app/probot-env.ts";
import { assertEveryKindHandled, JOB_KINDS } from "../../src/jobs/kinds.ts";

describe("job kinds", () => {
  // Building the handlers only captures the environment; nothing is called.
  const env = { store: { now: () => 0 }, log: { info() {}, warn() {}, error() {} } } as unknown as AppEnv;
  const handlers = jobHandlers(env, env.log);

  it("every kind in the table has a handler in the app, and every handler a kind", () => {
    expect(Object.keys(handlers).sort()).toEqual(Object.keys(JOB_KINDS).sort());
    expect(() => assertEveryKindHandled(handlers)).not.toThrow();
  });

  it("every kind says what it does", () => {
    for (const [kind, spec] of Object.entries(JOB_KINDS)) expect(spec.what.length, kind).toBeGreaterThan(10);
  });
});

describe("comment commands", () => {
  const tableTest = readFileSync(new URL("../app/commands.test.ts", import.meta.url), "utf8");

  it.each(COMMAND_SPECS.map((s) => [s.name, s] as const))(
    "%s has help, a usage line, a handler and a parser test row",
    (name, spec) => {
      expect(spec.help.trim().length).toBeGreaterThan(5);
      expect(usageOf(spec)).toMatch(new RegExp(`^/fixloop ${name}\\b`));
      expect(COMMAND_HANDLER_NAMES).toContain(name);
      expect(tableTest, `test/app/commands.test.ts has no case "/fixloop ${name}"`).toContain(
        `"/fixloop ${name}"`,
      );
    },
  );

  it("no handler is left without a command", () => {
    expect([...COMMAND_HANDLER_NAMES].sort()).toEqual(COMMAND_SPECS.map((s) => s.name).sort());
  });
});
