import { checkJsonBounds, type JsonBounds } from '@tapkit/protocol';
import type { FastifyInstance } from 'fastify';

// The JSON body parser of the app and admin APIs: Fastify's own (it also guards against prototype
// poisoning), preceded by the depth and string bounds on the raw text, so a deeply nested body is refused
// with BODY_INVALID before anything parses or walks it. Install inside the scope it should cover.

/** Error code the scope's error handler maps to BODY_INVALID (see http-errors.ts). */
export const BODY_OUT_OF_BOUNDS = 'TAPKIT_BODY_OUT_OF_BOUNDS';

export function installBoundedJsonParser(scope: FastifyInstance, bounds: JsonBounds = {}): void {
  const parseJson = scope.getDefaultJsonParser('error', 'error');
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    const verdict = checkJsonBounds(Buffer.from(text, 'utf8'), bounds);
    if (!verdict.ok) {
      done(
        Object.assign(new Error(`body: ${verdict.reason}`), { statusCode: 400, code: BODY_OUT_OF_BOUNDS }),
      );
      return;
    }
    parseJson(request, text, done);
  });
}
