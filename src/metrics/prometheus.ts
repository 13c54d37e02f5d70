// Metrics in the Prometheus text exposition format, version 0.0.4: per family a `# HELP` and a
// `# TYPE` line, then its samples; a histogram as cumulative `_bucket{le="…"}` samples ending in
// le="+Inf", then `_sum` and `_count`. Label values can hold text from findings (a rule id a source
// sent), so they are escaped as the format requires — backslash, double quote and line feed — and a
// HELP text escapes backslash and line feed. Pure: same metrics, same bytes.

import type { Labels, MetricFamily, Metrics } from "./metrics.ts";

/** The Content-Type a /metrics route answers with. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** A sample value as the format spells it: Go's float syntax, with +Inf, -Inf and NaN. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function labelSet(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return "";
  // Label names are ours, never a finding's: a bad one is a programming error, not input to escape.
  for (const [name] of pairs)
    if (!LABEL_NAME.test(name) || name.startsWith("__"))
      throw new Error(`invalid Prometheus label name "${name}"`);
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",")}}`;
}

function familyLines(f: MetricFamily): string[] {
  if (!METRIC_NAME.test(f.name)) throw new Error(`invalid Prometheus metric name "${f.name}"`);
  const lines = [`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`];
  if (f.type !== "histogram") {
    for (const s of f.samples) lines.push(`${f.name}${labelSet(s.labels)} ${formatValue(s.value)}`);
    return lines;
  }
  for (const s of f.series) {
    for (const b of s.buckets)
      lines.push(`${f.name}_bucket${labelSet(s.labels, ["le", formatValue(b.le)])} ${formatValue(b.count)}`);
    lines.push(`${f.name}_bucket${labelSet(s.labels, ["le", "+Inf"])} ${formatValue(s.count)}`);
    lines.push(`${f.name}_sum${labelSet(s.labels)} ${formatValue(s.sum)}`);
    lines.push(`${f.name}_count${labelSet(s.labels)} ${formatValue(s.count)}`);
  }
  return lines;
}

/** The whole exposition, each line ending in a line feed (the format requires the last one too). */
export function renderPrometheus(metrics: Metrics): string {
  return metrics
    .flatMap(familyLines)
    .map((line) => `${line}\n`)
    .join("");
}
