"""Training throughput on a large table: skmulti vs plain Keras ``model.fit``.

    PYTHONPATH=. python benchmarks/throughput.py [--quick] [--rows 200000]
        [--backend tensorflow|jax] [--batch-size 256] [--epochs 3] [--reps N]

Data: synthetic, 200,000 rows x 32 float32 features (``--rows``; --quick:
50,000), an amount (about standard) and a label of 5 classes. Network, the
same for both: a (64, 64) ReLU trunk, a linear amount head and a 5-way softmax
label head, mse + sparse categorical cross-entropy (weights 1, 1), Adam 1e-3,
batch 256, 3 epochs, all rows trained on (no validation).

* skmulti: ``RegressorClassifier(hidden_layer_sizes=(64, 64), epochs=3,
  batch_size=256, alpha=0.0, early_stopping=False, random_state=0).fit(X, y)``
  (alpha=0: the same network and loss as Keras's, no L2 penalty) with
  y = (amount, label) as one (n, 2) float array;
* Keras: build the functional model, ``compile``, ``model.fit(X, {"amount": a,
  "label": l}, batch_size=256, epochs=3, verbose=0)`` (shuffled, the default).

Timed for both: everything a user pays from having the arrays in memory to a
trained model (skmulti: the whole ``fit``: input checks, target encoding,
building, compiling and training; Keras: building, ``compile`` and ``fit``).
Not timed: generating the data, imports. Fits are interleaved A B B A
(Keras, skmulti, skmulti, Keras, ...; default 2 per system, --quick 1); each
fit is a new model in this process, so the first of each system includes its
tracing. Rows per second = rows x epochs / seconds; the ratio is of the
total times. Target: skmulti >= 3x Keras rows/s.
"""

import _common as C


def add_args(parser, rows=200_000, quick_rows=50_000, batch=256, hidden="64,64"):
    parser.add_argument("--rows", type=int, default=None,
                        help=f"rows (default {rows:,}; --quick {quick_rows:,})")
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--hidden", default=hidden, help="trunk sizes, comma-separated")
    parser.add_argument("--batch-size", type=int, default=batch)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--reps", type=int, default=None,
                        help="fits per system (default 2; --quick 1)")
    parser.set_defaults(default_rows=rows, quick_rows=quick_rows)


def compare(args, title, target, to_device=None, notes=()):
    """Fit both systems, interleaved; print rows/s and the ratio against ``target``."""
    import numpy as np

    from skmulti import RegressorClassifier

    rows = args.rows or (args.quick_rows if args.quick else args.default_rows)
    reps = args.reps or (1 if args.quick else 2)
    hidden = tuple(int(u) for u in args.hidden.split(",") if u)
    C.print_header(title, args, notes)
    X, amount, label = C.synthetic_two_head(rows, args.features, n_classes=5, seed=0)
    y = np.column_stack([amount, label]).astype(np.float32)
    placed = "host (NumPy)"
    if to_device is not None:
        X, amount, label, y = (to_device(a) for a in (X, amount, label, y))
        placed = "device (jax.device_put), passed as is to both"
    print(f"   {rows:,} rows x {args.features} features, trunk {hidden}, batch "
          f"{args.batch_size}, {args.epochs} epochs, 5 classes; data on the {placed}; "
          f"{reps} fit(s) per system, interleaved")
    C.quiet_warnings()

    def fit_keras():
        with C.Timer() as t:
            model = C.keras_two_head(args.features, hidden, 5, seed=0)
            model.fit(X, {"amount": amount, "label": label}, batch_size=args.batch_size,
                      epochs=args.epochs, verbose=0)
        return t.s

    def fit_skmulti():
        est = RegressorClassifier(hidden_layer_sizes=hidden, epochs=args.epochs,
                                  batch_size=args.batch_size, alpha=0.0,
                                  early_stopping=False, random_state=0)
        with C.Timer() as t:
            est.fit(X, y)
        assert est.n_iter_ == args.epochs
        return t.s

    fits = {"keras": fit_keras, "skmulti": fit_skmulti}
    times = {"keras": [], "skmulti": []}
    for i in range(reps):
        order = ("keras", "skmulti") if i % 2 == 0 else ("skmulti", "keras")
        for name in order:
            times[name].append(fits[name]())
            C.log(f"{name} fit {len(times[name])}: {times[name][-1]:.2f} s "
                  f"({rows * args.epochs / times[name][-1]:,.0f} rows/s)")
    print()
    total = {k: sum(v) for k, v in times.items()}
    table = []
    for name, label_ in (("keras", "plain Keras model.fit"), ("skmulti", "skmulti fit")):
        rate = rows * args.epochs * len(times[name]) / total[name]
        table.append((label_, ", ".join(f"{s:.2f}" for s in times[name]), total[name],
                      f"{rate:,.0f}", f"{total['keras'] / total[name]:.2f}x"))
    C.print_table(["system", "fit s (each)", "total s", "rows/s (total)", "speed vs Keras"],
                  table, floatfmt="{:.2f}")
    if reps > 1:
        later = {k: C.median(v[1:]) for k, v in times.items()}
        print(f"(after each system's first fit: Keras {later['keras']:.2f} s, skmulti "
              f"{later['skmulti']:.2f} s per fit, ratio {later['keras'] / later['skmulti']:.2f}x)")
    targets = C.Targets()
    targets.check("rows/s skmulti / Keras", total["keras"] / total["skmulti"], ">=", target,
                  "{:.2f}")
    targets.print()


def main():
    args = C.parse_args(__doc__, add=add_args)
    compare(args, "training throughput: skmulti vs plain Keras fit, synthetic table", 3.0)


if __name__ == "__main__":
    main()
