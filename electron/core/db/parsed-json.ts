/**
 * `schema.parse(JSON.parse(text))`, memoized by the stored JSON text: rows the monitor reads on
 * every tick (plans, guardrails, metric definitions) are validated once per distinct text. The
 * values are deep-frozen, so one object is shared by every reader and none can change it.
 */

/** Freezes `v` and everything reachable from it; returns `v`. */
export function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** Parsed values by JSON text; at most `max` texts (a full memo is cleared). */
export class ParsedJson {
  private readonly memo = new Map<string, unknown>();
  private readonly max: number;

  constructor(max = 20_000) {
    this.max = max;
  }

  /**
   * The frozen value of `json` validated by `schema` (one memo may serve several schemas: a text
   * is only ever stored in one table).
   * @throws what `JSON.parse` or `schema.parse` throw for a bad row.
   */
  get<T>(schema: { parse: (v: unknown) => T }, json: string): T {
    let v = this.memo.get(json) as T | undefined;
    if (v === undefined) {
      v = deepFreeze(schema.parse(JSON.parse(json)));
      if (this.memo.size >= this.max) this.memo.clear();
      this.memo.set(json, v);
    }
    return v;
  }
}
