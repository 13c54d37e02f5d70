// Module-input detection (issue 13), in this process:
//  - the real corpus (fixtures/corpus, TerraGoat, fixtures/repos, fixtures/rules): the catalog with
//    module calls judged vs the same rules without (the baseline), median of interleaved runs, and
//    the findings per rule of each;
//  - a synthetic module of N calls of the known modules: the module-call detection's time vs
//    indexing the same files (linear by construction).
// Usage: node --import tsx bench/module-calls.ts [runs] [calls]   → one JSON line.

import { join } from "node:path";
import { buildIndex, type SourceFile } from "../src/hcl/index.ts";
import { readTerraformTree } from "../src/hcl/load.ts";
import { withoutModuleCalls } from "../src/rules/modules/calls.ts";
import { RULES } from "../src/rules/registry.ts";
import { scanIndex } from "../src/rules/scan.ts";

const root = join(import.meta.dirname, "..");
const runs = Number(process.argv[2] ?? 15);
const callCount = Number(process.argv[3] ?? 2000);

async function corpus(): Promise<SourceFile[]> {
  const parts = ["fixtures/corpus", "examples/terragoat", "fixtures/repos", "fixtures/rules"];
  const out: SourceFile[] = [];
  for (const p of parts)
    for (const f of await readTerraformTree(join(root, p))) out.push({ ...f, path: `${p}/${f.path}` });
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const CALLS = [
  'source  = "terraform-aws-modules/s3-bucket/aws"\n  version = "~> 3.15"\n  acl = "public-read"',
  'source  = "terraform-aws-modules/security-group/aws"\n  version = "~> 5.0"\n  ingress_cidr_blocks = ["0.0.0.0/0"]\n  ingress_rules = ["ssh-tcp"]',
  'source  = "terraform-aws-modules/rds/aws"\n  version = "~> 6.0"\n  publicly_accessible = true',
  'source  = "terraform-aws-modules/ec2-instance/aws"\n  version = "~> 5.0"',
  'source  = "terraform-aws-modules/alb/aws"\n  version = "~> 8.0"',
  'source  = "./modules/local"',
];

function manyCalls(n: number): SourceFile[] {
  const blocks = Array.from({ length: n }, (_, i) => `module "m${i}" {\n  ${CALLS[i % CALLS.length]}\n}\n`);
  return [{ path: "main.tf", text: blocks.join("\n") }];
}

const bare = RULES.map(withoutModuleCalls);
const index = buildIndex(await corpus());
const withMs: number[] = [];
const withoutMs: number[] = [];
for (let i = 0; i < runs; i++) {
  let t = performance.now();
  scanIndex(index, bare);
  withoutMs.push(performance.now() - t);
  t = performance.now();
  scanIndex(index, RULES);
  withMs.push(performance.now() - t);
}
const count = (rules: typeof RULES) => {
  const byRule: Record<string, number> = {};
  for (const d of scanIndex(index, rules)) byRule[d.ruleId] = (byRule[d.ruleId] ?? 0) + 1;
  return byRule;
};

const synthetic = manyCalls(callCount);
let t = performance.now();
const big = buildIndex(synthetic);
const indexMs = performance.now() - t;
t = performance.now();
const found = scanIndex(big, RULES).length;
const modulesMs = performance.now() - t - 0;
console.log(
  JSON.stringify({
    files: index.files.size,
    scanWithoutMs: median(withoutMs),
    scanWithMs: median(withMs),
    ratio: median(withMs) / median(withoutMs),
    before: count(bare),
    after: count(RULES),
    calls: callCount,
    callsIndexMs: indexMs,
    callsScanMs: modulesMs,
    callsFindings: found,
  }),
);
