import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { transformSync } from "esbuild";
import { describe, expect, it } from "vitest";
import { moduleExecArgv, siblingModule } from "../../src/runtime/module-url.ts";

describe("siblingModule", () => {
  it("keeps the caller's extension: .ts from src/, .js from dist/", () => {
    expect(siblingModule("file:///app/src/hcl/parse.ts", "./worker").href).toBe(
      "file:///app/src/hcl/worker.ts",
    );
    expect(siblingModule("file:///app/dist/hcl/parse.js", "./worker.ts").href).toBe(
      "file:///app/dist/hcl/worker.js",
    );
    expect(moduleExecArgv("file:///app/dist/hcl/parse.js")).toEqual([]);
    expect(moduleExecArgv("file:///app/src/hcl/parse.ts")).toEqual(["--import", "tsx"]);
  });

  it("a compiled module (as dist/ holds it) starts a .js worker thread next to it", () => {
    const dir = mkdtempSync(join(tmpdir(), "fixloop-worker-"));
    const source = readFileSync(join(import.meta.dirname, "../../src/runtime/module-url.ts"), "utf8");
    writeFileSync(join(dir, "module-url.js"), transformSync(source, { loader: "ts", format: "esm" }).code);
    writeFileSync(
      join(dir, "worker.js"),
      'import { parentPort } from "node:worker_threads";\nparentPort.postMessage("from worker.js");\n',
    );
    writeFileSync(
      join(dir, "main.js"),
      `import { Worker } from "node:worker_threads";
import { moduleExecArgv, siblingModule } from "./module-url.js";
const w = new Worker(siblingModule(import.meta.url, "./worker"), { execArgv: moduleExecArgv(import.meta.url) });
w.on("message", (m) => { console.log(m); w.terminate(); });
`,
    );
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    expect(execFileSync(process.execPath, [join(dir, "main.js")], { encoding: "utf8" })).toBe(
      "from worker.js\n",
    );
  });
});
