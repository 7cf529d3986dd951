import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { EventStreamHub } from '../lib/event-stream-hub.ts';
import type { EventStreamOptions } from '../lib/event-stream-options.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Serves the SSE routes' streams and ends them when the app closes. */
    eventStreams: EventStreamHub;
  }
}

/** Makes `app.eventStreams` available; open streams end before the server closes (they would hold it open). */
const eventStreams: FastifyPluginAsync<EventStreamOptions> = async (app, options) => {
  const hub = new EventStreamHub(app.db, options);
  app.decorate('eventStreams', hub);
  app.addHook('preClose', async () => {
    hub.closeAll();
  });
};

export default fp(eventStreams, {
  name: 'distillery-event-streams',
  fastify: '5.x',
  dependencies: ['distillery-dependencies'],
});
