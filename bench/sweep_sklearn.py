#!/usr/bin/env python3
"""scikit-learn side of bench/sweep-10m.bench.ts.

Loads a `confidence,label` CSV with pandas (timed separately), then times
`sklearn.metrics.precision_recall_curve(y, s)` on it. Prints one line
`PY_JSON=<json>` with the times (ms), peak RSS (bytes, `resource.getrusage`)
after the imports, after the load and after the sweep, and the sizes.

With `--dump DIR` it also writes, after timing, the curve for the Node side to
check against (raw little-endian float64): thresholds.f64, precision.f64 and
recall.f64 (sklearn's arrays without the final (precision 1, recall 0) point,
so index i belongs to thresholds[i], ascending).

Run with Debian's python3 (python3-sklearn, python3-pandas):
    /usr/bin/python3 bench/sweep_sklearn.py FILE.csv [--dump DIR]
"""
import json
import os
import resource
import sys
import time


def peak_rss() -> int:
    # Linux: ru_maxrss is in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main() -> int:
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    path = args[0]
    dump = args[args.index("--dump") + 1] if "--dump" in args else None

    t_import = time.perf_counter()
    import numpy as np
    import pandas as pd
    import sklearn
    from sklearn.metrics import precision_recall_curve

    import_ms = (time.perf_counter() - t_import) * 1000
    rss_after_imports = peak_rss()

    t0 = time.perf_counter()
    df = pd.read_csv(path, dtype={"confidence": np.float64, "label": np.int8}, engine="c")
    y = df["label"].to_numpy()
    s = df["confidence"].to_numpy()
    t1 = time.perf_counter()
    rss_after_load = peak_rss()

    precision, recall, thresholds = precision_recall_curve(y, s)
    t2 = time.perf_counter()
    rss_after_sweep = peak_rss()

    # Not timed: is pandas' float parse exact here? A 6-decimal text k/10^6 parsed
    # correctly is the double nearest to k/10^6, which is exactly k / 1e6 in IEEE
    # arithmetic, so this compares the parse with the correctly rounded value.
    k = np.rint(s * 1e6)
    parse_exact = bool(np.array_equal(s, k / 1e6))

    if dump:
        os.makedirs(dump, exist_ok=True)
        m = len(thresholds)
        np.ascontiguousarray(thresholds, dtype="<f8").tofile(os.path.join(dump, "thresholds.f64"))
        np.ascontiguousarray(precision[:m], dtype="<f8").tofile(os.path.join(dump, "precision.f64"))
        np.ascontiguousarray(recall[:m], dtype="<f8").tofile(os.path.join(dump, "recall.f64"))

    out = {
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "sklearn": sklearn.__version__,
        "rows": int(len(s)),
        "positives": int(y.sum()),
        "thresholds": int(len(thresholds)),
        "parseExact": parse_exact,
        "importMs": import_ms,
        "loadMs": (t1 - t0) * 1000,
        "sweepMs": (t2 - t1) * 1000,
        "rssAfterImports": rss_after_imports,
        "peakRssAfterLoad": rss_after_load,
        "peakRss": rss_after_sweep,
    }
    print("PY_JSON=" + json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
