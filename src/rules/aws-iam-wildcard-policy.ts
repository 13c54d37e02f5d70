import { attribute, type Block, blocksOf, type Expr } from "../hcl/ast.ts";
import { evaluate, type Resolved, type Value } from "../hcl/evaluate.ts";
import { moduleScope, type Resource, type TerraformIndex } from "../hcl/index.ts";
import { lineAt } from "./attribute-shared.ts";
import { nestedBlocks, resolveIn } from "./helpers.ts";
import type { Detection, Rule, RuleContext } from "./types.ts";

const ID = "aws-iam-wildcard-policy";
const POLICY_RESOURCES = [
  "aws_iam_policy",
  "aws_iam_role_policy",
  "aws_iam_user_policy",
  "aws_iam_group_policy",
];

const SSO_INLINE_POLICY = "aws_ssoadmin_permission_set_inline_policy";

/** One policy statement, each field statically resolved or unknown; `line` is where to report it. */
interface Statement {
  effect: Resolved | undefined;
  action: Resolved | undefined;
  resource: Resolved | undefined;
  line: number;
}

const isWildcard = (r: Resolved | undefined): boolean =>
  r?.known === true && (r.value === "*" || (Array.isArray(r.value) && r.value.includes("*")));

/** Allow is the default Effect of a policy document statement block, not of a JSON statement. */
function fullAdmin(s: Statement, defaultEffect: string | undefined): boolean {
  const effect = s.effect ?? (defaultEffect ? { known: true as const, value: defaultEffect } : undefined);
  return effect?.known === true && effect.value === "Allow" && isWildcard(s.action) && isWildcard(s.resource);
}

// ---- JSON documents (heredocs and strings): a tiny parser that keeps offsets ----

type JNode =
  | { t: "obj"; start: number; entries: Array<{ key: string; keyStart: number; node: JNode }> }
  | { t: "arr"; start: number; items: JNode[] }
  | { t: "val"; start: number; value: Value };

function parseJson(text: string): JNode | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const node = (): JNode => {
    ws();
    const start = i;
    const c = text[i];
    if (c === "{") {
      i++;
      const entries: Array<{ key: string; keyStart: number; node: JNode }> = [];
      ws();
      if (text[i] === "}") {
        i++;
        return { t: "obj", start, entries };
      }
      for (;;) {
        ws();
        const keyStart = i;
        if (text[i] !== '"') throw new Error("key");
        const key = str();
        ws();
        if (text[i++] !== ":") throw new Error(":");
        entries.push({ key, keyStart, node: node() });
        ws();
        const sep = text[i++];
        if (sep === "}") return { t: "obj", start, entries };
        if (sep !== ",") throw new Error(",");
      }
    }
    if (c === "[") {
      i++;
      const items: JNode[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return { t: "arr", start, items };
      }
      for (;;) {
        items.push(node());
        ws();
        const sep = text[i++];
        if (sep === "]") return { t: "arr", start, items };
        if (sep !== ",") throw new Error(",");
      }
    }
    if (c === '"') return { t: "val", start, value: str() };
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i));
    if (!m) throw new Error("value");
    i += m[0].length;
    return { t: "val", start, value: JSON.parse(m[0]) as Value };
  };
  try {
    const root = node();
    ws();
    return i === text.length ? root : undefined;
  } catch {
    return undefined;
  }
}

const plain = (n: JNode): Value =>
  n.t === "val"
    ? n.value
    : n.t === "arr"
      ? n.items.map(plain)
      : Object.fromEntries(n.entries.map((e) => [e.key, plain(e.node)]));

/** Statements of a JSON policy; `lineOf` turns an offset in `text` into a file line. */
function jsonStatements(root: JNode, lineOf: (offset: number) => number): Statement[] {
  if (root.t !== "obj") return [];
  const st = root.entries.find((e) => e.key === "Statement")?.node;
  if (!st) return [];
  const items = st.t === "arr" ? st.items : [st];
  return items.flatMap((s): Statement[] => {
    if (s.t !== "obj") return [];
    const get = (k: string) => s.entries.find((e) => e.key === k);
    const field = (k: string): Resolved | undefined => {
      const e = get(k);
      return e ? { known: true, value: plain(e.node) } : undefined;
    };
    const at = get("Action")?.keyStart ?? s.start;
    return [
      { effect: field("Effect"), action: field("Action"), resource: field("Resource"), line: lineOf(at) },
    ];
  });
}

// ---- jsonencode({...}) written as an HCL object expression ----

function keyName(e: Expr): string | undefined {
  if (e.kind === "traversal" && e.steps.length === 0) return e.root;
  if (e.kind === "literal" && typeof e.value === "string") return e.value;
  if (e.kind === "template" && e.parts.length === 1 && e.parts[0]!.kind === "text") return e.parts[0]!.value;
  if (e.kind === "paren") return keyName(e.inner);
  return undefined;
}

function hclStatements(
  index: TerraformIndex,
  resource: Resource,
  obj: Expr,
  fallbackLine: number,
): Statement[] {
  const scope = scopeOf(index, resource);
  const lineOf = (offset: number) => lineAt(index, resource.file, offset);
  if (obj.kind !== "object") {
    const v = evaluate(obj, scope);
    return v.known ? valueStatements(v.value, fallbackLine) : [];
  }
  const st = obj.items.find((i) => keyName(i.key) === "Statement");
  if (!st) return [];
  const list =
    st.value.kind === "tuple" ? st.value.items : st.value.kind === "object" ? [st.value] : undefined;
  if (!list) {
    const v = evaluate(st.value, scope);
    return v.known ? valueStatements({ Statement: v.value }, lineOf(st.key.start)) : [];
  }
  return list.flatMap((s): Statement[] => {
    if (s.kind !== "object") {
      const v = evaluate(s, scope);
      return v.known ? valueStatements({ Statement: [v.value] }, lineOf(s.start)) : [];
    }
    const item = (k: string) => s.items.find((i) => keyName(i.key) === k);
    const field = (k: string): Resolved | undefined => {
      const it = item(k);
      return it ? evaluate(it.value, scope) : undefined;
    };
    const action = item("Action");
    return [
      {
        effect: field("Effect"),
        action: field("Action"),
        resource: field("Resource"),
        line: lineOf(action ? action.key.start : s.start),
      },
    ];
  });
}

/** Statements of a policy known only as a value (e.g. from a local): reported on `line`. */
function valueStatements(doc: Value, line: number): Statement[] {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return [];
  const st = doc.Statement;
  const items = Array.isArray(st) ? st : st && typeof st === "object" ? [st] : [];
  return items.flatMap((s): Statement[] => {
    if (!s || typeof s !== "object" || Array.isArray(s)) return [];
    const field = (k: string): Resolved | undefined => (k in s ? { known: true, value: s[k]! } : undefined);
    return [{ effect: field("Effect"), action: field("Action"), resource: field("Resource"), line }];
  });
}

function scopeOf(index: TerraformIndex, resource: Resource) {
  const mod = index.modules.get(resource.module);
  return mod ? moduleScope(mod) : { variable: () => undefined, local: () => undefined };
}

/** Statements of a `policy = …` attribute: jsonencode({...}), a heredoc/string JSON, or a var/local. */
function policyStatements(
  index: TerraformIndex,
  resource: Resource,
  block: Block,
  name = "policy",
): Statement[] {
  const attr = attribute(block.body, name);
  if (!attr) return [];
  const e = attr.expr.kind === "paren" ? attr.expr.inner : attr.expr;
  if (e.kind === "call" && e.name === "jsonencode" && e.args.length === 1) {
    return hclStatements(index, resource, e.args[0]!, attr.line);
  }
  if (e.kind === "template" || e.kind === "literal") {
    // Unknown interpolations (ARNs of other resources…) become a placeholder: they sit inside JSON
    // strings and cannot turn a statement into Allow * on *.
    const scope = scopeOf(index, resource);
    let text = "";
    if (e.kind === "literal") text = typeof e.value === "string" ? e.value : "";
    else {
      for (const p of e.parts) {
        if (p.kind === "text") text += p.value;
        else if (p.kind === "interp") {
          const v = evaluate(p.expr, scope);
          text +=
            v.known && (typeof v.value !== "object" || v.value === null)
              ? String(v.value ?? "")
              : "interpolated";
        } else return [];
      }
    }
    const root = parseJson(text);
    if (!root) return [];
    const firstLine = lineAt(index, resource.file, e.start) + (e.kind === "template" && e.heredoc ? 1 : 0);
    const multiLine = e.kind === "template" && e.heredoc !== undefined;
    const lineOf = (offset: number) =>
      multiLine ? firstLine + (text.slice(0, offset).match(/\n/g)?.length ?? 0) : attr.line;
    return jsonStatements(root, lineOf);
  }
  if (e.kind === "traversal" && (e.root === "var" || e.root === "local")) {
    // `local.x = jsonencode({...})`: jsonencode is not evaluated statically, its argument is.
    const step = e.steps[0];
    const local =
      e.root === "local" && step?.kind === "attr" && e.steps.length === 1
        ? index.modules.get(resource.module)?.locals.get(step.name)
        : undefined;
    const inner = local?.attr.expr;
    if (inner?.kind === "call" && inner.name === "jsonencode" && inner.args.length === 1) {
      const v = evaluate(inner.args[0]!, scopeOf(index, resource));
      return v.known ? valueStatements(v.value, attr.line) : [];
    }
    const v = resolveIn(index, resource, attr)!;
    if (!v.known) return [];
    if (typeof v.value === "string") {
      const root = parseJson(v.value);
      return root ? valueStatements(plain(root), attr.line) : [];
    }
    return valueStatements(v.value, attr.line);
  }
  return [];
}

/** `statement` blocks of a data "aws_iam_policy_document" (effect defaults to Allow there). */
function documentStatements(index: TerraformIndex, resource: Resource): Statement[] {
  return nestedBlocks(resource.block, "statement").blocks.map((s) => {
    const actions = attribute(s.body, "actions");
    return {
      effect: resolveIn(index, resource, attribute(s.body, "effect")),
      action: resolveIn(index, resource, actions),
      resource: resolveIn(index, resource, attribute(s.body, "resources")),
      line: actions?.line ?? s.line,
    };
  });
}

export const awsIamWildcardPolicy: Rule = {
  id: ID,
  title: "IAM policy allows every action on every resource",
  severity: "high",
  disruptive: false,
  provider: "aws",
  resourceTypes: [...POLICY_RESOURCES, SSO_INLINE_POLICY, "aws_iam_role", "aws_iam_policy_document"],
  fixProviderVersions: { versions: ">= 2.0" },
  aliases: {
    checkov: ["CKV_AWS_1", "CKV_AWS_62"],
    trivy: ["AVD-AWS-0057"],
    tfsec: ["aws-iam-no-policy-wildcards", "AWS099"],
    kics: ["2f37c4a3-58b9-4afe-8a87-d7f1d2286f84", "b1ffa705-19a3-4b73-b9d0-0c97d0663842"],
    securityhub: ["IAM.1"],
    prowler: [
      "iam_customer_attached_policy_no_administrative_privileges",
      "iam_customer_unattached_policy_no_administrative_privileges",
      "iam_inline_policy_no_administrative_privileges",
      "iam_aws_attached_policy_no_administrative_privileges",
    ],
  },
  rationale:
    'A statement that allows Action "*" on Resource "*" grants full administrator rights: whoever holds the policy (or steals the credentials) can do anything in the account, including granting themselves more.',
  impact: [
    "No automatic change: replace the statement with the actions and resources the principal really uses (IAM Access Analyzer can generate a policy from CloudTrail activity; service last-accessed data shows unused services).",
    "Test the narrowed policy in a non-production account first; a too-narrow policy breaks the workload at the first unlisted call.",
  ],
  fixable: {
    reason:
      'Narrowing "*" needs to know which actions and resources the principal really uses (e.g. from an IAM Access Analyzer policy generated from CloudTrail activity); a guessed narrower policy would either break the workload or still be too broad.',
  },
  detect({ index }: RuleContext): Detection[] {
    const out: Detection[] = [];
    const report = (
      resource: Resource,
      statements: Statement[],
      keyOf: (i: number) => string,
      defaultEffect?: string,
    ) => {
      statements.forEach((s, i) => {
        if (!fullAdmin(s, defaultEffect)) return;
        const key = keyOf(i);
        out.push({
          ruleId: ID,
          resource,
          key,
          line: s.line,
          message: `${resource.address} allows every action ("*") on every resource ("*") in ${key}: full administrator access`,
        });
      });
    };
    for (const resource of index.resources) {
      if (resource.mode === "managed" && POLICY_RESOURCES.includes(resource.type)) {
        report(resource, policyStatements(index, resource, resource.block), (i) => `Statement[${i}]`);
      } else if (resource.mode === "managed" && resource.type === SSO_INLINE_POLICY) {
        // An IAM Identity Center permission set's policy, applied in every account it is assigned to.
        report(
          resource,
          policyStatements(index, resource, resource.block, "inline_policy"),
          (i) => `Statement[${i}]`,
        );
      } else if (resource.mode === "managed" && resource.type === "aws_iam_role") {
        blocksOf(resource.block.body, "inline_policy").forEach((b, j) => {
          report(
            resource,
            policyStatements(index, resource, b),
            (i) => `inline_policy[${j}].Statement[${i}]`,
          );
        });
      } else if (resource.mode === "data" && resource.type === "aws_iam_policy_document") {
        report(resource, documentStatements(index, resource), (i) => `statement[${i}]`, "Allow");
      }
    }
    return out;
  },
};
