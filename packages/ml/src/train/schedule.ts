import type { ScheduleSpec } from '@distillery/spec';

export const SCHEDULE_DEFAULTS = {
  step: { every: 10, gamma: 0.1 },
  plateau: { patience: 2, factor: 0.5 },
  cosine: { minFactor: 0 },
} as const;

/**
 * Learning rate per epoch. `rate(epoch)` gives the rate for a 1-based epoch; `observe(loss)` reports the
 * monitored loss at the end of an epoch (validation loss, or training loss without validation), which only
 * `plateau` uses: after `patience` epochs without improvement the rate is multiplied by `factor` (the paper
 * halves it).
 */
/** What a schedule carries between epochs (only `plateau` has any); saved in training checkpoints. */
export interface ScheduleState {
  /** The current plateau rate. */
  rate: number;
  /** Best monitored loss so far (+∞ before the first epoch). */
  best: number;
  /** Epochs since the last improvement. */
  stale: number;
}

export class LearningRateSchedule {
  private plateauRate: number;
  private best = Number.POSITIVE_INFINITY;
  private stale = 0;

  constructor(
    private readonly base: number,
    private readonly epochs: number,
    private readonly spec: ScheduleSpec = { name: 'constant' },
  ) {
    this.plateauRate = base;
  }

  rate(epoch: number): number {
    const s = this.spec;
    switch (s.name) {
      case 'constant':
        return this.base;
      case 'step': {
        const every = s.every ?? SCHEDULE_DEFAULTS.step.every;
        return this.base * (s.gamma ?? SCHEDULE_DEFAULTS.step.gamma) ** Math.floor((epoch - 1) / every);
      }
      case 'cosine': {
        // PyTorch's CosineAnnealingLR with T_max = epochs, stepped per epoch: epoch e (1-based) trains at
        // min + (1 − min)·(1 + cos(π(e − 1)/epochs))/2 of the base rate, reaching minFactor × base only at the end
        // of the last epoch — so no epoch trains at the minimum (0 by default, which would waste the last one).
        const min = s.minFactor ?? SCHEDULE_DEFAULTS.cosine.minFactor;
        const progress = (epoch - 1) / Math.max(1, this.epochs);
        return this.base * (min + ((1 - min) * (1 + Math.cos(Math.PI * progress))) / 2);
      }
      case 'plateau':
        return this.plateauRate;
    }
  }

  observe(loss: number): void {
    if (this.spec.name !== 'plateau') return;
    // Improvement: lower by more than a relative 1e-4 (PyTorch's ReduceLROnPlateau default threshold).
    if (!Number.isFinite(this.best) || loss < this.best * (1 - 1e-4 * Math.sign(this.best))) {
      this.best = loss;
      this.stale = 0;
      return;
    }
    this.stale++;
    if (this.stale > (this.spec.patience ?? SCHEDULE_DEFAULTS.plateau.patience)) {
      this.plateauRate *= this.spec.factor ?? SCHEDULE_DEFAULTS.plateau.factor;
      this.stale = 0;
    }
  }

  state(): ScheduleState {
    return { rate: this.plateauRate, best: this.best, stale: this.stale };
  }

  restore(state: ScheduleState): void {
    this.plateauRate = state.rate;
    this.best = state.best;
    this.stale = state.stale;
  }
}
