import { describe, expect, it } from 'vitest';
import { waitingWords } from '../../../src/bot/service/recommend.ts';

describe('what a member reads while the model they asked for trains', () => {
  it('on a small dataset the fit takes seconds, and the note says so', () => {
    expect(waitingWords('knn-item', { state: 'training' }, 100_836)).toBe('training knn-item, try again in a few seconds');
  });

  it('at 32 M ratings it promises no seconds: the fit takes minutes, and the note says how many ratings', () => {
    const words = waitingWords('knn-item', { state: 'training' }, 32_000_204);
    expect(words).toBe('training knn-item, which takes minutes with 32,000,204 ratings; try again later');
    expect(words).not.toMatch(/seconds/);
  });

  it('a failed fit says why, whatever the size', () => {
    expect(waitingWords('slope-one', { state: 'failed', reason: 'too many movies' }, 32_000_204)).toBe(
      'slope-one could not be trained (too many movies)',
    );
  });
});
