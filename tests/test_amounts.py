"""Non-negative amounts: amount_transformer="log1p" and the log-link losses
("poisson", "gamma", "tweedie"), alone and with the hurdle model."""

import numpy as np
import pytest
from conftest import TINY
from scipy.stats import spearmanr
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils._param_validation import InvalidParameterError

from skmulti import RegressorClassifier
from skmulti._network import (
    AMOUNT_LOSSES,
    POSITIVE_LOSSES,
    TWEEDIE_POWER,
    ZERO_FREE_LOSSES,
    amount_loss_fn,
)
from skmulti._target import AmountEncoder, Log1pTransformer, resolve_amount_transformer

# Tiny fits: ConvergenceWarning (and CollapseWarning, its subclass) may be raised.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

#: TINY, trained long enough (fast learning rate) for the amounts to follow X.
SHORT = {**TINY, "epochs": 30, "learning_rate": 1e-2, "early_stopping": False}
N = 160


@pytest.fixture(scope="module")
def amounts():
    """X and three kinds of non-negative amounts whose mean is exp(1 + 0.8 x0)."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(N, 4))
    mean = np.exp(1.0 + 0.8 * X[:, 0])
    positive = rng.gamma(2.0, mean / 2.0)
    return {
        "X": X,
        "label": (X[:, 1] > 0).astype(int),
        "counts": rng.poisson(mean).astype(float),  # zeros allowed
        "positive": positive,  # > 0, spread growing with the mean
        "zeros": np.where(rng.rand(N) < 0.3, 0.0, positive),  # 30% exact zeros
    }


def _y(amount, label):
    return np.column_stack([amount, label])


def test_the_loss_families_are_defined_once():
    assert set(POSITIVE_LOSSES) == {"poisson", "gamma", "tweedie"}
    assert POSITIVE_LOSSES <= set(AMOUNT_LOSSES)
    assert ZERO_FREE_LOSSES == {"gamma"}
    assert 1 < TWEEDIE_POWER < 2


@pytest.mark.parametrize(
    "amount_loss, amount_transformer, kind",
    [
        ("squared_error", "log1p", "zeros"),
        ("absolute_error", "log1p", "positive"),
        ("huber", "log1p", "counts"),
        ("poisson", "standard", "counts"),
        ("poisson", "log1p", "counts"),
        ("gamma", "standard", "positive"),
        ("gamma", None, "positive"),
        ("tweedie", "standard", "zeros"),
        ("tweedie", "log1p", "zeros"),
    ],
)
def test_trains_and_predicts_non_negative_amounts(
    amounts, amount_loss, amount_transformer, kind
):
    X, amount = amounts["X"], amounts[kind]
    est = RegressorClassifier(
        **SHORT, amount_loss=amount_loss, amount_transformer=amount_transformer
    ).fit(X, _y(amount, amounts["label"]))
    pred = est.predict(X).amount
    assert pred.shape == (N,) and np.all(np.isfinite(pred))
    assert pred.min() >= 0.0
    if amount_loss in POSITIVE_LOSSES:
        assert pred.min() > 0.0  # exponential head: the mean is never 0
        assert est.model_.get_layer("amount").activation.__name__ == "exponential"
        # The raw (or log1p) scale, only divided by its mean: never centred.
        assert est._target_encoder.amount_encoders_[0].center_ == 0.0
        expected = np.log1p(amount) if amount_transformer == "log1p" else amount
        assert est._target_encoder.amount_encoders_[0].scale_ == pytest.approx(expected.mean())
    else:
        assert est._target_encoder.amount_encoders_[0].center_ != 0.0
    # It learned the amounts' dependence on X (their rank follows exp(x0)).
    assert spearmanr(pred, amount).statistic > 0.4
    # On the scale of the data, not of the encoding.
    assert 0.2 < pred.mean() / amount.mean() < 5


def test_log1p_predictions_invert_the_encoding(amounts):
    X = amounts["X"]
    est = RegressorClassifier(**TINY, amount_transformer="log1p").fit(
        X, _y(amounts["zeros"], amounts["label"])
    )
    assert isinstance(est.amount_transformer_, Log1pTransformer)
    z = est._raw(X)["amount"]
    encoder = est._target_encoder.amount_encoders_[0]
    expected = np.maximum(np.expm1(z.reshape(-1) * encoder.scale_ + encoder.center_), 0)
    np.testing.assert_allclose(est.predict(X).amount, expected, rtol=1e-12)


def test_log1p_transformer_round_trip_and_clip():
    amount = np.array([[0.0], [0.5], [3.0], [1e6]])
    t = resolve_amount_transformer("log1p").fit(amount)
    np.testing.assert_allclose(t.inverse_transform(t.transform(amount)), amount)
    # Below log1p(0) = 0 the inverse would be negative (down to -1): clipped at 0.
    np.testing.assert_array_equal(t.inverse_transform([[-0.1], [-50.0]]), [[0.0], [0.0]])


@pytest.mark.parametrize("amount_loss", sorted(POSITIVE_LOSSES))
@pytest.mark.parametrize("amount_transformer", ["standard", "log1p", None])
def test_encoder_round_trip_on_the_raw_scale(amount_loss, amount_transformer):
    amount = np.array([0.5, 2.0, 7.0, 40.0])
    spec = None if amount_transformer == "standard" else amount_transformer
    encoder = AmountEncoder(
        resolve_amount_transformer(spec), center=False, loss=amount_loss
    ).fit(amount)
    z = encoder.transform(amount)
    assert z.min() > 0 and z.mean() == pytest.approx(1.0)
    np.testing.assert_allclose(encoder.inverse_transform(z), amount)


# -- refused amounts -------------------------------------------------------------


def test_log1p_refuses_negative_amounts_naming_the_minimum(amounts):
    amount = amounts["positive"].copy()
    amount[[3, 9]] = [-3.5, -255.0]
    est = RegressorClassifier(**TINY, amount_transformer="log1p")
    with pytest.raises(ValueError) as info:
        est.fit(amounts["X"], _y(amount, amounts["label"]))
    message = str(info.value)
    assert message.startswith("amount_transformer='log1p' needs amounts >= 0")
    assert "a minimum of -255 (2 negative amount(s))" in message
    assert "amount_transformer='standard'" in message  # the fix
    assert not hasattr(est, "classes_")


@pytest.mark.parametrize("amount_loss", ["poisson", "gamma", "tweedie"])
def test_log_link_losses_refuse_negative_amounts(amounts, amount_loss):
    amount = amounts["positive"].copy()
    amount[7] = -3.5
    with pytest.raises(ValueError) as info:
        RegressorClassifier(**TINY, amount_loss=amount_loss).fit(
            amounts["X"], _y(amount, amounts["label"])
        )
    message = str(info.value)
    assert message.startswith(f"amount_loss='{amount_loss}' needs non-negative amounts;")
    assert "a minimum of -3.5 (1 negative amount(s))" in message
    assert "amount_loss='squared_error'" in message


def test_gamma_refuses_zeros_and_names_the_hurdle_and_tweedie(amounts):
    with pytest.raises(ValueError) as info:
        RegressorClassifier(**TINY, amount_loss="gamma").fit(
            amounts["X"], _y(amounts["zeros"], amounts["label"])
        )
    message = str(info.value)
    n_zeros = int(np.sum(amounts["zeros"] == 0))
    assert message.startswith("amount_loss='gamma' needs positive amounts (> 0);")
    assert f"has {n_zeros} amount(s) of 0" in message
    assert "zero_amount_label=" in message and "amount_loss='tweedie'" in message


@pytest.mark.parametrize("amount_loss", ["poisson", "tweedie"])
def test_zeros_are_fine_for_poisson_and_tweedie(amounts, amount_loss):
    est = RegressorClassifier(**TINY, amount_loss=amount_loss).fit(
        amounts["X"], _y(amounts["zeros"], amounts["label"])
    )
    assert est.predict(amounts["X"]).amount.min() > 0


def test_a_transformer_that_makes_amounts_negative_is_refused(amounts):
    # log of amounts in (0, 1) is negative: the log-link loss cannot take it.
    amount = 0.01 + 0.9 * amounts["positive"] / amounts["positive"].max()
    est = RegressorClassifier(
        **TINY, amount_loss="poisson", amount_transformer=FunctionTransformer(np.log, np.exp)
    )
    with pytest.raises(ValueError, match=(
        r"amount_loss='poisson' needs non-negative amounts after amount_transformer; "
        r".*minimum of -4\.\d+.*e\.g\. 'log1p'"
    )):
        est.fit(amounts["X"], _y(amount, amounts["label"]))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"amount_loss": "lognormal"}, r"The 'amount_loss' parameter of "
         r"RegressorClassifier must be a str among .*'gamma'.*Got 'lognormal'"),
        ({"amount_loss": "Gamma"}, r"'amount_loss' parameter.*Got 'Gamma'"),
        ({"amount_transformer": "log"}, r"The 'amount_transformer' parameter of "
         r"RegressorClassifier must be .*'log1p'.*Got 'log' instead"),
    ],
)
def test_unknown_names_get_scikit_learns_parameter_error(amounts, params, match):
    with pytest.raises(InvalidParameterError, match=match):
        RegressorClassifier(**TINY, **params).fit(
            amounts["X"], _y(amounts["positive"], amounts["label"])
        )


# -- the losses themselves ---------------------------------------------------------


@pytest.mark.parametrize("name", ["gamma", "tweedie"])
def test_deviances_are_per_sample_zero_at_the_truth_and_finite_at_zero(name):
    loss = amount_loss_fn(name, "float64")
    y = np.array([[0.5], [1.0], [4.0]])
    values = np.asarray(loss(y, y))
    assert values.shape == (3,)  # reduction=None: one value per sample
    np.testing.assert_allclose(values, 0.0, atol=1e-12)
    # The minimum over mu is at mu = y.
    assert np.all(np.asarray(loss(y, 0.8 * y)) > 0)
    assert np.all(np.asarray(loss(y, 1.25 * y)) > 0)
    # Zero amounts (padding, hurdle rows with weight 0) keep the loss finite.
    assert np.all(np.isfinite(np.asarray(loss(np.zeros((2, 1)), np.array([[0.5], [0.0]])))))


def test_deviances_match_their_formulas():
    y, mu = np.array([[0.0], [0.3], [2.0]]), np.array([[0.7], [1.1], [1.5]])
    p = TWEEDIE_POWER
    tweedie = (
        y ** (2 - p) / ((1 - p) * (2 - p)) - y * mu ** (1 - p) / (1 - p)
        + mu ** (2 - p) / (2 - p)
    ).ravel()
    np.testing.assert_allclose(
        np.asarray(amount_loss_fn("tweedie", "float64")(y, mu)), tweedie, rtol=1e-10
    )
    y, mu = y[1:], mu[1:]  # gamma: y > 0
    gamma = (np.log(mu / y) + y / mu - 1).ravel()
    np.testing.assert_allclose(
        np.asarray(amount_loss_fn("gamma", "float64")(y, mu)), gamma, rtol=1e-10
    )


# -- with the hurdle model ---------------------------------------------------------


@pytest.mark.parametrize(
    "amount_loss, amount_transformer",
    [
        ("squared_error", "log1p"),
        ("poisson", "standard"),
        ("gamma", "standard"),
        ("tweedie", "standard"),
    ],
)
def test_hurdle_with_non_negative_amounts(amounts, amount_loss, amount_transformer):
    X = amounts["X"]
    buys = X[:, 1] > 0
    amount = np.where(buys, amounts["positive"], 0.0)  # 0 exactly when "none"
    label = np.where(buys, "buys", "none")
    est = RegressorClassifier(
        **SHORT,
        amount_loss=amount_loss,
        amount_transformer=amount_transformer,
        zero_amount_label="none",
    ).fit(X, _y(amount, label))  # gamma accepts it: the zeros are hurdle rows
    pred = est.predict(X)
    assert pred.amount.min() >= 0.0
    np.testing.assert_array_equal(pred.amount[pred.label == "none"], 0.0)
    if amount_loss in POSITIVE_LOSSES:
        assert np.all(pred.amount[pred.label == "buys"] > 0)


# -- custom networks -----------------------------------------------------------------


def test_custom_builder_gets_the_loss_name_and_trains(amounts):
    seen = {}

    def build(meta, compile_kwargs):
        import keras

        seen.update(compile_kwargs)
        inputs = keras.Input(shape=(meta["n_features_in_"],))
        h = keras.layers.Dense(8, activation="relu")(inputs)
        amount = keras.layers.Dense(1, activation="exponential", name="amount")(h)
        label = keras.layers.Dense(1, activation="sigmoid", name="label")(h)
        return keras.Model(inputs, {"amount": amount, "label": label})

    for amount_loss in ("gamma", "tweedie"):
        est = RegressorClassifier(build, **TINY, amount_loss=amount_loss).fit(
            amounts["X"], _y(amounts["positive"], amounts["label"])
        )
        assert seen["loss"] == {"amount": amount_loss, "label": "binary"}
        assert est.predict(amounts["X"]).amount.min() > 0
