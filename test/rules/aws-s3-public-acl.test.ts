import { describe, expect, it } from "vitest";
import { buildIndex } from "../../src/hcl/index.ts";
import { awsS3PublicAcl } from "../../src/rules/aws-s3-public-acl.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(awsS3PublicAcl);

describe("aws-s3-public-acl details", () => {
  it("reports each public grant separately and declines to edit grants", () => {
    const index = buildIndex([
      {
        path: "main.tf",
        text: `resource "aws_s3_bucket" "x" {
  bucket = "acme-x"

  grant {
    type        = "Group"
    permissions = ["READ"]
    uri         = "http://acs.amazonaws.com/groups/global/AllUsers"
  }

  grant {
    type        = "Group"
    permissions = ["WRITE"]
    uri         = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
  }
}
`,
      },
    ]);
    const detections = awsS3PublicAcl.detect({ index });
    expect(detections.map((d) => [d.key, d.line])).toEqual([
      ["grant[0]", 7],
      ["grant[1]", 13],
    ]);
    const plan = awsS3PublicAcl.fix!(detections[0]!, { index });
    expect(plan).toEqual({
      kind: "unfixable",
      reason:
        "grant[0] grants access to the AllUsers (anyone on the internet) group; remove that grant by hand " +
        "(fixloop does not rewrite explicit grants: the remaining grants, owner and permissions need a human decision)",
    });
  });

  it("names the expression a public acl comes from", () => {
    const index = buildIndex([
      {
        path: "main.tf",
        text: `locals {
  acl = "public-read"
}

resource "aws_s3_bucket_acl" "x" {
  bucket = "acme-x"
  acl    = local.acl
}
`,
      },
    ]);
    const [d] = awsS3PublicAcl.detect({ index });
    expect(awsS3PublicAcl.fix!(d!, { index })).toEqual({
      kind: "unfixable",
      reason: "acl is set from `local.acl`; change the value where it is defined",
    });
  });
});
