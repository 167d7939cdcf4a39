"""zero_amount_label: the hurdle (two-part) model."""

import numpy as np
import pytest
from sklearn.preprocessing import FunctionTransformer

from skmulti import RegressorClassifier
from skmulti.datasets import make_trade

# Tiny fits: ConvergenceWarning (and CollapseWarning, its subclass) is expected.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

HURDLE = dict(
    hidden_layer_sizes=(8,),
    epochs=5,
    batch_size=32,
    random_state=0,
    zero_amount_label="none",
)


@pytest.fixture(scope="module")
def purchases():
    """Customers: does one buy (label), and for how much (0 when not)."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(120, 4))
    buys = X[:, 0] + 0.3 * rng.normal(size=120) > -0.5
    amount = np.where(buys, np.exp(1.0 + 0.5 * X[:, 1]), 0.0)
    label = np.where(buys, "buys", "none")
    y = np.empty((120, 2), dtype=object)
    y[:, 0], y[:, 1] = amount, label
    return X, y


def test_amounts_of_zero_label_rows_do_not_change_the_model(purchases):
    X, y = purchases
    none = y[:, 1] == "none"
    garbage = y.copy()
    garbage[none, 0] = np.random.RandomState(1).normal(1e6, 1e5, size=none.sum())
    for transformer in ["standard", FunctionTransformer(np.log1p, np.expm1)]:
        a = RegressorClassifier(**HURDLE, amount_transformer=transformer).fit(X, y)
        b = RegressorClassifier(**HURDLE, amount_transformer=transformer).fit(
            X, garbage
        )
        pa, pb = a.predict(X), b.predict(X)
        np.testing.assert_array_equal(pa.amount, pb.amount)
        np.testing.assert_array_equal(pa.label, pb.label)
        np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
        assert a.history_ == b.history_
    # The amount transformer was fitted on the rows that buy only.
    standard = RegressorClassifier(**HURDLE).fit(X, garbage)
    assert standard.amount_transformer_.mean_[0] == pytest.approx(
        y[~none, 0].astype(float).mean()
    )
    # Without the hurdle the garbage does change the model.
    plain = {**HURDLE, "zero_amount_label": None}
    c = RegressorClassifier(**plain).fit(X, y)
    d = RegressorClassifier(**plain).fit(X, garbage)
    assert not np.array_equal(c.predict(X).amount, d.predict(X).amount)


def test_predict_returns_exact_zeros_for_the_zero_label(purchases):
    X, y = purchases
    est = RegressorClassifier(**HURDLE).fit(X, y)
    pred = est.predict(X)
    zero = pred.label == "none"
    assert zero.any() and (~zero).any()
    assert np.all(pred.amount[zero] == 0.0)
    assert np.all(pred.amount[~zero] != 0.0)
    assert np.asarray(pred)[zero, 0].astype(float).tolist() == [0.0] * zero.sum()


def test_hurdle_with_int_labels_poisson_and_sample_weight():
    X, y = make_trade(150, random_state=0)
    est = RegressorClassifier(
        **{**HURDLE, "zero_amount_label": 0},
        amount_loss="poisson",
        amount_transformer=FunctionTransformer(np.log1p, np.expm1),
    ).fit(X, y, sample_weight=np.linspace(0.5, 1.5, 150))
    pred = est.predict(X)
    assert np.all(pred.amount[pred.label == 0] == 0.0)
    assert np.all(pred.amount >= 0.0)


def test_zero_amount_label_errors(purchases):
    X, y = purchases
    with pytest.raises(
        ValueError,
        match=r"zero_amount_label='no' is not a class of "
        r"y; the classes are \['buys', 'none'\]",
    ):
        RegressorClassifier(**{**HURDLE, "zero_amount_label": "no"}).fit(X, y)
    with pytest.raises(ValueError, match="is not a class of y"):
        RegressorClassifier(**{**HURDLE, "zero_amount_label": 0}).fit(X, y)
