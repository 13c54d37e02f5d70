// A grouped bar chart drawn on the server as SVG: no script, no inline style (the page's CSP allows
// neither; colours come from the stylesheet's .series-N classes), and accessible — role="img" with
// a <title> and a <desc> that say what it shows, and the same numbers in a table beside it, which
// is also what a screen reader or a printout without colour relies on.

import { htmlText } from "../../evidence/html.ts";

export interface Series {
  name: string;
  values: readonly number[];
}

export interface BarChart {
  /** Unique on the page: the ids of the title and description derive from it. */
  id: string;
  title: string;
  /** One sentence of what the chart shows, with its totals. */
  description: string;
  /** What the categories are ("Week", "Tier"): the table's first column. */
  categoryLabel: string;
  /** The x axis: one group of bars per category. */
  categories: readonly string[];
  series: readonly Series[];
  /** Columns shown only in the table (a count beside durations: another unit, another axis). */
  tableOnly?: readonly Series[];
  /** How a value is written in the table and on the axis (default: the number). */
  format?: (value: number) => string;
}

const WIDTH = 720;
const HEIGHT = 260;
const PAD = { top: 16, right: 12, bottom: 40, left: 56 };

/** The smallest "nice" axis maximum (1, 2 or 5 × a power of ten) at or above `max`. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

function bars(chart: BarChart, scale: (v: number) => number): string {
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const groupWidth = plotWidth / Math.max(chart.categories.length, 1);
  const barWidth = (groupWidth * 0.8) / Math.max(chart.series.length, 1);
  const out: string[] = [];
  chart.categories.forEach((category, i) => {
    chart.series.forEach((s, j) => {
      const value = s.values[i] ?? 0;
      const h = Number.isFinite(value) ? scale(value) : 0;
      const x = PAD.left + i * groupWidth + groupWidth * 0.1 + j * barWidth;
      out.push(
        `<rect class="series-${j}" x="${round1(x)}" y="${round1(HEIGHT - PAD.bottom - h)}" width="${round1(Math.max(barWidth - 1, 1))}" height="${round1(h)}"><title>${htmlText(`${s.name}, ${category}: ${cellText(chart, value)}`)}</title></rect>`,
      );
    });
  });
  return out.join("");
}

function axes(chart: BarChart, top: number): string {
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const fmt = chart.format ?? String;
  const ticks = [0, top / 2, top].map((v) => {
    const y = round1(HEIGHT - PAD.bottom - (v / top) * plotHeight);
    return `<line class="grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y}" y2="${y}"/><text class="tick" x="${PAD.left - 6}" y="${y + 4}" text-anchor="end">${htmlText(fmt(v))}</text>`;
  });
  const groupWidth = (WIDTH - PAD.left - PAD.right) / Math.max(chart.categories.length, 1);
  // About seven labels fit under the axis without touching; the table names every category.
  const every = Math.max(1, Math.ceil(chart.categories.length / 7));
  const labels = chart.categories.map((c, i) =>
    i % every === 0
      ? `<text class="tick" x="${round1(PAD.left + (i + 0.5) * groupWidth)}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="middle">${htmlText(c)}</text>`
      : "",
  );
  return ticks.join("") + labels.join("");
}

function legend(chart: BarChart): string {
  const items = chart.series.map(
    (s, j) =>
      `<rect class="series-${j}" x="${PAD.left + j * 150}" y="${HEIGHT - 14}" width="10" height="10"/><text class="legend" x="${PAD.left + j * 150 + 14}" y="${HEIGHT - 5}">${htmlText(s.name)}</text>`,
  );
  return items.join("");
}

/** A value as the table writes it; NaN is "no value" (a tier with nothing resolved has no median). */
function cellText(chart: BarChart, value: number): string {
  return Number.isFinite(value) ? (chart.format ?? String)(value) : "—";
}

function dataTable(chart: BarChart): string {
  const columns = [...chart.series, ...(chart.tableOnly ?? [])];
  const head = `<tr><th scope="col">${htmlText(chart.categoryLabel)}</th>${columns.map((s) => `<th scope="col">${htmlText(s.name)}</th>`).join("")}</tr>`;
  const rows = chart.categories.map(
    (c, i) =>
      `<tr><th scope="row">${htmlText(c)}</th>${columns.map((s) => `<td class="num">${htmlText(cellText(chart, s.values[i] ?? 0))}</td>`).join("")}</tr>`,
  );
  return `<table class="chart-data"><caption>${htmlText(chart.title)}: the numbers</caption><thead>${head}</thead><tbody>${rows.join("")}</tbody></table>`;
}

/** The chart and its numbers, as one <figure>. */
export function barChart(chart: BarChart): string {
  const max = Math.max(0, ...chart.series.flatMap((s) => s.values.filter(Number.isFinite)));
  // Counts keep whole-number ticks: an axis of 0, 0.5, 1 reads as if half a finding were possible.
  const whole = chart.series.every((s) => s.values.every((v) => !Number.isFinite(v) || Number.isInteger(v)));
  const top = whole ? Math.max(niceMax(max), 2) : niceMax(max);
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const scale = (v: number) => (v / top) * plotHeight;
  const titleId = `${chart.id}-title`;
  const descId = `${chart.id}-desc`;
  const svg = `<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${titleId} ${descId}" xmlns="http://www.w3.org/2000/svg"><title id="${titleId}">${htmlText(chart.title)}</title><desc id="${descId}">${htmlText(chart.description)}</desc>${axes(chart, top)}${bars(chart, scale)}${legend(chart)}</svg>`;
  return `<figure class="chart-figure" id="${htmlText(chart.id)}"><figcaption>${htmlText(chart.title)}</figcaption><div class="chart-pair">${svg}${dataTable(chart)}</div></figure>`;
}
