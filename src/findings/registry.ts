// The source formats fixloop reads: one table, and the one place a document's format is decided.

import type { FindingParser, ParseContext, ParseResult } from "./model.ts";
import { asffParser } from "./parsers/asff.ts";
import { checkovParser } from "./parsers/checkov.ts";
import { genericParser } from "./parsers/generic.ts";
import { kicsParser } from "./parsers/kics.ts";
import { ocsfParser } from "./parsers/ocsf.ts";
import { prismaParser } from "./parsers/prisma.ts";
import { sarifParser } from "./parsers/sarif.ts";
import { tfsecParser } from "./parsers/tfsec.ts";
import { trivyParser } from "./parsers/trivy.ts";
import { wizParser } from "./parsers/wiz.ts";

/** Every detector recognizes its format's distinctive top-level shape; the order is only a tie-break. */
export const PARSERS: readonly FindingParser[] = [
  sarifParser,
  asffParser,
  ocsfParser,
  checkovParser,
  trivyParser,
  tfsecParser,
  kicsParser,
  wizParser,
  prismaParser,
  genericParser,
];

/** Whether a format's sources re-scan the running resource (false for a format fixloop does not read). */
export function rescansCloud(format: string): boolean {
  return parserById(format)?.rescansCloud ?? false;
}

/** How people know a source tool (`securityhub` → Security Hub), or undefined when no parser names it. */
export function sourceDisplayName(tool: string): string | undefined {
  const key = tool.toLowerCase();
  const parser = PARSERS.find((p) => Object.hasOwn(p.sourceNames, key));
  return parser?.sourceNames[key];
}

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
  // An empty list is a valid report from several tools (Prowler OCSF, batches): nothing to read.
  if (format === "auto" && Array.isArray(document) && document.length === 0) {
    return { format: "empty", findings: [], rejected: [] };
  }
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
