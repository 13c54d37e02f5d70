// How the commands reach the store: the location from DATABASE_URL / FIXLOOP_DATA_DIR /
// --data-dir (a relative data directory is relative to the working directory, like file
// arguments), opened for one command and always closed, whatever the command does.

import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { redactUrl, SQLITE_FILE } from "../store/connect.ts";
import { Store, storeLocationFromEnv } from "../store/store.ts";
import { CliError, type CliIo } from "./io.ts";

export async function openStore(io: CliIo, dataDirFlag: string | undefined): Promise<Store> {
  const location = storeLocationFromEnv(io.env ?? process.env, dataDirFlag);
  const dataDir = resolve(io.cwd, location.dataDir ?? ".fixloop");
  try {
    return await Store.open({ ...location, dataDir });
  } catch (e) {
    // Only the redacted location is printed: DATABASE_URL may carry a password.
    const where = location.databaseUrl ? redactUrl(location.databaseUrl) : dataDir;
    throw new CliError(
      `cannot open the store at ${where}: ${scrub((e as Error).message, location.databaseUrl)}`,
    );
  }
}

/** A driver message with the URL or its password in it (a parse error quoting its input) is cut. */
function scrub(message: string, url: string | undefined): string {
  if (!url) return message;
  let out = message.split(url).join(redactUrl(url));
  try {
    const encoded = new URL(url).password;
    for (const password of [encoded, decodeURIComponent(encoded)])
      if (password) out = out.split(password).join("***");
  } catch {
    // an unparseable URL has no password we could find; the whole URL was already replaced
  }
  return out;
}

/** Runs `fn` with an open store and closes it afterwards, also when `fn` throws. */
export async function withStore<T>(
  io: CliIo,
  dataDirFlag: string | undefined,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  const store = await openStore(io, dataDirFlag);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * For commands that only read: when the SQLite store does not exist yet, `whenMissing` answers
 * (with the file's path) instead of opening it, which would create the directory and the file.
 * With DATABASE_URL the database is opened as usual (its tables are the app's to create).
 */
export async function withExistingStore<T>(
  io: CliIo,
  dataDirFlag: string | undefined,
  fn: (store: Store) => Promise<T>,
  whenMissing: (location: string) => T,
): Promise<T> {
  const location = storeLocationFromEnv(io.env ?? process.env, dataDirFlag);
  if (!location.databaseUrl) {
    const file = join(resolve(io.cwd, location.dataDir ?? ".fixloop"), SQLITE_FILE);
    if (!existsSync(file)) return whenMissing(file);
  }
  return withStore(io, dataDirFlag, fn);
}

/** What `finding` and `evidence` say when nothing was ever stored. */
export function noStoreError(location: string): CliError {
  return new CliError(
    `no store at ${location}: nothing has been stored yet (fixloop ingest <file>… --store, or --data-dir DIR)`,
  );
}
