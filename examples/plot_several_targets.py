"""
Several labels and amounts in one network, ``class_weight`` on one label only
==============================================================================

The multi-target user's story. A hand-written Keras model with three outputs
was told to pass ``class_weight`` for target #2; Keras refuses ``class_weight``
for a model with several outputs. With :class:`~skmulti.RegressorClassifier`
the columns of ``y`` that are not amounts are labels (``amount_columns``), each
label gets its own head built from its classes, and ``class_weight`` takes one
entry per label column: ``[None, "balanced", None]`` weights the second label
only, in its own loss.

The script compares, on held-out rows:

1. three labels (a balanced binary one, a rare binary one at about 6%, and one
   of three classes): skmulti with ``class_weight=[None, "balanced", None]``,
   the same network without weights, and the three separate
   ``MLPClassifier`` models a scikit-learn user would fit instead (which take
   no ``class_weight`` at all);
2. two amounts and two labels in one network against two ``MLPRegressor`` and
   two ``MLPClassifier`` models.

Set ``SKMULTI_FAST=1`` for the quick run of the CI (fewer rows and epochs).
"""

import os
import warnings
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    accuracy_score,
    balanced_accuracy_score,
    r2_score,
    recall_score,
)
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402

from skmulti import RegressorClassifier  # noqa: E402

warnings.filterwarnings("ignore", category=ConvergenceWarning)  # MLPs at max_iter: as asked

FAST = os.environ.get("SKMULTI_FAST", "") not in ("", "0")
N_TRAIN, N_TEST = (800, 2000) if FAST else (4000, 10000)
EPOCHS = 30 if FAST else 100
try:
    HERE = Path(__file__).resolve().parent
except NameError:  # sphinx-gallery runs the script from its own folder without __file__
    HERE = Path.cwd()
OUTPUT = HERE / "_output"
OUTPUT.mkdir(exist_ok=True)
started = time.perf_counter()


def make_customers(n, seed):
    """Eight features; spend and visits (amounts), churn, fraud (rare), segment."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 8))
    noise = rng.normal(size=(n, 5))
    spend = 2.0 * X[:, 0] + X[:, 1] * X[:, 2] + 0.3 * noise[:, 0]
    visits = np.exp(0.4 * X[:, 3] - 0.3 * X[:, 0]) + 0.2 * noise[:, 1] ** 2
    churn = np.where(X[:, 4] - 0.5 * X[:, 0] + 0.5 * noise[:, 2] > 0, "yes", "no")
    score = X[:, 5] + 0.8 * X[:, 6] + 0.4 * noise[:, 3]
    fraud = (score > np.quantile(score, 0.94)).astype(int)
    segment = np.array(["basic", "plus", "pro"])[
        np.digitize(X[:, 7] + 0.5 * X[:, 1] + 0.3 * noise[:, 4], [-0.5, 0.6])]
    y = pd.DataFrame({"spend": spend, "churn": churn, "visits": visits, "fraud": fraud,
                      "segment": segment})
    return X, y


X_train, y_train = make_customers(N_TRAIN, seed=0)
X_test, y_test = make_customers(N_TEST, seed=1)
LABELS = ["churn", "fraud", "segment"]
print(f"{N_TRAIN} training rows; fraud share {y_train['fraud'].mean():.1%}")

NETWORK = dict(hidden_layer_sizes=(64, 64), learning_rate=3e-3, epochs=EPOCHS,
               early_stopping=False, random_state=0)
MLP = dict(hidden_layer_sizes=(64, 64), learning_rate_init=3e-3, max_iter=EPOCHS,
           early_stopping=False, random_state=0)


def label_scores(truth, predicted):
    return {
        "churn acc": accuracy_score(truth["churn"], predicted["churn"]),
        "fraud recall": recall_score(truth["fraud"], predicted["fraud"]),
        "fraud bal. acc": balanced_accuracy_score(truth["fraud"], predicted["fraud"]),
        "segment acc": accuracy_score(truth["segment"], predicted["segment"]),
    }


# %%
# 1. Three labels: weights on the rare one only
# ----------------------------------------------
# ``amount_columns=[]``: every column of ``y`` is a label.
rows = {}
timing = {}
for name, class_weight in {"skmulti, [None, 'balanced', None]": [None, "balanced", None],
                           "skmulti, no weights": None}.items():
    start = time.perf_counter()
    est = RegressorClassifier(**NETWORK, amount_columns=[], class_weight=class_weight)
    est.fit(X_train, y_train[LABELS])
    timing[name] = time.perf_counter() - start
    pred = est.predict(X_test)
    # pred.label is one (n, 3) object array; label_column(i) has each column's own dtype
    rows[name] = label_scores(y_test, {c: pred.label_column(i) for i, c in enumerate(LABELS)})

start = time.perf_counter()
separate = {c: clone(MLPClassifier(**MLP)).fit(X_train, y_train[c]) for c in LABELS}
timing["3 x MLPClassifier"] = time.perf_counter() - start
rows["3 x MLPClassifier"] = label_scores(
    y_test, {c: model.predict(X_test) for c, model in separate.items()})

cols = list(next(iter(rows.values())))
print(f"\n{'model':36s}" + "".join(f"{c:>16s}" for c in cols) + f"{'fit s':>8s}")
for name, metrics in rows.items():
    print(f"{name:36s}" + "".join(f"{metrics[c]:16.3f}" for c in cols)
          + f"{timing[name]:8.1f}")

# %%
# 2. Two amounts and two labels in one network
# --------------------------------------------
# The DataFrame's column names say which columns are amounts; the heads are
# named after them (``amount_spend``, ``label_churn``, ...).
mixed = ["spend", "churn", "visits", "segment"]
start = time.perf_counter()
est = RegressorClassifier(**NETWORK, amount_columns=["spend", "visits"])
est.fit(X_train, y_train[mixed])
one_network = time.perf_counter() - start
pred = est.predict(X_test)
ours = {
    "spend R2": r2_score(y_test["spend"], pred.amount[:, 0]),
    "visits R2": r2_score(y_test["visits"], pred.amount[:, 1]),
    "churn acc": accuracy_score(y_test["churn"], pred.label_column(0)),
    "segment acc": accuracy_score(y_test["segment"], pred.label_column(1)),
}
start = time.perf_counter()
theirs = {
    "spend R2": r2_score(y_test["spend"], MLPRegressor(**MLP).fit(
        X_train, y_train["spend"]).predict(X_test)),
    "visits R2": r2_score(y_test["visits"], MLPRegressor(**MLP).fit(
        X_train, y_train["visits"]).predict(X_test)),
    "churn acc": accuracy_score(y_test["churn"], MLPClassifier(**MLP).fit(
        X_train, y_train["churn"]).predict(X_test)),
    "segment acc": accuracy_score(y_test["segment"], MLPClassifier(**MLP).fit(
        X_train, y_train["segment"]).predict(X_test)),
}
four_models = time.perf_counter() - start
print(f"\n{'target':14s}{'skmulti (1 network)':>22s}{'4 separate MLPs':>18s}")
for key in ours:
    print(f"{key:14s}{ours[key]:22.3f}{theirs[key]:18.3f}")
print(f"{'fit seconds':14s}{one_network:22.1f}{four_models:18.1f}")
print(f"heads: {sorted(est.model_.output)}; classes: {[c.tolist() for c in est.classes_]}")

# %%
# The rare label on a picture: only the weighted network finds the frauds.
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
names = list(rows)
x = np.arange(len(cols))
for i, name in enumerate(names):
    axes[0].bar(x + (i - 1) * 0.27, [rows[name][c] for c in cols], 0.27, label=name)
axes[0].set_xticks(x, cols, rotation=15)
axes[0].set_ylim(0, 1.05)
axes[0].set_title("three labels")
axes[0].legend(fontsize=7, loc="lower left")
x = np.arange(len(ours))
axes[1].bar(x - 0.2, list(ours.values()), 0.4, label="skmulti, one network")
axes[1].bar(x + 0.2, list(theirs.values()), 0.4, label="4 separate MLPs")
axes[1].set_xticks(x, list(ours), rotation=15)
axes[1].set_ylim(0, 1.05)
axes[1].set_title("two amounts, two labels")
axes[1].legend(fontsize=7, loc="lower left")
fig.tight_layout()
fig.savefig(OUTPUT / "several_targets.png", dpi=100)
print(
    f"\nsaved {OUTPUT / 'several_targets.png'}; mode {'fast' if FAST else 'full'}, "
    f"{time.perf_counter() - started:.0f} s"
)
