// Format-preserving edits: each operation becomes a splice of the original text, so every byte an
// operation does not mean to change stays identical. New lines follow the file's own indentation,
// line endings and `=` alignment (the layout `terraform fmt` gives).

import type { Attribute, Block, BodyItem, HclFile } from "./ast.ts";
import { Lexer } from "./lexer.ts";
import { LineIndex } from "./positions.ts";

export type EditOp =
  /** Set attribute `name` of `block` to the HCL expression `value` (replaces or adds it); with
   *  `block: null`, replaces a top-level attribute (a tfvars entry). */
  | { kind: "set"; block: Block | null; name: string; value: string }
  /** Remove attribute `name` of `block` (with its line). */
  | { kind: "remove"; block: Block; name: string }
  /** Add a block (HCL text, unindented) inside `parent`, or at top level (after `after`, else at the end). */
  | { kind: "addBlock"; parent: Block | null; text: string; after?: Block }
  /** Replace the whole text of `block` (from its type to its `}`) with `text`, given as it must
   *  read at the block's position (lines after the first carry their own indentation). */
  | { kind: "replaceBlock"; block: Block; text: string };

/** Comment texts inside [start, end) of `text`, found by the lexer (a `#` in a string is not one). */
function commentsWithin(text: string, start: number, end: number): string[] {
  if (!/#|\/\/|\/\*/.test(text.slice(start, end))) return [];
  const tokens = new Lexer(text, new LineIndex(text), "<edit>", start, end).tokenize();
  return tokens.filter((t) => t.kind === "comment").map((t) => t.text.trim());
}

export interface Splice {
  start: number;
  end: number;
  text: string;
}

export function lineEnding(text: string): string {
  return text.includes("\r\n") ? "\r\n" : "\n";
}

function lineStartOf(text: string, offset: number): number {
  const i = text.lastIndexOf("\n", offset - 1);
  return i + 1;
}

function lineEndOf(text: string, offset: number): number {
  const i = text.indexOf("\n", offset);
  return i < 0 ? text.length : i + 1;
}

function indentAt(text: string, offset: number): string {
  const start = lineStartOf(text, offset);
  return /^[ \t]*/.exec(text.slice(start, offset))![0];
}

/** Indentation of the items inside a block: that of an existing item, else the block's plus two spaces. */
function bodyIndent(text: string, block: Block): string {
  const first = block.body[0];
  if (first && lineStartOf(text, first.start) !== lineStartOf(text, block.openBrace))
    return indentAt(text, first.start);
  return `${indentAt(text, block.start)}  `;
}

function isSingleLine(text: string, item: BodyItem): boolean {
  return !text.slice(item.start, item.end).includes("\n");
}

/** Column of `=` in the alignment group `attr` belongs to (consecutive single-line attributes). */
function alignmentWidth(text: string, body: BodyItem[], attr: Attribute): number {
  const idx = body.indexOf(attr);
  let width = attr.name.length;
  const walk = (dir: 1 | -1) => {
    let prev: BodyItem = attr;
    for (let i = idx + dir; i >= 0 && i < body.length; i += dir) {
      const item = body[i]!;
      if (item.kind !== "attribute" || !isSingleLine(text, item)) break;
      const [a, b] = dir === 1 ? [prev, item] : [item, prev];
      const gap = text.slice(lineEndOf(text, a.end), lineStartOf(text, b.start));
      if (gap.length > 0) break;
      width = Math.max(width, item.name.length);
      prev = item;
    }
  };
  walk(-1);
  walk(1);
  return width;
}

function indentBlockText(blockText: string, indent: string, eol: string): string {
  return blockText
    .trim()
    .split(/\r?\n/)
    .map((l) => (l.length ? indent + l : l))
    .join(eol);
}

/** Turns operations into splices of the original text; several operations may touch one block. */
export function planSplices(file: HclFile, ops: EditOp[]): Splice[] {
  const { text } = file;
  const eol = lineEnding(text);
  const splices: Splice[] = [];
  // New attributes for the same block are inserted together so they share one alignment group.
  const additions = new Map<Block, Array<{ name: string; value: string }>>();

  for (const op of ops) {
    if (op.kind === "set") {
      const existing = (op.block?.body ?? file.body).find(
        (i): i is Attribute => i.kind === "attribute" && i.name === op.name,
      );
      if (existing) {
        splices.push({ start: existing.expr.start, end: existing.expr.end, text: op.value });
        // Comments inside the value being replaced (`[ # why`, `"10.0.0.0/8", # office`) are kept,
        // moved to their own lines above the attribute, so no reviewer's note is lost.
        // (Those the new value still holds, as a splice inside an object does, are not repeated.)
        const kept = new Set(commentsWithin(op.value, 0, op.value.length));
        const comments = commentsWithin(text, existing.expr.start, existing.expr.end).filter(
          (c) => !kept.has(c),
        );
        if (comments.length > 0) {
          const lineStart = lineStartOf(text, existing.start);
          const indent = indentAt(text, existing.start);
          splices.push({
            start: lineStart,
            end: lineStart,
            text: comments.map((c) => `${indent}${c}${eol}`).join(""),
          });
        }
      } else if (!op.block) throw new Error(`no top-level ${op.name} to replace`);
      else additions.set(op.block, [...(additions.get(op.block) ?? []), { name: op.name, value: op.value }]);
    } else if (op.kind === "remove") {
      const existing = op.block.body.find(
        (i): i is Attribute => i.kind === "attribute" && i.name === op.name,
      );
      if (!existing) continue;
      const start = lineStartOf(text, existing.start);
      const onlyOnLine = text.slice(start, existing.start).trim() === "";
      if (onlyOnLine) splices.push({ start, end: lineEndOf(text, existing.end), text: "" });
      else splices.push({ start: existing.start, end: existing.end, text: "" });
    } else if (op.kind === "replaceBlock") {
      splices.push({ start: op.block.start, end: op.block.end, text: op.text.replace(/\r?\n/g, eol) });
    } else if (op.parent) {
      const parent = op.parent;
      const indent = bodyIndent(text, parent);
      const body = indentBlockText(op.text, indent, eol);
      const closeLine = lineStartOf(text, parent.closeBrace);
      const oneLine = closeLine <= parent.openBrace;
      if (oneLine) {
        const outer = indentAt(text, parent.start);
        splices.push({
          start: parent.closeBrace,
          end: parent.closeBrace,
          text: `${eol}${body}${eol}${outer}`,
        });
      } else {
        const sep = parent.body.length > 0 ? eol : "";
        splices.push({ start: closeLine, end: closeLine, text: `${sep}${body}${eol}` });
      }
    } else {
      const body = indentBlockText(op.text, "", eol);
      if (op.after) {
        splices.push({ start: op.after.end, end: op.after.end, text: `${eol}${eol}${body}` });
      } else {
        const trimmed = text.trimEnd(); // not /\s+$/: quadratic on a long inner run of spaces
        const lead = trimmed.length === 0 ? "" : text.endsWith(eol) ? eol : eol + eol;
        splices.push({ start: text.length, end: text.length, text: `${lead}${body}${eol}` });
      }
    }
  }

  // New attributes come first at a shared offset: they belong before a nested block added there.
  const inserted = [...additions].flatMap(([block, attrs]) => attributeInsertion(text, block, attrs, eol));
  return [...inserted, ...splices];
}

/** Meta-arguments Terraform style puts first in a resource block, followed by a blank line. */
const LEADING_META_ARGUMENTS = new Set(["count", "for_each", "provider"]);

function attributeInsertion(
  text: string,
  block: Block,
  attrs: Array<{ name: string; value: string }>,
  eol: string,
): Splice[] {
  const meta = attrs.filter((a) => LEADING_META_ARGUMENTS.has(a.name));
  const rest = attrs.filter((a) => !LEADING_META_ARGUMENTS.has(a.name));
  const out: Splice[] = [];
  if (meta.length) {
    const indent = bodyIndent(text, block);
    const width = Math.max(...meta.map((a) => a.name.length));
    const lines = meta.map((a) => `${indent}${a.name.padEnd(width)} = ${a.value}`).join(eol);
    const oneLine = lineStartOf(text, block.closeBrace) <= block.openBrace;
    if (oneLine || block.body.length === 0) out.push(attributeRun(text, block, meta, eol));
    else {
      const afterOpen = lineEndOf(text, block.openBrace);
      out.push({ start: afterOpen, end: afterOpen, text: `${lines}${eol}${eol}` });
    }
  }
  if (rest.length) out.push(attributeRun(text, block, rest, eol));
  return out;
}

function attributeRun(
  text: string,
  block: Block,
  attrs: Array<{ name: string; value: string }>,
  eol: string,
): Splice {
  const indent = bodyIndent(text, block);
  // Attributes go after the last attribute that precedes the first nested block (Terraform style),
  // but before a trailing multi-line value such as a `tags = { … }` map, which by convention ends the
  // run — unless joining that group would re-align its lines: a smaller diff wins over placement.
  let anchor: Attribute | undefined;
  let lastSingleLine: Attribute | undefined;
  for (const item of block.body) {
    if (item.kind === "block") break;
    anchor = item;
    if (isSingleLine(text, item)) lastSingleLine = item;
  }
  if (anchor && !isSingleLine(text, anchor) && lastSingleLine) {
    const groupWidth = alignmentWidth(text, block.body, lastSingleLine);
    if (attrs.every((a) => a.name.length <= groupWidth)) anchor = lastSingleLine;
  }
  const width = Math.max(
    anchor && isSingleLine(text, anchor) ? alignmentWidth(text, block.body, anchor) : 0,
    ...attrs.map((a) => a.name.length),
  );
  const lines = attrs.map((a) => `${indent}${a.name.padEnd(width)} = ${a.value}`).join(eol);
  if (anchor) {
    const at = lineEndOf(text, anchor.end);
    const needsEol = !text.slice(0, at).endsWith("\n");
    return { start: at, end: at, text: `${needsEol ? eol : ""}${lines}${eol}` };
  }
  const closeLine = lineStartOf(text, block.closeBrace);
  if (closeLine <= block.openBrace) {
    return {
      start: block.closeBrace,
      end: block.closeBrace,
      text: `${eol}${lines}${eol}${indentAt(text, block.start)}`,
    };
  }
  const afterOpen = lineEndOf(text, block.openBrace);
  const blankAfter = block.body.length > 0 ? eol : "";
  return { start: afterOpen, end: afterOpen, text: `${lines}${eol}${blankAfter}` };
}

/** Applies splices (against the original offsets); splices at the same point keep their order. */
export function applySplices(text: string, splices: Splice[]): string {
  const ordered = splices.map((s, i) => ({ s, i })).sort((a, b) => a.s.start - b.s.start || a.i - b.i);
  let out = "";
  let pos = 0;
  for (const { s } of ordered) {
    if (s.start < pos) throw new Error(`overlapping edits at offset ${s.start}`);
    out += text.slice(pos, s.start) + s.text;
    pos = s.end;
  }
  return out + text.slice(pos);
}
