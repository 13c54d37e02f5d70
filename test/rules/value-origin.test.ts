// A value set from a variable is fixed where the variable is defined when that changes nothing
// else, and otherwise the fix says where the value comes from.

import { describe, expect, it } from "vitest";
import type { SourceFile } from "../../src/hcl/index.ts";
import { buildIndex } from "../../src/hcl/index.ts";
import { awsKmsRotation } from "../../src/rules/aws-kms-rotation.ts";
import { fixDetections } from "../../src/rules/fix.ts";
import { scanIndex } from "../../src/rules/scan.ts";

const KEY = `resource "aws_kms_key" "orders" {
  description         = "orders data"
  enable_key_rotation = var.rotate
}
`;

const VARIABLES = `variable "rotate" {
  type        = bool
  description = "Rotate the key yearly"
  default     = false

  validation {
    condition     = var.rotate != null
    error_message = "Set rotate."
  }
}
`;

async function fix(files: Record<string, string>) {
  const sources: SourceFile[] = Object.entries(files).map(([path, text]) => ({ path, text }));
  const index = buildIndex(sources);
  const run = await fixDetections(sources, scanIndex(index, [awsKmsRotation]), [awsKmsRotation], index);
  expect(run.outcomes).toHaveLength(1);
  const [outcome] = run.outcomes;
  const after = Object.fromEntries([...run.files].map(([p, f]) => [p, f.after]));
  return { status: outcome!.status, reason: outcome!.reason, after };
}

describe("fixes at the variable's definition", () => {
  it("sets the default when the variable has one use and no tfvars entry", async () => {
    const r = await fix({ "main.tf": KEY, "variables.tf": VARIABLES });
    expect(r.status).toBe("fixed");
    expect(r.reason).toBe(
      "set the default of var.rotate = true at variables.tf:4: enable_key_rotation is set from `var.rotate`, which has no other use",
    );
    expect(r.after).toEqual({
      "variables.tf": VARIABLES.replace("default     = false", "default     = true"),
    });
  });

  it("sets the terraform.tfvars entry, which overrides the default, keeping its comment", async () => {
    const tfvars = '# production\nrotate = false # reviewed 2024\nregion = "eu-west-1"\n';
    const r = await fix({ "main.tf": KEY, "variables.tf": VARIABLES, "terraform.tfvars": tfvars });
    expect(r.status).toBe("fixed");
    expect(r.reason).toBe(
      "set rotate = true at terraform.tfvars:2: enable_key_rotation is set from `var.rotate`, which has no other use",
    );
    expect(r.after).toEqual({
      "terraform.tfvars": '# production\nrotate = true # reviewed 2024\nregion = "eu-west-1"\n',
    });
  });

  it("sets the default in a module whose one call does not set the variable", async () => {
    const r = await fix({
      "main.tf": 'module "orders" {\n  source = "./modules/key"\n}\n',
      "modules/key/main.tf": KEY,
      "modules/key/variables.tf": VARIABLES,
    });
    expect(r.status).toBe("fixed");
    expect(r.after).toEqual({
      "modules/key/variables.tf": VARIABLES.replace("default     = false", "default     = true"),
    });
  });
});

describe("says where the value comes from when a fix there would change more", () => {
  it("the variable has another use", async () => {
    const r = await fix({
      "main.tf": `${KEY}\noutput "rotating" {\n  value = var.rotate\n}\n`,
      "variables.tf": VARIABLES,
    });
    expect(r).toEqual({
      status: "skipped",
      reason:
        "enable_key_rotation is set from `var.rotate`, defined by its default at variables.tf:4; change it there: var.rotate is used 2 times in its module, so changing it would change the other uses too",
      after: {},
    });
  });

  it("several tfvars files set it", async () => {
    const r = await fix({
      "main.tf": KEY,
      "variables.tf": VARIABLES,
      "prod.auto.tfvars": "rotate = false\n",
      "terraform.tfvars": "rotate = false\n",
    });
    expect(r).toMatchObject({
      status: "skipped",
      reason:
        "enable_key_rotation is set from `var.rotate`, defined by the tfvars entry at prod.auto.tfvars:1 (also set, and overridden, at terraform.tfvars:1); change it there: several tfvars entries set it",
    });
  });

  it("lets *.auto.tfvars override terraform.tfvars, and later auto files the earlier ones", () => {
    const judge = (files: Record<string, string>) => {
      const sources = Object.entries({ "main.tf": KEY, "variables.tf": VARIABLES, ...files }).map(
        ([path, text]) => ({ path, text }),
      );
      return scanIndex(buildIndex(sources), [awsKmsRotation]).map((d) => d.message);
    };
    // a.auto.tfvars sorts before terraform.tfvars, and still wins (Terraform's load order).
    expect(
      judge({ "a.auto.tfvars": "rotate = false\n", "terraform.tfvars": "rotate = true\n" }),
    ).toHaveLength(1);
    expect(judge({ "a.auto.tfvars": "rotate = true\n", "terraform.tfvars": "rotate = false\n" })).toEqual([]);
    expect(judge({ "a.auto.tfvars": "rotate = false\n", "b.auto.tfvars": "rotate = true\n" })).toEqual([]);
    expect(
      judge({ "terraform.tfvars": "rotate = true\n", "terraform.tfvars.json": '{ "rotate": false }\n' }),
    ).toHaveLength(1);
  });

  it("the module's calls give it different values", async () => {
    const r = await fix({
      "main.tf":
        'module "orders" {\n  source = "./modules/key"\n  rotate = false\n}\n\nmodule "billing" {\n  source = "./modules/key"\n}\n',
      "modules/key/main.tf": KEY,
      "modules/key/variables.tf": VARIABLES,
    });
    expect(r).toMatchObject({
      status: "skipped",
      reason:
        "enable_key_rotation is set from `var.rotate`, defined by the module.orders argument at main.tf:3 and its default at modules/key/variables.tf:4; change it there: the value comes from 2 places",
    });
  });

  it("the default is an expression", async () => {
    const r = await fix({
      "main.tf": KEY,
      "variables.tf": VARIABLES.replace("default     = false", 'default     = "prod" == "dev"'),
    });
    expect(r).toMatchObject({
      status: "skipped",
      reason:
        "enable_key_rotation is set from `var.rotate`, defined by its default at variables.tf:4; change it there: the value there is an expression, not a literal",
    });
  });
});
