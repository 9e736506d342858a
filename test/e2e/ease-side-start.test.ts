/**
 * The operator lists ease-side in MARQUEE_ALGORITHMS and starts the real bot on ml-100k; a member
 * at the console rates three films and asks `/recommend algo:ease-side`: the list comes from
 * ease-side itself, each pick with EASE's reason.
 */
import { describe, expect, it } from 'vitest';
import { startMarquee } from '../helpers/real-process.ts';
import { sharedDataset } from '../helpers/shared-data.ts';

const ML100K = sharedDataset('ml-100k');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!ML100K)('npm start with MARQUEE_ALGORITHMS=ease,ease-side', () => {
  it("trains ease-side at the first start and serves a member's /recommend algo:ease-side", async () => {
    const bot = startMarquee({ env: { MARQUEE_DATA: ML100K, MARQUEE_ALGORITHMS: 'ease,ease-side', MARQUEE_COLD_START: '3' } });
    try {
      bot.child.stdin.on('error', () => undefined);
      // Star Wars, Return of the Jedi, The Empire Strikes Back
      for (const line of ['/rate id:50 5', '/rate id:181 5', '/rate id:172 4.5', '/recommend algo:ease-side']) bot.child.stdin.write(`${line}\n`);
      const answers = () => bot.stdout().split('\n\n').filter((a) => a.trim() !== '');
      for (let t = 0; answers().length < 4 && t < 1200; t++) await sleep(100);
      const list = answers()[3];
      // served by ease-side itself (a fallback would sign with its own name and say why)
      expect(list, bot.stderrLines.join('\n')).toMatch(/^-- by ease-side$/m);
      expect(list).not.toMatch(/training ease-side|meanwhile/);
      const picks = list.split('\n').filter((l) => /^\s*\d+\. /.test(l));
      expect(picks).toHaveLength(10);
      expect(list.match(/^ {4}because you rated /gm)).toHaveLength(10);
    } finally {
      await bot.stop().catch(() => undefined);
      bot.cleanup();
    }
  }, 180_000);
});
