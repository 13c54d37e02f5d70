// The errors a state change can end in, shared by the commands and the code that applies them.

import type { FindingState } from "./machine.ts";

/** Another writer changed the finding between our read and our write; nothing was written. */
export class ConcurrentChangeError extends Error {
  readonly code = "CONCURRENT_CHANGE";
  constructor(
    readonly findingId: string,
    readonly expected: FindingState,
    readonly actual: FindingState | undefined,
  ) {
    super(
      `finding ${findingId} is ${actual ?? "gone"}, not ${expected}: it was changed by someone else meanwhile`,
    );
    this.name = "ConcurrentChangeError";
  }
}
