// The scanners behind the store and lifecycle seam tests: which source files outside a module hold
// what only that module may hold. Plain text scans of src/ (comments stripped), so they also run
// over an older tree to record the counts before a change (`countSeams(root)`).

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export interface Site {
  /** Relative to the repository, with forward slashes: `src/app/x.ts`. */
  file: string;
  line: number;
  text: string;
}

export function sourceFiles(root: string, dir = "src"): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(join(root, d))) {
      const path = join(d, name);
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (name.endsWith(".ts")) out.push(path.split("\\").join("/"));
    }
  };
  walk(dir);
  return out.sort();
}

/** The source without comments (line numbers kept), so a comment naming a query is no query. */
function code(text: string): string {
  return text
    .replace(/^\s*\/\/.*$/gm, "")
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "))
    .replace(/(^|[^:"'`\\])\/\/.*$/gm, (_m, p: string) => p);
}

function sites(root: string, files: readonly string[], pattern: RegExp): Site[] {
  const out: Site[] = [];
  for (const file of files) {
    const lines = code(readFileSync(join(root, file), "utf8")).split("\n");
    lines.forEach((text, i) => {
      if (pattern.test(text)) out.push({ file, line: i + 1, text: text.trim() });
    });
  }
  return out;
}

/** Kysely's query builder, raw SQL, or Kysely itself imported (its types build queries). */
export const QUERY =
  /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(|\binsertRows\(|\bsql\s*(`|<)|from\s+["']kysely["']/;

/** Database work outside src/store/. */
export function queriesOutsideStore(root: string): Site[] {
  const files = sourceFiles(root).filter((f) => !f.startsWith("src/store/"));
  return sites(root, files, QUERY);
}

/** The store functions that write a finding's state (an UPDATE of `state`, or an INSERT of new
 *  findings with theirs): only src/lifecycle/ calls them. */
export const STATE_WRITERS = ["writeFindingState", "insertFindings"] as const;

/** Writing a finding's state outside src/lifecycle/: a call to a state-writing store function, a
 *  state change called directly (changeState, changeStateIn: the lifecycle's own tool), an INSERT
 *  of findings (a new finding has a state) or an UPDATE of findings that sets `state`. */
export function stateWritesOutsideLifecycle(root: string): Site[] {
  const files = sourceFiles(root).filter(
    (f) => !f.startsWith("src/lifecycle/") && !f.startsWith("src/store/"),
  );
  const calls = new RegExp(`\\b(${[...STATE_WRITERS, "changeState", "changeStateIn"].join("|")})\\s*\\(`);
  return [...sites(root, files, calls), ...stateSql(root, files)].sort(
    (x, y) => x.file.localeCompare(y.file) || x.line - y.line,
  );
}

/** INSERTs of findings, and UPDATEs of findings whose statement sets `state`. */
function stateSql(root: string, files: readonly string[]): Site[] {
  const out: Site[] = [];
  const statement = /\.(updateTable|insertInto)\(\s*["'`]findings["'`]\s*\)([\s\S]*?)\.execute/g;
  for (const file of files) {
    const text = code(readFileSync(join(root, file), "utf8"));
    for (const m of text.matchAll(statement)) {
      if (m[1] === "updateTable" && !/\bstate\s*:/.test(m[2] ?? "")) continue;
      const line = text.slice(0, m.index).split("\n").length;
      out.push({ file, line, text: m[0].split("\n")[0]?.trim() ?? "" });
    }
    // The store's bulk INSERT without the query builder (src/store/chunks.ts).
    for (const m of text.matchAll(/\binsertRows\(\s*\w+,\s*["'`]findings["'`]/g)) {
      const line = text.slice(0, m.index).split("\n").length;
      out.push({ file, line, text: m[0] });
    }
  }
  return out;
}

/** The store's state writers are called from src/lifecycle/ only; inside src/store/ they are only defined. */
export function stateWriterCallsInStore(root: string): Site[] {
  const files = sourceFiles(root).filter((f) => f.startsWith("src/store/"));
  const call = new RegExp(`(?<!function )\\b(${STATE_WRITERS.join("|")})\\s*\\(`);
  return sites(root, files, call);
}

export function relativeTo(root: string, path: string): string {
  return relative(root, path).split("\\").join("/");
}
