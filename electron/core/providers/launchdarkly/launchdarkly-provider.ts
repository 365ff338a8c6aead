/**
 * The LaunchDarkly flag provider: reads flags and writes changes through the
 * LaunchDarkly REST API v2 with semantic patches only.
 *
 * Layer convention, API calls and error behaviour: docs/providers/launchdarkly.md.
 * Pure mapping in `launchdarkly-mapping.ts` / `launchdarkly-plan.ts`; HTTP,
 * headers and 429 waits in `launchdarkly-client.ts`.
 */
import type { FlagLayers, FlagState, LayerPatch, ProviderCapabilities } from '../../../../shared/domain.ts';
import pMap from 'p-map';
import {
  ALL_CAPABILITIES,
  ConflictError,
  FlagNotFoundError,
  ProviderError,
  UnsupportedChangeError,
} from '../provider.ts';
import type {
  ChangePlan,
  ExecuteOutcome,
  FlagProvider,
  HistoryPage,
  ProviderHealth,
  ProviderHistoryEvent,
} from '../provider.ts';
import {
  DEFAULT_LD_URL,
  LaunchDarklyApiError,
  createLaunchDarklyHttp,
  displayUrl,
  type LdRateLimitWait,
} from './launchdarkly-client.ts';
import { auditEntryEvents, environmentLayers, toFlagState } from './launchdarkly-mapping.ts';
import { flagPath, planLaunchDarklyChange } from './launchdarkly-plan.ts';
import type {
  LdAuditCollection,
  LdAuditEntry,
  LdAuditEntryListing,
  LdFlag,
  LdFlagCollection,
  LdSemanticPatch,
} from './launchdarkly-types.ts';
import { timedHealth } from '../provider-http.ts';

/** Configuration of {@link createLaunchDarklyProvider}. */
export interface LaunchDarklyProviderConfig {
  /** Provider name shown in the app (unique among providers). */
  name: string;
  /** Base URL; default `https://app.launchdarkly.com` (EU `https://app.eu.launchdarkly.com`, federal `https://app.launchdarkly.us`). */
  url?: string;
  /** Personal or service access token, sent raw in `Authorization`. */
  token: string;
  /** Project key. */
  project: string;
  /** Environment keys to show (at least one). */
  environments: string[];
  /** Per-request timeout, ms; default 10000. */
  timeoutMs?: number;
  /** Flags per list page (`limit`); default 100. */
  pageSize?: number;
  /** Called before every wait for a rate limit (429). */
  onWait?: (wait: LdRateLimitWait) => void;
  /** Validate each plan with `PATCH …?dryRun=true` (default true). */
  dryRun?: boolean;
  /** Replaces the timer of rate-limit waits (default: a real `setTimeout`). */
  sleep?: (ms: number) => Promise<void>;
}

/** Audit entries per list page (LaunchDarkly allows 1–20). */
const AUDIT_PAGE = 20;
/** With no cursor, how many of the newest audit entries per environment the first `historySince` reads. */
const FIRST_SYNC_ENTRIES = 40;
/**
 * With a cursor, at most this many entries per environment per call. The audit log lists
 * newest first, so in the (unlikely) case of more changes than this between two syncs the
 * oldest of them are skipped.
 */
const MAX_ENTRIES_PER_CALL = 2000;
/** Audit-entry detail requests in flight at once. */
const DETAIL_CONCURRENCY = 4;
/** Re-plans after a 409 before giving up. */
const MAX_CONFLICT_RETRIES = 2;

/** History cursor: the newest entry date seen (epoch ms) and the ids seen at that date. */
interface AuditCursor {
  date: number;
  ids: string[];
}

function parseCursor(cursor: string | null): AuditCursor | null {
  if (cursor === null) return null;
  const m = /^(\d+):(.*)$/.exec(cursor);
  if (!m) throw new ProviderError(`Invalid LaunchDarkly history cursor "${cursor}"`);
  return { date: Number(m[1]), ids: m[2] ? m[2].split(',') : [] };
}

function formatCursor(c: AuditCursor): string {
  return `${c.date}:${c.ids.join(',')}`;
}

/** Layers a patch touches (except the kill switch) whose value differs between two states. */
function movedLayers(patch: LayerPatch, basis: FlagLayers, fresh: FlagLayers): string[] {
  return Object.keys(patch).filter(
    (k) =>
      k !== 'enabled' &&
      JSON.stringify(basis[k as keyof FlagLayers]) !== JSON.stringify(fresh[k as keyof FlagLayers]),
  );
}

/**
 * Creates a {@link FlagProvider} for one LaunchDarkly project and its environments.
 *
 * - `listFlags`: `GET /api/v2/flags/{p}?env=e1&env=e2…&summary=0&limit=N&offset=0`,
 *   following `_links.next` to the last page; one {@link FlagState} per (flag, environment).
 * - `getFlag`: `GET /api/v2/flags/{p}/{key}?env={e}`.
 * - `planChange`: the pure plan (`planLaunchDarklyChange`), then — unless
 *   `dryRun: false` — the same semantic patch with `?dryRun=true`, which
 *   LaunchDarkly validates without saving; its answer adds a "dry run" line to
 *   the preview. A 400/422 from the dry run fails the plan with LaunchDarkly's
 *   message; 405 adds an "approval required" line; an unreachable server adds a
 *   note (the change can still be attempted and is audited).
 * - `executePlan`: for plans that change more than on/off, re-reads the flag
 *   first; if its version moved, re-plans on the fresh state and throws
 *   {@link ConflictError} when the instructions or the "before" values of the
 *   patched layers differ. Then sends the patch (`comment` = the reason). On 409
 *   it re-reads and re-plans the same way (at most twice) — never re-sends blindly.
 *   On 405 it throws a {@link ProviderError} saying approval is required, with a link.
 * - `historySince`: per environment `GET /api/v2/auditlog?spec=proj/{p}:env/{e}:flag/*&limit=20[&after=…]`
 *   (newest first, paged with `_links.next` / `before`), then `GET /api/v2/auditlog/{id}`
 *   for each new entry, diffing `previousVersion` → `currentVersion`.
 * - `health`: `GET /api/v2/flags/{p}?limit=1`; never throws.
 * Every request retries 429 answers after the wait LaunchDarkly asks for (reported through `onWait`).
 */
export function createLaunchDarklyProvider(config: LaunchDarklyProviderConfig): FlagProvider {
  const project = config.project;
  const base = config.url ?? DEFAULT_LD_URL;
  const shown = displayUrl(base);
  const environments = [...config.environments];
  if (environments.length === 0)
    throw new ProviderError(`LaunchDarkly provider "${config.name}" needs at least one environment`);
  const pageSize = config.pageSize ?? 100;
  const dryRun = config.dryRun ?? true;
  const request = createLaunchDarklyHttp({
    baseUrl: base,
    token: config.token,
    timeoutMs: config.timeoutMs ?? 10_000,
    providerName: config.name,
    onWait: config.onWait,
    sleep: config.sleep,
  });
  const p = encodeURIComponent(project);
  /** The basis state each plan was computed on (to tell what moved on a conflict). */
  const basisOf = new WeakMap<ChangePlan, FlagState>();

  async function readFlag(key: string, env: string): Promise<LdFlag> {
    try {
      const q = new URLSearchParams({ env });
      return (
        await request<LdFlag>('GET', `${flagPath(project, key)}?${q}`, { flagKey: key, environment: env })
      ).body;
    } catch (err) {
      if (err instanceof FlagNotFoundError)
        throw new FlagNotFoundError(
          `LaunchDarkly has no flag "${key}" in project "${project}" (${err.message})`,
        );
      throw err;
    }
  }

  function stateOf(flag: LdFlag, env: string): FlagState {
    const cfg = flag.environments?.[env];
    if (!cfg || !environments.includes(env))
      throw new FlagNotFoundError(
        `LaunchDarkly flag "${flag.key}" has no environment "${env}" in provider "${config.name}"`,
      );
    return toFlagState(config.name, project, flag, env, cfg, shown);
  }

  const getFlag = async (env: string, key: string): Promise<FlagState> => {
    if (!environments.includes(env))
      throw new FlagNotFoundError(`Provider "${config.name}" is not configured for environment "${env}"`);
    return stateOf(await readFlag(key, env), env);
  };

  const approvalMessage = (state: FlagState | undefined, key: string, env: string, ld: string): string => {
    const site =
      typeof state?.native.siteUrl === 'string'
        ? state.native.siteUrl
        : `${shown}/${encodeURIComponent(project)}/${encodeURIComponent(env)}/features/${encodeURIComponent(key)}`;
    return (
      `LaunchDarkly requires approval for changes to "${key}" in ${env} (HTTP 405: ${ld}). ` +
      `Nothing was changed; request approval in LaunchDarkly: ${site}`
    );
  };

  /** Sends a semantic patch; `dry` adds `?dryRun=true`. */
  const sendPatch = (key: string, body: LdSemanticPatch, dry: boolean) =>
    request<LdFlag>('PATCH', `${flagPath(project, key)}${dry ? '?dryRun=true' : ''}`, {
      body,
      semanticPatch: true,
      flagKey: key,
      environment: body.environmentKey,
    });

  /** Re-reads the flag and re-plans `plan.patch`; throws ConflictError when the change would differ from the confirmed one. */
  async function replan(plan: ChangePlan, sent: LdSemanticPatch, why: string): Promise<LdSemanticPatch> {
    const fresh = await getFlag(plan.environment, plan.key);
    const basis = basisOf.get(plan);
    const moved = basis ? movedLayers(plan.patch, basis.layers, fresh.layers) : [];
    let again: LdSemanticPatch | null;
    try {
      again = planLaunchDarklyChange(fresh, plan.patch, project, sent.comment, environments).body;
    } catch (err) {
      if (err instanceof UnsupportedChangeError)
        throw new ConflictError(
          `"${plan.key}" changed in LaunchDarkly (${plan.environment}) ${why}: ${err.message}`,
        );
      throw err;
    }
    const same = again !== null && JSON.stringify(again.instructions) === JSON.stringify(sent.instructions);
    if (!same || moved.length) {
      const detail = moved.length
        ? `${moved.map((l) => `${l} is now ${JSON.stringify(fresh.layers[l as keyof FlagLayers])} (was ${JSON.stringify(basis!.layers[l as keyof FlagLayers])})`).join(', ')}`
        : 'the change would now be sent differently';
      throw new ConflictError(
        `"${plan.key}" changed in LaunchDarkly (${plan.environment}) ${why}: ${detail}. Nothing was applied; review the new state and try again`,
      );
    }
    return again!;
  }

  return {
    name: config.name,
    kind: 'launchdarkly',
    url: shown,

    capabilities(): ProviderCapabilities {
      return { ...ALL_CAPABILITIES };
    },

    health(): Promise<ProviderHealth> {
      return timedHealth(
        () => request('GET', `/api/v2/flags/${p}?${new URLSearchParams({ limit: '1' })}`),
        `LaunchDarkly has no project "${project}"`,
      );
    },

    async listFlags(): Promise<FlagState[]> {
      const q = new URLSearchParams();
      for (const e of environments) q.append('env', e);
      q.set('summary', '0');
      q.set('limit', String(pageSize));
      q.set('offset', '0');
      let path: string | null = `/api/v2/flags/${p}?${q}`;
      const seenPaths = new Set<string>();
      const states: FlagState[] = [];
      while (path) {
        if (seenPaths.has(path))
          throw new ProviderError(`LaunchDarkly returned the same page twice while listing flags (${path})`);
        seenPaths.add(path);
        let page: LdFlagCollection;
        try {
          page = (await request<LdFlagCollection>('GET', path)).body;
        } catch (err) {
          if (err instanceof FlagNotFoundError)
            throw new ProviderError(`LaunchDarkly has no project "${project}" (${err.message})`, 404);
          throw err;
        }
        for (const flag of page.items ?? []) {
          for (const env of environments) {
            const cfg = flag.environments?.[env];
            if (cfg) states.push(toFlagState(config.name, project, flag, env, cfg, shown));
          }
        }
        const next = page._links?.next?.href;
        path = next && (page.items ?? []).length > 0 ? next : null;
      }
      return states;
    },

    getFlag,

    async planChange(current: FlagState, patch: LayerPatch, reason: string): Promise<ChangePlan> {
      const comment = reason.trim() || 'preview from Rollout Control Room';
      const pure = planLaunchDarklyChange(current, patch, project, comment, environments);
      const description = [...pure.description];
      if (dryRun && pure.body) {
        try {
          const res = await sendPatch(current.key, pure.body, true);
          const cfg = res.body?.environments?.[current.environment];
          if (cfg && res.body) {
            const after = environmentLayers(res.body, cfg);
            const off = Object.entries(patch).filter(
              ([k, v]) => JSON.stringify(after[k as keyof FlagLayers]) !== JSON.stringify(v),
            );
            description.push(
              off.length
                ? `LaunchDarkly dry run (dryRun=true): accepted, but the result differs for ${off.map(([k]) => k).join(', ')}`
                : 'LaunchDarkly dry run (dryRun=true): accepted, the result matches',
            );
          } else description.push('LaunchDarkly dry run (dryRun=true): accepted');
        } catch (err) {
          if (err instanceof LaunchDarklyApiError && (err.status === 400 || err.status === 422))
            throw new UnsupportedChangeError(
              `LaunchDarkly rejected the change to "${current.key}" in ${current.environment} (dry run, HTTP ${err.status}): ${err.ldMessage}`,
            );
          if (err instanceof LaunchDarklyApiError && err.status === 405)
            description.push(approvalMessage(current, current.key, current.environment, err.ldMessage));
          else if (err instanceof FlagNotFoundError) throw err;
          else if (err instanceof ProviderError)
            description.push(`LaunchDarkly dry run not possible: ${err.message}`);
          else throw err;
        }
      }
      const plan: ChangePlan = {
        environment: current.environment,
        key: current.key,
        patch,
        expectedVersion: current.version,
        description,
        requests: pure.requests,
      };
      basisOf.set(plan, current);
      return plan;
    },

    async executePlan(plan: ChangePlan, reason: string): Promise<ExecuteOutcome> {
      const first = plan.requests[0];
      if (!first) return { responses: [] };
      let body = {
        ...(first.body as LdSemanticPatch),
        comment: reason.trim() || (first.body as LdSemanticPatch).comment,
      };
      const onOffOnly = body.instructions.every((i) => i.kind === 'turnFlagOff' || i.kind === 'turnFlagOn');
      // On/off are absolute and never blocked (kill switch); anything else only goes out
      // against the state it was planned on.
      if (!onOffOnly && plan.expectedVersion !== null) {
        const now = await getFlag(plan.environment, plan.key);
        if (now.version !== plan.expectedVersion) body = await replan(plan, body, 'since it was read');
      }
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await sendPatch(plan.key, body, false);
          return {
            responses: [
              { method: 'PATCH', url: first.url, status: res.status, version: res.body?._version ?? null },
            ],
          };
        } catch (err) {
          if (err instanceof LaunchDarklyApiError && err.status === 405)
            throw new ProviderError(
              approvalMessage(basisOf.get(plan), plan.key, plan.environment, err.ldMessage),
              405,
            );
          if (err instanceof LaunchDarklyApiError && err.status === 409) {
            if (attempt >= MAX_CONFLICT_RETRIES)
              throw new ConflictError(
                `LaunchDarkly kept answering 409 (conflict) to the change of "${plan.key}" in ${plan.environment}: ${err.ldMessage}`,
              );
            body = await replan(plan, body, 'during the change (HTTP 409)');
            continue;
          }
          if (err instanceof LaunchDarklyApiError && (err.status === 400 || err.status === 422))
            throw new ProviderError(
              `LaunchDarkly rejected the change to "${plan.key}" in ${plan.environment} (HTTP ${err.status}): ${err.ldMessage}`,
              err.status,
            );
          throw err;
        }
      }
    },

    async historySince(cursor: string | null): Promise<HistoryPage> {
      const from = parseCursor(cursor);
      const listed = new Map<string, LdAuditEntryListing>();
      for (const env of environments) {
        const q = new URLSearchParams({
          spec: `proj/${project}:env/${env}:flag/*`,
          limit: String(AUDIT_PAGE),
        });
        // `after` is read as exclusive or inclusive alike: ask from 1 ms earlier and drop the ids already seen.
        if (from) q.set('after', String(Math.max(0, from.date - 1)));
        let path: string | null = `/api/v2/auditlog?${q}`;
        const cap = from ? MAX_ENTRIES_PER_CALL : FIRST_SYNC_ENTRIES;
        let count = 0;
        const seenPaths = new Set<string>();
        while (path && count < cap && !seenPaths.has(path)) {
          seenPaths.add(path);
          const page: LdAuditCollection = (await request<LdAuditCollection>('GET', path)).body;
          const items = page.items ?? [];
          for (const e of items) {
            count++;
            if (from && (e.date < from.date || (e.date === from.date && from.ids.includes(e._id)))) continue;
            if (e.kind && e.kind !== 'flag') continue;
            listed.set(e._id, e);
          }
          if (items.length < AUDIT_PAGE) break;
          const next: string | undefined = page._links?.next?.href;
          if (next) path = next;
          else {
            const oldest = Math.min(...items.map((e: LdAuditEntryListing) => e.date));
            const nq = new URLSearchParams(q);
            nq.set('before', String(oldest));
            path = `/api/v2/auditlog?${nq}`;
          }
        }
      }
      const entries = [...listed.values()].sort((a, b) => a.date - b.date || a._id.localeCompare(b._id));
      const details = await pMap(
        entries,
        async (e) => {
          try {
            return (await request<LdAuditEntry>('GET', `/api/v2/auditlog/${encodeURIComponent(e._id)}`)).body;
          } catch (err) {
            if (err instanceof FlagNotFoundError) return null;
            throw err;
          }
        },
        { concurrency: DETAIL_CONCURRENCY },
      );
      const events: ProviderHistoryEvent[] = [];
      for (const d of details) if (d) events.push(...auditEntryEvents(d, environments));
      let next: AuditCursor | null = from;
      for (const e of entries) {
        if (!next || e.date > next.date) next = { date: e.date, ids: [e._id] };
        else if (e.date === next.date && !next.ids.includes(e._id))
          next = { date: next.date, ids: [...next.ids, e._id] };
      }
      // An empty audit log still ends the "first read": later calls read everything after epoch 0.
      return { events, cursor: formatCursor(next ?? { date: 0, ids: [] }) };
    },
  };
}
