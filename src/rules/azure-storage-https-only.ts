import { attributeRule, isFalse } from "./helpers.ts";

export const azureStorageHttpsOnly = attributeRule({
  id: "azure-storage-https-only",
  title: "Storage account accepts plain HTTP",
  severity: "high",
  disruptive: true,
  provider: "azure",
  resourceTypes: ["azurerm_storage_account"],
  // An explicit enable_https_traffic_only (the pre-3.114 spelling) is edited in place.
  fixProviderVersions: { versions: ">= 2.0" },
  aliases: {
    checkov: ["CKV_AZURE_3"],
    trivy: ["AVD-AZU-0008"],
    tfsec: ["azure-storage-enforce-https", "AZU014"],
    kics: ["12944ec4-1fa0-47be-8b17-42a034f937c2"],
    securityhub: [],
    prowler: ["storage_secure_transfer_required_is_enabled"],
  },
  rationale:
    "With secure transfer not required the storage account serves requests over plain HTTP, exposing data and SAS tokens to anyone on the network path.",
  impact: [
    "Clients using http:// endpoints (and Azure Files over SMB without encryption, e.g. SMB 2.1) are rejected; switch them to https:// / SMB 3 with encryption.",
    "Custom domains mapped to the account without HTTPS stop working over HTTP.",
  ],
  blockPath: [],
  // azurerm v4 name first; enable_https_traffic_only is the v3 spelling (removed in v4).
  names: ["https_traffic_only_enabled", "enable_https_traffic_only"],
  // Both spellings default to true.
  compliant: (v) => !isFalse(v),
  fixValue: "true",
  message: (r, v) =>
    `${r.address} turns off secure transfer (HTTPS-only is ${JSON.stringify(v)}; the provider default is true)`,
});
