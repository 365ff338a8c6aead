/** Provider-native details (`flag.native`) and variants, as a small key/value list. */
import type { FleetRow } from '../../../shared/domain.ts';
import { formatDateTime, formatPercent } from '../../lib/format.ts';
import { formatNative } from '../../lib/layer-format.ts';

/** The "Provider details" panel of a flag: kinds, version, times, native details and variants. */
export function NativeDetails({ flag }: { flag: FleetRow }) {
  const entries = Object.entries(flag.native);
  return (
    <section className="panel" aria-labelledby="native-heading">
      <h3 id="native-heading">Provider details</h3>
      <dl className="kv" aria-label="Native details">
        <div className="kv-row">
          <dt>Provider kind</dt>
          <dd>{flag.providerKind}</dd>
        </div>
        <div className="kv-row">
          <dt>Flag kind</dt>
          <dd>{flag.kind}</dd>
        </div>
        <div className="kv-row">
          <dt>Version</dt>
          <dd className="mono">{formatNative(flag.version)}</dd>
        </div>
        <div className="kv-row">
          <dt>Updated</dt>
          <dd>{formatDateTime(flag.updatedAt)}</dd>
        </div>
        <div className="kv-row">
          <dt>Read from provider</dt>
          <dd>{formatDateTime(flag.syncedAt)}</dd>
        </div>
        {entries.map(([k, v]) => (
          <div className="kv-row" key={k} data-native-key={k}>
            <dt className="mono">{k}</dt>
            <dd className="mono">{formatNative(v)}</dd>
          </div>
        ))}
      </dl>
      {flag.variants.length > 0 ? (
        <>
          <h4>Variants</h4>
          <ul className="variants">
            {flag.variants.map((v) => (
              <li key={v.key}>
                <span className="mono">{v.key}</span>
                {v.weightPercent !== null ? (
                  <span className="muted"> · {formatPercent(v.weightPercent)}</span>
                ) : null}
                {v.value !== undefined ? (
                  <span className="muted mono"> · {formatNative(v.value)}</span>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
