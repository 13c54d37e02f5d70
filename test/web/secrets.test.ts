import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { loadSessionSecret, SESSION_SECRET_FILE, SessionKeys } from "../../src/web/secrets.ts";

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "fixloop-secret-"));
  dirs.push(dir);
  return join(dir, "data");
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it("generates a random secret into the data directory (0600) on first start and reads it back after", () => {
  const dir = dataDir();
  const first = loadSessionSecret(undefined, dir);
  expect(first.source).toBe("generated");
  expect(first.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  const path = join(dir, SESSION_SECRET_FILE);
  expect(statSync(path).mode & 0o777).toBe(0o600);
  expect(readFileSync(path, "utf8")).toBe(`${first.secret}\n`);
  expect(loadSessionSecret(undefined, dir)).toEqual({ secret: first.secret, source: "file" });
});

it("prefers FIXLOOP_SESSION_SECRET, refuses a short one, and a secret file that holds none", () => {
  const dir = dataDir();
  const secret = "s".repeat(32);
  expect(loadSessionSecret(secret, dir)).toEqual({ secret, source: "environment" });
  expect(() => loadSessionSecret("short", dir)).toThrow(
    "FIXLOOP_SESSION_SECRET must be at least 32 characters",
  );
  loadSessionSecret(undefined, dir);
  writeFileSync(join(dir, SESSION_SECRET_FILE), "\n");
  expect(() => loadSessionSecret(undefined, dir)).toThrow(
    `${join(dir, SESSION_SECRET_FILE)} holds no usable session secret: delete it to generate a new one`,
  );
});

it("signs and seals with keys derived from the secret: another secret opens nothing", () => {
  const keys = new SessionKeys("a".repeat(32));
  const other = new SessionKeys("b".repeat(32));
  expect(keys.verify(keys.sign("abc"))).toBe("abc");
  expect(other.verify(keys.sign("abc"))).toBeNull();
  expect(keys.verify("abc")).toBeNull();
  const box = keys.encrypt("ghu_token");
  expect(box).not.toContain("ghu_token");
  expect(keys.encrypt("ghu_token")).not.toBe(box); // a fresh IV each time
  expect(keys.decrypt(box)).toBe("ghu_token");
  expect(other.decrypt(box)).toBeNull();
  const [v, iv, body, tag] = box.split(".") as [string, string, string, string];
  expect(keys.decrypt([v, iv, `${body.slice(0, -2)}AA`, tag].join("."))).toBeNull();
});
