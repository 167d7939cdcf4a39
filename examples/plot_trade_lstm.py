"""
Trade flows from yearly histories: an LSTM trunk with a hurdle
================================================================

The trade analyst's story. For each pair of nations we have a yearly history
of gravity-model features (distance, GDPs, border, language, tariff) and want
two answers from one network: *does the pair trade* (the label) and *how much*
(the amount, exactly 0 when it does not trade, heavy-tailed otherwise).

The analyst's hand-written Keras model had an LSTM trunk, a
``Dense(1, activation="softmax")`` label head and raw, unscaled targets, and
was tuned with a genetic algorithm. Its label output was 1.0 for every pair.
Here the same idea is written with skmulti:

* 3-D ``X`` of shape ``(n_pairs, n_years, n_features)`` scaled by
  :class:`~skmulti.preprocessing.SequenceScaler` and fed to a recurrent trunk;
* the label head is built from the data (one sigmoid unit for two classes);
* ``amount_transformer=log1p`` for the heavy tail (skmulti then standardizes
  the result, so the amount loss cannot swamp the label loss);
* ``zero_amount_label=0``: the hurdle (two-part) model. Pairs that do not
  trade do not train the amount head, and a predicted "no trade" comes with an
  amount of exactly 0;
* :class:`~sklearn.model_selection.GridSearchCV` in place of the genetic
  algorithm.

The script prints one table per head: skmulti against the naive baselines
(majority class, mean amount), against the network built the broken way, and
against the same skmulti network without the hurdle.

Set ``SKMULTI_FAST=1`` for the quick run of the CI (fewer rows and epochs).
"""

import os
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    accuracy_score,
    balanced_accuracy_score,
    mean_absolute_error,
    r2_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import GridSearchCV, KFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402

from skmulti import RegressorClassifier  # noqa: E402
from skmulti.datasets import make_trade  # noqa: E402
from skmulti.exceptions import CollapseWarning  # noqa: E402
from skmulti.preprocessing import SequenceScaler  # noqa: E402

FAST = os.environ.get("SKMULTI_FAST", "") not in ("", "0")
N_TRAIN, N_TEST = (600, 400) if FAST else (3000, 2000)
N_YEARS = 8
EPOCHS = 15 if FAST else 200
try:
    HERE = Path(__file__).resolve().parent
except NameError:  # sphinx-gallery runs the script from its folder, without __file__
    HERE = Path.cwd()
OUTPUT = HERE / "_output"
OUTPUT.mkdir(exist_ok=True)
started = time.perf_counter()

# %%
# The data: 3-D histories, a label ``trades`` (about 84% ones) and a
# ``quantity`` that is 0 exactly when the pair does not trade.
X_train, y_train = make_trade(N_TRAIN, n_timesteps=N_YEARS, random_state=0)
X_test, y_test = make_trade(N_TEST, n_timesteps=N_YEARS, random_state=1)
print(
    f"X_train {X_train.shape}, trades {y_train['trades'].mean():.1%}, "
    f"quantity max {y_train['quantity'].max():.0f}, "
    f"median of the traders {y_train.loc[y_train.trades == 1, 'quantity'].median():.1f}"
)


def head_metrics(amount, label, proba_trade):
    """The per-head metrics on the test set (label 0 = no trade is the minority)."""
    q, t = y_test["quantity"].to_numpy(), y_test["trades"].to_numpy()
    return {
        "amount MAE": mean_absolute_error(q, amount),
        "amount R2": r2_score(q, amount),
        "R2 log1p": r2_score(np.log1p(q), np.log1p(np.clip(amount, 0, None))),
        "label acc": accuracy_score(t, label),
        "bal. acc": balanced_accuracy_score(t, label),
        "recall(0)": recall_score(t, label, pos_label=0),
        "ROC AUC": roc_auc_score(t, proba_trade),
    }


def log_r2_and_balanced_accuracy(estimator, X, y):
    """Model-selection score: both heads count, on the scales that matter."""
    pred = estimator.predict(X)
    q = y.iloc[:, 0].to_numpy()
    r2 = r2_score(np.log1p(q), np.log1p(np.clip(pred.amount, 0, None)))
    return (r2 + balanced_accuracy_score(y.iloc[:, 1], pred.label)) / 2


results = {}

# %%
# Naive baselines: the majority class and the mean amount of the training set.
majority = int(y_train["trades"].mode()[0])
results["baseline"] = head_metrics(
    np.full(N_TEST, y_train["quantity"].mean()),
    np.full(N_TEST, majority),
    np.full(N_TEST, 0.5),
)

# %%
# skmulti: LSTM trunk, log-amounts, hurdle, tuned by a grid search.
log1p = FunctionTransformer(np.log1p, np.expm1, check_inverse=False)
pipe = make_pipeline(
    SequenceScaler(),
    RegressorClassifier(
        recurrent_layer_sizes=(32,),
        hidden_layer_sizes=(32,),
        amount_transformer=log1p,
        zero_amount_label=0,
        epochs=EPOCHS,
        random_state=0,
    ),
)
grid = {
    "regressorclassifier__recurrent_cell": ["lstm", "gru"],
    "regressorclassifier__class_weight": [None, "balanced"],
}
if FAST:
    grid = {"regressorclassifier__recurrent_cell": ["lstm", "gru"]}
search = GridSearchCV(
    pipe,
    grid,
    cv=KFold(2 if FAST else 3, shuffle=True, random_state=0),
    scoring=log_r2_and_balanced_accuracy,
)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", CollapseWarning)
    search.fit(X_train, y_train)
collapses = [w for w in caught if issubclass(w.category, CollapseWarning)]
best = search.best_estimator_
print("best parameters:", {k.split("__")[1]: v for k, v in search.best_params_.items()})
pred = best.predict(X_test)
results["skmulti"] = head_metrics(
    pred.amount, pred.label, best.predict_proba(X_test)[:, 1]
)
print(
    f"exact zeros predicted: {np.mean(pred.amount == 0):.1%} of the test pairs; "
    f"CollapseWarnings during the search: {len(collapses)}"
)

# %%
# The same network without the hurdle: every pair trains the amount head,
# the zeros included, and ``predict`` never returns an exact 0.
unmasked = clone(best).set_params(regressorclassifier__zero_amount_label=None)
unmasked.fit(X_train, y_train)
pred_unmasked = unmasked.predict(X_test)
results["no hurdle"] = head_metrics(
    pred_unmasked.amount, pred_unmasked.label, unmasked.predict_proba(X_test)[:, 1]
)

# %%
# Where the hurdle matters: the amount of the pairs that trade. On the test
# pairs that trade and that both models predict to trade, compare the amounts
# (log scale): the unmasked amount head also learned from the zeros.
q_test = y_test["quantity"].to_numpy()
both = (
    (y_test["trades"].to_numpy() == 1) & (pred.label == 1) & (pred_unmasked.label == 1)
)
for name, amount in (("hurdle", pred.amount), ("no hurdle", pred_unmasked.amount)):
    log_true, log_pred = (
        np.log1p(q_test[both]),
        np.log1p(np.clip(amount[both], 0, None)),
    )
    print(
        f"{name:9s} on {both.sum()} trading pairs: R2 log1p "
        f"{r2_score(log_true, log_pred):.3f}, median |log error| "
        f"{np.median(np.abs(log_true - log_pred)):.3f}"
    )

# %%
# The broken way, as the analyst wrote it: raw features and raw quantities,
# and a softmax over a single unit for the label.
import keras  # noqa: E402

keras.utils.set_random_seed(0)
inputs = keras.Input(shape=(N_YEARS, X_train.shape[2]))
h = keras.layers.LSTM(32)(inputs)
h = keras.layers.Dense(32, activation="relu")(h)
broken = keras.Model(
    inputs,
    {
        "amount": keras.layers.Dense(1, name="amount")(h),
        "label": keras.layers.Dense(1, activation="softmax", name="label")(h),
    },
)
broken.compile(optimizer="adam", loss={"amount": "mse", "label": "binary_crossentropy"})
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # Keras: softmax over 1 unit
    broken.fit(
        X_train.astype("float32"),
        {
            "amount": y_train["quantity"].to_numpy("float32"),
            "label": y_train["trades"].to_numpy("float32"),
        },
        epochs=min(EPOCHS, 50),
        batch_size=32,
        verbose=0,
    )
    out = broken.predict(X_test.astype("float32"), verbose=0)
broken_proba = out["label"].reshape(-1)
results["broken Keras"] = head_metrics(
    out["amount"].reshape(-1), (broken_proba > 0.5).astype(int), broken_proba
)
print(
    f"broken label output: min {broken_proba.min():.3f}, max {broken_proba.max():.3f}"
)

# %%
# One table per head.
names = list(results)
amount_cols = ["amount MAE", "amount R2", "R2 log1p"]
label_cols = ["label acc", "bal. acc", "recall(0)", "ROC AUC"]
for title, cols in (("amount head", amount_cols), ("label head", label_cols)):
    print(f"\n{title} (test set, {N_TEST} pairs)")
    print(f"{'':14s}" + "".join(f"{c:>12s}" for c in cols))
    for name in names:
        print(f"{name:14s}" + "".join(f"{results[name][c]:12.3f}" for c in cols))

# %%
# Predicted against true quantities (log scale): the hurdle puts the pairs it
# predicts as "no trade" at exactly 0, on the left edge.
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharex=True, sharey=True)
q = y_test["quantity"].to_numpy()
for ax, (name, amount) in zip(
    axes,
    [("skmulti (hurdle)", pred.amount), ("no hurdle", pred_unmasked.amount)],
    strict=True,
):
    ax.scatter(np.log1p(q), np.log1p(np.clip(amount, 0, None)), s=6, alpha=0.5)
    ax.plot([0, np.log1p(q).max()], [0, np.log1p(q).max()], color="grey", lw=1)
    ax.set_title(name)
    ax.set_xlabel("log1p(true quantity)")
axes[0].set_ylabel("log1p(predicted quantity)")
fig.tight_layout()
fig.savefig(OUTPUT / "trade_lstm.png", dpi=100)
print(
    f"\nsaved {OUTPUT / 'trade_lstm.png'}; mode {'fast' if FAST else 'full'}, "
    f"{time.perf_counter() - started:.0f} s"
)
