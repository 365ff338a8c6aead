/**
 * The custom-HTTP flag provider: an in-house flag service that implements
 * `docs/provider-api.yaml` (guide: docs/providers/custom-http.md; reference server:
 * examples/reference-flag-server). Pure parts: `http-mapping.ts`, `http-plan.ts`;
 * HTTP, retries and errors: `http-client.ts`.
 */
import { randomUUID } from 'node:crypto';
import type { FlagState, LayerPatch, ProviderCapabilities } from '../../../../shared/domain.ts';
import { ALL_CAPABILITIES, ConflictError, FlagNotFoundError, ProviderError } from '../provider.ts';
import type { ChangePlan, ExecuteOutcome, FlagProvider, HistoryPage, ProviderHealth } from '../provider.ts';
import { createHttpClient, displayUrl } from './http-client.ts';
import type { RetryPolicy } from './http-client.ts';
import { toFlagState, toHistoryEvent } from './http-mapping.ts';
import { isHttpPlannedRequest, planHttpChange } from './http-plan.ts';
import {
  WireChangeResultSchema,
  WireFlagPageSchema,
  WireFlagSchema,
  WireHealthSchema,
  WireHistoryPageSchema,
} from './http-schemas.ts';
import { timedHealth } from '../provider-http.ts';

/** Configuration of {@link createHttpProvider}. */
export interface HttpProviderConfig {
  /** Provider name shown in the app (unique among providers). */
  name: string;
  /** Base URL of the service, e.g. `https://flags.internal.example.com` (paths start with `/v1`). */
  url: string;
  /** Bearer token. */
  token: string;
  /** Name of the variable the token came from, for error messages only. */
  tokenEnv?: string;
  /** Environments to show; default every environment the service lists. */
  environments?: string[];
  /** Per-attempt timeout, ms; default 5000. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Makes the `Idempotency-Key` of a plan; default `crypto.randomUUID`. */
  newIdempotencyKey?: () => string;
  /** Jitter source in [0, 1) and wait function for retries (defaults: `Math.random`, a timer). */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Flags per `GET /v1/flags` page (the API's maximum). */
const FLAG_PAGE = 500;
/** Events per `GET /v1/history` page (the API's maximum). */
const EVENT_PAGE = 1000;
/** Pages one `historySince` reads at most; the sync calls it again for the rest. */
const HISTORY_PAGES_PER_CALL = 10;
/** Guard against a service whose cursors never end. */
const MAX_FLAG_PAGES = 1000;

/**
 * Creates a {@link FlagProvider} for one custom flag service.
 *
 * - `listFlags`: `GET /v1/flags?limit=500[&environment=E]` following `nextCursor`
 *   (one pass per configured environment, else one pass over all).
 * - `getFlag`: `GET /v1/environments/{e}/flags/{k}`; {@link FlagNotFoundError} on 404 or an
 *   environment the provider is not configured for.
 * - `planChange`: no I/O; one `POST …/changes` with a fresh `Idempotency-Key` and
 *   `expectedVersion` (see `planHttpChange`).
 * - `executePlan`: sends it; retries reuse the key; 409 → {@link ConflictError} with the
 *   service's message.
 * - `historySince`: `GET /v1/history?after=<cursor>&limit=1000`, up to 10 pages per call,
 *   oldest first; events of unconfigured environments are skipped but the cursor moves on.
 * - `health`: `GET /v1/health` (authenticated, so a bad token shows); never throws.
 */
export function createHttpProvider(config: HttpProviderConfig): FlagProvider {
  const only = config.environments && config.environments.length > 0 ? new Set(config.environments) : null;
  const wanted = (env: string) => !only || only.has(env);
  const newKey = config.newIdempotencyKey ?? randomUUID;
  const request = createHttpClient({
    baseUrl: config.url,
    token: config.token,
    tokenEnv: config.tokenEnv,
    timeoutMs: config.timeoutMs ?? 5000,
    providerName: config.name,
    retry: config.retry,
    random: config.random,
    sleep: config.sleep,
  });
  const flagPath = (environment: string, key: string) =>
    `/v1/environments/${encodeURIComponent(environment)}/flags/${encodeURIComponent(key)}`;

  async function listPass(environment: string | null): Promise<FlagState[]> {
    const states: FlagState[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < MAX_FLAG_PAGES; page++) {
      const q = new URLSearchParams({ limit: String(FLAG_PAGE) });
      if (environment !== null) q.set('environment', environment);
      if (cursor !== null) q.set('cursor', cursor);
      const { body } = await request('GET', `/v1/flags?${q}`, WireFlagPageSchema);
      for (const f of body.flags) if (wanted(f.environment)) states.push(toFlagState(config.name, f));
      if (body.nextCursor === null) return states;
      if (body.nextCursor === cursor)
        throw new ProviderError(`Custom flag service "${config.name}" returned the same flag cursor twice`);
      cursor = body.nextCursor;
    }
    throw new ProviderError(
      `Custom flag service "${config.name}" listed more than ${MAX_FLAG_PAGES} pages of flags`,
    );
  }

  return {
    name: config.name,
    kind: 'http',
    url: displayUrl(config.url),

    capabilities(): ProviderCapabilities {
      return { ...ALL_CAPABILITIES };
    },

    health(): Promise<ProviderHealth> {
      return timedHealth(() => request('GET', '/v1/health', WireHealthSchema));
    },

    async listFlags(): Promise<FlagState[]> {
      if (!only) return listPass(null);
      const all: FlagState[] = [];
      for (const env of only) all.push(...(await listPass(env)));
      return all;
    },

    async getFlag(environment: string, key: string): Promise<FlagState> {
      if (!wanted(environment)) {
        throw new FlagNotFoundError(
          `Provider "${config.name}" is not configured for environment "${environment}"`,
        );
      }
      try {
        const { body } = await request('GET', flagPath(environment, key), WireFlagSchema);
        return toFlagState(config.name, body);
      } catch (err) {
        if (err instanceof FlagNotFoundError) {
          throw new FlagNotFoundError(
            `Custom flag service "${config.name}" has no flag "${key}" in ${environment} (${err.message})`,
          );
        }
        throw err;
      }
    },

    async planChange(
      current: FlagState,
      patch: LayerPatch,
      reason: string,
      actor: string,
    ): Promise<ChangePlan> {
      const plan = planHttpChange(current, patch, reason, actor, newKey());
      return {
        environment: current.environment,
        key: current.key,
        patch,
        expectedVersion: plan.expectedVersion,
        description: plan.description,
        requests: [plan.request],
      };
    },

    async executePlan(plan: ChangePlan): Promise<ExecuteOutcome> {
      const [r, ...extra] = plan.requests;
      if (!r || extra.length > 0 || !isHttpPlannedRequest(r)) {
        throw new ProviderError(
          `The plan for "${plan.key}" was not made by the custom-HTTP provider "${config.name}" (expected one POST with an Idempotency-Key)`,
        );
      }
      try {
        const res = await request(r.method, r.url, WireChangeResultSchema, {
          body: r.body,
          headers: r.headers,
        });
        return {
          responses: [
            {
              method: r.method,
              url: r.url,
              status: res.status,
              attempts: res.attempts,
              replayed: res.headers.get('idempotency-replayed') === 'true',
              body: res.body,
            },
          ],
        };
      } catch (err) {
        if (err instanceof ConflictError) {
          throw new ConflictError(
            `"${plan.key}" changed in "${config.name}" (${plan.environment}) since it was read: ${err.message}`,
          );
        }
        if (err instanceof FlagNotFoundError) {
          throw new FlagNotFoundError(`POST ${r.url} failed: ${err.message}`);
        }
        throw err;
      }
    },

    async historySince(cursor: string | null): Promise<HistoryPage> {
      const events: HistoryPage['events'] = [];
      let after = cursor;
      for (let page = 0; page < HISTORY_PAGES_PER_CALL; page++) {
        const q = new URLSearchParams({ limit: String(EVENT_PAGE) });
        if (after !== null) q.set('after', after);
        const { body } = await request('GET', `/v1/history?${q}`, WireHistoryPageSchema);
        for (const e of body.events) if (wanted(e.environment)) events.push(toHistoryEvent(e));
        const next = body.nextCursor ?? after;
        const moved = next !== after;
        after = next;
        if (!body.hasMore || !moved) break;
      }
      return { events, cursor: after };
    },
  };
}
