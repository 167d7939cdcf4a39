"""
From a genetic-algorithm tuner to a cross-validated multi-metric search
=======================================================================

The trade analyst tuned a hand-written two-output Keras model with a home-made
genetic algorithm: each "individual" was trained once on one split and judged
by one number, the sum of the two training losses. That number mixes a
squared error (in tonnes squared) with a log loss, so the amount decided
alone; and one split makes the winner partly luck.

Here the same search is a plain :class:`~sklearn.model_selection.GridSearchCV`
on a ``Pipeline`` that ends in :class:`~skmulti.RegressorClassifier`:

* one scorer per head (:func:`skmulti.metrics.amount_scorer`,
  :func:`skmulti.metrics.label_scorer`), all recorded in ``cv_results_``;
* folds stratified on the label column
  (:class:`skmulti.model_selection.LabelStratifiedKFold`);
* ``refit="auc"``: the best candidate by the label's ROC AUC is refitted on
  all training rows; the amount metrics of every candidate stay visible, so
  the trade-off between the heads is a choice, not an accident.

The script prints the search table and the refitted model's per-head metrics
on held-out rows, and plots the search results. Set ``SKMULTI_FAST=1`` for the
quick run of the CI (fewer rows, candidates and epochs).
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
    accuracy_score,
    balanced_accuracy_score,
    mean_absolute_error,
    r2_score,
    roc_auc_score,
)
from sklearn.model_selection import GridSearchCV, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer, StandardScaler  # noqa: E402

from skmulti import RegressorClassifier  # noqa: E402
from skmulti.datasets import make_trade  # noqa: E402
from skmulti.metrics import amount_scorer, label_scorer  # noqa: E402
from skmulti.model_selection import LabelStratifiedKFold  # noqa: E402

FAST = os.environ.get("SKMULTI_FAST", "") not in ("", "0")
N_SAMPLES = 600 if FAST else 3000
EPOCHS = 30 if FAST else 200
N_SPLITS = 2 if FAST else 3
N_JOBS = 1 if FAST else 2  # the CI already runs two test processes
GRID = {
    "regressorclassifier__hidden_layer_sizes": [(16,), (64, 64)] if FAST else [
        (16,), (64,), (64, 64)
    ],
    "regressorclassifier__learning_rate": [3e-3, 3e-2] if FAST else [3e-4, 1e-3, 1e-2],
}
try:
    HERE = Path(__file__).resolve().parent
except NameError:  # sphinx-gallery runs the script from its folder, without __file__
    HERE = Path.cwd()
OUTPUT = HERE / "_output"
OUTPUT.mkdir(exist_ok=True)
started = time.perf_counter()

X, y = make_trade(n_samples=N_SAMPLES, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y["trades"], random_state=0
)
print(f"{len(X_train)} training rows, {len(X_test)} held out; trades share "
      f"{y_train['trades'].mean():.1%}")

# %%
# The model: the hurdle network of the trade user (no amount is learnt from
# rows that do not trade; log1p for the heavy-tailed quantity; the rarer "no
# trade" label weighed up on the label head).
pipeline = make_pipeline(
    StandardScaler(),
    RegressorClassifier(
        amount_transformer=FunctionTransformer(np.log1p, np.expm1),
        zero_amount_label=0,
        class_weight="balanced",
        epochs=EPOCHS,
        random_state=0,
    ),
)

# %%
# What the genetic algorithm did with one fitness number, the search does
# with one scorer per head, cross-validated, refit on the label's AUC.
scoring = {
    "mae": amount_scorer("neg_mean_absolute_error"),
    "r2": amount_scorer("r2"),
    "auc": label_scorer("roc_auc"),
    "bal_acc": label_scorer("balanced_accuracy"),
}
search = GridSearchCV(
    pipeline,
    GRID,
    scoring=scoring,
    refit="auc",
    cv=LabelStratifiedKFold(N_SPLITS, shuffle=True, random_state=0),
    n_jobs=N_JOBS,
)
search.fit(X_train, y_train)

results = search.cv_results_
short = {"regressorclassifier__hidden_layer_sizes": "layers",
         "regressorclassifier__learning_rate": "lr"}
print(f"\n{'layers':>10s} {'lr':>7s} {'MAE':>8s} {'R2':>7s} {'AUC':>7s} {'bal.acc':>8s}")
for i, params in enumerate(results["params"]):
    named = {short[k]: v for k, v in params.items()}
    mark = "  <- refit" if i == search.best_index_ else ""
    print(
        f"{str(named['layers']):>10s} {named['lr']:7.0e} "
        f"{-results['mean_test_mae'][i]:8.2f} {results['mean_test_r2'][i]:7.3f} "
        f"{results['mean_test_auc'][i]:7.3f} {results['mean_test_bal_acc'][i]:8.3f}{mark}"
    )

# %%
# The refitted best model on rows the search never saw, against the naive
# baselines (mean amount, majority label).
pred = search.predict(X_test)
proba = search.predict_proba(X_test)[:, 1]
amount, label = y_test["quantity"].to_numpy(), y_test["trades"].to_numpy()
majority = np.bincount(y_train["trades"]).argmax()
print(f"\nbest by AUC: {search.best_params_}")
print(f"held out: amount MAE {mean_absolute_error(amount, pred.amount):.2f} "
      f"(mean-amount baseline {mean_absolute_error(amount, np.full_like(amount, y_train['quantity'].mean())):.2f}), "
      f"R2 {r2_score(amount, pred.amount):.3f}; label accuracy "
      f"{accuracy_score(label, pred.label):.3f} (majority {np.mean(label == majority):.3f}), "
      f"balanced accuracy {balanced_accuracy_score(label, pred.label):.3f} (majority 0.500), "
      f"ROC AUC {roc_auc_score(label, proba):.3f}")

# %%
# The search results on a picture: each candidate's amount error against its
# label AUC (cross-validated means, with the spread over folds).
fig, ax = plt.subplots(figsize=(6, 4))
mae, auc = -results["mean_test_mae"], results["mean_test_auc"]
ax.errorbar(mae, auc, xerr=results["std_test_mae"], yerr=results["std_test_auc"],
            fmt="o", color="tab:blue", ecolor="lightgray")
for i, params in enumerate(results["params"]):
    named = {short[k]: v for k, v in params.items()}
    ax.annotate(f"{named['layers']}, {named['lr']:.0e}", (mae[i], auc[i]),
                textcoords="offset points", xytext=(4, 4), fontsize=7)
ax.scatter([mae[search.best_index_]], [auc[search.best_index_]], s=160,
           facecolors="none", edgecolors="tab:red", label="refit (best AUC)")
ax.set_xlabel("amount MAE (cross-validated, lower is better)")
ax.set_ylabel("label ROC AUC (cross-validated)")
ax.legend(loc="lower right")
fig.tight_layout()
fig.savefig(OUTPUT / "grid_search.png", dpi=100)
print(
    f"\nsaved {OUTPUT / 'grid_search.png'}; mode {'fast' if FAST else 'full'}, "
    f"{time.perf_counter() - started:.0f} s"
)
