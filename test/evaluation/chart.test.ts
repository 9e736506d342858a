import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crossValidate, type CrossValidationReport } from '../../src/core/eval/cross-validate.ts';
import { kFold } from '../../src/core/eval/splitters.ts';
import { evaluateTopN } from '../../src/core/eval/topn.ts';
import { chartFontFamily, chartSpec, renderChart, renderTopNChart, topNChartSpec, writeChart } from '../../src/evaluation/chart.ts';
import { GlobalMean, ItemMean, syntheticRatings } from '../core/eval/toy-algorithms.ts';

const dir = mkdtempSync(join(tmpdir(), 'marquee-chart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function sampleReport(): Promise<CrossValidationReport> {
  return crossValidate(
    [
      { name: 'global-mean', create: () => new GlobalMean() },
      { name: 'item-mean', create: () => new ItemMean() },
    ],
    { ratings: syntheticRatings(30, 20), scale: [1, 5], name: 'synthetic' },
    kFold(3, { seed: 0 }),
    { metrics: ['rmse', 'mae', 'precision', 'recall', 'fcp'], k: 5 },
  );
}

function pngSize(png: Buffer): { width: number; height: number } {
  // IHDR is the first chunk: width and height are big-endian at bytes 16 and 20
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('evaluation chart', () => {
  it('renders a PNG of RMSE, MAE, precision@k and recall@k per algorithm', async () => {
    const report = await sampleReport();
    const png = await renderChart(report);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const { width, height } = pngSize(png);
    expect(width).toBeGreaterThan(1000); // two panels side by side at 2× scale
    expect(height).toBeGreaterThan(300);
    expect(png.length).toBeGreaterThan(10_000); // text and bars, not an empty canvas
  });

  it('plots one panel per chartable metric, bars sorted best first, titled with data and folds', async () => {
    const report = await sampleReport();
    const spec = chartSpec(report) as unknown as {
      title: { text: string; subtitle: string };
      concat: Array<{ title: { text: string }; layer: Array<{ encoding: { y: { sort: string[] } } }> }>;
      config: { font: string };
    };
    expect(spec.title.text).toBe(`Marquee evaluation: synthetic (${report.nRatings} ratings), 3-fold CV (seed 0)`);
    expect(spec.title.subtitle).toMatch(/mean ± std over 3 folds; relevant = rating ≥ 3.5/);
    expect(spec.concat.map((p) => p.title.text)).toEqual([
      'RMSE (lower is better)',
      'MAE (lower is better)',
      'precision@5 (higher is better)',
      'recall@5 (higher is better)',
    ]);
    const rmseOrder = spec.concat[0].layer[0].encoding.y.sort;
    const means = rmseOrder.map((a) => report.results.find((r) => r.algorithm === a)!.metrics.rmse.mean);
    expect(means).toEqual([...means].sort((a, b) => a - b));
    expect(spec.config.font).toBe(chartFontFamily());
  });

  it('zooms the error-metric axes so 0.935 and 0.947 RMSE look different, with readable ticks and visible error bars', async () => {
    const report = await sampleReport();
    type Layer = { mark: { type: string; strokeWidth?: number; thickness?: number }; encoding: { x?: { scale?: { zero: boolean }; axis?: { format: string; tickCount: number; labelOverlap: string } } } };
    const spec = chartSpec(report) as unknown as { concat: Array<{ title: { text: string }; layer: Layer[] }> };
    const panel = (title: string) => spec.concat.find((p) => p.title.text.startsWith(title))!;
    const x = (title: string) => panel(title).layer[0].encoding.x!;
    // error metrics: a non-zero (zoomed) scale, a dot per mean, three decimals
    expect(x('RMSE').scale!.zero).toBe(false);
    expect(x('MAE').scale!.zero).toBe(false);
    expect(panel('RMSE').layer[0].mark.type).toBe('point');
    expect(x('RMSE').axis!.format).toBe('.3f');
    // fractions: bars from zero, two decimals and few enough ticks that labels never run together ("0.000.05")
    expect(x('recall@5').scale!.zero).toBe(true);
    expect(x('recall@5').axis).toMatchObject({ format: '.2f', tickCount: 5, labelOverlap: 'greedy' });
    // error bars: a 2-px rule with caps at both ends
    const marks = panel('RMSE').layer.map((l) => l.mark);
    expect(marks.find((m) => m.type === 'rule')!.strokeWidth).toBe(2);
    expect(marks.filter((m) => m.type === 'tick' && m.thickness === 2)).toHaveLength(2);
  });

  it('charts a top-N report as HR@n with its 95% interval, the popularity floor labelled', async () => {
    const top = await evaluateTopN([{ name: 'item-mean', create: () => new ItemMean() }], { ratings: syntheticRatings(30, 20), scale: [1, 5], name: 'synthetic' }, { n: 5, minItemRatings: 1 });
    const spec = topNChartSpec(top) as unknown as { data: { values: Array<{ algorithm: string; mean: number; lo: number; hi: number }> }; title: { text: string } };
    expect(spec.title.text).toBe('Marquee top-5: synthetic, leave-one-out');
    const rows = spec.data.values;
    expect(rows.map((r) => r.algorithm).sort()).toEqual(['item-mean', 'popular (floor)']);
    const im = top.results.find((r) => r.algorithm === 'item-mean')!.hitRate;
    expect(rows.find((r) => r.algorithm === 'item-mean')).toMatchObject({ mean: im.mean, lo: im.lo, hi: im.hi });
    const png = await renderTopNChart(top);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });

  it('uses a font the machine has', () => {
    expect(chartFontFamily()).not.toBe('');
  });

  it('refuses a report with nothing to chart', async () => {
    const report = await sampleReport();
    expect(() => chartSpec({ ...report, metrics: ['fcp'] })).toThrow(/nothing to chart: the report has none of rmse, mae/);
  });

  it('writes the file through a temporary name', async () => {
    const out = join(dir, 'chart.png');
    await writeChart(await sampleReport(), out);
    expect(readFileSync(out).subarray(1, 4).toString()).toBe('PNG');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(existsSync(out)).toBe(true);
  });
});
