import { RunDetail } from '../../../../schemas/run-detail.ts';
import { getRun } from '../../../../services/get-run.ts';
import { idReadRoute } from '../../id-read-route.ts';

/** `GET /v1/runs/:id`: everything about one run. */
export default idReadRoute({
  path: '/:id',
  tag: 'runs',
  summary: 'One run: config, state, timings, learning curve, result',
  answer: RunDetail,
  read: getRun,
});
