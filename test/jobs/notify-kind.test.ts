import { describe, expect, it } from "vitest";
import { InvalidJobPayloadError, type NotificationEventKind, notifyJob } from "../../src/jobs/kinds.ts";

const event = {
  event: "fix-pr-opened" as NotificationEventKind,
  findingId: "f1",
  at: "2026-12-05T07:00:00.000Z",
  summary: "fixloop opened a fix PR for a critical finding",
  link: "https://github.com/acme/infra/pull/7",
};

describe("the notify job kind", () => {
  it("is queued once per event, finding and time", () => {
    expect(notifyJob(event)).toEqual({
      kind: "notify",
      payload: event,
      uniqueKey: "notify:fix-pr-opened:f1:2026-12-05T07:00:00.000Z",
    });
  });

  it("refuses an event it does not know and a team that is not org/team, naming the field", () => {
    expect(() => notifyJob({ ...event, event: "party" as NotificationEventKind })).toThrow(
      InvalidJobPayloadError,
    );
    expect(() => notifyJob({ ...event, teams: ["security leads"] })).toThrow(/teams\.0/);
  });
});
