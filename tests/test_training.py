"""Early stopping for several heads (``monitor="heads"``), on a synthetic case.

The case of issue 9: a noisy amount that overfits within a few epochs and an
imbalanced (85:15) label learned slowly from an interaction. One stopping point
for the summed loss (``monitor="loss"``) restores an epoch early in the label's
learning; ``monitor="heads"`` restores the epoch that is best for the label and
refits the linear amount head on that trunk.
"""

import warnings

import numpy as np
import pytest
from sklearn.metrics import mean_squared_error

from skmulti import RegressorClassifier
from skmulti._training import EarlyStopping
from skmulti.exceptions import CollapseWarning


def make_two_speeds(n, seed):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 10))
    amount = X[:, 0] + 0.5 * X[:, 1] + 3.0 * rng.normal(size=n)  # weak signal, heavy noise
    score = X[:, 2] * X[:, 3] + 0.5 * X[:, 4] ** 2 + 0.3 * rng.normal(size=n)
    label = (score > np.quantile(score, 0.85)).astype(int)
    return X, np.column_stack([amount, label])


@pytest.fixture(scope="module")
def fits():
    X, y = make_two_speeds(800, 0)
    X_new, y_new = make_two_speeds(4000, 1)
    out = {}
    for monitor in ("loss", "heads"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est = RegressorClassifier(hidden_layer_sizes=(32, 32), monitor=monitor,
                                      random_state=0).fit(X, y)
        collapsed = [w for w in caught if issubclass(w.category, CollapseWarning)]
        out[monitor] = (est, collapsed)
    return out, X_new, y_new


def test_restored_label_is_at_its_best_and_not_collapsed(fits):
    out, X_new, y_new = fits
    est, collapsed = out["heads"]
    val = np.asarray(est.history_["val_label_loss"])
    restored = val[est.best_epoch_ - 1]
    assert restored <= 1.05 * val.min()  # close to its own best
    assert not collapsed
    share = np.mean(est.predict(X_new).label == 1)
    assert share >= 0.5 * np.mean(y_new[:, 1] == 1)  # predicts the minority class
    # The summed loss stopped early in the label's learning: far from its best.
    today, _ = out["loss"]
    today_val = np.asarray(today.history_["val_label_loss"])
    assert today_val[today.best_epoch_ - 1] > restored
    assert est.best_epoch_ > today.best_epoch_


def test_amount_is_no_worse_than_with_the_summed_loss(fits):
    out, X_new, y_new = fits
    mse = {m: mean_squared_error(y_new[:, 0], out[m][0].predict(X_new).amount)
           for m in out}
    assert mse["heads"] <= 1.01 * mse["loss"]


def test_linear_amount_head_is_refit_on_the_restored_trunk(fits, monkeypatch):
    """Without the refit (no penalty to try), the restored epoch's own amount head
    is kept: same label, and a worse amount on fresh rows."""
    from skmulti import _training

    out, X_new, y_new = fits
    est, _ = out["heads"]
    monkeypatch.setattr(_training, "REFIT_ALPHAS", ())
    X, y = make_two_speeds(800, 0)
    kept = RegressorClassifier(hidden_layer_sizes=(32, 32), monitor="heads",
                               random_state=0).fit(X, y)
    assert kept.best_epoch_ == est.best_epoch_
    np.testing.assert_array_equal(kept.predict_proba(X_new), est.predict_proba(X_new))
    mse_kept = mean_squared_error(y_new[:, 0], kept.predict(X_new).amount)
    mse_refit = mean_squared_error(y_new[:, 0], est.predict(X_new).amount)
    assert mse_refit < mse_kept


def test_refittable_heads_have_no_say_in_the_choice():
    stop = EarlyStopping("heads", patience=1, baselines={"amount": 1.0, "label": 1.0},
                         heads=["amount", "label"])
    for epoch, (a, b) in enumerate([(0.5, 0.9), (0.7, 0.6), (0.8, 0.5)], 1):
        stop.update(epoch, {"val_amount_loss": a, "val_label_loss": b})
    assert stop.choose() == 2  # the epoch best for the worse-off head
    assert stop.choose(refittable=["amount"]) == 3  # the label's best
