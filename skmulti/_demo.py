"""``python -m skmulti demo``: skmulti against two separate scikit-learn models."""

import sys
import time

import numpy as np


def _models(fast, random_state):
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    from . import RegressorClassifier

    epochs = 30 if fast else 200
    skmulti_model = make_pipeline(
        StandardScaler(),
        RegressorClassifier(
            hidden_layer_sizes=(64, 64),
            amount_transformer=FunctionTransformer(np.log1p, np.expm1),
            zero_amount_label=0,
            epochs=epochs,
            random_state=random_state,
        ),
    )
    # The same trunk and stopping rule as skmulti's, one MLP per head.
    mlp = dict(
        hidden_layer_sizes=(64, 64),
        early_stopping=True,
        max_iter=epochs,
        random_state=random_state,
    )
    amount_model = TransformedTargetRegressor(
        make_pipeline(
            StandardScaler(),
            MLPRegressor(**mlp),
        ),
        func=np.log1p,
        inverse_func=np.expm1,
    )
    label_model = make_pipeline(
        StandardScaler(),
        MLPClassifier(**mlp),
    )
    return skmulti_model, amount_model, label_model


def _scores(amount_true, label_true, amount_pred, label_pred, proba_pos):
    from sklearn.metrics import (
        accuracy_score,
        mean_absolute_error,
        r2_score,
        roc_auc_score,
    )

    return {
        "mae": mean_absolute_error(amount_true, amount_pred),
        "r2": r2_score(amount_true, amount_pred),
        "acc": accuracy_score(label_true, label_pred),
        "auc": roc_auc_score(label_true, proba_pos),
    }


def run_demo(n_samples=2000, n_splits=5, fast=False, random_state=0, out=None, err=None):
    """Cross-validate skmulti and two separate scikit-learn MLPs on ``make_trade``.

    Prints progress to ``err`` and the table to ``out``; returns the table as
    ``{model name: {metric: mean over folds}}``.
    """
    import warnings

    from sklearn.base import clone
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import StratifiedKFold

    from .datasets import make_trade

    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    X, y = make_trade(n_samples, random_state=random_state)
    amount, label = y["quantity"].to_numpy(), y["trades"].to_numpy()
    folds = list(
        StratifiedKFold(n_splits, shuffle=True, random_state=random_state).split(X, label)
    )
    skmulti_model, amount_model, label_model = _models(fast, random_state)
    names = ("skmulti RegressorClassifier", "sklearn MLPRegressor + MLPClassifier")
    results = {name: [] for name in names}
    print(
        f"skmulti demo: {n_samples} synthetic trade pairs (make_trade), "
        f"{n_splits}-fold CV stratified on the label{' (fast mode)' if fast else ''}",
        file=err,
    )
    total = 2 * n_splits
    done = 0
    for k, (train, test) in enumerate(folds, 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = clone(skmulti_model)
            start = time.perf_counter()
            model.fit(X.iloc[train], y.iloc[train])
            seconds = time.perf_counter() - start
            pred = model.predict(X.iloc[test])
            proba = model.predict_proba(X.iloc[test])[:, 1]
            row = _scores(amount[test], label[test], pred.amount, pred.label, proba)
            results[names[0]].append({**row, "fit_s": seconds})
            done += 1
            print(f"  [{done}/{total}] fold {k}: {names[0]} {seconds:.1f}s", file=err)

            reg, clf = clone(amount_model), clone(label_model)
            start = time.perf_counter()
            reg.fit(X.iloc[train], amount[train])
            clf.fit(X.iloc[train], label[train])
            seconds = time.perf_counter() - start
            row = _scores(
                amount[test],
                label[test],
                reg.predict(X.iloc[test]),
                clf.predict(X.iloc[test]),
                clf.predict_proba(X.iloc[test])[:, 1],
            )
            results[names[1]].append({**row, "fit_s": seconds})
            done += 1
            print(f"  [{done}/{total}] fold {k}: {names[1]} {seconds:.1f}s", file=err)
        err.flush()

    table = {
        name: {key: float(np.mean([r[key] for r in rows])) for key in rows[0]}
        for name, rows in results.items()
    }
    header = (
        f"{'model':40s} {'amount MAE':>11s} {'amount R2':>10s} "
        f"{'label acc':>10s} {'label AUC':>10s} {'fit s':>7s}"
    )
    print(header, file=out)
    print("-" * len(header), file=out)
    for name, row in table.items():
        print(
            f"{name:40s} {row['mae']:11.3f} {row['r2']:10.3f} {row['acc']:10.3f} "
            f"{row['auc']:10.3f} {row['fit_s']:7.2f}",
            file=out,
        )
    print(
        f"(means over {n_splits} folds; fit s per fold; skmulti: one network, hurdle "
        "on 'trades'=0 and log1p amounts)",
        file=out,
    )
    return table
