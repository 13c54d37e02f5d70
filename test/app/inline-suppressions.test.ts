// Suppressions written in the code meet the register: when the app plans a fix in a repository it
// records the #checkov:skip / #tfsec:ignore comments it sees there, with their reason and expiry.

import { afterEach, beforeEach, expect, it } from "vitest";
import { registerJson } from "../../src/report/exceptions.ts";
import { exceptionRegister } from "../../src/store/exceptions.ts";
import { useMockGitHub } from "../github/kit/mock-github.ts";
import { type Harness, startHarness } from "./harness.ts";
import { openFixPr } from "./verification-setup.ts";

const gh = useMockGitHub();
const WEBSITE = `resource "aws_s3_bucket" "website" {
  #checkov:skip=CKV_AWS_18:The website bucket's access logs go to CloudFront
  bucket = "acme-website"
}

#tfsec:ignore:aws-s3-enable-versioning:exp:2027-01-31
resource "aws_s3_bucket" "scratch" {
  bucket = "acme-scratch"
}
`;

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ files: { "website.tf": WEBSITE } });
});
afterEach(async () => {
  await h.close();
});

it("records the repository's inline suppressions when the app plans a fix there", async () => {
  await openFixPr(h, gh());
  const rows = registerJson(await exceptionRegister(h.store.db)).map(({ createdAt: _, ...r }) => r);
  expect(rows).toEqual([
    {
      kind: "inline-suppression",
      origin: "inline",
      finding: null,
      rule: "aws-s3-enable-versioning",
      approvedBy: null,
      reason: "",
      expiresAt: "2027-02-01T00:00:00.000Z",
      reference: "acme/infra/website.tf:6",
      org: "acme",
    },
    {
      kind: "inline-suppression",
      origin: "inline",
      finding: null,
      rule: "CKV_AWS_18",
      approvedBy: null,
      reason: "The website bucket's access logs go to CloudFront",
      expiresAt: null,
      reference: "acme/infra/website.tf:2",
      org: "acme",
    },
  ]);
});
