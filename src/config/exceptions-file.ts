// `.github/fixloop-exceptions.yml`: accepted risks written as code, reviewed like code. Each entry
// names a finding (its id) or a rule and a resource address pattern, with a reason, the GitHub user
// who approved it and the date it ends. Validated like fixloop.yml: all-or-nothing, every error by
// its key path (`exceptions[2].expires: required`); the file is untrusted input.

import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { resolveRuleId } from "../rules/registry.ts";
import { type ConfigError, configErrors } from "./config-errors.ts";
import { ANY, literal, WildcardBuilder, type WildcardMatcher } from "./wildcard.ts";

export const EXCEPTIONS_PATH = ".github/fixloop-exceptions.yml";

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** `YYYY-MM-DD` → the first instant after that day (UTC): an exception holds through its last day. */
export function endOfDay(date: string): number | null {
  const m = DATE.exec(date);
  if (!m) return null;
  const start = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2026-02-30 over into March: a real date reads back as written.
  if (new Date(start).toISOString().slice(0, 10) !== date) return null;
  return start + DAY_MS;
}

const Text = z.string().trim().min(1).max(1000);

const Entry = z
  .strictObject({
    finding: Text.max(200).optional(),
    rule: Text.max(200).optional(),
    resource: Text.max(500).optional(),
    reason: Text,
    approvedBy: z
      .string()
      .transform((v) => v.trim().replace(/^@/, ""))
      .refine((v) => LOGIN.test(v), {
        error: (iss) => `${JSON.stringify(iss.input)} is not a GitHub user name`,
      }),
    expires: z.string().refine((v) => endOfDay(v) !== null, {
      error: (iss) => `must be a date written YYYY-MM-DD (got ${JSON.stringify(iss.input)})`,
    }),
  })
  .superRefine((e, ctx) => {
    if (e.finding !== undefined && (e.rule !== undefined || e.resource !== undefined))
      ctx.addIssue({
        code: "custom",
        path: ["finding"],
        message: "name a finding, or a rule and a resource, not both",
      });
    else if (e.finding === undefined && (e.rule === undefined || e.resource === undefined))
      ctx.addIssue({
        code: "custom",
        path: [e.rule === undefined ? "rule" : "resource"],
        message: "required (an entry names a finding, or a rule and a resource pattern)",
      });
    if (e.rule !== undefined && !resolveRuleId(e.rule) && !/^[A-Za-z0-9_.:/-]+$/.test(e.rule))
      ctx.addIssue({ code: "custom", path: ["rule"], message: "is not a rule id" });
  });

const ENTRY_KEYS = ["finding", "rule", "resource", "reason", "approvedBy", "expires"];

const ExceptionsFile = z.strictObject({ exceptions: z.array(Entry).max(1000) });

export interface ExceptionEntry {
  index: number;
  /** 1-based line of the entry in the file (its annotation's line). */
  line: number;
  finding?: string;
  rule?: string;
  resource?: string;
  reason: string;
  approvedBy: string;
  /** As written, and the instant it ends (the start of the next UTC day). */
  expires: string;
  expiresAt: number;
}

export type ExceptionsFileParse =
  | { ok: true; entries: ExceptionEntry[] }
  | { ok: false; errors: ConfigError[]; lines: Map<string, number> };

/** zod calls a missing key a type error ("must be text, not an empty value"): here it is "required". */
function requiredIssues(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.map((issue) =>
    issue.code === "invalid_type" && issue.input === undefined
      ? ({ code: "custom", path: issue.path, message: "required", input: undefined } as z.core.$ZodIssue)
      : issue,
  );
}

/** The 1-based line of each entry (`exceptions[i]`), for annotations. */
function entryLines(doc: ReturnType<typeof parseDocument>, counter: LineCounter): number[] {
  const root = doc.contents;
  if (!isMap(root)) return [];
  const list = root.get("exceptions", true);
  if (!isSeq(list)) return [];
  return list.items.map((item) => {
    const offset = (item as { range?: [number, number, number] }).range?.[0] ?? 0;
    return counter.linePos(offset).line;
  });
}

/** Validates the file's text (null: no file, no exceptions). All-or-nothing. */
export function parseExceptionsFile(text: string | null): ExceptionsFileParse {
  if (text === null) return { ok: true, entries: [] };
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, schema: "core", uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const line = counter.linePos(first.pos[0]).line;
    const errors = [{ path: "", message: `not valid YAML at line ${line}: ${first.message.split("\n")[0]}` }];
    return { ok: false, errors, lines: new Map([["", line]]) };
  }
  const lines = entryLines(doc, counter);
  const raw = doc.toJS({ maxAliasCount: 50 }) ?? { exceptions: [] };
  const parsed = ExceptionsFile.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    // The shared "did you mean" does not look inside list items: name an entry's keys here.
    const errorsAt = configErrors(ExceptionsFile, requiredIssues(parsed.error.issues)).map((e) =>
      e.message === "unknown key" && /^exceptions\[\d+\]\.[^.]+$/.test(e.path)
        ? { ...e, message: `unknown key (expected one of: ${ENTRY_KEYS.join(", ")})` }
        : e,
    );
    const byPath = new Map<string, number>();
    for (const e of errorsAt) {
      const index = /^exceptions\[(\d+)\]/.exec(e.path)?.[1];
      const line = index === undefined ? undefined : lines[Number(index)];
      if (line !== undefined) byPath.set(e.path, line);
    }
    return { ok: false, errors: errorsAt, lines: byPath };
  }
  const entries = parsed.data.exceptions.map((e, index) => ({
    index,
    line: lines[index] ?? 1,
    ...(e.finding !== undefined ? { finding: e.finding } : {}),
    ...(e.rule !== undefined ? { rule: e.rule } : {}),
    ...(e.resource !== undefined ? { resource: e.resource } : {}),
    reason: e.reason,
    approvedBy: e.approvedBy,
    expires: e.expires,
    expiresAt: endOfDay(e.expires) as number,
  }));
  return { ok: true, entries };
}

/** `*` any run of characters (`/` and `.` included), everything else itself: resource addresses. */
export function addressPattern(pattern: string): WildcardMatcher {
  const b = new WildcardBuilder();
  for (const char of pattern) {
    if (char === "*") b.many(ANY);
    else b.one(literal(char));
  }
  return b.build();
}

/** What an entry is matched against: a finding's id, rule ids and resource addresses. */
export interface MatchableFinding {
  id: string;
  ruleNativeId: string;
  ruleCatalogId: string | null;
  /** The resource's addresses as fixloop knows them (Terraform address, ARN, id, name). */
  addresses: readonly string[];
}

/** Whether an entry covers a finding: its id, or its rule (catalog id or any alias) and a resource address. */
export function entryMatches(entry: ExceptionEntry, finding: MatchableFinding): boolean {
  if (entry.finding !== undefined) return entry.finding === finding.id;
  if (entry.rule === undefined || entry.resource === undefined) return false;
  const rule = resolveRuleId(entry.rule)?.id;
  const sameRule =
    entry.rule === finding.ruleNativeId ||
    (rule !== undefined &&
      (rule === finding.ruleCatalogId || rule === resolveRuleId(finding.ruleNativeId)?.id));
  if (!sameRule) return false;
  const pattern = addressPattern(entry.resource);
  return finding.addresses.some((a) => pattern.test(a));
}
