// app.yml is what an org admin registers: its permission names and levels must be GitHub's own, and
// it must subscribe to every event the app handles (and to nothing it ignores).

import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = new URL("../../", import.meta.url).pathname;
const manifest = parse(readFileSync(join(root, "app.yml"), "utf8")) as {
  default_permissions: Record<string, string>;
  default_events: string[];
};

/** Every `app.on("event…")` / `app.on(["a", "b"])` in src/app/. */
function handledEvents(): Set<string> {
  const events = new Set<string>();
  for (const file of readdirSync(join(root, "src/app"))) {
    const text = readFileSync(join(root, "src/app", file), "utf8");
    for (const m of text.matchAll(/app\.on\(\s*(\[[^\]]*\]|"[^"]+")/g))
      for (const name of (m[1] as string).matchAll(/"([a-z_]+)(?:\.[a-z_]+)?"/g))
        events.add(name[1] as string);
  }
  return events;
}

describe("app.yml", () => {
  it("asks only for permissions GitHub defines, at levels it allows", () => {
    const spec = createRequire(import.meta.url)("@octokit/openapi/generated/api.github.com.json");
    const known = spec.components.schemas["app-permissions"].properties as Record<string, { enum: string[] }>;
    for (const [name, level] of Object.entries(manifest.default_permissions)) {
      expect(known[name], `unknown permission ${name}`).toBeDefined();
      expect(known[name]?.enum).toContain(level);
    }
  });

  it("subscribes to exactly the events the app handles (installation events come unasked)", () => {
    const handled = handledEvents();
    handled.delete("installation");
    handled.delete("installation_repositories");
    expect([...handled].sort()).toEqual([...manifest.default_events].sort());
  });
});
