/** A labelled "Segment" picker over a prediction log's segments; `null` = all segments. */
export function SegmentSelect({
  segments,
  value,
  onChange,
}: {
  segments: readonly string[];
  value: string | null;
  onChange: (segment: string | null) => void;
}) {
  return (
    <label className="field-inline">
      Segment
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value === '' ? null : e.target.value)}>
        <option value="">all segments</option>
        {segments.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
    </label>
  );
}
