import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildOpenApiDocument, type DocumentParts, type OperationSpec, openApiPath } from './openapi.ts';
import { escapeHtml, renderOpenApiHtml, renderText } from './openapi-html.ts';

const Amount = z.looseObject({ currency: z.string(), value: z.string() });
const operation = (over: Partial<OperationSpec> = {}): OperationSpec => ({
  method: 'POST',
  path: '/things/:id',
  surface: 'admin',
  operationId: 'makeThing',
  summary: 'Make a <thing> & more',
  description: 'Codes:\n\n- `A` first\n- `B` second',
  params: z.strictObject({ id: z.string().max(8) }),
  body: { schema: z.strictObject({ amount: Amount, note: z.string().optional() }), examples: { one: {} } },
  responses: { '200': { description: 'ok', body: z.strictObject({ total: Amount }) } },
  ...over,
});
const parts = (operations: OperationSpec[]): DocumentParts => ({
  title: 'T',
  version: '1',
  description: 'D',
  operations,
  namedSchemas: [['Amount', Amount]],
  parameters: {},
  headers: {},
  securitySchemes: {},
});

describe('buildOpenApiDocument', () => {
  it('names shared schemas once and refers to them', () => {
    const doc = buildOpenApiDocument(parts([operation()]));
    const request = doc.components.schemas.MakeThingRequest as { properties: Record<string, unknown> };
    expect(request.properties.amount).toEqual({ $ref: '#/components/schemas/Amount' });
    expect(doc.components.schemas.MakeThingResponse).toBeDefined();
    expect(doc.components.schemas.Amount).not.toHaveProperty('$id');
    const op = doc.paths['/things/{id}']?.post as { parameters: unknown[] };
    expect(op.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'string', maxLength: 8 } },
    ]);
  });

  it('follows the schema: a field added to it is in the document', () => {
    const wider = operation({
      body: { schema: z.strictObject({ amount: Amount, extra: z.string() }) },
    });
    const doc = buildOpenApiDocument(parts([wider]));
    expect(doc.components.schemas.MakeThingRequest).toMatchObject({ required: ['amount', 'extra'] });
  });

  it('refuses one method and path twice', () => {
    expect(() => buildOpenApiDocument(parts([operation(), operation({ operationId: 'again' })]))).toThrow(
      /twice/,
    );
  });

  it('writes Fastify parameters the OpenAPI way', () => {
    expect(openApiPath('/a/:id/b/:other_id')).toBe('/a/{id}/b/{other_id}');
  });
});

describe('renderOpenApiHtml', () => {
  it('escapes every text of the document', () => {
    const html = renderOpenApiHtml(buildOpenApiDocument(parts([operation()])));
    expect(html).toContain('Make a &#60;thing&#62; &#38; more');
    expect(html).not.toContain('<thing>');
    expect(html).toContain('id="op-makeThing"');
    expect(html).toContain('<a href="#schema-Amount">Amount</a>');
  });

  it('renders paragraphs, lists and code spans, nothing else', () => {
    expect(renderText('a `x<y`\n\n- `A` one\n- two')).toBe(
      '<p>a <code>x&#60;y</code></p>\n<ul><li><code>A</code> one</li><li>two</li></ul>',
    );
    expect(escapeHtml(`<a href="x">'&`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;');
  });
});
