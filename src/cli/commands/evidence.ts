// `fixloop evidence <id>`: the evidence record of one finding as JSON, CSV, Markdown or HTML.
// `fixloop evidence --since <date> [--until <date>]`: one row per finding with activity in the
// period (src/evidence/period.ts), for an audit folder.

import {
  InvalidPeriodError,
  type Period,
  parsePeriod,
  periodEvidence,
  renderPeriodEvidence,
} from "../../evidence/period.ts";
import { buildEvidenceRecord } from "../../evidence/record.ts";
import { EVIDENCE_FORMATS, EVIDENCE_RECORD_FORMATS, renderEvidence } from "../../evidence/render.ts";
import { exceptionRegister } from "../../store/exceptions.ts";
import { resolveFindingId } from "../../store/findings.ts";
import { CliError, type CliIo } from "../io.ts";
import { oneOf, parseCommandArgs } from "../options.ts";
import { EVIDENCE } from "../spec.ts";
import { noStoreError, withExistingStore } from "../store-access.ts";

const USAGE =
  "fixloop evidence <id> [--format json|csv|md|html], or fixloop evidence --since <date> [--until <date>] [--format json|csv|md]";

export async function evidenceCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(EVIDENCE, args);
  const format = oneOf(values.format, EVIDENCE_RECORD_FORMATS, "--format", "json");
  const { since, until } = values;
  if (since !== undefined || until !== undefined) {
    if (since === undefined) throw new CliError(`--until needs --since: ${USAGE}`);
    const periodFormat = oneOf(format, EVIDENCE_FORMATS, "--format with --since", "json");
    if (positionals.length > 0)
      throw new CliError(`give a finding id or a period (--since), not both: ${USAGE}`);
    // Parsed before the store opens, so a mistyped date fails without touching anything (the CLI's
    // store reads the same clock).
    const period = periodOf({ since, until }, Date.now());
    return withExistingStore(
      io,
      values["data-dir"],
      async (store) => {
        const accepted = await exceptionRegister(store.db, { includeEnded: true });
        io.stdout.write(
          renderPeriodEvidence(await periodEvidence(store, period), period, periodFormat, accepted),
        );
        return 0;
      },
      missing,
    );
  }
  if (positionals.length !== 1)
    throw new CliError(`give one finding id (or a unique prefix of one): ${USAGE}`);
  return withExistingStore(
    io,
    values["data-dir"],
    async (store) => {
      const id = await resolveFindingId(store.db, positionals[0]!);
      io.stdout.write(renderEvidence(await buildEvidenceRecord(store.db, id), format));
      return 0;
    },
    missing,
  );
}

/** Reading evidence never creates a store. */
function missing(location: string): never {
  throw noStoreError(location);
}

function periodOf(bounds: { since: string; until: string | undefined }, now: number): Period {
  try {
    return parsePeriod(bounds, now);
  } catch (e) {
    if (e instanceof InvalidPeriodError) throw new CliError(e.message);
    throw e;
  }
}
