/**
 * A PNG bar chart of an evaluation, rendered without a browser: Vega-Lite spec → Vega view →
 * SVG → @resvg/resvg-js PNG. One panel per metric (RMSE and MAE, plus precision@k and recall@k
 * when present), sorted best first with ± std error bars and the value printed beside each; error
 * metrics on a zoomed axis. A top-N report gets one panel of HR@n with 95% intervals.
 *
 * resvg draws no text without a font, so the font family is one the machine really has
 * (`fc-list`), DejaVu Sans when present.
 */
import { execFileSync } from 'node:child_process';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { METRIC_INFO, type CrossValidationReport, type MetricName } from '../core/eval/cross-validate.ts';
import type { TopNReport } from '../core/eval/topn.ts';
import { titleOf } from './table.ts';

const PREFERRED_FONTS = ['DejaVu Sans', 'Liberation Sans', 'Noto Sans', 'Arial', 'Helvetica', 'FreeSans'];
let fontCache: string | undefined;

/** The font family the chart uses: the first preferred family fc-list knows, else its first family. */
export function chartFontFamily(): string {
  if (fontCache !== undefined) return fontCache;
  let families: string[] = [];
  try {
    const out = execFileSync('fc-list', [':', 'family'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    families = out.split('\n').flatMap((line) => line.split(',')).map((f) => f.trim()).filter(Boolean);
  } catch {
    // no fontconfig: resvg still scans the usual font folders; DejaVu is the most common family
  }
  fontCache = PREFERRED_FONTS.find((f) => families.includes(f)) ?? families[0] ?? 'DejaVu Sans';
  return fontCache;
}

export interface ChartOptions {
  /** overrides the default title ("Marquee evaluation: <data>, <splitter>") */
  title?: string;
  /** width of one panel in pixels (default 380) */
  panelWidth?: number;
}

interface Row {
  algorithm: string;
  metric: string;
  mean: number;
  lo: number;
  hi: number;
  label: string;
}

const CHART_METRICS: readonly MetricName[] = ['rmse', 'mae', 'precision', 'recall'];

/** Panel title with the direction, and a short unit for the axis (long axis titles widen the grid). */
function panelTitles(label: string, k: number): { title: string; axis: string } {
  const base = label.split('@')[0] as MetricName;
  const title = `${titleOf(label)} (${METRIC_INFO[base].better} is better)`;
  switch (base) {
    case 'rmse':
    case 'mae':
      return { title, axis: 'rating points' };
    case 'precision':
      return { title, axis: `fraction of the top ${k} that is relevant` };
    case 'recall':
      return { title, axis: 'fraction of relevant items found' };
    default:
      return { title, axis: titleOf(label) };
  }
}

// Advance widths of DejaVu Sans for printable ASCII (32..126), in 1/2048 em. Vega measures text
// with a canvas, which Node lacks; its fallback guesses 0.8 em a character, about 1.5× too wide,
// so axes reserve far too much room. These widths make the layout match what resvg draws.
const DEJAVU_ADVANCE = [
  651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303, 1303, 1303, 1303,
  1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048, 1401, 1405, 1430, 1577, 1294, 1178,
  1587, 1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251,
  1403, 799, 690, 799, 1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995,
  1298, 1253, 1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303, 690, 1303, 1716,
];

interface TextItem {
  text?: unknown;
  fontSize?: number;
  fontWeight?: string | number;
}

function textWidth(item: TextItem, text?: unknown): number {
  const s = String(text ?? item.text ?? '');
  const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
  let units = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    units += c >= 32 && c <= 126 ? DEJAVU_ADVANCE[c - 32] : 1400;
  }
  const bold = item.fontWeight === 'bold' || Number(item.fontWeight) >= 600;
  return (units / 2048) * size * (bold ? 1.1 : 1);
}

type TextMetrics = { width: (item: TextItem, text?: unknown) => number };
const vegaTextMetrics = (vega as unknown as { textMetrics: TextMetrics }).textMetrics;

const MAX_LABEL = 36;

/**
 * Axis labels: long specs are shortened in the middle ("knn-baseline:user_base…son_baseline")
 * so one long name does not squeeze the plots.
 */
function displayNames(algorithms: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const a of algorithms) {
    let name = a.length <= MAX_LABEL ? a : `${a.slice(0, 22)}…${a.slice(a.length - (MAX_LABEL - 23))}`;
    for (let n = 2; used.has(name); n++) name = `${name.slice(0, MAX_LABEL - 3)} #${n}`;
    used.add(name);
    out.set(a, name);
  }
  return out;
}

interface PanelOptions {
  title: string;
  axis: string;
  width: number;
  height: number;
  /** a zoomed axis (scale.zero false) with a dot per mean, for values that differ little */
  zoomed: boolean;
  color: string;
  /** the metric this panel shows, when rows of several metrics share the data */
  filter?: string;
}

/**
 * Axis number format: two decimals for fractions and rating points (".2f"), three when the axis
 * is zoomed onto small differences. Vega's default prints "0.050" next to "0.000" with 8 ticks,
 * which ran together as "0.000.05" on a 380-pixel recall panel; 5 ticks and dropping labels that
 * would overlap ("greedy") keep every label apart.
 */
function axisFormat(zoomed: boolean): { format: string; tickCount: number; labelOverlap: 'greedy'; labelFlush: boolean } {
  return { format: zoomed ? '.3f' : '.2f', tickCount: 5, labelOverlap: 'greedy', labelFlush: true };
}

/** One panel: a bar (or a dot when zoomed) per algorithm, error bars with end caps, the value printed. */
function panel(rows: readonly Row[], order: string[], o: PanelOptions) {
  const y = {
    field: 'algorithm',
    type: 'nominal' as const,
    title: null,
    sort: order,
    axis: { labelLimit: 400, labelFontSize: 12 },
  };
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    lo = Math.min(lo, r.lo, r.mean);
    hi = Math.max(hi, r.hi, r.mean);
  }
  // zoomed: the domain is the data's span plus a margin, and room on the right for the labels
  const span = Math.max(hi - lo, Math.abs(hi) * 0.01, 1e-6);
  const scale = o.zoomed
    ? { zero: false, nice: false, domain: [lo - span * 0.15, hi + span * 0.45] }
    : { zero: true, nice: true, domainMax: hi + Math.max(hi, 1e-6) * 0.25 };
  const x = { field: 'mean', type: 'quantitative' as const, title: o.axis, scale, axis: axisFormat(o.zoomed) };
  const meanMark = o.zoomed
    ? { type: 'point' as const, filled: true, size: 90, color: o.color, opacity: 1 }
    : { type: 'bar' as const, color: o.color, height: { band: 0.6 } };
  return {
    title: { text: o.title, fontSize: 14 },
    width: o.width,
    height: o.height,
    ...(o.filter !== undefined ? { transform: [{ filter: { field: 'metric', equal: o.filter } }] } : {}),
    layer: [
      { mark: meanMark, encoding: { y, x } },
      // error bars drawn over the bars, dark and 2 px wide, with caps at both ends
      { mark: { type: 'rule' as const, color: '#111111', strokeWidth: 2 }, encoding: { y, x: { field: 'lo', type: 'quantitative' as const }, x2: { field: 'hi' } } },
      { mark: { type: 'tick' as const, color: '#111111', thickness: 2, size: 12 }, encoding: { y, x: { field: 'lo', type: 'quantitative' as const } } },
      { mark: { type: 'tick' as const, color: '#111111', thickness: 2, size: 12 }, encoding: { y, x: { field: 'hi', type: 'quantitative' as const } } },
      {
        mark: { type: 'text' as const, align: 'left' as const, dx: 6, fontSize: 11, color: '#222222' },
        encoding: { y, x: { field: 'hi', type: 'quantitative' as const }, text: { field: 'label' } },
      },
    ],
    resolve: { scale: { x: 'shared' as const } },
  };
}

/** The Vega-Lite spec of the chart (exported so tests and callers can inspect it). */
export function chartSpec(report: CrossValidationReport, opts: ChartOptions = {}): TopLevelSpec {
  const labels = report.metrics.filter((m) => CHART_METRICS.includes(m.split('@')[0] as MetricName));
  if (labels.length === 0) {
    throw new Error(`nothing to chart: the report has none of ${CHART_METRICS.join(', ')} (it has ${report.metrics.join(', ')})`);
  }
  if (report.results.length === 0) throw new Error('nothing to chart: the report has no algorithm');
  const rows: Row[] = [];
  const names = displayNames(report.results.map((r) => r.algorithm));
  for (const r of report.results) {
    for (const m of labels) {
      const s = r.metrics[m];
      if (!s || !Number.isFinite(s.mean)) continue;
      const std = Number.isFinite(s.std) ? s.std : 0;
      rows.push({ algorithm: names.get(r.algorithm) ?? r.algorithm, metric: m, mean: s.mean, lo: s.mean - std, hi: s.mean + std, label: s.mean.toFixed(4) });
    }
  }
  const width = opts.panelWidth ?? 380;
  const height = Math.max(60, 26 * report.results.length);
  const title =
    opts.title ??
    `Marquee evaluation: ${report.data ?? 'ratings'} (${report.nRatings.toLocaleString('en-US')} ratings), ${report.splitter}`;
  const subtitle =
    `${report.nFolds > 1 ? `mean ± std over ${report.nFolds} folds` : 'one train/test split'}` +
    (labels.some((m) => m.includes('@')) ? `; relevant = rating ≥ ${report.threshold}` : '');
  const panels = labels.map((m) => {
    const base = m.split('@')[0] as MetricName;
    const ascending = METRIC_INFO[base].better === 'lower';
    const titles = panelTitles(m, report.k);
    // an explicit order per panel (best first): field-based sorts conflict across the layers
    const order = rows
      .filter((r) => r.metric === m)
      .sort((a, b) => (ascending ? a.mean - b.mean : b.mean - a.mean))
      .map((r) => r.algorithm);
    return panel(rows.filter((r) => r.metric === m), order, {
      title: titles.title,
      axis: titles.axis,
      width,
      height,
      // error metrics differ in the 2nd or 3rd decimal (0.935 vs 0.947 RMSE on ml-100k): a
      // zero-based axis draws equal bars, so they get a zoomed axis and a dot per mean instead
      zoomed: ascending,
      color: ascending ? '#4c78a8' : '#54a24b',
      filter: m,
    });
  });
  return page(title, subtitle, rows, panels, 2);
}

/** The page around the panels: title, white background, the data, the machine's font. */
function page(title: string, subtitle: string, rows: readonly Row[], panels: readonly object[], columns: number): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle, fontSize: 16, subtitleFontSize: 12, anchor: 'start' },
    background: 'white',
    padding: 16,
    data: { values: rows },
    columns,
    concat: panels,
    config: {
      font: chartFontFamily(),
      axis: { labelFontSize: 11, titleFontSize: 12, grid: true },
      view: { stroke: null },
    },
  } as TopLevelSpec;
}

/** Renders the report's chart to PNG bytes. */
export async function renderChart(report: CrossValidationReport, opts: ChartOptions = {}): Promise<Buffer> {
  return renderSpec(chartSpec(report, opts));
}

const PROTOCOL_NAMES: Readonly<Record<TopNReport['protocol'], string>> = {
  loo: 'leave-one-out',
  temporal: 'latest rating held out',
  kfold: 'k-fold',
  rare: 'a rarely rated movie held out',
  cutoff: 'ratings after a time cut-off held out',
};

/** The Vega-Lite spec of a top-N report's chart: HR@n per algorithm with its 95% interval. */
export function topNChartSpec(report: TopNReport, opts: ChartOptions = {}): TopLevelSpec {
  if (report.results.length === 0) throw new Error('nothing to chart: the top-N report has no algorithm');
  const names = displayNames(report.results.map((r) => r.algorithm));
  const rows: Row[] = [];
  for (const r of report.results) {
    const h = r.hitRate;
    if (!Number.isFinite(h.mean)) continue;
    const name = names.get(r.algorithm) ?? r.algorithm;
    rows.push({ algorithm: r.algorithm === 'popular' ? `${name} (floor)` : name, metric: 'hr', mean: h.mean, lo: h.lo, hi: h.hi, label: h.mean.toFixed(4) });
  }
  const order = [...rows].sort((a, b) => b.mean - a.mean).map((r) => r.algorithm);
  const title = opts.title ?? `Marquee top-${report.n}: ${report.data ?? 'ratings'}, ${PROTOCOL_NAMES[report.protocol]}`;
  const subtitle = `${report.description}; per-member HR@${report.n} with 95% interval; ${report.results[0].users.toLocaleString('en-US')} members; candidates: movies with ≥ ${report.minItemRatings} ratings`;
  const p = panel(rows, order, {
    title: `HR@${report.n} (higher is better)`,
    axis: `share of members whose held-out movie is in the top ${report.n}`,
    width: opts.panelWidth ?? 480,
    height: Math.max(60, 26 * rows.length),
    zoomed: false,
    color: '#54a24b',
  });
  return page(title, subtitle, rows, [p], 1);
}

/** Renders a top-N report's chart to PNG bytes. */
export async function renderTopNChart(report: TopNReport, opts: ChartOptions = {}): Promise<Buffer> {
  return renderSpec(topNChartSpec(report, opts));
}

/** Renders any Vega-Lite spec to PNG bytes, with the font and text metrics every Marquee chart uses. */
export async function renderSpec(spec: TopLevelSpec): Promise<Buffer> {
  const vgSpec = compile(spec).spec;
  const measure = vegaTextMetrics.width;
  vegaTextMetrics.width = textWidth;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' }).logLevel(vega.Error);
  try {
    const svg = await view.toSVG(2);
    const family = chartFontFamily();
    return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: family }, background: 'white' }).render().asPng();
  } finally {
    view.finalize();
    vegaTextMetrics.width = measure;
  }
}

/** Renders and writes the chart, via a temporary file renamed into place only on success. */
export async function writeChart(report: CrossValidationReport, path: string, opts: ChartOptions = {}): Promise<void> {
  const png = await renderChart(report, opts);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, png);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
