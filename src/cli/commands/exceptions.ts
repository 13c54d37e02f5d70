// `fixloop exceptions [--expiring 30d] [--json]`: the register of accepted risks in the store.

import {
  expiringWithin,
  InvalidWindowError,
  parseWindow,
  registerJson,
  renderRegisterText,
} from "../../report/exceptions.ts";
import { exceptionRegister } from "../../store/exceptions.ts";
import { CliError, type CliIo } from "../io.ts";
import { parseCommandArgs } from "../options.ts";
import { EXCEPTIONS } from "../spec.ts";
import { noStoreError, withExistingStore } from "../store-access.ts";

function windowOf(text: string | undefined): number | null {
  if (text === undefined) return null;
  try {
    return parseWindow(text);
  } catch (e) {
    if (e instanceof InvalidWindowError) throw new CliError(e.message);
    throw e;
  }
}

export async function exceptionsCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(EXCEPTIONS, args);
  if (positionals.length > 0) throw new CliError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const window = windowOf(values.expiring);
  return withExistingStore(
    io,
    values["data-dir"],
    async (store) => {
      const all = await exceptionRegister(store.db);
      const rows = window === null ? all : expiringWithin(all, store.now(), window);
      io.stdout.write(
        values.json ? `${JSON.stringify(registerJson(rows), null, 2)}\n` : renderRegisterText(rows),
      );
      return 0;
    },
    (location) => {
      throw noStoreError(location);
    },
  );
}
