"""The NumPy forward pass reproduces model(X, training=False) to float32 rounding."""

import importlib.util
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
from conftest import TINY, make_xy

from skmulti import RegressorClassifier
from skmulti._network import PAD_VALUE, build_default_network
from skmulti._numpy_forward import ACTIVATIONS, numpy_forward

RTOL, ATOL = 1e-5, 1e-6
layers = keras.layers


def _randomize(model, seed=0, scale=1.5):
    """Random weights large enough to reach every region of every activation."""
    rng = np.random.default_rng(seed)
    values = []
    for v in model.weights:
        shape = tuple(v.shape)
        if "variance" in v.path:
            values.append(rng.uniform(0.2, 3.0, size=shape))
        else:
            values.append(rng.normal(scale=scale, size=shape))
    model.set_weights([a.astype(v.dtype) for a, v in zip(values, model.weights)])
    return model


def _assert_matches(model, X, rtol=RTOL, atol=ATOL):
    forward = numpy_forward(model)
    assert forward is not None
    got = forward(forward.prepare(model.get_weights()), X)
    expected = model(X, training=False)
    if not isinstance(expected, dict):
        expected = dict(zip(forward.output_names, keras.tree.flatten(expected)))
    assert set(got) == set(expected)
    for name, value in expected.items():
        value = keras.ops.convert_to_numpy(value)
        assert got[name].dtype == value.dtype, name
        np.testing.assert_allclose(got[name], value, rtol=rtol, atol=atol, err_msg=name)
    return got


def _sequences(n=7, steps=6, features=3, seed=0):
    """Sequences with padding at the end, at the start and in the middle."""
    X = np.random.default_rng(seed).normal(size=(n, steps, features)).astype("float32")
    X[0, 3:] = PAD_VALUE
    X[1, :2] = PAD_VALUE
    X[2, 2] = PAD_VALUE
    return X


def _X(n=9, features=5, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(scale=2.0, size=(n, features)).astype("float32")


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dense_activations_match_keras(activation):
    inputs = keras.Input((5,))
    h = layers.Dense(7, activation=activation)(inputs)
    model = _randomize(keras.Model(inputs, {
        "amount": layers.Dense(1)(h),
        "label": layers.Dense(4, activation=activation)(h),
    }), scale=0.5 if activation == "exponential" else 1.5)  # keep exp(exp(x)) finite
    _assert_matches(model, _X())


def test_activation_layer_batchnorm_dropout_concatenate_add_no_bias():
    inputs = keras.Input((5,))
    a = layers.Dense(6, activation="tanh")(inputs)
    b = layers.Dense(6, use_bias=False)(inputs)
    b = layers.BatchNormalization()(b)
    b = layers.Activation("elu")(b)
    c = layers.Dropout(0.5)(layers.Add()([a, b]))
    merged = layers.Concatenate()([a, c, inputs])
    bn = layers.BatchNormalization(center=False, scale=False)(merged)
    model = _randomize(keras.Model(inputs, {
        "amount_x": layers.Dense(1, activation="exponential")(bn),
        "label_y": layers.Dense(3, activation="softmax")(bn),
        "label_z": layers.Dense(1, activation="sigmoid")(merged),
    }), scale=0.6)
    got = _assert_matches(model, _X())
    assert sorted(got) == ["amount_x", "label_y", "label_z"]


def test_list_outputs_and_sequential_use_the_models_output_names():
    inputs = keras.Input((5,))
    h = layers.Dense(4, activation="relu", name="trunk")(inputs)
    model = _randomize(keras.Model(inputs, [layers.Dense(1, name="amount")(h),
                                            layers.Dense(2, name="label")(h)]))
    assert sorted(_assert_matches(model, _X())) == ["amount", "label"]
    sequential = _randomize(keras.Sequential(
        [keras.Input((5,)), layers.Dense(4, activation="gelu"), layers.Dense(2)]))
    assert len(_assert_matches(sequential, _X())) == 1


@pytest.mark.parametrize("cell, kwargs", [
    ("lstm", {}),
    ("gru", {}),
    ("gru", {"reset_after": False}),
    ("lstm", {"use_bias": False, "activation": "relu",
              "recurrent_activation": "hard_sigmoid"}),
])
@pytest.mark.parametrize("masked", [True, False])
def test_recurrent_layers_match_keras(cell, kwargs, masked):
    rnn = {"lstm": layers.LSTM, "gru": layers.GRU}[cell]
    inputs = keras.Input((None, 3))
    h = layers.Masking(mask_value=PAD_VALUE)(inputs) if masked else inputs
    h = rnn(5, return_sequences=True, **kwargs)(h)
    sequence = layers.Dense(2)(h)  # 3-D Dense on the full sequence output
    last = rnn(4, **kwargs)(h)
    model = _randomize(keras.Model(inputs, {"amount": layers.Dense(1)(last),
                                            "sequence": sequence}), scale=0.8)
    X = _sequences() if masked else _sequences()[3:]
    _assert_matches(model, X)


def test_masked_mean_over_time_matches_keras():
    inputs = keras.Input((None, 3))
    h = layers.GlobalAveragePooling1D()(layers.Masking(mask_value=PAD_VALUE)(inputs))
    unmasked = layers.GlobalAveragePooling1D(keepdims=True)(inputs)
    model = _randomize(keras.Model(inputs, {"amount": layers.Dense(1)(h),
                                            "raw": unmasked}))
    _assert_matches(model, _sequences())


def _default_network(shape, n_classes, *, positive=True, dtype="float32", **arch):
    """build_default_network's network with an amount head and a label head."""
    from skmulti._heads import amount_head, label_head

    loss = "poisson" if positive else "squared_error"

    heads = (amount_head("amount", 0, 0, loss, positive=positive),
             label_head("label", 1, 1, n_classes))
    return build_default_network({"X_shape_": shape, "heads_": heads}, seed=3,
                                 dtype=dtype, **arch)


@pytest.mark.parametrize("shape, recurrent, cell", [
    ((10, 4), (), "lstm"),
    ((10, 6, 3), (5, 4), "lstm"),
    ((10, 6, 3), (5,), "gru"),
    ((10, 6, 3), (), "lstm"),
])
@pytest.mark.parametrize("n_classes", [2, 4])
def test_default_networks_match_keras(shape, recurrent, cell, n_classes):
    net = _default_network(
        shape, n_classes, hidden_layer_sizes=(8, 6), activation="relu", dropout=0.25,
        recurrent_layer_sizes=recurrent, recurrent_cell=cell)
    X = _sequences() if len(shape) == 3 else _X(features=shape[1])
    _assert_matches(_randomize(net, scale=0.7), X)


def test_float64_network_computes_in_float64():
    net = _default_network(
        (10, 5), 3, positive=False, dtype="float64", hidden_layer_sizes=(8,),
        activation="selu", dropout=0.0, recurrent_layer_sizes=(), recurrent_cell="lstm")
    got = _assert_matches(net, _X().astype("float64"), rtol=1e-12, atol=1e-12)
    assert {a.dtype for a in got.values()} == {np.dtype("float64")}


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::skmulti.exceptions.SkmultiWarning")  # 3 epochs
def test_fitted_estimators_match_their_model(xy):
    X, y = xy
    est = RegressorClassifier(**{**TINY, "hidden_layer_sizes": (8, 8)}).fit(X, y)
    _assert_matches(est.model_, X.astype("float32"))
    X3 = _sequences(n=40, steps=5, features=3)  # PAD_VALUE padding: what the model sees
    y3 = make_xy(n=40)[1]
    nan_padded = np.where(X3 == PAD_VALUE, np.nan, X3)  # as users pad
    seq = RegressorClassifier(**TINY, recurrent_layer_sizes=(4,)).fit(nan_padded, y3)
    _assert_matches(seq.model_, X3)


class _Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(2)

    def call(self, x):
        return self.dense(x)


class _MyDense(layers.Dense):
    pass


def _called(model):
    model(np.zeros((1, 5), "float32"))
    return model


def _model_with(layer_or_fn, shape=(5,)):
    inputs = keras.Input(shape)
    return keras.Model(inputs, layer_or_fn(inputs))


@pytest.mark.parametrize("make", [
    pytest.param(lambda: _called(_Subclassed()), id="subclassed model"),
    pytest.param(lambda: _model_with(layers.Lambda(lambda x: x * 2)), id="Lambda"),
    pytest.param(lambda: _model_with(_MyDense(2)), id="Dense subclass"),
    pytest.param(lambda: _model_with(layers.Dense(2, activation=lambda x: x * 2)),
                 id="custom activation"),
    pytest.param(lambda: _model_with(layers.Dense(2, activation=layers.ReLU())),
                 id="layer as activation"),
    pytest.param(lambda: _model_with(lambda x: layers.Dropout(0.5)(x, training=True)),
                 id="Dropout training=True"),
    pytest.param(lambda: _model_with(layers.LayerNormalization()),
                 id="LayerNormalization"),
    pytest.param(lambda: _model_with(layers.Dense(2, dtype="mixed_float16")),
                 id="mixed precision"),
    pytest.param(lambda: _model_with(layers.LSTM(2, go_backwards=True), (4, 3)),
                 id="LSTM go_backwards"),
    pytest.param(lambda: _model_with(layers.GRU(2, return_state=True), (4, 3)),
                 id="GRU return_state"),
    pytest.param(lambda: _model_with(lambda x: keras.ops.sin(x)), id="keras.ops call"),
])
def test_what_it_cannot_reproduce_gives_none(make):
    model = make()
    assert numpy_forward(model) is None


def test_two_inputs_give_none():
    a, b = keras.Input((2,)), keras.Input((3,))
    model = keras.Model([a, b], layers.Dense(1)(layers.Concatenate()([a, b])))
    assert numpy_forward(model) is None


def test_prepare_refuses_weights_of_another_architecture():
    model = _model_with(layers.Dense(2))
    forward = numpy_forward(model)
    with pytest.raises(ValueError, match="has 2 weight arrays; got 1"):
        forward.prepare(model.get_weights()[:1])
    with pytest.raises(ValueError, match=r"Weight 0 has shape \(4, 2\); the network's"):
        forward.prepare([np.zeros((4, 2)), np.zeros(2)])
    prepared = forward.prepare([w.astype("float64") for w in model.get_weights()])
    assert {w.dtype for w in prepared} == {np.dtype("float32")}


def test_exponential_overflow_is_inf_without_a_warning():
    model = _model_with(layers.Dense(1, activation="exponential"))
    forward = numpy_forward(model)
    weights = forward.prepare([np.full((5, 1), 100.0), np.zeros(1)])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = forward(weights, np.ones((1, 5)))
    assert np.isinf(next(iter(out.values()))).all()


JAX_SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    import keras
    import test_numpy_forward as t
    assert keras.backend.backend() == "jax", keras.backend.backend()
    for name in t.ACTIVATIONS:
        t.test_dense_activations_match_keras(name)
    t.test_activation_layer_batchnorm_dropout_concatenate_add_no_bias()
    for cell, kwargs in [("lstm", {{}}), ("gru", {{}}),
                         ("gru", {{"reset_after": False}})]:
        t.test_recurrent_layers_match_keras(cell, kwargs, True)
    t.test_masked_mean_over_time_matches_keras()
    for shape, rec, cell in [((10, 4), (), "lstm"), ((10, 6, 3), (5, 4), "lstm"),
                             ((10, 6, 3), (5,), "gru")]:
        t.test_default_networks_match_keras(shape, rec, cell, 3)
    print("ok")
    """
)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                    reason="jax is not installed")
def test_matches_keras_on_jax():
    tests = os.path.dirname(os.path.abspath(__file__))
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu",
           "PYTHONPATH": os.path.dirname(tests)}  # this checkout's skmulti
    result = subprocess.run(
        [sys.executable, "-c", JAX_SCRIPT.format(tests=tests)], env=env,
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
