// The dashboard's one stylesheet (served as /assets/dashboard.css; the CSP allows no inline style).
// Readable first: system fonts, dark text on white (WCAG AAA contrast for body text), visible focus
// outlines for keyboard users, chart colours that stay apart in greyscale, and print rules that
// drop the navigation and keep tables and charts whole on paper.

export const DASHBOARD_CSS = `:root {
  --text: #1a1a1a;
  --muted: #4a4a4a;
  --bg: #ffffff;
  --panel: #f4f5f7;
  --line: #c9ccd1;
  --link: #0645ad;
  --focus: #b35900;
  --s0: #1f4e8c;
  --s1: #e08a1e;
  --s2: #b3261e;
}
* { box-sizing: border-box; }
html { font-size: 100%; }
body {
  margin: 0;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
  line-height: 1.5;
  color: var(--text);
  background: var(--bg);
}
header, main, footer { padding: 0 1.5rem; }
main { max-width: 80rem; margin: 0 auto 3rem; }
header { background: #14213d; color: #fff; display: flex; align-items: center; gap: 1rem; min-height: 3rem; }
header a, header .muted { color: #fff; }
header form { margin-left: auto; }
/* The page shell of src/web/document.ts: the skip link shows only when focused, the brand leads the
   header, sign-in and sign-out sit at its right end. */
.skip-link, .skip-link:visited { position: absolute; left: 0.5rem; top: -3rem; z-index: 10; padding: 0.4rem 0.8rem; background: #fff; color: var(--link); font-weight: 600; border: 2px solid var(--focus); border-radius: 3px; }
.skip-link:focus { top: 0.5rem; }
header.site { flex-wrap: wrap; row-gap: 0.25rem; padding-top: 0.35rem; padding-bottom: 0.35rem; }
header .brand { font-weight: 700; font-size: 1.15rem; letter-spacing: 0.02em; text-decoration: none; }
header a.brand:hover { text-decoration: underline; }
header .viewer { color: #dfe4ee; }
header .viewer strong { color: #fff; }
header a:visited { color: #fff; }
header .sign-in { margin-left: auto; font-weight: 600; text-decoration: none; border: 1px solid #fff; border-radius: 3px; padding: 0.2rem 0.7rem; }
header .sign-in:hover { background: #fff; color: #14213d; }
header .sign-out button { background: transparent; border-color: #fff; }
header .sign-out button:hover { background: #fff; color: #14213d; }
header a:focus-visible, header button:focus-visible { outline-color: #ffb366; }
a.button, a.button:visited { display: inline-block; background: var(--s0); color: #fff; font-weight: 600; text-decoration: none; padding: 0.4rem 0.9rem; border-radius: 3px; }
a.button:hover { background: #14213d; }
/* Notices and the share-link management page (src/web/share.ts). */
.notice { border-left: 4px solid var(--s0); background: #e8f0fa; padding: 0.1rem 1rem 0.4rem; margin: 1rem 0; }
.notice h2 { border-bottom: none; margin-top: 0.6rem; }
.error { margin: 1rem 0; }
input.share-url { width: 100%; max-width: 48rem; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.9rem; background: #fff; }
fieldset { border: 1px solid var(--line); border-radius: 4px; padding: 0.2rem 1rem 0.4rem; margin: 0.5rem 0; }
legend { font-weight: 600; padding: 0 0.3rem; }
td form { margin: 0; }
h1 { font-size: 1.6rem; margin: 1.2rem 0 0.4rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.6rem; border-bottom: 2px solid var(--line); padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; }
a { color: var(--link); text-underline-offset: 0.15em; }
a:visited { color: #5a2ca0; }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible {
  outline: 3px solid var(--focus);
  outline-offset: 2px;
}
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.92em; overflow-wrap: anywhere; }
.muted, .as-of { color: var(--muted); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.error { border-left: 4px solid var(--s2); background: #fdecea; padding: 0.6rem 0.9rem; }
.org-nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 0.25rem 1.25rem; padding: 0; margin: 1rem 0 0; }
.org-nav a { font-weight: 600; text-decoration: none; padding: 0.2rem 0; }
.org-nav a[aria-current="page"] { border-bottom: 3px solid var(--s0); color: var(--text); }
.org-nav a:hover { text-decoration: underline; }
.figures dl { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: 0.75rem; margin: 1rem 0; }
.figures dl > dt { grid-row: 2; color: var(--muted); font-size: 0.9rem; }
.figures dl > dd { grid-row: 1; margin: 0; font-size: 2rem; font-weight: 700; }
dl { display: grid; grid-template-columns: minmax(9rem, max-content) 1fr; gap: 0.2rem 1rem; margin: 0.5rem 0 1rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: break-word; min-width: 0; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; font-size: 0.93rem; }
th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.6rem; border-bottom: 1px solid var(--line); overflow-wrap: break-word; }
thead th { background: var(--panel); border-bottom: 2px solid var(--line); }
td.num, th.num, .chart-data th[scope="col"]:not(:first-child) { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding: 0.2rem 0; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(24rem, 1fr)); gap: 0 2rem; }
pre { background: var(--panel); border: 1px solid var(--line); padding: 0.75rem; overflow-x: auto; font-size: 0.85rem; white-space: pre-wrap; overflow-wrap: anywhere; }
details { margin: 0.4rem 0; }
summary { cursor: pointer; color: var(--link); }
form.period { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: end; margin: 1rem 0; padding: 0.75rem; background: var(--panel); border-radius: 4px; }
form.period label { display: flex; flex-direction: column; font-size: 0.9rem; font-weight: 600; }
input, select, button { font: inherit; padding: 0.3rem 0.5rem; border: 1px solid #767676; border-radius: 3px; background: #fff; color: var(--text); }
button { background: var(--s0); color: #fff; border-color: var(--s0); font-weight: 600; cursor: pointer; }
ul.orgs li { margin: 0.4rem 0; font-size: 1.1rem; }
.chart-figure { margin: 1rem 0 2rem; }
.chart-figure figcaption { font-weight: 600; font-size: 1.05rem; margin-bottom: 0.3rem; }
.chart-pair { display: grid; grid-template-columns: minmax(0, 3fr) minmax(14rem, 2fr); gap: 1.5rem; align-items: start; }
.chart-pair table { margin: 0; font-size: 0.85rem; }
.chart-pair table td, .chart-pair table th { padding: 0.15rem 0.5rem; }
.chart-data { max-height: none; }
svg.chart { width: 100%; height: auto; background: #fff; border: 1px solid var(--line); }
svg.chart .grid { stroke: #d7d9dd; stroke-width: 1; }
svg.chart .tick, svg.chart .legend { fill: var(--muted); font-size: 11px; font-family: inherit; }
svg.chart .legend { fill: var(--text); font-size: 12px; }
.series-0 { fill: var(--s0); }
.series-1 { fill: var(--s1); }
.series-2 { fill: var(--s2); }
@media (max-width: 60rem) { .chart-pair { grid-template-columns: 1fr; } }
@media (prefers-contrast: more) {
  :root { --muted: #1a1a1a; --line: #5c5c5c; --link: #00307a; }
  th, td { border-bottom-color: #000; }
}
@media print {
  @page { margin: 1.5cm; }
  body { font-size: 10pt; color: #000; }
  header, nav, form.period, .downloads, .skip-link, details summary::marker { display: none; }
  main { max-width: none; padding: 0; margin: 0; }
  a { color: #000; text-decoration: none; }
  h2 { break-after: avoid; }
  tr, figure, svg.chart, dl { break-inside: avoid; }
  .chart-pair { grid-template-columns: 3fr 2fr; }
  svg.chart, .series-0, .series-1, .series-2 { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  pre { white-space: pre-wrap; }
}
`;
