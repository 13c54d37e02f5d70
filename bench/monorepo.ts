// Builds the synthetic Terraform monorepo the benchmark runs on: real files from fixtures/ and
// examples/ copied round-robin into service folders until the tree holds at least `minFiles`
// files and `minBytes` bytes. Deterministic: same inputs, same tree, byte for byte.

import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

const SOURCES = ["fixtures/rules", "fixtures/corpus", "examples"];

function tfFiles(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out = out.concat(tfFiles(full));
    else if (name.endsWith(".tf")) out.push(full);
  }
  return out;
}

export interface Monorepo {
  root: string;
  files: number;
  bytes: number;
}

export function buildMonorepo(
  repoRoot: string,
  target: string,
  minFiles = 10_000,
  minBytes = 20 * 1024 * 1024,
): Monorepo {
  const seeds = SOURCES.flatMap((s) => tfFiles(join(repoRoot, s))).map((p) => ({
    name: basename(p),
    text: readFileSync(p, "utf8"),
  }));
  if (seeds.length === 0) throw new Error("no seed .tf files found");
  rmSync(target, { recursive: true, force: true });
  let files = 0;
  let bytes = 0;
  const perService = 12;
  for (let i = 0; files < minFiles || bytes < minBytes; i++) {
    const seed = seeds[i % seeds.length]!;
    const service = `services/svc-${String(Math.floor(files / perService)).padStart(5, "0")}`;
    if (files % perService === 0) mkdirSync(join(target, service), { recursive: true });
    writeFileSync(
      join(target, service, `${String(files % perService).padStart(2, "0")}-${seed.name}`),
      seed.text,
    );
    files++;
    bytes += Buffer.byteLength(seed.text);
  }
  return { root: target, files, bytes };
}
