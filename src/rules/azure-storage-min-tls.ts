import { contextAttributeRule, pinnedProviderMajor } from "./attribute-shared.ts";

const WEAK = new Set(["TLS1_0", "TLS1_1"]);

export const azureStorageMinTls = contextAttributeRule({
  id: "azure-storage-min-tls",
  title: "Storage account accepts TLS versions older than 1.2",
  severity: "medium",
  disruptive: true,
  provider: "azure",
  resourceTypes: ["azurerm_storage_account"],
  fixProviderVersions: { versions: ">= 2.0" },
  aliases: {
    checkov: ["CKV_AZURE_44"],
    trivy: ["AVD-AZU-0011"],
    tfsec: ["azure-storage-use-secure-tls-policy", "AZU015"],
    kics: ["8263f146-5e03-43e0-9cfe-db960d56d1e7"],
    securityhub: [],
    prowler: ["storage_ensure_minimum_tls_version_12"],
  },
  rationale:
    "TLS 1.0 and 1.1 have known weaknesses and are deprecated (RFC 8996); a storage account that still accepts them lets clients negotiate a weak channel.",
  impact: [
    "Clients that can only speak TLS 1.0/1.1 (old .NET Framework or Java runtimes, legacy appliances, old SDKs) can no longer connect; check the storage account's TLS version logs before applying.",
    "Applied in place, no replacement of the storage account.",
  ],
  blockPath: [],
  names: ["min_tls_version"],
  compliant: (v) => v !== undefined && !WEAK.has(String(v)),
  judge(value, index, resource) {
    if (value !== undefined) return !WEAK.has(String(value));
    // The default was TLS1_0 up to azurerm 2.x and is TLS1_2 from 3.0 on.
    const major = pinnedProviderMajor(index, resource, "azurerm");
    return !(major !== undefined && major <= 2);
  },
  fixValue: '"TLS1_2"',
  message: (r, v) =>
    v === undefined
      ? `${r.address} does not set min_tls_version; with the azurerm 2.x provider pinned here the default is TLS1_0`
      : `${r.address} sets min_tls_version = ${JSON.stringify(v)}`,
});
