/**
 * The evaluation reports as plain-text tables, for the CLI and the bot. Core returns numbers only;
 * every word and digit a person reads is laid out here.
 */
import { METRIC_INFO, type CrossValidationReport, type MetricName } from '../core/eval/cross-validate.ts';
import type { TopNReport } from '../core/eval/topn.ts';
import type { MeanWithCI } from '../core/eval/topn-metrics.ts';

function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : 'n/a';
}

/** A plain-text table of the report: one row per algorithm, mean ± std per metric, times. */
export function formatTable(report: CrossValidationReport): string {
  const header = ['Algorithm', ...report.metrics.map((m) => titleOf(m)), 'fit s/fold', 'test s/fold', 'total s'];
  const rows = report.results.map((r) => [
    r.algorithm,
    ...report.metrics.map((m) => {
      const s = r.metrics[m];
      const digits = m === 'mape' ? 2 : 4;
      return report.nFolds > 1 ? `${fmt(s.mean, digits)} ± ${fmt(s.std, digits)}` : fmt(s.mean, digits);
    }),
    fmt(r.fitTime.mean, 2),
    fmt(r.testTime.mean, 2),
    fmt(r.totalTime, 2),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const title = `${report.data ? `${report.data}, ` : ''}${report.nRatings.toLocaleString('en-US')} ratings, ${report.splitter}` +
    (report.metrics.some((m) => m.includes('@')) ? `, k = ${report.k}, threshold = ${report.threshold}` : '');
  const notes = report.results.flatMap((r) => {
    const imp = r.folds.reduce((s, f) => s + f.impossible, 0);
    const out = imp > 0 ? [`${r.algorithm}: ${imp} predictions impossible, the global mean was used`] : [];
    const seen = new Set<string>();
    for (const f of r.folds) for (const n of f.notes) if (!seen.has(n)) seen.add(n);
    return [...out, ...[...seen].map((n) => `${r.algorithm}: ${n}`)];
  });
  return [title, '', line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line), ...(notes.length ? ['', ...notes] : [])].join('\n');
}

/** "precision@10" → "precision@10", "rmse" → "RMSE" */
export function titleOf(label: string): string {
  const [base, at] = label.split('@');
  const info = METRIC_INFO[base as MetricName];
  if (!info) return label;
  return at !== undefined ? `${info.title}@${at}` : info.title;
}

function grid(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

/**
 * "0.2213 ±0.0330": a per-member mean and the half-width of its 95% interval; an interval clipped
 * at the end of the range is lopsided, so it is printed whole: "0.0016 [0.0000, 0.0048]".
 */
export function formatMeanCI(m: MeanWithCI, digits = 4): string {
  if (!Number.isFinite(m.mean)) return 'n/a';
  const below = (m.mean - m.lo).toFixed(digits);
  const above = (m.hi - m.mean).toFixed(digits);
  if (below === above) return `${m.mean.toFixed(digits)} ±${above}`;
  return `${m.mean.toFixed(digits)} [${m.lo.toFixed(digits)}, ${m.hi.toFixed(digits)}]`;
}

/**
 * A plain-text table of a top-N report: one row per algorithm (best HR@n first; the popularity
 * floor marked), then the cold-start curve when it was measured.
 */
export function formatTopNTable(report: TopNReport): string {
  const n = report.n;
  // a column of HR@n on new movies only when some held-out movie is new (the cut-off protocol)
  const withNew = (report.newMovies?.new ?? 0) > 0;
  const header = ['Algorithm', `HR@${n}`, ...(withNew ? [`new HR@${n}`] : []), `liked HR@${n}`, `NDCG@${n}`, `recall@${report.recallAt}`, 'MRR', 'coverage', 'mean pop.', 'pop. pct', 'fit s', 'rank s'];
  const rows = report.results.map((r) => [
    r.algorithm === 'popular' ? 'popular (floor)' : r.algorithm,
    formatMeanCI(r.hitRate),
    ...(withNew ? [r.newHitRate ? formatMeanCI(r.newHitRate) : 'n/a'] : []),
    formatMeanCI(r.likedHitRate),
    formatMeanCI(r.ndcg),
    formatMeanCI(r.recall),
    formatMeanCI(r.mrr),
    fmt(r.coverage, 4),
    fmt(r.meanPopularity, 1),
    fmt(r.popularityPercentile, 1),
    fmt(r.fitTime, 2),
    fmt(r.rankTime, 2),
  ]);
  const users = report.results[0]?.users ?? 0;
  const title =
    `Top-${n} over the full catalogue, ${report.description}${report.data ? `, ${report.data}` : ''}: ` +
    `${users.toLocaleString('en-US')} members tested; candidates = movies with ≥ ${report.minItemRatings} training ratings ` +
    `(${report.candidates.toLocaleString('en-US')} of ${report.catalogSize.toLocaleString('en-US')}); liked = rating ≥ ${report.likedThreshold}`;
  const legend = 'per-member means ± half-width of the 95% interval (normal approximation; [lo, hi] where clipped to 0–1); mean pop. = mean training ratings of a recommended movie; pop. pct = its popularity percentile';
  const out = [title, '', ...grid(header, rows), '', legend];
  if (withNew) {
    const { heldOut, new: fresh } = report.newMovies!;
    const members = report.results[0]?.newHitRate?.users ?? 0;
    out.push(
      `new movies (no training rating, listable only from the catalogue): ${fresh.toLocaleString('en-US')} of ${heldOut.toLocaleString('en-US')} held-out ratings (${((100 * fresh) / heldOut).toFixed(1)}%); new HR@${n} = HR@${n} over those alone, ${members.toLocaleString('en-US')} members`,
    );
  }
  const curves = report.results.filter((r) => r.profileSizes && r.profileSizes.length > 0);
  if (curves.length > 0) {
    const sizes = curves[0].profileSizes!.map((p) => p.size);
    const curveRows = curves.map((r) => [r.algorithm, ...r.profileSizes!.map((p) => formatMeanCI(p.hitRate))]);
    out.push('', `HR@${n} by profile size (k random training ratings per member, ranked as a live member):`, '', ...grid(['Algorithm', ...sizes.map((s) => `k=${s}`)], curveRows));
    const counts = curves[0].profileSizes!.map((p) => `k=${p.size}: ${p.hitRate.users}`).join(', ');
    out.push('', `members with at least k training ratings: ${counts}`);
  }
  return out.join('\n');
}
