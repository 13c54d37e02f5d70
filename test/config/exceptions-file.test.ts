// .github/fixloop-exceptions.yml: strict validation by key path, and what an entry covers.

import { describe, expect, it } from "vitest";
import { addressPattern, entryMatches, parseExceptionsFile } from "../../src/config/exceptions-file.ts";

describe("parseExceptionsFile", () => {
  it("no file: no exceptions", () => {
    expect(parseExceptionsFile(null)).toEqual({ ok: true, entries: [] });
  });

  it("reads entries with their line and the instant they end", () => {
    const parsed = parseExceptionsFile(
      "# accepted risks\nexceptions:\n  - finding: abc123\n    reason: ok\n    approvedBy: '@bob'\n    expires: 2026-12-31\n",
    );
    expect(parsed).toEqual({
      ok: true,
      entries: [
        {
          index: 0,
          line: 3,
          finding: "abc123",
          reason: "ok",
          approvedBy: "bob",
          expires: "2026-12-31",
          expiresAt: Date.parse("2027-01-01T00:00:00Z"),
        },
      ],
    });
  });

  it("names every error by key path, all or nothing", () => {
    const parsed = parseExceptionsFile(
      "exceptions:\n  - rule: S3.8\n    reason: ''\n    approvedBy: bob\n    expires: 31/12/2026\n    approver: x\n  - finding: a\n    rule: S3.8\n    reason: r\n    approvedBy: bob\n    expires: 2026-12-31\n",
    );
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? [] : parsed.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      "exceptions[0].reason: must not be empty",
      'exceptions[0].expires: must be a date written YYYY-MM-DD (got "31/12/2026")',
      "exceptions[0].approver: unknown key (expected one of: finding, rule, resource, reason, approvedBy, expires)",
      "exceptions[0].resource: required (an entry names a finding, or a rule and a resource pattern)",
      "exceptions[1].finding: name a finding, or a rule and a resource, not both",
    ]);
  });

  it("refuses YAML that does not parse, with its line", () => {
    const parsed = parseExceptionsFile("exceptions:\n  - finding: [a\n");
    expect(parsed.ok ? null : parsed.errors[0]?.message).toMatch(/^not valid YAML at line \d+: /);
  });
});

describe("entryMatches", () => {
  const finding = {
    id: "f1",
    ruleNativeId: "S3.8",
    ruleCatalogId: "aws-s3-public-access-block",
    addresses: ["arn:aws:s3:::prod-logs", "aws_s3_bucket.logs"],
  };
  const entry = { index: 0, line: 1, reason: "r", approvedBy: "bob", expires: "2026-12-31", expiresAt: 0 };

  it("matches by rule alias and address pattern", () => {
    expect(entryMatches({ ...entry, rule: "CKV_AWS_53", resource: "aws_s3_bucket.*" }, finding)).toBe(true);
    expect(entryMatches({ ...entry, rule: "S3.8", resource: "arn:aws:s3:::prod-*" }, finding)).toBe(true);
    expect(entryMatches({ ...entry, rule: "S3.8", resource: "arn:aws:s3:::dev-*" }, finding)).toBe(false);
    expect(entryMatches({ ...entry, rule: "aws-s3-encryption", resource: "*" }, finding)).toBe(false);
    expect(entryMatches({ ...entry, finding: "f1" }, finding)).toBe(true);
  });

  it("matches a hostile pattern in linear time", () => {
    const started = performance.now();
    expect(addressPattern(`${"*a".repeat(30)}b`).test("a".repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
