// 150 concurrent 10 MB POSTs that nobody signed, against the API handler in a process of their own
// (bench/api-load.ts), so the memory measured is the server's: unsigned requests are refused before
// any body byte is buffered, and forged ones (well-formed headers, wrong signature) are read at most
// DEFAULT_MAX_PENDING_BODIES at a time, the rest answered 503 with Retry-After. Before issue 11 every
// one of them was buffered: +1.2 GB for this load (docs/benchmarks.md, `npm run bench -- --only api`).

import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { LoadResult } from "../../bench/api-load.ts";
import { DEFAULT_MAX_PENDING_BODIES } from "../../src/http/routes.ts";

const run = promisify(execFile);
const driver = join(import.meta.dirname, "../../bench/api-load.ts");

async function load(mode: "unsigned" | "forged"): Promise<LoadResult> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", driver, mode, "150", "10"], {
    timeout: 120_000,
  });
  return JSON.parse(stdout.trim().split("\n").pop()!) as LoadResult;
}

describe("150 concurrent unsigned 10 MB requests", () => {
  it("are refused with 401 before their bodies are read: the server grows by less than 64 MB", async () => {
    const result = await load("unsigned");
    // Refused before the body is read: each answer is a 401, or — when the server has answered and
    // closed while the client was still writing its 10 MB — a broken pipe or reset on the client.
    const { 401: refused = 0, EPIPE: pipe = 0, ECONNRESET: reset = 0, ...other } = result.statuses;
    expect(other).toEqual({});
    expect(refused + pipe + reset).toBe(150);
    expect(refused).toBeGreaterThanOrEqual(140);
    expect(result.peakGrowthMb).toBeLessThan(64);
  }, 130_000);

  it("with forged signature headers, are read 16 at a time and the rest answered 503 with Retry-After", async () => {
    expect(DEFAULT_MAX_PENDING_BODIES).toBe(16);
    const result = await load("forged");
    // A 503 is sent before the body is read; a client still writing may see the close as EPIPE/ECONNRESET.
    const {
      401: refused = 0,
      503: answered = 0,
      EPIPE: pipe = 0,
      ECONNRESET: reset = 0,
      ...other
    } = result.statuses;
    const busy = answered + pipe + reset;
    expect(other).toEqual({});
    expect(refused + busy).toBe(150);
    expect(refused).toBeLessThanOrEqual(2 * DEFAULT_MAX_PENDING_BODIES);
    expect(busy).toBeGreaterThanOrEqual(150 - 2 * DEFAULT_MAX_PENDING_BODIES);
    // 16 bodies of 10 MB, each briefly twice (chunks, then the joined buffer), plus sockets.
    expect(result.peakGrowthMb).toBeLessThan(16 * 10 * 2 + 64);
  }, 130_000);
});
