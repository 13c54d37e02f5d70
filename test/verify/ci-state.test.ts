import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { type CheckRunInput, type CiInput, ciState } from "../../src/verify/ci-state.ts";
import { type CheckEvent, reduceCheckEvents } from "./check-events.ts";

// Real payloads from @octokit/webhooks-examples; only ids and shas are adapted.
const examples = createRequire(import.meta.url)(
  "@octokit/webhooks-examples/api.github.com/index.json",
) as Array<{
  name: string;
  examples: unknown[];
}>;

/** The fields these tests adapt; the rest of each payload is left as GitHub sent it. */
interface RunPayload {
  check_run: { id: number; head_sha: string; name: string; conclusion: string | null } & CheckRunInput;
}
interface SuitePayload {
  check_suite: { id: number; head_sha: string; conclusion: string | null };
}
interface StatusPayload {
  id: number;
  sha: string;
  state: string;
  target_url: string | null;
}

function example<T>(name: string, index: number): T {
  const found = examples.find((e) => e.name === name)?.examples[index];
  if (!found) throw new Error(`no ${name} example #${index}`);
  return structuredClone(found) as T;
}

const MERGE_SHA = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567";
const OTHER_SHA = "ffffffffffffffffffffffffffffffffffffffff";
const RUN_URL = "https://github.com/Codertocat/Hello-World/runs/128620228";

/** check_run #0 is `created` (queued), #1 `completed` with conclusion failure (app github-actions). */
function checkRun(index: number, overrides: { id?: number; sha?: string } = {}) {
  const payload = example<RunPayload>("check_run", index);
  payload.check_run.head_sha = overrides.sha ?? MERGE_SHA;
  if (overrides.id !== undefined) payload.check_run.id = overrides.id;
  return { name: "check_run", payload };
}

/** check_suite #0 is `completed` (success); #4 is `requested` (queued). */
function checkSuite(index: number, overrides: { id?: number } = {}) {
  const payload = example<SuitePayload>("check_suite", index);
  payload.check_suite.head_sha = MERGE_SHA;
  if (overrides.id !== undefined) payload.check_suite.id = overrides.id;
  return { name: "check_suite", payload };
}

/** The status example: context "default", state success, no target_url. */
function status(overrides: { id?: number; sha?: string } = {}) {
  const payload = example<StatusPayload>("status", 0);
  payload.sha = overrides.sha ?? MERGE_SHA;
  if (overrides.id !== undefined) payload.id = overrides.id;
  return { name: "status", payload };
}

const stateOf = (events: CheckEvent[], extra: Partial<CiInput> = {}) =>
  ciState({ ...reduceCheckEvents(MERGE_SHA, events), ...extra });

describe("ciState from webhook deliveries", () => {
  it("a failed check run makes the commit red and links to the run", () => {
    expect(stateOf([checkRun(0), checkRun(1)])).toEqual({
      state: "red",
      failing: [{ name: "Octocoders-linter", url: RUN_URL }],
      pending: [],
      considered: ["Octocoders-linter"],
    });
  });

  it("a queued run is pending, and a `completed` delivered before `created` is not undone", () => {
    expect(stateOf([checkRun(0)])).toMatchObject({ state: "pending", pending: ["Octocoders-linter"] });
    expect(stateOf([checkRun(1), checkRun(0)])).toMatchObject({ state: "red", pending: [] });
  });

  it("a re-run (a newer run of the same name) replaces the failed one", () => {
    const events = [checkRun(1), checkRun(2, { id: 128620229 })];
    expect(stateOf(events)).toEqual({
      state: "green",
      failing: [],
      pending: [],
      considered: ["Octocoders-linter"],
    });
    expect(stateOf(events.reverse()).state).toBe("green");
  });

  it("deliveries for another commit and malformed payloads are skipped", () => {
    const input = reduceCheckEvents(MERGE_SHA, [
      checkRun(1, { sha: OTHER_SHA }),
      status({ sha: OTHER_SHA }),
      { name: "check_run", payload: { check_run: { id: "not a number" } } },
      { name: "push", payload: example<RunPayload>("check_run", 1) },
    ]);
    expect(input).toEqual({ checkRuns: [], statuses: [], suites: [], required: null });
    expect(ciState(input)).toEqual({ state: "green", failing: [], pending: [], considered: [] });
  });

  it("a commit status counts under its context", () => {
    expect(stateOf([status(), checkRun(2)])).toEqual({
      state: "green",
      failing: [],
      pending: [],
      considered: ["default", "Octocoders-linter"],
    });
  });

  it("fixloop's own verification check never counts, even when required", () => {
    const own = checkRun(1, { id: 9001 });
    own.payload.check_run.name = "fixloop/verification";
    expect(stateOf([own, checkRun(2)]).state).toBe("green");
    expect(stateOf([own], { required: ["fixloop/verification"] })).toEqual({
      state: "green",
      failing: [],
      pending: [],
      considered: [],
    });
  });
});

describe("required checks from branch protection", () => {
  it("only required names count; one not reported yet is pending", () => {
    expect(stateOf([checkRun(1), status()], { required: ["ci/build", "default"] })).toEqual({
      state: "pending",
      failing: [],
      pending: ["ci/build"],
      considered: ["ci/build", "default"],
    });
  });

  it("a check run and a status with the required name must both pass", () => {
    const failedStatus = status({ id: 6805126731 });
    failedStatus.payload.state = "failure";
    failedStatus.payload.target_url = "https://ci.example.com/builds/42";
    const sameName = checkRun(2);
    sameName.payload.check_run.name = "default";
    expect(stateOf([sameName, failedStatus], { required: ["default"] })).toMatchObject({
      state: "red",
      failing: [{ name: "default", url: "https://ci.example.com/builds/42" }],
    });
  });

  it("a required check bound to an app is not satisfied by another app's run of that name", () => {
    const events = [checkRun(2)];
    expect(stateOf(events, { required: [{ context: "Octocoders-linter", appId: 15368 }] })).toMatchObject({
      state: "pending",
      pending: ["Octocoders-linter"],
    });
    expect(stateOf(events, { required: [{ context: "Octocoders-linter", appId: 29310 }] }).state).toBe(
      "green",
    );
    expect(stateOf(events, { required: [{ context: "Octocoders-linter", appId: -1 }] }).state).toBe("green");
  });

  it("an empty required list means every check counts", () => {
    expect(stateOf([checkRun(1)], { required: [] }).state).toBe("red");
  });
});

describe("check run conclusions (GitHub's required-check semantics)", () => {
  // The completed example run with its conclusion varied: the table under test is the mapping.
  const run = (conclusion: string): CheckRunInput => {
    const { check_run } = example<RunPayload>("check_run", 1);
    return { ...check_run, conclusion };
  };
  it.each(["success", "neutral", "skipped"])("%s passes", (conclusion) => {
    expect(ciState({ checkRuns: [run(conclusion)], statuses: [] }).state).toBe("green");
  });
  it.each(["failure", "timed_out", "cancelled", "action_required", "startup_failure", "stale", "a_new_one"])(
    "%s fails",
    (conclusion) => {
      expect(ciState({ checkRuns: [run(conclusion)], statuses: [] }).failing).toEqual([
        { name: "Octocoders-linter", url: RUN_URL },
      ]);
    },
  );
});

describe("commit statuses", () => {
  it("the latest status per context wins, whatever the order of the list", () => {
    const base = { context: "ci/jenkins", target_url: "https://ci.example.com/1" };
    const statuses = [
      { ...base, id: 3, state: "success", created_at: "2024-05-01T10:05:00Z" },
      { ...base, id: 2, state: "failure", created_at: "2024-05-01T10:03:00Z" },
      { ...base, id: 1, state: "pending", created_at: "2024-05-01T10:00:00Z" },
    ];
    expect(ciState({ checkRuns: [], statuses }).state).toBe("green");
    expect(ciState({ checkRuns: [], statuses: statuses.slice(1).reverse() }).state).toBe("red");
  });

  it("error fails and pending waits", () => {
    const s = (id: number, context: string, state: string) => ({ id, context, state, target_url: null });
    expect(ciState({ checkRuns: [], statuses: [s(1, "a", "error"), s(2, "b", "pending")] })).toEqual({
      state: "red",
      failing: [{ name: "a", url: null }],
      pending: ["b"],
      considered: ["a", "b"],
    });
  });
});

describe("check suites", () => {
  it("a completed suite stands in for runs whose deliveries were lost", () => {
    const failed = checkSuite(1);
    failed.payload.check_suite.conclusion = "failure";
    expect(stateOf([failed])).toEqual({
      state: "red",
      failing: [{ name: "github-actions (check suite)", url: null }],
      pending: [],
      considered: ["github-actions (check suite)"],
    });
  });

  it("a suite whose runs are known adds nothing, and a queued suite is ignored", () => {
    const failed = checkSuite(1);
    failed.payload.check_suite.conclusion = "failure";
    expect(stateOf([failed, checkRun(2)]).considered).toEqual(["Octocoders-linter"]);
    expect(stateOf([checkSuite(4)])).toEqual({ state: "green", failing: [], pending: [], considered: [] });
  });

  it("a later `requested` delivery does not undo a completed suite", () => {
    const input = reduceCheckEvents(MERGE_SHA, [checkSuite(0, { id: 7 }), checkSuite(4, { id: 7 })]);
    expect(input.suites).toEqual([{ id: 7, app: { id: 29310 }, status: "completed", conclusion: "success" }]);
  });
});

describe("reduceCheckEvents", () => {
  it("extends what the REST API returned and keeps the required names", () => {
    const start = reduceCheckEvents(MERGE_SHA, [checkRun(0)], {
      checkRuns: [],
      statuses: [],
      required: ["Octocoders-linter"],
    });
    const input = reduceCheckEvents(MERGE_SHA, [checkRun(1)], start);
    expect(input.required).toEqual(["Octocoders-linter"]);
    expect(input.checkRuns).toEqual([
      {
        id: 128620228,
        name: "Octocoders-linter",
        status: "completed",
        conclusion: "failure",
        html_url: RUN_URL,
        started_at: "2019-05-15T15:21:12Z",
        app: { id: 29310, slug: "github-actions" },
        check_suite: { id: 118578147 },
      },
    ]);
    expect(ciState(input).state).toBe("red");
  });
});
