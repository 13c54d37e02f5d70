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
