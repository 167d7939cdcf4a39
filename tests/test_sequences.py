"""3-D X: recurrent trunk, NaN padding, SequenceScaler, CV and search tools."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline

from skmulti import RegressorClassifier
from skmulti._network import PAD_VALUE
from skmulti.preprocessing import SequenceScaler

# Two epochs of a 4-unit network are meant to be untrained; collapse warnings
# are tested in test_diagnostics.py.
pytestmark = pytest.mark.filterwarnings("ignore::skmulti.exceptions.CollapseWarning")

SEQ = dict(
    hidden_layer_sizes=(4,),
    recurrent_layer_sizes=(4,),
    epochs=2,
    batch_size=16,
    random_state=0,
    early_stopping=False,
)


def make_sequences(n=40, n_timesteps=6, n_features=3, seed=0):
    """Sequences whose amount is the last value and whose label is the trend."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, n_timesteps, n_features)).cumsum(axis=1)
    amount = X[:, -1, 0]
    label = (X[:, -1, 1] > X[:, 0, 1]).astype(int)
    return X, np.column_stack([amount, label])


def layer_types(est):
    return [type(layer).__name__ for layer in est.model_.layers]


@pytest.fixture(scope="module")
def seqs():
    return make_sequences()


@pytest.fixture(scope="module")
def fitted(seqs):
    X, y = seqs
    return RegressorClassifier(**SEQ).fit(X, y)


def test_3d_fit_predict_lstm(seqs, fitted):
    X, _ = seqs
    types = layer_types(fitted)
    assert types.count("LSTM") == 1 and "Masking" in types
    assert fitted.n_features_in_ == 3 and fitted.X_shape_ == (40, 6, 3)
    pred = fitted.predict(X)
    assert pred.amount.shape == (40,) and set(pred.label) <= {0, 1}
    assert fitted.predict_proba(X).shape == (40, 2)
    # Any number of timesteps is accepted at predict.
    assert fitted.predict(X[:5, 2:]).amount.shape == (5,)


def test_gru_and_stacked_recurrent_layers(seqs):
    X, y = seqs
    est = RegressorClassifier(
        **{**SEQ, "recurrent_layer_sizes": (4, 3)}, recurrent_cell="gru"
    ).fit(X, y)
    assert layer_types(est).count("GRU") == 2
    sizes = [layer.units for layer in est.model_.layers if hasattr(layer, "units")]
    assert sizes[:2] == [4, 3]


def test_no_recurrent_layer_averages_timesteps(seqs):
    X, y = seqs
    est = RegressorClassifier(**{**SEQ, "recurrent_layer_sizes": ()}).fit(X, y)
    assert "GlobalAveragePooling1D" in layer_types(est)


def test_recurrent_parameters_are_ignored_for_2d(seqs):
    X, y = seqs
    est = RegressorClassifier(**SEQ, recurrent_cell="gru").fit(X[:, -1, :], y)
    types = layer_types(est)
    assert not {"LSTM", "GRU", "Masking"} & set(types)
    with pytest.raises(ValueError, match="fitted on a 2-D table; got 3-D"):
        est.predict(X)


@pytest.mark.parametrize("where", ["pre", "post"])
def test_nan_padding_is_masked(seqs, fitted, where):
    """A padded sequence predicts exactly what the unpadded one predicts."""
    X, _ = seqs
    short = X[:4, 2:]  # 4 timesteps instead of 6
    pad = np.full((4, 2, 3), np.nan)
    padded = np.concatenate([pad, short] if where == "pre" else [short, pad], axis=1)
    a, b = fitted.predict(short), fitted.predict(padded)
    np.testing.assert_allclose(a.amount, b.amount, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        fitted.predict_proba(short), fitted.predict_proba(padded), rtol=1e-5, atol=1e-6
    )


def test_nan_padded_training_data(seqs):
    X, y = seqs
    X = X.copy()
    X[::3, :2] = np.nan  # a third of the histories are two years shorter
    est = RegressorClassifier(**SEQ).fit(X, y)
    assert np.isfinite(est.predict(X).amount).all()
    # NaN padding survives SequenceScaler in a pipeline.
    pipe = make_pipeline(SequenceScaler(), RegressorClassifier(**SEQ)).fit(X, y)
    assert np.isfinite(pipe.predict(X).amount).all()


def test_padding_errors(seqs, fitted):
    X, y = seqs
    partial = X.copy()
    partial[1, 2, 0] = np.nan
    with pytest.raises(
        ValueError, match=r"NaN in part of a timestep \(sample 1, timestep 2\)"
    ):
        RegressorClassifier(**SEQ).fit(partial, y)
    empty = X.copy()
    empty[3] = np.nan
    with pytest.raises(
        ValueError, match=r"sample\(s\) \[3\] whose timesteps are all NaN"
    ):
        RegressorClassifier(**SEQ).fit(empty, y)
    reserved = X.copy()
    reserved[0, 0, 0] = PAD_VALUE
    with pytest.raises(ValueError, match="reserves for padding"):
        RegressorClassifier(**SEQ).fit(reserved, y)
    infinite = X.copy()
    infinite[0, 0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        RegressorClassifier(**SEQ).fit(infinite, y)
    # The same checks guard predict.
    with pytest.raises(ValueError, match="NaN in part of a timestep"):
        fitted.predict(partial)
    with pytest.raises(ValueError, match="fitted on 3-D sequences"):
        fitted.predict(X[:, -1, :])
    with pytest.raises(ValueError, match="2 features per timestep.*expecting 3"):
        fitted.predict(X[:, :, :2])


def test_numeric_padding_is_data_not_padding(seqs, fitted):
    """0-padding is not detected: it is read as observations (the docs say so)."""
    X, _ = seqs
    short = X[:4, 2:]
    zero_padded = np.concatenate([np.zeros((4, 2, 3)), short], axis=1)
    nan_padded = np.where(zero_padded == 0, np.nan, zero_padded)
    np.testing.assert_allclose(
        fitted.predict(nan_padded).amount,
        fitted.predict(short).amount,
        rtol=1e-5,
        atol=1e-6,
    )
    assert not np.allclose(
        fitted.predict(zero_padded).amount, fitted.predict(short).amount
    )


@pytest.mark.slow
def test_time_series_split_and_grid_search_on_3d(seqs):
    X, y = seqs
    pipe = make_pipeline(SequenceScaler(), RegressorClassifier(**SEQ))
    search = GridSearchCV(
        pipe,
        {"regressorclassifier__recurrent_cell": ["lstm", "gru"]},
        cv=TimeSeriesSplit(n_splits=2),
    ).fit(X, y)
    assert search.best_params_["regressorclassifier__recurrent_cell"] in {"lstm", "gru"}
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.predict(X[:3]).amount.shape == (3,)
    # Every split trains on the past only.
    for train, test in TimeSeriesSplit(n_splits=2).split(X):
        assert train.max() < test.min()


@pytest.mark.slow
def test_recurrent_trunk_learns_the_order_of_timesteps():
    """The label is a trend (last vs first step): an order-blind trunk cannot see it."""
    X, y = make_sequences(n=400, n_timesteps=6, seed=1)
    Xt, yt = make_sequences(n=400, n_timesteps=6, seed=2)
    params = dict(
        hidden_layer_sizes=(16,),
        epochs=40,
        batch_size=32,
        learning_rate=3e-3,
        random_state=0,
        early_stopping=False,
    )
    lstm = make_pipeline(
        SequenceScaler(), RegressorClassifier(recurrent_layer_sizes=(16,), **params)
    ).fit(X, y)
    blind = make_pipeline(
        SequenceScaler(), RegressorClassifier(recurrent_layer_sizes=(), **params)
    ).fit(X, y)
    acc_lstm = np.mean(lstm.predict(Xt).label == yt[:, 1])
    acc_blind = np.mean(blind.predict(Xt).label == yt[:, 1])
    assert acc_lstm > 0.8
    assert acc_lstm > acc_blind + 0.1
