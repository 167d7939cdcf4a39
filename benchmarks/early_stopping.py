"""Early stopping for two heads: ``monitor="loss"`` against ``monitor="heads"``.

Two synthetic cases where the heads learn at different speeds (a noisy amount
that overfits quickly, an imbalanced 85:15 label learned slowly from an
interaction), each fitted with the default estimator under both monitors and
three seeds, scored on 4,000 fresh rows: label ROC AUC and balanced accuracy,
amount R^2, epochs run, and the epochs where each head's validation loss was
lowest.

    PYTHONPATH=. python benchmarks/early_stopping.py [--quick]

``--quick``: one seed.
"""

import sys
import warnings

import numpy as np
from sklearn.metrics import balanced_accuracy_score, r2_score, roc_auc_score

from skmulti import RegressorClassifier

CASES = {
    # amount signal weak against heavy noise: overfitting makes it worse than a constant
    "heavy-noise": dict(n_features=12, amount_noise=3.0, n=1200),
    # amount signal moderate (R^2 about 0.3): overfits, stays better than a constant
    "moderate-noise": dict(n_features=12, amount_noise=1.5, n=1500),
}


def make(n, seed, n_features, amount_noise):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, n_features))
    amount = X[:, 0] + 0.5 * X[:, 1] + amount_noise * rng.normal(size=n)
    score = X[:, 2] * X[:, 3] + 0.5 * X[:, 4] ** 2 + 0.3 * rng.normal(size=n)
    label = (score > np.quantile(score, 0.85)).astype(int)
    return X, np.column_stack([amount, label])


def main():
    warnings.simplefilter("ignore")
    seeds = [0] if "--quick" in sys.argv else [0, 1, 2]
    print(f"{'case':15s} {'monitor':8s} {'auc':>6s} {'bacc':>6s} {'r2':>7s} {'epochs':>6s} "
          f"{'best e (amount, label)':>22s}")
    for name, case in CASES.items():
        n = case.pop("n")
        X, y = make(n, 0, **case)
        Xt, yt = make(4000, 1, **case)
        case["n"] = n
        for monitor in ("loss", "heads"):
            rows = []
            for seed in seeds:
                est = RegressorClassifier(monitor=monitor, random_state=seed).fit(X, y)
                pred, proba = est.predict(Xt), est.predict_proba(Xt)[:, 1]
                h = est.history_
                rows.append((
                    roc_auc_score(yt[:, 1], proba),
                    balanced_accuracy_score(yt[:, 1], pred.label),
                    r2_score(yt[:, 0], pred.amount), est.n_iter_,
                    (int(np.argmin(h["val_amount_loss"])) + 1,
                     int(np.argmin(h["val_label_loss"])) + 1),
                ))
            auc, bacc, r2, epochs = (np.mean([r[i] for r in rows]) for i in range(4))
            best = " ".join(f"{a},{b}" for *_, (a, b) in rows)
            print(f"{name:15s} {monitor:8s} {auc:6.3f} {bacc:6.3f} {r2:7.3f} {epochs:6.1f} "
                  f"{best:>22s}")


if __name__ == "__main__":
    main()
