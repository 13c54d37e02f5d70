// Turning zod's issues into configuration errors a person can act on: the dotted key path
// (`gates.prThreshold`, `rules.disabled[1]`, `owners.teams["data platform"]`) and a sentence that
// says what is wrong with the value written there. Shared by every configuration schema.

import type { z } from "zod";

export interface ConfigError {
  /** Dotted key path; "" means the file as a whole. */
  path: string;
  message: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `["owners", "teams", "data platform"]` → `owners.teams["data platform"]`; `["rules", "disabled", 1]` → `rules.disabled[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && IDENTIFIER.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** The errors as one log line: `gates.prThreshold: must be …; rules.disabled[0]: unknown rule …`. */
export function errorsAsLine(errors: readonly ConfigError[]): string {
  return errors.map((e) => `${e.path || "(whole file)"}: ${e.message}`).join("; ");
}

/**
 * The errors as Markdown for a check run summary or an issue body: one line per error in a code
 * block, so nothing written in the file (a key, a value) is rendered, linked or mentions anyone.
 * Each error is one line: values and unusual keys are JSON-quoted, so a newline cannot be injected.
 */
export function errorsAsMarkdown(errors: readonly ConfigError[]): string {
  const body = errors.map((e) => `${e.path || "(whole file)"}: ${e.message}`).join("\n");
  const longestRun = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  return `${fence}text\n${body}\n${fence}`;
}

const KIND: Record<string, string> = {
  number: "a number",
  int: "a whole number",
  string: "text",
  boolean: "true or false",
  object: "a mapping of keys",
  record: "a mapping of keys",
  array: "a list",
};

/** What was written, in words: `the text "high"`, `the number 5`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "an empty value";
  if (typeof value === "string") return `the text ${JSON.stringify(value)}`;
  if (typeof value === "number") return `the number ${value}`;
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping of keys";
  return typeof value;
}

/** Known keys of the object schema at `path` (for "did you mean"), or [] when there is none. */
function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: unknown = schema;
  for (const key of [...path, null]) {
    node = unwrap(node);
    const def = (node as { _zod?: { def?: { type?: string; shape?: Record<string, unknown> } } })._zod?.def;
    if (def?.type !== "object" || !def.shape) return [];
    if (key === null) return Object.keys(def.shape);
    node = def.shape[String(key)];
  }
  return [];
}

/** Through default, prefault, optional, nullable, preprocess and transform wrappers to the schema that validates. */
export function unwrap(node: unknown): unknown {
  for (;;) {
    const def = (node as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
    if (!def) return node;
    if (def.innerType) node = def.innerType;
    else if (def.type === "pipe") {
      // z.preprocess is transform → schema; a .transform() is schema → transform.
      const input = def.in as { _zod?: { def?: { type?: string } } };
      node = input._zod?.def?.type === "transform" ? def.out : def.in;
    } else return node;
  }
}

/** Edits (insert, delete, substitute, swap two neighbours) between a and b. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      row[j] = Math.min(
        d[i - 1]![j]! + 1,
        row[j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  return d[a.length]![b.length]!;
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const lower = key.toLowerCase();
  const close = known
    .map((k) => ({ k, d: editDistance(lower, k.toLowerCase()) }))
    .filter(({ k, d }) => d <= Math.max(1, Math.floor(k.length / 3)))
    .sort((a, b) => a.d - b.d)[0];
  if (close) return `unknown key (did you mean "${close.k}"?)`;
  return known.length ? `unknown key (expected one of: ${known.join(", ")})` : "unknown key";
}

function limitMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, small: boolean): string {
  const n = Number(
    small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum,
  );
  const got = issue.input === undefined ? "" : ` (got ${describeValue(issue.input)})`;
  switch (issue.origin) {
    case "array":
    case "set":
      return small ? `must list at least ${n} item${n === 1 ? "" : "s"}` : `must list at most ${n} items`;
    case "string":
      return small
        ? n <= 1
          ? "must not be empty"
          : `must be at least ${n} characters`
        : `must be at most ${n} characters${got}`;
    default:
      if (small) return `must be ${issue.inclusive ? "at least" : "greater than"} ${n}${got}`;
      return `must be ${issue.inclusive ? "at most" : "less than"} ${n}${got}`;
  }
}

/** zod's issues → one ConfigError per problem; an unknown key is named in the path. */
export function configErrors(schema: z.ZodType, issues: readonly z.core.$ZodIssue[]): ConfigError[] {
  const out: ConfigError[] = [];
  for (const issue of issues) {
    const path = issue.path;
    switch (issue.code) {
      case "unrecognized_keys": {
        const known = knownKeysAt(schema, path);
        for (const key of issue.keys)
          out.push({ path: formatPath([...path, key]), message: unknownKeyMessage(key, known) });
        break;
      }
      case "invalid_type": {
        const expected = KIND[issue.expected] ?? issue.expected;
        const received = (issue as { received?: string }).received;
        const got = received === "Infinity" ? "infinity" : describeValue(issue.input);
        out.push({ path: formatPath(path), message: `must be ${expected}, not ${got}` });
        break;
      }
      case "too_small":
      case "too_big":
        out.push({ path: formatPath(path), message: limitMessage(issue, issue.code === "too_small") });
        break;
      case "invalid_value":
        out.push({
          path: formatPath(path),
          message: `must be one of ${issue.values.map((v) => String(v)).join(", ")} (got ${describeValue(issue.input)})`,
        });
        break;
      case "invalid_key":
        // A record key that fails its own schema: report the key's problem at the key's path.
        out.push(
          ...configErrors(
            schema,
            issue.issues.map((inner) => ({ ...inner, path: [...path, ...inner.path] }) as z.core.$ZodIssue),
          ),
        );
        break;
      default:
        out.push({ path: formatPath(path), message: issue.message });
    }
  }
  return out;
}
