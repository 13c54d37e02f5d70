import { attribute } from "../hcl/ast.ts";
import type { Resource, TerraformIndex } from "../hcl/index.ts";
import { attributeRule, isTrue, resolveIn } from "./helpers.ts";
import type { Rule } from "./types.ts";

/**
 * Whether automatic rotation exists for this key: only symmetric encryption keys whose key material
 * KMS generates can rotate — AWS rejects `enable_key_rotation = true` on RSA_*, ECC_*, HMAC_*, SM2
 * and ML_DSA_* keys, SIGN_VERIFY / GENERATE_VERIFY_MAC usage, and keys in a custom (CloudHSM) or
 * external key store. A spec or usage that is not statically known is left out: reporting it would
 * mean guessing, and the fix could fail at apply.
 */
export function canRotate(index: TerraformIndex, key: Resource): boolean {
  const isDefaultOr = (name: string, allowed: string) => {
    const attr = attribute(key.block.body, name);
    if (!attr) return true;
    const v = resolveIn(index, key, attr)!;
    return v.known && (v.value === allowed || v.value === null);
  };
  const inKeyStore = ["custom_key_store_id", "xks_key_id"].some((n) => {
    const attr = attribute(key.block.body, n);
    if (!attr) return false;
    const v = resolveIn(index, key, attr)!;
    return !(v.known && (v.value === null || v.value === ""));
  });
  return (
    !inKeyStore &&
    isDefaultOr("customer_master_key_spec", "SYMMETRIC_DEFAULT") &&
    isDefaultOr("key_usage", "ENCRYPT_DECRYPT")
  );
}

const base = attributeRule({
  id: "aws-kms-rotation",
  title: "KMS key rotation is disabled",
  severity: "medium",
  disruptive: false,
  provider: "aws",
  resourceTypes: ["aws_kms_key"],
  fixProviderVersions: { versions: ">= 2.0" },
  aliases: {
    checkov: ["CKV_AWS_7"],
    trivy: ["AVD-AWS-0065"],
    tfsec: ["aws-kms-auto-rotate-keys", "AWS019"],
    kics: ["22fbfeac-7b5a-421a-8a27-7a2178bb910b"],
    securityhub: ["KMS.4"],
    prowler: ["kms_cmk_rotation_enabled"],
  },
  rationale:
    "Without automatic rotation a customer managed symmetric encryption key keeps the same key material forever, " +
    "so a leaked key stays useful. Asymmetric, HMAC and custom-key-store keys cannot rotate automatically and are not checked.",
  impact: [
    "AWS rotates the key material yearly; existing ciphertext stays decryptable, nothing is re-encrypted.",
  ],
  blockPath: [],
  names: ["enable_key_rotation"],
  compliant: isTrue,
  fixValue: "true",
  message: (r, v) =>
    v === undefined
      ? `${r.address} does not enable key rotation (enable_key_rotation is unset, default false)`
      : `${r.address} sets enable_key_rotation = ${JSON.stringify(v)}`,
});

export const awsKmsRotation: Rule = {
  ...base,
  detect: (ctx) => base.detect(ctx).filter((d) => canRotate(ctx.index, d.resource)),
};
