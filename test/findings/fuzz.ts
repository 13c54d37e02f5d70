// Mutations of real source documents for the parser fuzz test: a seeded generator (the same seed
// gives the same documents on every machine), type swaps, deletions, deep nesting and huge strings
// at random places of a document. Pure; the test (fuzz.test.ts) decides what must hold.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

type Json = unknown;

const root = join(import.meta.dirname, "../../fixtures/findings");

/** Every real sample document, with the parser of its folder (wiz has no public sample). */
export const SAMPLES = readdirSync(root).flatMap((dir) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith(".json") || f.endsWith(".sarif"))
    .map((f) => ({
      name: `${dir}/${f}`,
      parser: dir,
      document: JSON.parse(readFileSync(join(root, dir, f), "utf8")) as unknown,
    })),
);
export type JsonPath = readonly (string | number)[];

/** mulberry32: small, fast, and the same sequence everywhere for a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const isContainer = (v: Json): v is Record<string, Json> | Json[] => typeof v === "object" && v !== null;

/** Every path in the document below the root (iterative: the samples are shallow, but be safe). */
export function allPaths(doc: Json): JsonPath[] {
  const out: JsonPath[] = [];
  const stack: { value: Json; path: JsonPath }[] = [{ value: doc, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (path.length > 0) out.push(path);
    if (Array.isArray(value)) value.forEach((v, i) => void stack.push({ value: v, path: [...path, i] }));
    else if (isContainer(value))
      for (const [k, v] of Object.entries(value)) stack.push({ value: v, path: [...path, k] });
  }
  return out;
}

export function at(doc: Json, path: JsonPath): Json {
  let v = doc;
  for (const key of path) v = isContainer(v) ? (v as Record<string | number, Json>)[key] : undefined;
  return v;
}

/** `depth` levels of arrays or objects around a leaf: JSON.parse builds such values from a small body. */
export function deeplyNested(depth: number, kind: "array" | "object"): Json {
  let v: Json = "bottom";
  for (let i = 0; i < depth; i++) v = kind === "array" ? [v] : { a: v };
  return v;
}

/** The JSON text of a document with a deeply nested value somewhere: JSON.stringify recurses and
 *  overflows the stack on it, so that value is written by hand. */
export function jsonText(doc: Json): string {
  const deep = new Map<string, Json>();
  const text = JSON.stringify(doc, (_key, value: Json) => {
    if (isContainer(value) && nestedDeeperThan(value, 1000)) {
      const marker = `\u0000deep${deep.size}`;
      deep.set(marker, value);
      return marker;
    }
    return value;
  });
  return text.replace(/"\\u0000deep(\d+)"/g, (_m, n: string) => deepText(deep.get(`\u0000deep${n}`)));
}

function nestedDeeperThan(value: Json, max: number): boolean {
  let v = value;
  for (let d = 0; d <= max; d++) {
    if (!isContainer(v)) return false;
    const values = Object.values(v);
    if (values.length !== 1) return false;
    v = values[0];
  }
  return true;
}

/** A chain of one-entry arrays and objects (as deeplyNested builds) as JSON text, iteratively. */
function deepText(value: Json): string {
  let open = "";
  let close = "";
  let v = value;
  while (isContainer(v)) {
    const [key, inner] = Object.entries(v)[0]!;
    open += Array.isArray(v) ? "[" : `{${JSON.stringify(key)}:`;
    close = (Array.isArray(v) ? "]" : "}") + close;
    v = inner;
  }
  return open + JSON.stringify(v) + close;
}

export type Mutation =
  | "string"
  | "number"
  | "float"
  | "negative"
  | "boolean"
  | "null"
  | "array"
  | "object"
  | "delete"
  | "deep"
  | "huge"
  | "empty-string"
  | "proto-key";

const MUTATIONS: readonly Mutation[] = [
  "string",
  "number",
  "float",
  "negative",
  "boolean",
  "null",
  "array",
  "object",
  "delete",
  "deep",
  "huge",
  "empty-string",
  "proto-key",
];

/** The replacement value of a type swap (undefined for deletion). */
function replacement(kind: Mutation, rng: () => number): Json {
  switch (kind) {
    case "string":
      return ["x", "constructor", "__proto__", "-1", "1e309", "CRITICAL", "file:///../../etc/passwd"][
        Math.floor(rng() * 7)
      ];
    case "number":
      return Math.floor(rng() * 1e6);
    case "float":
      return 1.5e308;
    case "negative":
      return -1;
    case "boolean":
      return rng() < 0.5;
    case "null":
      return null;
    case "array":
      return rng() < 0.5 ? [] : [1, "a", null, {}];
    case "object":
      return rng() < 0.5 ? {} : { a: 1, toString: "x", valueOf: null };
    case "deep":
      return deeplyNested(20_000, rng() < 0.5 ? "array" : "object");
    case "huge":
      return "A".repeat(200_000);
    case "empty-string":
      return "";
    default:
      return undefined;
  }
}

export interface Mutated {
  document: Json;
  path: JsonPath;
  kind: Mutation;
}

/** A copy of `doc` with one node at a random path swapped, deleted or given an own `__proto__` key. */
export function mutate(doc: Json, paths: readonly JsonPath[], rng: () => number): Mutated {
  const copy = structuredClone(doc);
  const path = paths[Math.floor(rng() * paths.length)]!;
  const kind = MUTATIONS[Math.floor(rng() * MUTATIONS.length)]!;
  const parent = at(copy, path.slice(0, -1)) as Record<string | number, Json> | Json[];
  const key = path[path.length - 1]!;
  if (kind === "delete") {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete (parent as Record<string, Json>)[key as string];
  } else if (kind === "proto-key") {
    const target = (parent as Record<string | number, Json>)[key];
    // An own "__proto__" key, as JSON.parse creates it (assignment would change the prototype).
    if (isContainer(target) && !Array.isArray(target))
      Object.defineProperty(target, "__proto__", { value: { polluted: true }, enumerable: true });
    else (parent as Record<string | number, Json>)[key] = JSON.parse('{"__proto__":{"x":1}}');
  } else {
    (parent as Record<string | number, Json>)[key] = replacement(kind, rng);
  }
  return { document: copy, path, kind };
}
