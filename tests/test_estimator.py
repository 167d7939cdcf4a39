"""The contract of ``RegressorClassifier``: y formats and dtypes, outputs, attributes,
early stopping, custom networks and routed parameters.

Behaviour the issue leaves open, decided here (and by the core):

* The amount column may hold numeric strings (``"12.5"``): they are parsed as
  floats, so ``np.column_stack([amount, str_label])`` (all ``'<U32'``) works.
  Non-numeric text in the amount column is refused.
* Labels keep their natural type: ints stay ints (also when ``column_stack``
  made them floats), strings stay strings, booleans stay booleans. A pandas
  ``category`` column gives labels of its categories' dtype (str or int), and
  ``classes_`` is sorted, not in category order. Nullable ``Int64``/``boolean``
  columns without NA give ``int64``/``bool`` labels; with ``pd.NA`` they are
  refused. Non-integer float labels (0.5, 1.5) are refused as continuous, as
  scikit-learn's classifiers do.
* ``history_`` has the ``val_*`` keys only with ``early_stopping=True`` (there
  is no validation set otherwise).
"""

import inspect

import keras
import numpy as np
import pandas as pd
import pytest
from conftest import TINY, make_xy
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GridSearchCV, KFold

from skmulti import Prediction, RegressorClassifier
from skmulti._target import split_target

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

#: One short epoch on all rows: the cheapest fit (about 1 s).
QUICK = {**TINY, "epochs": 1, "early_stopping": False}


@pytest.fixture(scope="module")
def data():
    return make_xy()


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return RegressorClassifier(**TINY).fit(X, y)


@pytest.fixture(scope="module")
def fitted3():
    X, y = make_xy(n_classes=3, label="str")
    return RegressorClassifier(**QUICK).fit(X, y), X, y


# -- outputs ------------------------------------------------------------------------


def test_predict_returns_named_tuple_of_two_arrays(fitted, data):
    X, _ = data
    pred = fitted.predict(X)
    assert isinstance(pred, Prediction) and isinstance(pred, tuple)
    amount, label = pred
    assert amount is pred.amount and label is pred.label
    assert amount.shape == (60,) and amount.dtype == np.float64
    assert label.shape == (60,) and label.dtype == np.int64
    assert np.isfinite(amount).all()
    assert set(label.tolist()) <= set(fitted.classes_.tolist())
    arr = np.asarray(pred)
    assert arr.shape == (60, 2) == pred.shape
    np.testing.assert_array_equal(arr[:, 0], amount)
    np.testing.assert_array_equal(arr[:, 1], label)


def test_predict_proba_shape_order_and_agreement(fitted, data):
    X, _ = data
    proba = fitted.predict_proba(X)
    assert proba.shape == (60, 2) and proba.dtype == np.float64
    assert ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(
        fitted.classes_[proba.argmax(axis=1)], fitted.predict(X).label
    )


def test_score_is_mean_of_r2_and_accuracy(fitted, data):
    X, y = data
    pred = fitted.predict(X)
    amount, label = split_target(y)
    expected = (r2_score(amount, pred.amount) + accuracy_score(label, pred.label)) / 2
    assert fitted.score(X, y) == pytest.approx(expected)


def test_score_counts_unseen_labels_as_misses(fitted, data):
    X, y = data
    y_unseen = y.copy()
    y_unseen[:10, 1] = 7  # a class never seen at fit
    pred = fitted.predict(X)
    amount, label = split_target(y_unseen)
    expected = (r2_score(amount, pred.amount) + accuracy_score(label, pred.label)) / 2
    assert fitted.score(X, y_unseen) == pytest.approx(expected)
    assert fitted.score(X, y_unseen) <= fitted.score(X, y)


def test_score_accepts_dataframe_y(fitted, data):
    X, y = data
    ydf = pd.DataFrame({"amount": y[:, 0].astype(float), "label": y[:, 1].astype(int)})
    assert fitted.score(X, ydf) == pytest.approx(fitted.score(X, y))


def test_fitted_attributes(fitted):
    assert isinstance(fitted.model_, keras.Model)
    assert sorted(fitted.model_.output) == ["amount", "label"]
    assert fitted.classes_.tolist() == [0, 1] and fitted.n_classes_ == 2
    assert fitted.n_features_in_ == 4
    assert not hasattr(fitted, "feature_names_in_")  # ndarray X has no names
    assert 1 <= fitted.n_iter_ <= TINY["epochs"]
    assert set(fitted.history_) == {
        "loss", "amount_loss", "label_loss", "val_loss", "val_amount_loss",
        "val_label_loss",
    }
    for key, values in fitted.history_.items():
        assert len(values) == fitted.n_iter_, key
        assert all(isinstance(v, float) and np.isfinite(v) for v in values), key


def test_feature_names_in_from_dataframe(data):
    X, y = data
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    est = RegressorClassifier(**QUICK).fit(df, y)
    assert est.feature_names_in_.tolist() == ["a", "b", "c", "d"]
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        est.predict(X)
    with pytest.raises(ValueError, match="feature names should match"):
        est.predict(df[["b", "a", "c", "d"]])
    # A refit on an ndarray forgets the names.
    est.fit(X, y)
    assert not hasattr(est, "feature_names_in_")


def test_is_neither_classifier_nor_regressor():
    """Decision: a hybrid estimator; cv=5 means KFold (see the class docstring)."""
    est = RegressorClassifier()
    assert is_classifier(est) is False
    assert is_regressor(est) is False


def test_nothing_validated_in_init_or_set_params():
    est = RegressorClassifier(epochs=-1, learning_rate="x", optimizer__foo=1)
    est.set_params(batch_size=0, model__whatever=3, not_a_param=1)
    assert est.get_params()["epochs"] == -1
    assert est.get_params()["model__whatever"] == 3


def test_unknown_keyword_refused_at_fit(data):
    X, y = data
    with pytest.raises(TypeError, match="unexpected keyword argument 'hiden_layer'"):
        RegressorClassifier(hiden_layer=(4,)).fit(X, y)


def test_verbose_0_prints_nothing(data, capfd):
    X, y = data
    capfd.readouterr()
    est = RegressorClassifier(**TINY, verbose=0).fit(X, y)
    est.predict(X)
    est.predict_proba(X)
    out, err = capfd.readouterr()
    assert out == ""
    # TensorFlow may log C++/retracing notices on stderr; no Keras progress bar.
    assert "Epoch" not in err and "step" not in err


# -- y formats and label dtypes -----------------------------------------------------

_X, _Y = make_xy()
_AMOUNT = _Y[:, 0].astype(float)
_CODES = _Y[:, 1].astype(int)
_STR = np.where(_CODES == 1, "yes", "no")

Y_FORMATS = {
    "object-int": (_Y, np.int64),
    "column_stack-float-int": (np.column_stack([_AMOUNT, _CODES]), np.int64),
    "column_stack-float-str": (np.column_stack([_AMOUNT, _STR]), np.str_),
    "list-of-pairs": ([(a, int(c)) for a, c in zip(_AMOUNT, _CODES)], np.int64),
    "list-of-pairs-str": ([[a, s] for a, s in zip(_AMOUNT, _STR)], np.str_),
    "dataframe-int": (pd.DataFrame({"amt": _AMOUNT, "lab": _CODES}), np.int64),
    "dataframe-str": (pd.DataFrame({"amt": _AMOUNT, "lab": _STR}), np.str_),
    "dataframe-string-dtype": (
        pd.DataFrame({"amt": _AMOUNT, "lab": pd.array(_STR, dtype="string")}),
        np.str_,
    ),
    "dataframe-category-str": (
        pd.DataFrame({"amt": _AMOUNT, "lab": pd.Categorical(_STR)}),
        np.str_,
    ),
    "dataframe-category-int": (
        pd.DataFrame({"amt": _AMOUNT, "lab": pd.Categorical(_CODES)}),
        np.int64,
    ),
    "dataframe-bool": (pd.DataFrame({"amt": _AMOUNT, "lab": _CODES == 1}), np.bool_),
    "object-bool": (make_xy(label="bool")[1], np.bool_),
    "dataframe-Int64-no-NA": (
        pd.DataFrame({"amt": _AMOUNT, "lab": pd.array(_CODES, dtype="Int64")}),
        np.int64,
    ),
    "dataframe-boolean-no-NA": (
        pd.DataFrame({"amt": _AMOUNT, "lab": pd.array(_CODES == 1, dtype="boolean")}),
        np.bool_,
    ),
    "dataframe-Float64-amount": (
        pd.DataFrame({"amt": pd.array(_AMOUNT, dtype="Float64"), "lab": _CODES}),
        np.int64,
    ),
    "numeric-string-amount": (np.column_stack([_AMOUNT.astype(str), _STR]), np.str_),
    "int-amount": (np.column_stack([np.round(_AMOUNT).astype(int), _CODES]), np.int64),
}


@pytest.mark.parametrize("name", list(Y_FORMATS))
def test_split_target_recovers_natural_dtypes(name):
    y, label_type = Y_FORMATS[name]
    amount, label = split_target(y)
    assert amount.dtype == np.float64 and amount.shape == (60,)
    np.testing.assert_allclose(amount, np.asarray(split_target(_Y)[0]), atol=0.5)
    assert np.issubdtype(label.dtype, label_type), label.dtype
    assert label.shape == (60,)
    assert len(np.unique(label)) == 2


# End to end for the formats that differ most (each is one fit).
@pytest.mark.parametrize(
    "name",
    ["column_stack-float-str", "dataframe-category-str", "dataframe-bool"],
)
def test_label_dtype_round_trip_through_fit_and_predict(name):
    y, label_type = Y_FORMATS[name]
    est = RegressorClassifier(**QUICK).fit(_X, y)
    pred = est.predict(_X)
    assert np.issubdtype(est.classes_.dtype, label_type)
    assert pred.label.dtype == est.classes_.dtype
    _, label = split_target(y)
    assert sorted(est.classes_.tolist()) == sorted(np.unique(label).tolist())
    assert set(pred.label.tolist()) <= set(est.classes_.tolist())
    # The array form keeps the labels' values and types: y's layout back.
    arr = np.asarray(pred)
    amount_back, label_back = split_target(arr)
    np.testing.assert_array_equal(amount_back, pred.amount)
    assert label_back.dtype.kind == pred.label.dtype.kind
    np.testing.assert_array_equal(label_back, pred.label)
    assert 0.0 <= accuracy_score(label, pred.label) <= 1.0


def test_prediction_array_keeps_large_int_and_bool_labels():
    big = np.array([2**60, 2**60 + 1])
    arr = np.asarray(Prediction(amount=np.array([1.0, 2.0]), label=big))
    assert arr[1, 1] == 2**60 + 1 and arr[0, 1] != arr[1, 1]
    arr = np.asarray(Prediction(amount=np.array([1.0, 2.0]), label=np.array([True, False])))
    assert split_target(arr)[1].dtype == np.bool_
    arr = np.asarray(Prediction(amount=np.array([1.0, 2.0]), label=np.array([3, 4])))
    assert arr.dtype == np.float64


def test_nullable_int_label_with_na_refused():
    y = pd.DataFrame({"amt": _AMOUNT, "lab": pd.array(_CODES, dtype="Int64")})
    y.iloc[4, 1] = pd.NA
    with pytest.raises(ValueError, match="label column of y.*(NaN|missing)"):
        RegressorClassifier(**QUICK).fit(_X, y)


def test_non_integer_float_labels_refused():
    with pytest.raises(ValueError, match="Unknown label type: 'continuous'"):
        RegressorClassifier(**QUICK).fit(_X, np.column_stack([_AMOUNT, _CODES + 0.5]))


def test_one_class_refused():
    y = np.column_stack([_AMOUNT, np.zeros(60, dtype=int)])
    with pytest.raises(ValueError, match="only one class"):
        RegressorClassifier(**QUICK).fit(_X, y)


# -- the label head and the amount scale -------------------------------------------


def test_binary_label_head_is_one_sigmoid_unit(fitted):
    head = fitted.model_.get_layer("label")
    assert head.units == 1 and head.activation.__name__ == "sigmoid"


def test_multiclass_label_head_is_softmax(fitted3):
    est, X, y = fitted3
    head = est.model_.get_layer("label")
    assert head.units == 3 and head.activation.__name__ == "softmax"
    assert est.classes_.tolist() == ["a", "b", "c"] and est.n_classes_ == 3
    proba = est.predict_proba(X)
    assert proba.shape == (60, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(est.classes_[proba.argmax(1)], est.predict(X).label)
    assert est.predict(X).label.dtype.kind == "U"


def test_amount_transformed_for_training_and_back_at_predict():
    """Amounts of 1e9 train on a standard scale and come back on theirs."""
    y = np.column_stack([1e9 + 1e7 * _AMOUNT, _CODES]).astype(object)
    est = RegressorClassifier(**QUICK).fit(_X, y)
    assert est.amount_transformer_.mean_[0] == pytest.approx(y[:, 0].astype(float).mean())
    pred = est.predict(_X).amount
    amount = y[:, 0].astype(float)
    assert np.isfinite(pred).all()
    assert abs(pred.mean() - amount.mean()) < 3 * amount.std()
    # The network itself outputs the training scale (about unit variance).
    raw = np.asarray(est.model_(_X.astype("float32"))["amount"])
    assert np.abs(raw).max() < 100


def test_amount_transformer_is_cloned_not_fitted_in_place():
    from sklearn.preprocessing import FunctionTransformer

    user = FunctionTransformer(np.log1p, np.expm1)
    y = np.column_stack([np.abs(_AMOUNT) * 100, _CODES])
    est = RegressorClassifier(amount_transformer=user, **QUICK).fit(_X, y)
    assert est.amount_transformer_ is not user
    assert not hasattr(user, "n_features_in_")
    assert (est.predict(_X).amount > -1).all()  # expm1 of anything is > -1


# -- early stopping -----------------------------------------------------------------


def test_early_stopping_off_trains_exactly_epochs(data):
    X, y = data
    est = RegressorClassifier(**{**TINY, "early_stopping": False, "epochs": 4}).fit(X, y)
    assert est.n_iter_ == 4
    assert len(est.history_["loss"]) == 4
    assert set(est.history_) == {"loss", "amount_loss", "label_loss"}


class _WeightRecorder(keras.callbacks.Callback):
    """Stores the network's weights at each epoch end (class-level: skmulti
    deep-copies callback instances, and instantiates classes itself)."""

    log = []

    def on_epoch_end(self, epoch, logs=None):
        _WeightRecorder.log.append(
            (logs["val_loss"], [w.copy() for w in self.model.get_weights()])
        )


def test_early_stopping_stops_with_patience_and_restores_best(data):
    X, y = data
    _WeightRecorder.log = []
    est = RegressorClassifier(
        hidden_layer_sizes=(8,), batch_size=16, random_state=0, epochs=60,
        n_iter_no_change=2, learning_rate=0.05, callbacks=[_WeightRecorder],
        monitor="loss",  # the summed validation loss, one stopping point
    ).fit(X, y)
    val = est.history_["val_loss"]
    assert len(val) == est.n_iter_ == len(_WeightRecorder.log)
    assert est.n_iter_ < 60, "patience 2 at lr=0.05 should stop early"
    best = int(np.argmin(val))
    assert est.n_iter_ - 1 - best == 2  # stopped exactly `patience` epochs after best
    for got, want in zip(est.model_.get_weights(), _WeightRecorder.log[best][1]):
        np.testing.assert_array_equal(got, want)


# -- the L2 penalty (alpha) ---------------------------------------------------------


def _kernels(est):
    return [w for w in est.model_.weights if w.path.endswith("/kernel")]


def test_alpha_is_scikit_learns_l2_penalty_in_the_trained_loss(data):
    X, y = data
    params = {**QUICK, "epochs": 2}
    plain = RegressorClassifier(alpha=0.0, **params).fit(X, y)
    penalised = RegressorClassifier(alpha=2.0, **params).fit(X, y)
    # The network carries 0.5 * alpha / batch_size * sum(kernel ** 2) ...
    expected = 0.5 * 2.0 / params["batch_size"] * sum(
        float(np.sum(np.square(k.numpy()))) for k in _kernels(penalised))
    penalty = sum(float(keras.ops.convert_to_numpy(v)) for v in penalised.model_.losses)
    assert penalty == pytest.approx(expected, rel=1e-5) and penalty > 0
    assert plain.model_.losses == []
    # ... and training minimised it: the total loss is the heads' losses plus it.
    for est, has_penalty in ((plain, False), (penalised, True)):
        h = est.history_
        extra = np.array(h["loss"]) - np.array(h["amount_loss"]) - np.array(h["label_loss"])
        if has_penalty:
            assert np.all(extra > 1e-3)
        else:
            np.testing.assert_allclose(extra, 0.0, atol=1e-5)


def test_larger_alpha_gives_smaller_kernels(data):
    X, y = data
    params = {**TINY, "early_stopping": False, "epochs": 30, "learning_rate": 0.01}
    norms = [
        sum(float(np.sum(np.square(k.numpy())))
            for k in _kernels(RegressorClassifier(alpha=a, **params).fit(X, y)))
        for a in (0.0, 5.0)
    ]
    assert norms[1] < 0.5 * norms[0]


def test_alpha_is_validated_like_scikit_learns(data):
    X, y = data
    est = RegressorClassifier(alpha=-1.0, **QUICK)
    with pytest.raises(ValueError, match="'alpha' parameter.*range \\[0(.0)?, inf\\).*-1.0"):
        est.fit(X, y)
    assert not hasattr(est, "n_iter_")


# -- custom networks and routed parameters -------------------------------------------

CALLS = []


def build_all(meta, compile_kwargs, units=4):
    CALLS.append({"meta": meta, "compile_kwargs": compile_kwargs, "units": units})
    inputs = keras.Input((meta["n_features_in_"],))
    h = keras.layers.Dense(units, activation="relu", name="trunk")(inputs)
    return keras.Model(
        inputs,
        {
            "amount": keras.layers.Dense(1, name="amount")(h),
            "label": keras.layers.Dense(
                meta["label_units_"],
                activation="sigmoid" if meta["n_classes_"] == 2 else "softmax",
                name="label",
            )(h),
        },
    )


def build_meta_only(meta):
    CALLS.append({"meta_only": sorted(meta)})
    # Returning None aborts the fit before any training: these builders only
    # record how they were called.


def build_kwargs(**kwargs):
    CALLS.append({"kwargs": sorted(kwargs)})


def _net(n_features, label_units, label_activation="sigmoid", names=("amount", "label")):
    inputs = keras.Input((n_features,))
    h = keras.layers.Dense(3)(inputs)
    return keras.Model(
        inputs,
        {
            names[0]: keras.layers.Dense(1)(h),
            names[1]: keras.layers.Dense(label_units, activation=label_activation)(h),
        },
    )


def test_custom_model_gets_meta_compile_kwargs_and_routed_params(data):
    X, y = data
    CALLS.clear()
    est = RegressorClassifier(build_all, model__units=5, **QUICK).fit(X, y)
    (call,) = CALLS
    assert call["units"] == 5
    meta = call["meta"]
    assert meta["n_features_in_"] == 4 and meta["n_classes_"] == 2
    assert meta["classes_"].tolist() == [0, 1] and meta["X_shape_"] == (60, 4)
    assert set(call["compile_kwargs"]) >= {"optimizer", "loss", "loss_weights"}
    assert est.model_.get_layer("trunk").units == 5
    assert est.predict(X).amount.shape == (60,)


def test_builder_called_with_only_the_kwargs_it_accepts(data):
    X, y = data
    CALLS.clear()
    for builder in (build_meta_only, build_kwargs):
        with pytest.raises(TypeError, match="must return a keras.Model"):
            RegressorClassifier(builder, **QUICK).fit(X, y)
    assert "n_features_in_" in CALLS[0]["meta_only"]
    assert CALLS[1]["kwargs"] == ["compile_kwargs", "meta"]


def test_routed_param_the_builder_does_not_take_is_refused(data):
    X, y = data
    with pytest.raises(ValueError, match="model__nope.*takes no argument 'nope'"):
        RegressorClassifier(build_all, model__nope=1, **QUICK).fit(X, y)


def test_model_routed_params_without_a_model_refused(data):
    """Decision (fixed in the core): model__* with model=None used to be ignored."""
    X, y = data
    with pytest.raises(ValueError, match="model__units is routed.*model=None"):
        RegressorClassifier(model__units=3, **QUICK).fit(X, y)


@pytest.mark.parametrize(
    "builder, match",
    [
        (lambda meta: _net(4, 1, names=("amt", "label")), "outputs .*'amt'.*named 'amount' and 'label'"),
        (lambda meta: _net(4, 1, "softmax"), "1 unit.*'softmax'.*always outputs 1.0"),
        (lambda meta: _net(4, 3, "softmax"), "3 unit.*y has 2 classes"),
        (lambda meta: _net(4, 2, "sigmoid"), "independent sigmoids"),
        (lambda meta: None, "must return a keras.Model; got NoneType"),
    ],
    ids=["misnamed-output", "softmax-1-unit-binary", "3-units-binary", "2-sigmoids", "none"],
)
def test_custom_model_that_does_not_fit_the_data_refused(data, builder, match):
    X, y = data
    with pytest.raises((ValueError, TypeError), match=match):
        RegressorClassifier(builder, **QUICK).fit(X, y)


def test_one_unit_label_for_three_classes_refused():
    X, y = make_xy(n_classes=3)
    with pytest.raises(ValueError, match="1 unit.*y has 3 classes"):
        RegressorClassifier(lambda meta: _net(4, 1), **QUICK).fit(X, y)


def test_model_instance_refused(data):
    X, y = data
    with pytest.raises(TypeError, match="not a model instance"):
        RegressorClassifier(_net(4, 1), **QUICK).fit(X, y)


def test_linear_label_head_read_as_logits(data):
    X, y = data
    est = RegressorClassifier(lambda meta: _net(4, 1, None), **QUICK).fit(X, y)
    proba = est.predict_proba(X)
    assert ((proba >= 0) & (proba <= 1)).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_routed_params_survive_get_set_params_and_clone():
    est = RegressorClassifier(build_all, model__units=7, optimizer__beta_1=0.8)
    params = est.get_params()
    assert params["model__units"] == 7 and params["optimizer__beta_1"] == 0.8
    est.set_params(model__dropout=0.1, callbacks__0__patience=3)  # never seen before
    twin = clone(est)
    assert twin.get_params()["model__dropout"] == 0.1
    assert twin.get_params()["callbacks__0__patience"] == 3
    assert twin.get_params()["model__units"] == 7
    twin.set_params(model__units=9)
    assert est.get_params()["model__units"] == 7


def test_routed_params_in_grid_search(data):
    X, y = data
    search = GridSearchCV(
        RegressorClassifier(build_all, **QUICK),
        {"model__units": [3]},
        cv=KFold(2),
    ).fit(X, y)
    assert search.best_params_ == {"model__units": 3}
    assert search.best_estimator_.model_.get_layer("trunk").units == 3
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


class RecordingAdam(keras.optimizers.Adam):
    seen = []

    def __init__(self, **kwargs):
        RecordingAdam.seen.append(dict(kwargs))
        super().__init__(**kwargs)


def test_optimizer_routed_params_win_over_learning_rate(data):
    X, y = data
    RecordingAdam.seen = []
    RegressorClassifier(
        optimizer=RecordingAdam, learning_rate=0.01, optimizer__learning_rate=0.05,
        optimizer__beta_1=0.8, **QUICK,
    ).fit(X, y)
    assert RecordingAdam.seen == [{"learning_rate": 0.05, "beta_1": 0.8}]


def test_bad_optimizer_routed_param_refused_clearly(data):
    X, y = data
    with pytest.raises(ValueError, match="optimizer__\\* parameters"):
        RegressorClassifier(optimizer__nonsense=1, **QUICK).fit(X, y)


def test_bad_activation_refused_clearly(data):
    X, y = data
    with pytest.raises(ValueError, match="'activation' parameter.*'nonsense'"):
        RegressorClassifier(activation="nonsense", **QUICK).fit(X, y)


def test_public_signature_names():
    names = list(inspect.signature(RegressorClassifier).parameters)
    for name in ["model", "hidden_layer_sizes", "activation", "dropout", "alpha", "amount_loss",
                 "amount_transformer", "label_weight", "optimizer", "learning_rate",
                 "batch_size", "epochs", "early_stopping", "validation_fraction",
                 "n_iter_no_change", "random_state", "verbose"]:
        assert name in names
    defaults = RegressorClassifier().get_params()
    assert defaults["hidden_layer_sizes"] == (64, 64) and defaults["epochs"] == 200
    assert defaults["early_stopping"] is True and defaults["validation_fraction"] == 0.1
    assert defaults["alpha"] == 0.1
