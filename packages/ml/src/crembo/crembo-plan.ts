/** One training of a CREMBO run: the grid threshold it trained at and what it scored. */
export interface CremboTraining {
  /** Index into the depth grid. */
  index: number;
  /** Whether the trained student was consistent at that threshold (see checkConsistency). */
  consistent: boolean;
  /** Training rows (with an allowed label) whose prediction was not allowed. */
  violations: number;
  /** Accuracy on the validation rows. */
  valAccuracy: number;
}

/** Where a CREMBO search stands after `trainings` (in the order they ran). */
export interface CremboPlan {
  /** The next grid index to train at; null when the search is over. */
  next: number | null;
  /** MEMO's answer so far: the largest consistent index found by the binary search; null while none is. */
  memo: number | null;
  /** Whether the binary search is over (the walk up the grid has begun or ended). */
  searched: boolean;
}

/**
 * Replays the search over a grid of `size` thresholds from the trainings done so far and says what comes next:
 * MEMO's binary search for the largest index whose student is consistent, then a walk up every index above it
 * (every index when none was consistent) that was not trained yet. Each threshold trains once: the trainings are
 * deterministic (one initialisation and batch order for every threshold), so an index the search trained and
 * the walk reaches would train to the same student. Pure: a resumed run replays its checkpoint's trainings.
 *
 * The official walk (`range(idx, len(thresholds) − 1, δ)`) retrains MEMO's own threshold and never tries the
 * last one; here MEMO's student is kept as it was trained and the last threshold is tried like the others.
 */
export function cremboPlan(size: number, trainings: readonly CremboTraining[]): CremboPlan {
  let start = 0;
  let end = size - 1;
  let memo: number | null = null;
  let k = 0;
  while (start <= end) {
    const m = (start + end) >> 1;
    const t = trainings[k];
    if (!t) return { next: m, memo, searched: false };
    if (t.index !== m)
      throw new RangeError(`CREMBO training ${k} was at threshold #${t.index}, the search is at #${m}`);
    k++;
    if (t.consistent) {
      memo = m;
      start = m + 1;
    } else end = m - 1;
  }
  const trained = new Set(trainings.map((t) => t.index));
  for (let m = (memo ?? -1) + 1; m < size; m++) {
    if (!trained.has(m)) return { next: m, memo, searched: true };
  }
  return { next: null, memo, searched: true };
}

/**
 * Which of two trainings CREMBO keeps: the higher validation accuracy, on a tie the lower threshold (the
 * official walk goes up and replaces only on a strictly better score).
 */
export function betterTraining(a: CremboTraining, b: CremboTraining): CremboTraining {
  if (a.valAccuracy !== b.valAccuracy) return a.valAccuracy > b.valAccuracy ? a : b;
  return a.index <= b.index ? a : b;
}

/**
 * The training CREMBO selects once the search is over: the best (see betterTraining) of MEMO's student and every
 * training above it — every training when no threshold was consistent.
 */
export function cremboSelection(trainings: readonly CremboTraining[], memo: number | null): CremboTraining | null {
  let best: CremboTraining | null = null;
  for (const t of trainings) {
    if (memo !== null && t.index < memo) continue;
    best = best ? betterTraining(best, t) : t;
  }
  return best;
}
