// The text exposition format 0.0.4, byte for byte: what a Prometheus server parses on every scrape.

import { describe, expect, it } from "vitest";
import type { Metrics } from "../../src/metrics/metrics.ts";
import {
  escapeHelp,
  escapeLabelValue,
  formatValue,
  PROMETHEUS_CONTENT_TYPE,
  renderPrometheus,
} from "../../src/metrics/prometheus.ts";

describe("renderPrometheus", () => {
  it("writes HELP and TYPE per family, samples with labels, and histograms with cumulative buckets", () => {
    const metrics: Metrics = [
      { name: "jobs_total", help: "Jobs run.", type: "counter", samples: [{ labels: {}, value: 3 }] },
      {
        name: "queue_depth",
        help: "Queued jobs.",
        type: "gauge",
        samples: [
          { labels: { kind: "remediate", state: "queued" }, value: 2 },
          { labels: { kind: "sweep:sla", state: "queued" }, value: 0.5 },
        ],
      },
      {
        name: "latency_hours",
        help: "Latency.",
        type: "histogram",
        series: [
          {
            labels: { team: "acme/payments" },
            buckets: [
              { le: 0.5, count: 1 },
              { le: 4, count: 2 },
            ],
            sum: 3.25,
            count: 3,
          },
        ],
      },
    ];
    expect(renderPrometheus(metrics)).toBe(
      [
        "# HELP jobs_total Jobs run.",
        "# TYPE jobs_total counter",
        "jobs_total 3",
        "# HELP queue_depth Queued jobs.",
        "# TYPE queue_depth gauge",
        'queue_depth{kind="remediate",state="queued"} 2',
        'queue_depth{kind="sweep:sla",state="queued"} 0.5',
        "# HELP latency_hours Latency.",
        "# TYPE latency_hours histogram",
        'latency_hours_bucket{team="acme/payments",le="0.5"} 1',
        'latency_hours_bucket{team="acme/payments",le="4"} 2',
        'latency_hours_bucket{team="acme/payments",le="+Inf"} 3',
        'latency_hours_sum{team="acme/payments"} 3.25',
        'latency_hours_count{team="acme/payments"} 3',
        "",
      ].join("\n"),
    );
  });

  it("escapes label values and HELP text so a hostile rule id cannot forge a sample", () => {
    const forged = 'x"} 1\nfixloop_findings{state="resolved"} 999\n#';
    const text = renderPrometheus([
      { name: "m", help: "a \\ b\nc", type: "gauge", samples: [{ labels: { rule: forged }, value: 1 }] },
    ]);
    expect(text).toBe(
      '# HELP m a \\\\ b\\nc\n# TYPE m gauge\nm{rule="x\\"} 1\\nfixloop_findings{state=\\"resolved\\"} 999\\n#"} 1\n',
    );
    expect(text.split("\n")).toHaveLength(4);
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeHelp('say "hi"\\\n')).toBe('say "hi"\\\\\\n');
  });

  it("spells special values the way the format does", () => {
    expect(
      [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 0, 1e21, 0.1].map(formatValue),
    ).toEqual(["+Inf", "-Inf", "NaN", "0", "1e+21", "0.1"]);
    expect(PROMETHEUS_CONTENT_TYPE).toBe("text/plain; version=0.0.4; charset=utf-8");
  });

  it("refuses metric and label names the format does not allow (they are ours, not input)", () => {
    const gauge = (name: string, label: string): Metrics => [
      { name, help: "h", type: "gauge", samples: [{ labels: { [label]: "v" }, value: 1 }] },
    ];
    expect(() => renderPrometheus(gauge("fixloop-findings", "state"))).toThrow(
      'invalid Prometheus metric name "fixloop-findings"',
    );
    expect(() => renderPrometheus(gauge("m", "rule id"))).toThrow('invalid Prometheus label name "rule id"');
    expect(() => renderPrometheus(gauge("m", "__name__"))).toThrow(
      'invalid Prometheus label name "__name__"',
    );
    expect(renderPrometheus([])).toBe("");
  });
});
