import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crossValidate, type CrossValidationReport } from '../../src/core/eval/cross-validate.ts';
import { kFold } from '../../src/core/eval/splitters.ts';
import { chartFontFamily, chartSpec, renderChart, writeChart } from '../../src/eval/chart.ts';
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
