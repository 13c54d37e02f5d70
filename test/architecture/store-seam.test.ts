// SQL lives in src/store/: no Kysely query builder (`.selectFrom(`, `.insertInto(`, `.updateTable(`,
// `.deleteFrom(`), no raw `sql` template and no Kysely import anywhere else in src/. Code outside
// the store calls the store module named for the table (src/store/findings.ts, jobs.ts,
// audit.ts, remediations.ts, exceptions.ts, overdue-notices.ts…).
// Counted when this test was written: 51 sites in 18 files before, 13 in the 3 files below after.

import { describe, expect, it } from "vitest";
import { queriesOutsideStore } from "./seams.ts";

/**
 * TEMPORARY — files other engineers are reshaping in parallel; the lead empties this list at merge:
 *  - src/remediate/tracking-issues.ts, src/remediate/config-issue.ts: their queries move into
 *    src/store/tracking-issues.ts and src/store/config-issues.ts (the GitHub-port change);
 *  - src/app/comment-commands.ts: becomes the comment-command registry (the registry change).
 */
const PENDING_MOVE: Readonly<Record<string, number>> = {
  "src/app/comment-commands.ts": 2,
  "src/remediate/config-issue.ts": 5,
  "src/remediate/tracking-issues.ts": 6,
};

describe("the store seam", () => {
  const sites = queriesOutsideStore(process.cwd());

  it("finds no query outside src/store/ but in the files still being moved", () => {
    const stray = sites.filter((s) => !(s.file in PENDING_MOVE));
    expect(stray.map((s) => `${s.file}:${s.line} ${s.text}`)).toEqual([]);
  });

  it("lets the pending files hold no more than they did (the list only shrinks)", () => {
    const counts: Record<string, number> = {};
    for (const s of sites) counts[s.file] = (counts[s.file] ?? 0) + 1;
    for (const [file, most] of Object.entries(PENDING_MOVE))
      expect(counts[file] ?? 0, file).toBeLessThanOrEqual(most);
  });
});
