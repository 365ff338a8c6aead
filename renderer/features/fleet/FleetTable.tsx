/**
 * The fleet table: virtualized (smooth with thousands of rows), one focusable
 * row per flag with a roving tab stop. Arrow keys / Home / End / PageUp /
 * PageDown move between rows, Enter opens the flag page.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { FlagRef, FleetRow } from '../../../shared/domain.ts';
import { KillBadge, StaleBadge } from '../../components/Badges.tsx';
import { useNow } from '../../lib/clock.ts';
import { formatDateTime, formatPercent, formatRelative } from '../../lib/format.ts';
import { formatModel, formatThreshold } from '../../lib/layer-format.ts';
import { refId, sameRef } from '../../lib/flag-ref.ts';
import { useOpenIncidentsStore } from '../incident/open-incidents-store.ts';
import { openRestore, openRollback } from '../rollback/rollback-store.ts';
import { INCIDENT_KIND_LABEL } from '../incident/incident-words.ts';

/** Height of one fleet row, in px (the virtualizer's row size). */
export const ROW_HEIGHT = 44;
/** Height of the sticky header row (keep in sync with `.fleet-header-row` in features/fleet/fleet.css). */
export const HEADER_HEIGHT = 36;

const COLUMNS: { id: string; label: string; srOnly?: boolean }[] = [
  { id: 'provider', label: 'Provider' },
  { id: 'environment', label: 'Environment' },
  { id: 'key', label: 'Flag' },
  { id: 'enabled', label: 'Kill switch' },
  { id: 'rolloutPercent', label: 'Rollout' },
  { id: 'confidenceThreshold', label: 'Threshold' },
  { id: 'modelVersion', label: 'Model' },
  { id: 'lastChange', label: 'Last change' },
  { id: 'stale', label: 'Freshness' },
  { id: 'actions', label: 'Actions', srOnly: true },
];

interface RowProps {
  row: FleetRow;
  index: number;
  start: number;
  active: boolean;
  onOpen: (ref: FlagRef) => void;
  onActivate: (index: number) => void;
}

const FleetRowView = memo(function FleetRowView({ row, index, start, active, onOpen, onActivate }: RowProps) {
  const now = useNow();
  const changedAt = row.lastChangeAt ?? row.updatedAt;
  const incident = useOpenIncidentsStore((s) => s.kindByFlag[refId(row)] ?? null);
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      data-index={index}
      data-flag-key={row.key}
      data-provider={row.provider}
      data-environment={row.environment}
      data-enabled={row.layers.enabled ? 'true' : 'false'}
      data-stale={row.stale ? 'true' : 'false'}
      data-incident={incident ?? ''}
      tabIndex={active ? 0 : -1}
      className={`fleet-row ${row.layers.enabled ? '' : 'is-killed'} ${row.stale ? 'is-stale' : ''}`}
      style={{ transform: `translateY(${start}px)` }}
      onClick={() => onOpen(row)}
      onFocus={() => onActivate(index)}
    >
      <div role="cell" data-col="provider" className="cell">
        {row.provider}
      </div>
      <div role="cell" data-col="environment" className="cell">
        {row.environment}
      </div>
      <div role="cell" data-col="key" className="cell cell-key">
        <span className="flag-key">{row.key}</span>
        {row.name && row.name !== row.key ? <span className="flag-name">{row.name}</span> : null}
      </div>
      <div role="cell" data-col="enabled" className="cell cell-kill">
        <KillBadge enabled={row.layers.enabled} />
        {incident ? (
          <span
            className={`incident-mark ro-kind-${incident}`}
            role="img"
            aria-label={`open incident: ${INCIDENT_KIND_LABEL[incident]}`}
            title={`Open incident: ${INCIDENT_KIND_LABEL[incident]} (Incident mode, Shift+I)`}
          >
            !
          </span>
        ) : null}
      </div>
      <div role="cell" data-col="rolloutPercent" className="cell num">
        {formatPercent(row.layers.rolloutPercent)}
      </div>
      <div role="cell" data-col="confidenceThreshold" className="cell num">
        {formatThreshold(row.layers.confidenceThreshold)}
      </div>
      <div role="cell" data-col="modelVersion" className="cell mono">
        {formatModel(row.layers.modelVersion)}
      </div>
      <div role="cell" data-col="lastChange" className="cell" title={formatDateTime(changedAt)}>
        {formatRelative(changedAt, now)}
      </div>
      <div role="cell" data-col="stale" className="cell">
        {row.stale ? <StaleBadge syncedAt={row.syncedAt} now={now} /> : null}
      </div>
      <div role="cell" data-col="actions" className="cell cell-actions">
        {/* A serving flag is rolled back; a killed one is restored (the inverse of its kill). */}
        <button
          type="button"
          className={`btn btn-small ${row.layers.enabled ? 'btn-danger-outline' : ''}`}
          tabIndex={active ? 0 : -1}
          onClick={(e) => {
            e.stopPropagation();
            if (row.layers.enabled) openRollback(row);
            else openRestore(row);
          }}
          onKeyDown={(e) => e.stopPropagation()}
        >
          {row.layers.enabled ? 'Roll back' : 'Restore'}
        </button>
      </div>
    </div>
  );
});

/** What the fleet table shows and what it calls when a row is opened. */
export interface FleetTableProps {
  rows: FleetRow[];
  totalCount: number;
  onOpen: (ref: FlagRef) => void;
  /** Row to focus when the table mounts (e.g. the flag the user came back from). */
  restoreFocusTo: FlagRef | null;
}

/** The virtualized fleet table (see the file comment for the keyboard). */
export function FleetTable({ rows, totalCount, onOpen, restoreFocusTo }: FleetTableProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [restoreIndex] = useState(() =>
    restoreFocusTo ? rows.findIndex((r) => sameRef(r, restoreFocusTo)) : -1,
  );
  const [activeIndex, setActiveIndex] = useState(() => Math.max(0, restoreIndex));
  const active = Math.min(activeIndex, rows.length - 1);
  const pendingFocus = useRef<number | null>(null);

  // eslint-disable-next-line react-hooks/incompatible-library -- useVirtualizer returns functions; not memoized by a compiler here
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // Rows start below the sticky header inside the same scroll container.
    scrollMargin: HEADER_HEIGHT,
    scrollPaddingStart: HEADER_HEIGHT,
    getItemKey: (i) => {
      const r = rows[i];
      return r ? refId(r) : i;
    },
  });

  const focusRow = (index: number) => {
    const el = scrollRef.current?.querySelector<HTMLElement>(`[role="row"][data-index="${index}"]`);
    if (el) {
      el.focus({ preventScroll: true });
      pendingFocus.current = null;
      return true;
    }
    return false;
  };

  // Focus the row that keyboard navigation moved to once it is rendered.
  useEffect(() => {
    const target = pendingFocus.current;
    if (target === null) return;
    if (!focusRow(target)) {
      const raf = requestAnimationFrame(() => {
        focusRow(target);
      });
      return () => cancelAnimationFrame(raf);
    }
  });

  // Coming back from a flag page: scroll to its row and focus it.
  useEffect(() => {
    if (restoreIndex < 0) return;
    virtualizer.scrollToIndex(restoreIndex, { align: 'center' });
    pendingFocus.current = restoreIndex;
    const raf = requestAnimationFrame(() => {
      focusRow(restoreIndex);
    });
    return () => cancelAnimationFrame(raf);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only on mount
  }, []);

  const moveTo = (index: number) => {
    const next = Math.max(0, Math.min(rows.length - 1, index));
    setActiveIndex(next);
    pendingFocus.current = next;
    virtualizer.scrollToIndex(next, { align: 'auto' });
    focusRow(next);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const rowEl = (e.target as HTMLElement).closest<HTMLElement>('[role="row"][data-index]');
    if (!rowEl) return;
    const index = Number(rowEl.dataset.index);
    const page = Math.max(
      1,
      Math.floor((scrollRef.current?.clientHeight ?? ROW_HEIGHT * 10) / ROW_HEIGHT) - 1,
    );
    switch (e.key) {
      case 'ArrowDown':
        moveTo(index + 1);
        break;
      case 'ArrowUp':
        moveTo(index - 1);
        break;
      case 'PageDown':
        moveTo(index + page);
        break;
      case 'PageUp':
        moveTo(index - page);
        break;
      case 'Home':
        moveTo(0);
        break;
      case 'End':
        moveTo(rows.length - 1);
        break;
      case 'Enter':
      case ' ': {
        if (e.target !== rowEl) return;
        const row = rows[index];
        if (row) onOpen(row);
        break;
      }
      default:
        return;
    }
    e.preventDefault();
  };

  const items = virtualizer.getVirtualItems();

  return (
    <div
      ref={scrollRef}
      className="fleet-table"
      role="table"
      aria-label="Fleet"
      aria-rowcount={rows.length + 1}
      data-total={totalCount}
      data-visible={rows.length}
      onKeyDown={onKeyDown}
    >
      <div role="rowgroup" className="fleet-head">
        <div role="row" className="fleet-row fleet-header-row" aria-rowindex={1}>
          {COLUMNS.map((c) => (
            <div role="columnheader" key={c.id} data-col={c.id} className="cell">
              {c.srOnly ? <span className="sr-only">{c.label}</span> : c.label}
            </div>
          ))}
        </div>
      </div>
      <div role="rowgroup" className="fleet-body" style={{ height: virtualizer.getTotalSize() }}>
        {items.map((item) => {
          const row = rows[item.index];
          if (!row) return null;
          return (
            <FleetRowView
              key={item.key}
              row={row}
              index={item.index}
              start={item.start - HEADER_HEIGHT}
              active={item.index === active}
              onOpen={onOpen}
              onActivate={setActiveIndex}
            />
          );
        })}
      </div>
    </div>
  );
}
