import type { FastifyPluginAsync } from 'fastify';
import auth from '../../plugins/auth.ts';
import compare from './compare/index.ts';
import frontier from './frontier/index.ts';
import results from './results/index.ts';
import runById from './runs/_id/index.ts';
import sweepById from './sweeps/_id/index.ts';
import sweepResults from './sweeps/_id/results.ts';
import sweepRuns from './sweeps/_id/runs.ts';
import sweeps from './sweeps/index.ts';

/** `/v1`: everything behind an API key. The auth hook applies to this scope only. */
const v1: FastifyPluginAsync = async (app) => {
  await app.register(auth);
  await app.register(sweeps, { prefix: '/sweeps' });
  await app.register(sweepById, { prefix: '/sweeps' });
  await app.register(sweepRuns, { prefix: '/sweeps' });
  await app.register(sweepResults, { prefix: '/sweeps' });
  await app.register(runById, { prefix: '/runs' });
  await app.register(results, { prefix: '/results' });
  await app.register(frontier, { prefix: '/frontier' });
  await app.register(compare, { prefix: '/compare' });
};

export default v1;
