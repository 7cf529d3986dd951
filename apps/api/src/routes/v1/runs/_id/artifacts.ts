import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { teamOf } from '../../../../plugins/auth.ts';
import { RunArtifactParams } from '../../../../schemas/artifact-name.ts';
import { AUTHENTICATED_ERRORS } from '../../../../schemas/error-body.ts';
import { getRunArtifact } from '../../../../services/get-run-artifact.ts';
import { API_KEY_SECURITY } from '../../security.ts';

/** The bytes as they are; documented as a binary string (the handler sends a Buffer, which is not serialized). */
const FileBody = z
  .custom<Buffer>((v) => Buffer.isBuffer(v))
  .meta({ type: 'string', format: 'binary', description: 'The file as it is.' });

/** `GET /v1/runs/:id/artifacts/:name`: a finished run's model files, to take away. */
const runArtifact: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/:id/artifacts/:name',
    {
      schema: {
        tags: ['runs'],
        summary: "A run's model file: tfjs-layers model.json and weights, or the packed artifact",
        description:
          '`model.json` is a standard TensorFlow.js layers model: `tf.loadLayersModel(url)` fetches it and ' +
          "`model.weights.bin` beside it (float32; a quantized run's weights dequantized, exactly as evaluated). " +
          'Models with custom activations (LMA, APLU, ChannelPReLU, TrainableSwish) need `@distillery/ml` imported ' +
          'first, which registers those layers. `packed.json` and `packed.bin` are the stored packed artifact ' +
          '(layout in the README). 404 for a run without a model yet, or a name not listed.',
        security: API_KEY_SECURITY,
        params: RunArtifactParams,
        response: {
          200: {
            description: 'The file.',
            content: { 'application/json': { schema: FileBody }, 'application/octet-stream': { schema: FileBody } },
          },
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    async (request, reply) => {
      const { id, name } = request.params;
      const file = await getRunArtifact(app.db, teamOf(request).teamId, id, name);
      return reply
        .type(file.contentType)
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(Buffer.from(file.data.buffer, file.data.byteOffset, file.data.byteLength));
    },
  );
};

export default runArtifact;
