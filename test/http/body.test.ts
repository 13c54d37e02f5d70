import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_BODY_LIMIT_BYTES, parseJsonBody } from "../../src/http/body.ts";
import { signRequest } from "../../src/http/signature.ts";
import { startTestServer, type TestServer } from "./server.ts";

const SECRET = "body-test-secret-0123456789abcdef";
const MB = 1024 * 1024;
const TOO_LARGE = { error: "request body is larger than 10485760 bytes" };

let signedSoFar = 0;
/** v2 headers for a POST to acme's findings; each with its own timestamp, as a signature is accepted once. */
function signed(body: string | Buffer) {
  const timestamp = Math.floor(Date.now() / 1000) - signedSoFar++;
  const target = "/api/orgs/acme/findings";
  return {
    "content-type": "application/json",
    ...signRequest(SECRET, { timestamp, method: "POST", target, body }),
  };
}

/** A chunked upload (no Content-Length) of `chunks` × `size` bytes; it never ends when `hang` is set. */
function chunkedBody(chunks: number, size: number, { hang = false } = {}) {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent < chunks) {
        sent++;
        controller.enqueue(new Uint8Array(size).fill(0x20));
      } else if (hang) {
        await new Promise(() => {});
      } else {
        controller.close();
      }
    },
  });
}

/** A JSON document of exactly `bytes` bytes. */
function jsonOfSize(bytes: number): string {
  const shell = '{"padding":""}';
  return `{"padding":"${"x".repeat(bytes - shell.length)}"}`;
}

describe("the body of POST /api/orgs/:org/findings", () => {
  let server: TestServer;
  let small: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ secret: SECRET });
    small = await startTestServer({ secret: SECRET, limitBytes: 1024 });
  });
  afterAll(async () => {
    await server.close();
    await small.close();
  });

  const post = (target: TestServer, init: RequestInit & { duplex?: "half" }) =>
    fetch(`${target.url}/api/orgs/acme/findings`, { method: "POST", ...init });

  it("has a 10 MB default limit", () => {
    expect(DEFAULT_BODY_LIMIT_BYTES).toBe(10 * MB);
  });

  it("answers 413 to 11 MB with a Content-Length, without reading the body, and closes the connection", async () => {
    const before = server.handled.length;
    const response = await post(server, { body: Buffer.alloc(11 * MB, 0x20) });
    expect(response.status).toBe(413);
    expect(response.headers.get("connection")).toBe("close");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual(TOO_LARGE);
    expect((await server.waitForHandled(before + 1))[before]).toEqual({
      status: 413,
      bodyReadStarted: false,
    });
  });

  it("answers 413 to a chunked upload as soon as it passes 10 MB, before the upload ends", async () => {
    const before = server.handled.length;
    // 11 chunks of 1 MB, then the stream stays open forever: only an early answer can end this test.
    const response = await post(server, { body: chunkedBody(11, MB, { hang: true }), duplex: "half" });
    expect(response.status).toBe(413);
    expect(response.headers.get("connection")).toBe("close");
    expect(await response.json()).toEqual(TOO_LARGE);
    expect((await server.waitForHandled(before + 1))[before]).toEqual({ status: 413, bodyReadStarted: true });
  });

  it("answers 413 to a complete 11 MB chunked upload, and the next request gets through", async () => {
    const response = await post(server, { body: chunkedBody(11, MB), duplex: "half" });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual(TOO_LARGE);
    const body = JSON.stringify({ finding_id: "after-413" });
    expect((await post(server, { headers: signed(body), body })).status).toBe(200);
  });

  it("checks the size before the signature: an unsigned 11 MB request is 413, a small one 401", async () => {
    expect((await post(server, { body: Buffer.alloc(11 * MB, 0x20) })).status).toBe(413);
    expect((await post(server, { body: "{}" })).status).toBe(401);
  });

  it("accepts exactly the limit and rejects one byte more, with and without Content-Length", async () => {
    const atLimit = jsonOfSize(1024);
    const overLimit = jsonOfSize(1025);
    expect(Buffer.byteLength(atLimit)).toBe(1024);
    expect((await post(small, { headers: signed(atLimit), body: atLimit })).status).toBe(200);
    const overResponse = await post(small, { headers: signed(overLimit), body: overLimit });
    expect(overResponse.status).toBe(413);
    expect(await overResponse.json()).toEqual({ error: "request body is larger than 1024 bytes" });

    const chunks = (text: string) => {
      const bytes = Buffer.from(text);
      let at = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at >= bytes.length) return controller.close();
          controller.enqueue(bytes.subarray(at, at + 100));
          at += 100;
        },
      });
    };
    const chunkedAt = await post(small, { headers: signed(atLimit), body: chunks(atLimit), duplex: "half" });
    expect(chunkedAt.status).toBe(200);
    expect(await chunkedAt.json()).toMatchObject({ bytes: 1024 });
    const chunkedOver = await post(small, {
      headers: signed(overLimit),
      body: chunks(overLimit),
      duplex: "half",
    });
    expect(chunkedOver.status).toBe(413);
  });

  it("answers 400 with the JSON parser's position to a signed body that is not JSON", async () => {
    const body = '{"finding_id":"f-1"';
    const response = await post(server, { headers: signed(body), body });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const { error } = (await response.json()) as { error: string };
    expect(error).toBe(`request body is not valid JSON: ${parseError(body)}`);
    expect(error).toContain("position 19");
  });

  it("answers 400 to a body that is empty or not UTF-8, and ignores a byte order mark", async () => {
    const expect400 = async (body: Buffer, error: string) => {
      const response = await post(server, { headers: signed(body), body: new Uint8Array(body) });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error });
    };
    await expect400(Buffer.alloc(0), "request body is empty; expected JSON");
    await expect400(Buffer.from(" \n"), "request body is empty; expected JSON");
    await expect400(
      Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
      "request body is not valid UTF-8",
    );

    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[{"a":1},{"a":2}]')]);
    const response = await post(server, { headers: signed(withBom), body: new Uint8Array(withBom) });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ records: 2, bytes: withBom.length });
  });

  it("settles when the client goes away in the middle of the body", async () => {
    const before = server.handled.length;
    const body = Buffer.alloc(64 * 1024, 0x20);
    await new Promise<void>((resolve) => {
      const { hostname, port } = new URL(server.url);
      const req = request({ hostname, port, method: "POST", path: "/api/orgs/acme/findings" });
      req.setHeader("content-length", String(body.length * 2));
      req.on("error", () => resolve());
      req.write(body, () => setTimeout(() => req.destroy(), 50));
    });
    expect((await server.waitForHandled(before + 1))[before]).toEqual({ status: 400, bodyReadStarted: true });
  });
});

describe("parseJsonBody", () => {
  it("returns the value, or the parser's message", () => {
    expect(parseJsonBody(Buffer.from('{"a":[1,2]}'))).toEqual({ ok: true, value: { a: [1, 2] } });
    expect(parseJsonBody(Buffer.from('{"a":1,}'))).toEqual({
      ok: false,
      status: 400,
      reason: `request body is not valid JSON: ${parseError('{"a":1,}')}`,
    });
  });

  it("keeps the reason short for a huge body", () => {
    const body = Buffer.from(`[${"1,".repeat(1_000_000)}x]`);
    const result = parseJsonBody(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason.length).toBeLessThanOrEqual(300);
  });
});

function parseError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${text} parsed`);
}
