/**
 * What every factor model shares: its learned parameters, the fold-in cache that belongs to them,
 * and the "not fitted" guard. A refit or a restore installs new parameters and empties the cache,
 * so a member folded in against the old model is never answered from it.
 */
import { Algorithm, NotFittedError, type Params } from '../algorithm.ts';
import { FoldCache } from '../fold-in.ts';
import type { Trainset } from '../trainset.ts';

export abstract class LearnedAlgorithm<Model, Folded, P extends Params = Params> extends Algorithm<P> {
  private learned: Model | undefined;
  protected readonly folds = new FoldCache<Folded>();

  /** Makes `m`, fitted or restored on `ts`, the model that answers. */
  protected install(ts: Trainset, m: Model): void {
    this.learned = m;
    this.folds.clear();
    this.ts = ts;
  }

  protected get m(): Model {
    if (!this.learned) throw new NotFittedError(`${this.name} is not fitted: call fit(trainset) first`);
    return this.learned;
  }
}
