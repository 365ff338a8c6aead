/**
 * Checks HTTP exchanges against `docs/provider-api.yaml`, so the spec, the reference
 * server and the custom-HTTP provider cannot drift apart.
 *
 * The document is validated and dereferenced with `@readme/openapi-parser`; schemas
 * are checked with Ajv's JSON Schema 2020-12 validator (OpenAPI 3.1's dialect) plus
 * `ajv-formats`. For each exchange the operation is found by method and path template,
 * then checked: path/query/header parameters, bearer auth, request body (media type and
 * schema), and the response (status declared, media type, body schema).
 */
import path from 'node:path';
import { dereference } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Exchange } from '../../examples/reference-flag-server/src/server.ts';

/** The API document. */
export const PROVIDER_API_SPEC = path.resolve(import.meta.dirname, '..', '..', 'docs', 'provider-api.yaml');

type Schema = Record<string, unknown>;
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: Schema;
}
interface Media {
  schema: Schema;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, Media> };
  responses: Record<string, { content?: Record<string, Media> }>;
  security?: unknown[];
}
type PathItem = Partial<Record<'get' | 'post' | 'put' | 'patch' | 'delete', Operation>> & {
  parameters?: Parameter[];
};
interface Doc {
  paths: Record<string, PathItem>;
  security?: unknown[];
}

/** What {@link ProviderApiChecker.check} found for one exchange. */
export interface ExchangeReport {
  /** `operationId`, or `null` when no operation of the spec matches (e.g. a 405). */
  operation: string | null;
  /** Ways the request breaks the spec. */
  request: string[];
  /** Ways the response breaks the spec. */
  response: string[];
}

/** A loaded spec that checks exchanges. */
export interface ProviderApiChecker {
  /** Every `operationId` of the spec. */
  operations: string[];
  check(exchange: Exchange): ExchangeReport;
}

const mediaType = (h: string | undefined) => (h ?? '').split(';')[0]!.trim().toLowerCase();

function coerce(value: string, schema: Schema): unknown {
  return schema.type === 'integer' || schema.type === 'number'
    ? /^-?\d+(\.\d+)?$/.test(value)
      ? Number(value)
      : value
    : value;
}

/** Loads and dereferences the spec. @throws when the document is not valid OpenAPI. */
export async function loadProviderApi(file = PROVIDER_API_SPEC): Promise<ProviderApiChecker> {
  const doc = (await dereference(file)) as unknown as Doc;
  const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  const compiled = new WeakMap<Schema, ValidateFunction>();
  const validate = (schema: Schema, value: unknown, where: string): string[] => {
    let fn = compiled.get(schema);
    if (!fn) {
      fn = ajv.compile(schema);
      compiled.set(schema, fn);
    }
    if (fn(value)) return [];
    return (fn.errors ?? []).map((e) => `${where}${e.instancePath} ${e.message ?? 'invalid'}`);
  };

  const routes = Object.entries(doc.paths).map(([template, item]) => {
    const names: string[] = [];
    const re = new RegExp(
      `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_m, n: string) => {
        names.push(n);
        return '([^/]+)';
      })}$`,
    );
    return { template, item, re, names };
  });
  const operations = routes.flatMap((r) =>
    (['get', 'post', 'put', 'patch', 'delete'] as const).flatMap((m) =>
      r.item[m] ? [r.item[m].operationId] : [],
    ),
  );

  return {
    operations,
    check(e: Exchange): ExchangeReport {
      const method = e.method.toLowerCase() as 'get';
      for (const r of routes) {
        const m = r.re.exec(e.path);
        const op = m ? r.item[method] : undefined;
        if (!m || !op) continue;
        const request: string[] = [];
        const response: string[] = [];
        const params = [...(r.item.parameters ?? []), ...(op.parameters ?? [])];

        // Parameters.
        r.names.forEach((name, i) => {
          const p = params.find((x) => x.in === 'path' && x.name === name);
          if (p) request.push(...validate(p.schema, decodeURIComponent(m[i + 1]!), `path ${name}`));
        });
        for (const p of params.filter((x) => x.in === 'query')) {
          const v = e.query[p.name];
          if (v === undefined) {
            if (p.required) request.push(`query ${p.name} is required`);
          } else request.push(...validate(p.schema, coerce(v, p.schema), `query ${p.name}`));
        }
        for (const q of Object.keys(e.query)) {
          if (!params.some((x) => x.in === 'query' && x.name === q))
            request.push(`query ${q} is not declared`);
        }
        for (const p of params.filter((x) => x.in === 'header')) {
          const v = e.requestHeaders[p.name.toLowerCase()];
          if (v === undefined) {
            if (p.required) request.push(`header ${p.name} is required`);
          } else request.push(...validate(p.schema, v, `header ${p.name}`));
        }
        if (
          (op.security ?? doc.security ?? []).length > 0 &&
          !/^Bearer /.test(e.requestHeaders.authorization ?? '')
        )
          request.push('Authorization: Bearer <token> is required');

        // Request body.
        const hasBody = e.requestBody !== undefined;
        if (op.requestBody) {
          const media = op.requestBody.content[mediaType(e.requestHeaders['content-type'])];
          if (!hasBody) {
            if (op.requestBody.required) request.push('a request body is required');
          } else if (!media) {
            request.push(`request media type "${e.requestHeaders['content-type'] ?? ''}" is not declared`);
          } else request.push(...validate(media.schema, e.requestBody, 'request body'));
        } else if (hasBody) request.push('this operation takes no request body');

        // Response.
        const declared = op.responses[String(e.status)] ?? op.responses.default;
        if (!declared) response.push(`status ${e.status} is not declared for ${op.operationId}`);
        else if (declared.content) {
          const type = mediaType(e.responseHeaders['content-type']);
          const media = declared.content[type];
          if (!media)
            response.push(
              `response media type "${type}" is not declared for ${e.status} (declared: ${Object.keys(declared.content).join(', ')})`,
            );
          else response.push(...validate(media.schema, e.responseBody, `response ${e.status} body`));
        }
        return { operation: op.operationId, request, response };
      }
      return { operation: null, request: [], response: [] };
    },
  };
}

/** One line per problem of `exchanges` (empty when all conform), for test assertions. */
export function conformanceProblems(
  checker: ProviderApiChecker,
  exchanges: readonly Exchange[],
  options: { requestsMustConform: 'always' | 'when-accepted' } = { requestsMustConform: 'when-accepted' },
): string[] {
  const lines: string[] = [];
  for (const e of exchanges) {
    const r = checker.check(e);
    const label = `${e.method} ${e.path} → ${e.status}`;
    for (const p of r.response) lines.push(`${label}: ${p}`);
    const accepted = e.status < 400;
    if (options.requestsMustConform === 'always' || accepted)
      for (const p of r.request) lines.push(`${label}: request ${p}`);
    // The server must refuse what the spec does not allow.
    if (accepted && r.operation !== null && r.request.length > 0)
      lines.push(`${label}: the server accepted a request that breaks the spec`);
  }
  return lines;
}
