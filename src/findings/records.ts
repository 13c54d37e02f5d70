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
    const recordPath = (path: ReadonlyArray<PropertyKey>) =>
      jsonPath(basePath, indexed ? index : undefined, path);
    const tooDeep = deeperThan(record, MAX_RECORD_DEPTH);
    if (tooDeep) {
      // Stored and printed as JSON later, which recurses: a record thousands of levels deep would
      // overflow the stack there. No real source nests anywhere near this.
      rejected.push({
        index,
        path: recordPath(tooDeep),
        reason: `the record is nested more than ${MAX_RECORD_DEPTH} levels deep`,
      });
      return;
    }
    const parsed = schema.safeParse(record);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      rejected.push({
        index,
        path: recordPath(issue.path),
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
      // One record never costs the document: an error the converter did not foresee rejects this
      // record only (the fuzz test, test/findings/fuzz.test.ts, hunts for those and each is fixed
      // with a RecordError that says what is wrong).
      if (e instanceof RecordError) {
        rejected.push({ index, path: e.absolutePath ?? recordPath(e.path), reason: e.message });
      } else {
        const message = e instanceof Error ? e.message : String(e);
        rejected.push({ index, path: recordPath([]), reason: `the record cannot be read: ${message}` });
      }
    }
  });
  return { findings, rejected };
}

/** Thrown by a converter for a record that passed the schema but cannot be normalized. */
export class RecordError extends Error {
  constructor(
    message: string,
    /** Relative to the record. */
    readonly path: ReadonlyArray<PropertyKey>,
    /** The whole JSON path, for a value outside the record that makes it unreadable (a SARIF
     *  result's rule in tool.driver.rules). */
    readonly absolutePath?: string,
  ) {
    super(message);
  }
}

/** Deeper than any real record (ASFF, the deepest format read, nests about 8 levels). */
export const MAX_RECORD_DEPTH = 64;

/**
 * The path of the first value nested more than `max` levels below `value`, or undefined. Iterative,
 * so the check itself cannot overflow the stack, and it stops at the first value too deep.
 */
export function deeperThan(value: unknown, max: number): PropertyKey[] | undefined {
  // Each entry links to its parent, so the path is only built for the value found too deep.
  interface Entry {
    v: unknown;
    depth: number;
    key: PropertyKey;
    parent: Entry | undefined;
  }
  const stack: Entry[] = [{ v: value, depth: 0, key: "", parent: undefined }];
  while (stack.length > 0) {
    const e = stack.pop()!;
    const v = e.v;
    if (typeof v !== "object" || v === null) continue;
    if (e.depth >= max) {
      const path: PropertyKey[] = [];
      for (let x: Entry | undefined = e; x?.parent; x = x.parent) path.unshift(x.key);
      return path;
    }
    const depth = e.depth + 1;
    if (Array.isArray(v))
      for (let i = 0; i < v.length; i++) stack.push({ v: v[i], depth, key: i, parent: e });
    else
      for (const k of Object.keys(v))
        stack.push({ v: (v as Record<string, unknown>)[k], depth, key: k, parent: e });
  }
  return undefined;
}

/** An ISO time from epoch milliseconds; a number no Date can hold rejects the record (with `path`). */
export function epochMillisToIso(ms: number, path: ReadonlyArray<PropertyKey> = []): string {
  const date = new Date(ms);
  if (Number.isNaN(date.getTime()))
    throw new RecordError(`timestamp ${ms} is not a representable date`, path);
  return date.toISOString();
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
