import { RunList } from '../../../../schemas/run-summary.ts';
import { listSweepRuns } from '../../../../services/list-sweep-runs.ts';
import { idReadRoute } from '../../id-read-route.ts';

/** `GET /v1/sweeps/:id/runs`: the sweep's runs, parents first. */
export default idReadRoute({
  path: '/:id/runs',
  tag: 'runs',
  summary: "A sweep's runs",
  answer: RunList,
  read: listSweepRuns,
});
