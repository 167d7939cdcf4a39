"""Memory over many sequential fits in one process: RSS growth and retracing warnings.

    PYTHONPATH=. python benchmarks/memory.py [--fits 1000] [--quick]
        [--backend tensorflow|jax]

Fits ``--fits`` estimators one after another in this process (default 1,000;
``--quick``: 60), alternating two configurations on the same synthetic data
(300 rows x 6 features, amount = a linear function + noise, label = 3
classes):

* A: ``RegressorClassifier(hidden_layer_sizes=(16,), epochs=3, random_state=i)``
  (batch 32, early stopping on: 10% of the rows validate);
* B: ``RegressorClassifier(hidden_layer_sizes=(32,), epochs=3, batch_size=64,
  random_state=i)``,

each fit a new estimator that is dropped after the fit (as in a search or a
loop over models). RSS (VmRSS from /proc/self/status; psutil elsewhere) is read
after a ``gc.collect()`` after every fit. Printed: RSS before the first fit,
after fit 1, after fit 20 and at the end; the growth after the first 20 fits
(target <= 30 MiB, the first 20 fits are the warm-up: caches, pools) and MiB
per fit after them; fit time per fit; and every warning seen: TensorFlow's
logger (``logging.getLogger("tensorflow")``, where "triggered tf.function
retracing" is logged) and Python warnings, counted, with retracing ones
flagged.
"""

import gc
import logging
import warnings
from collections import Counter

import _common as C


def add_args(parser):
    parser.add_argument("--fits", type=int, default=None,
                        help="number of fits (default 1000; --quick 60)")


class _Count(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.seen = Counter()

    def emit(self, record):
        self.seen[("tensorflow logger", _short(record.getMessage()))] += 1


def _short(message):
    """The first 100 characters, flagged when the message is about retracing."""
    message = str(message)
    flag = "[RETRACING] " if "retracing" in message.lower() else ""
    return flag + message[:100]


def main():
    args = C.parse_args(__doc__, add=add_args)
    n_fits = args.fits or (60 if args.quick else 1000)
    import numpy as np

    from skmulti import RegressorClassifier

    C.print_header(f"memory over {n_fits} sequential fits", args)

    tf_handler = _Count()
    logging.getLogger("tensorflow").addHandler(tf_handler)
    python_warnings = Counter()

    def show(message, category, filename, lineno, file=None, line=None):
        python_warnings[(category.__name__, _short(message))] += 1

    warnings.simplefilter("always")
    warnings.showwarning = show

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6)).astype(np.float32)
    amount = X @ rng.normal(size=6) + rng.normal(scale=0.3, size=300)
    label = np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5])
    y = np.column_stack([amount, label])
    configs = [dict(hidden_layer_sizes=(16,), epochs=3),
               dict(hidden_layer_sizes=(32,), epochs=3, batch_size=64)]
    print("   A: " + ", ".join(f"{k}={v}" for k, v in configs[0].items())
          + "; B: " + ", ".join(f"{k}={v}" for k, v in configs[1].items())
          + "; 300 rows x 6 features, alternating A, B, ...")

    gc.collect()
    rss = [C.rss_mib()]  # rss[i]: after i fits
    fit_s = []
    for i in range(n_fits):
        est = RegressorClassifier(random_state=i, **configs[i % 2])
        with C.Timer() as t:
            est.fit(X, y)
        fit_s.append(t.s)
        del est
        gc.collect()
        rss.append(C.rss_mib())
        if (i + 1) % 50 == 0 or i + 1 in (1, 20):
            C.log(f"fit {i + 1}: RSS {rss[-1]:.1f} MiB, last fit {t.s:.2f} s")

    at = min(20, n_fits)
    # Growth is measured after the 20 warm-up fits only: nothing to measure with fewer.
    growth = rss[-1] - rss[at] if n_fits > at else float("nan")
    per_fit = growth / max(n_fits - at, 1)
    print()
    rows = [("before the first fit", 0, rss[0]), ("after fit 1", 1, rss[1]),
            (f"after fit {at}", at, rss[at])]
    for k in (100, 200, 500):
        if at < k < n_fits:
            rows.append((f"after fit {k}", k, rss[k]))
    rows.append(("at the end", n_fits, rss[-1]))
    C.print_table(["when", "fits", "RSS MiB"], rows, floatfmt="{:.1f}")
    print(f"fit time: first {fit_s[0]:.2f} s, median of the rest "
          f"{C.median(fit_s[1:]):.3f} s, total {sum(fit_s):.1f} s")

    seen = list(tf_handler.seen.items()) + list(python_warnings.items())
    retracing = sum(n for (source, msg), n in seen if msg.startswith("[RETRACING]"))
    print(f"\nwarnings seen: {sum(n for _, n in seen)} ({len(seen)} distinct); "
          f"retracing warnings: {retracing}")
    for (source, msg), n in sorted(seen, key=lambda kv: -kv[1])[:10]:
        print(f"  {n:5d} x {source}: {msg}")

    targets = C.Targets()
    targets.check(f"RSS growth after fit {at} (MiB, {n_fits - at} fits)", growth, "<=",
                  30.0, "{:.1f}")
    targets.note("MiB per fit after the warm-up", per_fit, "{:.4f}")
    if n_fits < 1000:
        targets.check("growth projected to 1,000 fits (MiB/fit x 980)", per_fit * 980, "<=",
                      30.0, "{:.1f}")
    targets.check("retracing warnings", float(retracing), "<=", 0.0, "{:.0f}")
    targets.print()
    if n_fits < 1000:
        print(f"(reduced run: {n_fits} fits, not the 1,000 of the full benchmark)")


if __name__ == "__main__":
    main()
