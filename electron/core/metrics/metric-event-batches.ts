/**
 * Metric events in compact column batches, so they can cross from the parsing
 * worker to the aggregating thread as transferable typed arrays instead of
 * millions of objects. A series (flag, metric, variant) is sent once, then
 * referred to by its index.
 */
import type { MetricEvent } from './metric-events-reader.ts';

/** One flag × metric × variant, by its index in the import. */
export interface SeriesName {
  flagKey: string;
  metric: string;
  variant: string;
}

/** Events `0 … length-1`: series index, timestamp (ms since epoch) and value. */
export interface EventBatch {
  /** Series first seen in this batch; their indexes continue those of earlier batches. */
  newSeries: SeriesName[];
  series: Int32Array;
  timestamps: Float64Array;
  values: Float64Array;
  length: number;
}

/** Events per batch. */
export const BATCH_EVENTS = 32_768;

/** Collects events into batches of {@link BATCH_EVENTS} and hands each full batch to `emit`. */
export class BatchBuilder {
  private readonly emit: (b: EventBatch) => void;
  private readonly ids = new Map<string, Map<string, Map<string, number>>>();
  private count = 0;
  private batch: EventBatch = BatchBuilder.empty();

  constructor(emit: (b: EventBatch) => void) {
    this.emit = emit;
  }

  private static empty(): EventBatch {
    return {
      newSeries: [],
      series: new Int32Array(BATCH_EVENTS),
      timestamps: new Float64Array(BATCH_EVENTS),
      values: new Float64Array(BATCH_EVENTS),
      length: 0,
    };
  }

  private seriesId(e: MetricEvent): number {
    let byMetric = this.ids.get(e.flagKey);
    if (!byMetric) this.ids.set(e.flagKey, (byMetric = new Map()));
    let byVariant = byMetric.get(e.metric);
    if (!byVariant) byMetric.set(e.metric, (byVariant = new Map()));
    let id = byVariant.get(e.variant);
    if (id === undefined) {
      id = this.count++;
      byVariant.set(e.variant, id);
      this.batch.newSeries.push({ flagKey: e.flagKey, metric: e.metric, variant: e.variant });
    }
    return id;
  }

  add(e: MetricEvent): void {
    const b = this.batch;
    const i = b.length;
    b.series[i] = this.seriesId(e);
    b.timestamps[i] = e.timestamp;
    b.values[i] = e.value;
    if (++b.length === BATCH_EVENTS) this.flush();
  }

  /** Emits the current batch when it holds events or new series. */
  flush(): void {
    const b = this.batch;
    if (b.length === 0 && b.newSeries.length === 0) return;
    this.batch = BatchBuilder.empty();
    this.emit(b);
  }
}
