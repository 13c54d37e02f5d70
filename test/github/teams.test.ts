import { describe, expect, it } from "vitest";
import { tokenClient } from "../../src/github/client.ts";
import { GITHUB_COM } from "../../src/github/hosts.ts";
import { TEAM_ANSWER_TTL_MS, TeamDirectory, teamExists } from "../../src/github/teams.ts";
import { useMockGitHub } from "./kit/mock-github.ts";

const gh = useMockGitHub();
const client = () => tokenClient({ token: "t", host: GITHUB_COM, rateLimitHandling: false });
const TEAM = { id: 7, node_id: "T_7", slug: "data-platform", name: "Data Platform" };

describe("teamExists", () => {
  it("is true for 200, false for 404, undefined for 403 (no permission, or a user account)", async () => {
    gh().get("/orgs/acme/teams/data-platform").reply(200, TEAM);
    gh().get("/orgs/acme/teams/nobody").reply(404, { message: "Not Found" });
    gh().get("/orgs/mona/teams/x").reply(403, { message: "Resource not accessible by integration" });
    expect(await teamExists(client(), "acme", "data-platform")).toBe(true);
    expect(await teamExists(client(), "acme", "nobody")).toBe(false);
    expect(await teamExists(client(), "mona", "x")).toBeUndefined();
  });

  it("passes other failures on (a rate limit or an outage is not an answer)", async () => {
    gh().get("/orgs/acme/teams/data-platform").reply(502, { message: "Bad Gateway" });
    await expect(teamExists(client(), "acme", "data-platform")).rejects.toMatchObject({ status: 502 });
  });
});

describe("TeamDirectory", () => {
  it("asks GitHub once per installation and team until the answer is old", async () => {
    let now = 0;
    const teams = new TeamDirectory(() => now);
    gh().get("/orgs/acme/teams/data-platform").times(3).reply(200, TEAM);
    expect(await teams.has(1, client(), "acme", "data-platform")).toBe(true);
    expect(await teams.has(1, client(), "ACME", "Data-Platform")).toBe(true);
    expect(gh().count("GET", "/orgs/{org}/teams/{team_slug}")).toBe(1);
    await teams.has(2, client(), "acme", "data-platform"); // another installation asks for itself
    now += TEAM_ANSWER_TTL_MS;
    await teams.has(1, client(), "acme", "data-platform");
    expect(gh().count("GET", "/orgs/{org}/teams/{team_slug}")).toBe(3);
  });

  it("does not keep a failure, and forgets an installation", async () => {
    const teams = new TeamDirectory(() => 0);
    gh().get("/orgs/acme/teams/sre").reply(500, { message: "oops" });
    gh().get("/orgs/acme/teams/sre").times(2).reply(404, { message: "Not Found" });
    await expect(teams.has(1, client(), "acme", "sre")).rejects.toMatchObject({ status: 500 });
    expect(await teams.has(1, client(), "acme", "sre")).toBe(false);
    teams.forget(1);
    expect(await teams.has(1, client(), "acme", "sre")).toBe(false);
  });
});
