"""Never a silent collapse: CollapseWarning, and label heads refused before training."""

import warnings

import numpy as np
import pytest
from conftest import make_xy
from sklearn.exceptions import ConvergenceWarning

from skmulti import RegressorClassifier, _diagnostics
from skmulti.exceptions import CollapseWarning, SkmultiWarning

FAST = dict(
    hidden_layer_sizes=(8,),
    epochs=3,
    batch_size=16,
    random_state=0,
    early_stopping=False,
)


def collapse_warnings(record):
    return [str(w.message) for w in record if issubclass(w.category, CollapseWarning)]


def fit_recording(est, X, y, **fit_params):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        est.fit(X, y, **fit_params)
    return collapse_warnings(record)


def test_collapse_warning_is_a_convergence_warning():
    assert issubclass(CollapseWarning, ConvergenceWarning)
    assert issubclass(CollapseWarning, SkmultiWarning)
    assert issubclass(CollapseWarning, UserWarning)


def _builder(dead):
    """A network whose ``dead`` head sees the input only through a zero layer."""

    def build(meta):
        import keras

        inputs = keras.Input(shape=(meta["n_features_in_"],))
        alive = keras.layers.Dense(8, activation="relu")(inputs)
        zero = keras.layers.Dense(4, kernel_initializer="zeros", trainable=False)(
            inputs
        )
        amount_in, label_in = (zero, alive) if dead == "amount" else (alive, zero)
        amount = keras.layers.Dense(1, name="amount")(amount_in)
        label = keras.layers.Dense(1, activation="sigmoid", name="label")(label_in)
        return keras.Model(inputs, {"amount": amount, "label": label})

    return build


@pytest.fixture(scope="module")
def balanced_xy():
    return make_xy(n=120, n_classes=2)


def test_label_collapse_warns(balanced_xy):
    X, y = balanced_xy
    messages = fit_recording(RegressorClassifier(_builder("label"), **FAST), X, y)
    assert len(messages) == 1
    message = messages[0]
    assert message.startswith("The label head collapsed: it predicts class ")
    assert (
        "for 100.0% of the training rows, although 50.0% of them belong to other"
        in message
    )
    for fix in ("class_weight='balanced'", "epochs", "learning_rate", "StandardScaler"):
        assert fix in message


def test_amount_collapse_warns(balanced_xy):
    X, y = balanced_xy
    messages = fit_recording(RegressorClassifier(_builder("amount"), **FAST), X, y)
    assert len(messages) == 1
    message = messages[0]
    assert message.startswith(
        "The amount head collapsed: its predictions on the "
        "training rows spread by 0 (std)"
    )
    assert "a ratio of 0.00%" in message
    for fix in ("amount_transformer", "epochs", "learning_rate", "StandardScaler"):
        assert fix in message


def test_warning_points_at_the_caller(balanced_xy):
    X, y = balanced_xy
    with pytest.warns(CollapseWarning) as record:
        RegressorClassifier(_builder("amount"), **FAST).fit(X, y)
    assert record[0].filename == __file__


def test_both_heads_collapse_with_a_dead_trunk(balanced_xy):
    X, y = balanced_xy
    est = RegressorClassifier(**{**FAST, "activation": lambda x: 0.0 * x})
    messages = fit_recording(est, X, y)
    assert [m.split(":")[0] for m in messages] == [
        "The label head collapsed",
        "The amount head collapsed",
    ]


def test_a_collapse_keeps_the_fitted_model(balanced_xy):
    """It is a warning: the model is fitted and usable, filters can silence it."""
    X, y = balanced_xy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = RegressorClassifier(_builder("label"), **FAST).fit(X, y)
    assert est.predict(X).amount.shape == (120,)


@pytest.mark.slow
def test_no_warning_on_healthy_fits():
    for n_classes in (2, 3):
        X, y = make_xy(n=300, n_classes=n_classes, seed=n_classes)
        est = RegressorClassifier(
            hidden_layer_sizes=(16,),
            epochs=40,
            batch_size=32,
            learning_rate=3e-3,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # "still improving"
            warnings.simplefilter("error", CollapseWarning)
            est.fit(X, y)


def test_label_rule_thresholds():
    classes = np.array([0, 1])
    ones = np.ones(100)

    def rule(true_minority, predicted_minority):
        true = np.r_[np.zeros(100 - true_minority, int), np.ones(true_minority, int)]
        pred = np.r_[
            np.ones(predicted_minority, int), np.zeros(100 - predicted_minority, int)
        ]
        return _diagnostics.label_collapse(true, pred, ones, classes)

    # 5% minority: predicting the majority everywhere is not flagged.
    assert rule(5, 0) is None
    # 10% minority: flagged at 100% one class.
    assert "100.0% of the training rows, although 10.0%" in rule(10, 0)
    # 20% minority: flagged below 2% predicted minority.
    assert "99.0% of the training rows, although 20.0%" in rule(20, 1)
    assert rule(20, 3) is None
    # 50% minority: predicting the minority for 4% of the rows is a collapse.
    assert "96.0% of the training rows, although 50.0%" in rule(50, 4)
    assert rule(50, 6) is None
    assert rule(50, 30) is None
    # The sample weights count: the minority weighs 0.5 / 50.5 here.
    weights = np.r_[np.full(50, 0.01), ones[:50]]
    true = np.r_[np.ones(50, int), np.zeros(50, int)]
    assert (
        _diagnostics.label_collapse(true, np.zeros(100, int), weights, classes) is None
    )


def test_amount_rule_thresholds():
    rng = np.random.RandomState(0)
    true = rng.normal(size=200)
    ones = np.ones(200)
    assert _diagnostics.amount_collapse(true, 0.5 * true, ones) is None
    assert _diagnostics.amount_collapse(true, 0.06 * true, ones) is None
    assert "a ratio of 4.00%" in _diagnostics.amount_collapse(true, 0.04 * true, ones)
    # An amount that never varies cannot collapse.
    assert _diagnostics.amount_collapse(np.ones(200), np.zeros(200), ones) is None


# -- label heads that cannot represent the classes -------------------------------


def _label_head(units, activation):
    def build(meta):
        import keras

        inputs = keras.Input(shape=(meta["n_features_in_"],))
        h = keras.layers.Dense(4, activation="relu")(inputs)
        amount = keras.layers.Dense(1, name="amount")(h)
        label = keras.layers.Dense(units, activation=activation, name="label")(h)
        return keras.Model(inputs, {"amount": amount, "label": label})

    return build


class NeverTrains:
    """A Keras callback that fails the test if training starts."""

    def __new__(cls):
        import keras

        class Guard(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                raise AssertionError("training started")

        return Guard()


@pytest.mark.parametrize(
    "n_classes, units, activation, match",
    [
        (
            2,
            1,
            "softmax",
            r"1 unit\(s\) with a 'softmax' activation: a softmax over "
            r"one unit always outputs 1.0",
        ),
        (2, 3, "softmax", r"3 unit\(s\).*y has 2 classes \[0, 1\]; it needs 1 unit"),
        (3, 2, "softmax", r"2 unit\(s\).*y has 3 classes \[0, 1, 2\]; it needs 3 unit"),
        (
            3,
            1,
            "sigmoid",
            r"1 unit\(s\) with a 'sigmoid' activation, but y has 3 classes",
        ),
        (
            3,
            3,
            "sigmoid",
            r"3 unit\(s\) with a 'sigmoid' activation: independent "
            "sigmoids",
        ),
        (2, 2, "relu", r"'relu' activation; it must output probabilities or logits"),
    ],
)
def test_bad_label_heads_are_refused_before_training(
    n_classes, units, activation, match
):
    X, y = make_xy(n=30, n_classes=n_classes)
    est = RegressorClassifier(
        _label_head(units, activation), **FAST, callbacks=[NeverTrains()]
    )
    with pytest.raises(ValueError, match=match) as info:
        est.fit(X, y)
    # The message names the fix.
    assert "Dense(1, activation='sigmoid')" in str(info.value)
    assert "Dense(n_classes, activation='softmax')" in str(info.value)
    assert not hasattr(est, "model_")


@pytest.mark.parametrize(
    "n_classes, units, activation",
    [
        (2, 1, "sigmoid"),
        (2, 2, "softmax"),
        (3, 3, "softmax"),
        (2, 1, None),
        (3, 3, None),
    ],
)
def test_good_label_heads_are_accepted(n_classes, units, activation):
    X, y = make_xy(n=30, n_classes=n_classes)
    est = RegressorClassifier(_label_head(units, activation), **FAST)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    proba = est.predict_proba(X)
    assert proba.shape == (30, n_classes)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


# -- advice that fits the fit ----------------------------------------------------

STOPPED_EARLY = dict(
    n_iter=12, best_epoch=2, epochs=200, early_stopping=True, n_iter_no_change=10
)


def test_advice_names_early_stopping_that_restored_an_early_epoch():
    advice = _diagnostics.training_advice(STOPPED_EARLY)
    assert advice.startswith("early stopping restored epoch 2 of 12 run (epochs=200)")
    for fix in (
        "raise n_iter_no_change from 10",
        "raise validation_fraction",
        "early_stopping=False with a fixed epochs",
    ):
        assert fix in advice
    assert "raise epochs" not in advice


def test_advice_raises_epochs_only_when_all_epochs_ran():
    ran_all = dict(STOPPED_EARLY, n_iter=200, best_epoch=200)
    assert _diagnostics.training_advice(ran_all) == (
        "too few epochs or too low a learning_rate (it ran all epochs=200: raise "
        "epochs or learning_rate)"
    )
    restored = dict(STOPPED_EARLY, n_iter=200, best_epoch=195)
    assert "ran all epochs=200; early stopping restored epoch 195: raise epochs" in (
        _diagnostics.training_advice(restored)
    )
    fixed = dict(n_iter=3, best_epoch=0, epochs=3, early_stopping=False,
                 n_iter_no_change=10)
    assert "it ran all epochs=3: raise epochs" in _diagnostics.training_advice(fixed)
    # Stopped by a user's callback, without early stopping: no "raise epochs".
    by_callback = dict(fixed, n_iter=2, epochs=50)
    advice = _diagnostics.training_advice(by_callback)
    assert advice.startswith("training stopped at epoch 2 of epochs=50 (a callback")
    assert "raise epochs" not in advice
    # Nothing known: the generic advice.
    assert "raise epochs or learning_rate" in _diagnostics.training_advice(None)


def test_both_messages_carry_the_training_facts():
    classes = np.array([0, 1])
    true = np.r_[np.zeros(80, int), np.ones(20, int)]
    label = _diagnostics.label_collapse(
        true, np.zeros(100, int), np.ones(100), classes, training=STOPPED_EARLY
    )
    assert (
        "class imbalance (class_weight='balanced'), early stopping restored "
        "epoch 2 of 12 run" in label
    )
    rng = np.random.RandomState(0)
    amount = rng.normal(size=100)
    message = _diagnostics.amount_collapse(
        amount, 0.01 * amount, np.ones(100), training=STOPPED_EARLY
    )
    assert "early stopping restored epoch 2 of 12 run" in message
    for text in (label, message):
        assert "raise epochs" not in text


def test_early_stopping_collapse_end_to_end():
    """An imbalanced label (22.5% minority) that early stopping gives up on."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 4))
    y = np.column_stack([rng.normal(size=200), (rng.rand(200) < 0.2).astype(int)])
    est = RegressorClassifier(
        hidden_layer_sizes=(8,), epochs=200, batch_size=16, learning_rate=1e-2,
        n_iter_no_change=2, random_state=0,
    )
    messages = fit_recording(est, X, y)
    assert est.n_iter_ < 200
    best = int(np.argmin(est.history_["val_loss"])) + 1
    assert best < est.n_iter_
    [message] = messages
    assert message.startswith("The label head collapsed: it predicts class 0 for 100.0%")
    assert (
        f"early stopping restored epoch {best} of {est.n_iter_} run (epochs=200)"
        in message
    )
    assert "raise n_iter_no_change from 2" in message
    assert "class_weight='balanced'" in message
    assert "raise epochs" not in message


def test_fixed_epochs_collapse_end_to_end_advises_more_epochs(balanced_xy):
    X, y = balanced_xy
    [message] = fit_recording(RegressorClassifier(_builder("amount"), **FAST), X, y)
    assert "it ran all epochs=3: raise epochs or learning_rate" in message
    assert "early stopping restored" not in message
