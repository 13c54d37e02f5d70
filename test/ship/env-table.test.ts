// The README's environment table lists every variable src/ reads, and nothing src/ does not read
// (apart from the ones Probot reads itself).

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
/** Read by Probot (its setup flow, its server, smee), not by fixloop's own code. */
const READ_BY_PROBOT = ["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET", "WEBHOOK_PROXY_URL"];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** `env.X`, `process.env.X`, `(io.env ?? process.env).X`, `env["X"]`, `env[\`INPUT_…\`]` — reads, not writes. */
function variablesRead(text: string): Set<string> {
  const code = text.replace(/^\s*\/\/.*$/gm, "").replace(/\/\*[\s\S]*?\*\//g, "");
  const found = new Set<string>();
  const patterns = [
    /\b(?:env|process\.env)\??\.([A-Z][A-Z0-9_]+)\b(?!\s*=(?!=))/g,
    /\benv\)\??\.([A-Z][A-Z0-9_]+)\b(?!\s*=(?!=))/g,
    /\benv\[["']([A-Z][A-Z0-9_]+)["']\](?!\s*=(?!=))/g,
    /\benv\[`(INPUT_)\$\{/g,
  ];
  for (const re of patterns)
    for (const m of code.matchAll(re)) found.add(m[1] === "INPUT_" ? "INPUT_*" : m[1]!);
  return found;
}

function tableVariables(): Set<string> {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const table = readme.slice(readme.indexOf("| variable | what |"));
  const rows = table.slice(0, table.indexOf("\n\n")).split("\n").slice(2);
  return new Set(
    rows.flatMap((row) => [...row.split("|")[1]!.matchAll(/`([A-Z][A-Z0-9_]*\*?)`/g)].map((m) => m[1]!)),
  );
}

describe("the README's environment table", () => {
  it("finds the reads it is meant to find", () => {
    expect([
      ...variablesRead(
        'const a = env.LOG_LEVEL || "info"; (io.env ?? process.env).GITHUB_TOKEN; env.GIT_TERMINAL_PROMPT = "0"; x = env["PORT"]; env[`INPUT_${n}`]',
      ),
    ]).toEqual(["LOG_LEVEL", "GITHUB_TOKEN", "PORT", "INPUT_*"]);
  });

  it("lists every variable src/ reads, and only those (plus Probot's)", () => {
    const read = new Set<string>();
    for (const file of sources(join(ROOT, "src")))
      for (const v of variablesRead(readFileSync(file, "utf8"))) read.add(v);
    const table = tableVariables();
    expect([...read].filter((v) => !table.has(v)).sort(), "read in src/ but missing from the table").toEqual(
      [],
    );
    expect(
      [...table].filter((v) => !read.has(v) && !READ_BY_PROBOT.includes(v)).sort(),
      "in the table but read nowhere",
    ).toEqual([]);
  });
});
