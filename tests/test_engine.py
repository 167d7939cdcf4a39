"""The training engine: the compiled-program cache (reuse, eviction, threads),
bit-identity across reuse, fitted networks that stay their own, and the
fallback paths (Keras's loop for per-batch callbacks, a graph when XLA cannot
compile)."""

import importlib.util
import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import keras
import numpy as np
import pytest
from conftest import TINY, make_xy

import skmulti
from skmulti import RegressorClassifier, _engine, _network
from skmulti._training import needs_keras_loop

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X, Y = make_xy(120)


@pytest.fixture
def small_cache(monkeypatch):
    """An empty cache of 2 programs; the real one is restored afterwards."""
    idle, forwards = dict(_engine._idle), dict(_engine._forwards)
    stats = dict(_engine._stats)
    skmulti.clear_engine_cache()
    monkeypatch.setattr(_engine, "CACHE_SIZE", 2)
    yield
    skmulti.clear_engine_cache()
    _engine._idle.update(idle)
    _engine._forwards.update(forwards)
    _engine._stats.update(stats)


def _state(est):
    return [w.copy() for w in est._network.weights], est.predict_proba(X)


def _assert_same(a, b):
    for wa, wb in zip(a[0], b[0], strict=True):
        np.testing.assert_array_equal(wa, wb)
    np.testing.assert_array_equal(a[1], b[1])


def test_bucket_is_a_power_of_two_with_a_floor():
    assert [_engine.bucket(n) for n in (1, 63, 64, 65, 1000, 1024, 1025)] == [
        64, 64, 64, 128, 1024, 1024, 2048]


def test_second_fit_of_a_configuration_reuses_the_compiled_program(small_cache):
    RegressorClassifier(**TINY).fit(X, Y)
    assert skmulti.engine_cache_info()["misses"] == 1
    RegressorClassifier(**{**TINY, "random_state": 5, "learning_rate": 0.01,
                           "label_weight": 2.0}).fit(X, Y)
    info = skmulti.engine_cache_info()
    # learning_rate and label_weight are runtime values, not part of the key
    assert (info["hits"], info["misses"], info["programs"]) == (1, 1, 1)


def test_folds_of_different_sizes_share_a_program(small_cache):
    for n in (100, 110, 120):  # all pad to the same 128-row bucket
        RegressorClassifier(**TINY).fit(X[:n], Y[:n])
    assert skmulti.engine_cache_info()["misses"] == 1


def test_label_heads_of_different_widths_share_a_program(small_cache):
    """Folds that lack a rare class train their softmax head padded to one width."""
    for n_classes in (5, 6, 7):  # all trained with 8 units
        est = RegressorClassifier(**TINY).fit(*make_xy(120, n_classes=n_classes))
        assert est.predict_proba(X).shape == (120, n_classes)
        assert est.model_.output["label"].shape[-1] == n_classes
        assert [w.shape[-1] for w in est._network.weights[-2:]] == [n_classes] * 2
    assert skmulti.engine_cache_info()["misses"] == 1


@pytest.mark.parametrize("loop", ["engine", "keras"])
def test_padded_softmax_units_train_as_the_unpadded_head(monkeypatch, loop):
    """A padded unit's probability and gradients are exactly 0: the same training."""
    Xc, Yc = make_xy(120, n_classes=5)
    params = {**TINY, "epochs": 5}
    if loop == "keras":
        params["callbacks"] = [_BatchCounter]
    padded = RegressorClassifier(**params).fit(Xc, Yc)
    monkeypatch.setattr(_network.LabelPadding, "train_units",
                        staticmethod(lambda head: head.units))
    plain = RegressorClassifier(**params).fit(Xc, Yc)
    assert padded.best_epoch_ == plain.best_epoch_
    for a, b in zip(padded._network.weights, plain._network.weights, strict=True):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(padded.predict_proba(Xc), plain.predict_proba(Xc), atol=1e-5)


def test_configurations_that_shape_the_trace_get_their_own_program(small_cache):
    RegressorClassifier(**TINY).fit(X, Y)
    RegressorClassifier(**{**TINY, "batch_size": 8}).fit(X, Y)
    RegressorClassifier(**{**TINY, "optimizer__beta_1": 0.8}).fit(X, Y)
    assert skmulti.engine_cache_info()["misses"] == 3


@pytest.mark.slow
def test_least_recently_used_program_is_evicted(small_cache):
    sizes = [(4,), (5,), (6,)]
    for hidden in sizes:
        RegressorClassifier(**{**TINY, "hidden_layer_sizes": hidden}).fit(X, Y)
    info = skmulti.engine_cache_info()
    assert info["programs"] == 2 and info["evictions"] == 1
    RegressorClassifier(**{**TINY, "hidden_layer_sizes": (6,)}).fit(X, Y)  # kept
    assert skmulti.engine_cache_info()["misses"] == 3
    RegressorClassifier(**{**TINY, "hidden_layer_sizes": (4,)}).fit(X, Y)  # evicted
    assert skmulti.engine_cache_info()["misses"] == 4


@pytest.mark.parametrize("params", [
    {},
    {"loss_weighting": "uncertainty", "class_weight": "balanced", "dropout": 0.3},
    {"zero_amount_label": 0, "early_stopping": False},
], ids=["default", "uncertainty-dropout", "hurdle"])
def test_fit_that_reuses_a_program_is_bit_identical_to_one_that_compiled(
    small_cache, params
):
    est = RegressorClassifier(**{**TINY, **params})
    compiled = _state(clone_fit(est))
    reused = _state(clone_fit(est))
    assert skmulti.engine_cache_info()["hits"] >= 1
    skmulti.clear_engine_cache()  # no cache at all: compiled afresh
    _assert_same(compiled, reused)
    _assert_same(compiled, _state(clone_fit(est)))


def clone_fit(est, X=X, Y=Y):
    from sklearn.base import clone

    return clone(est).fit(X, Y)


def test_a_later_fit_never_changes_an_earlier_estimator(small_cache):
    first = RegressorClassifier(**TINY).fit(X, Y)
    before = _state(first)
    model_before = [w.copy() for w in first.model_.get_weights()]
    RegressorClassifier(**{**TINY, "random_state": 1, "epochs": 5}).fit(X, Y)
    _assert_same(before, _state(first))
    for a, b in zip(model_before, first.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_model_is_built_on_demand_from_the_fitted_weights():
    est = RegressorClassifier(**TINY).fit(X, Y)
    assert est.__dict__["_network"]._model is None  # not built by fit
    model = est.model_
    assert model is est.model_
    for got, want in zip(model.get_weights(), est._network.weights, strict=True):
        np.testing.assert_array_equal(got, want)
    raw = keras.ops.convert_to_numpy(model(X.astype("float32"))["label"])
    np.testing.assert_allclose(raw[:, 0], est.predict_proba(X)[:, 1], rtol=1e-5)


@pytest.mark.slow
def test_fits_in_threads_are_identical_to_sequential_fits(small_cache):
    configs = [{**TINY, "random_state": seed} for seed in (0, 1, 2, 3)]
    sequential = [_state(RegressorClassifier(**c).fit(X, Y)) for c in configs]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda c: _state(RegressorClassifier(**c).fit(X, Y)),
                                 configs))
    for a, b in zip(sequential, threaded, strict=True):
        _assert_same(a, b)
    # Busy programs are never shared: the threads built extra ones of the same key.
    assert skmulti.engine_cache_info()["programs"] >= 1


@pytest.mark.slow
def test_predicting_in_threads_while_fitting(small_cache):
    est = RegressorClassifier(**TINY).fit(X, Y)
    want = est.predict_proba(X)

    def work(i):
        if i % 2:
            RegressorClassifier(**{**TINY, "random_state": i}).fit(X, Y)
            return None
        return est.predict_proba(X)

    with ThreadPoolExecutor(4) as pool:
        for got in pool.map(work, range(8)):
            if got is not None:
                np.testing.assert_array_equal(got, want)


class _BatchCounter(keras.callbacks.Callback):
    batches = 0

    def on_train_batch_end(self, batch, logs=None):
        type(self).batches += 1


class _EpochLog(keras.callbacks.Callback):
    seen = []

    def on_epoch_end(self, epoch, logs=None):
        type(self).seen.append((epoch, sorted(logs), self.model.name))


def test_epoch_level_callbacks_run_on_the_engine_with_the_epoch_logs():
    _EpochLog.seen = []
    est = RegressorClassifier(**{**TINY, "callbacks": [_EpochLog]}).fit(X, Y)
    assert [e for e, _, _ in _EpochLog.seen] == list(range(est.n_iter_))
    keys = _EpochLog.seen[0][1]
    assert {"loss", "amount_loss", "label_loss", "val_loss"} <= set(keys)
    assert _EpochLog.seen[0][2] == "two_head"  # the network itself


def test_per_batch_callback_falls_back_to_the_keras_loop(capsys):
    assert needs_keras_loop(_BatchCounter())
    assert not needs_keras_loop(_EpochLog())
    _BatchCounter.batches = 0
    est = RegressorClassifier(**{**TINY, "callbacks": [_BatchCounter], "verbose": 2,
                                 "early_stopping": False}).fit(X, Y)
    steps = int(np.ceil(len(X) / TINY["batch_size"]))
    assert _BatchCounter.batches == steps * TINY["epochs"]
    assert "Keras's own fit loop" in capsys.readouterr().out
    assert est.n_iter_ == TINY["epochs"] and np.isfinite(est.predict_proba(X)).all()


class _LearningRateLog(keras.callbacks.Callback):
    seen = []

    def on_epoch_end(self, epoch, logs=None):
        lr = keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)
        type(self).seen.append(float(lr))


def test_keras_early_stopping_and_lr_scheduler_work_on_the_engine():
    _LearningRateLog.seen = []
    schedule = keras.callbacks.LearningRateScheduler(lambda e, lr: 0.01 / (e + 1))
    est = RegressorClassifier(**{**TINY, "epochs": 4, "early_stopping": False,
                                 "callbacks": [schedule, _LearningRateLog]})
    est.fit(X, Y)
    np.testing.assert_allclose(_LearningRateLog.seen, [0.01, 0.005, 0.01 / 3, 0.0025],
                               rtol=1e-6)
    # the schedule really trained: a constant rate gives other weights
    other = RegressorClassifier(**{**TINY, "epochs": 4, "early_stopping": False,
                                   "learning_rate": 0.01}).fit(X, Y)
    assert not np.array_equal(other.predict_proba(X), est.predict_proba(X))
    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0)
    est = RegressorClassifier(**{**TINY, "epochs": 50, "early_stopping": False,
                                 "callbacks": [stopper]}).fit(X, Y)
    assert est.n_iter_ == 2


def test_verbose_says_how_the_epochs_were_compiled(capsys):
    RegressorClassifier(**{**TINY, "verbose": 2}).fit(X, Y)
    out = capsys.readouterr().out
    backend = keras.backend.backend()
    assert ("compiled with XLA" if backend == "tensorflow" else "jax.jit") in out
    assert "Epoch 1/3 - loss:" in out


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow's XLA")
def test_network_that_xla_cannot_compile_trains_as_a_graph(capsys):
    import tensorflow as tf

    def build(meta):
        inputs = keras.Input((meta["n_features_in_"],))
        # numpy_function has no XLA kernel
        h = keras.layers.Lambda(lambda t: tf.ensure_shape(tf.numpy_function(
            lambda a: a, [t], tf.float32, stateful=False), t.shape),
            output_shape=(meta["n_features_in_"],))(inputs)
        h = keras.layers.Dense(4, activation="relu")(h)
        return keras.Model(inputs, {"amount": keras.layers.Dense(1, name="amount")(h),
                                    "label": keras.layers.Dense(1, activation="sigmoid",
                                                                name="label")(h)})

    est = RegressorClassifier(build, **{**TINY, "verbose": 1}).fit(X, Y)
    assert "compiled as a TensorFlow graph (XLA could not compile" in capsys.readouterr().out
    assert np.isfinite(est.predict_proba(X)).all()


def test_custom_functional_networks_share_programs_by_configuration(small_cache):
    def build(meta, units=4):
        inputs = keras.Input((meta["n_features_in_"],))
        h = keras.layers.Dense(units, activation="relu")(inputs)
        return keras.Model(inputs, {"amount": keras.layers.Dense(1, name="amount")(h),
                                    "label": keras.layers.Dense(1, activation="sigmoid",
                                                                name="label")(h)})

    a = RegressorClassifier(build, **TINY).fit(X, Y)
    b = RegressorClassifier(build, **{**TINY, "random_state": 3}).fit(X, Y)
    assert skmulti.engine_cache_info()["hits"] == 1
    assert not np.array_equal(a.predict_proba(X), b.predict_proba(X))
    RegressorClassifier(build, model__units=5, **TINY).fit(X, Y)
    assert skmulti.engine_cache_info()["misses"] == 2


def test_last_update_that_diverges_is_caught():
    from skmulti.exceptions import TrainingDivergedError

    est = RegressorClassifier(hidden_layer_sizes=(8,), learning_rate=1e30, epochs=1,
                              batch_size=len(X), early_stopping=False, random_state=0)
    with pytest.raises(TrainingDivergedError, match="not finite"):
        est.fit(X, Y)
    assert "_network" not in vars(est)


JAX_SCRIPT = textwrap.dedent(
    """
    import warnings
    import numpy as np
    import skmulti
    from skmulti import RegressorClassifier
    from skmulti.datasets import make_trade

    warnings.simplefilter("ignore")
    X, y = make_trade(200, random_state=0)
    params = dict(hidden_layer_sizes=(8,), epochs=3, random_state=0, dropout=0.2)
    a = RegressorClassifier(**params).fit(X, y)
    b = RegressorClassifier(**params).fit(X, y)
    info = skmulti.engine_cache_info()
    assert (info["misses"], info["hits"]) == (1, 1), info
    skmulti.clear_engine_cache()
    c = RegressorClassifier(**params).fit(X, y)
    for other in (b, c):
        assert np.array_equal(a.predict_proba(X), other.predict_proba(X))
    d = RegressorClassifier(**{**params, "random_state": 1}).fit(X, y)
    assert np.array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not np.array_equal(a.predict_proba(X), d.predict_proba(X))
    # use_ema: the engine ends on the moving averages, as Keras's fit does
    import keras

    class Batches(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            pass

    ema = {**params, "dropout": 0.0, "optimizer__use_ema": True,
           "optimizer__ema_momentum": 0.9}
    for stop in (False, True):
        e = RegressorClassifier(**ema, early_stopping=stop).fit(X, y)
        k = RegressorClassifier(**ema, early_stopping=stop, callbacks=[Batches()]).fit(X, y)
        assert np.allclose(e.predict_proba(X), k.predict_proba(X), atol=1e-5)
        if stop:
            assert np.allclose(e.history_["val_loss"], k.history_["val_loss"], rtol=1e-5)
    # loss_scale_factor: the loss is scaled before the optimizer unscales the gradients
    sgd = {**params, "dropout": 0.0, "optimizer": "sgd", "learning_rate": 0.05}
    f = RegressorClassifier(**sgd).fit(X, y)
    g = RegressorClassifier(**sgd, optimizer__loss_scale_factor=64.0).fit(X, y)
    assert np.array_equal(f.predict_proba(X), g.predict_proba(X))
    print("ok")
    """
)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_jax_engine_reuses_programs_bit_identically():
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run([sys.executable, "-c", JAX_SCRIPT], env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


def test_engine_and_keras_loop_train_the_same_network():
    """Same initial weights, batches, loss and optimizer: equal up to float32 rounding."""
    params = {**TINY, "epochs": 4, "early_stopping": False}
    engine = RegressorClassifier(**params).fit(X, Y)
    keras_loop = RegressorClassifier(**params, callbacks=[_BatchCounter]).fit(X, Y)
    for key in ("loss", "amount_loss", "label_loss"):
        np.testing.assert_allclose(engine.history_[key], keras_loop.history_[key],
                                   rtol=1e-5)
    np.testing.assert_allclose(engine.predict_proba(X), keras_loop.predict_proba(X),
                               rtol=1e-4, atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("options", [
    {"optimizer__gradient_accumulation_steps": 2},
    {"optimizer__clipnorm": 0.01},
    {"optimizer__global_clipnorm": 0.01},
    {"optimizer__weight_decay": 0.1},
    {"optimizer": "sgd", "optimizer__momentum": 0.9, "optimizer__nesterov": True},
    {"optimizer": "rmsprop", "optimizer__centered": True},
], ids=lambda options: ",".join(f"{k.removeprefix('optimizer__')}" for k in options))
def test_optimizer_options_train_on_the_engine_as_on_keras_loop(options):
    """What an optimizer option does inside ``apply`` (accumulation, clipping,
    decay, momentum) happens on the engine exactly as in Keras's own loop."""
    params = {**TINY, "epochs": 4, "early_stopping": False, **options}
    engine = RegressorClassifier(**params).fit(X, Y)
    keras_loop = RegressorClassifier(**params, callbacks=[_BatchCounter]).fit(X, Y)
    np.testing.assert_allclose(engine.predict_proba(X), keras_loop.predict_proba(X),
                               rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(engine.history_["loss"], keras_loop.history_["loss"],
                               rtol=1e-5)


def test_loss_scale_factor_scales_the_loss_as_keras_train_step_does():
    """The optimizer divides the gradients by ``loss_scale_factor``; the engine
    scales the loss first, as Keras's train step does, so a power-of-two factor
    changes nothing at all."""
    params = {**TINY, "epochs": 4, "early_stopping": False, "optimizer": "sgd",
              "learning_rate": 0.05}
    plain = RegressorClassifier(**params).fit(X, Y)
    scaled = RegressorClassifier(**params, optimizer__loss_scale_factor=64.0).fit(X, Y)
    keras_loop = RegressorClassifier(**params, optimizer__loss_scale_factor=64.0,
                                     callbacks=[_BatchCounter]).fit(X, Y)
    np.testing.assert_array_equal(plain.predict_proba(X), scaled.predict_proba(X))
    assert plain.history_["loss"] == scaled.history_["loss"]
    np.testing.assert_allclose(scaled.predict_proba(X), keras_loop.predict_proba(X),
                               rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_use_ema_ends_on_the_moving_averages_as_keras_fit_does(early_stopping):
    """``optimizer__use_ema=True``: Keras's fit ends on the optimizer's moving
    averages of the weights; the engine validates, restores and ends on them too."""
    params = {**TINY, "epochs": 6, "early_stopping": early_stopping, "n_iter_no_change": 2,
              "optimizer__use_ema": True, "optimizer__ema_momentum": 0.9}
    engine = RegressorClassifier(**params).fit(X, Y)
    keras_loop = RegressorClassifier(**params, callbacks=[_BatchCounter]).fit(X, Y)
    raw = RegressorClassifier(**{**params, "optimizer__use_ema": False}).fit(X, Y)
    np.testing.assert_allclose(engine.predict_proba(X), keras_loop.predict_proba(X),
                               rtol=1e-4, atol=1e-6)
    # the raw weights train the same way and end elsewhere
    np.testing.assert_allclose(engine.history_["loss"], raw.history_["loss"], rtol=1e-5)
    assert np.abs(engine.predict_proba(X) - raw.predict_proba(X)).max() > 1e-3
    if early_stopping:  # validated on the averages, on both loops
        np.testing.assert_allclose(engine.history_["val_loss"],
                                   keras_loop.history_["val_loss"], rtol=1e-5)
        assert not np.allclose(engine.history_["val_loss"], raw.history_["val_loss"],
                               rtol=1e-3)


@pytest.mark.parametrize("monitor", ["heads", "amount", "label"])
def test_early_stopping_monitors_and_restores_a_kept_epoch(monitor):
    est = RegressorClassifier(**{**TINY, "epochs": 40, "n_iter_no_change": 3,
                                 "learning_rate": 0.05, "monitor": monitor}).fit(X, Y)
    hist = est.history_
    assert est.n_iter_ < 40
    if monitor != "heads":
        best = int(np.argmin(hist[f"val_{monitor}_loss"]))
        assert est.n_iter_ - 1 - best == 3  # stopped `patience` epochs after its best
    else:  # stops only when neither head improved for 3 epochs
        for head in ("amount", "label"):
            assert est.n_iter_ - 1 - int(np.argmin(hist[f"val_{head}_loss"])) >= 3
    assert np.isfinite(est.predict_proba(X)).all()
