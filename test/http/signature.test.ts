import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SeenSignatures } from "../../src/http/replay.ts";
import {
  DEFAULT_MAX_SKEW_SECONDS,
  failureReason,
  signBody,
  signRequest,
  type VerifyRequestOptions,
  verifyRequest as verifyAny,
} from "../../src/http/signature.ts";
import { startTestServer, type TestServer } from "./server.ts";

const run = promisify(execFile);
const SECRET = "s3cr3t-for-tests-0123456789abcdef";
const NEXT_SECRET = "next-secret-after-rotation-fedcba";
const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z, in seconds
const BODY = JSON.stringify({ finding_id: "f-1", resource_arn: "arn:aws:s3:::acme-logs", severity: "high" });

const PATH = "/api/orgs/acme/findings";

const REASONS = {
  missingTimestamp: "missing X-Fixloop-Timestamp header",
  malformedTimestamp: "X-Fixloop-Timestamp must be a unix time in whole seconds (decimal digits only)",
  missingSignature: "missing X-Fixloop-Signature header",
  malformedSignature: "X-Fixloop-Signature must be v2= followed by 64 hexadecimal digits",
  malformedV1Signature: "X-Fixloop-Signature-256 must be sha256= followed by 64 hexadecimal digits",
  v1NotAllowed:
    "the deprecated v1 signature (X-Fixloop-Signature-256) is accepted only for a POST without a query string; sign this request with v2 (X-Fixloop-Signature)",
  stale: "X-Fixloop-Timestamp is more than 300 seconds in the past",
  future: "X-Fixloop-Timestamp is more than 300 seconds in the future",
  mismatch: "signature does not match the request (timestamp, method, path, query and body)",
  v1Mismatch: "signature does not match the timestamp and body",
  replayed:
    "this signature was already used: a signed request is accepted once; sign it again with a new timestamp",
  tooMany: "too many signed requests in the last minutes; try again later",
};

/** verifyRequest for a POST to acme's findings, with a fresh replay table unless one is given. */
function verifyRequest(
  options: Omit<VerifyRequestOptions, "method" | "target" | "seen"> & Partial<VerifyRequestOptions>,
) {
  return verifyAny({ method: "POST", target: PATH, seen: new SeenSignatures(), ...options });
}

/** v2 headers for a POST of `body` to `target`. */
function v2Headers(secret: string, timestamp: number, body: string | Buffer, target = PATH, method = "POST") {
  return { "content-type": "application/json", ...signRequest(secret, { timestamp, method, target, body }) };
}

function signedHeaders(secret: string, timestamp: number | string, body: string | Buffer) {
  return {
    "content-type": "application/json",
    "x-fixloop-timestamp": String(timestamp),
    "x-fixloop-signature-256": signBody(secret, timestamp, body),
  };
}

describe("the deprecated v1 signature: signBody and verifyRequest", () => {
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
    expect(verifyRequest({ secret: SECRET, headers, body: BODY, now: at(T0) })).toEqual({
      ok: true,
      scheme: "v1",
    });
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
        code: "malformed_v1_signature",
        reason: REASONS.malformedV1Signature,
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
      code: "v1_signature_mismatch",
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
      "malformed_v1_signature",
      "v1_not_allowed",
      "stale_timestamp",
      "future_timestamp",
      "signature_mismatch",
      "v1_signature_mismatch",
      "replayed",
      "too_many_signatures",
    ] as const;
    expect(codes.map((code) => failureReason(code))).toEqual([
      REASONS.missingTimestamp,
      REASONS.malformedTimestamp,
      REASONS.missingSignature,
      REASONS.malformedSignature,
      REASONS.malformedV1Signature,
      REASONS.v1NotAllowed,
      REASONS.stale,
      REASONS.future,
      REASONS.mismatch,
      REASONS.v1Mismatch,
      REASONS.replayed,
      REASONS.tooMany,
    ]);
  });
});

describe("the v2 signature: signRequest and verifyRequest", () => {
  const at = (seconds: number) => seconds * 1000;
  const v2 = (target = PATH, method = "POST", body: string = BODY, timestamp = T0) =>
    signRequest(SECRET, { timestamp, method, target, body });

  it("signs v2, timestamp, method, path, query and the body's SHA-256, one per line", async () => {
    const { createHash, createHmac } = await import("node:crypto");
    const bodyHash = createHash("sha256").update(BODY).digest("hex");
    const message = `v2\n${T0}\nPOST\n${PATH}\ncomplete=true&accounts=1\n${bodyHash}`;
    const expected = createHmac("sha256", SECRET).update(message).digest("hex");
    expect(v2(`${PATH}?complete=true&accounts=1`)).toEqual({
      "x-fixloop-timestamp": String(T0),
      "x-fixloop-signature": `v2=${expected}`,
    });
    const noQuery = createHmac("sha256", SECRET).update(
      `v2\n${T0}\nGET\n/api/findings\n\n${createHash("sha256").update("").digest("hex")}`,
    );
    expect(v2("/api/findings", "GET", "")["x-fixloop-signature"]).toBe(`v2=${noQuery.digest("hex")}`);
  });

  it("accepts the request it signs", () => {
    const headers = v2(`${PATH}?format=sarif`);
    expect(
      verifyRequest({ secret: SECRET, headers, body: BODY, now: at(T0), target: `${PATH}?format=sarif` }),
    ).toEqual({ ok: true, scheme: "v2" });
  });

  it("is worth nothing for another organization's path, an added or changed query, another method or body", () => {
    const headers = v2();
    const check = (target: string, method = "POST", body = BODY) =>
      verifyRequest({ secret: SECRET, headers, body, now: at(T0), target, method });
    for (const target of [
      "/api/orgs/globex/findings",
      `${PATH}?complete=true&accounts=123456789012`,
      "/api/orgs/acme/findings/",
      "/api/orgs/ACME/findings",
      "/api/orgs/acme/../acme/findings",
    ]) {
      expect(check(target), target).toMatchObject({ ok: false, status: 401, code: "signature_mismatch" });
    }
    expect(check(PATH, "PUT")).toMatchObject({ code: "signature_mismatch", reason: REASONS.mismatch });
    expect(check(PATH, "POST", `${BODY} `)).toMatchObject({ code: "signature_mismatch" });
    expect(check(PATH)).toEqual({ ok: true, scheme: "v2" });
  });

  it("accepts a signature once: the same request again is refused, whatever its path", () => {
    const seen = new SeenSignatures();
    const headers = v2();
    const send = (target = PATH, now = at(T0)) =>
      verifyRequest({ secret: SECRET, headers, body: BODY, now, target, seen });
    expect(send()).toEqual({ ok: true, scheme: "v2" });
    expect(send(PATH, at(T0 + 299))).toEqual({
      ok: false,
      status: 401,
      code: "replayed",
      reason: REASONS.replayed,
    });
    expect(send("/api/orgs/globex/findings")).toMatchObject({ code: "signature_mismatch" });
    // A new timestamp is a new signature: a client that means to send the same document again can.
    const again = v2(PATH, "POST", BODY, T0 + 1);
    expect(verifyRequest({ secret: SECRET, headers: again, body: BODY, now: at(T0 + 1), seen }).ok).toBe(
      true,
    );
    // A refused signature is not remembered: the genuine request still gets through after a forgery.
    const forged = { ...v2(PATH, "POST", BODY, T0 + 2), "x-fixloop-signature": `v2=${"0".repeat(64)}` };
    expect(verifyRequest({ secret: SECRET, headers: forged, body: BODY, now: at(T0 + 2), seen }).ok).toBe(
      false,
    );
    expect(seen.size).toBe(2);
  });

  it("forgets a signature once its timestamp has left the window, and refuses when its table is full", () => {
    const seen = new SeenSignatures(2);
    const send = (timestamp: number, now: number) =>
      verifyRequest({
        secret: SECRET,
        headers: v2(PATH, "POST", BODY, timestamp),
        body: BODY,
        now: at(now),
        seen,
      });
    expect(send(T0, T0).ok).toBe(true);
    expect(send(T0 + 1, T0 + 1).ok).toBe(true);
    expect(send(T0 + 2, T0 + 2)).toEqual({
      ok: false,
      status: 503,
      code: "too_many_signatures",
      reason: REASONS.tooMany,
    });
    // T0's signature could verify until T0 + 300; one second later it is dropped and there is room.
    expect(send(T0 + 2, T0 + 301).ok).toBe(true);
    expect(send(T0, T0 + 301)).toMatchObject({ code: "stale_timestamp" });
  });

  it("takes the v2 header over a v1 one, and names the v2 header when neither is there", () => {
    const headers = { ...v2(), "x-fixloop-signature-256": signBody(SECRET, T0, BODY) };
    expect(verifyRequest({ secret: SECRET, headers, body: BODY, now: at(T0) })).toEqual({
      ok: true,
      scheme: "v2",
    });
    expect(
      verifyRequest({
        secret: SECRET,
        headers: { "x-fixloop-timestamp": String(T0) },
        body: BODY,
        now: at(T0),
      }),
    ).toMatchObject({
      code: "missing_signature",
      reason: REASONS.missingSignature,
    });
    const hex = v2()["x-fixloop-signature"].slice(3);
    for (const bad of [hex, `sha256=${hex}`, `v1=${hex}`, `v2=${hex.slice(1)}`, `v2=${hex},v2=${hex}`]) {
      expect(
        verifyRequest({
          secret: SECRET,
          headers: { ...v2(), "x-fixloop-signature": bad },
          body: BODY,
          now: at(T0),
        }),
        bad,
      ).toMatchObject({ code: "malformed_signature", reason: REASONS.malformedSignature });
    }
  });

  it("accepts v1 only for a POST without a query string, and only once", () => {
    const seen = new SeenSignatures();
    const v1 = { "x-fixloop-timestamp": String(T0), "x-fixloop-signature-256": signBody(SECRET, T0, BODY) };
    const send = (target: string, method = "POST", body = BODY) =>
      verifyRequest({ secret: SECRET, headers: v1, body, now: at(T0), target, method, seen });
    // What replaying a captured v1 POST with `?complete=true` added would do: refused before anything else.
    expect(send(`${PATH}?complete=true&accounts=123456789012`)).toEqual({
      ok: false,
      status: 401,
      code: "v1_not_allowed",
      reason: REASONS.v1NotAllowed,
    });
    expect(send(`${PATH}?format=generic`)).toMatchObject({ code: "v1_not_allowed" });
    const emptyGet = {
      "x-fixloop-timestamp": String(T0),
      "x-fixloop-signature-256": signBody(SECRET, T0, ""),
    };
    expect(
      verifyRequest({
        secret: SECRET,
        headers: emptyGet,
        body: "",
        now: at(T0),
        target: "/api/findings",
        method: "GET",
        seen,
      }),
    ).toMatchObject({ code: "v1_not_allowed" });
    expect(send(PATH)).toEqual({ ok: true, scheme: "v1" });
    // Sent again — to the same organization or another one — it is a replay.
    expect(send(PATH)).toMatchObject({ code: "replayed" });
    expect(send("/api/orgs/globex/findings")).toMatchObject({ code: "replayed" });
  });
});

describe("POST /api/orgs/:org/findings on a real server", () => {
  let server: TestServer;
  let nowSeconds = T0;
  beforeAll(async () => {
    server = await startTestServer({ secret: [NEXT_SECRET, SECRET], now: () => nowSeconds * 1000 + 250 });
  });
  afterAll(() => server.close());

  const post = (headers: Record<string, string>, body: string = BODY, target = PATH) =>
    fetch(`${server.url}${target}`, { method: "POST", headers, body });
  const expectRejected = async (response: Response, reason: string) => {
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store");
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: reason });
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(NEXT_SECRET);
    expect(text).not.toContain(
      signRequest(SECRET, { timestamp: T0, method: "POST", target: PATH, body: BODY })[
        "x-fixloop-signature"
      ].slice(3),
    );
  };

  it("answers 200 to a valid signature, with the body received byte for byte", async () => {
    nowSeconds = T0;
    const response = await post(v2Headers(SECRET, T0, BODY));
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toMatchObject({ org: "acme", records: 1, bytes: Buffer.byteLength(BODY) });
  });

  it("answers 401 to the same request sent twice, to another organization and with a query added", async () => {
    nowSeconds = T0 + 10;
    const headers = v2Headers(SECRET, T0 + 10, BODY);
    expect((await post(headers)).status).toBe(200);
    await expectRejected(await post(headers), REASONS.replayed);
    await expectRejected(await post(headers, BODY, "/api/orgs/globex/findings"), REASONS.mismatch);
    await expectRejected(
      await post(headers, BODY, `${PATH}?complete=true&accounts=123456789012`),
      REASONS.mismatch,
    );
  });

  it("accepts both secrets during a rotation", async () => {
    nowSeconds = T0 + 20;
    expect((await post(v2Headers(NEXT_SECRET, T0 + 20, BODY))).status).toBe(200);
    expect((await post(v2Headers(SECRET, T0 + 20, BODY))).status).toBe(200);
  });

  it("answers 401 to a wrong secret", async () => {
    nowSeconds = T0;
    await expectRejected(await post(v2Headers("not-the-secret", T0, BODY)), REASONS.mismatch);
  });

  it("answers 401 to a tampered body", async () => {
    nowSeconds = T0 + 30;
    const headers = v2Headers(SECRET, T0 + 30, BODY);
    await expectRejected(await post(headers, BODY.replace('"high"', '"low"')), REASONS.mismatch);
    await expectRejected(await post(headers, `${BODY}\n`), REASONS.mismatch);
  });

  it("answers 401 to a tampered timestamp (still within the skew)", async () => {
    nowSeconds = T0 + 40;
    const headers = { ...v2Headers(SECRET, T0 + 40, BODY), "x-fixloop-timestamp": String(T0 + 41) };
    await expectRejected(await post(headers), REASONS.mismatch);
  });

  it("answers 401 when a header is missing or malformed", async () => {
    nowSeconds = T0;
    const { "x-fixloop-timestamp": _t, ...noTimestamp } = v2Headers(SECRET, T0, BODY);
    await expectRejected(await post(noTimestamp), REASONS.missingTimestamp);
    const { "x-fixloop-signature": _s, ...noSignature } = v2Headers(SECRET, T0, BODY);
    await expectRejected(await post(noSignature), REASONS.missingSignature);
    await expectRejected(await post({ "content-type": "application/json" }), REASONS.missingTimestamp);
    await expectRejected(
      await post({ ...v2Headers(SECRET, T0, BODY), "x-fixloop-timestamp": "2026-01-01T00:00:00Z" }),
      REASONS.malformedTimestamp,
    );
    await expectRejected(
      await post({ ...v2Headers(SECRET, T0, BODY), "x-fixloop-signature": "v2=abc" }),
      REASONS.malformedSignature,
    );
  });

  it("answers 401 to a request older than the skew, and to a timestamp from the future", async () => {
    const captured = v2Headers(SECRET, T0 + 50, BODY);
    nowSeconds = T0 + 351;
    await expectRejected(await post(captured), REASONS.stale);
    nowSeconds = T0 - 251;
    await expectRejected(await post(captured), REASONS.future);
    nowSeconds = T0 + 350;
    expect((await post(captured)).status).toBe(200);
  });

  it("still accepts a deprecated v1 POST without a query, once, and refuses it with one", async () => {
    nowSeconds = T0 + 60;
    const v1 = {
      "x-fixloop-timestamp": String(T0 + 60),
      "x-fixloop-signature-256": signBody(SECRET, T0 + 60, BODY),
    };
    await expectRejected(
      await post(v1, BODY, `${PATH}?complete=true&accounts=123456789012`),
      REASONS.v1NotAllowed,
    );
    expect((await post(v1)).status).toBe(200);
    await expectRejected(await post(v1), REASONS.replayed);
    await expectRejected(await post(v1, BODY, "/api/orgs/globex/findings"), REASONS.replayed);
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
    ).toEqual({ ok: true, scheme: "v1" });
  });

  it("shows the v2 signature that signRequest computes for the worked example", () => {
    const expected = blockAfter("the expected v2 signature").trim();
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
    expect(doc).toContain(`X-Fixloop-Signature: v2=${expected}`);
    const printed = /printf '%s' '([^']*)' > body\.json/.exec(blockAfter("expects the v2 signature below"));
    const body = Buffer.from(printed![1]!, "utf8");
    const request = { timestamp: 1767225600, method: "POST", target: "/api/orgs/acme/findings", body };
    const headers = signRequest("fixloop-example-secret-do-not-use", request);
    expect(headers["x-fixloop-signature"]).toBe(`v2=${expected}`);
    expect(doc).toContain(`the body's SHA-256 is \`${createHash("sha256").update(body).digest("hex")}\``);
  });

  withShellTools("computes the v2 signature with the documented openssl commands", async () => {
    const { stdout } = await run("sh", ["-c", blockAfter("expects the v2 signature below")], { cwd: dir });
    expect(stdout.trim()).toBe(blockAfter("the expected v2 signature").trim());
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
