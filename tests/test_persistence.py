"""skmulti.save / skmulti.load: round trips to identical predictions, and refusals."""

import pickle

import joblib
import keras
import numpy as np
import pandas as pd
import pytest
from conftest import TINY, make_xy
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

import skmulti
from skmulti import RegressorClassifier
from skmulti.exceptions import UntrustedTypesError
from skmulti.preprocessing import SequenceScaler

# Tiny fits: ConvergenceWarning (and its subclasses) is expected.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def build_net(meta, units=4):
    """A module-level builder: saved by its import name."""
    inputs = keras.Input((meta["n_features_in_"],))
    h = keras.layers.Dense(units, activation="tanh", name="trunk")(inputs)
    return keras.Model(
        inputs,
        {
            "amount": keras.layers.Dense(1, name="amount")(h),
            "label": keras.layers.Dense(meta["label_units_"], name="label")(
                h
            ),  # logits
        },
    )


class Doubler(TransformerMixin, BaseEstimator):
    """A user's transformer: a type skops does not trust by default."""

    def fit(self, X, y=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X):
        return np.asarray(X, dtype=float) * 2.0


def name_of(obj):
    return f"{obj.__module__}.{obj.__qualname__}"


def assert_same_params(a, b):
    pa, pb = a.get_params(deep=False), b.get_params(deep=False)
    assert pa.keys() == pb.keys()
    for key in pa:
        if isinstance(pa[key], BaseEstimator):
            assert repr(pa[key]) == repr(pb[key]), key
        else:
            assert type(pa[key]) is type(pb[key]) and pa[key] == pb[key], key


def same(a, b):
    """Bit-identical arrays, or lists of them (several label columns), dtypes included."""
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
    return np.array_equal(a, b) and np.asarray(a).dtype == np.asarray(b).dtype


def assert_round_trip(est, X, y, path, **load_kwargs):
    """Save, load: bit-identical predictions; then clone, refit, score, save again."""
    skmulti.save(est, path)
    loaded = skmulti.load(path, **load_kwargs)
    assert type(loaded) is type(est)
    got, want = loaded.predict(X), est.predict(X)
    assert np.array_equal(got.amount, want.amount)
    assert np.array_equal(got.label, want.label) and got.label.dtype == want.label.dtype
    assert same(loaded.predict_proba(X), est.predict_proba(X))
    assert loaded.score(X, y) == est.score(X, y)
    inner, original = (
        (loaded[-1], est[-1]) if isinstance(est, Pipeline) else (loaded, est)
    )
    assert_same_params(inner, original)
    assert same(inner.classes_, original.classes_)
    assert inner.history_ == original.history_
    # Save again: the loaded one is a full estimator, and the file is the same data.
    again = path.with_name(path.stem + "_again.skmulti")
    skmulti.save(loaded, again)
    reloaded = skmulti.load(again, **load_kwargs)
    assert same(reloaded.predict_proba(X), est.predict_proba(X))
    # Clone and refit: same data and random_state, same model as a fresh fit.
    refit = clone(loaded).fit(X, y)
    fresh = clone(est).fit(X, y)
    assert same(refit.predict_proba(X), fresh.predict_proba(X))
    loaded.fit(X, y)  # the loaded object itself refits
    assert np.asarray(loaded.predict(X)).shape == np.asarray(want).shape
    return loaded


def test_round_trip_2d(xy, tmp_path):
    X, y = xy
    est = RegressorClassifier(**TINY).fit(X, y)
    loaded = assert_round_trip(est, X, y, tmp_path / "m.skmulti")
    assert loaded.n_features_in_ == 4 and loaded.X_shape_ == est.X_shape_
    # What was one object is one object again (saved once).
    again = skmulti.load(tmp_path / "m.skmulti")
    encoder = again._target_encoder
    assert again.amount_transformer_ is encoder.amount_encoders_[0].transformer_
    assert again.classes_ is encoder.label_encoders_[0].classes_


def test_round_trip_several_targets(tmp_path):
    """Two amounts and three labels (a DataFrame y), one label weighted."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(90, 4))
    y = pd.DataFrame({"spend": 2 * X[:, 0], "churn": (X[:, 1] > 0).astype(int),
                      "count": np.exp(X[:, 2]), "segment": np.where(X[:, 3] > 0, "a", "b"),
                      "vip": X[:, 0] > 1})
    est = RegressorClassifier(**TINY, amount_columns=["spend", "count"],
                              class_weight=[None, None, "balanced"]).fit(X, y)
    loaded = assert_round_trip(est, X, y, tmp_path / "several.skmulti")
    assert loaded.amount_columns_ == ["spend", "count"]
    assert loaded.label_columns_ == ["churn", "segment", "vip"]


def test_round_trip_dataframe_with_feature_names_and_str_labels(tmp_path):
    X, y = make_xy(label="str", n_classes=3)
    X = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    est = RegressorClassifier(**TINY).fit(X, y)
    path = tmp_path / "m.skmulti"
    skmulti.save(est, path)
    loaded = skmulti.load(path)
    assert loaded.feature_names_in_.tolist() == ["a", "b", "c", "d"]
    assert loaded.feature_names_in_.dtype == est.feature_names_in_.dtype
    assert loaded.classes_.tolist() == ["a", "b", "c"]
    with pytest.raises(ValueError, match="feature names"):
        loaded.predict(X[["d", "c", "b", "a"]])
    assert_round_trip(est, X, y, path)


@pytest.mark.slow
def test_round_trip_3d_sequences(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 5, 3)).cumsum(axis=1)
    X[:5, -2:] = np.nan  # padded timesteps
    y = np.column_stack([X[:, 2, 0], (X[:, 2, 1] > X[:, 0, 1]).astype(int)])
    est = RegressorClassifier(
        **TINY, recurrent_layer_sizes=(4,), recurrent_cell="gru"
    ).fit(X, y)
    assert_round_trip(est, X, y, tmp_path / "m.skmulti")
    # skmulti's own SequenceScaler in a Pipeline needs no trust.
    pipe = make_pipeline(SequenceScaler(), clone(est)).fit(X, y)
    assert_round_trip(pipe, X, y, tmp_path / "p.skmulti")


def test_round_trip_hurdle_and_log1p(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 4))
    buys = X[:, 0] > -0.3
    y = np.empty((80, 2), dtype=object)
    y[:, 0] = np.where(buys, np.exp(1.0 + 0.5 * X[:, 1]), 0.0)
    y[:, 1] = np.where(buys, "buys", "none")
    est = RegressorClassifier(
        **TINY, zero_amount_label="none", amount_transformer="log1p"
    ).fit(X, y)
    loaded = assert_round_trip(est, X, y, tmp_path / "m.skmulti")
    assert (loaded.predict(X).amount[loaded.predict(X).label == "none"] == 0).all()


def test_round_trip_uncertainty_weighting_and_poisson(xy, tmp_path):
    X, y = xy
    y = y.copy()
    y[:, 0] = np.round(np.abs(y[:, 0].astype(float)))
    est = RegressorClassifier(
        **TINY, loss_weighting="uncertainty", amount_loss="poisson"
    ).fit(X, y)
    loaded = assert_round_trip(est, X, y, tmp_path / "m.skmulti")
    assert loaded.loss_weights_ == est.loss_weights_


def test_round_trip_custom_builder_needs_trust(xy, tmp_path):
    X, y = xy
    est = RegressorClassifier(
        build_net,
        **TINY,
        model__units=5,
        optimizer=keras.optimizers.SGD,
        optimizer__momentum=0.5,
    ).fit(X, y)
    path = tmp_path / "m.skmulti"
    skmulti.save(est, path)
    names = sorted([name_of(build_net), name_of(keras.optimizers.SGD)])
    with pytest.raises(UntrustedTypesError, match="not trusted") as info:
        skmulti.load(path)
    assert info.value.names == names
    assert f"trusted={names!r}" in str(info.value)
    loaded = assert_round_trip(est, X, y, path, trusted=names)
    assert loaded.model is build_net and loaded.model__units == 5
    assert loaded.model_.get_layer("trunk").units == 5


def test_round_trip_unfitted(tmp_path):
    est = RegressorClassifier(
        hidden_layer_sizes=(3, 2),
        class_weight={0: 1.0, 1: 2.5},
        amount_transformer=FunctionTransformer(np.log1p, np.expm1),
        callbacks=[keras.callbacks.TerminateOnNaN],
    )
    path = tmp_path / "m.skmulti"
    skmulti.save(est, path)
    # The callback class is code: it needs trust (skops trusts numpy's ufuncs).
    with pytest.raises(UntrustedTypesError) as info:
        skmulti.load(path)
    assert info.value.names == [name_of(keras.callbacks.TerminateOnNaN)]
    loaded = skmulti.load(path, trusted=info.value.names)
    assert_same_params(loaded, est)
    assert loaded.class_weight == {0: 1.0, 1: 2.5}
    assert not hasattr(loaded, "classes_")
    X, y = make_xy()
    y[:, 0] = np.abs(y[:, 0].astype(float))
    fitted = loaded.set_params(**TINY).fit(X, y)
    assert fitted.predict(X).amount.shape == (60,)


def test_round_trip_pipeline_with_column_transformer(tmp_path):
    X, y = make_xy(n=80, label="str")
    X = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    X["shop"] = np.array(["north", "south", "east", "west"])[np.arange(80) % 4]
    pre = ColumnTransformer(
        [
            ("num", StandardScaler(), ["a", "b", "c", "d"]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["shop"]),
        ]
    )
    pipe = Pipeline([("pre", pre), ("est", RegressorClassifier(**TINY))]).fit(X, y)
    loaded = assert_round_trip(pipe, X, y, tmp_path / "p.skmulti")
    assert isinstance(loaded.named_steps["pre"], ColumnTransformer)
    assert pipe.steps[-1][1] is not loaded.steps[-1][1]
    assert isinstance(pipe.steps[-1][1], RegressorClassifier)  # the user's is untouched


def test_pipeline_with_untrusted_transformer_needs_trust(xy, tmp_path):
    X, y = xy
    pipe = make_pipeline(Doubler(), RegressorClassifier(**TINY)).fit(X, y)
    path = tmp_path / "p.skmulti"
    skmulti.save(pipe, path)
    with pytest.raises(UntrustedTypesError, match=name_of(Doubler)) as info:
        skmulti.load(path)
    assert info.value.names == [name_of(Doubler)]
    loaded = skmulti.load(path, trusted=[name_of(Doubler)])
    assert np.array_equal(loaded.predict_proba(X), pipe.predict_proba(X))


@pytest.mark.slow
def test_round_trip_grid_search_best_estimator(xy, tmp_path):
    X, y = xy
    search = GridSearchCV(
        RegressorClassifier(**TINY), {"hidden_layer_sizes": [(4,), (6,)]}, cv=2
    ).fit(X, y)
    assert_round_trip(search.best_estimator_, X, y, tmp_path / "g.skmulti")


def test_pickle_still_works(xy):
    X, y = xy
    est = RegressorClassifier(**TINY).fit(X, y)
    for copy in (pickle.loads(pickle.dumps(est)), joblib.load(_joblib_dump(est))):
        assert np.array_equal(copy.predict_proba(X), est.predict_proba(X))


def _joblib_dump(est):
    import io

    buffer = io.BytesIO()
    joblib.dump(est, buffer)
    buffer.seek(0)
    return buffer


def test_load_never_unpickles(xy, tmp_path, monkeypatch):
    X, y = xy
    pipe = make_pipeline(StandardScaler(), RegressorClassifier(**TINY)).fit(X, y)
    skmulti.save(pipe, tmp_path / "p.skmulti")

    def never(*args, **kwargs):
        raise AssertionError("load called pickle")

    for module, name in [
        (pickle, "loads"),
        (pickle, "load"),
        (pickle, "Unpickler"),
        (joblib, "load"),
    ]:
        monkeypatch.setattr(module, name, never)
    loaded = skmulti.load(tmp_path / "p.skmulti")
    assert np.array_equal(loaded.predict_proba(X), pipe.predict_proba(X))


# -- save-time refusals ------------------------------------------------------------


def test_save_refuses_code_without_an_import_name(tmp_path):
    def local_builder(meta):
        return None

    for model in (lambda meta: None, local_builder):
        with pytest.raises(ValueError, match="no import name.*top level of a module"):
            skmulti.save(RegressorClassifier(model), tmp_path / "m.skmulti")
    assert not (tmp_path / "m.skmulti").exists()


def test_save_refuses_keras_objects(tmp_path):
    est = RegressorClassifier(callbacks=[keras.callbacks.EarlyStopping(patience=2)])
    with pytest.raises(
        TypeError, match="EarlyStopping instance.*Keras objects are never"
    ):
        skmulti.save(est, tmp_path / "m.skmulti")


def test_save_refuses_unknown_objects_and_keras_configs(tmp_path):
    with pytest.raises(
        TypeError, match="the parameters\\['model__opts'\\].*set instance"
    ):
        skmulti.save(RegressorClassifier(model__opts={1, 2}), tmp_path / "m")
    config = {"class_name": "Dense", "config": {"units": 3}}
    with pytest.raises(TypeError, match="'class_name', the form of a serialized Keras"):
        skmulti.save(RegressorClassifier(model__layer=config), tmp_path / "m")


def test_save_refuses_other_objects(tmp_path):
    with pytest.raises(
        TypeError, match="Pipeline whose last step is one; got Standard"
    ):
        skmulti.save(StandardScaler(), tmp_path / "m")
    with pytest.raises(TypeError, match="ending in StandardScaler"):
        skmulti.save(make_pipeline(StandardScaler()), tmp_path / "m")


def test_load_checks_trusted_argument(tmp_path):
    skmulti.save(RegressorClassifier(), tmp_path / "m")
    with pytest.raises(TypeError, match="trusted must be a list of import names"):
        skmulti.load(tmp_path / "m", trusted="mymodule.build")
