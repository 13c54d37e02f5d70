// Option handling shared by the commands: parsing against the command table (spec.ts), help text,
// rule selection and output format.

import { parseArgs } from "node:util";
import { configuredRules, type RuleOptions, resolveRuleId } from "../rules/registry.ts";
import type { Rule } from "../rules/types.ts";
import { CliError } from "./io.ts";
import { COMMAND_SPECS, type CommandSpec, type FlagSpec } from "./spec.ts";

/**
 * The rules named by --rule (catalog ids or any alias), or the whole catalog; with `options`, as
 * configured (e.g. --require-kms).
 */
export function selectRules(ids: string[] | undefined, options?: RuleOptions): Rule[] {
  const catalog = configuredRules(options);
  if (!ids || ids.length === 0) return [...catalog];
  const out = new Set<Rule>();
  for (const id of ids) {
    const rule = resolveRuleId(id);
    if (!rule)
      throw new CliError(`unknown rule "${id}": use a catalog id or an alias from \`fixloop rules\``);
    out.add(catalog.find((r) => r.id === rule.id) ?? rule);
  }
  return [...out];
}

/** Rule options given as flags: `--require-kms` is `rules.options.aws-s3-encryption.requireKms`. */
export function ruleOptionFlags(values: { "require-kms"?: boolean }): RuleOptions | undefined {
  return values["require-kms"] ? { "aws-s3-encryption": { requireKms: true } } : undefined;
}

export function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new CliError(`${flag} must be one of ${allowed.join(", ")} (got "${value}")`);
}

// ---- Parsing and help from the command table (spec.ts) ----

/** The parsed value of each flag: boolean, a list for repeatable flags, else a string. */
export type FlagValues<F extends Record<string, FlagSpec>> = {
  [K in keyof F]?: F[K] extends { type: "boolean" }
    ? boolean
    : F[K] extends { multiple: true }
      ? string[]
      : string;
};

/**
 * Parses a command's arguments against its table: an unknown flag is an error that suggests the
 * nearest known one ("did you mean --format?"), a value outside `choices` is named with the
 * allowed ones. `--help` is handled by main.ts before this runs.
 */
export function parseCommandArgs<F extends Record<string, FlagSpec>>(
  spec: { name: string; flags: F; forms?: string[] },
  args: string[],
): { values: FlagValues<F>; positionals: string[] } {
  for (const arg of args) {
    if (arg === "--") break;
    if (!arg.startsWith("-") || arg === "-") continue;
    const name = arg.replace(/^--?/, "").split("=")[0]!;
    if (!(name in spec.flags)) throw new CliError(unknownFlagMessage(spec, arg));
  }
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = {};
  for (const [name, flag] of Object.entries(spec.flags))
    options[name] = { type: flag.type, ...(flag.multiple ? { multiple: true } : {}) };
  const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
  for (const [name, flag] of Object.entries(spec.flags)) {
    const value = values[name];
    if (flag.choices && typeof value === "string") oneOf(value, flag.choices, `--${name}`, value);
  }
  if (positionals.length > 0 && !takesPositionals(spec))
    throw new CliError(`unexpected argument "${positionals[0]}"; see \`fixloop ${spec.name} --help\``);
  return { values: values as FlagValues<F>, positionals };
}

/** A command whose every form starts with a flag or an optional part takes no positional. */
function takesPositionals(spec: { forms?: string[] }): boolean {
  return spec.forms === undefined || spec.forms.some((f) => !/^[[-]/.test(f));
}

function unknownFlagMessage(spec: { name: string; flags: Record<string, FlagSpec> }, arg: string): string {
  const given = arg.split("=")[0]!;
  const near = nearest(given.replace(/^--?/, ""), Object.keys(spec.flags));
  const hint = near ? ` (did you mean --${near}?)` : "";
  return `unknown option ${given}${hint}; see \`fixloop ${spec.name} --help\``;
}

/** The known name closest to `word` by edit distance, if it is close enough to be a typo. */
export function nearest(word: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = k.startsWith(word) && word.length >= 2 ? 1 : editDistance(word, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** Every usage line (`fixloop scan <dir>... […]`), command names aligned: the README's usage block. */
export function usageLines(specs: readonly CommandSpec[] = COMMAND_SPECS): string[] {
  const width = Math.max(...specs.map((s) => s.name.length));
  return specs.flatMap((s) => s.forms.map((f) => `fixloop ${s.name.padEnd(width)} ${f}`));
}

export function topLevelHelp(): string {
  const width = Math.max(...COMMAND_SPECS.map((s) => s.name.length));
  return `Usage: fixloop <command> [options]

Commands:
${COMMAND_SPECS.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`).join("\n")}

Every form:
${usageLines()
  .map((l) => `  ${l}`)
  .join("\n")}

Options for every command: -h, --help (that command's flags, defaults and examples).
fixloop --version prints the version.
Exit codes: 0 clean / everything fixed, 1 findings remain, 2 error.
`;
}

export function commandHelp(spec: CommandSpec): string {
  const flags = Object.entries(spec.flags).map(([name, f]) => [
    `--${name}${f.type === "string" ? ` ${f.value ?? "VALUE"}` : ""}`,
    `${f.help}${f.multiple ? " (repeatable)" : ""}${f.default ? ` [default: ${f.default}]` : ""}`,
  ]);
  flags.push(["-h, --help", "show this help"]);
  const width = Math.max(...flags.map(([left]) => left!.length));
  return `Usage:
${spec.forms.map((f) => `  fixloop ${spec.name} ${f}`).join("\n")}

${spec.summary[0]!.toUpperCase()}${spec.summary.slice(1)}.
${spec.description}

Options:
${flags.map(([left, right]) => `  ${left!.padEnd(width)}  ${right}`).join("\n")}

Examples:
${spec.examples.map((e) => `  ${e}`).join("\n")}
`;
}
