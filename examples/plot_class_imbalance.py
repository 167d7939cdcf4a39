"""
A rare label next to an amount: ``class_weight`` on the label head only
========================================================================

The multi-target user's story. One network predicts the amount of a
transaction and whether it is fraudulent; fraud is 5% of the rows. With a
hand-written two-output Keras model, ``model.fit(..., class_weight=...)``
fails (Keras refuses ``class_weight`` for multi-output models), and the
work-around of one ``sample_weight`` for the whole model would reweight the
amount loss too.

:class:`~skmulti.RegressorClassifier` takes ``class_weight=None``,
``"balanced"`` or a ``{label: weight}`` dict and turns it into per-row weights
of the **label loss only**, multiplied with any ``sample_weight``; the amount
loss keeps its plain weights. The script compares the three settings on a
95:5 label: the minority recall rises, the amount head does not move.

Set ``SKMULTI_FAST=1`` for the quick run of the CI (fewer rows and epochs).
"""

import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    balanced_accuracy_score,
    precision_score,
    r2_score,
    recall_score,
)

from skmulti import RegressorClassifier  # noqa: E402

FAST = os.environ.get("SKMULTI_FAST", "") not in ("", "0")
N_TRAIN, N_TEST = (400, 1000) if FAST else (2000, 5000)
EPOCHS = 40 if FAST else 60
try:
    HERE = Path(__file__).resolve().parent
except NameError:  # sphinx-gallery runs the script from its folder, without __file__
    HERE = Path.cwd()
OUTPUT = HERE / "_output"
OUTPUT.mkdir(exist_ok=True)
started = time.perf_counter()


def make_transactions(n, seed):
    """Amount linear in X; 'fraud' for the 5% highest of a noisy score."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 4))
    amount = 2.0 * X[:, 0] + X[:, 1] + rng.normal(scale=0.1, size=n)
    score = X[:, 2] + 0.5 * X[:, 3] + rng.normal(scale=0.5, size=n)
    label = np.where(score > np.quantile(score, 0.95), "fraud", "ok")
    y = np.empty((n, 2), dtype=object)
    y[:, 0], y[:, 1] = amount, label
    return X, y


X_train, y_train = make_transactions(N_TRAIN, seed=0)
X_test, y_test = make_transactions(N_TEST, seed=1)
print(f"{N_TRAIN} training rows, fraud share {np.mean(y_train[:, 1] == 'fraud'):.1%}")

# %%
# Three settings of ``class_weight``; the rest of the network is the same.
settings = {"None": None, "'balanced'": "balanced", "{'fraud': 10}": {"fraud": 10.0}}
rows = {}
for name, class_weight in settings.items():
    est = RegressorClassifier(
        hidden_layer_sizes=(16,),
        class_weight=class_weight,
        learning_rate=3e-3,
        epochs=EPOCHS,
        early_stopping=False,
        random_state=0,
    ).fit(X_train, y_train)
    pred = est.predict(X_test)
    truth = y_test[:, 1]
    rows[name] = {
        "fraud recall": recall_score(truth, pred.label, pos_label="fraud"),
        "fraud precision": precision_score(truth, pred.label, pos_label="fraud"),
        "bal. acc": balanced_accuracy_score(truth, pred.label),
        "amount R2": r2_score(y_test[:, 0].astype(float), pred.amount),
    }

cols = list(next(iter(rows.values())))
print(f"\n{'class_weight':16s}" + "".join(f"{c:>17s}" for c in cols))
for name, metrics in rows.items():
    print(f"{name:16s}" + "".join(f"{metrics[c]:17.3f}" for c in cols))

# %%
# ``class_weight`` combines with ``sample_weight`` (here: recent rows count
# double), still on the label loss only.
recent = np.where(np.arange(N_TRAIN) >= N_TRAIN // 2, 2.0, 1.0)
est = RegressorClassifier(
    hidden_layer_sizes=(16,),
    class_weight="balanced",
    learning_rate=3e-3,
    epochs=EPOCHS,
    early_stopping=False,
    random_state=0,
).fit(X_train, y_train, sample_weight=recent)
pred = est.predict(X_test)
print(
    f"\n'balanced' + sample_weight: fraud recall "
    f"{recall_score(y_test[:, 1], pred.label, pos_label='fraud'):.3f}, amount R2 "
    f"{r2_score(y_test[:, 0].astype(float), pred.amount):.3f}"
)

# %%
# The trade-off on a picture: recall of the rare class up, amount R² flat.
fig, ax = plt.subplots(figsize=(6, 3.5))
x = np.arange(len(rows))
ax.bar(x - 0.2, [m["fraud recall"] for m in rows.values()], 0.4, label="fraud recall")
ax.bar(x + 0.2, [m["amount R2"] for m in rows.values()], 0.4, label="amount R²")
ax.set_xticks(x, list(rows))
ax.set_xlabel("class_weight")
ax.set_ylim(0, 1.05)
ax.legend(loc="lower right")
fig.tight_layout()
fig.savefig(OUTPUT / "class_imbalance.png", dpi=100)
print(
    f"\nsaved {OUTPUT / 'class_imbalance.png'}; mode {'fast' if FAST else 'full'}, "
    f"{time.perf_counter() - started:.0f} s"
)
