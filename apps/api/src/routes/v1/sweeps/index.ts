import { type RunLimits, SweepSpec } from '@distillery/spec';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { teamOf } from '../../../plugins/auth.ts';
import { SWEEP_CONTENT_TYPES } from '../../../plugins/sweep-body-parsers.ts';
import { ErrorBody } from '../../../schemas/error-body.ts';
import { SubmittedSweep } from '../../../schemas/submitted-sweep.ts';
import { SweepPlan } from '../../../schemas/sweep-plan.ts';
import { ListSweepsQuery, SubmitSweepQuery } from '../../../schemas/sweep-queries.ts';
import { SweepList } from '../../../schemas/sweep-summary.ts';
import { checkDatasetPath } from '../../../services/check-dataset-path.ts';
import type { QueuedRunQuotaOptions } from '../../../services/check-queued-run-quota.ts';
import { checkRunLimits } from '../../../services/check-run-limits.ts';
import { checkTeacherArtifact } from '../../../services/check-teacher-artifact.ts';
import { dryRunSweep } from '../../../services/dry-run-sweep.ts';
import { listSweeps } from '../../../services/list-sweeps.ts';
import { submitSweep } from '../../../services/submit-sweep.ts';
import { API_KEY_SECURITY } from '../security.ts';

export interface SweepsRouteOptions {
  /** What one run may ask of a worker; stated in the route's description. */
  runLimits: RunLimits;
  /** Runs a team may have waiting to start, or false for no quota. */
  queuedRunQuota: QueuedRunQuotaOptions | false;
}

/** The limits as `/docs` states them. */
function describeLimits(limits: RunLimits, quota: QueuedRunQuotaOptions | false): string {
  const rows = Object.entries(limits).map(([name, value]) => `\`${name}\` ${value.toLocaleString('en-US')}`);
  const quotaText = quota === false ? 'no quota' : `${quota.maxQueuedRuns.toLocaleString('en-US')} runs`;
  return (
    ` This server's run limits (a run past any answers 400 naming the field): ${rows.join(', ')}. Runs a team may ` +
    `have waiting to start: ${quotaText} (past it, 429 with retry-after); a sweep's reused runs add none.`
  );
}

/** `/v1/sweeps`: submit a sweep (or dry-run it), list the team's sweeps. */
const sweeps: FastifyPluginAsyncZod<SweepsRouteOptions> = async (app, options) => {
  const { runLimits, queuedRunQuota } = options;
  app.post(
    '/',
    {
      schema: {
        tags: ['sweeps'],
        summary: 'Submit a sweep',
        description:
          'The body is a sweep spec v1 as JSON or YAML. `?dryRun=true` answers 200 with the expanded plan and stores ' +
          'nothing; otherwise the sweep and its runs are stored in one transaction, runs without a pending parent ' +
          'are queued, and the answer is 201 with a Location header. A run the team already has (same ' +
          'configuration, seed and teacher; trained or on its way) is reused instead of trained again, unless ' +
          '`?rerun=true` or the spec says `rerun: true`.' +
          describeLimits(runLimits, queuedRunQuota),
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
          429: ErrorBody,
          500: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { teamId, role } = teamOf(request);
      const { dryRun, rerun, packMax } = request.query;
      checkDatasetPath(request.body.dataset, app.dataRoots, teamId);
      checkRunLimits(request.body, runLimits);
      const teacherArtifact = checkTeacherArtifact(request.body, app.dataRoots, teamId, runLimits);
      if (dryRun) {
        return reply
          .code(200)
          .send(await dryRunSweep(app.db, teamId, request.body, { rerun, teacherArtifact, packMax }));
      }
      const deps = { db: app.db, queue: app.queue, log: request.log };
      // A member's priority orders the team's own sweeps; only an admin's outranks other teams' runs.
      const priorityScope = role === 'admin' ? 'global' : 'team';
      const sweep = await submitSweep(deps, {
        teamId,
        submitted: request.submittedBody,
        spec: request.body,
        priorityScope,
        teacherArtifact,
        rerun,
        queuedRunQuota,
      });
      return reply.code(201).header('location', `/v1/sweeps/${sweep.id}`).send(sweep);
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
