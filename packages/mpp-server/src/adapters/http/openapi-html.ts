import type { OpenApiDocument } from './openapi.ts';

// The OpenAPI document rendered as one self-contained HTML page (no script, no external style, no network):
// the machine that serves it may have no internet, and a page that only needs the document is one less
// thing to trust. Every text from the document is escaped; the page is a pure function of the document.

type Json = Record<string, unknown>;

/** How deep nested object properties are expanded in a schema table; deeper ones link to their component. */
const schemaDepthMax = 4;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const asObject = (value: unknown): Json => (isObject(value) ? value : {});
const slug = (text: string) => text.replace(/[^A-Za-z0-9_-]+/g, '-');
const refName = (ref: string) => ref.slice(ref.lastIndexOf('/') + 1);

/** Paragraphs, "- " lists and `code` of the descriptions; nothing else of Markdown is needed here. */
export function renderText(text: string): string {
  const inline = (line: string) =>
    escapeHtml(line).replace(/`([^`]+)`/g, (_match, code: string) => `<code>${code}</code>`);
  return text
    .split(/\n{2,}/)
    .map((block) => {
      const lines = block.split('\n');
      if (lines.every((line) => line.startsWith('- '))) {
        return `<ul>${lines.map((line) => `<li>${inline(line.slice(2))}</li>`).join('')}</ul>`;
      }
      return `<p>${lines.map(inline).join('<br>')}</p>`;
    })
    .join('\n');
}

/** A short type for a schema: `string`, `Amount | null`, `"S" | "F" | "U"`, `Result[]`. */
export function typeOf(schema: unknown): string {
  const s = asObject(schema);
  if (typeof s.$ref === 'string') {
    const name = refName(s.$ref);
    return `<a href="#schema-${slug(name)}">${escapeHtml(name)}</a>`;
  }
  const union = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(union)) return union.map(typeOf).join(' | ');
  if (Array.isArray(s.enum)) return s.enum.map((v) => escapeHtml(JSON.stringify(v))).join(' | ');
  if (s.const !== undefined) return escapeHtml(JSON.stringify(s.const));
  if (s.type === 'array') return `${typeOf(s.items)}[]`;
  if (typeof s.type === 'string') return escapeHtml(s.type);
  return 'any';
}

function constraints(schema: Json): string {
  const notes: string[] = [];
  for (const key of ['format', 'minLength', 'maxLength', 'minimum', 'maximum', 'maxItems', 'pattern']) {
    if (schema[key] !== undefined && !(key === 'pattern' && schema.format !== undefined)) {
      notes.push(`${key} ${JSON.stringify(schema[key])}`);
    }
  }
  if (schema.default !== undefined) notes.push(`default ${JSON.stringify(schema.default)}`);
  if (schema.additionalProperties === false) notes.push('no other fields');
  const text = escapeHtml(notes.join(', '));
  return typeof schema.description === 'string' ? `${escapeHtml(schema.description)} ${text}` : text;
}

/** The object of a schema to expand: itself, or the non-null member of `T | null`. */
function objectOf(schema: Json): Json | undefined {
  if (schema.type === 'object' && isObject(schema.properties)) return schema;
  const union = schema.anyOf;
  if (!Array.isArray(union)) return undefined;
  const members = union.map(asObject).filter((m) => m.type !== 'null');
  const [only] = members;
  return members.length === 1 && only !== undefined ? objectOf(only) : undefined;
}

function propertyRows(schema: Json, prefix: string, depth: number): string[] {
  const object = objectOf(schema);
  if (object === undefined) return [];
  const required = new Set(Array.isArray(object.required) ? (object.required as string[]) : []);
  const rows: string[] = [];
  for (const [name, property] of Object.entries(asObject(object.properties))) {
    const p = asObject(property);
    const path = `${prefix}${name}`;
    rows.push(
      `<tr><td><code>${escapeHtml(path)}</code></td><td>${typeOf(p)}</td>` +
        `<td>${required.has(name) ? 'yes' : ''}</td><td>${constraints(p)}</td></tr>`,
    );
    if (depth < schemaDepthMax) rows.push(...propertyRows(p, `${path}.`, depth + 1));
  }
  return rows;
}

export function schemaTable(schema: unknown): string {
  const s = asObject(schema);
  const variants = Array.isArray(s.oneOf) ? s.oneOf.map(asObject) : [s];
  return variants
    .map((variant, i) => {
      const rows = propertyRows(variant, '', 0);
      const head = variants.length > 1 ? `<p>Variant ${i + 1}</p>` : '';
      if (rows.length === 0) return `${head}<p>Type: ${typeOf(variant)} ${constraints(variant)}</p>`;
      return (
        `${head}<table><thead><tr><th>field</th><th>type</th><th>required</th><th>notes</th></tr></thead>` +
        `<tbody>${rows.join('')}</tbody></table>`
      );
    })
    .join('\n');
}

function examplesHtml(media: Json): string {
  return Object.entries(asObject(media.examples))
    .map(
      ([name, example]) =>
        `<details><summary>example: ${escapeHtml(name)}</summary>` +
        `<pre>${escapeHtml(JSON.stringify(asObject(example).value, null, 2))}</pre></details>`,
    )
    .join('\n');
}

function contentHtml(doc: OpenApiDocument, content: unknown): string {
  return Object.entries(asObject(content))
    .map(([type, media]) => {
      const m = asObject(media);
      return `<p class="media">${escapeHtml(type)}: ${typeOf(m.schema)}</p>${schemaTable(resolveOnce(doc, m.schema))}${examplesHtml(m)}`;
    })
    .join('\n');
}

/** A body's top-level $ref resolved, so its fields show where it is used. */
function resolveOnce(doc: OpenApiDocument, schema: unknown): unknown {
  const s = asObject(schema);
  if (typeof s.$ref !== 'string') return schema;
  return doc.components.schemas[refName(s.$ref)] ?? schema;
}

/** `#/components/<section>/<name>` resolved (parameters, headers). */
function resolveRef(doc: OpenApiDocument, value: unknown): Json {
  const v = asObject(value);
  if (typeof v.$ref !== 'string') return v;
  const [, , section, name] = v.$ref.split('/');
  return asObject(asObject(doc.components[section ?? ''])[name ?? '']);
}

function parametersHtml(doc: OpenApiDocument, parameters: unknown): string {
  if (!Array.isArray(parameters) || parameters.length === 0) return '';
  const rows = parameters
    .map((p) => resolveRef(doc, p))
    .map(
      (p) =>
        `<tr><td><code>${escapeHtml(String(p.name))}</code></td><td>${escapeHtml(String(p.in))}</td>` +
        `<td>${typeOf(p.schema)}</td><td>${p.required === true ? 'yes' : ''}</td>` +
        `<td>${escapeHtml(String(p.description ?? ''))} ${constraints(asObject(p.schema))}</td></tr>`,
    );
  return (
    '<h4>Parameters</h4><table><thead><tr><th>name</th><th>in</th><th>type</th><th>required</th>' +
    `<th>notes</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

function responsesHtml(doc: OpenApiDocument, responses: unknown): string {
  return Object.entries(asObject(responses))
    .map(([status, response]) => {
      const r = asObject(response);
      const headers = Object.keys(asObject(r.headers));
      return (
        `<h4>${escapeHtml(status)}</h4>${renderText(String(r.description ?? ''))}` +
        (headers.length === 0
          ? ''
          : `<p>Headers: ${headers.map((h) => `<code>${escapeHtml(h)}</code>`).join(', ')}</p>`) +
        contentHtml(doc, r.content)
      );
    })
    .join('\n');
}

function operationHtml(doc: OpenApiDocument, { method, path, operation }: Entry): string {
  const id = slug(String(operation.operationId ?? `${method}-${path}`));
  const security = Array.isArray(operation.security)
    ? `<p>Authorization: ${operation.security.map((s) => Object.keys(asObject(s)).join(', ')).join(' or ')} bearer token</p>`
    : '';
  const body = asObject(operation.requestBody);
  return (
    `<section class="operation" id="op-${id}"><h3><span class="method">${escapeHtml(method.toUpperCase())}</span> ` +
    `<code>${escapeHtml(path)}</code></h3><p class="summary">${escapeHtml(String(operation.summary ?? ''))}</p>` +
    renderText(String(operation.description ?? '')) +
    security +
    parametersHtml(doc, operation.parameters) +
    (body.content === undefined ? '' : `<h4>Request body</h4>${contentHtml(doc, body.content)}`) +
    `<h4>Answers</h4>${responsesHtml(doc, operation.responses)}</section>`
  );
}

interface Entry {
  readonly method: string;
  readonly path: string;
  readonly operation: Json;
}

function entriesOf(items: unknown): Entry[] {
  const out: Entry[] = [];
  for (const [path, item] of Object.entries(asObject(items))) {
    for (const [method, operation] of Object.entries(asObject(item))) {
      out.push({ method, path, operation: asObject(operation) });
    }
  }
  return out;
}

function tocHtml(groups: readonly (readonly [string, readonly Entry[]])[]): string {
  return groups
    .map(
      ([tag, entries]) =>
        `<li>${escapeHtml(tag)}<ul>${entries
          .map(
            (e) =>
              `<li><a href="#op-${slug(String(e.operation.operationId))}">${escapeHtml(e.method.toUpperCase())} ` +
              `${escapeHtml(e.path)}</a> ${escapeHtml(String(e.operation.summary ?? ''))}</li>`,
          )
          .join('')}</ul></li>`,
    )
    .join('');
}

const style = `body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1rem 2rem;color:#1d232a}
code,pre{font:13px ui-monospace,monospace}pre{background:#f4f5f7;padding:.6rem;overflow:auto}
table{border-collapse:collapse;width:100%;margin:.4rem 0}td,th{border:1px solid #d8dce1;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f5f7}.operation{border-top:2px solid #d8dce1;margin-top:2rem}.method{background:#1d4ed8;color:#fff;padding:.1rem .4rem;border-radius:3px}
.summary{font-weight:600}.media{color:#4b5563}`;

/** The whole page. */
export function renderOpenApiHtml(document: OpenApiDocument): string {
  const tags = (Array.isArray(document.tags) ? document.tags : []).map(asObject);
  const entries = entriesOf(document.paths);
  const groups = tags.map((tag) => {
    const name = String(tag.name);
    return [
      name,
      entries.filter((e) => (e.operation.tags as unknown[] | undefined)?.includes(name)),
    ] as const;
  });
  const hooks = entriesOf(document.webhooks).map((e) => ({ ...e, path: String(e.operation.operationId) }));
  if (hooks.length > 0) groups.push(['Sent by the MPP (webhooks)', hooks] as const);
  const sections = groups.map(
    ([tag, list]) =>
      `<h2 id="tag-${slug(tag)}">${escapeHtml(tag)}</h2>` +
      renderText(String(tags.find((t) => t.name === tag)?.description ?? '')) +
      list.map((e) => operationHtml(document, e)).join('\n'),
  );
  const schemas = Object.entries(document.components.schemas).map(
    ([name, schema]) =>
      `<section id="schema-${slug(name)}"><h3>${escapeHtml(name)}</h3>${schemaTable(schema)}</section>`,
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(document.info.title)}</title><style>${style}</style></head><body>
<h1>${escapeHtml(document.info.title)} <small>${escapeHtml(document.info.version)}</small></h1>
${renderText(document.info.description)}<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${escapeHtml(document.openapi)})</p>
<nav><ul>${tocHtml(groups)}</ul></nav>${sections.join('\n')}<h2 id="schemas">Schemas</h2>${schemas.join('\n')}</body></html>`;
}
