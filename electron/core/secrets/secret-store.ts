/**
 * Encrypted storage of provider tokens: `<data dir>/secrets.json`.
 *
 * The file holds only ciphertext, one entry per provider name:
 * ```json
 * { "version": 1, "tokens": { "prod-unleash": "<base64 ciphertext>" } }
 * ```
 * Encryption is injected as a {@link SecretCipher}: the desktop app passes one
 * backed by Electron's `safeStorage` (the OS keychain / DPAPI / libsecret key),
 * so the core stays free of Electron. The file is written atomically (temp file
 * + rename) with mode 0600. A token is never logged, returned over the contract
 * or written anywhere else.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CoreError } from '../errors.ts';

/** Name of the secrets file inside a data folder. */
export const SECRETS_FILE = 'secrets.json';

/** Encrypts and decrypts token strings with a key the OS protects. */
export interface SecretCipher {
  /** What protects the key, for messages, e.g. `"macOS Keychain"` or `"libsecret"`. */
  readonly description: string;
  /** `null` when encryption can be used, else why not (shown to the user). */
  unavailableReason(): string | null;
  /** @throws Error when encryption fails. */
  encrypt(plainText: string): Buffer;
  /** @throws Error when the ciphertext cannot be decrypted (other key, corrupt data). */
  decrypt(cipherText: Buffer): string;
}

/** Where provider tokens set by the user are kept. */
export interface SecretStore {
  /** What protects the tokens, for `session.info` and messages. */
  readonly description: string;
  /** The token of a provider, or `null` when none is stored or it cannot be decrypted. */
  get(provider: string): string | null;
  /** True when a token is stored for the provider (without decrypting it). */
  has(provider: string): boolean;
  /**
   * Encrypts and stores a token (replacing any previous one).
   * @throws CoreError `UNSUPPORTED` when the OS offers no usable encryption.
   */
  set(provider: string, token: string): void;
  /** Removes a stored token; returns whether one was stored. */
  delete(provider: string): boolean;
}

const SecretsFileSchema = z
  .object({
    version: z.literal(1),
    tokens: z.record(z.string(), z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')),
  })
  .strict();
type SecretsFile = z.infer<typeof SecretsFileSchema>;

/** Options of {@link createEncryptedFileSecretStore}. */
export interface EncryptedFileSecretStoreOptions {
  /** Path of the secrets file (usually `<data dir>/secrets.json`). */
  file: string;
  cipher: SecretCipher;
  /** Receives warnings (unreadable file, undecryptable entry); default `console.warn`. Never given a token. */
  warn?: (message: string) => void;
}

/**
 * A {@link SecretStore} in one JSON file of ciphertexts.
 *
 * A missing file is an empty store. A malformed file, or an entry that no
 * longer decrypts (e.g. the keychain entry was reset), is reported through
 * `warn` and treated as absent; the next `set` rewrites the file.
 */
export function createEncryptedFileSecretStore(options: EncryptedFileSecretStoreOptions): SecretStore {
  const { file, cipher } = options;
  const warn = options.warn ?? ((m: string) => console.warn(`rcr: ${m}`));

  const load = (): SecretsFile => {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, tokens: {} };
      warn(`cannot read ${file}: ${(error as Error).message}`);
      return { version: 1, tokens: {} };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      warn(`${file} is not valid JSON; stored tokens are ignored until a token is set again`);
      return { version: 1, tokens: {} };
    }
    const parsed = SecretsFileSchema.safeParse(raw);
    if (!parsed.success) {
      warn(`${file} has an unexpected shape; stored tokens are ignored until a token is set again`);
      return { version: 1, tokens: {} };
    }
    return parsed.data;
  };

  const save = (data: SecretsFile): void => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(tmp, file);
  };

  return {
    description: cipher.description,
    get(provider) {
      const entry = load().tokens[provider];
      if (entry === undefined) return null;
      if (cipher.unavailableReason() !== null) return null;
      try {
        const token = cipher.decrypt(Buffer.from(entry, 'base64'));
        return token ? token : null;
      } catch (error) {
        warn(
          `the stored token of provider "${provider}" cannot be decrypted (${(error as Error).message}); set it again`,
        );
        return null;
      }
    },
    has(provider) {
      return Object.hasOwn(load().tokens, provider);
    },
    set(provider, token) {
      const why = cipher.unavailableReason();
      if (why !== null)
        throw new CoreError('UNSUPPORTED', `tokens cannot be stored securely on this system: ${why}`);
      const data = load();
      const tokens = { ...data.tokens, [provider]: cipher.encrypt(token).toString('base64') };
      save({ version: 1, tokens });
    },
    delete(provider) {
      const data = load();
      if (!Object.hasOwn(data.tokens, provider)) return false;
      const tokens = Object.fromEntries(Object.entries(data.tokens).filter(([k]) => k !== provider));
      save({ version: 1, tokens });
      return true;
    },
  };
}
