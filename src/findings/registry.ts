// The source formats fixloop reads: one table, and the one place a document's format is decided.

import type { FindingParser, ParseContext, ParseResult } from "./model.ts";
import { genericParser } from "./parsers/generic.ts";

export const PARSERS: readonly FindingParser[] = [genericParser];

export class UnknownFormatError extends Error {
  readonly code = "FINDINGS_UNKNOWN_FORMAT";
}

export function parserById(id: string): FindingParser | undefined {
  return PARSERS.find((p) => p.id === id);
}

/** The format of a parsed JSON document, by asking each parser in table order. */
export function detectFormat(document: unknown): FindingParser | undefined {
  return PARSERS.find((p) => {
    try {
      return p.detect(document);
    } catch {
      return false;
    }
  });
}

/** Parses a document in the given format, or the detected one; an unknown shape is one clear error. */
export function parseFindings(
  document: unknown,
  ctx: ParseContext,
  format = "auto",
): ParseResult & { format: string } {
  const parser = format === "auto" ? detectFormat(document) : parserById(format);
  if (!parser) {
    if (format !== "auto") {
      throw new UnknownFormatError(
        `unknown format "${format}"; expected one of: auto, ${PARSERS.map((p) => p.id).join(", ")}`,
      );
    }
    throw new UnknownFormatError(
      `the document matches no supported format; expected one of: ${PARSERS.map((p) => p.title).join("; ")}`,
    );
  }
  return { format: parser.id, ...parser.parse(document, ctx) };
}
