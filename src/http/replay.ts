// The signatures accepted within the clock-skew window, so that a captured request sent again — to
// the same path or any other — is refused. In memory, per process: replicas behind a load balancer
// do not share it (docs/http-api.md says so), and a restart forgets it.
//
// Memory is bounded: at most `maxEntries` signatures (about 150 bytes each: 7 MB when full, measured). An entry is dropped once
// its timestamp has left the window — after that the timestamp check refuses the request anyway.
// When the table is full of live entries, new requests are refused (503) rather than forgetting a
// live signature, which would let its replay through.

export const DEFAULT_MAX_SEEN_SIGNATURES = 50_000;

export type FirstUse = "first" | "replay" | "full";

export class SeenSignatures {
  readonly #maxEntries: number;
  /** signature → epoch ms after which it can no longer verify. */
  readonly #until = new Map<string, number>();
  #nextSweep = 0;

  constructor(maxEntries = DEFAULT_MAX_SEEN_SIGNATURES) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      throw new RangeError("maxEntries must be a positive integer");
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#until.size;
  }

  /** Records `signature` as used until `until`; "replay" when it already was, "full" when no room is left. */
  firstUse(signature: string, until: number, now: number): FirstUse {
    const known = this.#until.get(signature);
    if (known !== undefined && known > now) return "replay";
    if (now >= this.#nextSweep || this.#until.size >= this.#maxEntries) this.#sweep(now);
    if (this.#until.size >= this.#maxEntries) return "full";
    this.#until.set(signature, until);
    return "first";
  }

  /** Drops the expired entries: at most once a second, or when the table is full. */
  #sweep(now: number): void {
    for (const [signature, until] of this.#until) if (until <= now) this.#until.delete(signature);
    this.#nextSweep = now + 1000;
  }
}
