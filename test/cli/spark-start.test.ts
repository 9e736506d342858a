/**
 * The operator's side: `npm start` with MARQUEE_ALS_FACTORS pointing at a Spark job that never
 * finished stops at start-up, saying so, before any member could find out.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../data/fixtures.ts';
import { writeSparkAlsRun } from '../data/spark-layout.ts';
import { startMarquee } from '../helpers/real-process.ts';
import { sharedDataset } from '../helpers/shared-data.ts';

const ML100K = sharedDataset('ml-100k');

describe.skipIf(!ML100K)('npm start with MARQUEE_ALS_FACTORS', () => {
  it('refuses an unfinished Spark job (no _SUCCESS) at start-up, naming the folder', async () => {
    const factors = tempDir('spark-unfinished-');
    const row = { id: 1, features: [0.1, 0.2] };
    writeSparkAlsRun(factors, { params: { rank: 2, reg: 0.1, implicit: false, alpha: 1, export: { dataset: 'ml-100k', fingerprint: 'x', memberUserIdOffset: 943, exportedAt: '' } }, users: [row], items: [row] }, { success: false });
    const m = startMarquee({ env: { MARQUEE_DATA: ML100K, MARQUEE_ALGORITHMS: 'ease,als-import', MARQUEE_ALS_FACTORS: factors } });
    try {
      expect(await m.exited).toBe(1);
      const said = `${m.stderrLines.join('\n')}\n${m.stdout()}`;
      expect(said).toMatch(/user_factors has no _SUCCESS marker: the Spark job did not finish/);
    } finally {
      await m.stop().catch(() => undefined);
      m.cleanup();
    }
  }, 120_000);

  it('refuses a MARQUEE_ALS_FACTORS that is not a folder', async () => {
    const file = join(tempDir('spark-file-'), 'factors.json');
    writeFileSync(file, '{}');
    mkdirSync(join(file, '..', 'empty'));
    const m = startMarquee({ env: { MARQUEE_DATA: ML100K, MARQUEE_ALS_FACTORS: file } });
    try {
      expect(await m.exited).toBe(1);
      expect(`${m.stderrLines.join('\n')}\n${m.stdout()}`).toMatch(/MARQUEE_ALS_FACTORS.*expected the folder spark\/train_als.py wrote/);
    } finally {
      await m.stop().catch(() => undefined);
      m.cleanup();
    }
  }, 120_000);
});
