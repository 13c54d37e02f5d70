// The SVG bar chart: accessible (role="img" named by its <title> and <desc>), the same numbers in a
// table beside it, bar heights proportional to the values on a "nice" axis, no inline style (the
// CSP forbids it), and chart text escaped.

import { describe, expect, it } from "vitest";
import { barChart, niceMax } from "../../src/web/svg/bars.ts";
import { rowsOf } from "./render.ts";

const chart = () =>
  barChart({
    id: "c",
    title: 'Opened & resolved <per> "week"',
    description: "Over 3 weeks: 9 opened, 4 resolved.",
    categoryLabel: "Week of",
    categories: ["2026-11-02", "2026-11-09", "2026-11-16"],
    series: [
      { name: "Opened", values: [5, 0, 4] },
      { name: "Resolved", values: [1, 3, Number.NaN] },
    ],
    tableOnly: [{ name: "Reopened", values: [0, 1, 0] }],
  });

describe("barChart", () => {
  it("is an image named by its title and description, with escaped text", () => {
    const svg = chart();
    expect(svg).toContain(
      '<svg class="chart" viewBox="0 0 720 260" role="img" aria-labelledby="c-title c-desc"',
    );
    expect(svg).toContain('<title id="c-title">Opened &#38; resolved &#60;per&#62; &#34;week&#34;</title>');
    expect(svg).toContain('<desc id="c-desc">Over 3 weeks: 9 opened, 4 resolved.</desc>');
    expect(svg).not.toMatch(/style=|<script|<per>/);
  });

  it("puts the numbers in a table beside it; a missing value is a dash, not a zero", () => {
    expect(rowsOf(chart())).toEqual([
      ["Week of", "Opened", "Resolved", "Reopened"],
      ["2026-11-02", "5", "1", "0"],
      ["2026-11-09", "0", "3", "1"],
      ["2026-11-16", "4", "—", "0"],
    ]);
  });

  it("draws each bar in proportion on an axis up to a nice maximum", () => {
    const heights = [
      ...chart().matchAll(
        /<rect class="series-(\d)" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"><title>([^<]+)<\/title>/g,
      ),
    ].map((m) => [m[3], Number(m[2])]);
    // Axis 0..5 over a 204-pixel plot: 5 → 204, 4 → 163.2, 1 → 40.8.
    expect(heights).toEqual([
      ["Opened, 2026-11-02: 5", 204],
      ["Resolved, 2026-11-02: 1", 40.8],
      ["Opened, 2026-11-09: 0", 0],
      ["Resolved, 2026-11-09: 3", 122.4],
      ["Opened, 2026-11-16: 4", 163.2],
      ["Resolved, 2026-11-16: —", 0],
    ]);
  });

  it("picks 1, 2 or 5 times a power of ten for the axis", () => {
    expect([0, 1, 3, 5, 7, 17, 48, 101, 2500].map(niceMax)).toEqual([1, 1, 5, 5, 10, 20, 50, 200, 5000]);
  });
});
