import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildIndex, type SourceFile } from "../../src/hcl/index.ts";
import { readTerraformTree } from "../../src/hcl/load.ts";
import { fixDetections } from "../../src/rules/fix.ts";
import { gcpFirewallOpenAdminPorts } from "../../src/rules/gcp-firewall-open-admin-ports.ts";
import { scanIndex } from "../../src/rules/scan.ts";
import { ruleFixtureSuite } from "./harness.ts";

ruleFixtureSuite(gcpFirewallOpenAdminPorts);

const POSITIVE = join(import.meta.dirname, "../../fixtures/rules/gcp-firewall-open-admin-ports/positive");
const scan = (sources: SourceFile[]) => scanIndex(buildIndex(sources), [gcpFirewallOpenAdminPorts]);

describe("gcp-firewall-open-admin-ports details", () => {
  it("treats an ingress rule without any source as open to 0.0.0.0/0", async () => {
    const found = scan(await readTerraformTree(POSITIVE));
    const noSource = found.find((d) => d.resource.address === "google_compute_firewall.no_source");
    expect(noSource?.message).toBe(
      "google_compute_firewall.no_source allows SSH (22) from anywhere: it sets no source_ranges, source_tags or " +
        "source_service_accounts, so GCP applies 0.0.0.0/0 (the rule opens 20-30)",
    );
  });

  it("disables the rule while the variable is empty, and re-reports it when the variable is set to the world", async () => {
    const sources = (await readTerraformTree(POSITIVE)).filter((s) => s.path.startsWith("network/"));
    const run = await fixDetections(sources, scan(sources), [gcpFirewallOpenAdminPorts]);
    const patched = sources.map((s) => ({ path: s.path, text: run.files.get(s.path)?.after ?? s.text }));
    const main = patched.find((s) => s.path === "network/main.tf")!.text;
    expect(main).toContain("  source_ranges = var.rdp_allowed_cidrs # expect");
    expect(main).toContain("  disabled      = length(var.rdp_allowed_cidrs) == 0\n");
    // The rule with a private range kept never becomes source-less, so it is not disabled.
    expect(main).not.toContain("length(var.all_protocols_admin_allowed_cidrs)");

    const open = scan([
      ...patched,
      { path: "network/terraform.tfvars", text: 'rdp_allowed_cidrs = ["0.0.0.0/0"]\n' },
    ]);
    expect(open.map((d) => d.resource.address)).toContain("google_compute_firewall.rdp");
    const vpn = scan([
      ...patched,
      { path: "network/terraform.tfvars", text: 'rdp_allowed_cidrs = ["10.8.0.0/16"]\n' },
    ]);
    expect(vpn.map((d) => d.resource.address)).not.toContain("google_compute_firewall.rdp");
  });

  it("declines source_ranges taken from a variable, with the reason", async () => {
    const sources = await readTerraformTree(POSITIVE);
    const run = await fixDetections(sources, scan(sources), [gcpFirewallOpenAdminPorts]);
    expect(run.outcomes.filter((o) => o.status === "skipped").map((o) => o.reason)).toEqual([
      "source_ranges is set from `var.ssh_sources`, so 0.0.0.0/0 is not written in google_compute_firewall.from_input; change the value where it is defined",
    ]);
  });
});
