import { describe, expect, it } from "vitest";
import { buildIndex } from "../../src/hcl/index.ts";
import { majorOf } from "../../src/rules/attribute-shared.ts";
import { azureStorageMinTls } from "../../src/rules/azure-storage-min-tls.ts";
import { scanIndex } from "../../src/rules/scan.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(azureStorageMinTls);

describe("azure-storage-min-tls provider defaults", () => {
  it("reads the major version a constraint pins", () => {
    expect(majorOf("~> 2.46")).toBe(2);
    expect(majorOf("= 2.99.0")).toBe(2);
    expect(majorOf("2.99.0")).toBe(2);
    expect(majorOf(">= 2.0, < 3.0")).toBe(2);
    expect(majorOf("~> 3.0")).toBe(3);
    expect(majorOf("~> 2")).toBeUndefined();
    expect(majorOf(">= 2.0")).toBeUndefined();
    expect(majorOf(">= 3.0, < 5.0")).toBeUndefined();
  });

  it("applies the 2.x default to a child module through the root module that pins the provider", () => {
    const sources = [
      {
        path: "main.tf",
        text: `terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 2.90"
    }
  }
}

module "storage" {
  source = "./modules/storage"
}
`,
      },
      {
        path: "modules/storage/main.tf",
        text: `resource "azurerm_storage_account" "this" {
  name                     = "childsa"
  resource_group_name      = "rg"
  location                 = "West Europe"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
`,
      },
    ];
    const found = scanIndex(buildIndex(sources), [azureStorageMinTls]);
    expect(found.map((d) => `${d.resource.file}:${d.line}`)).toEqual(["modules/storage/main.tf:1"]);
    expect(found[0]!.message).toContain("TLS1_0");
    // Without the 2.x pin the default is TLS1_2: nothing to report.
    const unpinned = sources.map((s) =>
      s.path === "main.tf" ? { ...s, text: s.text.replace("~> 2.90", "~> 3.90") } : s,
    );
    expect(scanIndex(buildIndex(unpinned), [azureStorageMinTls])).toEqual([]);
  });

  it("reads the 0.12-era version argument of a provider block", () => {
    const text = `provider "azurerm" {
  version = "~> 2.20"
  features {}
}

resource "azurerm_storage_account" "old" {
  name                     = "oldsa"
  resource_group_name      = "rg"
  location                 = "West Europe"
  account_tier             = "Standard"
  account_replication_type = "LRS"
}
`;
    const found = scanIndex(buildIndex([{ path: "main.tf", text }]), [azureStorageMinTls]);
    expect(found.map((d) => d.line)).toEqual([6]);
  });
});
