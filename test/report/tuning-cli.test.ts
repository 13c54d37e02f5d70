// `fixloop report tuning` on a store filled by the lifecycle's own commands (./tuning-fixture.ts):
// the exact text a security lead reads on Monday, the JSON, and the errors.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { Store } from "../../src/store/store.ts";
import { decideMonth } from "./tuning-fixture.ts";

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fixloop-tuning-"));
  let now = 0;
  const store = await Store.open({ dataDir: join(dir, ".fixloop") }, { clock: () => now });
  await decideMonth(store, (iso) => {
    now = Date.parse(iso);
  });
  await store.close();
  writeFileSync(
    join(dir, "fixloop.yml"),
    "rules:\n  demote:\n    threshold: 0.3\n    minFindings: 2\n    rules: [CKV_AWS_17]\n",
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** November in acme, with the demotion settings of ./fixloop.yml. */
const NOVEMBER_ACME = [
  "tuning",
  "--since",
  "2026-11-01",
  "--until",
  "2026-11-30",
  "--org",
  "acme",
  "--config",
  "fixloop.yml",
];

async function run(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(["report", ...args], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: dir,
    env: {},
  });
  return { code, stdout, stderr };
}

it("prints the rules people reject most, with their reasons, and the ones over the demotion line", async () => {
  const r = await run(NOVEMBER_ACME);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(`Tuning from 2026-11-01T00:00:00.000Z to 2026-12-01T00:00:00.000Z, organization acme

Rules with the most false positives and rejected PRs:
  aws-rds-public: 2 of 2 decided (100%): 2 false positives, 0 closed unmerged
    2× "The database is private; the public flag is a module default."
  aws-ec2-imdsv2: 2 of 3 decided (67%): 1 false positive, 2 closed unmerged
    3× "<link> closed without merge by alice: no new PR until its fix changes or someone runs /fixloop retry"
    1× "IMDSv1 is required by the legacy monitoring agent on this host"
  aws-s3-public-access-block: 1 of 1 decided (100%): 0 false positives, 1 closed unmerged
    1× "<link> closed without merge by alice: no new PR until its fix changes or someone runs /fixloop retry"
  unspecified: 1 of 1 decided (100%): 1 false positive, 0 closed unmerged
    1× "Public on purpose: it serves <link>"

Per rule:
  RULE                        SEEN  FIXED  FALSE POSITIVE  ACCEPTED  SNOOZED  CLOSED UNMERGED  REJECTED
  aws-rds-public              3     0      2               0         0        0                100%
  aws-ec2-imdsv2              3     1      1               0         0        2                67%
  aws-s3-public-access-block  1     0      0               1         0        1                100%
  unspecified                 1     0      1               0         0        0                100%
  aws-rds-encryption          3     0      0               0         1        0                0%
  aws-sg-open-admin-ports     1     1      0               0         0        0                0%
  CKV_AWS_118                 3     0      0               0         0        0                0%
  CKV_AWS_126                 3     0      0               0         0        0                0%
  CKV_AWS_129                 3     0      0               0         0        0                0%
  CKV_AWS_135                 3     0      0               0         0        0                0%
  CKV_AWS_157                 3     0      0               0         0        0                0%
  CKV_AWS_161                 3     0      0               0         0        0                0%
  CKV_AWS_8                   3     0      0               0         0        0                0%
  CKV_DOCKER_2                3     0      0               0         0        0                0%
  CKV_DOCKER_3                3     0      0               0         0        0                0%
  CKV2_AWS_17                 3     0      0               0         0        0                0%

Per source:
  FORMAT   TOOL         SEEN  FIXED  FALSE POSITIVE  ACCEPTED  SNOOZED  CLOSED UNMERGED
  asff     securityhub  1     0      0               1         0        1
  checkov  checkov      39    1      3               0         1        2
  generic  generic      2     1      1               0         0        0

Over the demotion line (more than 30% of decided findings false positive or closed unmerged, with at least 2 decided), not demoted yet:
  aws-ec2-imdsv2: 2 of 3 (67%)
To record their findings without a PR (a person decides; nothing is demoted automatically),
set in the organization's .github/fixloop.yml:
  rules.demote.rules: [aws-rds-public, aws-ec2-imdsv2]
`);
});

it("gives the same as JSON, with the share, the line and the suggestion", async () => {
  const r = await run([...NOVEMBER_ACME, "--format", "json"]);
  expect(r.code).toBe(0);
  const json = JSON.parse(r.stdout);
  expect(json.demote).toEqual({ threshold: 0.3, minFindings: 2, rules: ["aws-rds-public"] });
  expect(json.crossing).toEqual([{ rule: "aws-ec2-imdsv2", share: 2 / 3, rejected: 2, decided: 3 }]);
  expect(json.suggestion).toBe("rules.demote.rules: [aws-rds-public, aws-ec2-imdsv2]");
  expect(json.rules[0]).toMatchObject({ rule: "aws-rds-public", rejected: 2, decided: 2, share: 1 });
});

it("says no rule crosses the default line (10 decided findings)", async () => {
  const r = await run(["tuning", "--since", "2026-11-01", "--until", "2026-11-30"]);
  expect(r.code).toBe(0);
  expect(r.stdout.split("\n").at(-2)).toBe(
    "No rule crosses the demotion line (more than 30% of decided findings false positive or closed unmerged, with at least 10 decided) without being demoted.",
  );
});

it.each([
  [["tuning"], "fixloop report: --since is required: fixloop report tuning --since DATE"],
  [
    ["weekly", "--since", "2026-11-01"],
    'fixloop report: unknown report "weekly": fixloop report tuning --since DATE',
  ],
  [
    ["tuning", "--since", "2026-11-31"],
    'fixloop report: --since must be a date (2026-10-01) or a time with a zone (2026-10-01T09:00:00Z), got "2026-11-31"',
  ],
  [
    ["tuning", "--since", "2026-11-01", "--config", "missing.yml"],
    "fixloop report: --config missing.yml: cannot read it (ENOENT)",
  ],
])("%j → one line, exit 2", async (args, message) => {
  const r = await run(args);
  expect(r.code).toBe(2);
  expect(r.stderr.startsWith(message)).toBe(true);
  expect(r.stdout).toBe("");
});

it("refuses an invalid rules.demote with its key path, before reading the store", async () => {
  writeFileSync(join(dir, "bad.yml"), "rules:\n  demote:\n    threshold: 30\n");
  const r = await run(["tuning", "--since", "2026-11-01", "--config", "bad.yml"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(
    "fixloop report: --config bad.yml is invalid: rules.demote.threshold: must be at most 1 (got the number 30)\n",
  );
});
