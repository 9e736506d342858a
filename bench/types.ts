/** One measured number, printed by `npm run bench` and copied into README's performance table. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** the target or Surprise's figure, for comparison */
  note?: string;
}
