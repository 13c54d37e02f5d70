import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildIndex } from "../../src/hcl/index.ts";
import { readTerraformTree } from "../../src/hcl/load.ts";
import { azureNsgOpenAdminPorts } from "../../src/rules/azure-nsg-open-admin-ports.ts";
import { fixDetections } from "../../src/rules/fix.ts";
import { scanIndex } from "../../src/rules/scan.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(azureNsgOpenAdminPorts);

const POSITIVE = join(import.meta.dirname, "../../fixtures/rules/azure-nsg-open-admin-ports/positive");

describe("azure-nsg-open-admin-ports details", () => {
  it("reports inline rules by key and explains wide port ranges", async () => {
    const sources = await readTerraformTree(POSITIVE);
    const found = scanIndex(buildIndex(sources), [azureNsgOpenAdminPorts]);
    expect(found.map((d) => `${d.resource.address}:${d.key}: ${d.message}`)).toEqual([
      "azurerm_network_security_rule.ssh:: azurerm_network_security_rule.ssh allows inbound SSH (22) from Internet",
      "azurerm_network_security_rule.web_and_rdp:: azurerm_network_security_rule.web_and_rdp allows inbound RDP (3389) from 0.0.0.0/0 (the rule opens 80, 443, 3389)",
      "azurerm_network_security_rule.any_any:: azurerm_network_security_rule.any_any allows inbound SSH (22) and RDP (3389) from Any (the rule opens all ports)",
      "azurerm_network_security_group.bad_sg:security_rule[0]: azurerm_network_security_group.bad_sg security_rule[0] allows inbound SSH (22) from *",
      "azurerm_network_security_group.bad_sg:security_rule[1]: azurerm_network_security_group.bad_sg security_rule[1] allows inbound RDP (3389) from *",
      "azurerm_network_security_rule.from_input:: azurerm_network_security_rule.from_input allows inbound RDP (3389) from 0.0.0.0/0",
    ]);
  });

  it("declines a world prefix that comes from terraform.tfvars, with the reason", async () => {
    const sources = await readTerraformTree(POSITIVE);
    const detections = scanIndex(buildIndex(sources), [azureNsgOpenAdminPorts]);
    const run = await fixDetections(sources, detections, [azureNsgOpenAdminPorts]);
    const skipped = run.outcomes.filter((o) => o.status === "skipped");
    expect(skipped.map((o) => o.reason)).toEqual([
      "source_address_prefixes is set from `var.rdp_sources`, so the world prefix is not written in azurerm_network_security_rule.from_input; change the value where it is defined",
    ]);
  });

  it("swaps source_address_prefix for source_address_prefixes = var.<name>", async () => {
    const sources = await readTerraformTree(POSITIVE);
    const detections = scanIndex(buildIndex(sources), [azureNsgOpenAdminPorts]);
    const run = await fixDetections(sources, detections, [azureNsgOpenAdminPorts]);
    const main = run.files.get("rules/main.tf")?.after ?? "";
    expect(main).not.toContain("source_address_prefix ");
    expect(main).toContain("  source_address_prefixes     = var.ssh_allowed_cidrs\n");
    expect(main).toContain('source_address_prefixes     = concat(["10.0.0.0/8"], var.rdp_allowed_cidrs)');
    const ssh = run.outcomes.find(
      (o) => o.detection.resource.address === "azurerm_network_security_rule.ssh",
    );
    expect(ssh?.reason).toBe(
      "replace source_address_prefix = local.internet with source_address_prefixes = var.ssh_allowed_cidrs; " +
        "set count = length(var.ssh_allowed_cidrs) > 0 ? 1 : 0; " +
        "declare var.ssh_allowed_cidrs (default []). closes SSH (22) from the internet; set var.ssh_allowed_cidrs to the CIDRs that need access (e.g. a VPN/bastion range). " +
        "While var.ssh_allowed_cidrs is empty the rule is not created: SSH (22) from anywhere stops until someone sets the allowed CIDRs",
    );
  });
});
