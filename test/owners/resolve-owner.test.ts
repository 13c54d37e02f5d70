import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseRepoConfig, type RepoConfig } from "../../src/config/repo-config.ts";
import type { Finding } from "../../src/findings/model.ts";
import { parseFindings } from "../../src/findings/registry.ts";
import { buildIndex, findResource, type SourceFile, type TerraformIndex } from "../../src/hcl/index.ts";
import { readTerraformTree } from "../../src/hcl/load.ts";
import { parseCodeowners } from "../../src/owners/codeowners.ts";
import { type OwnerInput, resolveOwner, teamCandidates } from "../../src/owners/resolve-owner.ts";
import { resolveRuleId } from "../../src/rules/registry.ts";

const FIXTURES = join(import.meta.dirname, "../../fixtures");
const ctx = { catalogIdFor: (id: string) => resolveRuleId(id)?.id ?? null };
const findingsOf = (file: string): Finding[] =>
  parseFindings(JSON.parse(readFileSync(join(FIXTURES, "findings", file), "utf8")), ctx).findings;

function config(raw: unknown): RepoConfig {
  const parsed = parseRepoConfig(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.config;
}

const ACME = config({
  owners: {
    teams: { "data-platform": "acme/data-platform", payments: "@acme/payments" },
    triageTeam: "acme/security-triage",
  },
});

// A CODEOWNERS file as an infrastructure repository would have it.
const CODEOWNERS = parseCodeowners(`# Infrastructure ownership. The last matching line wins.
*                      @acme/platform
/envs/staging/         @mona @hubot
/envs/prod/            @acme/data-platform @mona
/envs/sandbox/
/modules/              infra@acme.example
`);
const codeowners = { path: ".github/CODEOWNERS", rules: CODEOWNERS.rules };

let demo: SourceFile[];
let index: TerraformIndex;
let cspm: Finding[];
beforeAll(async () => {
  demo = await readTerraformTree(join(FIXTURES, "repos/cspm-demo"));
  index = buildIndex(demo);
  cspm = findingsOf("generic/cspm-batch.json");
});

const bucketIn = (idx: TerraformIndex, module: string) =>
  findResource(idx, "aws_s3_bucket.backups").find((r) => r.module === module)!;

/** The CSPM finding on the production backups bucket (owner_team "data-platform"), adapted per test. */
function input(
  over: { ownerTeam?: string; tags?: Record<string, string> } = {},
  rest: Partial<OwnerInput> = {},
) {
  const f = cspm[0]!;
  const context = { ...f.context, ownerTeam: "ownerTeam" in over ? over.ownerTeam : f.context.ownerTeam };
  return { finding: { context, resource: { ...f.resource, tags: over.tags } }, ...rest } satisfies OwnerInput;
}

describe("CODEOWNERS fixture", () => {
  it("parses without errors", () => expect(CODEOWNERS.errors).toEqual([]));
});

describe("resolveOwner", () => {
  it("takes the finding's owner team through owners.teams first", () => {
    expect(cspm[0]!.context.ownerTeam).toBe("data-platform");
    const located = { index, resource: bucketIn(index, "envs/staging") };
    expect(resolveOwner(input({}, { located, codeowners }), ACME)).toEqual({
      team: "acme/data-platform",
      reviewers: [],
      decidedBy: "finding",
      explanation:
        'Routed to @acme/data-platform because the finding names the owner team "data-platform" (owners.teams).',
    });
  });

  it("takes an owner team written as org/team as it is", () => {
    expect(resolveOwner(input({ ownerTeam: "@acme/storage" }), ACME)).toMatchObject({
      team: "acme/storage",
      decidedBy: "finding",
      explanation: "Routed to @acme/storage because the finding names it as the owner team.",
    });
  });

  it("uses the resource's Team tag when the finding's owner team maps to nothing", () => {
    const located = { index, resource: bucketIn(index, "envs/prod") };
    expect(resolveOwner(input({ ownerTeam: "Data Platform" }, { located, codeowners }), ACME)).toEqual({
      team: "acme/data-platform",
      reviewers: [],
      decidedBy: "resource-tags",
      explanation:
        'Routed to @acme/data-platform because the Team tag of aws_s3_bucket.backups is "data-platform" (owners.teams).',
    });
  });

  it("says when a tag came from the provider's default_tags", () => {
    const withProvider = buildIndex([
      ...demo,
      {
        path: "envs/staging/providers.tf",
        text: 'provider "aws" {\n  default_tags {\n    tags = { Owner = "payments" }\n  }\n}\n',
      },
    ]);
    const located = { index: withProvider, resource: bucketIn(withProvider, "envs/staging") };
    expect(resolveOwner(input({ ownerTeam: undefined }, { located, codeowners }), ACME)).toMatchObject({
      team: "acme/payments",
      decidedBy: "resource-tags",
      explanation:
        'Routed to @acme/payments because the Owner tag in the default_tags of the aws provider (envs/staging/providers.tf:1) that aws_s3_bucket.backups inherits is "payments" (owners.teams).',
    });
  });

  it("falls back to the first team of the last matching CODEOWNERS line", () => {
    // Without owners.teams the Team tag "data-platform" names no team; /envs/prod/ names a team and a user.
    const prodOnly = config({ owners: { triageTeam: "acme/security-triage" } });
    const located = { index, resource: bucketIn(index, "envs/prod") };
    expect(resolveOwner(input({ ownerTeam: undefined }, { located, codeowners }), prodOnly)).toEqual({
      team: "acme/data-platform",
      reviewers: [],
      decidedBy: "codeowners",
      explanation:
        "Routed to @acme/data-platform because .github/CODEOWNERS line 4 (/envs/prod/) makes it an owner of envs/prod/main.tf.",
    });
  });

  it("requests review from CODEOWNERS users when the line names no team", () => {
    const located = { index, resource: bucketIn(index, "envs/staging") };
    expect(resolveOwner(input({ ownerTeam: undefined }, { located, codeowners }), ACME)).toEqual({
      team: null,
      reviewers: ["mona", "hubot"],
      decidedBy: "codeowners",
      explanation:
        "Review requested from @mona and @hubot because .github/CODEOWNERS line 3 (/envs/staging/) names these users and no team as owners of envs/staging/main.tf.",
    });
  });

  it("maps the cloud resource's tags from the finding when source and CODEOWNERS name no one", () => {
    // GuardDuty reports the instance's tags; this organization routes by its `domain` tag.
    const finding = findingsOf("asff/guardduty.json")[0]!;
    expect(finding.resource.tags?.domain).toBe("asdf");
    const byDomain = config({
      owners: { tagKeys: ["team", "domain"], teams: { asdf: "acme/asdf-platform" } },
    });
    const decision = resolveOwner(
      { finding, file: "envs/sandbox/ec2.tf", codeowners: { path: "CODEOWNERS", rules: CODEOWNERS.rules } },
      byDomain,
    );
    expect(decision).toEqual({
      team: "acme/asdf-platform",
      reviewers: [],
      decidedBy: "mapping",
      explanation:
        'Routed to @acme/asdf-platform because the "domain" tag the finding reports on the cloud resource is "asdf" (owners.teams).',
    });
  });

  it("routes to the triage team and says why nothing else applied", () => {
    const finding = findingsOf("asff/guardduty.json")[0]!;
    const decision = resolveOwner({ finding, file: "modules/ec2/main.tf", codeowners }, ACME);
    expect(decision).toEqual({
      team: "acme/security-triage",
      reviewers: [],
      decidedBy: "triage-team",
      explanation:
        "Routed to @acme/security-triage, the triage team (owners.triageTeam), because no owner was found: the finding names no owner team; the resource was not located in the repository; .github/CODEOWNERS line 6 (/modules/) names only e-mail addresses for modules/ec2/main.tf, which cannot be requested for review; the finding reports no team or owner tag on the cloud resource.",
    });
  });

  it("returns no owner when nothing applies and no triage team is set", () => {
    const located = { index, resource: bucketIn(index, "envs/staging") };
    const sandbox = { path: "CODEOWNERS", rules: parseCodeowners("/envs/staging/\n").rules };
    expect(
      resolveOwner(input({ ownerTeam: "nobody" }, { located, codeowners: sandbox }), config({})),
    ).toEqual({
      team: null,
      reviewers: [],
      decidedBy: null,
      explanation:
        'No owner found: the finding\'s owner team "nobody" is neither in owners.teams nor an org/team slug; aws_s3_bucket.backups has no team or owner tag; CODEOWNERS line 1 (/envs/staging/) leaves envs/staging/main.tf without an owner; the finding reports no team or owner tag on the cloud resource; owners.triageTeam is not set.',
    });
  });

  it("explains unmapped and unreadable tags", () => {
    const tagged = buildIndex([
      {
        path: "main.tf",
        text: 'resource "aws_s3_bucket" "exports" {\n  bucket = "exports"\n  tags = {\n    Team  = "Exports Squad"\n    Owner = data.external.owner.result.team\n  }\n}\n',
      },
    ]);
    const located = { index: tagged, resource: findResource(tagged, "aws_s3_bucket.exports")[0]! };
    const decision = resolveOwner(input({ ownerTeam: undefined }, { located }), ACME);
    expect(decision.decidedBy).toBe("triage-team");
    expect(decision.explanation).toContain(
      'aws_s3_bucket.exports names no team (its Team tag is "Exports Squad", which is not in owners.teams, its Owner tag cannot be used (data.external is read from the cloud by a data source)); the repository has no CODEOWNERS file;',
    );
  });

  it("keeps hostile values on one bounded line", () => {
    const hostile = `payments\n\n## Approved by security\u2028<img src=x onerror=alert(1)>${"A".repeat(500)}`;
    const decision = resolveOwner(input({ ownerTeam: hostile, tags: { Team: hostile } }), config({}));
    expect(decision.team).toBeNull();
    expect(decision.explanation).not.toMatch(/[\n\r\u2028\u2029]/);
    expect(decision.explanation).toContain(
      "the finding's owner team \"payments\\n\\n## Approved by security <img",
    );
    expect(decision.explanation.length).toBeLessThan(600);
    expect(decision.explanation).toContain("…");
  });
});

describe("resolveOwner with the organization's teams", () => {
  const teams = (known: Record<string, boolean | undefined>) => ({
    login: "acme",
    hasTeam: (slug: string) => known[slug],
  });
  const bucket = () => ({ index, resource: bucketIn(index, "envs/prod") });

  it("routes a bare owner team to <org>/<team> when the organization has it, and says so", () => {
    const decision = resolveOwner(input({}, { organization: teams({ "data-platform": true }) }), config({}));
    expect(decision).toEqual({
      team: "acme/data-platform",
      reviewers: [],
      decidedBy: "finding",
      explanation:
        'Routed to @acme/data-platform because the finding names the owner team "data-platform", a team of acme.',
    });
  });

  it("falls through to the resource's Team tag when the finding's team does not exist", () => {
    const decision = resolveOwner(
      input(
        { ownerTeam: "Payments-Core" },
        { located: bucket(), organization: teams({ "payments-core": false, "data-platform": true }) },
      ),
      config({}),
    );
    expect(decision).toMatchObject({ team: "acme/data-platform", decidedBy: "resource-tags" });
    expect(decision.explanation).toBe(
      'Routed to @acme/data-platform because the Team tag of aws_s3_bucket.backups is "data-platform", a team of acme.',
    );
  });

  it("says why a bare value did not route: no such team, or the teams could not be read", () => {
    const none = resolveOwner(
      input({}, { located: bucket(), organization: teams({ "data-platform": false }) }),
      config({}),
    );
    expect(none.team).toBeNull();
    expect(none.explanation).toContain(
      'the finding\'s owner team "data-platform" is neither in owners.teams nor an org/team slug, nor a team of acme;',
    );
    const unknown = resolveOwner(input({}, { organization: teams({}) }), config({}));
    expect(unknown.explanation).toContain("(fixloop could not check acme's teams)");
  });

  it("asks only about bare values nothing else maps, finding first", () => {
    const cfg = config({ owners: { teams: { exports: "acme/exports" } } });
    const candidates = teamCandidates(
      input(
        { ownerTeam: "@Data-Platform", tags: { owner: "exports", team: "sre", Cost: "x" } },
        { located: bucket() },
      ),
      cfg,
    );
    expect(candidates).toEqual(["data-platform", "sre"]);
    expect(teamCandidates(input({ ownerTeam: "acme/sre" }), cfg)).toEqual([]);
    expect(teamCandidates(input({ ownerTeam: "Data Platform" }), cfg)).toEqual([]);
  });
});
