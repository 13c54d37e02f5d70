// The Jira issue's description as an Atlassian Document Format document (Jira Cloud REST API v3
// takes rich text only as ADF). Untrusted text — a finding's title, a resource name, a scanner's
// words — goes into `text` nodes, which Jira renders literally: no wiki markup (`{code}`, `[x|url]`,
// `!image!`) and no mention can be injected, because nothing here is parsed as markup. Links are
// `link` marks on fixloop's own URLs only (http/https).

import { safeLink } from "./message.ts";

type Mark = { type: "link"; attrs: { href: string } } | { type: "strong" } | { type: "code" };
interface TextNode {
  type: "text";
  text: string;
  marks?: Mark[];
}
interface Block {
  type: "paragraph" | "heading";
  attrs?: { level: number };
  content: TextNode[];
}
export interface AdfDoc {
  type: "doc";
  version: 1;
  content: Block[];
}

/** ADF text nodes may not be empty; control characters other than newline are dropped. */
export function text(value: string, ...marks: Mark[]): TextNode {
  const clean =
    [...value]
      .filter((c) => c === "\n" || (c >= " " && c !== "\u007f"))
      .join("")
      .slice(0, 10_000) || " ";
  return marks.length > 0 ? { type: "text", text: clean, marks } : { type: "text", text: clean };
}

export function link(label: string, href: string): TextNode {
  const url = safeLink(href);
  return url ? text(label, { type: "link", attrs: { href: url } }) : text(label);
}

export const paragraph = (...content: TextNode[]): Block => ({ type: "paragraph", content });
export const heading = (level: number, value: string): Block => ({
  type: "heading",
  attrs: { level },
  content: [text(value)],
});

export const doc = (...content: Block[]): AdfDoc => ({ type: "doc", version: 1, content });
