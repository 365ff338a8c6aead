/**
 * `rcr bucket`: the providers' exact bucketing of targeting keys, offline (no
 * database, no provider). See docs/audience-preview.md.
 *
 * - `--scheme launchdarkly --flag KEY --salt SALT [--seed N]` → `[{key, bucket}]`, bucket in [0, 1];
 * - `--scheme unleash --group-id G [--rollout P]` → `[{key, bucket, included}]`, bucket 1–100
 *   (`included` only with `--rollout`);
 * - `--scheme local --flag KEY [--rollout P]` → the same, with groupId = the flag key.
 *
 * Keys: `--keys k1,k2` or `--keys-file FILE` (one key per line, or a CSV with a `key` column).
 */
import { launchDarklyBucket } from '../../core/audience/launchdarkly-bucket.ts';
import { readKeyFile } from '../../core/audience/key-file.ts';
import { unleashBucket, unleashIncluded } from '../../core/audience/unleash-bucket.ts';
import { printJsonArray, UsageError, type GlobalOptions } from '../cli-context.ts';

/** Options of `rcr bucket`, as given on the command line (numbers still strings; checked by the command). */
export interface BucketArgs {
  scheme?: string;
  flag?: string;
  salt?: string;
  seed?: string;
  groupId?: string;
  rollout?: string;
  keys?: string;
  keysFile?: string;
}

const USAGE =
  'usage: rcr bucket --scheme launchdarkly --flag KEY --salt SALT [--seed N] (--keys k1,k2 | --keys-file FILE) [--json]\n' +
  '       rcr bucket --scheme unleash --group-id G [--rollout P] (--keys k1,k2 | --keys-file FILE) [--json]\n' +
  '       rcr bucket --scheme local --flag KEY [--rollout P] (--keys k1,k2 | --keys-file FILE) [--json]';

function keysOf(a: BucketArgs): string[] {
  if ((a.keys === undefined) === (a.keysFile === undefined))
    throw new UsageError(`bucket: give exactly one of --keys k1,k2 or --keys-file FILE\n${USAGE}`);
  const keys =
    a.keys !== undefined
      ? a.keys.split(',').map((k, i) => {
          const t = k.trim();
          if (!t) throw new UsageError(`bucket: --keys has an empty key at position ${i + 1}`);
          return t;
        })
      : readKeyFile(a.keysFile!);
  if (!keys.length) throw new UsageError('bucket: the key list is empty: give at least one targeting key');
  return keys;
}

function rolloutOf(value: string | undefined): number | null {
  if (value === undefined) return null;
  const r = Number(value);
  if (value.trim() === '' || !(r >= 0 && r <= 100))
    throw new UsageError(`bucket: --rollout must be a number between 0 and 100, not "${value}"`);
  return r;
}

/** Runs `rcr bucket`; returns the exit code. */
export async function bucketCommand(g: GlobalOptions, a: BucketArgs): Promise<number> {
  const need = (name: string, v: string | undefined): string => {
    if (v === undefined)
      throw new UsageError(`bucket: --${name} is required for --scheme ${a.scheme}\n${USAGE}`);
    return v;
  };
  let rows: { key: string; bucket: number; included?: boolean }[];
  switch (a.scheme) {
    case 'launchdarkly': {
      let seed: number | null = null;
      if (a.seed !== undefined) {
        seed = Number(a.seed);
        if (a.seed.trim() === '' || !Number.isSafeInteger(seed))
          throw new UsageError(`bucket: --seed must be an integer, not "${a.seed}"`);
      }
      const params = { flagKey: need('flag', a.flag), salt: need('salt', a.salt), seed };
      rows = keysOf(a).map((key) => ({ key, bucket: launchDarklyBucket(params, key) }));
      break;
    }
    case 'unleash':
    case 'local': {
      const groupId = a.scheme === 'unleash' ? need('group-id', a.groupId) : need('flag', a.flag);
      const rollout = rolloutOf(a.rollout);
      rows = keysOf(a).map((key) => {
        const bucket = unleashBucket(groupId, key);
        return rollout === null
          ? { key, bucket }
          : { key, bucket, included: unleashIncluded(bucket, rollout) };
      });
      break;
    }
    default:
      throw new UsageError(
        `bucket: --scheme must be launchdarkly, unleash or local${a.scheme ? `, not "${a.scheme}"` : ''}\n${USAGE}`,
      );
  }
  if (g.json) await printJsonArray(rows);
  else {
    const withIncluded = rows.some((r) => r.included !== undefined);
    process.stdout.write(`KEY\tBUCKET${withIncluded ? '\tINCLUDED' : ''}\n`);
    for (const r of rows)
      process.stdout.write(`${r.key}\t${r.bucket}${withIncluded ? `\t${r.included ? 'yes' : 'no'}` : ''}\n`);
  }
  return 0;
}
