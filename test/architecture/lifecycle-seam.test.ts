// A finding's state is written only through src/lifecycle/: its commands decide, src/lifecycle/
// apply.ts writes the state, the audit events and the jobs in one transaction. Outside
// src/lifecycle/ nothing calls the store's state writers (writeFindingState, insertFindings), the
// bare state change (changeState, changeStateIn), nor inserts findings or updates their `state`
// in SQL; inside src/store/ those writers are only defined.
// Counted when this test was written: 11 state writes in 8 files outside src/lifecycle/ before,
// none after.

import { describe, expect, it } from "vitest";
import { stateWriterCallsInStore, stateWritesOutsideLifecycle } from "./seams.ts";

/** Files allowed to hold what this test forbids while they are being moved: none left. */
const PENDING_MOVE: Readonly<Record<string, number>> = {};

describe("the lifecycle seam", () => {
  const root = process.cwd();
  const sites = stateWritesOutsideLifecycle(root);

  it("writes no finding state outside src/lifecycle/ but in the file still being moved", () => {
    const stray = sites.filter((s) => !(s.file in PENDING_MOVE));
    expect(stray.map((s) => `${s.file}:${s.line} ${s.text}`)).toEqual([]);
  });

  it("lets the pending file hold no more than it did (the list only shrinks)", () => {
    const counts: Record<string, number> = {};
    for (const s of sites) counts[s.file] = (counts[s.file] ?? 0) + 1;
    for (const [file, most] of Object.entries(PENDING_MOVE))
      expect(counts[file] ?? 0, file).toBeLessThanOrEqual(most);
  });

  it("has the store only define its state writers, not call them", () => {
    expect(stateWriterCallsInStore(root).map((s) => `${s.file}:${s.line} ${s.text}`)).toEqual([]);
  });
});
