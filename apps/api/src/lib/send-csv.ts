import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

/** A CSV download: text/csv with a file name for browsers; the text whole, or a stream of it. */
export function sendCsv(reply: FastifyReply, filename: string, csv: string | Readable): FastifyReply {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(csv);
}
