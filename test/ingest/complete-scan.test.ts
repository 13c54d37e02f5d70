// A complete scan: what a sender must declare, and which findings its silence verifies. The store
// cases use the real Security Hub S3.8 sample (account 111111111111) and the generic CSPM batch,
// on both engines.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { absenceEvidence, completeScanFrom, type ScanCandidate } from "../../src/ingest/complete-scan.ts";
import { persistDocument, persistFindings } from "../../src/ingest/persist.ts";
import { changeState } from "../../src/lifecycle/change-state.ts";
import type { Store } from "../../src/store/store.ts";
import { verificationsOf } from "../../src/store/verifications.ts";
import { scopedFindingId } from "../../src/triage/dedupe.ts";
import { describeEachEngine, freshLocation, manualClock, type TestLocation } from "../store/engines.ts";
import { asffS38, readFixture, triage } from "../store/helpers.ts";

// The dedupe keys of Security Hub S3.8 on arn:aws:s3:::example (account 111111111111) and of the
// generic EC2.13 (account 123456789012), as acme's findings.
const S3_8 = scopedFindingId("ae0285f654a07dbf10547f88", { org: "acme", repository: null });
const SG = scopedFindingId("b71bcea8a45d481aa71bc276", { org: "acme", repository: null });
const APP = { kind: "app" } as const;

describe("declaring a complete scan", () => {
  it("is nothing without complete=true, and the tool defaults to the document's only one", () => {
    expect(completeScanFrom({}, ["securityhub"])).toEqual({ ok: true, scan: null });
    expect(completeScanFrom({ complete: "false" }, ["securityhub"])).toEqual({ ok: true, scan: null });
    expect(
      completeScanFrom({ complete: "true", accounts: "111111111111, 222222222222,111111111111" }, [
        "securityhub",
        "securityhub",
      ]),
    ).toEqual({
      ok: true,
      scan: { tool: "securityhub", accounts: ["111111111111", "222222222222"], rules: null },
    });
    expect(
      completeScanFrom(
        { complete: "true", accounts: "111111111111", rules: "S3.8,S3.1", tool: "SecurityHub" },
        [],
      ),
    ).toEqual({
      ok: true,
      scan: { tool: "securityhub", accounts: ["111111111111"], rules: ["S3.8", "S3.1"] },
    });
  });

  it("says what is missing or wrong, in the API's spelling or the CLI's", () => {
    const reason = (
      params: Parameters<typeof completeScanFrom>[0],
      tools: string[] = ["wiz"],
      cli = false,
    ) => {
      const r = completeScanFrom(params, tools, cli ? "cli" : "query");
      return r.ok ? "ok" : r.reason;
    };
    expect(reason({ complete: "yes" })).toBe('complete must be true or false (got "yes")');
    expect(reason({ accounts: "1" })).toBe(
      "accounts, rules and tool describe a complete scan: add complete=true, or leave them out",
    );
    expect(reason({ accounts: "1" }, ["wiz"], true)).toBe(
      "--accounts, --rules and --tool describe a complete scan: add --complete-scan, or leave them out",
    );
    expect(reason({ complete: "true" })).toBe(
      "a complete scan names the accounts it covered: accounts=<id>[,<id>…] (AWS accounts, Azure subscriptions or GCP projects)",
    );
    expect(reason({ complete: "true", accounts: " , " }, ["wiz"], true)).toBe(
      "a complete scan names the accounts it covered: --accounts <id>[,<id>…] (AWS accounts, Azure subscriptions or GCP projects)",
    );
    expect(reason({ complete: "true", accounts: "1,<script>" })).toBe('accounts: "<script>" is not an id');
    expect(reason({ complete: "true", accounts: "1", rules: "S3.8,a b" })).toBe('rules: "a b" is not an id');
    expect(reason({ complete: "true", accounts: "1" }, [])).toBe(
      "an empty complete scan must name its tool: tool=<name> (for example securityhub, wiz, prisma, generic)",
    );
    expect(reason({ complete: "true", accounts: "1" }, ["wiz", "prisma"])).toBe(
      "the findings come from several tools (prisma, wiz): a complete scan is one tool's, so send each tool's scan on its own",
    );
    expect(reason({ complete: "true", accounts: "1", tool: "prisma" }, ["wiz"])).toBe(
      "tool=prisma, but the document holds findings of wiz: a complete scan is one tool's",
    );
    const many = Array.from({ length: 1001 }, (_, i) => String(i)).join(",");
    expect(reason({ complete: "true", accounts: many })).toBe("accounts lists 1001 ids; at most 1000");
  });
});

describe("what a complete scan's silence verifies", () => {
  const candidate = (id: string, account: string | undefined, rule: string, catalog: string | null = null) =>
    ({
      id,
      account,
      ruleNativeId: rule,
      ruleCatalogId: catalog,
      sourceFindingId: `src-${id}`,
    }) satisfies ScanCandidate;
  const at = Date.parse("2026-11-20T10:00:00Z");

  it("only the covered accounts and rules, only what the scan did not report, once per finding", () => {
    const scan = {
      tool: "securityhub",
      accounts: ["111111111111"],
      rules: ["S3.8", "aws-s3-block-public-acls"],
    };
    const evidence = absenceEvidence(
      scan,
      [
        candidate("a", "111111111111", "S3.8"),
        candidate("a", "111111111111", "S3.8"),
        candidate("b", "111111111111", "S3.1", "aws-s3-block-public-acls"),
        candidate("c", "222222222222", "S3.8"),
        candidate("d", "111111111111", "EC2.13"),
        candidate("e", undefined, "S3.8"),
        candidate("f", "111111111111", "S3.8"),
      ],
      new Set(["f"]),
      at,
    );
    expect(evidence).toEqual([
      {
        findingId: "a",
        kind: "runtime",
        result: "passed",
        checkedBy: "securityhub",
        observedAt: at,
        detail:
          "S3.8 (src-a) is absent from a complete scan of account 111111111111 (rules S3.8, aws-s3-block-public-acls)",
        links: {},
      },
      expect.objectContaining({ findingId: "b", result: "passed" }),
    ]);
    expect(
      absenceEvidence({ ...scan, rules: null }, [candidate("d", "111111111111", "EC2.13")], new Set(), at)[0]
        ?.detail,
    ).toBe("EC2.13 (src-d) is absent from a complete scan of account 111111111111 (every rule)");
  });
});

describeEachEngine("a complete scan in the store", (engine) => {
  let where: TestLocation;
  let store: Store;
  const time = manualClock();

  beforeEach(async () => {
    time.set(Date.parse("2026-11-01T09:00:00.000Z"));
    where = await freshLocation(engine);
    store = await where.open(time.clock);
    await persistFindings(
      store,
      [...triage(asffS38("FAILED")), ...triage(readFixture("generic/cspm-batch.json"))],
      {
        org: "acme",
      },
    );
    for (const id of [S3_8, SG])
      await changeState(store, { findingId: id, to: "pr_open", actor: APP, reason: "opened" });
    await changeState(store, { findingId: S3_8, to: "merged", actor: APP, reason: "merged" });
    time.set(Date.parse("2026-11-02T09:00:00.000Z"));
  });
  afterEach(async () => {
    await store.close();
    await where.dispose();
  });

  const securityHub = { tool: "securityhub", accounts: ["111111111111"], rules: null };

  it("records a passing runtime re-scan for a merged finding the scan no longer reports", async () => {
    const done = await persistDocument(store, [], { org: "acme", completeScan: securityHub });
    expect(done).toEqual({ results: [], absent: [S3_8] });
    const [row, ...more] = await verificationsOf(store.db, S3_8);
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      kind: "runtime",
      result: "passed",
      checkedBy: "securityhub",
      observedAt: "2026-11-02T09:00:00.000Z",
      detail: expect.stringMatching(
        /^S3\.8 \(arn:aws:securityhub:.+\) is absent from a complete scan of account 111111111111 \(every rule\)$/,
      ),
    });
  });

  it("verifies nothing that the scan reports, that is not merged yet, or of another org, tool or account", async () => {
    // Still reported (failing): its own record is the evidence, not an absence.
    expect(
      (await persistDocument(store, triage(asffS38("FAILED")), { org: "acme", completeScan: securityHub }))
        .absent,
    ).toEqual([]);
    expect(await verificationsOf(store.db, S3_8)).toMatchObject([{ result: "failed" }]);
    // The SG finding is only pr_open; another org's scan; another tool's; another account's.
    expect(
      (
        await persistDocument(store, [], {
          org: "acme",
          completeScan: { tool: "generic", accounts: ["123456789012"], rules: null },
        })
      ).absent,
    ).toEqual([]);
    expect((await persistDocument(store, [], { org: "globex", completeScan: securityHub })).absent).toEqual(
      [],
    );
    expect((await persistDocument(store, [], { completeScan: securityHub })).absent).toEqual([]);
    expect(
      (await persistDocument(store, [], { org: "acme", completeScan: { ...securityHub, tool: "wiz" } }))
        .absent,
    ).toEqual([]);
    expect(
      (
        await persistDocument(store, [], {
          org: "acme",
          completeScan: { ...securityHub, accounts: ["222222222222"] },
        })
      ).absent,
    ).toEqual([]);
    expect(
      (await persistDocument(store, [], { org: "acme", completeScan: { ...securityHub, rules: ["S3.1"] } }))
        .absent,
    ).toEqual([]);
    expect(await verificationsOf(store.db, SG)).toEqual([]);
  });
});
