import { describe, expect, it } from "vitest";
import { IllegalTransitionError, STATES, TRANSITIONS, transition } from "../../src/lifecycle/machine.ts";

const at = new Date("2026-11-22T10:00:00Z");
const app = { kind: "app" as const };

describe("finding lifecycle", () => {
  it("walks the happy path from new to resolved, one audit event per step", () => {
    const path = ["new", "triaged", "fixing", "pr_open", "merged", "verifying", "resolved"] as const;
    const events = path.map((to, i) =>
      transition({
        findingId: "f1",
        from: i === 0 ? null : path[i - 1]!,
        to,
        actor: app,
        reason: `step ${i}`,
        at,
      }),
    );
    expect(events.map((e) => `${e.from}→${e.to}`)).toEqual([
      "null→new",
      "new→triaged",
      "triaged→fixing",
      "fixing→pr_open",
      "pr_open→merged",
      "merged→verifying",
      "verifying→resolved",
    ]);
    expect(events[4]).toEqual({
      findingId: "f1",
      from: "pr_open",
      to: "merged",
      at: "2026-11-22T10:00:00.000Z",
      actor: app,
      reason: "step 4",
      links: {},
    });
  });

  it("records who decided, with links", () => {
    const e = transition({
      findingId: "f2",
      from: "awaiting_approval",
      to: "fixing",
      actor: { kind: "github-user", login: "octocat", id: 583231 },
      reason: "approved with /fixloop approve",
      links: { pr: "https://github.com/acme/infra/pull/7" },
      at,
    });
    expect(e.actor).toEqual({ kind: "github-user", login: "octocat", id: 583231 });
    expect(e.links.pr).toBe("https://github.com/acme/infra/pull/7");
  });

  it("refuses an illegal transition with a typed error that says what is allowed", () => {
    const bad = () =>
      transition({ findingId: "f3", from: "new", to: "resolved", actor: app, reason: "x", at });
    expect(bad).toThrow(IllegalTransitionError);
    expect(bad).toThrow(
      "finding f3 cannot go from new to resolved; from new it may go to triaged, suppressed",
    );
    expect(() =>
      transition({ findingId: "f3", from: null, to: "triaged", actor: app, reason: "x", at }),
    ).toThrow(IllegalTransitionError);
  });

  it("reopens a resolved finding (a regression) and every state can be left or is terminal by design", () => {
    expect(
      transition({ findingId: "f4", from: "resolved", to: "reopened", actor: app, reason: "regressed", at })
        .to,
    ).toBe("reopened");
    for (const s of STATES) for (const t of TRANSITIONS[s]) expect(STATES).toContain(t);
    // Every state is reachable from new.
    const seen = new Set(["new"]);
    for (const s of seen) for (const t of TRANSITIONS[s as (typeof STATES)[number]]) seen.add(t);
    expect([...seen].sort()).toEqual([...STATES].sort());
  });

  it("requires a reason", () => {
    expect(() =>
      transition({ findingId: "f5", from: "new", to: "triaged", actor: app, reason: " ", at }),
    ).toThrow("a transition of f5 to triaged needs a reason");
  });
});
