// Reading commands never create a store, and `ingest --store` counts findings, not records.

import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";

const REPO = process.cwd();
const CSPM = "fixtures/findings/generic/cspm-batch.json";
const S38 = "fixtures/findings/asff/afsbp-s3.8.json";

async function run(args: string[], cwd = REPO) {
  let stdout = "";
  let stderr = "";
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd,
    env: {},
  });
  return { code, stdout, stderr };
}

describe("reading an empty directory", () => {
  it("fixloop findings says there are none and creates nothing", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "fixloop-read-"));
    const r = await run(["findings"], cwd);
    expect(r).toEqual({
      code: 0,
      stdout: `No findings stored in ${join(cwd, ".fixloop/fixloop.sqlite")}. Store some with \`fixloop ingest <file>… --store\`.\n`,
      stderr: "",
    });
    const json = await run(["findings", "--json"], cwd);
    expect(JSON.parse(json.stdout)).toEqual({ findings: [], store: join(cwd, ".fixloop/fixloop.sqlite") });
    expect(readdirSync(cwd)).toEqual([]);
  });

  it.each([[["finding", "abcd1234"]], [["evidence", "abcd1234"]], [["evidence", "--since", "2026-10-01"]]])(
    "%j exits 2 saying nothing was stored, and creates nothing",
    async (args) => {
      const cwd = mkdtempSync(join(tmpdir(), "fixloop-read-"));
      const r = await run(args, cwd);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `fixloop ${args[0]}: no store at ${join(cwd, ".fixloop/fixloop.sqlite")}: nothing has been stored yet (fixloop ingest <file>… --store, or --data-dir DIR)\n`,
      );
      expect(existsSync(join(cwd, ".fixloop"))).toBe(false);
    },
  );
});

describe("ingest --store reports what it stored", () => {
  it("counts a finding reported by two records once (the same file given twice)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "fixloop-count-"));
    const r = await run(["ingest", CSPM, S38, S38, "--store", "--data-dir", dataDir]);
    const file = join(dataDir, "fixloop.sqlite");
    expect(r.stdout.trimEnd().split("\n").pop()).toBe(
      `4 findings (4 actionable), 2 rejected, 0 files unreadable. Stored in ${file}: 3 created, 0 updated, 0 skipped (1 record had the dedupe key of another and became a source of it).`,
    );
    const listed = await run(["findings", "--data-dir", dataDir, "--json"]);
    expect(JSON.parse(listed.stdout).findings).toHaveLength(3);
  });
});
