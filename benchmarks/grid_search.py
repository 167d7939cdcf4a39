"""GridSearchCV of skmulti vs the same grid on scikit-learn's MLP pair; n_jobs=2 vs 1.

    PYTHONPATH=. python benchmarks/grid_search.py [--quick] [--backend tensorflow|jax]
        [--rows N] [--threads N]

Data: ``skmulti.datasets.make_trade(2000, random_state=0)``: 6 numeric features
of different scales (log distance ~8, log GDPs ~10, two 0/1 flags, a tariff
in [0, 0.4]), so every model gets a StandardScaler in a Pipeline; y = quantity
(heavy-tailed, 0 when the pair does not trade) and trades (0/1, ~5 in 6).

Grid (3 x 3, the parameters that both libraries have):
``hidden_layer_sizes`` in [(32,), (64,), (64, 64)] x learning rate in
[1e-3, 3e-3, 1e-2] (skmulti ``learning_rate``, MLP ``learning_rate_init``).
Folds: 5, the same for every search, stratified on ``trades``
(``skmulti.model_selection.LabelStratifiedKFold``; the MLPs get the same index
lists). Everything else at its default, early stopping on for all.
``--quick``: 1,000 rows, a 2 x 2 grid ([(32,), (64, 64)] x [1e-3, 1e-2]) and
3 folds.

Searches, one each, in this order in this process:

1. skmulti, ``n_jobs=1``: ``GridSearchCV(Pipeline(StandardScaler,
   RegressorClassifier(random_state=0)), scoring=combined_scorer(), refit=True)``
   (mean of R^2 on quantity and accuracy on trades; the same as ``score``);
2. the MLP pair, ``n_jobs=1``: ``GridSearchCV`` of ``MLPRegressor`` on quantity
   (R^2) plus ``GridSearchCV`` of ``MLPClassifier`` on trades (accuracy), both
   ``early_stopping=True, max_iter=300, random_state=0``, refit=True; the pair's
   time is the sum of both searches;
3. skmulti, ``n_jobs=2`` (joblib's loky workers: their start, imports and
   first fits are included, as a user pays them).

Targets: wall time skmulti(n_jobs=1) / MLP pair <= 1.0x; speed-up
skmulti(n_jobs=1) / skmulti(n_jobs=2) >= 1.8x. On a 2-core machine shared with
other work, the n_jobs=2 figure is only meaningful when the cores are idle.
"""

import warnings

import _common as C


def add_args(parser):
    parser.add_argument("--rows", type=int, default=None,
                        help="rows of make_trade (default 2000; --quick 1000)")


def main():
    args = C.parse_args(__doc__, add=add_args)
    import numpy as np
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skmulti import RegressorClassifier
    from skmulti.datasets import make_trade
    from skmulti.metrics import combined_scorer
    from skmulti.model_selection import LabelStratifiedKFold

    C.print_header("GridSearchCV: skmulti vs MLPRegressor + MLPClassifier, make_trade", args)
    warnings.filterwarnings("ignore")
    rows = args.rows or (1000 if args.quick else 2000)
    X, y = make_trade(rows, random_state=0)
    if args.quick:
        sizes, rates, n_folds = [(32,), (64, 64)], [1e-3, 1e-2], 3
    else:
        sizes, rates, n_folds = [(32,), (64,), (64, 64)], [1e-3, 3e-3, 1e-2], 5
    folds = list(LabelStratifiedKFold(n_splits=n_folds).split(X, y))
    n_cand = len(sizes) * len(rates)
    print(f"   {len(X)} rows, grid {len(sizes)} x {len(rates)} = {n_cand} candidates, "
          f"{n_folds} folds: {n_cand * n_folds} fits + 1 refit per search")

    def skmulti_search(n_jobs):
        search = GridSearchCV(
            make_pipeline(StandardScaler(), RegressorClassifier(random_state=0)),
            {"regressorclassifier__hidden_layer_sizes": sizes,
             "regressorclassifier__learning_rate": rates},
            scoring=combined_scorer(), refit=True, cv=folds, n_jobs=n_jobs,
            error_score="raise")
        with C.Timer() as t:
            search.fit(X, y)
        return t.s, search

    def mlp_searches():
        reg, clf = C.mlp_pair((64, 64), StandardScaler(), early_stopping=True, max_iter=300,
                              random_state=0)
        out = []
        with C.Timer() as t:
            for est, target, prefix in ((reg, y["quantity"], "mlpregressor"),
                                        (clf, y["trades"], "mlpclassifier")):
                search = GridSearchCV(
                    est, {f"{prefix}__hidden_layer_sizes": sizes,
                          f"{prefix}__learning_rate_init": rates},
                    refit=True, cv=folds, n_jobs=1, error_score="raise")
                search.fit(X, target)
                out.append(search)
        return t.s, out

    sk1_s, sk1 = skmulti_search(1)
    C.log(f"skmulti n_jobs=1: {sk1_s:.1f} s")
    mlp_s, (reg, clf) = mlp_searches()
    C.log(f"MLP pair n_jobs=1: {mlp_s:.1f} s")
    sk2_s, sk2 = skmulti_search(2)
    C.log(f"skmulti n_jobs=2: {sk2_s:.1f} s")

    def short(params):
        return ", ".join(f"{k.split('__')[-1]}={v}" for k, v in params.items())

    print()
    C.print_table(
        ["search", "wall s", "vs MLP pair", "best CV score"],
        [("skmulti, n_jobs=1", sk1_s, f"{sk1_s / mlp_s:.3f}x",
          f"{sk1.best_score_:.3f} (R2+acc)/2"),
         ("skmulti, n_jobs=2", sk2_s, f"{sk2_s / mlp_s:.3f}x",
          f"{sk2.best_score_:.3f} (R2+acc)/2"),
         ("MLP pair, n_jobs=1", mlp_s, "1.000x",
          f"R2 {reg.best_score_:.3f}, acc {clf.best_score_:.3f}, "
          f"mean {(reg.best_score_ + clf.best_score_) / 2:.3f}")])
    print(f"best skmulti (n_jobs=1): {short(sk1.best_params_)}; "
          f"(n_jobs=2): {short(sk2.best_params_)}")
    print(f"best MLPRegressor: {short(reg.best_params_)}; "
          f"MLPClassifier: {short(clf.best_params_)}")
    same = np.isclose(sk1.best_score_, sk2.best_score_)
    print(f"(n_jobs=1 and n_jobs=2 searches found the same best score: {same})")
    targets = C.Targets()
    targets.check("wall time skmulti(n_jobs=1) / MLP pair", sk1_s / mlp_s, "<=", 1.0)
    targets.check("speed-up skmulti n_jobs=1 / n_jobs=2", sk1_s / sk2_s, ">=", 1.8)
    targets.print()


if __name__ == "__main__":
    main()
