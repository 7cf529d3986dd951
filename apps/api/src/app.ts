import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { type ApiOptions, resolveApiOptions } from './api-options.ts';
import { isStaticFileRequest } from './lib/is-static-file-request.ts';
import { requestIdOf } from './lib/request-id.ts';
import dependencies from './plugins/dependencies.ts';
import errorHandler from './plugins/error-handler.ts';
import eventStreams from './plugins/event-streams.ts';
import metrics from './plugins/metrics.ts';
import requestIds from './plugins/request-ids.ts';
import swagger from './plugins/swagger.ts';
import sweepBodyParsers from './plugins/sweep-body-parsers.ts';
import sweepDetails from './plugins/sweep-details.ts';
import { zodValidatorCompiler } from './plugins/zod-validator-compiler.ts';
import dashboard from './routes/dashboard/index.ts';
import healthz from './routes/healthz/index.ts';
import readyz from './routes/readyz/index.ts';
import v1 from './routes/v1/index.ts';

/**
 * The Distillery REST API, ready to `listen` or `inject`. Layout (fastify/demo): external plugins, then the
 * app's own (dependencies, errors, body parsers), then routes — folder = URL. The host owns `db`, `queue` and
 * `redisProbe` and closes them after `app.close()`.
 */
export async function buildApp(options: ApiOptions): Promise<FastifyInstance> {
  const config = resolveApiOptions(options);
  const app = Fastify({
    logger: config.logger,
    // Every log line of a request carries `requestId`, echoed in the answer's X-Request-Id (plugins/request-ids).
    genReqId: requestIdOf,
    // Requests for the dashboard's page and static files are not logged: loading the page once would otherwise
    // write a dozen lines that say nothing. API requests are.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: isStaticFileRequest }),
    bodyLimit: config.bodyLimit,
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Node applies a request timeout only when given to its constructor (setting it later is not enough), and
    // checks it on this interval (30 s by default, which would stretch a 30 s limit to a minute).
    http: { requestTimeout: config.requestTimeoutMs, connectionsCheckingInterval: 1000 },
    // `/v1/sweeps/` and `/v1/sweeps` are the same resource.
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(requestIds);
  await app.register(swagger);
  await app.register(dependencies, {
    db: config.db,
    queue: config.queue,
    redisProbe: config.redisProbe,
    dataRoots: config.dataRoots,
  });
  await app.register(errorHandler, { bodyLimit: config.bodyLimit });
  await app.register(metrics, config.metrics);
  await app.register(eventStreams, config.events);
  await app.register(sweepDetails, { source: config.events.source, cache: config.sweepDetailCache });
  await app.register(sweepBodyParsers, config.documentParse);

  await app.register(healthz);
  await app.register(readyz);
  await app.register(v1, {
    prefix: '/v1',
    rateLimit: config.rateLimit,
    apiKeyCache: config.apiKeyCache,
    sweeps: { runLimits: config.runLimits, queuedRunQuota: config.queuedRunQuota },
  });
  await app.register(dashboard);
  return app;
}
