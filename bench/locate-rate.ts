// Locate rate on real repositories: how many findings, in the shapes the sources send them, fixloop
// places on exactly one Terraform block (located), on several equally good ones (ambiguous), or on
// none (not found). The repository is TerraGoat, the real module corpus (fixtures/corpus) and the
// CSPM demo repository (fixtures/repos/cspm-demo: names written as literals, as many teams do); the
// findings are generated deterministically from it in each source's shape:
//  - sarif:   file (as the scanner saw it, under a CI checkout path) + line, rule id, no address;
//  - checkov: Checkov JSON (`file_path` relative to the scanned root, `file_line_range`, `resource`);
//  - asff:    Security Hub findings naming the resource as AWS does (ARN with the cloud id, the
//             resource's `Details` — GroupName, DBInstanceIdentifier… — and its `Tags`);
//  - generic: the seed payload (`resource_arn`, no check id).
// Every finding is measured through `fixloop fix --findings --dry-run --format json`, the CLI path a
// user takes, so the figures of two versions of fixloop are comparable on the same documents.
//
// Usage: node --import tsx bench/locate-rate.ts [FIXLOOP_ROOT]   (default: this checkout)

import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Resource, resolveAttribute, resolveTags, type TerraformIndex } from "../src/hcl/index.ts";
import { indexTree } from "../src/hcl/load.ts";
import { RULES } from "../src/rules/registry.ts";

const here = join(import.meta.dirname, "..");
const ACCOUNT = "123456789012";

export interface RateSet {
  repo: string;
  documents: Record<string, string>;
  counts: Record<string, number>;
}

/** Copies the repository and writes one document per source shape; deterministic. */
export async function buildRateSet(outDir: string): Promise<RateSet> {
  const repo = join(outDir, "repo");
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(repo, { recursive: true });
  cpSync(join(here, "examples/terragoat"), join(repo, "terragoat"), { recursive: true });
  cpSync(join(here, "fixtures/corpus"), join(repo, "modules"), { recursive: true });
  cpSync(join(here, "fixtures/repos/cspm-demo"), join(repo, "cspm-demo"), { recursive: true });
  const index = await indexTree(repo);
  const managed = index.resources.filter((r) => r.mode === "managed");
  const ruleFor = (type: string) => RULES.find((r) => r.resourceTypes.includes(type));
  const covered = managed.filter((r) => ruleFor(r.type));
  const docs = {
    sarif: sarif(covered, ruleFor),
    checkov: checkov(covered, ruleFor),
    asff: asff(index, managed),
    generic: generic(index, managed),
  };
  const documents: Record<string, string> = {};
  const counts: Record<string, number> = {};
  for (const [name, [doc, n]] of Object.entries(docs)) {
    documents[name] = join(outDir, `${name}.json`);
    writeFileSync(documents[name], JSON.stringify(doc, null, 2));
    counts[name] = n;
  }
  return { repo, documents, counts };
}

type RuleFor = (type: string) => (typeof RULES)[number] | undefined;

function sarif(resources: Resource[], ruleFor: RuleFor): [unknown, number] {
  const results = resources.map((r) => ({
    ruleId: ruleFor(r.type)!.aliases.checkov[0] ?? ruleFor(r.type)!.id,
    level: "error",
    message: { text: `${r.type} ${r.name}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: `/home/runner/work/infra/infra/${r.file}` },
          region: { startLine: r.line },
        },
      },
    ],
  }));
  const run = { tool: { driver: { name: "checkov", rules: [] } }, results };
  return [{ version: "2.1.0", runs: [run] }, results.length];
}

function checkov(resources: Resource[], ruleFor: RuleFor): [unknown, number] {
  const failed = resources
    .filter((r) => ruleFor(r.type)!.aliases.checkov.length > 0)
    .map((r) => ({
      check_id: ruleFor(r.type)!.aliases.checkov[0],
      bc_check_id: null,
      check_name: ruleFor(r.type)!.title,
      check_result: { result: "FAILED" },
      file_path: `/${r.file}`,
      repo_file_path: `/${r.file}`,
      file_line_range: [r.line, r.line + 1],
      resource: r.address,
      evaluations: null,
      check_class: "checkov.terraform.checks.resource",
      guideline: null,
      severity: null,
    }));
  const doc = {
    check_type: "terraform",
    results: { passed_checks: [], failed_checks: failed, skipped_checks: [], parsing_errors: [] },
    summary: {
      passed: 0,
      failed: failed.length,
      skipped: 0,
      parsing_errors: 0,
      resource_count: failed.length,
    },
  };
  return [doc, failed.length];
}

// TerraGoat names its AWS resources after the account id, read from a data source
// (`${local.resource_prefix.value}-data`): fixloop cannot know it from the code, the CSPM reports the
// concrete name. The generator writes what AWS would report.
// biome-ignore lint/suspicious/noTemplateCurlyInString: an HCL interpolation, not a JS one
const PREFIX = "${local.resource_prefix.value}";
const CONCRETE_PREFIX = `${ACCOUNT}-acme-dev`;
const concrete = (template: string | undefined) => {
  if (template === undefined) return undefined;
  const text = template.replaceAll(PREFIX, CONCRETE_PREFIX);
  return text.includes("${") ? undefined : text;
};
const rawText = (index: TerraformIndex, r: Resource) =>
  index.files.get(r.file)?.text?.slice(r.span.start, r.span.end) ?? "";
const str = (index: TerraformIndex, r: Resource, attr: string) => {
  const v = resolveAttribute(index, r, attr);
  if (v?.known && typeof v.value === "string") return v.value;
  return concrete(new RegExp(`\\n\\s*${attr}\\s*=\\s*"([^"\\n]*)"`).exec(rawText(index, r))?.[1]);
};
const nameTag = (index: TerraformIndex, r: Resource) => {
  const v = resolveTags(index, r).Name;
  if (typeof v === "string") return v;
  return concrete(/\n\s*Name\s*=\s*"([^"\n]*)"/.exec(rawText(index, r))?.[1]);
};
const hex = (s: string, n: number) => {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(8, "0").repeat(3).slice(0, n);
};

/** How Security Hub names each resource type: the ASFF type, the control, the ARN and the Details. */
function asffResource(index: TerraformIndex, r: Resource) {
  const region = "us-west-2";
  const tags = nameTag(index, r) ? { Name: nameTag(index, r)! } : undefined;
  switch (r.type) {
    case "aws_s3_bucket": {
      const name = str(index, r, "bucket");
      return (
        name && {
          control: "S3.8",
          Type: "AwsS3Bucket",
          Id: `arn:aws:s3:::${name}`,
          Details: { AwsS3Bucket: { OwnerId: hex(name, 24) } },
          Tags: tags,
        }
      );
    }
    case "aws_security_group": {
      const name = str(index, r, "name");
      const id = `sg-${hex(r.address, 17)}`;
      return (
        name && {
          control: "EC2.13",
          Type: "AwsEc2SecurityGroup",
          Id: `arn:aws:ec2:${region}:${ACCOUNT}:security-group/${id}`,
          Details: {
            AwsEc2SecurityGroup: {
              GroupName: name,
              GroupId: id,
              OwnerId: ACCOUNT,
              VpcId: `vpc-${hex(name, 17)}`,
            },
          },
          Tags: tags,
        }
      );
    }
    case "aws_db_instance": {
      const name = str(index, r, "identifier");
      return (
        name && {
          control: "RDS.3",
          Type: "AwsRdsDbInstance",
          Id: `arn:aws:rds:${region}:${ACCOUNT}:db:${name}`,
          Details: { AwsRdsDbInstance: { DBInstanceIdentifier: name, StorageEncrypted: false } },
          Tags: tags,
        }
      );
    }
    case "aws_instance": {
      const id = `i-${hex(r.address, 17)}`;
      return (
        tags && {
          control: "EC2.8",
          Type: "AwsEc2Instance",
          Id: `arn:aws:ec2:${region}:${ACCOUNT}:instance/${id}`,
          Details: { AwsEc2Instance: { Type: "t2.nano" } },
          Tags: tags,
        }
      );
    }
    case "aws_ebs_volume": {
      const id = `vol-${hex(r.address, 17)}`;
      return (
        tags && {
          control: "EC2.3",
          Type: "AwsEc2Volume",
          Id: `arn:aws:ec2:${region}:${ACCOUNT}:volume/${id}`,
          Details: { AwsEc2Volume: { Encrypted: false } },
          Tags: tags,
        }
      );
    }
    default:
      return undefined;
  }
}

function asff(index: TerraformIndex, resources: Resource[]): [unknown, number] {
  const findings = resources.flatMap((r, i) => {
    const res = asffResource(index, r);
    if (!res) return [];
    const { control, Tags, ...resource } = res;
    const id = `arn:aws:securityhub:us-west-2:${ACCOUNT}:subscription/aws-foundational-security-best-practices/v/1.0.0/${control}/finding/${hex(`${r.address}${i}`, 8)}-0000-4000-8000-${hex(r.address, 12)}`;
    return [
      {
        SchemaVersion: "2018-10-08",
        Id: id,
        ProductArn: "arn:aws:securityhub:us-west-2::product/aws/securityhub",
        GeneratorId: `aws-foundational-security-best-practices/v/1.0.0/${control}`,
        AwsAccountId: ACCOUNT,
        Types: [
          "Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices",
        ],
        CreatedAt: "2026-11-01T10:00:00.000Z",
        UpdatedAt: "2026-11-01T10:00:00.000Z",
        Severity: { Label: "HIGH", Original: "HIGH" },
        Title: `${control} ${r.type}`,
        Description: `${control} fails`,
        ProductFields: { ControlId: control, "Resources:0/Id": resource.Id },
        Resources: [{ ...resource, Partition: "aws", Region: "us-west-2", ...(Tags ? { Tags } : {}) }],
        Compliance: { Status: "FAILED" },
        RecordState: "ACTIVE",
        Workflow: { Status: "NEW" },
      },
    ];
  });
  return [{ Findings: findings }, findings.length];
}

function generic(index: TerraformIndex, resources: Resource[]): [unknown, number] {
  const records = resources.flatMap((r) => {
    const arn =
      r.type === "aws_s3_bucket" && str(index, r, "bucket")
        ? `arn:aws:s3:::${str(index, r, "bucket")}`
        : r.type === "aws_db_instance" && str(index, r, "identifier")
          ? `arn:aws:rds:us-west-2:${ACCOUNT}:db:${str(index, r, "identifier")}`
          : undefined;
    if (!arn) return [];
    return [
      {
        finding_id: `cspm-${hex(r.address, 8)}`,
        resource_arn: arn,
        severity: "HIGH",
        context: { is_internet_reachable: true, attack_path_detected: "Internet -> EC2 -> S3:GetObject" },
        metadata: { account_id: ACCOUNT, region: "us-west-2" },
      },
    ];
  });
  return [records, records.length];
}

interface Tally {
  findings: number;
  located: number;
  ambiguous: number;
  notFound: number;
}

/** Runs `fixloop fix --findings` of the fixloop at `root` on one document and tallies the results. */
export function measureRate(root: string, repo: string, document: string): Tally {
  let stdout: string;
  try {
    stdout = execFileSync(
      process.execPath,
      [join(root, "bin/fixloop.js"), "fix", repo, "--findings", document, "--dry-run", "--format", "json"],
      { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "ignore"] },
    );
  } catch (e) {
    stdout = (e as { stdout?: string }).stdout ?? "";
  }
  const results = (JSON.parse(stdout) as { results: Array<{ located?: { kind: string } }> }).results;
  const t: Tally = { findings: results.length, located: 0, ambiguous: 0, notFound: 0 };
  for (const r of results) {
    const kind = r.located?.kind;
    if (kind === "located") t.located++;
    else if (kind === "ambiguous") t.ambiguous++;
    else t.notFound++;
  }
  return t;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = process.argv[2] ?? here;
  if (!existsSync(join(root, "bin/fixloop.js"))) throw new Error(`${root} is not a fixloop checkout`);
  const set = await buildRateSet(join(here, "bench/.out/locate-rate"));
  console.log(`| source shape | findings sent | rejected at intake | located | ambiguous | not found |`);
  console.log(`|---|---|---|---|---|---|`);
  for (const [name, doc] of Object.entries(set.documents)) {
    const t = measureRate(root, set.repo, doc);
    const sent = set.counts[name]!;
    console.log(
      `| ${name} | ${sent} | ${sent - t.findings} | ${t.located} | ${t.ambiguous} | ${t.notFound} |`,
    );
  }
}
