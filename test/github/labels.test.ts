import { describe, expect, it } from "vitest";
import { DEFAULT_REPO_CONFIG, parseRepoConfig, type RepoConfig } from "../../src/config/repo-config.ts";
import { type GitHub, tokenClient } from "../../src/github/client.ts";
import { ensureLabels, LABELS, labelSpec, labelsFor } from "../../src/github/labels.ts";
import { useMockGitHub } from "./kit/mock-github.ts";

function config(raw: unknown): RepoConfig {
  const parsed = parseRepoConfig(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.config;
}

describe("LABELS", () => {
  it("defines every label fixloop adds by default, within GitHub's limits", () => {
    const names = ["security", "fixloop", "risk:critical", "risk:high", "risk:medium", "risk:low"];
    expect(Object.keys(LABELS).sort()).toEqual([...names, "security-review-required", "sla-breached"].sort());
    for (const [name, spec] of Object.entries(LABELS)) {
      expect(name.length).toBeLessThanOrEqual(50);
      expect(spec.color).toMatch(/^[0-9a-f]{6}$/);
      expect(spec.description.length).toBeGreaterThan(0);
      expect(spec.description.length).toBeLessThanOrEqual(100);
    }
    expect(labelSpec("team-payments")).toEqual({ color: "ededed", description: "Added by fixloop" });
    expect(labelSpec("toString")).toEqual({ color: "ededed", description: "Added by fixloop" });
  });
});

describe("labelsFor", () => {
  it("adds the configured labels, the risk tier and a security review for high tiers by default", () => {
    expect(labelsFor({ tier: "high", impactNotes: false }, DEFAULT_REPO_CONFIG)).toEqual([
      "security",
      "fixloop",
      "risk:high",
      "security-review-required",
    ]);
    expect(labelsFor({ tier: "medium", impactNotes: false }, DEFAULT_REPO_CONFIG)).toEqual([
      "security",
      "fixloop",
      "risk:medium",
    ]);
  });

  it("asks for a security review when the change has impact notes, unless configured off", () => {
    expect(labelsFor({ tier: "low", impactNotes: true }, DEFAULT_REPO_CONFIG)).toContain(
      "security-review-required",
    );
    const off = config({ securityReview: { impactNotes: false } });
    expect(labelsFor({ tier: "low", impactNotes: true }, off)).not.toContain("security-review-required");
  });

  it("follows labels.add, labels.riskTier and a renamed review label, without repeats", () => {
    const custom = config({
      labels: { add: ["sec", "needs-review"], riskTier: false },
      securityReview: { label: "needs-review", tiers: ["critical"] },
    });
    expect(labelsFor({ tier: "critical", impactNotes: false }, custom)).toEqual(["sec", "needs-review"]);
    expect(labelsFor({ tier: "high", impactNotes: false }, custom)).toEqual(["sec", "needs-review"]);
    expect(
      labelsFor(
        { tier: "high", impactNotes: false },
        config({ labels: { add: [] }, securityReview: { tiers: [] } }),
      ),
    ).toEqual(["risk:high"]);
  });
});

describe("ensureLabels", () => {
  const github = useMockGitHub();
  const repo = { owner: "acme", repo: "infra" };
  const client = (): GitHub =>
    tokenClient({ token: "ghs_test", host: { apiUrl: github().apiUrl, webUrl: "https://github.com" } });
  const existing = (names: string[]) => names.map((name, i) => ({ id: i + 1, name, color: "ededed" }));

  it("creates only the missing labels, then costs nothing for a warm repository", async () => {
    github()
      .get("/repos/acme/infra/labels")
      .query({ per_page: "100" })
      .reply(200, existing(["Security", "bug"]));
    github().post("/repos/acme/infra/labels").times(2).reply(201, {});
    const cache = new Set<string>();
    const names = ["security", "fixloop", "risk:high"];

    await ensureLabels(client(), repo, names, cache);
    expect(
      github()
        .requests.filter((r) => r.method === "POST")
        .map((r) => r.body),
    ).toEqual([
      { name: "fixloop", color: LABELS.fixloop!.color, description: LABELS.fixloop!.description },
      { name: "risk:high", color: LABELS["risk:high"]!.color, description: LABELS["risk:high"]!.description },
    ]);

    await ensureLabels(client(), repo, names, cache);
    expect(github().requests).toHaveLength(3);
  });

  it("keeps repositories apart in one cache", async () => {
    github()
      .get("/repos/acme/infra/labels")
      .query(true)
      .reply(200, existing(["fixloop"]));
    github().get("/repos/acme/web/labels").query(true).reply(200, existing([]));
    github().post("/repos/acme/web/labels").reply(201, {});
    const cache = new Set<string>();
    await ensureLabels(client(), repo, ["fixloop"], cache);
    await ensureLabels(client(), { owner: "acme", repo: "web" }, ["fixloop"], cache);
    expect(github().count("POST", "/repos/{owner}/{repo}/labels")).toBe(1);
  });

  it("accepts a label someone created meanwhile (422 already_exists)", async () => {
    github().get("/repos/acme/infra/labels").query(true).reply(200, []);
    github()
      .post("/repos/acme/infra/labels")
      .reply(422, {
        message: "Validation Failed",
        errors: [{ resource: "Label", code: "already_exists", field: "name" }],
      });
    const cache = new Set<string>();
    await ensureLabels(client(), repo, ["security"], cache);
    await ensureLabels(client(), repo, ["security"], cache);
    expect(github().requests).toHaveLength(2);
  });

  it("names the repository and label when creation is refused", async () => {
    github().get("/repos/acme/infra/labels").query(true).reply(200, []);
    github()
      .post("/repos/acme/infra/labels")
      .reply(403, { message: "Resource not accessible by integration" });
    await expect(ensureLabels(client(), repo, ["security"], new Set())).rejects.toThrow(
      'could not create the label "security" in acme/infra (HTTP 403): fixloop needs write access to issues or pull requests there',
    );
  });
});
