"""The default RegressorClassifier vs scikit-learn's MLP pair on abalone.

    PYTHONPATH=. python benchmarks/default_vs_mlp.py [PATH_TO_ABALONE_CSV] [--quick]
        [--backend tensorflow|jax]

Same preprocessing for both (one-hot sex + StandardScaler on the other seven
columns, ``make_column_transformer``, in a Pipeline) and the same 67/33 splits
(random_state 1..5; --quick: 1..2). Per split, interleaved in this one process:

* the MLP pair: ``MLPRegressor`` on rings (float) + ``MLPClassifier`` on rings
  (class), (64, 64), ``early_stopping=True``, ``max_iter=300``,
  ``random_state=0``; its fit time is the sum of both fits;
* skmulti: ``RegressorClassifier(random_state=0)`` (all defaults: (64, 64),
  early stopping, 200 epochs at most), one fit on y = (rings, rings class).

The order alternates (MLP first on odd splits, skmulti first on even ones).
skmulti's first fit of the process (graph tracing, the backend's start) is in
its total, as a user pays it; its first-split time is also shown alone.
Targets: total fit time skmulti / MLP pair <= 1.0x; skmulti MAE <= 1.511 and
accuracy >= 0.267 (means over the splits; issue 9 will ask MAE <= 1.50 and
accuracy >= 0.275).
"""

import numpy as np

import _common as C


def main():
    args = C.parse_args(__doc__, path=True)
    from sklearn.metrics import accuracy_score, mean_absolute_error
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline

    from skmulti import RegressorClassifier

    C.print_header("default RegressorClassifier vs MLPRegressor + MLPClassifier (64, 64), "
                   "abalone", args)
    C.quiet_warnings()
    X, rings = C.load_abalone(args.path)
    y = C.abalone_target(rings)
    seeds = [1, 2] if args.quick else [1, 2, 3, 4, 5]
    res = {"mlp": [], "skmulti": []}

    def run_mlp(Xtr, Xte, ytr, yte):
        reg, clf = C.mlp_pair((64, 64), C.abalone_preprocess(), early_stopping=True,
                              max_iter=300, random_state=0)
        with C.Timer() as t:
            reg.fit(Xtr, ytr["rings"])
            clf.fit(Xtr, ytr["rings_class"])
        return (t.s, mean_absolute_error(yte["rings"], reg.predict(Xte)),
                accuracy_score(yte["rings_class"], clf.predict(Xte)))

    def run_skmulti(Xtr, Xte, ytr, yte):
        est = make_pipeline(C.abalone_preprocess(), RegressorClassifier(random_state=0))
        with C.Timer() as t:
            est.fit(Xtr, ytr)
        pred = est.predict(Xte)
        return (t.s, mean_absolute_error(yte["rings"], pred.amount),
                accuracy_score(yte["rings_class"], pred.label))

    for i, seed in enumerate(seeds):
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.33, random_state=seed)
        order = ("mlp", "skmulti") if i % 2 == 0 else ("skmulti", "mlp")
        for system in order:
            fn = run_mlp if system == "mlp" else run_skmulti
            res[system].append(fn(Xtr, Xte, ytr, yte))
            C.log(f"split {seed} {system}: fit {res[system][-1][0]:.2f} s "
                  f"mae={res[system][-1][1]:.3f} acc={res[system][-1][2]:.3f}")

    mlp, sk = np.asarray(res["mlp"]), np.asarray(res["skmulti"])
    ratio = sk[:, 0].sum() / mlp[:, 0].sum()
    print(f"\nabalone, {len(seeds)} splits (67/33, random_state {seeds[0]}..{seeds[-1]})")
    rows = []
    for name, v in (("MLP pair (64,64), early stopping", mlp),
                    ("skmulti RegressorClassifier()", sk)):
        rows.append((name, v[:, 0].sum(), ", ".join(f"{s:.2f}" for s in v[:, 0]),
                     f"{v[:, 1].mean():.3f}±{v[:, 1].std():.3f}",
                     f"{v[:, 2].mean():.3f}±{v[:, 2].std():.3f}",
                     f"{v[:, 0].sum() / mlp[:, 0].sum():.3f}x"))
    C.print_table(["system", "total fit s", "fit s per split", "MAE", "accuracy",
                   "time vs MLP"], rows)
    print(f"(skmulti's first split, with the process's first fit: {sk[0, 0]:.2f} s; "
          f"later splits median {C.median(sk[1:, 0]):.2f} s)")
    targets = C.Targets()
    targets.check("total fit time skmulti / MLP pair", ratio, "<=", 1.0)
    targets.check("skmulti MAE (today)", float(sk[:, 1].mean()), "<=", 1.511)
    targets.check("skmulti accuracy (today)", float(sk[:, 2].mean()), ">=", 0.267)
    targets.check("skmulti MAE (issue 9)", float(sk[:, 1].mean()), "<=", 1.50)
    targets.check("skmulti accuracy (issue 9)", float(sk[:, 2].mean()), ">=", 0.275)
    targets.note("MLP pair MAE", float(mlp[:, 1].mean()))
    targets.note("MLP pair accuracy", float(mlp[:, 2].mean()))
    targets.print()


if __name__ == "__main__":
    main()
