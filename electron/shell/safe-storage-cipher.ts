/**
 * The desktop app's token encryption: Electron `safeStorage`, whose key lives
 * in the OS keychain (macOS Keychain, Windows DPAPI, libsecret / KWallet on
 * Linux). Plugged into the core's encrypted secrets file
 * (`core/secrets/secret-store.ts`), so the core never imports Electron.
 *
 * On Linux without a keyring Chromium falls back to `basic_text`, a key
 * hard-coded in Chromium: that is obfuscation, not encryption, so this cipher
 * refuses to store tokens there and the user is told to use an environment
 * variable or a 0600 token file instead.
 *
 * Must be used after `app.whenReady()` (safeStorage is not available before).
 */
import path from 'node:path';
import { safeStorage } from 'electron';
import type { SecretCipher, SecretStore } from '../core/secrets/secret-store.ts';
import { SECRETS_FILE, createEncryptedFileSecretStore } from '../core/secrets/secret-store.ts';

const DESCRIPTIONS: Partial<Record<NodeJS.Platform, string>> = {
  darwin: 'the macOS Keychain',
  win32: 'Windows DPAPI',
};

/** The `safeStorage`-backed cipher. */
export function createSafeStorageCipher(platform: NodeJS.Platform = process.platform): SecretCipher {
  const linuxBackend = (): string => (platform === 'linux' ? safeStorage.getSelectedStorageBackend() : 'os');
  return {
    get description() {
      return DESCRIPTIONS[platform] ?? `the OS keyring (${linuxBackend()})`;
    },
    unavailableReason() {
      if (!safeStorage.isEncryptionAvailable()) return 'the OS keychain is not available';
      if (platform === 'linux' && linuxBackend() === 'basic_text')
        return 'no keyring (GNOME Keyring / KWallet) is running, so Chromium would only obfuscate the token';
      return null;
    },
    encrypt(plainText) {
      return safeStorage.encryptString(plainText);
    },
    decrypt(cipherText) {
      return safeStorage.decryptString(cipherText);
    },
  };
}

/** The desktop app's secret store: `<data dir>/secrets.json`, encrypted with {@link createSafeStorageCipher}. */
export function createDesktopSecretStore(dataDir: string): SecretStore {
  return createEncryptedFileSecretStore({
    file: path.join(dataDir, SECRETS_FILE),
    cipher: createSafeStorageCipher(),
  });
}
