import { PassThrough } from "node:stream";
import { expect, it } from "vitest";
import { appLogger } from "../../src/app/logger.ts";

it("never writes a bearer token, a signature or a cookie from request headers", async () => {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on("data", (c) => chunks.push(String(c)));
  const log = await appLogger({ LOG_FORMAT: "json" }, out);
  log.info(
    {
      req: {
        method: "GET",
        url: "/metrics",
        headers: {
          authorization: "Bearer scrape-token-123",
          cookie: "session=abc",
          "x-fixloop-signature-256": "sha256=deadbeef",
          "x-fixloop-signature": "v2=f00dface",
          "x-hub-signature-256": "sha256=cafe",
          "user-agent": "Prometheus/2.53",
        },
      },
    },
    "GET /metrics 200 - 3ms",
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  const line = chunks.join("");
  expect(line).toContain("GET /metrics 200");
  expect(line).toContain("Prometheus/2.53");
  for (const secret of ["scrape-token-123", "session=abc", "deadbeef", "f00dface", "cafe"])
    expect(line).not.toContain(secret);
  expect(line).toContain("[redacted]");
});

it("never writes a share link's token or a sign-in code from a request's URL", async () => {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on("data", (c) => chunks.push(String(c)));
  const log = await appLogger({ LOG_FORMAT: "json" }, out);
  // As Probot's HTTP logger (pino-http) logs: the request bound to a child, the URL in the message.
  const token = "OyMHcAJVpZerWo6IdpKq58BODbMDqI8sDGET1DUkIYM";
  log
    .child({ req: { method: "GET", url: `/share/${token}?format=csv`, headers: {} } })
    .info({ res: { statusCode: 200 } }, `GET /share/${token}?format=csv 200 - 3ms`);
  log.info(
    { req: { url: "/auth/callback?code=0123abcd&state=s3cr3t" } },
    "GET /auth/callback?code=0123abcd&state=s3cr3t 302",
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  const text = chunks.join("");
  for (const secret of [token, "0123abcd", "s3cr3t"]) expect(text).not.toContain(secret);
  expect(text).toContain("GET /share/[redacted]?format=csv 200 - 3ms");
  expect(text).toContain('"url":"/share/[redacted]?format=csv"');
  expect(text).toContain("/auth/callback?code=[redacted]&state=[redacted] 302");
});
