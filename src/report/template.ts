// A deliberately small Markdown/text template renderer for files in templates/:
// `{{name}}` inserts a value, `{{#list}}…{{/list}}` repeats for each item of a list.
// No code runs from templates, and values are inserted verbatim (callers escape for their medium).

import { readFileSync } from "node:fs";

type Scope = { [key: string]: string | number | Scope[] | undefined };

const TEMPLATES = new URL("../../templates/", import.meta.url);

export function render(template: string, scope: Scope): string {
  const sections = /\{\{#(\w+)\}\}\n?([\s\S]*?)\{\{\/\1\}\}\n?/g;
  const withSections = template.replace(sections, (_m, name: string, body: string) => {
    const items = scope[name];
    if (!Array.isArray(items)) throw new Error(`template section {{#${name}}} needs a list`);
    return items.map((item) => render(body, { ...scope, ...item })).join("");
  });
  return withSections.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
    const value = scope[name];
    if (value === undefined || Array.isArray(value)) throw new Error(`template value {{${name}}} is missing`);
    return String(value);
  });
}

export function renderTemplate(name: string, scope: Scope): string {
  return render(readFileSync(new URL(name, TEMPLATES), "utf8"), scope);
}
