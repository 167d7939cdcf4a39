"""skmulti/_input.py: validating X, 2-D tables and 3-D sequences."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import TINY, make_xy
from sklearn.compose import make_column_transformer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils.validation import validate_data

from skmulti import RegressorClassifier, _engine
from skmulti._input import _fast_table, check_X_fit, check_X_predict
from skmulti.metrics import amount_scorer

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


# -- sparse X (issue 9): accepted, densified per batch, same results as dense ------------


def _one_hot_data(n=150, seed=0):
    rng = np.random.RandomState(seed)
    cats = rng.randint(0, 6, size=(n, 3))
    amount = cats[:, 0] * 1.5 - cats[:, 1] + rng.normal(scale=0.3, size=n)
    label = np.where(cats[:, 2] > 2, "hi", "lo")
    y = np.empty((n, 2), dtype=object)
    y[:, 0], y[:, 1] = amount, label
    return cats, y


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo_array"])
def test_sparse_X_gives_the_same_fit_as_dense(fmt, monkeypatch):
    monkeypatch.setattr(_engine, "SPARSE_CHUNK_ROWS", 48)  # several chunks per epoch
    cats, y = _one_hot_data()
    X = OneHotEncoder().fit_transform(cats)  # CSR
    sparse = {"csr": sp.csr_matrix, "csc": sp.csc_matrix, "coo_array": sp.coo_array}[fmt](X)
    params = {**TINY, "epochs": 4}
    dense_fit = RegressorClassifier(**params).fit(X.toarray(), y)
    sparse_fit = RegressorClassifier(**params).fit(sparse, y)
    np.testing.assert_allclose(sparse_fit.history_["loss"], dense_fit.history_["loss"],
                               rtol=1e-5)
    np.testing.assert_allclose(sparse_fit.history_["val_loss"],
                               dense_fit.history_["val_loss"], rtol=1e-5)
    np.testing.assert_allclose(sparse_fit.predict_proba(sparse),
                               dense_fit.predict_proba(X.toarray()), rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(sparse_fit.predict(sparse).label,
                                  sparse_fit.predict(X.toarray()).label)


def test_sparse_X_is_densified_a_chunk_at_a_time(monkeypatch):
    """Never the whole matrix: the largest dense block is one chunk of batches."""
    monkeypatch.setattr(_engine, "SPARSE_CHUNK_ROWS", 32)
    monkeypatch.setattr(_engine, "PREDICT_CHUNK", 40)
    import skmulti._input as input_module

    seen = []
    original = input_module.dense_rows

    def spy(X, rows=None):
        out = original(X, rows)
        if sp.issparse(X):
            seen.append(out.shape[0])
        return out

    monkeypatch.setattr(_engine, "dense_rows", spy)
    cats, y = _one_hot_data(200)
    X = OneHotEncoder().fit_transform(cats)
    RegressorClassifier(**{**TINY, "batch_size": 16}).fit(X, y).predict(X)
    assert seen and max(seen) <= 40 < X.shape[0]


def test_one_hot_pipeline_and_search_accept_sparse_output():
    cats, y = _one_hot_data()
    import pandas as pd

    df = pd.DataFrame(cats, columns=["a", "b", "c"]).assign(num=np.arange(len(cats)) / 100)
    pipe = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["a", "b", "c"]), remainder="passthrough",
                                sparse_threshold=1.0),
        RegressorClassifier(**TINY),
    )
    assert sp.issparse(pipe[:-1].fit_transform(df))
    search = GridSearchCV(pipe, {"regressorclassifier__hidden_layer_sizes": [(4,), (8,)]},
                          cv=2, scoring=amount_scorer("neg_mean_absolute_error"))
    search.fit(df, y)
    assert np.asarray(search.predict(df)).shape == (len(df), 2)
    direct = make_pipeline(OneHotEncoder(), RegressorClassifier(**TINY)).fit(cats, y)
    assert np.isfinite(direct.predict(cats).amount).all()


# -- predict's fast path for plain float arrays (issue 8: 1-row latency) -------------


@pytest.fixture(scope="module")
def fitted_on_array():
    X, y = make_xy(n=40, n_features=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 3 epochs: convergence warnings
        return RegressorClassifier(**TINY).fit(X, y)


def _slow(X, est):
    return validate_data(est, X, reset=False, dtype=np.float32, accept_sparse="csr")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("n", [1, 50, 20_000])
def test_fast_path_gives_what_validate_data_gives(fitted_on_array, dtype, order, n):
    rng = np.random.default_rng(0)
    X = np.asarray(rng.normal(size=(n, 4)), dtype=dtype, order=order)
    fast = _fast_table(X, fitted_on_array)
    assert fast is not None
    expected = _slow(X, fitted_on_array)
    assert fast.dtype == expected.dtype == np.float32
    np.testing.assert_array_equal(fast, expected)
    np.testing.assert_array_equal(check_X_predict(X, fitted_on_array), expected)


@pytest.mark.parametrize("X, pattern", [
    (np.array([[1.0, np.nan, 0.0, 0.0]]), "Input X contains NaN"),
    (np.array([[1.0, np.inf, 0.0, 0.0]], dtype="float32"), "Input X contains infinity"),
    (np.array([[1e39, 0.0, 0.0, 0.0]]), "infinity or a value too large"),
    (np.full((20_000, 4), np.nan), "Input X contains NaN"),  # the sum-first branch
    (np.zeros((1, 3)), "X has 3 features, but RegressorClassifier is expecting 4"),
    (np.zeros((0, 4)), "0 sample"),
    (np.zeros(4), "Expected 2D array, got 1D array"),
    (np.array([["a", "b", "c", "d"]], dtype=object), "Input X must be numeric"),
], ids=["nan", "inf", "float32-overflow", "nan-large", "width", "empty", "1-D", "text"])
def test_fast_path_leaves_bad_X_to_validate_data(fitted_on_array, X, pattern):
    assert _fast_table(X, fitted_on_array) is None
    with pytest.raises(ValueError, match=pattern):
        check_X_predict(X, fitted_on_array)


@pytest.mark.parametrize("X", [
    [[0.0, 1.0, 2.0, 3.0]],
    np.zeros((2, 4), dtype="int64"),
    np.ma.masked_array(np.zeros((2, 4))),
], ids=["list", "int", "ndarray subclass"])
def test_fast_path_skips_other_inputs_which_still_validate(fitted_on_array, X):
    assert _fast_table(X, fitted_on_array) is None
    assert check_X_predict(X, fitted_on_array).dtype == np.float32


def test_fast_path_keeps_the_feature_names_warning():
    import pandas as pd

    X, y = make_xy(n=40, n_features=4)
    frame = pd.DataFrame(X, columns=list("abcd"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = RegressorClassifier(**TINY).fit(frame, y)
    assert _fast_table(X, est) is None
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        check_X_predict(X, est)
