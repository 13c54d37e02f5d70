// The indexing worker: the same index as in-thread, syntax errors kept as errors, and a budget
// exceeded stops the worker, fails that repository with the file and why, and the next call works.
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { HclSyntaxError } from "../../src/hcl/errors.ts";
import { buildIndex, MAX_FILE_BYTES } from "../../src/hcl/index.ts";
import { readTerraformTree } from "../../src/hcl/load.ts";
import { planGroupFix } from "../../src/remediate/plan-fix.ts";
import { IndexSandbox, RepositoryIndexError } from "../../src/sandbox/index-sandbox.ts";
import { readFixture, triage } from "../store/helpers.ts";

const BUCKET = 'resource "aws_s3_bucket" "logs" {\n  bucket = "acme-logs"\n}\n';
const line = `x = "${"${a}".repeat(200)}"\n`;
const WORST = `locals {\n${line.repeat(Math.floor((MAX_FILE_BYTES - 16) / line.length))}}\n`;

describe("IndexSandbox", () => {
  const sandbox = new IndexSandbox({ perFileMs: 1000, perRepositoryMs: 60_000 });
  afterAll(() => sandbox.close());

  it("builds the index the main thread would, syntax errors included", async () => {
    const files = [
      { path: "main.tf", text: BUCKET },
      { path: "bad.tf", text: "a = [\n" },
    ];
    const index = await sandbox.index("acme/infra", files);
    expect(index).toEqual(buildIndex(files));
    expect(index.errors[0]).toBeInstanceOf(HclSyntaxError);
    expect(index.errors[0]?.message).toBe("bad.tf:2:1: expected an expression, found end of file");
  }, 30_000);

  it("stops a file past its time budget, names it, and serves the next repository", async () => {
    const files = [
      { path: "a.tf", text: BUCKET },
      { path: "generated/locals.tf", text: WORST },
    ];
    const error = await sandbox.index("acme/hostile", files).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RepositoryIndexError);
    expect((error as Error).message).toBe(
      "acme/hostile could not be indexed: generated/locals.tf: parsing took longer than 1 s (the time budget per file)",
    );
    const next = await sandbox.index("acme/infra", [{ path: "main.tf", text: BUCKET }]);
    expect(next.resources.map((r) => r.address)).toEqual(["aws_s3_bucket.logs"]);
  }, 30_000);

  it("stops a repository past its time budget", async () => {
    const small = new IndexSandbox({ perFileMs: 60_000, perRepositoryMs: 1000 });
    try {
      const error = await small
        .index("acme/big", [{ path: "locals.tf", text: WORST }])
        .catch((e: unknown) => e);
      // The file being worked on is named when the worker reported it before the budget ran out; on a
      // loaded machine the budget can end before the worker's first report.
      expect((error as Error).message).toMatch(
        /^acme\/big could not be indexed: (locals\.tf: )?indexing took longer than 1 s \(the time budget per repository\)$/,
      );
    } finally {
      await small.close();
    }
  }, 30_000);

  it("stops a worker that runs out of memory", async () => {
    const small = new IndexSandbox({ maxMemoryMb: 64 });
    try {
      const error = await small
        .index("acme/big", [{ path: "locals.tf", text: WORST }])
        .catch((e: unknown) => e);
      expect((error as Error).message).toBe(
        "acme/big could not be indexed: locals.tf: parsing ran out of memory (the limit is 64 MB)",
      );
    } finally {
      await small.close();
    }
  }, 60_000);

  it("plans a fix in the worker exactly as the main thread would", async () => {
    const files = await readTerraformTree(
      fileURLToPath(new URL("../../fixtures/repos/cspm-demo", import.meta.url)),
    );
    const group = triage(readFixture("generic/public-bucket.json"));
    const inThread = await planGroupFix(files, buildIndex(files), group);
    const inWorker = await sandbox.plan("acme/infra", "acme/infra@1", files, group);
    expect(inWorker.kind).toBe("patch");
    expect(inWorker).toEqual(inThread);
  }, 60_000);
});
