import { AssertionError } from '@tapkit/protocol';
import { z } from 'zod';

// The OpenAPI 3.1 document of the MPP server, generated from the Zod schemas the routes validate with
// (Zod 4's own JSON Schema output, 2020-12, which is OpenAPI 3.1's dialect). Nothing here is hand-written
// schema: an operation names its schemas, and the builder converts them once, at start-up. Named schemas
// become components; a schema used by several operations (Amount, Result, the error body) is one
// component referenced from each.

export type HttpMethod = 'GET' | 'POST';

/** Where an operation belongs; each is one tag of the document. */
export type Surface = 'alipayplus' | 'app' | 'admin' | 'ops';

export const SURFACE_TAGS: Readonly<Record<Surface, { name: string; description: string }>> = {
  alipayplus: {
    name: 'Alipay+ API',
    description:
      'Alipay+ calls these on the MPP. Every request and every answer is signed (RSA256 over ' +
      '"<METHOD> <URI>\\n<Client-Id>.<Request-Time>.<body>"), every answer is HTTP 200 JSON with a result ' +
      'object, and a re-sent request with identical parameters gets the stored first answer. Any other ' +
      'method on these paths answers a signed METHOD_NOT_SUPPORTED, any other path under /aps/ a signed ' +
      'INVALID_API, and a body that is not JSON a signed MEDIA_TYPE_NOT_ACCEPTABLE.',
  },
  app: {
    name: 'App API',
    description:
      "The wallet app's API: log in for a session token, then send it as Authorization: Bearer <token>.",
  },
  admin: {
    name: 'Admin API',
    description: "The operator's API, behind the admin bearer token from the MPP configuration.",
  },
  ops: { name: 'Operations', description: 'Health probes and this documentation.' },
};

export interface ResponseSpec {
  readonly description: string;
  /** The answer body; JSON unless contentType says otherwise. */
  readonly body?: z.ZodType;
  readonly contentType?: string;
  /** Names of components.headers sent with this answer. */
  readonly headers?: readonly string[];
  readonly examples?: Readonly<Record<string, unknown>>;
}

export interface OperationSpec {
  readonly method: HttpMethod;
  /** Fastify syntax (`/admin/v1/customers/:id/freeze`); the document writes `{id}`. */
  readonly path: string;
  readonly surface: Surface;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly security?: 'session' | 'admin';
  /** Names of components.parameters (header parameters shared by operations). */
  readonly headerParameters?: readonly string[];
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: { readonly schema: z.ZodType; readonly examples?: Readonly<Record<string, unknown>> };
  /** By HTTP status code. */
  readonly responses: Readonly<Record<string, ResponseSpec>>;
  /** `x-` extensions, e.g. the result codes of an Alipay+ API. */
  readonly extensions?: Readonly<Record<`x-${string}`, unknown>>;
}

/** Parts of the document that are not operations: shared parameters and headers, and extra components. */
export interface DocumentParts {
  readonly title: string;
  readonly version: string;
  readonly description: string;
  readonly operations: readonly OperationSpec[];
  /** Operations the server sends (OpenAPI webhooks), by name. */
  readonly webhooks?: readonly OperationSpec[];
  /** Schemas to name as components (shared pieces), in the order they should appear. */
  readonly namedSchemas: readonly (readonly [string, z.ZodType])[];
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly securitySchemes: Readonly<Record<string, unknown>>;
  readonly extensions?: Readonly<Record<`x-${string}`, unknown>>;
}

export type OpenApiDocument = Record<string, unknown> & {
  openapi: string;
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: { schemas: Record<string, Record<string, unknown>> } & Record<string, unknown>;
};

export const OPENAPI_VERSION = '3.1.1';
const componentUri = (id: string) => `#/components/schemas/${id}`;
const jsonSchemaOptions = { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' } as const;

/** `/a/:id/b` -> `/a/{id}/b`. */
export const openApiPath = (fastifyPath: string): string => fastifyPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** Builds the whole document. Pure: the same parts give the same document. */
export function buildOpenApiDocument(parts: DocumentParts): OpenApiDocument {
  const names = new SchemaNames(parts.namedSchemas);
  const all = [...parts.operations, ...(parts.webhooks ?? [])];
  for (const operation of all) names.nameOperation(operation);
  const schemas = names.toComponents();
  const paths: OpenApiDocument['paths'] = {};
  for (const operation of parts.operations) {
    const path = openApiPath(operation.path);
    const item = paths[path] ?? {};
    paths[path] = item;
    const method = operation.method.toLowerCase();
    if (item[method] !== undefined) throw new AssertionError(`openapi: ${operation.method} ${path} twice`);
    item[method] = operationObject(operation, names);
  }
  const webhooks: Record<string, Record<string, unknown>> = {};
  for (const hook of parts.webhooks ?? []) {
    webhooks[hook.operationId] = { [hook.method.toLowerCase()]: operationObject(hook, names) };
  }
  const used = new Set(all.map((operation) => operation.surface));
  return {
    openapi: OPENAPI_VERSION,
    info: { title: parts.title, version: parts.version, description: parts.description },
    tags: (Object.keys(SURFACE_TAGS) as Surface[]).filter((s) => used.has(s)).map((s) => SURFACE_TAGS[s]),
    paths,
    ...(parts.webhooks === undefined ? {} : { webhooks }),
    components: {
      schemas,
      parameters: parts.parameters,
      headers: parts.headers,
      securitySchemes: parts.securitySchemes,
    },
    ...parts.extensions,
  };
}

/** The component names of schemas: the shared ones given, then one per operation body and answer. */
class SchemaNames {
  private readonly registry = z.registry<{ id: string }>();
  private readonly taken = new Set<string>();

  constructor(named: readonly (readonly [string, z.ZodType])[]) {
    for (const [name, schema] of named) this.name(schema, name);
  }

  /** The component name of `schema`, naming it `fallback` when it has none yet. */
  name(schema: z.ZodType, fallback: string): string {
    const existing = this.registry.get(schema)?.id;
    if (existing !== undefined) return existing;
    if (this.taken.has(fallback)) throw new AssertionError(`openapi: two schemas named ${fallback}`);
    this.taken.add(fallback);
    this.registry.add(schema, { id: fallback });
    return fallback;
  }

  nameOperation(operation: OperationSpec): void {
    const base = operation.operationId.charAt(0).toUpperCase() + operation.operationId.slice(1);
    if (operation.body !== undefined) this.name(operation.body.schema, `${base}Request`);
    for (const [status, response] of Object.entries(operation.responses)) {
      const suffix = status === '200' ? '' : status;
      if (response.body !== undefined) this.name(response.body, `${base}Response${suffix}`);
    }
  }

  ref(schema: z.ZodType): { $ref: string } {
    const id = this.registry.get(schema)?.id;
    if (id === undefined) throw new AssertionError('openapi: a schema was used before it was named');
    return { $ref: componentUri(id) };
  }

  /** One conversion of every named schema; references between them become `$ref`s. */
  toComponents(): Record<string, Record<string, unknown>> {
    const converted = z.toJSONSchema(this.registry, { ...jsonSchemaOptions, uri: componentUri });
    const out: Record<string, Record<string, unknown>> = {};
    for (const [id, schema] of Object.entries(converted.schemas)) {
      // The document sets the dialect; a fragment-only $id is not a valid 2020-12 $id.
      const { $schema: _dialect, $id: _id, ...rest } = schema as Record<string, unknown>;
      out[id] = rest;
    }
    return out;
  }
}

function operationObject(operation: OperationSpec, names: SchemaNames): Record<string, unknown> {
  const parameters = [
    ...(operation.headerParameters ?? []).map((name) => ({ $ref: `#/components/parameters/${name}` })),
    ...parametersOf(operation.params, 'path'),
    ...parametersOf(operation.query, 'query'),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, response] of Object.entries(operation.responses)) {
    responses[status] = responseObject(response, names);
  }
  return {
    tags: [SURFACE_TAGS[operation.surface].name],
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.description === undefined ? {} : { description: operation.description }),
    ...(operation.security === undefined ? {} : { security: [{ [operation.security]: [] }] }),
    ...(parameters.length === 0 ? {} : { parameters }),
    ...(operation.body === undefined
      ? {}
      : {
          requestBody: {
            required: true,
            content: {
              'application/json': withExamples({ schema: names.ref(operation.body.schema) }, operation.body),
            },
          },
        }),
    responses,
    ...operation.extensions,
  };
}

function responseObject(response: ResponseSpec, names: SchemaNames): Record<string, unknown> {
  const headers = Object.fromEntries(
    (response.headers ?? []).map((name) => [name, { $ref: `#/components/headers/${name}` }]),
  );
  return {
    description: response.description,
    ...(response.headers === undefined ? {} : { headers }),
    ...(response.body === undefined
      ? {}
      : {
          content: {
            [response.contentType ?? 'application/json']: withExamples(
              { schema: names.ref(response.body) },
              response,
            ),
          },
        }),
  };
}

function withExamples(
  media: Record<string, unknown>,
  from: { examples?: Readonly<Record<string, unknown>> },
): Record<string, unknown> {
  if (from.examples === undefined) return media;
  const examples = Object.fromEntries(
    Object.entries(from.examples).map(([name, value]) => [name, { value }]),
  );
  return { ...media, examples };
}

/** Path and query parameters, one per property of the route's params / query schema. */
function parametersOf(schema: z.ZodObject | undefined, where: 'path' | 'query'): Record<string, unknown>[] {
  if (schema === undefined) return [];
  const converted = z.toJSONSchema(schema, jsonSchemaOptions) as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  const required = new Set(converted.required ?? []);
  return Object.entries(converted.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}
