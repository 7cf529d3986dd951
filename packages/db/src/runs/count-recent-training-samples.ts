import type { SqlExecutor } from '../store/sql-executor.ts';

/**
 * Training samples of every epoch recorded in the last `windowSeconds`, all workers together. An epoch's samples
 * are its run's training split — `dataset.limit.train` when set, else the data set's known training size — less
 * the validation fraction; `synthetic` without a limit, and idx / cifar10 folders of unknown size without one,
 * count nothing (the worker does not record sample counts).
 */
export async function countRecentTrainingSamples(db: SqlExecutor, windowSeconds: number): Promise<number> {
  const [row] = await db.rows<{ samples: number | null }>`
    SELECT sum(
      COALESCE(
        (r.config -> 'dataset' -> 'limit' ->> 'train')::float8,
        CASE r.config -> 'dataset' ->> 'name' WHEN 'mnist' THEN 60000 WHEN 'fashion-mnist' THEN 60000
          WHEN 'cifar10-bin' THEN 50000 ELSE 0 END
      ) * (1 - COALESCE((r.config -> 'dataset' ->> 'validation')::float8, 0))
    )::float8 AS samples
    FROM metrics m JOIN runs r ON r.id = m.run_id
    WHERE m.created_at > now() - make_interval(secs => ${windowSeconds})`;
  return row?.samples ?? 0;
}
