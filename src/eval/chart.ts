/**
 * A PNG bar chart of an evaluation, rendered without a browser: Vega-Lite spec → Vega view →
 * SVG → @resvg/resvg-js PNG. One panel per metric (RMSE and MAE, plus precision@k and recall@k
 * when present), bars sorted best first with ± std whiskers and the value printed on each bar.
 *
 * resvg draws no text without a font, so the font family is one the machine really has
 * (`fc-list`), DejaVu Sans when present.
 */
import { execFileSync } from 'node:child_process';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { METRIC_INFO, titleOf, type CrossValidationReport, type MetricName } from '../core/eval/cross-validate.ts';

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
    const y = {
      field: 'algorithm',
      type: 'nominal' as const,
      title: null,
      sort: order,
      axis: { labelLimit: 400, labelFontSize: 12 },
    };
    return {
      title: { text: titles.title, fontSize: 14 },
      width,
      height,
      transform: [{ filter: { field: 'metric', equal: m } }],
      layer: [
        {
          mark: { type: 'bar' as const, color: ascending ? '#4c78a8' : '#54a24b', height: { band: 0.7 } },
          encoding: {
            y,
            x: { field: 'mean', type: 'quantitative' as const, title: titles.axis, axis: { tickCount: 8 } },
          },
        },
        {
          mark: { type: 'rule' as const, color: '#333333' },
          encoding: { y, x: { field: 'lo', type: 'quantitative' as const }, x2: { field: 'hi' } },
        },
        {
          mark: { type: 'text' as const, align: 'left' as const, dx: 4, fontSize: 11, color: '#222222' },
          encoding: { y, x: { field: 'hi', type: 'quantitative' as const }, text: { field: 'label' } },
        },
      ],
      resolve: { scale: { x: 'shared' as const } },
    };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle, fontSize: 16, subtitleFontSize: 12, anchor: 'start' },
    background: 'white',
    padding: 16,
    data: { values: rows },
    columns: 2,
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
  const vgSpec = compile(chartSpec(report, opts)).spec;
  const measure = vegaTextMetrics.width;
  vegaTextMetrics.width = textWidth;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' }).logLevel(vega.Error);
  try {
    const svg = await view.toSVG(2);
    const family = chartFontFamily();
    const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: family }, background: 'white' })
      .render()
      .asPng();
    return png;
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
