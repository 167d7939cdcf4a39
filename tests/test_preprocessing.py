"""SequenceScaler: a StandardScaler for tables and NaN-padded sequences."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skmulti.preprocessing import SequenceScaler


@parametrize_with_checks([SequenceScaler(), SequenceScaler(with_mean=False)])
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


@pytest.fixture
def sequences():
    rng = np.random.RandomState(0)
    X = rng.normal(loc=[1.0, -50.0, 1e4], scale=[1.0, 10.0, 1e3], size=(30, 7, 3))
    return X


def test_2d_matches_standard_scaler():
    X = np.random.RandomState(0).normal(loc=5.0, scale=[1.0, 10.0, 100.0], size=(50, 3))
    np.testing.assert_allclose(
        SequenceScaler().fit_transform(X), StandardScaler().fit_transform(X)
    )


def test_3d_standardizes_over_samples_and_timesteps(sequences):
    scaler = SequenceScaler().fit(sequences)
    Xt = scaler.transform(sequences)
    assert Xt.shape == sequences.shape
    assert scaler.n_features_in_ == 3
    assert scaler.mean_.shape == scaler.scale_.shape == (3,)
    np.testing.assert_allclose(Xt.mean(axis=(0, 1)), 0.0, atol=1e-10)
    np.testing.assert_allclose(Xt.std(axis=(0, 1)), 1.0)
    # Same as StandardScaler on the (samples * timesteps, features) table.
    flat = (
        StandardScaler()
        .fit_transform(sequences.reshape(-1, 3))
        .reshape(sequences.shape)
    )
    np.testing.assert_allclose(Xt, flat)
    np.testing.assert_allclose(scaler.inverse_transform(Xt), sequences)
    assert scaler.n_samples_seen_.tolist() == [30 * 7] * 3


def test_nan_padding_passes_through_and_is_ignored(sequences):
    X = sequences.copy()
    X[0, :3] = np.nan  # pre-padded: the first sequence starts at step 3
    X[1, 5:] = np.nan  # post-padded
    scaler = SequenceScaler().fit(X)
    Xt = scaler.transform(X)
    np.testing.assert_array_equal(np.isnan(Xt), np.isnan(X))
    observed = X[~np.isnan(X).any(axis=2)]
    np.testing.assert_allclose(scaler.mean_, observed.mean(axis=0))
    np.testing.assert_allclose(scaler.scale_, observed.std(axis=0))
    assert scaler.n_samples_seen_.tolist() == [len(observed)] * 3
    np.testing.assert_allclose(scaler.inverse_transform(Xt), X, equal_nan=True)


def test_with_mean_and_with_std(sequences):
    only_std = SequenceScaler(with_mean=False).fit(sequences)
    assert only_std.mean_ is None
    np.testing.assert_allclose(
        only_std.transform(sequences), sequences / sequences.std(axis=(0, 1))
    )
    only_mean = SequenceScaler(with_std=False).fit(sequences)
    assert only_mean.scale_ is None and only_mean.var_ is None
    np.testing.assert_allclose(
        only_mean.transform(sequences), sequences - sequences.mean(axis=(0, 1))
    )


def test_constant_feature_is_divided_by_one():
    X = np.ones((4, 5, 2))
    X[:, :, 1] = np.arange(20.0).reshape(4, 5)
    scaler = SequenceScaler().fit(X)
    assert scaler.scale_[0] == 1.0
    np.testing.assert_allclose(scaler.transform(X)[:, :, 0], 0.0)


def test_float32_is_preserved_and_copy_is_honoured(sequences):
    X = sequences.astype(np.float32)
    assert SequenceScaler().fit_transform(X).dtype == np.float32
    X64 = sequences.copy()
    out = SequenceScaler(copy=False).fit(X64).transform(X64)
    assert np.shares_memory(out, X64)
    kept = sequences.copy()
    SequenceScaler().fit(kept).transform(kept)
    np.testing.assert_array_equal(kept, sequences)


def test_feature_names_2d():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"gdp": [1.0, 2.0, 3.0], "tariff": [0.1, 0.2, 0.4]})
    scaler = SequenceScaler().fit(X)
    assert scaler.feature_names_in_.tolist() == ["gdp", "tariff"]
    assert scaler.get_feature_names_out().tolist() == ["gdp", "tariff"]
    # Refitting on 3-D drops the names of the old table.
    scaler.fit(np.zeros((2, 3, 2)))
    assert not hasattr(scaler, "feature_names_in_")
    assert scaler.get_feature_names_out().tolist() == ["x0", "x1"]


def test_transform_checks_the_number_of_features(sequences):
    scaler = SequenceScaler().fit(sequences)
    with pytest.raises(ValueError, match="2 features per timestep.*expecting 3"):
        scaler.transform(sequences[:, :, :2])
    with pytest.raises(ValueError, match="expecting 3 features"):
        scaler.transform(np.zeros((4, 2)))
    # A 2-D table of the same features is accepted by a scaler fitted on 3-D.
    assert scaler.transform(sequences[:, -1, :]).shape == (30, 3)
    with pytest.raises(ValueError, match="2-D or 3-D"):
        scaler.inverse_transform(np.zeros((4, 2)))


def test_refuses_infinity_and_4d(sequences):
    X = sequences.copy()
    X[0, 0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        SequenceScaler().fit(X)
    with pytest.raises(ValueError, match="dim 4"):
        SequenceScaler().fit(np.zeros((2, 2, 2, 2)))


def test_invalid_parameter():
    with pytest.raises(ValueError, match="'with_mean' parameter of SequenceScaler"):
        SequenceScaler(with_mean="yes").fit(np.zeros((3, 2)))


def test_clone_pickle_pipeline(sequences):
    scaler = SequenceScaler(with_std=False).fit(sequences)
    assert clone(scaler).get_params() == {
        "copy": True,
        "with_mean": True,
        "with_std": False,
    }
    restored = pickle.loads(pickle.dumps(scaler))
    np.testing.assert_array_equal(
        restored.transform(sequences), scaler.transform(sequences)
    )
    from sklearn.preprocessing import FunctionTransformer

    pipe = make_pipeline(SequenceScaler(), FunctionTransformer()).fit(sequences)
    assert pipe.transform(sequences).shape == sequences.shape
