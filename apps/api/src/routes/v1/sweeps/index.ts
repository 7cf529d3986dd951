import { expandSweep, quantizeWarnings, SweepSpec } from '@distillery/spec';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { teamOf } from '../../../plugins/auth.ts';
import { SWEEP_CONTENT_TYPES } from '../../../plugins/sweep-body-parsers.ts';
import { ErrorBody } from '../../../schemas/error-body.ts';
import { SubmittedSweep } from '../../../schemas/submitted-sweep.ts';
import { SweepPlan } from '../../../schemas/sweep-plan.ts';
import { ListSweepsQuery, SubmitSweepQuery } from '../../../schemas/sweep-queries.ts';
import { SweepList } from '../../../schemas/sweep-summary.ts';
import { checkDatasetPath } from '../../../services/check-dataset-path.ts';
import { createSweep } from '../../../services/create-sweep.ts';
import { dryRunSweep } from '../../../services/dry-run-sweep.ts';
import { getSweep } from '../../../services/get-sweep.ts';
import { listSweeps } from '../../../services/list-sweeps.ts';
import { API_KEY_SECURITY } from '../security.ts';

/** `/v1/sweeps`: submit a sweep (or dry-run it), list the team's sweeps. */
const sweeps: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'Submit a sweep',
        description:
          'The body is a sweep spec v1 as JSON or YAML. `?dryRun=true` answers 200 with the expanded plan and stores ' +
          'nothing; otherwise the sweep and its runs are stored in one transaction, runs without a pending parent ' +
          'are queued, and the answer is 201 with a Location header.',
        security: API_KEY_SECURITY,
        consumes: [...SWEEP_CONTENT_TYPES],
        querystring: SubmitSweepQuery,
        body: SweepSpec,
        response: {
          200: SweepPlan,
          201: SubmittedSweep,
          400: ErrorBody,
          401: ErrorBody,
          413: ErrorBody,
          415: ErrorBody,
          500: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { teamId } = teamOf(request);
      checkDatasetPath(request.body.dataset, app.dataRoots, teamId);
      if (request.query.dryRun) return reply.code(200).send(await dryRunSweep(app.db, teamId, request.body));
      const deps = { db: app.db, queue: app.queue, log: request.log };
      const id = await createSweep(deps, { teamId, submitted: request.submittedBody, spec: request.body });
      const sweep = await getSweep(app.db, teamId, id);
      const warnings = quantizeWarnings(expandSweep(request.body));
      return reply
        .code(201)
        .header('location', `/v1/sweeps/${id}`)
        .send({ ...sweep, warnings });
    },
  );

  app.get(
    '/',
    {
      schema: {
        tags: ['sweeps'],
        summary: "The team's sweeps, newest first",
        security: API_KEY_SECURITY,
        querystring: ListSweepsQuery,
        response: { 200: SweepList, 400: ErrorBody, 401: ErrorBody, 500: ErrorBody },
      },
    },
    async (request) => listSweeps(app.db, teamOf(request).teamId, request.query),
  );
};

export default sweeps;
