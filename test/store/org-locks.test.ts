// withOrgLock: one organization's critical sections never overlap — within a process on both
// engines, and across store handles (replicas) on PostgreSQL; a holder whose connection dies or
// who stops beating frees the lock; a waiter gives up with a clear error instead of waiting forever.

import { sql } from "kysely";
import { afterEach, beforeEach, expect, it } from "vitest";
import { OrgLockTimeoutError, orgLockKey, withGroupLock, withOrgLock } from "../../src/store/org-locks.ts";
import type { Store } from "../../src/store/store.ts";
import { describeEachEngine, freshLocation, type TestLocation } from "./engines.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `n` critical sections per store for `org`, each a few ms long; returns the most ever inside at once. */
async function maxInside(stores: Store[], org: string, n: number): Promise<number> {
  let inside = 0;
  let most = 0;
  await Promise.all(
    stores.flatMap((store) =>
      Array.from({ length: n }, () =>
        withOrgLock(store, org, async () => {
          inside++;
          most = Math.max(most, inside);
          await sleep(2);
          inside--;
        }),
      ),
    ),
  );
  return most;
}

describeEachEngine("the per-organization lock", (engine) => {
  let where: TestLocation;
  let store: Store;
  const others: Store[] = [];

  beforeEach(async () => {
    where = await freshLocation(engine);
    store = await where.open();
  });
  afterEach(async () => {
    for (const s of others.splice(0)) await s.close().catch(() => {});
    await store.close();
    await where.dispose();
  });

  it("runs one organization's sections one at a time, other organizations beside them", async () => {
    expect(await maxInside([store], "acme", 12)).toBe(1);
    // "Acme" is the same organization (GitHub logins ignore case); "globex" is another.
    let acmeInside = false;
    let overlapped = false;
    const acme = withOrgLock(store, "acme", async () => {
      acmeInside = true;
      await sleep(50);
      acmeInside = false;
    });
    const sameOrg = withOrgLock(store, "Acme", async () => expect(acmeInside).toBe(false));
    const globex = withOrgLock(store, "globex", async () => {
      overlapped = acmeInside;
    });
    await Promise.all([acme, sameOrg, globex]);
    expect(overlapped).toBe(true);
  });

  it("passes results and errors through, and a failed section does not block the next", async () => {
    await expect(withOrgLock(store, "acme", async () => 42)).resolves.toBe(42);
    await expect(
      withOrgLock(store, "acme", async () => {
        throw new Error("GitHub said no");
      }),
    ).rejects.toThrow("GitHub said no");
    await expect(withOrgLock(store, "acme", async () => "next")).resolves.toBe("next");
  });

  if (engine !== "postgres") return;

  it("excludes another replica's store handle on the same database", async () => {
    const replica = await where.open();
    others.push(replica);
    expect(await maxInside([store, replica], "acme", 8)).toBe(1);
  });

  it("runs one group's sections one at a time across replicas, other groups and the organization's beside them", async () => {
    const replica = await where.open();
    others.push(replica);
    const g1 = { repository: "acme/infra", branch: "fixloop/group/aaaa" };
    const g2 = { repository: "acme/infra", branch: "fixloop/group/bbbb" };
    let inG1 = 0;
    let mostInG1 = 0;
    const seen: string[] = [];
    const inG1Section = (s: Store) =>
      withGroupLock(s, g1, async () => {
        inG1++;
        mostInG1 = Math.max(mostInG1, inG1);
        await sleep(30);
        inG1--;
      });
    await Promise.all([
      inG1Section(store),
      inG1Section(replica),
      inG1Section(replica),
      // While g1 is held: another group of the organization, and the organization's own lock
      // (taken inside a group's, as a group opening its PR does), are not kept waiting by it.
      sleep(10).then(() =>
        withGroupLock(replica, g2, () =>
          withOrgLock(replica, "acme", async () => {
            seen.push(inG1 > 0 ? "g2 and acme beside g1" : "g2 after g1");
          }),
        ),
      ),
    ]);
    expect(mostInG1).toBe(1);
    expect(seen).toEqual(["g2 and acme beside g1"]);
    // A waiter on a group held elsewhere names the group when it gives up.
    let release = () => {};
    const holding = withGroupLock(store, g1, () => new Promise<void>((r) => (release = r)));
    await sleep(50);
    await expect(withGroupLock(replica, g1, async () => "late", { waitMs: 200 })).rejects.toThrow(
      "group acme/infra fixloop/group/aaaa stayed locked by another replica for 0 s; the job will retry",
    );
    release();
    await holding;
  });

  it("frees the lock when the holder's connection dies (a killed replica)", async () => {
    const replica = await where.open();
    others.push(replica);
    let release: () => void = () => {};
    const holding = withOrgLock(
      replica,
      "acme",
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    holding.catch(() => {});
    await sleep(100);
    await expect(withOrgLock(store, "acme", async () => "got it", { waitMs: 200 })).rejects.toThrow(
      OrgLockTimeoutError,
    );
    // The server ends the holder's session, as it does when the process dies.
    const ended = await sql<{ ended: boolean }>`
      select pg_terminate_backend(pid) as ended from pg_locks
      where locktype = 'advisory' and granted
        and database = (select oid from pg_database where datname = current_database())
        and classid = ${0x66786c70}::oid and objid = ${orgLockKey("acme") >>> 0}::oid`.execute(store.db);
    expect(ended.rows).toEqual([{ ended: true }]);
    await expect(withOrgLock(store, "acme", async () => "got it", { waitMs: 2_000 })).resolves.toBe("got it");
    release();
    await expect(holding).rejects.toThrow();
  });

  it("frees the lock of a holder that stops beating, after staleMs", async () => {
    const replica = await where.open();
    others.push(replica);
    let release: () => void = () => {};
    const holding = withOrgLock(
      replica,
      "acme",
      async () => {
        // A frozen process: no event loop turn, so no heartbeat, for longer than staleMs.
        const until = Date.now() + 1_200;
        while (Date.now() < until) {}
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      { staleMs: 300 },
    );
    holding.catch(() => {});
    await sleep(1_300);
    await expect(withOrgLock(store, "acme", async () => "got it", { waitMs: 2_000 })).resolves.toBe("got it");
    release();
    // The holder learns it lost the lock: its transaction cannot commit.
    await expect(holding).rejects.toThrow();
  });

  it("keeps the lock of a slow holder that is alive (the heartbeat)", async () => {
    const replica = await where.open();
    others.push(replica);
    const holding = withOrgLock(replica, "acme", () => sleep(1_000).then(() => "done"), { staleMs: 300 });
    await sleep(100);
    await expect(withOrgLock(store, "acme", async () => "early", { waitMs: 500 })).rejects.toThrow(
      /organization acme stayed locked by another replica/,
    );
    await expect(holding).resolves.toBe("done");
  });
});
