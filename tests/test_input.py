"""skmulti/_input.py: validating X, 2-D tables and 3-D sequences."""

import numpy as np
import pytest
from conftest import TINY, make_xy

from skmulti import RegressorClassifier
from skmulti._input import check_X_fit

SEQ = dict(TINY, early_stopping=False, recurrent_layer_sizes=(4,))


def _sequences(n=30, n_timesteps=4, n_features=3):
    X2, y = make_xy(n=n, n_features=n_features)
    X = np.repeat(X2[:, None, :], n_timesteps, axis=1)
    return X, y


@pytest.mark.parametrize(
    "shape, pattern",
    [
        ((30, 0, 3), r"0 timestep\(s\) \(shape=\(30, 0, 3\)\).*at least one timestep"),
        ((30, 4, 0), r"0 feature\(s\) per timestep \(shape=\(30, 4, 0\)\)"),
    ],
    ids=["0-timesteps", "0-features"],
)
def test_check_X_fit_refuses_empty_sequences(shape, pattern):
    with pytest.raises(ValueError, match=pattern):
        check_X_fit(np.zeros(shape), RegressorClassifier())


def test_fit_refuses_sequences_with_0_timesteps():
    """Issue 12, item 13: not TensorFlow's "slice index 0 of dimension 1 out of bounds"."""
    X, y = _sequences()
    with pytest.raises(ValueError, match=r"0 timestep\(s\).*RegressorClassifier"):
        RegressorClassifier(**SEQ).fit(X[:, :0, :], y)


def test_predict_refuses_sequences_with_0_timesteps():
    """Issue 12, item 14: the same at predict, on an estimator fitted on sequences."""
    X, y = _sequences()
    est = RegressorClassifier(**SEQ).fit(X, y)
    with pytest.raises(ValueError, match=r"0 timestep\(s\) \(shape=\(5, 0, 3\)\)"):
        est.predict(X[:5, :0, :])
    with pytest.raises(ValueError, match=r"0 timestep\(s\)"):
        est.predict_proba(X[:5, :0, :])
    assert est.predict(X[:5, :1, :]).amount.shape == (5,)  # one timestep is enough
