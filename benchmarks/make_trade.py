"""Quality on ``make_trade``: the default RegressorClassifier vs the scikit-learn pair.

    PYTHONPATH=. python benchmarks/make_trade.py [--quick] [--backend tensorflow|jax]
        [--rows N] [--draws K]

Data: ``skmulti.datasets.make_trade(N, random_state=d)`` for the draws
d = 0 .. K-1 (2-D, 6 features; default N = 4,000 and K = 5, --quick 1,500 rows
and K = 3): a heavy-tailed quantity that is 0 for the pairs that do not
trade (about one in six) and the label ``trades``. On each draw, five folds
stratified on the label (``StratifiedKFold(shuffle=True, random_state=0)``),
the same ``StandardScaler`` in front of every model:

* skmulti, defaults only: ``RegressorClassifier(random_state=0)``, one fit on
  y = (quantity, trades); early stopping watches both heads
  (``monitor="heads"``, the default);
* skmulti with ``monitor="loss"`` (the summed validation loss, the default
  before issue 9), to show what the default changed;
* the pair a user would fit instead: ``MLPRegressor`` + ``MLPClassifier``,
  (64, 64), ``early_stopping=True``, ``max_iter=200``, ``random_state=0``;
* the truth the data are drawn from (``skmulti.datasets._trade_truth``): the
  true probability of trading, thresholded at 0.5 (the Bayes rule: no model's
  accuracy beats it in expectation), and the true expected quantity (the
  best R² in expectation; not the best MAE, which the conditional median has).

Prints the means over the draws' folds (amount MAE and R², label accuracy,
balanced accuracy, ROC AUC and log loss, fit seconds), each draw's mean
difference between the default estimator and the pair, and checks issue 9's
target: the default estimator ahead of the pair on both heads (MAE and R² for
the amount; accuracy, ROC AUC and log loss for the label), as the mean
difference over the folds with its standard error (``se``: the standard
deviation of the per-fold differences over the square root of their number).
"""

import numpy as np

import _common as C

METRICS = ("amount MAE", "amount R²", "label accuracy", "balanced accuracy", "ROC AUC",
           "log loss")


def main():
    def add(parser):
        parser.add_argument("--rows", type=int, default=None,
                            help="rows of make_trade (default 4000; --quick 1500)")
        parser.add_argument("--draws", type=int, default=None,
                            help="data sets, make_trade(random_state=0..K-1) "
                                 "(default 5; --quick 3)")

    args = C.parse_args(__doc__, add=add)
    from sklearn.metrics import (accuracy_score, balanced_accuracy_score, log_loss,
                                 mean_absolute_error, r2_score, roc_auc_score)
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skmulti import RegressorClassifier
    from skmulti.datasets import _trade_truth, make_trade

    rows = args.rows or (1500 if args.quick else 4000)
    draws = args.draws or (3 if args.quick else 5)
    C.print_header(f"make_trade({rows}), {draws} draws: default RegressorClassifier vs "
                   "MLPRegressor + MLPClassifier (64, 64)", args)
    C.quiet_warnings()

    def scores(y, test, amount_pred, label_pred, proba):
        amount, label = y["quantity"].to_numpy()[test], y["trades"].to_numpy()[test]
        return (mean_absolute_error(amount, amount_pred), r2_score(amount, amount_pred),
                accuracy_score(label, label_pred), balanced_accuracy_score(label, label_pred),
                roc_auc_score(label, proba), log_loss(label, proba, labels=[0, 1]))

    def run_skmulti(X, y, train, test, **params):
        est = make_pipeline(StandardScaler(), RegressorClassifier(random_state=0, **params))
        with C.Timer() as t:
            est.fit(X.iloc[train], y.iloc[train])
        pred, proba = est.predict(X.iloc[test]), est.predict_proba(X.iloc[test])[:, 1]
        return (t.s, *scores(y, test, pred.amount, pred.label, proba))

    def run_mlp(X, y, train, test):
        reg, clf = C.mlp_pair((64, 64), StandardScaler(), early_stopping=True, max_iter=200,
                              random_state=0)
        with C.Timer() as t:
            reg.fit(X.iloc[train], y["quantity"].iloc[train])
            clf.fit(X.iloc[train], y["trades"].iloc[train])
        return (t.s, *scores(y, test, reg.predict(X.iloc[test]), clf.predict(X.iloc[test]),
                             clf.predict_proba(X.iloc[test])[:, 1]))

    def run_truth(X, y, train, test):
        probability, expected = _trade_truth(X.iloc[test])
        return (float("nan"), *scores(y, test, expected, (probability > 0.5).astype(int),
                                      probability))

    DEFAULT, PAIR = "skmulti RegressorClassifier() (defaults)", "MLP pair (64,64), early stopping"
    systems = {
        DEFAULT: run_skmulti,
        "skmulti, monitor='loss'": lambda *a: run_skmulti(*a, monitor="loss"),
        PAIR: run_mlp,
        "truth (Bayes rule, expected quantity)": run_truth,
    }
    res = {name: [] for name in systems}
    draw_of = []
    for draw in range(draws):
        X, y = make_trade(rows, random_state=draw)
        folds = StratifiedKFold(5, shuffle=True, random_state=0).split(X, y["trades"])
        for k, (train, test) in enumerate(folds, 1):
            draw_of.append(draw)
            for name, fn in systems.items():
                res[name].append(fn(X, y, train, test))
                C.log(f"draw {draw} fold {k} {name}: "
                      + " ".join(f"{v:.4f}" for v in res[name][-1]))
    res = {name: np.asarray(v) for name, v in res.items()}
    draw_of = np.asarray(draw_of)
    n = len(draw_of)
    print(f"\nmake_trade({rows}, random_state=0..{draws - 1}), 5 stratified folds each; "
          f"means over the {n} folds")
    C.print_table(["system", *METRICS, "fit s per fold"],
                  [(name, *v[:, 1:].mean(axis=0), v[:, 0].mean()) for name, v in res.items()])
    diff = res[DEFAULT][:, 1:] - res[PAIR][:, 1:]
    print("\nskmulti default - MLP pair, mean over each draw's 5 folds "
          "(lower is better for MAE and log loss)")
    C.print_table(["draw", *METRICS],
                  [(f"random_state={d}", *diff[draw_of == d].mean(axis=0))
                   for d in range(draws)], floatfmt="{:+.4f}")
    se = diff.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.full(diff.shape[1], np.nan)
    targets = C.Targets()
    for j, (metric, op) in enumerate(zip(METRICS, ("<=", ">=", ">=", None, ">=", "<="))):
        name = f"{metric}: skmulti - MLP pair (se {se[j]:.4f})"
        if op is None:
            targets.note(name, diff[:, j].mean(), fmt="{:+.4f}")
        else:
            targets.check(name, diff[:, j].mean(), op, 0.0, fmt="{:+.4f}")
    truth = res["truth (Bayes rule, expected quantity)"][:, 1:]
    targets.note("label accuracy: Bayes rule - skmulti", (truth - res[DEFAULT][:, 1:])[:, 2].mean(),
                 fmt="{:+.4f}")
    targets.note("label accuracy: Bayes rule - MLP pair", (truth - res[PAIR][:, 1:])[:, 2].mean(),
                 fmt="{:+.4f}")
    targets.print()


if __name__ == "__main__":
    main()
