// Record-by-record validation shared by the parsers: a bad record is rejected with its index, the
// JSON path of the offending value and the reason; the good ones go through.

import type { z } from "zod";
import type { Finding, ParseResult, Rejection } from "./model.ts";

/** `$.findings[3].Compliance.Status` from a base path, an index and a zod issue path. */
export function jsonPath(base: string, index: number | undefined, path: ReadonlyArray<PropertyKey>): string {
  let out = index === undefined ? base : `${base}[${index}]`;
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][\w$]*$/.test(key)) out += `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/**
 * Validates each record with `schema` and turns it into findings with `convert`, which may throw a
 * RecordError to reject the record with a path.
 */
export function parseRecords<T>(
  records: readonly unknown[],
  basePath: string,
  schema: z.ZodType<T>,
  convert: (record: T, index: number, original: unknown) => Finding | Finding[],
  /** False when the document is a single record (paths then have no `[index]`). */
  indexed = true,
): ParseResult {
  const findings: Finding[] = [];
  const rejected: Rejection[] = [];
  records.forEach((record, index) => {
    const parsed = schema.safeParse(record);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      rejected.push({
        index,
        path: jsonPath(basePath, indexed ? index : undefined, issue.path),
        // zod says "Invalid input: expected string, received undefined" for a missing field.
        reason: missingOrMessage(issue.message),
      });
      return;
    }
    try {
      // Input records are validated above; what parsers build is typed as Finding and checked
      // against FindingSchema for every real sample in the tests (a second zod pass here would
      // cost about a third of ingest time).
      const out = convert(parsed.data, index, record);
      if (Array.isArray(out)) findings.push(...out);
      else findings.push(out);
    } catch (e) {
      if (!(e instanceof RecordError)) throw e;
      rejected.push({
        index,
        path: jsonPath(basePath, indexed ? index : undefined, e.path),
        reason: e.message,
      });
    }
  });
  return { findings, rejected };
}

/** Thrown by a converter for a record that passed the schema but cannot be normalized. */
export class RecordError extends Error {
  constructor(
    message: string,
    readonly path: ReadonlyArray<PropertyKey>,
  ) {
    super(message);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** zod words a missing field "Invalid input: expected string, received undefined"; say it plainly. */
function missingOrMessage(message: string): string {
  const m = /^Invalid input: (expected [^,]+), received undefined$/.exec(message);
  return m ? `required field is missing (${m[1]})` : message;
}

/**
 * `table[key]` for a key taken from a finding: only the table's own entries, never
 * Object.prototype's (a source sending "constructor" or "__proto__" gets undefined).
 */
export function own<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
