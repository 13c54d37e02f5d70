import { execFile, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_SKEW_SECONDS,
  failureReason,
  signBody,
  verifyRequest,
} from "../../src/http/signature.ts";
import { startTestServer, type TestServer } from "./server.ts";

const run = promisify(execFile);
const SECRET = "s3cr3t-for-tests-0123456789abcdef";
const NEXT_SECRET = "next-secret-after-rotation-fedcba";
const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z, in seconds
const BODY = JSON.stringify({ finding_id: "f-1", resource_arn: "arn:aws:s3:::acme-logs", severity: "high" });

const REASONS = {
  missingTimestamp: "missing X-Fixloop-Timestamp header",
  malformedTimestamp: "X-Fixloop-Timestamp must be a unix time in whole seconds (decimal digits only)",
  missingSignature: "missing X-Fixloop-Signature-256 header",
  malformedSignature: "X-Fixloop-Signature-256 must be sha256= followed by 64 hexadecimal digits",
  stale: "X-Fixloop-Timestamp is more than 300 seconds in the past",
  future: "X-Fixloop-Timestamp is more than 300 seconds in the future",
  mismatch: "signature does not match the timestamp and body",
};

function signedHeaders(secret: string, timestamp: number | string, body: string | Buffer) {
  return {
    "content-type": "application/json",
    "x-fixloop-timestamp": String(timestamp),
    "x-fixloop-signature-256": signBody(secret, timestamp, body),
  };
}

describe("signBody and verifyRequest", () => {
  const at = (seconds: number) => seconds * 1000;

  it("signs `${timestamp}.${body}` with HMAC-SHA256, as sha256=<hex>", async () => {
    const { createHmac } = await import("node:crypto");
    const expected = createHmac("sha256", SECRET).update(`${T0}.${BODY}`).digest("hex");
    expect(signBody(SECRET, T0, BODY)).toBe(`sha256=${expected}`);
    expect(signBody(SECRET, String(T0), Buffer.from(BODY))).toBe(`sha256=${expected}`);
    expect(signBody(Buffer.from(SECRET), T0, BODY)).toBe(`sha256=${expected}`);
  });

  it("accepts a valid signature, in either hex case", () => {
    const headers = signedHeaders(SECRET, T0, BODY);
    expect(verifyRequest({ secret: SECRET, headers, body: BODY, now: at(T0) })).toEqual({ ok: true });
    const upper = {
      ...headers,
      "x-fixloop-signature-256": `sha256=${headers["x-fixloop-signature-256"].slice(7).toUpperCase()}`,
    };
    expect(verifyRequest({ secret: SECRET, headers: upper, body: Buffer.from(BODY), now: at(T0) }).ok).toBe(
      true,
    );
  });

  it("finds the headers whatever their casing in a plain object", () => {
    const headers = {
      "X-Fixloop-Timestamp": String(T0),
      "X-Fixloop-Signature-256": signBody(SECRET, T0, BODY),
    };
    expect(verifyRequest({ secret: SECRET, headers, body: BODY, now: at(T0) }).ok).toBe(true);
  });

  it("allows exactly maxSkewSeconds either way, and not one second more", () => {
    const headers = signedHeaders(SECRET, T0, BODY);
    const check = (nowSeconds: number, maxSkewSeconds?: number) =>
      verifyRequest({ secret: SECRET, headers, body: BODY, now: at(nowSeconds), maxSkewSeconds });
    expect(DEFAULT_MAX_SKEW_SECONDS).toBe(300);
    expect(check(T0 + 300).ok).toBe(true);
    expect(check(T0 + 300.999).ok).toBe(true); // milliseconds are truncated
    expect(check(T0 + 301)).toMatchObject({
      ok: false,
      status: 401,
      code: "stale_timestamp",
      reason: REASONS.stale,
    });
    expect(check(T0 - 300).ok).toBe(true);
    expect(check(T0 - 301)).toMatchObject({ ok: false, code: "future_timestamp", reason: REASONS.future });
    expect(check(T0 + 31, 30)).toMatchObject({
      code: "stale_timestamp",
      reason: "X-Fixloop-Timestamp is more than 30 seconds in the past",
    });
  });

  it("rejects malformed headers without throwing", () => {
    const good = signedHeaders(SECRET, T0, BODY);
    const verify = (headers: Record<string, string | string[]>) =>
      verifyRequest({ secret: SECRET, headers, body: BODY, now: at(T0) });
    for (const timestamp of [
      "",
      "-1",
      "1.5",
      "1767225600.0",
      "+1767225600",
      "0x6955a700",
      "1e9",
      "1234567890123",
    ]) {
      expect(verify({ ...good, "x-fixloop-timestamp": timestamp }), timestamp).toMatchObject({
        code: "malformed_timestamp",
        reason: REASONS.malformedTimestamp,
      });
    }
    const hex = good["x-fixloop-signature-256"].slice("sha256=".length);
    for (const signature of [
      hex,
      `sha1=${hex}`,
      `sha256=${hex.slice(2)}`, // 31 bytes: different length, still no exception
      `sha256=${hex}00`,
      `sha256=${hex.slice(1)}g`,
      `sha256= ${hex}`,
      `${good["x-fixloop-signature-256"]}, ${good["x-fixloop-signature-256"]}`, // sent twice, joined by Node
      "",
    ]) {
      expect(verify({ ...good, "x-fixloop-signature-256": signature }), signature).toMatchObject({
        code: "malformed_signature",
        reason: REASONS.malformedSignature,
      });
    }
    expect(verify({ ...good, "x-fixloop-signature-256": [good["x-fixloop-signature-256"], "x"] }).ok).toBe(
      false,
    );
    expect(verify({ ...good, "x-fixloop-signature-256": [good["x-fixloop-signature-256"]] }).ok).toBe(true);
  });

  it("accepts any secret of a rotation list, and none outside it", () => {
    const old = signedHeaders(SECRET, T0, BODY);
    const next = signedHeaders(NEXT_SECRET, T0, BODY);
    const rotating = [NEXT_SECRET, SECRET];
    expect(verifyRequest({ secret: rotating, headers: old, body: BODY, now: at(T0) }).ok).toBe(true);
    expect(verifyRequest({ secret: rotating, headers: next, body: BODY, now: at(T0) }).ok).toBe(true);
    expect(verifyRequest({ secret: [NEXT_SECRET], headers: old, body: BODY, now: at(T0) })).toMatchObject({
      code: "signature_mismatch",
    });
  });

  it("refuses to run without a usable secret (a server misconfiguration, not a 401)", () => {
    const headers = signedHeaders(SECRET, T0, BODY);
    expect(() => verifyRequest({ secret: [], headers, body: BODY, now: at(T0) })).toThrow(
      /no signing secret/,
    );
    expect(() => verifyRequest({ secret: "", headers, body: BODY, now: at(T0) })).toThrow(
      /must not be empty/,
    );
    expect(() => verifyRequest({ secret: [SECRET, ""], headers, body: BODY, now: at(T0) })).toThrow(/empty/);
    expect(() => signBody("", T0, BODY)).toThrow(/empty/);
    expect(() => signBody(SECRET, 1.5, BODY)).toThrow(/whole seconds/);
  });

  it("gives every failure a fixed reason that names no secret and no expected signature", () => {
    const codes = [
      "missing_timestamp",
      "malformed_timestamp",
      "missing_signature",
      "malformed_signature",
      "stale_timestamp",
      "future_timestamp",
      "signature_mismatch",
    ] as const;
    expect(codes.map((code) => failureReason(code))).toEqual([
      REASONS.missingTimestamp,
      REASONS.malformedTimestamp,
      REASONS.missingSignature,
      REASONS.malformedSignature,
      REASONS.stale,
      REASONS.future,
      REASONS.mismatch,
    ]);
  });
});

describe("POST /api/orgs/:org/findings on a real server", () => {
  let server: TestServer;
  let nowSeconds = T0;
  beforeAll(async () => {
    server = await startTestServer({ secret: [NEXT_SECRET, SECRET], now: () => nowSeconds * 1000 + 250 });
  });
  afterAll(() => server.close());

  const post = (headers: Record<string, string>, body: string = BODY) =>
    fetch(`${server.url}/api/orgs/acme/findings`, { method: "POST", headers, body });
  const expectRejected = async (response: Response, reason: string) => {
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: reason });
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(NEXT_SECRET);
    expect(text).not.toContain(signBody(SECRET, T0, BODY).slice(7));
  };

  it("answers 200 to a valid signature, with the body received byte for byte", async () => {
    nowSeconds = T0;
    const response = await post(signedHeaders(SECRET, T0, BODY));
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toMatchObject({ org: "acme", records: 1, bytes: Buffer.byteLength(BODY) });
  });

  it("accepts both secrets during a rotation", async () => {
    nowSeconds = T0;
    expect((await post(signedHeaders(NEXT_SECRET, T0, BODY))).status).toBe(200);
    expect((await post(signedHeaders(SECRET, T0, BODY))).status).toBe(200);
  });

  it("answers 401 to a wrong secret", async () => {
    nowSeconds = T0;
    await expectRejected(await post(signedHeaders("not-the-secret", T0, BODY)), REASONS.mismatch);
  });

  it("answers 401 to a tampered body", async () => {
    nowSeconds = T0;
    const headers = signedHeaders(SECRET, T0, BODY);
    await expectRejected(await post(headers, BODY.replace('"high"', '"low"')), REASONS.mismatch);
    await expectRejected(await post(headers, `${BODY}\n`), REASONS.mismatch);
  });

  it("answers 401 to a tampered timestamp (still within the skew)", async () => {
    nowSeconds = T0;
    const headers = { ...signedHeaders(SECRET, T0, BODY), "x-fixloop-timestamp": String(T0 + 1) };
    await expectRejected(await post(headers), REASONS.mismatch);
  });

  it("answers 401 when a header is missing or malformed", async () => {
    nowSeconds = T0;
    const { "x-fixloop-timestamp": _t, ...noTimestamp } = signedHeaders(SECRET, T0, BODY);
    await expectRejected(await post(noTimestamp), REASONS.missingTimestamp);
    const { "x-fixloop-signature-256": _s, ...noSignature } = signedHeaders(SECRET, T0, BODY);
    await expectRejected(await post(noSignature), REASONS.missingSignature);
    await expectRejected(await post({ "content-type": "application/json" }), REASONS.missingTimestamp);
    await expectRejected(
      await post({ ...signedHeaders(SECRET, T0, BODY), "x-fixloop-timestamp": "2026-01-01T00:00:00Z" }),
      REASONS.malformedTimestamp,
    );
    await expectRejected(
      await post({ ...signedHeaders(SECRET, T0, BODY), "x-fixloop-signature-256": "sha256=abc" }),
      REASONS.malformedSignature,
    );
  });

  it("answers 401 to a replay after the skew, and to a timestamp from the future", async () => {
    const captured = signedHeaders(SECRET, T0, BODY);
    nowSeconds = T0 + 300;
    expect((await post(captured)).status).toBe(200);
    nowSeconds = T0 + 301;
    await expectRejected(await post(captured), REASONS.stale);
    nowSeconds = T0 - 301;
    await expectRejected(await post(captured), REASONS.future);
  });
});

// The documented commands need sh, openssl and curl: skipped with a warning without them, an error under CI.
const missingTools = ["openssl", "curl"].filter(
  (tool) => spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status !== 0,
);
if (missingTools.length > 0 && process.env.CI !== "true") {
  console.warn(`docs/http-api.md: not running the documented commands, missing ${missingTools.join(", ")}`);
}
const withShellTools = missingTools.length > 0 && process.env.CI !== "true" ? it.skip : it;

describe("docs/http-api.md", () => {
  const doc = readFileSync(new URL("../../docs/http-api.md", import.meta.url), "utf8");
  /** The fenced block right after the first HTML comment containing `marker`. */
  const blockAfter = (marker: string): string => {
    const at = doc.indexOf(marker);
    expect(at, marker).toBeGreaterThan(-1);
    const match = /<!--[\s\S]*?-->\s*```[a-z]*\n([\s\S]*?)```/.exec(doc.slice(doc.lastIndexOf("<!--", at)));
    expect(match, marker).not.toBeNull();
    return match![1]!;
  };
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "fixloop-http-doc-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("shows the signature that signBody computes for the worked example", () => {
    const expected = blockAfter("the expected signature").trim();
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
    expect(doc).toContain(`X-Fixloop-Signature-256: sha256=${expected}`);
    const printed = /printf '%s' '([^']*)' > body\.json/.exec(blockAfter("expects the signature below"));
    const body = Buffer.from(printed![1]!, "utf8");
    const secret = "fixloop-example-secret-do-not-use";
    expect(signBody(secret, 1767225600, body)).toBe(`sha256=${expected}`);
    expect(
      verifyRequest({
        secret,
        headers: { "x-fixloop-timestamp": "1767225600", "x-fixloop-signature-256": `sha256=${expected}` },
        body,
        now: 1767225600_000,
      }),
    ).toEqual({ ok: true });
  });

  withShellTools("computes that signature with the documented openssl command", async () => {
    const { stdout } = await run("sh", ["-c", blockAfter("expects the signature below")], { cwd: dir });
    expect(stdout.trim()).toBe(blockAfter("the expected signature").trim());
    expect(
      signBody("fixloop-example-secret-do-not-use", 1767225600, readFileSync(join(dir, "body.json"))),
    ).toBe(`sha256=${stdout.trim()}`);
  });

  withShellTools("sends a findings file with the documented openssl + curl commands", async () => {
    const script = blockAfter("runs this block with sh, curl and openssl");
    const file = new URL("../../fixtures/findings/generic/cspm-batch.json", import.meta.url);
    copyFileSync(file, join(dir, "findings.json"));
    const bytes = readFileSync(file);
    const server = await startTestServer({ secret: SECRET }); // the real clock, as `date +%s`
    try {
      const env = { PATH: process.env.PATH, FIXLOOP_URL: server.url, FIXLOOP_SECRET: SECRET };
      const { stdout } = await run("sh", ["-c", script], { cwd: dir, env });
      const { createHash } = await import("node:crypto");
      expect(JSON.parse(stdout)).toEqual({
        org: "acme",
        records: (JSON.parse(bytes.toString("utf8")) as unknown[]).length,
        bytes: bytes.length,
        sha256: createHash("sha256").update(bytes).digest("hex"),
      });

      const wrong = run("sh", ["-c", script], { cwd: dir, env: { ...env, FIXLOOP_SECRET: "wrong" } });
      await expect(wrong).rejects.toMatchObject({
        code: 22,
        stdout: JSON.stringify({ error: REASONS.mismatch }),
      });
    } finally {
      await server.close();
    }
  });
});
