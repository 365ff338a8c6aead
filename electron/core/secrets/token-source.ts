/**
 * Where provider tokens come from, in this order:
 *
 * 1. the {@link SecretStore} (desktop app: encrypted with the OS keychain);
 * 2. the environment variable the provider config names (`tokenEnv`);
 * 3. a file named by the environment variable `<tokenEnv>_FILE` (the Docker /
 *    systemd-credentials convention). The file should have mode 0600; a file
 *    that group or others can read or write is still used, with a warning that
 *    names the file and its mode.
 *
 * The source remembers every token it hands out so {@link TokenSource.redact}
 * can scrub them from error messages and provider answers before those reach
 * SQLite, logs or the renderer.
 */
import fs from 'node:fs';
import type { SecretStore } from './secret-store.ts';

/** The fields of a provider config a token lookup needs. */
export interface TokenConfig {
  name: string;
  tokenEnv: string;
}

/** Hands out provider tokens and scrubs them from text. */
export interface TokenSource {
  /** Marks this object as a token source (vs. a plain environment object). */
  readonly kind: 'token-source';
  /** The provider's token, or `null` when no source has one. */
  read(config: TokenConfig): string | null;
  /** Where the token is looked up, in words (for the "token missing" message). Never contains a token. */
  describe(config: TokenConfig): string;
  /** `text` with every token this source has handed out (and its URL/JSON-escaped forms) replaced by `[redacted]`. */
  redact(text: string): string;
  /** True when `text` contains a token this source has handed out. */
  leaks(text: string): boolean;
}

/** Options of {@link createTokenSource}. */
export interface TokenSourceOptions {
  env: NodeJS.ProcessEnv;
  /** Encrypted store (desktop app); absent in CLI and browser mode. */
  secretStore?: SecretStore;
  /** Receives warnings (loose file permissions, unreadable file); default `console.warn`. Never given a token. */
  warn?: (message: string) => void;
  /** Platform, for the permission check (default `process.platform`; Windows has no mode bits). */
  platform?: NodeJS.Platform;
}

/** Largest token file read, bytes. */
const MAX_TOKEN_FILE_BYTES = 64 * 1024;
/** Shorter tokens are not redacted: they would match too much ordinary text. */
const MIN_REDACT_LENGTH = 6;
/** What a token is replaced with in redacted text. */
export const REDACTED = '[redacted]';

/** The environment variable that names a provider's token file. */
export function tokenFileEnv(config: TokenConfig): string {
  return `${config.tokenEnv}_FILE`;
}

/** Creates the token source of one core. */
export function createTokenSource(options: TokenSourceOptions): TokenSource {
  const warn = options.warn ?? ((m: string) => console.warn(`rcr: warning: ${m}`));
  const platform = options.platform ?? process.platform;
  const handedOut = new Set<string>();
  const warned = new Set<string>();
  let patterns: string[] = [];

  const remember = (token: string): string => {
    if (token.length >= MIN_REDACT_LENGTH && !handedOut.has(token)) {
      handedOut.add(token);
      const forms = new Set<string>();
      for (const t of handedOut) {
        forms.add(t);
        forms.add(encodeURIComponent(t));
        forms.add(JSON.stringify(t).slice(1, -1));
        forms.add(Buffer.from(t).toString('base64'));
      }
      // Longest first so a token that contains another is replaced whole.
      patterns = [...forms].sort((a, b) => b.length - a.length);
    }
    return token;
  };

  const warnOnce = (key: string, message: string): void => {
    if (warned.has(key)) return;
    warned.add(key);
    warn(message);
  };

  const readFile = (config: TokenConfig, file: string): string | null => {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch (error) {
      warnOnce(
        `missing:${file}`,
        `token file ${file} (${tokenFileEnv(config)}, provider "${config.name}") cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      );
      return null;
    }
    if (!stat.isFile() || stat.size > MAX_TOKEN_FILE_BYTES) {
      warnOnce(
        `shape:${file}`,
        `token file ${file} (provider "${config.name}") is not a regular file of at most 64 KiB; ignored`,
      );
      return null;
    }
    const mode = stat.mode & 0o777;
    if (platform !== 'win32' && (mode & 0o077) !== 0) {
      warnOnce(
        `mode:${file}`,
        `token file ${file} (provider "${config.name}") has mode ${mode.toString(8).padStart(4, '0')}; ` +
          `other users may read it. Run: chmod 600 ${file}`,
      );
    }
    const token = fs.readFileSync(file, 'utf8').trim();
    return token ? token : null;
  };

  return {
    kind: 'token-source',
    read(config) {
      const stored = options.secretStore?.get(config.name);
      if (stored) return remember(stored);
      const fromEnv = options.env[config.tokenEnv];
      if (fromEnv) return remember(fromEnv);
      const file = options.env[tokenFileEnv(config)];
      if (file) {
        const fromFile = readFile(config, file);
        if (fromFile) return remember(fromFile);
      }
      return null;
    },
    describe(config) {
      const store = options.secretStore
        ? `, or set the token in the app (stored with ${options.secretStore.description})`
        : '';
      return (
        `environment variable ${config.tokenEnv} (the token of provider "${config.name}") is not set; ` +
        `set it, or set ${tokenFileEnv(config)} to the path of a 0600 file holding the token${store}`
      );
    },
    redact(text) {
      if (patterns.length === 0 || typeof text !== 'string') return text;
      let out = text;
      for (const p of patterns) if (out.includes(p)) out = out.split(p).join(REDACTED);
      return out;
    },
    leaks(text) {
      return patterns.some((p) => text.includes(p));
    },
  };
}

/** True when `value` is a {@link TokenSource} (rather than a plain environment object). */
export function isTokenSource(value: unknown): value is TokenSource {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'token-source' &&
    typeof (value as { read?: unknown }).read === 'function'
  );
}
