import { contextAttributeRule, pinnedProviderMajor } from "./attribute-shared.ts";
import { isFalse } from "./helpers.ts";

export const azureStoragePublicNestedItems = contextAttributeRule({
  id: "azure-storage-public-nested-items",
  title: "Storage account allows public access to containers and blobs",
  severity: "high",
  disruptive: true,
  provider: "azure",
  resourceTypes: ["azurerm_storage_account"],
  // 2.x: allow_blob_public_access is edited in place; unset is compliant there (default false).
  fixProviderVersions: { versions: ">= 2.0" },
  aliases: {
    checkov: ["CKV_AZURE_190"],
    trivy: [],
    tfsec: [],
    kics: [],
    securityhub: [],
    prowler: ["storage_blob_public_access_level_is_disabled"],
  },
  rationale:
    "When the account allows public nested items, any container can be switched to anonymous `blob` or `container` access, making its data readable by anyone with the URL.",
  impact: [
    "Containers that currently allow anonymous (public) read access stop serving anonymous requests: public downloads, static assets and images served straight from blob URLs break; use SAS tokens, a CDN with private origin access, or the static website endpoint instead.",
    "Applied in place, no replacement of the storage account.",
  ],
  blockPath: [],
  // allow_blob_public_access is the azurerm 2.x spelling (renamed in 3.0).
  names: ["allow_nested_items_to_be_public", "allow_blob_public_access"],
  compliant: isFalse,
  judge(value, index, resource) {
    if (value !== undefined) return isFalse(value);
    // Unset: azurerm 3.x/4.x default to true; 2.x (allow_blob_public_access) defaulted to false.
    const major = pinnedProviderMajor(index, resource, "azurerm");
    return major !== undefined && major <= 2;
  },
  fixValue: "false",
  message: (r, v) =>
    v === undefined
      ? `${r.address} does not set allow_nested_items_to_be_public (unset, the azurerm 3.x/4.x default is true: containers may be made public)`
      : `${r.address} allows public access to nested items (${JSON.stringify(v)})`,
});
