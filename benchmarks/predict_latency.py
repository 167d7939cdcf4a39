"""Predict latency: a fitted default skmulti vs the fitted MLPRegressor + MLPClassifier pair.

    PYTHONPATH=. python benchmarks/predict_latency.py [PATH_TO_ABALONE_CSV] [--quick]
        [--backend tensorflow|jax] [--threads N]

Both are fitted once on abalone (67/33 split, random_state=1), after the
baselines' preprocessing (one-hot sex + StandardScaler), which is applied once
up front so that only the estimators are timed: skmulti
``RegressorClassifier(random_state=0)`` (defaults: (64, 64)) and the MLP pair
(64, 64), ``early_stopping=True, max_iter=300, random_state=0``.

Timed: ``est.predict(X)`` for skmulti (amount and label in one call) vs
``reg.predict(X)`` + ``clf.predict(X)`` for the pair, on X of 1 row and of
10,000 rows (float32; the test rows repeated). After 5 warm-up calls each, the
calls alternate skmulti, pair, skmulti, ... (default 500 calls each for 1 row
and 50 for 10,000 rows; --quick: 100 and 10); the median per call is shown,
in ms, and the ratio skmulti / pair (lower is better). No target is set yet.

Then where skmulti's 1-row time goes (:func:`breakdown`): the same fitted
estimator's ``predict`` end to end, ``check_X_predict`` (validating ``X``), the
compiled forward pass alone (``_FittedNetwork.predict_raw`` on validated X, with
``skmulti._engine.NUMPY_MAX_ROWS`` at 0 where predict has a NumPy path) and
the NumPy forward pass of ``skmulti._numpy_forward`` alone (on ``model_``), each
as a share of ``predict``, and scikit-learn's ``validate_data`` alone (what
``check_X_predict`` ran before its fast path); then the compiled vs the NumPy
forward pass from 1 to 10,000 rows (where the NumPy pass stops paying). The
calls alternate, after 5 warm-up calls each; medians in microseconds. Issue 8's
aim: 1 row "well under a millisecond".
"""

import _common as C


def main():
    args = C.parse_args(__doc__, path=True)
    import numpy as np
    from sklearn.model_selection import train_test_split

    from skmulti import RegressorClassifier

    C.print_header("predict latency: default skmulti vs MLP pair (64, 64), abalone", args)
    C.quiet_warnings()
    X, rings = C.load_abalone(args.path)
    y = C.abalone_target(rings)
    Xtr, Xte, ytr, _ = train_test_split(X, y, test_size=0.33, random_state=1)
    pre = C.abalone_preprocess().fit(Xtr)
    Ptr = pre.transform(Xtr).astype(np.float32)
    Pte = pre.transform(Xte).astype(np.float32)

    est = RegressorClassifier(random_state=0)
    with C.Timer() as t_sk:
        est.fit(Ptr, ytr.to_numpy())
    reg, clf = C.mlp_pair((64, 64), early_stopping=True, max_iter=300, random_state=0)
    with C.Timer() as t_mlp:
        reg.fit(Ptr, ytr["rings"])
        clf.fit(Ptr, ytr["rings_class"])
    C.log(f"fitted: skmulti {t_sk.s:.1f} s, MLP pair {t_mlp.s:.1f} s")

    def sk_predict(Xp):
        return est.predict(Xp)

    def mlp_predict(Xp):
        return reg.predict(Xp), clf.predict(Xp)

    sizes = {1: 100 if args.quick else 500, 10_000: 10 if args.quick else 50}
    rows = []
    ratios = {}
    for n_rows, n_calls in sizes.items():
        Xp = np.resize(Pte, (n_rows, Pte.shape[1])).astype(np.float32)
        times = {"skmulti": [], "mlp": []}
        for _ in range(5):
            sk_predict(Xp)
            mlp_predict(Xp)
        for _ in range(n_calls):
            for name, fn in (("skmulti", sk_predict), ("mlp", mlp_predict)):
                with C.Timer() as t:
                    fn(Xp)
                times[name].append(t.s * 1000)
        sk, mlp = C.median(times["skmulti"]), C.median(times["mlp"])
        ratios[n_rows] = sk / mlp
        rows.append((f"{n_rows} row(s)", n_calls, mlp, sk, f"{sk / mlp:.2f}x",
                     f"{n_rows / sk * 1000:,.0f}"))
    print()
    C.print_table(["X", "calls each", "MLP pair ms", "skmulti ms", "skmulti / MLP",
                   "skmulti rows/s"], rows, floatfmt="{:.3f}")
    print("(median ms per predict call; the pair's time is both of its predict calls)")
    targets = C.Targets()
    for n_rows, ratio in ratios.items():
        targets.note(f"latency ratio skmulti / MLP pair, {n_rows} row(s)", ratio, "{:.2f}")
    targets.print()
    breakdown(est, Pte, quick=args.quick)


def _alternate(fns, n_calls):
    """Median microseconds per call of each function, calls alternating."""
    times = {name: [] for name in fns}
    for _ in range(5):
        for fn in fns.values():
            fn()
    for _ in range(n_calls):
        for name, fn in fns.items():
            with C.Timer() as t:
                fn()
            times[name].append(t.s * 1e6)
    return {name: C.median(values) for name, values in times.items()}


def breakdown(est, Pte, *, quick=False):
    """Where a 1-row predict goes; the compiled vs the NumPy forward pass by rows."""
    import numpy as np

    from sklearn.utils.validation import validate_data

    from skmulti import _engine
    from skmulti._input import _numeric, check_X_predict
    from skmulti._numpy_forward import numpy_forward

    forward = numpy_forward(est.model_)
    weights = forward.prepare(est.model_.get_weights())
    network = est._network  # private: the compiled path as predict calls it today

    def rows(n):
        return np.resize(Pte, (n, Pte.shape[1])).astype(np.float32)

    def compiled(X):  # the compiled pass, even where predict takes the NumPy one
        saved = getattr(_engine, "NUMPY_MAX_ROWS", None)
        _engine.NUMPY_MAX_ROWS = 0
        try:
            return network.predict_raw(X)
        finally:
            if saved is None:
                del _engine.NUMPY_MAX_ROWS
            else:
                _engine.NUMPY_MAX_ROWS = saved

    X1 = rows(1)
    checked = check_X_predict(X1, est)
    fns = {
        "predict (end to end)": lambda: est.predict(X1),
        "check_X_predict": lambda: check_X_predict(X1, est),
        "(validate_data alone)": lambda: _numeric(
            validate_data, est, X1, reset=False, dtype=np.float32, accept_sparse="csr"),
        "compiled forward pass": lambda: compiled(checked),
        "NumPy forward pass": lambda: forward(weights, checked),
    }
    medians = _alternate(fns, 1000 if quick else 5000)
    whole = medians["predict (end to end)"]
    print()
    C.print_table(["1 row", "median us", "share of predict"],
                  [(name, us, f"{us / whole:.2f}") for name, us in medians.items()],
                  floatfmt="{:.1f}")
    print("(calls alternating; check_X_predict and the forward passes are parts of "
          "predict, which also maps the label and inverts the amount scaling; "
          "validate_data alone is check_X_predict without its fast path)")
    table = []
    for n in (1, 10, 100, 300, 1000, 10_000):
        Xn = check_X_predict(rows(n), est)
        calls = max(20, (200 if quick else 1000) // max(1, n // 100))
        m = _alternate({"compiled": lambda Xn=Xn: compiled(Xn),
                        "numpy": lambda Xn=Xn: forward(weights, Xn)}, calls)
        table.append((n, calls, m["compiled"], m["numpy"],
                      f"{m['numpy'] / m['compiled']:.3f}x"))
    print()
    C.print_table(["rows", "calls each", "compiled us", "NumPy us", "NumPy / compiled"],
                  table, floatfmt="{:.1f}")


if __name__ == "__main__":
    main()
