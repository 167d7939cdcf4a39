"""skmulti.datasets: make_trade's contract, and the truth it draws from."""

import numpy as np
import pytest

from skmulti.datasets import TRADE_FEATURES, _trade_truth, make_trade


def test_make_trade_columns_and_hurdle():
    X, y = make_trade(500, random_state=0)
    assert list(X.columns) == list(TRADE_FEATURES)
    assert list(y.columns) == ["quantity", "trades"]
    assert set(np.unique(y["trades"])) == {0, 1}
    traded = y["trades"] == 1
    assert (y.loc[~traded, "quantity"] == 0).all()
    assert (y.loc[traded, "quantity"] > 0).all()


def test_make_trade_is_reproducible_and_seeded():
    a, b, c = (make_trade(200, random_state=s)[1] for s in (3, 3, 4))
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
    assert not np.array_equal(a.to_numpy(), c.to_numpy())


def test_truth_is_what_the_outcomes_are_drawn_from():
    """Binned by the true probability, the observed trade rate matches it; the
    mean quantity matches the true expected quantity."""
    X, y = make_trade(200_000, random_state=0)
    probability, expected = _trade_truth(X)
    assert probability.min() >= 0.0 and probability.max() <= 1.0
    bins = np.digitize(probability, np.linspace(0.1, 0.9, 9))
    for b in np.unique(bins):
        rows = bins == b
        if rows.sum() < 2000:
            continue
        assert y["trades"][rows].mean() == pytest.approx(probability[rows].mean(), abs=0.015)
    assert y["quantity"].mean() == pytest.approx(expected.mean(), rel=0.02)
    # the Bayes rule is as accurate as the probabilities say
    accuracy = np.mean((probability > 0.5) == y["trades"].to_numpy())
    assert accuracy == pytest.approx(np.maximum(probability, 1 - probability).mean(), abs=0.005)


def test_truth_rejects_the_3d_histories():
    X, _ = make_trade(20, n_timesteps=4, random_state=0)
    with pytest.raises(ValueError, match="2-D"):
        _trade_truth(X)
