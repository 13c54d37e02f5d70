// `npm pack` gives a package that installs with production dependencies only and runs
// `fixloop scan`. Packed from a copy of the sources (prepare builds dist/ there, so parallel
// test files never see a half-written dist/ here); installed from the registry, or npm's cache.
// --ignore-scripts: better-sqlite3 would compile for two minutes, and scan never loads the store.

import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const REPO = join(import.meta.dirname, "../..");
const SOURCES = [
  "scripts/copy-assets.mjs",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "README.md",
  "app.yml",
  "bin",
  "src",
  "templates",
];

let installDir = "";
let files: string[] = [];

beforeAll(() => {
  const work = mkdtempSync(join(tmpdir(), "fixloop-pack-"));
  const copy = join(work, "fixloop");
  mkdirSync(copy);
  for (const f of SOURCES) cpSync(join(REPO, f), join(copy, f), { recursive: true });
  symlinkSync(join(REPO, "node_modules"), join(copy, "node_modules"));
  // A non-TypeScript file under src/ must reach dist/ beside its module (scripts/copy-assets.mjs).
  writeFileSync(join(copy, "src/report/asset-probe.svg"), "<svg/>\n");
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--pack-destination", work], {
      cwd: copy,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }),
  ) as Array<{ filename: string; files: Array<{ path: string }> }>;
  files = packed[0]!.files.map((f) => f.path);
  installDir = join(work, "user");
  mkdirSync(installDir);
  writeFileSync(join(installDir, "package.json"), '{ "name": "user", "private": true }\n');
  execFileSync(
    "npm",
    [
      "install",
      "--omit=dev",
      "--prefer-offline",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
      join(work, packed[0]!.filename),
    ],
    { cwd: installDir, stdio: ["ignore", "pipe", "pipe"] },
  );
}, 600_000);

describe("npm pack", () => {
  it("ships the compiled code, its source maps, templates and app.yml, not the sources or tests", () => {
    expect(files).toContain("dist/cli/main.js");
    expect(files).toContain("dist/cli/main.js.map");
    expect(files).toContain("dist/server.js");
    expect(files).toContain("bin/fixloop.js");
    expect(files).toContain("app.yml");
    expect(files).toContain("dist/report/asset-probe.svg");
    expect(files.filter((f) => f.startsWith("templates/")).length).toBeGreaterThan(0);
    expect(files.filter((f) => /^(src|test|fixtures|bench)\//.test(f))).toEqual([]);
  });

  it("installs without development dependencies", () => {
    const installed = readdirSync(join(installDir, "node_modules"));
    for (const dev of ["tsx", "typescript", "vitest", "@biomejs", "nock"])
      expect(installed).not.toContain(dev);
    expect(existsSync(join(installDir, "node_modules/probot"))).toBe(true);
  });

  it("runs fixloop scan from the installed package", () => {
    const infra = join(installDir, "infra");
    mkdirSync(infra);
    writeFileSync(join(infra, "kms.tf"), 'resource "aws_kms_key" "k" {\n  description = "x"\n}\n');
    const r = spawnSync(join(installDir, "node_modules/.bin/fixloop"), ["scan", "infra"], {
      cwd: installDir,
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      "kms.tf:1  medium   aws-kms-rotation  aws_kms_key.k\n" +
        "    aws_kms_key.k does not enable key rotation (enable_key_rotation is unset, default false)\n\n" +
        "1 finding in 1 file (1 medium).\n",
    );
    expect(r.status).toBe(1);
    const version = spawnSync(join(installDir, "node_modules/.bin/fixloop"), ["--version"], {
      encoding: "utf8",
    });
    const { version: expected } = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
    expect(version.stdout).toBe(`fixloop ${expected}\n`);
  });
});
