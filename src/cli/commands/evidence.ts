// `fixloop evidence <id>`: the evidence record of one finding as JSON, CSV or Markdown.

import { parseArgs } from "node:util";
import { buildEvidenceRecord } from "../../evidence/record.ts";
import { EVIDENCE_FORMATS, renderEvidence } from "../../evidence/render.ts";
import { resolveFindingId } from "../../store/findings.ts";
import { CliError, type CliIo } from "../io.ts";
import { oneOf } from "../options.ts";
import { withStore } from "../store-access.ts";

export async function evidenceCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: "string" }, "data-dir": { type: "string" } },
  });
  const format = oneOf(values.format, EVIDENCE_FORMATS, "--format", "json");
  if (positionals.length !== 1)
    throw new CliError(
      "give one finding id (or a unique prefix of one): fixloop evidence <id> [--format json|csv|md]",
    );
  return withStore(io, values["data-dir"], async (store) => {
    const id = await resolveFindingId(store.db, positionals[0]!);
    io.stdout.write(renderEvidence(await buildEvidenceRecord(store.db, id), format));
    return 0;
  });
}
