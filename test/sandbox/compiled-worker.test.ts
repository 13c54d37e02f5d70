// The app runs compiled (dist/, `npm start`, the image), where tsx is not installed: the sandbox's
// worker must start from dist/ with plain Node. `npm test` builds dist/ first (pretest).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const dist = join(import.meta.dirname, "../../dist/sandbox/index-sandbox.js");

describe("the index sandbox, compiled", () => {
  it("indexes a repository in a worker started from dist/ by plain Node (no tsx)", () => {
    expect(existsSync(dist)).toBe(true);
    const script = `
      const { IndexSandbox } = await import(${JSON.stringify(dist)});
      const sandbox = new IndexSandbox({});
      const index = await sandbox.index("acme/infra", [{ path: "main.tf", text: 'resource "aws_s3_bucket" "logs" {\\n  bucket = "logs"\\n}\\n' }]);
      console.log(JSON.stringify(index.resources.map((r) => r.address)));
      await sandbox.close();`;
    const file = join(mkdtempSync(join(tmpdir(), "fixloop-dist-")), "run.mjs");
    writeFileSync(file, script);
    const out = execFileSync(process.execPath, [file], {
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    expect(JSON.parse(out.trim())).toEqual(["aws_s3_bucket.logs"]);
  }, 30_000);
});
