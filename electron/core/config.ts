/**
 * The control room's config file: `<data dir>/config.json`.
 *
 * Holds providers and environments, never tokens: a provider names the
 * environment variable its token is read from (`tokenEnv`). Example:
 * ```json
 * { "version": 1, "syncIntervalMs": 15000,
 *   "providers": [ { "name": "local", "kind": "local" },
 *     { "name": "prod-unleash", "kind": "unleash", "url": "https://unleash.example.com",
 *       "tokenEnv": "UNLEASH_ADMIN_TOKEN", "project": "default", "environments": ["production"] } ],
 *   "dataSources": { "prometheus": [ { "name": "prod", "url": "http://prometheus:9090" } ] } }
 * ```
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ErrorCode } from '../../shared/contract.ts';
import { describeZodError } from '../../shared/zod-errors.ts';
import { DataSourceNameSchema } from '../../shared/metrics.ts';
import { parseSourceUrl } from './metrics/source-url.ts';

const ProviderName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/i, 'must be 1–63 letters, digits, "-" or "_"');
const EnvVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

/** The embedded provider: `{ name, kind: 'local' }` (no URL, no token). */
export const LocalProviderConfigSchema = z.object({ name: ProviderName, kind: z.literal('local') }).strict();

/**
 * An Unleash server: its base `url`, the environment variable holding its admin token (`tokenEnv`), the
 * `project` (default `default`) and the `environments` to read (absent or empty: all).
 */
export const UnleashProviderConfigSchema = z
  .object({
    name: ProviderName,
    kind: z.literal('unleash'),
    url: z.string().url('must be a URL like https://unleash.example.com'),
    tokenEnv: EnvVarName,
    project: z.string().min(1).default('default'),
    environments: z.array(z.string().min(1)).optional(),
  })
  .strict();

/** A custom flag service implementing docs/provider-api.yaml (`Authorization: Bearer <token>`). */
export const HttpProviderConfigSchema = z
  .object({
    name: ProviderName,
    kind: z.literal('http'),
    url: z.string().url('must be a URL like https://flags.internal.example.com'),
    tokenEnv: EnvVarName,
    environments: z.array(z.string().min(1)).optional(),
  })
  .strict();

/**
 * A LaunchDarkly project (REST API v2, docs/providers/launchdarkly.md). `url`: the
 * commercial instance by default; EU `https://app.eu.launchdarkly.com`, federal
 * `https://app.launchdarkly.us`. The access token (not an SDK key) is read from `tokenEnv`.
 */
export const LaunchDarklyProviderConfigSchema = z
  .object({
    name: ProviderName,
    kind: z.literal('launchdarkly'),
    url: z
      .string()
      .url('must be a URL like https://app.launchdarkly.com')
      .default('https://app.launchdarkly.com'),
    tokenEnv: EnvVarName,
    project: z.string().min(1, 'project is the LaunchDarkly project key'),
    environments: z
      .array(z.string().min(1))
      .min(1, 'name at least one LaunchDarkly environment key, e.g. ["production"]'),
  })
  .strict();

/** One configured provider, told apart by `kind`; its `name` is 1–63 letters, digits, "-" or "_". */
export const ProviderConfigSchema = z.discriminatedUnion('kind', [
  LocalProviderConfigSchema,
  UnleashProviderConfigSchema,
  HttpProviderConfigSchema,
  LaunchDarklyProviderConfigSchema,
]);
/** One configured provider (see {@link ProviderConfigSchema}). */
export type ProviderConfig = z.infer<typeof ProviderConfigSchema>;

/**
 * Staged rollouts (docs/rollouts.md): the monitor's interval (5 s – 1 h), whether the app runs it,
 * how many decision records are kept, and an optional outgoing webhook (Slack-compatible JSON,
 * HMAC-SHA256 signed with the secret read from the environment variable `secretEnv`).
 */
export const RolloutsConfigSchema = z
  .object({
    monitor: z.boolean().default(true),
    monitorIntervalMs: z.number().int().min(5000).max(3_600_000).default(30_000),
    decisionRetention: z.number().int().min(100).max(10_000_000).default(50_000),
    webhook: z
      .object({
        url: z.string().url('must be a URL like https://hooks.slack.com/services/…'),
        secretEnv: EnvVarName,
      })
      .strict()
      .optional(),
  })
  .strict();
/** The `rollouts` section (see {@link RolloutsConfigSchema}). */
export type RolloutsConfig = z.infer<typeof RolloutsConfigSchema>;

/**
 * One allow-listed data source: `name` (what metric definitions name), its base `url` (parsed
 * strictly: http/https, no credentials, fragment or query — `parseSourceUrl`), and an optional
 * per-request timeout in ms (100 ms – 2 min; default 5 s).
 */
export const DataSourceConfigSchema = z
  .object({
    name: DataSourceNameSchema,
    url: z.string().superRefine((url, ctx) => {
      const check = parseSourceUrl(url);
      if (!check.ok)
        ctx.addIssue({ code: 'custom', message: `not an acceptable source URL: ${check.reason}` });
    }),
    timeoutMs: z.number().int().min(100).max(120_000).optional(),
  })
  .strict();
/** One allow-listed data source (see {@link DataSourceConfigSchema}). */
export type DataSourceConfig = z.infer<typeof DataSourceConfigSchema>;

/**
 * The data-source allow-list (docs/prometheus.md, "Data sources"): the only base URLs the core
 * ever queries for metrics. Set by the local user (`rcr sources add|remove`, or by editing this
 * file); no channel of the contract writes it.
 */
export const DataSourcesConfigSchema = z
  .object({ prometheus: z.array(DataSourceConfigSchema).default([]) })
  .strict()
  .superRefine((d, ctx) => {
    const seen = new Set<string>();
    d.prometheus.forEach((s, i) => {
      if (seen.has(s.name))
        ctx.addIssue({
          code: 'custom',
          path: ['prometheus', i, 'name'],
          message: `duplicate data source "${s.name}"`,
        });
      seen.add(s.name);
    });
  });
/** The data-source allow-list (see {@link DataSourcesConfigSchema}). */
export type DataSourcesConfig = z.infer<typeof DataSourcesConfigSchema>;

/**
 * The whole config file (version 1): the sync interval in ms (1 s – 1 h, default 15 s), the actor, the
 * providers (names unique), and the optional `rollouts` and `dataSources` sections. Unknown keys are
 * refused.
 */
export const ConfigSchema = z
  .object({
    version: z.literal(1),
    /** Provider polling interval, ms (1 s – 1 h). */
    syncIntervalMs: z.number().int().min(1000).max(3_600_000).default(15_000),
    /** Name recorded as the actor of actions; defaults to the OS user. */
    actor: z.string().min(1).optional(),
    providers: z.array(ProviderConfigSchema),
    rollouts: RolloutsConfigSchema.optional(),
    /** Allow-listed metric data sources (Prometheus); absent = none. */
    dataSources: DataSourcesConfigSchema.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.providers.forEach((p, i) => {
      if (seen.has(p.name))
        ctx.addIssue({
          code: 'custom',
          path: ['providers', i, 'name'],
          message: `duplicate provider "${p.name}"`,
        });
      seen.add(p.name);
    });
  });
/** The config file's content (see {@link ConfigSchema}). */
export type Config = z.infer<typeof ConfigSchema>;

/** The config a new data folder starts with: the embedded provider only. */
export function defaultConfig(): Config {
  return { version: 1, syncIntervalMs: 15_000, providers: [{ name: 'local', kind: 'local' }] };
}

/** The config file is unreadable or invalid; the message names the file and the bad field. */
export class ConfigError extends Error {
  /** The contract error code this maps to (`toApiError` in `errors.ts`). */
  readonly apiCode: ErrorCode = 'BAD_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the config file; creates it with {@link defaultConfig} when absent.
 * @throws ConfigError naming the file and field, e.g. `config.json: providers.1.url: must be a URL…`.
 */
export function loadConfig(file: string): Config {
  if (!fs.existsSync(file)) {
    const config = defaultConfig();
    saveConfig(file, config);
    return config;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${file}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/** Writes the config atomically (temp file + rename), mode 0600. */
export function saveConfig(file: string, config: Config): void {
  const checked = ConfigSchema.parse(config);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(checked, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
