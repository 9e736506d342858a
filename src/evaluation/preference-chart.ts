/**
 * The running preference of an interleaved experiment as a PNG: after each list shown, the share
 * of members with a preference who prefer A, minus ½, with the zero line (no preference).
 */
import type { TopLevelSpec } from 'vega-lite';
import { chartFontFamily, renderSpec } from './chart.ts';

export interface PreferencePoint {
  /** lists shown so far */
  lists: number;
  /** winsA / (winsA + winsB) − ½ over members so far; 0 before anyone prefers either */
  preference: number;
}

export function preferenceChartSpec(points: readonly PreferencePoint[], a: string, b: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Interleaved: ${a} vs ${b}`, subtitle: `above 0: members prefer ${a}; below: ${b}`, font: chartFontFamily() },
    width: 480,
    height: 240,
    config: { font: chartFontFamily() },
    layer: [
      {
        data: { values: points.map((p) => ({ ...p })) },
        mark: { type: 'line', color: '#4c78a8', interpolate: 'step-after' },
        encoding: {
          x: { field: 'lists', type: 'quantitative', title: 'lists shown' },
          y: { field: 'preference', type: 'quantitative', title: `preference for ${a}`, scale: { domain: [-0.5, 0.5] } },
        },
      },
      { data: { values: [{ y: 0 }] }, mark: { type: 'rule', color: '#888', strokeDash: [4, 4] }, encoding: { y: { field: 'y', type: 'quantitative' } } },
    ],
  };
}

export async function renderPreferenceChart(points: readonly PreferencePoint[], a: string, b: string): Promise<Uint8Array> {
  return renderSpec(preferenceChartSpec(points.length > 0 ? points : [{ lists: 0, preference: 0 }], a, b));
}
