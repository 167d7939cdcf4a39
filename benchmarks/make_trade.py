"""Quality on ``make_trade``: the default RegressorClassifier vs the scikit-learn pair.

    PYTHONPATH=. python benchmarks/make_trade.py [--quick] [--backend tensorflow|jax]
        [--rows N]

Data: ``skmulti.datasets.make_trade(N, random_state=0)`` (2-D, 6 features;
default N = 4,000, --quick 1,500): a heavy-tailed quantity that is 0 for the
pairs that do not trade (about one in six) and the label ``trades``.
Five folds stratified on the label (``StratifiedKFold(shuffle=True,
random_state=0)``), the same ``StandardScaler`` in front of every model:

* skmulti, defaults only: ``RegressorClassifier(random_state=0)``, one fit on
  y = (quantity, trades); early stopping watches both heads
  (``monitor="heads"``, the default);
* skmulti with ``monitor="loss"`` (the summed validation loss, the default
  before issue 9), to show what the default changed;
* the pair a user would fit instead: ``MLPRegressor`` + ``MLPClassifier``,
  (64, 64), ``early_stopping=True``, ``max_iter=200``, ``random_state=0``.

Prints the means over the folds (amount MAE and R², label accuracy, balanced
accuracy and ROC AUC, fit seconds) and checks issue 9's target: the default
estimator ahead of the pair on both heads (MAE and R² for the amount, accuracy
and ROC AUC for the label).
"""

import numpy as np

import _common as C


def main():
    args = C.parse_args(__doc__, add=lambda p: p.add_argument(
        "--rows", type=int, default=None, help="rows of make_trade (default 4000; --quick 1500)"))
    from sklearn.metrics import (accuracy_score, balanced_accuracy_score, mean_absolute_error,
                                 r2_score, roc_auc_score)
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skmulti import RegressorClassifier
    from skmulti.datasets import make_trade

    rows = args.rows or (1500 if args.quick else 4000)
    C.print_header(f"make_trade({rows}): default RegressorClassifier vs MLPRegressor + "
                   "MLPClassifier (64, 64)", args)
    C.quiet_warnings()
    X, y = make_trade(rows, random_state=0)
    amount, label = y["quantity"].to_numpy(), y["trades"].to_numpy()
    folds = StratifiedKFold(5, shuffle=True, random_state=0).split(X, label)

    def scores(test, amount_pred, label_pred, proba):
        return (mean_absolute_error(amount[test], amount_pred),
                r2_score(amount[test], amount_pred),
                accuracy_score(label[test], label_pred),
                balanced_accuracy_score(label[test], label_pred),
                roc_auc_score(label[test], proba))

    def run_skmulti(train, test, **params):
        est = make_pipeline(StandardScaler(), RegressorClassifier(random_state=0, **params))
        with C.Timer() as t:
            est.fit(X.iloc[train], y.iloc[train])
        pred = est.predict(X.iloc[test])
        return (t.s, *scores(test, pred.amount, pred.label,
                             est.predict_proba(X.iloc[test])[:, 1]))

    def run_mlp(train, test):
        reg, clf = C.mlp_pair((64, 64), StandardScaler(), early_stopping=True, max_iter=200,
                              random_state=0)
        with C.Timer() as t:
            reg.fit(X.iloc[train], amount[train])
            clf.fit(X.iloc[train], label[train])
        return (t.s, *scores(test, reg.predict(X.iloc[test]), clf.predict(X.iloc[test]),
                             clf.predict_proba(X.iloc[test])[:, 1]))

    systems = {
        "skmulti RegressorClassifier() (defaults)": run_skmulti,
        "skmulti, monitor='loss'": lambda tr, te: run_skmulti(tr, te, monitor="loss"),
        "MLP pair (64,64), early stopping": run_mlp,
    }
    res = {name: [] for name in systems}
    for k, (train, test) in enumerate(folds, 1):
        for name, fn in systems.items():
            res[name].append(fn(train, test))
            C.log(f"fold {k} {name}: " + " ".join(f"{v:.3f}" for v in res[name][-1]))
    table = {name: np.asarray(v).mean(axis=0) for name, v in res.items()}
    print(f"\nmake_trade({rows}, random_state=0), 5 stratified folds; means over the folds")
    C.print_table(["system", "amount MAE", "amount R²", "label accuracy",
                   "balanced accuracy", "ROC AUC", "fit s per fold"],
                  [(name, *v[1:], v[0]) for name, v in table.items()])
    sk, mlp = table["skmulti RegressorClassifier() (defaults)"], \
        table["MLP pair (64,64), early stopping"]
    targets = C.Targets()
    targets.check("amount MAE: skmulti - MLP pair", sk[1] - mlp[1], "<=", 0.0)
    targets.check("amount R²: skmulti - MLP pair", sk[2] - mlp[2], ">=", 0.0)
    targets.check("label accuracy: skmulti - MLP pair", sk[3] - mlp[3], ">=", 0.0)
    targets.check("label ROC AUC: skmulti - MLP pair", sk[5] - mlp[5], ">=", 0.0)
    targets.note("balanced accuracy: skmulti - MLP pair", sk[4] - mlp[4])
    targets.print()


if __name__ == "__main__":
    main()
