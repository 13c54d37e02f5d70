// A deliberately small Markdown/text template renderer for files in templates/:
// `{{name}}` inserts a value, `{{#list}}…{{/list}}` repeats for each item of a list.
// No code runs from templates. Values are inserted as they are (callers escape for their medium),
// except that control, bidirectional and invisible characters are shown as `<U+202E>`: whatever a
// caller forgot, no rendered body carries text that reads differently from what it is.

import { readFileSync } from "node:fs";
import { showUnsafe } from "./unsafe-chars.ts";

type Scope = { [key: string]: string | number | Scope[] | undefined };

// Values are often whole blocks (lists, a fenced diff): line breaks and tabs are theirs. U+200B is
// what the Markdown helpers (src/github/markdown.ts, mdText) insert on purpose after "@" and in
// "https:" (before "//") so GitHub neither notifies nor links; they show any U+200B of their input first.
const KEPT = "\n\r\t\u200B";

const TEMPLATES = new URL("../../templates/", import.meta.url);

export function render(template: string, scope: Scope): string {
  // One pass: inserted text (a rendered section, a value) is never scanned again, so a value that
  // contains "{{name}}" (a finding's title, say) stays literal instead of pulling in another value.
  const token = /\{\{#(\w+)\}\}\n?([\s\S]*?)\{\{\/\1\}\}\n?|\{\{(\w+)\}\}/g;
  return template.replace(token, (_m, section: string | undefined, body: string, name: string) => {
    if (section !== undefined) {
      const items = scope[section];
      if (!Array.isArray(items)) throw new Error(`template section {{#${section}}} needs a list`);
      return items.map((item) => render(body, { ...scope, ...item })).join("");
    }
    const value = scope[name];
    if (value === undefined || Array.isArray(value)) throw new Error(`template value {{${name}}} is missing`);
    return showUnsafe(String(value), { keep: KEPT });
  });
}

export function renderTemplate(name: string, scope: Scope): string {
  return render(readFileSync(new URL(name, TEMPLATES), "utf8"), scope);
}
