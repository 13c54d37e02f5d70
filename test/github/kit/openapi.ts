// GitHub's REST description (@octokit/openapi) as a request-body checker for the mock kit: a test
// that mocks GitHub can only pass if every body fixloop sends is one GitHub would accept.
//
// Load time: the ref'd description is 13 MB (0.3–1.3 s to read and parse on a busy machine; the
// dereferenced one is 73 MB). Vitest gives every test file a fresh module graph, so a module-level
// variable only saves repeats within a file; the first load therefore also writes the part the kit
// needs (routes, operation ids, request body schemas and the ~120 component schemas they reach,
// ~0.5 MB) to node_modules/.cache, keyed by the package version, and later workers parse that in
// ~20 ms. Each operation's validator is compiled lazily, on first use.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import formatsModule, { type FormatsPlugin } from "ajv-formats";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** One REST operation of the description, as the kit matches requests against it. */
export interface Operation {
  method: string;
  /** The path template, e.g. /repos/{owner}/{repo}/pulls */
  template: string;
  operationId: string;
  /** The application/json request body schema, when the operation takes one. */
  bodySchema: JsonObject | null;
  bodyRequired: boolean;
}

interface IndexedOperation extends Operation {
  exact: RegExp;
  /** Parameters may span slashes: Octokit leaves some (a file path, a ref) unencoded. */
  loose: RegExp;
  /** Literal characters of the template: the most specific template wins (pulls/comments over pulls/{n}). */
  literal: number;
}

/** What the kit keeps of the description, and what the disk cache holds. */
interface SlimSpec {
  operations: Operation[];
  schemas: Record<string, Json>;
}

interface LoadedSpec {
  operations: IndexedOperation[];
  schemas: Record<string, Json>;
  loadMs: number;
  fromCache: boolean;
}

let loaded: LoadedSpec | null = null;
const validators = new Map<IndexedOperation, ValidateFunction>();

const METHODS = new Set(["get", "post", "put", "patch", "delete"]);
const COMPONENT = "#/components/schemas/";
/** Bump when SlimSpec's shape changes, so stale cache files are ignored. */
const CACHE_FORMAT = 1;

/** Names of the component schemas `root` reaches through `$ref`, transitively. */
function reachedSchemas(root: Json, schemas: Record<string, Json>, reached: Record<string, Json> = {}) {
  const visit = (node: Json) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== "object") return;
    const ref = node.$ref;
    if (typeof ref === "string" && ref.startsWith(COMPONENT)) {
      const name = ref.slice(COMPONENT.length).replace(/~1/g, "/").replace(/~0/g, "~");
      if (!(name in reached) && schemas[name] !== undefined) {
        reached[name] = schemas[name];
        visit(schemas[name]);
      }
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(root);
  return reached;
}

function slimFromDescription(file: string): SlimSpec {
  const spec = JSON.parse(readFileSync(file, "utf8")) as {
    paths: Record<string, Record<string, JsonObject>>;
    components: { schemas: Record<string, Json> };
  };
  const operations: Operation[] = [];
  const schemas: Record<string, Json> = {};
  for (const [template, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.has(method) || typeof op.operationId !== "string") continue;
      const body = op.requestBody as {
        required?: boolean;
        content?: Record<string, { schema?: JsonObject }>;
      };
      const bodySchema = body?.content?.["application/json"]?.schema ?? null;
      if (bodySchema) reachedSchemas(bodySchema, spec.components.schemas, schemas);
      const operationId = op.operationId;
      operations.push({
        method: method.toUpperCase(),
        template,
        operationId,
        bodySchema,
        bodyRequired: body?.required === true,
      });
    }
  }
  return { operations, schemas };
}

function readSlim(): { slim: SlimSpec; fromCache: boolean } {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve("@octokit/openapi/package.json");
  const { version } = JSON.parse(readFileSync(pkg, "utf8")) as { version: string };
  const cacheDir = join(dirname(pkg), "..", "..", ".cache", "fixloop-test-kit");
  const cacheFile = join(cacheDir, `openapi-${version}-format${CACHE_FORMAT}.json`);
  try {
    return { slim: JSON.parse(readFileSync(cacheFile, "utf8")) as SlimSpec, fromCache: true };
  } catch {
    // No cache yet (or a torn one): build it from the description.
  }
  const slim = slimFromDescription(join(dirname(pkg), "generated", "api.github.com.json"));
  try {
    // Write-then-rename: parallel workers may race; each rename swaps in a complete file.
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(slim));
    renameSync(partial, cacheFile);
  } catch {
    // A read-only node_modules only costs speed.
  }
  return { slim, fromCache: false };
}

function templateRegex(template: string, param: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith("{") ? param : part.replace(/[.*+?^$()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`);
}

function loadSpec(): LoadedSpec {
  if (loaded) return loaded;
  const started = performance.now();
  const { slim, fromCache } = readSlim();
  const operations = slim.operations.map((op) => ({
    ...op,
    exact: templateRegex(op.template, "[^/]+"),
    loose: templateRegex(op.template, ".+"),
    literal: op.template.replace(/\{[^}]+\}/g, "").length,
  }));
  loaded = { operations, schemas: slim.schemas, loadMs: performance.now() - started, fromCache };
  return loaded;
}

/** How long loading the description took in this module graph, and whether the disk cache served it. */
export function specLoad(): { ms: number; fromCache: boolean; operations: number } {
  const spec = loadSpec();
  return { ms: spec.loadMs, fromCache: spec.fromCache, operations: spec.operations.length };
}

/** The operation a request goes to: `path` is relative to the API root (no /api/v3) and has no query. */
export function findOperation(method: string, path: string): Operation | null {
  const candidates = loadSpec().operations.filter((op) => op.method === method.toUpperCase());
  for (const key of ["exact", "loose"] as const) {
    const matches = candidates.filter((op) => op[key].test(path));
    if (matches.length > 0) return matches.reduce((best, op) => (op.literal > best.literal ? op : best));
  }
  return null;
}

/**
 * OpenAPI 3.0's `nullable: true` next to `type` is understood by ajv; GitHub also writes it on
 * schemas without a type (a oneOf, a $ref), which ajv refuses — there it means "or null".
 */
function normalizeNullable(node: Json): Json {
  if (Array.isArray(node)) return node.map(normalizeNullable);
  if (node === null || typeof node !== "object") return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) out[key] = normalizeNullable(value);
  if (out.nullable === true && out.type === undefined) {
    const { nullable: _, ...rest } = out;
    return { anyOf: [rest, { type: "null" }] };
  }
  return out;
}

/** The body schema plus the component schemas it reaches, so ajv resolves `#/components/…` locally. */
function selfContained(schema: JsonObject, schemas: Record<string, Json>): JsonObject {
  return normalizeNullable({
    ...schema,
    components: { schemas: reachedSchemas(schema, schemas) },
  }) as JsonObject;
}

let ajv: Ajv | null = null;

function validatorFor(op: IndexedOperation, schema: JsonObject): ValidateFunction {
  let validate = validators.get(op);
  if (!validate) {
    if (!ajv) {
      // strict off: the description carries OpenAPI keywords (example, discriminator, x-github)
      // and formats (repo.nwo, int64) that are annotations, not constraints.
      ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
      // ajv-formats is CommonJS: TypeScript (NodeNext) types its default import as the module
      // object, while Node hands over module.exports, the plugin itself (which also has .default).
      const addFormats = ((formatsModule as { default?: unknown }).default ?? formatsModule) as FormatsPlugin;
      addFormats(ajv);
    }
    validate = ajv.compile(selfContained(schema, loadSpec().schemas));
    validators.set(op, validate);
  }
  return validate;
}

export type BodyCheck =
  | { ok: true; operation: Operation | null }
  | { ok: false; operation: Operation | null; message: string };

/**
 * Checks a request against the description: the route must exist (GraphQL is not REST and is not
 * checked) and a JSON body must match the operation's schema. `body` is the raw request body.
 */
export function checkRequest(method: string, path: string, body: string): BodyCheck {
  const request = `${method.toUpperCase()} ${path}`;
  if (path === "/graphql") return { ok: true, operation: null };
  const found = findOperation(method, path);
  if (!found) {
    return {
      ok: false,
      operation: null,
      message: `${request}: no operation in GitHub's REST API has this route`,
    };
  }
  const op = found as IndexedOperation;
  const named = `${request} (${op.operationId}, ${op.method} ${op.template})`;
  if (!op.bodySchema) return { ok: true, operation: op };
  if (body.length === 0) {
    return op.bodyRequired
      ? { ok: false, operation: op, message: `${named}: the request has no body, the operation requires one` }
      : { ok: true, operation: op };
  }
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    return { ok: false, operation: op, message: `${named}: the request body is not JSON` };
  }
  const validate = validatorFor(op, op.bodySchema);
  if (validate(data)) return { ok: true, operation: op };
  const errors = (validate.errors ?? [])
    .map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`)
    .join("; ");
  return {
    ok: false,
    operation: op,
    message: `${named}: body does not match GitHub's OpenAPI description: ${errors}`,
  };
}
