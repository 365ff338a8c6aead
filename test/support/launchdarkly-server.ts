/**
 * A local HTTP server implementing the subset of LaunchDarkly's public REST API v2
 * (`launchdarkly/ld-openapi`, as documented by the generated client
 * `launchdarkly/api-client-typescript` `docs/FeatureFlagsApi.md`,
 * `docs/AuditLogApi.md` and the model docs) that the LaunchDarkly provider uses.
 * Used by the integration test, the e2e spec and the sync bench; written from
 * the documented shapes, not from LaunchDarkly code.
 *
 * Endpoints:
 * - `GET /api/v2/flags/{projectKey}?env=…&summary=0&limit=&offset=` — `{items, _links, totalCount}`;
 *   `environments` only for the `env` values asked for; without `summary=0` the
 *   environments omit `targets`, `contextTargets`, `rules` and `prerequisites`.
 *   `limit` defaults to 20; this server refuses more than `maxPageSize` (default 100)
 *   with 400 (LaunchDarkly documents no maximum). `_links.next` is absent on the last page.
 * - `GET /api/v2/flags/{projectKey}/{flagKey}?env=…`.
 * - `PATCH /api/v2/flags/{projectKey}/{flagKey}[?dryRun=true]` — semantic patch only
 *   (`Content-Type: application/json; domain-model=launchdarkly.semanticpatch`, else 400).
 *   Instructions: `turnFlagOn`, `turnFlagOff`, `updateFallthroughVariationOrRollout`
 *   (`variationId` or `rolloutWeights` by variation `_id`, summing to 100000),
 *   `addTargets`, `removeTargets` (`values`, `variationId`, `contextKind`, default `user`),
 *   `updateVariation` (flag-level). Atomic: any invalid instruction → 400
 *   `{code: "invalid_request", message}` and nothing changes. `dryRun=true` validates
 *   and returns the flag as it would be, saving nothing. A real change bumps the flag's
 *   `_version` and the environment's `version` and writes an audit log entry.
 *   Assumption (undocumented): a rollout keeps the previous rollout's `seed`.
 * - `GET /api/v2/auditlog?spec=proj/{p}:env/{e}:flag/{f|*}&after=&before=&limit=` — newest
 *   first, `limit` 1–20 (default 10); `_links.next` (with `before`) when the page is full.
 * - `GET /api/v2/auditlog/{id}` — the entry plus `previousVersion`, `currentVersion`, `delta: null`.
 *
 * Every request needs `Authorization: <token>` (no "Bearer"), else 401. Test knobs:
 * {@link LdServer.rateLimit} (429 storms with `Retry-After` and/or `X-Ratelimit-Reset`),
 * {@link LdServer.requireApproval} (405), {@link LdServer.conflictNext} (409 after a
 * concurrent change), {@link LdServer.changeFlag} (a change made "in LaunchDarkly").
 * {@link LdServer.stats} counts requests by route.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  LdAuditEntry,
  LdFlag,
  LdFlagConfig,
  LdInstruction,
  LdTarget,
  LdVariation,
  LdVariationOrRollout,
} from '../../electron/core/providers/launchdarkly/launchdarkly-types.ts';

/** What a new flag looks like; every field has a default (an AI flag at 25 %). */
export interface LdFlagSpec {
  key: string;
  name?: string;
  kind?: 'boolean' | 'multivariate';
  variations?: { value: unknown; name?: string }[];
  /** Applied to every environment, then `envs[env]` on top. */
  config?: Partial<Omit<LdFlagConfig, 'version'>>;
  envs?: Record<string, Partial<Omit<LdFlagConfig, 'version'>>>;
  tags?: string[];
}

/** Options of {@link startLaunchDarklyServer}. */
export interface LdServerOptions {
  token?: string;
  project?: string;
  environments?: string[];
  port?: number;
  /** Largest `limit` accepted by the flag list (default 100). */
  maxPageSize?: number;
  /** Audit-log actor of changes made through the API. */
  actorEmail?: string;
}

/** A 429 storm: the next `count` requests are rate limited. */
export interface RateLimitStorm {
  count: number;
  /** `Retry-After` header, seconds. */
  retryAfterSec?: number;
  /** `X-Ratelimit-Reset` = now + this, epoch ms. */
  resetInMs?: number;
  /** Only requests with this method (default: every request). */
  method?: string;
}

/** Request counters. */
export interface LdServerStats {
  requests: number;
  byRoute: Record<string, number>;
  rateLimited: number;
  /** `LD-API-Version` header values seen. */
  apiVersions: string[];
  /** `Content-Type` of every PATCH. */
  patchContentTypes: string[];
  /** Semantic patch bodies received (dry runs included), in order. */
  patches: { dryRun: boolean; body: unknown }[];
  /** Every request: arrival time (epoch ms), route and answer status. */
  log: { at: number; route: string; status: number }[];
}

/** The running server. */
export interface LdServer {
  url: string;
  token: string;
  project: string;
  environments: string[];
  stats: LdServerStats;
  resetStats(): void;
  /** Creates a flag in every environment; returns a copy. */
  addFlag(spec: LdFlagSpec): LdFlag;
  /** Many flags at once (bench), without audit entries. */
  addFlags(specs: LdFlagSpec[]): void;
  /** A deep copy of the stored flag (all environments), or `undefined`. */
  flag(key: string): LdFlag | undefined;
  /** A change made "in LaunchDarkly" by someone else: mutates the flag and writes an audit entry. */
  changeFlag(
    key: string,
    mutate: (flag: LdFlag) => void,
    opts?: { comment?: string; action?: string; env?: string },
  ): void;
  rateLimit(storm: RateLimitStorm | null): void;
  /** Changes to flags in `env` answer 405 (approval required) while on. */
  requireApproval(env: string, on: boolean): void;
  /** The next `count` real PATCHes apply `mutate` (a concurrent writer, if given) and answer 409. */
  conflictNext(opts: { count?: number; mutate?: (flag: LdFlag) => void }): void;
  close(): Promise<void>;
}

class BadRequest extends Error {}

const clone = <T>(v: T): T => structuredClone(v);

/** The AI flag every spec starts from: control `v2.3` (off variation), treatment `v2.4` at 25 %. */
export function defaultVariations(): { value: unknown; name?: string }[] {
  return [
    { name: 'control', value: { modelVersion: 'v2.3', minConfidence: 0.7 } },
    { name: 'treatment', value: { modelVersion: 'v2.4', minConfidence: 0.8 } },
  ];
}

/** Starts the server on 127.0.0.1 (random port unless `port`). */
export async function startLaunchDarklyServer(options: LdServerOptions = {}): Promise<LdServer> {
  const token = options.token ?? `api-${randomUUID()}`;
  const project = options.project ?? 'default';
  const environments = options.environments ?? ['production', 'staging', 'test'];
  const maxPageSize = options.maxPageSize ?? 100;
  const actorEmail = options.actorEmail ?? 'api-token@example.com';
  const flags = new Map<string, LdFlag>();
  const audit: LdAuditEntry[] = [];
  let storm: (RateLimitStorm & { left: number }) | null = null;
  const approval = new Set<string>();
  let conflict: { left: number; mutate?: (flag: LdFlag) => void } | null = null;
  let clock = Date.now();
  /** Strictly increasing ms timestamps, so audit `date`s order changes. */
  const tick = () => (clock = Math.max(clock + 1, Date.now()));
  const freshStats = (): LdServerStats => ({
    requests: 0,
    byRoute: {},
    rateLimited: 0,
    apiVersions: [],
    patchContentTypes: [],
    patches: [],
    log: [],
  });
  const stats = freshStats();

  function makeFlag(spec: LdFlagSpec): LdFlag {
    const variations: LdVariation[] = (spec.variations ?? defaultVariations()).map((v) => ({
      _id: randomUUID(),
      value: clone(v.value),
      ...(v.name ? { name: v.name } : {}),
    }));
    const now = tick();
    const envs: Record<string, LdFlagConfig> = {};
    for (const env of environments) {
      const base: LdFlagConfig = {
        on: true,
        archived: false,
        salt: randomBytes(16).toString('hex'),
        sel: randomBytes(16).toString('hex'),
        lastModified: now,
        version: 1,
        targets: [],
        contextTargets: [],
        rules: [],
        fallthrough: {
          rollout: {
            variations: [
              { variation: 0, weight: 75_000 },
              { variation: 1, weight: 25_000 },
            ],
          },
        },
        offVariation: 0,
        prerequisites: [],
        trackEvents: false,
        trackEventsFallthrough: false,
        _environmentName: env[0]!.toUpperCase() + env.slice(1),
        _site: { href: `/${project}/${env}/features/${spec.key}`, type: 'text/html' },
      };
      envs[env] = { ...base, ...clone(spec.config ?? {}), ...clone(spec.envs?.[env] ?? {}), version: 1 };
    }
    return {
      key: spec.key,
      name: spec.name ?? spec.key,
      kind: spec.kind ?? (variations.every((v) => typeof v.value === 'boolean') ? 'boolean' : 'multivariate'),
      description: '',
      _version: 1,
      creationDate: now,
      variations,
      temporary: true,
      tags: spec.tags ?? [],
      archived: false,
      deprecated: false,
      _links: {
        parent: { href: `/api/v2/flags/${project}`, type: 'application/json' },
        self: { href: `/api/v2/flags/${project}/${spec.key}`, type: 'application/json' },
      },
      environments: envs,
    };
  }

  /** The flag as the API shows it: only the asked environments; `summary` drops targets/rules/prerequisites. */
  function view(flag: LdFlag, envs: string[] | null, summary: boolean): LdFlag {
    const out = clone(flag);
    const all = out.environments ?? {};
    const picked: Record<string, LdFlagConfig> = {};
    for (const [k, v] of Object.entries(all)) {
      if (envs && !envs.includes(k)) continue;
      if (summary) {
        delete v.targets;
        delete v.contextTargets;
        delete v.rules;
        delete v.prerequisites;
      }
      picked[k] = v;
    }
    if (envs && envs.length === 0) delete out.environments;
    else out.environments = picked;
    return out;
  }

  function record(
    before: LdFlag,
    after: LdFlag,
    action: string,
    env: string | null,
    comment: string | undefined,
    member: string,
  ): void {
    const date = tick();
    const id = randomUUID().replace(/-/g, '').slice(0, 24);
    audit.push({
      _id: id,
      _accountId: 'acct-local',
      date,
      accesses: [{ action, resource: `proj/${project}:env/${env ?? '*'}:flag/${after.key}` }],
      kind: 'flag',
      name: after.name,
      description: `${action} on ${after.key}${env ? ` in ${env}` : ''}`,
      shortDescription: action,
      ...(comment ? { comment } : {}),
      member: { _id: 'member-1', email: member, firstName: member.split('@')[0], lastName: '' },
      titleVerb: 'updated the flag',
      title: `${member} updated the flag ${after.name}`,
      target: { name: after.name, resources: [`proj/${project}:env/${env ?? '*'}:flag/${after.key}`] },
      _links: { self: { href: `/api/v2/auditlog/${id}`, type: 'application/json' } },
      previousVersion: clone(before),
      currentVersion: clone(after),
      delta: null,
    });
  }

  /** Applies semantic patch instructions to a copy; throws BadRequest with LaunchDarkly-style messages. */
  function applyInstructions(
    flag: LdFlag,
    body: Record<string, unknown>,
  ): { next: LdFlag; envChanged: boolean; actions: string[] } {
    const next = clone(flag);
    const instructions = body.instructions;
    if (!Array.isArray(instructions) || instructions.length === 0)
      throw new BadRequest('instructions must be a non-empty array');
    const envKey = typeof body.environmentKey === 'string' ? body.environmentKey : null;
    const byId = (id: unknown, what: string): number => {
      if (typeof id !== 'string') throw new BadRequest(`${what}: variationId is required`);
      const i = next.variations.findIndex((v) => v._id === id);
      if (i < 0) throw new BadRequest(`${what}: unknown variation ID "${id}"`);
      return i;
    };
    const env = (what: string): LdFlagConfig => {
      if (!envKey) throw new BadRequest(`${what} requires environmentKey`);
      const cfg = next.environments?.[envKey];
      if (!cfg) throw new BadRequest(`unknown environment key "${envKey}"`);
      return cfg;
    };
    let envChanged = false;
    const actions: string[] = [];
    for (const raw of instructions as LdInstruction[]) {
      const kind = raw?.kind;
      switch (kind) {
        case 'turnFlagOn':
        case 'turnFlagOff': {
          const cfg = env(kind);
          const on = kind === 'turnFlagOn';
          if (cfg.on !== on) envChanged = true;
          cfg.on = on;
          actions.push('updateOn');
          break;
        }
        case 'updateFallthroughVariationOrRollout': {
          const cfg = env(kind);
          let ft: LdVariationOrRollout;
          if (raw.variationId !== undefined && raw.rolloutWeights !== undefined)
            throw new BadRequest(`${kind}: give either variationId or rolloutWeights, not both`);
          if (raw.variationId !== undefined) ft = { variation: byId(raw.variationId, kind) };
          else {
            const weights = raw.rolloutWeights;
            if (!weights || typeof weights !== 'object' || Array.isArray(weights))
              throw new BadRequest(`${kind}: rolloutWeights must be an object of variation ID → weight`);
            const entries = Object.entries(weights as Record<string, unknown>);
            let total = 0;
            const variations = entries.map(([id, w]) => {
              if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w > 100_000)
                throw new BadRequest(
                  `${kind}: weight of variation "${id}" must be an integer from 0 to 100000`,
                );
              total += w;
              return { variation: byId(id, kind), weight: w };
            });
            if (total !== 100_000)
              throw new BadRequest(
                `${kind}: rollout weights must sum to 100000 (thousandths of a percent), got ${total}`,
              );
            variations.sort((a, b) => a.variation - b.variation);
            const seed = cfg.fallthrough?.rollout?.seed;
            ft = {
              rollout: {
                variations,
                ...(typeof raw.rolloutBucketBy === 'string' ? { bucketBy: raw.rolloutBucketBy } : {}),
                ...(typeof raw.rolloutContextKind === 'string'
                  ? { contextKind: raw.rolloutContextKind }
                  : {}),
                ...(typeof seed === 'number' ? { seed } : {}),
              },
            };
          }
          if (JSON.stringify(ft) !== JSON.stringify(cfg.fallthrough)) envChanged = true;
          cfg.fallthrough = ft;
          actions.push('updateFallthrough');
          break;
        }
        case 'addTargets':
        case 'removeTargets': {
          const cfg = env(kind);
          const index = byId(raw.variationId, kind);
          const values = raw.values;
          if (
            !Array.isArray(values) ||
            values.length === 0 ||
            !values.every((v) => typeof v === 'string' && v)
          )
            throw new BadRequest(`${kind}: values must be a non-empty array of context keys`);
          const contextKind = typeof raw.contextKind === 'string' ? raw.contextKind : 'user';
          const list: LdTarget[] =
            contextKind === 'user' ? (cfg.targets ??= []) : (cfg.contextTargets ??= []);
          const matches = (t: LdTarget) => (t.contextKind ?? 'user') === contextKind;
          if (kind === 'addTargets') {
            for (const v of values as string[]) {
              const other = list.find((t) => matches(t) && t.variation !== index && t.values.includes(v));
              if (other)
                throw new BadRequest(
                  `addTargets: "${v}" is already targeted by variation ${other.variation}; remove it there first`,
                );
            }
            let target = list.find((t) => matches(t) && t.variation === index);
            if (!target) {
              target = { values: [], variation: index, ...(contextKind === 'user' ? {} : { contextKind }) };
              list.push(target);
            }
            for (const v of values as string[]) {
              if (target.values.includes(v)) continue;
              target.values.push(v);
              envChanged = true;
            }
          } else {
            for (const t of list) {
              if (!matches(t) || t.variation !== index) continue;
              const kept = t.values.filter((v) => !(values as string[]).includes(v));
              if (kept.length !== t.values.length) envChanged = true;
              t.values = kept;
            }
            const keep = list.filter((t) => !(matches(t) && t.values.length === 0));
            list.splice(0, list.length, ...keep);
          }
          actions.push('updateTargets');
          break;
        }
        case 'updateVariation': {
          const index = byId(raw.variationId, kind);
          const v = next.variations[index]!;
          if ('value' in raw) {
            if (next.kind === 'boolean' && typeof raw.value !== 'boolean')
              throw new BadRequest('updateVariation: a boolean flag takes only true or false');
            const dup = next.variations.findIndex(
              (o, j) => j !== index && JSON.stringify(o.value) === JSON.stringify(raw.value),
            );
            if (dup >= 0) throw new BadRequest(`updateVariation: variation ${dup} already has this value`);
            v.value = clone(raw.value);
          }
          if (typeof raw.name === 'string') v.name = raw.name;
          if (typeof raw.description === 'string') v.description = raw.description;
          actions.push('updateVariation');
          break;
        }
        default:
          throw new BadRequest(`unknown instruction kind "${String(kind)}"`);
      }
    }
    return { next, envChanged, actions };
  }

  const send = (
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(text);
  };
  const error = (
    res: http.ServerResponse,
    status: number,
    code: string,
    message: string,
    headers?: Record<string, string>,
  ) => send(res, status, { code, message, id: randomUUID() }, headers);

  const readBody = (req: http.IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      let data = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (data += c));
      req.on('end', () => resolve(data));
      req.on('error', reject);
    });

  function specMatches(spec: string | null, resource: string): boolean {
    if (!spec) return true;
    const parse = (s: string) =>
      Object.fromEntries(s.split(':').map((part) => part.split('/') as [string, string]));
    const want = parse(spec);
    const have = parse(resource);
    return Object.entries(want).every(([k, v]) => v === '*' || have[k] === '*' || have[k] === v);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const route =
      parts[2] === 'flags'
        ? `${req.method} flags${parts.length > 4 ? '/{key}' : ''}${url.searchParams.get('dryRun') === 'true' ? '?dryRun' : ''}`
        : parts[2] === 'auditlog'
          ? `${req.method} auditlog${parts.length > 3 ? '/{id}' : ''}`
          : `${req.method} ${url.pathname}`;
    stats.requests++;
    stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
    const entry = { at: Date.now(), route, status: 0 };
    stats.log.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    const version = req.headers['ld-api-version'];
    if (typeof version === 'string' && !stats.apiVersions.includes(version)) stats.apiVersions.push(version);

    if (req.headers.authorization !== token) {
      error(res, 401, 'unauthorized', 'Invalid access token');
      return;
    }
    if (storm && storm.left > 0 && (!storm.method || storm.method === req.method)) {
      storm.left--;
      stats.rateLimited++;
      const headers: Record<string, string> = { 'X-Ratelimit-Global-Remaining': '0' };
      if (storm.retryAfterSec !== undefined) headers['Retry-After'] = String(storm.retryAfterSec);
      if (storm.resetInMs !== undefined) headers['X-Ratelimit-Reset'] = String(Date.now() + storm.resetInMs);
      if (storm.left === 0) storm = null;
      error(res, 429, 'rate_limited', "You've exceeded the API rate limit. Try again later.", headers);
      return;
    }
    if (parts[0] !== 'api' || parts[1] !== 'v2') {
      error(res, 404, 'not_found', 'Invalid resource identifier');
      return;
    }

    if (parts[2] === 'flags' && parts[3] === project && parts.length === 4 && req.method === 'GET') {
      const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : 20;
      const offset = url.searchParams.has('offset') ? Number(url.searchParams.get('offset')) : 0;
      if (!Number.isInteger(limit) || limit < 1 || limit > maxPageSize) {
        error(res, 400, 'invalid_request', `limit must be an integer from 1 to ${maxPageSize}`);
        return;
      }
      if (!Number.isInteger(offset) || offset < 0) {
        error(res, 400, 'invalid_request', 'offset must be a non-negative integer');
        return;
      }
      const envs = url.searchParams.getAll('env');
      for (const e of envs)
        if (!environments.includes(e)) {
          error(res, 400, 'invalid_request', `unknown environment key "${e}"`);
          return;
        }
      const summary = url.searchParams.get('summary') !== '0' || envs.length === 0;
      const all = [...flags.values()];
      const items = all.slice(offset, offset + limit).map((f) => view(f, envs, summary));
      const link = (o: number) => {
        const q = new URLSearchParams(url.searchParams);
        q.set('limit', String(limit));
        q.set('offset', String(o));
        return { href: `/api/v2/flags/${project}?${q}`, type: 'application/json' };
      };
      const lastOffset = Math.max(0, Math.floor((all.length - 1) / limit) * limit);
      const links: Record<string, { href: string; type: string }> = {
        self: link(offset),
        first: link(0),
        last: link(lastOffset),
      };
      if (offset + limit < all.length) links.next = link(offset + limit);
      if (offset > 0) links.prev = link(Math.max(0, offset - limit));
      send(res, 200, { items, _links: links, totalCount: all.length });
      return;
    }

    if (parts[2] === 'flags' && parts.length === 5) {
      if (parts[3] !== project) {
        error(res, 404, 'not_found', `Unknown project "${parts[3]}"`);
        return;
      }
      const flag = flags.get(parts[4]!);
      if (!flag) {
        error(res, 404, 'not_found', 'Unknown feature flag');
        return;
      }
      const envs = url.searchParams.getAll('env');
      if (req.method === 'GET') {
        send(res, 200, view(flag, envs.length ? envs : null, false));
        return;
      }
      if (req.method === 'PATCH') {
        const contentType = String(req.headers['content-type'] ?? '');
        stats.patchContentTypes.push(contentType);
        const text = await readBody(req);
        const dry = url.searchParams.get('dryRun') === 'true';
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          error(res, 400, 'invalid_request', 'request body is not valid JSON');
          return;
        }
        stats.patches.push({ dryRun: dry, body });
        if (!/domain-model=launchdarkly\.semanticpatch/.test(contentType)) {
          error(
            res,
            400,
            'invalid_request',
            'Invalid JSON patch: the body was read as a JSON patch (array of operations)',
          );
          return;
        }
        const envKey = typeof body.environmentKey === 'string' ? body.environmentKey : null;
        if (envKey && approval.has(envKey)) {
          error(
            res,
            405,
            'method_not_allowed',
            `Approval is required to make this request in environment "${envKey}". Create an approval request instead.`,
          );
          return;
        }
        if (!dry && conflict && conflict.left > 0) {
          conflict.left--;
          if (conflict.mutate)
            changeFlagInternal(
              flag.key,
              conflict.mutate,
              'someone-else@example.com',
              'updateFallthrough',
              envKey,
            );
          if (conflict.left === 0) conflict = null;
          error(
            res,
            409,
            'conflict',
            'The flag was modified by a concurrent request. Fetch it again and retry.',
          );
          return;
        }
        let result: ReturnType<typeof applyInstructions>;
        try {
          result = applyInstructions(flag, body);
        } catch (err) {
          if (err instanceof BadRequest) {
            error(res, 400, 'invalid_request', err.message);
            return;
          }
          throw err;
        }
        const { next, envChanged, actions } = result;
        const changed = JSON.stringify(next) !== JSON.stringify(flag);
        if (changed) {
          next._version = flag._version + 1;
          if (envChanged && envKey && next.environments?.[envKey]) {
            next.environments[envKey]!.version += 1;
            next.environments[envKey]!.lastModified = Date.now();
          }
        }
        if (!dry && changed) {
          flags.set(flag.key, next);
          const flagWide = actions.includes('updateVariation');
          record(
            flag,
            next,
            actions[0] ?? 'updateFlag',
            flagWide ? null : envKey,
            body.comment as string | undefined,
            actorEmail,
          );
        }
        send(res, 200, view(next, null, false));
        return;
      }
    }

    if (parts[2] === 'auditlog' && parts.length === 3 && req.method === 'GET') {
      const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : 10;
      if (!Number.isInteger(limit) || limit < 1 || limit > 20) {
        error(res, 400, 'invalid_request', 'limit must be an integer from 1 to 20');
        return;
      }
      const after = url.searchParams.has('after') ? Number(url.searchParams.get('after')) : null;
      const before = url.searchParams.has('before') ? Number(url.searchParams.get('before')) : null;
      const spec = url.searchParams.get('spec');
      const matching = audit
        .filter((e) => (after === null || e.date > after) && (before === null || e.date < before))
        .filter((e) => e.accesses.some((a) => specMatches(spec, a.resource ?? '')))
        .sort((a, b) => b.date - a.date);
      const page = matching.slice(0, limit).map((e) => {
        const listing: Partial<LdAuditEntry> = { ...e };
        delete listing.previousVersion;
        delete listing.currentVersion;
        delete listing.delta;
        return listing;
      });
      const links: Record<string, { href: string; type: string }> = {};
      if (matching.length > limit) {
        const q = new URLSearchParams(url.searchParams);
        q.set('before', String(page[page.length - 1]!.date));
        links.next = { href: `/api/v2/auditlog?${q}`, type: 'application/json' };
      }
      send(res, 200, { items: page, _links: links });
      return;
    }
    if (parts[2] === 'auditlog' && parts.length === 4 && req.method === 'GET') {
      const entry = audit.find((e) => e._id === parts[3]);
      if (!entry) error(res, 404, 'not_found', 'Unknown audit log entry');
      else send(res, 200, entry);
      return;
    }
    error(res, 404, 'not_found', 'Invalid resource identifier');
  }

  function changeFlagInternal(
    key: string,
    mutate: (flag: LdFlag) => void,
    member: string,
    action: string,
    env: string | null,
  ): void {
    const before = flags.get(key);
    if (!before) throw new Error(`no flag "${key}"`);
    const next = clone(before);
    mutate(next);
    next._version = before._version + 1;
    for (const [k, cfg] of Object.entries(next.environments ?? {})) {
      if (JSON.stringify(cfg) !== JSON.stringify(before.environments?.[k])) {
        cfg.version = (before.environments?.[k]?.version ?? 0) + 1;
        cfg.lastModified = Date.now();
      }
    }
    flags.set(key, next);
    record(before, next, action, env, undefined, member);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        error(res, 500, 'internal_error', err instanceof Error ? err.message : String(err));
      else res.end();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    project,
    environments,
    stats,
    resetStats() {
      Object.assign(stats, freshStats());
    },
    addFlag(spec) {
      if (flags.has(spec.key)) throw new Error(`flag "${spec.key}" exists`);
      const flag = makeFlag(spec);
      flags.set(flag.key, flag);
      return clone(flag);
    },
    addFlags(specs) {
      for (const s of specs) flags.set(s.key, makeFlag(s));
    },
    flag(key) {
      const f = flags.get(key);
      return f ? clone(f) : undefined;
    },
    changeFlag(key, mutate, opts = {}) {
      changeFlagInternal(
        key,
        mutate,
        'someone@example.com',
        opts.action ?? 'updateFallthrough',
        opts.env ?? null,
      );
      if (opts.comment) audit[audit.length - 1]!.comment = opts.comment;
    },
    rateLimit(s) {
      storm = s && s.count > 0 ? { ...s, left: s.count } : null;
    },
    requireApproval(env, on) {
      if (on) approval.add(env);
      else approval.delete(env);
    },
    conflictNext(opts) {
      conflict = { left: opts.count ?? 1, mutate: opts.mutate };
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
