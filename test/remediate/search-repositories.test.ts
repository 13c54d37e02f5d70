// A repository scan's finding is fixed in the repository scanned: when two repositories hold the same
// Terraform (the same module copied), the Checkov finding of each is located in its own, where a
// search of all repositories could only call it ambiguous.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_REPO_CONFIG } from "../../src/config/repo-config.ts";
import { buildIndex } from "../../src/hcl/index.ts";
import { persistDocument } from "../../src/ingest/persist.ts";
import type { InstallationRepository, RemediationEnv } from "../../src/remediate/env.ts";
import { locateInRepositories } from "../../src/remediate/search-repositories.ts";
import { getFinding } from "../../src/store/findings.ts";
import type { Store } from "../../src/store/store.ts";
import { freshLocation, type TestLocation } from "../store/engines.ts";
import { readFixture, triage } from "../store/helpers.ts";

// The resource the Checkov sample reports (CKV_AWS_382 at line 346), as its snippet shows it.
const SG = `resource "aws_security_group" "vpc_endpoints" {
  name_prefix = "\${var.name}-vpc-endpoints-"
  vpc_id      = aws_vpc.main.id

  egress {
    description = "All outbound traffic"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
`;
const FILE = "infrastructure-catalog/modules/vpc/main.tf";
const index = buildIndex([{ path: FILE, text: `${"# padding\n".repeat(345)}${SG}` }]);
const repo = (name: string): InstallationRepository => ({
  owner: "acme",
  repo: name,
  defaultBranch: "main",
  archived: false,
});
const REPOS = [repo("infra-a"), repo("infra-b")];

describe("locating a repository scan's finding", () => {
  let where: TestLocation;
  let store: Store;
  beforeEach(async () => {
    where = await freshLocation("sqlite");
    store = await where.open();
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  const env = { snapshot: async () => ({ snapshot: {}, index }) } as unknown as RemediationEnv;
  const [egress] = triage(readFixture("sarif/checkov-duplicates.sarif"));

  it("looks in the repository scanned first", async () => {
    for (const name of ["infra-a", "infra-b"]) {
      const [stored] = (await persistDocument(store, [egress!], { org: "acme", repository: `acme/${name}` }))
        .results;
      const finding = (await getFinding(store.db, stored!.id))!;
      const found = await locateInRepositories(env, {
        installationId: 1,
        finding,
        repos: REPOS,
        config: DEFAULT_REPO_CONFIG,
        resourceTypes: undefined,
      });
      expect(found.cross).toMatchObject({
        kind: "located",
        repository: { owner: "acme", repo: name },
        why: expect.stringContaining(`the finding comes from a scan of acme/${name}`),
      });
    }
  });

  it("without a repository, the same file in two repositories is ambiguous, as before", async () => {
    const [stored] = (await persistDocument(store, [egress!], { org: "acme" })).results;
    const finding = (await getFinding(store.db, stored!.id))!;
    const found = await locateInRepositories(env, {
      installationId: 1,
      finding,
      repos: REPOS,
      config: DEFAULT_REPO_CONFIG,
      resourceTypes: undefined,
    });
    expect(found.cross.kind).toBe("ambiguous");
  });
});
