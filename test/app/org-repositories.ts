// Repositories of the test organization for the tests that locate across several of them
// (org-candidates, replica-pushes): each holds S3 buckets named after it.

import type { InstallationRepository } from "../../src/remediate/env.ts";
import { ORG } from "./harness.ts";

/** One of the installation's repositories, on `main`. */
export const orgRepository = (name: string): InstallationRepository => ({
  owner: ORG,
  repo: name,
  defaultBranch: "main",
  archived: false,
});

/** `count` buckets `b0…`, named `acme-<name>-<i>`, as one .tf file's text. */
export const bucketsOf = (name: string, count: number) =>
  Array.from(
    { length: count },
    (_, i) => `resource "aws_s3_bucket" "b${i}" {\n  bucket = "acme-${name}-${i}"\n}\n`,
  ).join("\n");
