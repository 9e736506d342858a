import { describe, expect, it, vi } from 'vitest';
import { describeModels, reportModelProgress, type ModelStats } from '../../src/cli/model-progress.ts';

describe('the progress line while the models are prepared at start-up', () => {
  it('says what answers, what is still training, and the content model, with the time so far', () => {
    expect(describeModels({ loaded: ['ease'], training: ['svd'], contentModel: 'building' }, 90_400)).toBe(
      'Preparing the models (1 min 30 s): ease ready; svd training; content model building.',
    );
    expect(describeModels({ loaded: [], training: ['ease', 'svd'], contentModel: 'ready' }, 12_000)).toBe(
      'Preparing the models (12 s): ease training; svd training; content model ready.',
    );
    expect(describeModels({ loaded: ['ease', 'svd'], training: [], contentModel: 'building' }, 120_000)).toBe(
      'Preparing the models (2 min): ease ready; svd ready; content model building.',
    );
  });

  it('writes a line every interval until the models are ready, then stops', async () => {
    vi.useFakeTimers();
    try {
      const lines: string[] = [];
      let clock = 0;
      let stats: ModelStats = { loaded: [], training: ['ease', 'svd'], contentModel: 'building' };
      let markReady!: () => void;
      const ready = new Promise<void>((resolve) => (markReady = resolve));
      reportModelProgress(() => stats, ready, (l) => lines.push(l), { everyMs: 30_000, now: () => clock });
      clock = 29_000;
      vi.advanceTimersByTime(29_000);
      expect(lines).toEqual([]);
      clock = 30_000;
      vi.advanceTimersByTime(1_000);
      expect(lines).toEqual(['Preparing the models (30 s): ease training; svd training; content model building.']);
      stats = { loaded: ['ease'], training: ['svd'], contentModel: 'ready' };
      clock = 60_000;
      vi.advanceTimersByTime(30_000);
      expect(lines.at(-1)).toBe('Preparing the models (1 min): ease ready; svd training; content model ready.');
      markReady();
      await ready;
      vi.advanceTimersByTime(120_000);
      expect(lines).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
