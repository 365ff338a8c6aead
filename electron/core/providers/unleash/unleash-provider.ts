/**
 * The Unleash flag provider: reads and changes flags through the Unleash Admin API (v8).
 *
 * Layer convention and API calls: docs/providers/unleash.md. Pure mapping in
 * `unleash-mapping.ts` / `unleash-plan.ts`; HTTP in `unleash-client.ts`.
 */
import type { FlagState, LayerPatch, ProviderCapabilities } from '../../../../shared/domain.ts';
import pMap from 'p-map';
import { ALL_CAPABILITIES, ConflictError, FlagNotFoundError, ProviderError } from '../provider.ts';
import type {
  ChangePlan,
  ExecuteOutcome,
  FlagProvider,
  HistoryPage,
  ProviderHealth,
  ProviderHistoryEvent,
} from '../provider.ts';
import { createUnleashHttp, displayUrl } from './unleash-client.ts';
import { toFlagState, toHistoryEvent } from './unleash-mapping.ts';
import { planUnleashChange } from './unleash-plan.ts';
import type { UnleashEventPage, UnleashFeature, UnleashFeatureList } from './unleash-types.ts';
import { timedHealth } from '../provider-http.ts';

/** Configuration of {@link createUnleashProvider}. */
export interface UnleashProviderConfig {
  /** Provider name shown in the app (unique among providers). */
  name: string;
  /** Unleash base URL, e.g. `http://localhost:4242`. */
  url: string;
  /** Admin API token or personal access token, sent raw in `Authorization`. */
  token: string;
  /** Unleash project id; default `default`. */
  project?: string;
  /** Environments to show; default every environment enabled for the project. */
  environments?: string[];
  /** Per-request timeout, ms; default 5000. */
  timeoutMs?: number;
}

/** Feature-detail requests in flight at once during `listFlags`. */
const DETAIL_CONCURRENCY = 6;
/** Event page size (Unleash caps `limit` at 1000). */
const EVENT_PAGE = 500;
/** With no cursor, how many of the newest events the first `historySince` reads. */
const FIRST_SYNC_EVENTS = 1000;

function rethrowAs(err: unknown, prefix: string, firstRequest: boolean): never {
  if (err instanceof FlagNotFoundError) throw new FlagNotFoundError(`${prefix}${err.message}`);
  if (err instanceof ProviderError)
    // Nothing of the plan was sent only when its first request was never sent.
    throw new ProviderError(
      `${prefix}${err.message}`,
      err.status,
      err.retryAfterMs,
      firstRequest && err.notSent,
    );
  throw err;
}

/**
 * Creates a {@link FlagProvider} for one Unleash project.
 *
 * - `listFlags`: `GET /api/admin/projects/{p}/features`, then
 *   `GET …/features/{name}` (≤ 6 in parallel) for features with strategies;
 *   one {@link FlagState} per (feature, environment).
 * - `getFlag`: one `GET …/features/{name}`; {@link FlagNotFoundError} for an
 *   unknown feature or environment.
 * - `planChange`: no requests; see `planUnleashChange`.
 * - `executePlan`: when the plan writes strategies, re-reads the feature and
 *   throws {@link ConflictError} if its version changed since it was read
 *   (on/off alone are never blocked); then sends the requests in order.
 * - `historySince`: `GET /api/admin/search/events?project=IS:{p}` paged newest
 *   first until the cursor (an event id) is reached; returns oldest first.
 * - `health`: `GET /api/admin/projects/{p}/overview`; never throws.
 *
 * Errors: {@link ProviderError} (token rejected, HTTP error, timeout,
 * unreachable), {@link FlagNotFoundError}, `UnsupportedChangeError`, {@link ConflictError}.
 */
export function createUnleashProvider(config: UnleashProviderConfig): FlagProvider {
  const project = config.project ?? 'default';
  const timeoutMs = config.timeoutMs ?? 5000;
  const only = config.environments && config.environments.length > 0 ? new Set(config.environments) : null;
  const request = createUnleashHttp({
    baseUrl: config.url,
    token: config.token,
    timeoutMs,
    providerName: config.name,
  });
  const p = encodeURIComponent(project);
  const featurePath = (key: string) => `/api/admin/projects/${p}/features/${encodeURIComponent(key)}`;
  const wanted = (env: string) => !only || only.has(env);

  async function getFeature(key: string): Promise<UnleashFeature> {
    try {
      return (await request<UnleashFeature>('GET', featurePath(key))).body;
    } catch (err) {
      if (err instanceof FlagNotFoundError) {
        throw new FlagNotFoundError(
          `Unleash has no feature "${key}" in project "${project}" (${err.message})`,
        );
      }
      throw err;
    }
  }

  function stateOf(feature: UnleashFeature, environment: string): FlagState {
    const env = feature.environments.find((e) => e.name === environment);
    if (!env || !wanted(environment)) {
      throw new FlagNotFoundError(
        `Unleash feature "${feature.name}" has no environment "${environment}" in provider "${config.name}"`,
      );
    }
    return toFlagState(config.name, project, feature, env);
  }

  return {
    name: config.name,
    kind: 'unleash',
    url: displayUrl(config.url),

    capabilities(): ProviderCapabilities {
      return { ...ALL_CAPABILITIES };
    },

    health(): Promise<ProviderHealth> {
      return timedHealth(
        () => request('GET', `/api/admin/projects/${p}/overview`),
        `Unleash has no project "${project}"`,
      );
    },

    async listFlags(): Promise<FlagState[]> {
      let list: UnleashFeatureList;
      try {
        list = (await request<UnleashFeatureList>('GET', `/api/admin/projects/${p}/features`)).body;
      } catch (err) {
        if (err instanceof FlagNotFoundError)
          throw new ProviderError(`Unleash has no project "${project}"`, 404);
        throw err;
      }
      const features = await pMap(
        list.features ?? [],
        async (f) => {
          const envs = (f.environments ?? []).filter((e) => wanted(e.name));
          if (envs.length === 0) return null;
          // Environments without strategies need no detail request.
          if (!envs.some((e) => e.hasStrategies !== false))
            return { ...f, environments: envs.map((e) => ({ ...e, strategies: [] })) };
          try {
            return await getFeature(f.name);
          } catch (err) {
            if (err instanceof FlagNotFoundError) return null; // archived between the two requests
            throw err;
          }
        },
        { concurrency: DETAIL_CONCURRENCY },
      );
      const states: FlagState[] = [];
      for (const f of features) {
        if (!f) continue;
        for (const env of f.environments)
          if (wanted(env.name)) states.push(toFlagState(config.name, project, f, env));
      }
      return states;
    },

    async getFlag(environment: string, key: string): Promise<FlagState> {
      if (!wanted(environment)) {
        throw new FlagNotFoundError(
          `Provider "${config.name}" is not configured for environment "${environment}"`,
        );
      }
      return stateOf(await getFeature(key), environment);
    },

    async planChange(current: FlagState, patch: LayerPatch): Promise<ChangePlan> {
      const { requests, description } = planUnleashChange(current, patch, project);
      return {
        environment: current.environment,
        key: current.key,
        patch,
        expectedVersion: current.version,
        description,
        requests,
      };
    },

    async executePlan(plan: ChangePlan): Promise<ExecuteOutcome> {
      // On/off are absolute and must never be blocked (kill switch); strategy writes
      // replace whole strategies, so they only go out against the version planned on.
      const writesStrategies = plan.requests.some((r) => r.url.includes('/strategies'));
      if (writesStrategies && plan.expectedVersion !== null) {
        const now = stateOf(await getFeature(plan.key), plan.environment);
        if (now.version !== plan.expectedVersion) {
          throw new ConflictError(
            `"${plan.key}" changed in Unleash (${plan.environment}) since it was read; reload it and try again`,
          );
        }
      }
      const responses: unknown[] = [];
      for (const [i, r] of plan.requests.entries()) {
        try {
          const res = await request(r.method, r.url, r.body);
          responses.push({ method: r.method, url: r.url, status: res.status, body: res.body });
        } catch (err) {
          const done = i === 0 ? '' : ` (the first ${i} of ${plan.requests.length} requests were applied)`;
          rethrowAs(err, `${r.method} ${r.url} failed${done}: `, i === 0);
        }
      }
      return { responses };
    },

    async historySince(cursor: string | null): Promise<HistoryPage> {
      const after = cursor === null ? null : Number(cursor);
      if (after !== null && !Number.isFinite(after))
        throw new ProviderError(`Invalid Unleash history cursor "${cursor}"`);
      const seen = new Map<number, ProviderHistoryEvent | null>();
      let maxId = after ?? -1;
      for (let offset = 0; ; offset += EVENT_PAGE) {
        const q = new URLSearchParams({
          project: `IS:${project}`,
          offset: String(offset),
          limit: String(EVENT_PAGE),
        });
        const page = (await request<UnleashEventPage>('GET', `/api/admin/search/events?${q}`)).body;
        const events = page.events ?? [];
        let reachedCursor = false;
        for (const e of events) {
          if (after !== null && e.id <= after) {
            reachedCursor = true;
            continue;
          }
          maxId = Math.max(maxId, e.id);
          if (!seen.has(e.id)) seen.set(e.id, toHistoryEvent(e));
        }
        if (reachedCursor || events.length < EVENT_PAGE) break;
        if (after === null && seen.size >= FIRST_SYNC_EVENTS) break;
      }
      const events = [...seen.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, e]) => e)
        .filter((e): e is ProviderHistoryEvent => e !== null && wanted(e.environment));
      return { events, cursor: maxId >= 0 ? String(maxId) : cursor };
    },
  };
}
