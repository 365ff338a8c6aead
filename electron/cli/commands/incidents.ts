/**
 * `rcr incidents [--all] [--json]`: the flags in trouble (`incidents.list`) — open incidents first,
 * closed ones too with `--all`. `--json` prints one {@link IncidentJson} per incident (stable; new
 * keys may be added).
 */
import type { Incident } from '../../../shared/incidents.ts';
import { killSwitchWord } from '../../../shared/layer-words.ts';
import { openCliCore, printJson, syncFirst, unwrap, type GlobalOptions } from '../cli-context.ts';
import { flagId } from '../../../shared/domain.ts';

/** One incident as `rcr incidents --json` prints it. */
export interface IncidentJson {
  /** Stored incident id; null for a guardrail breached now without a recorded incident. */
  id: number | null;
  provider: string;
  environment: string;
  key: string;
  state: 'open' | 'closed';
  /** What it is about: `killed`, `rolled-back`, `paused` or `breached`. */
  cause: Incident['kind'];
  openedAt: string;
  /** The operator, `monitor`, or the provider's actor of a kill seen by sync. */
  openedBy: string;
  closedAt: string | null;
  closedBy: string | null;
  /** Why it was opened (one sentence). */
  reason: string;
  /** Why it was closed, or null while open. */
  closeReason: string | null;
  /** The provider confirmed the kill switch Killed during the incident. */
  killed: boolean;
  /** The flag's confirmed kill switch now: true = Serving, false = Killed, null = unknown. */
  enabled: boolean | null;
}

/** Maps an incident to {@link IncidentJson}. */
export function toIncidentJson(i: Incident): IncidentJson {
  return {
    id: i.id > 0 ? i.id : null,
    provider: i.flag.provider,
    environment: i.flag.environment,
    key: i.flag.key,
    state: i.state,
    cause: i.kind,
    openedAt: i.openedAt,
    openedBy: i.openedBy,
    closedAt: i.closedAt,
    closedBy: i.closedBy,
    reason: i.reason,
    closeReason: i.closeReason,
    killed: i.killed,
    enabled: i.layers?.enabled ?? null,
  };
}

/**
 * Runs `rcr incidents [--all] [--json]` (sync first, then `incidents.list`); returns the exit code.
 * @throws CoreError when the core refuses the call.
 */
export async function incidentsCommand(g: GlobalOptions, a: { all: boolean }): Promise<number> {
  const core = await openCliCore(g);
  try {
    // A kill made in a provider's own UI becomes an incident when sync sees it.
    await syncFirst(core, g);
    const list = unwrap(await core.invoke('incidents.list', { includeClosed: a.all })).map(toIncidentJson);
    if (g.json) {
      printJson(list);
      return 0;
    }
    if (!list.length) process.stdout.write(a.all ? 'no incidents recorded\n' : 'no open incidents\n');
    for (const i of list) {
      const flag = flagId(i);
      const now = i.enabled === null ? '' : ` — flag ${killSwitchWord(i.enabled)}`;
      process.stdout.write(
        `${i.id === null ? '#-' : `#${i.id}`} ${i.state.toUpperCase()} ${i.cause}  ${flag}${now}\n` +
          `    opened ${i.openedAt} by ${i.openedBy}: ${i.reason}\n` +
          (i.closedAt ? `    closed ${i.closedAt} by ${i.closedBy}: ${i.closeReason}\n` : ''),
      );
    }
    return 0;
  } finally {
    await core.close();
  }
}
