"""Train a two-head network: the epoch loop, early stopping, divergence, callbacks.

:func:`train` is the seam between the estimator and the training machinery.
It runs the epochs on the compiled, cached engine (:mod:`skmulti._engine`),
and falls back to Keras's own ``fit`` loop only for user callbacks that need
per-batch hooks (which a compiled epoch cannot call). Either way it returns a
plain :class:`TrainResult`: the fitted weights as arrays, never a network.
"""

import math
import sys
from dataclasses import dataclass, field

import numpy as np

from . import _engine
from ._compat import learning_rate_variable
from .exceptions import TrainingDivergedError

LOSS_KEYS = ("loss", "amount_loss", "label_loss")
#: Callback hooks that run inside an epoch: a callback that overrides one of
#: them trains on Keras's own loop.
BATCH_HOOKS = (
    "on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end",
    "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
)


@dataclass
class TrainResult:
    """What training hands back to the estimator."""

    weights: list
    history: dict
    n_iter: int
    head_weights: dict
    still_improving: bool = False
    #: The epoch whose weights were restored by early stopping (0: none restored).
    best_epoch: int = 0
    mode: str = ""
    notes: list = field(default_factory=list)


def needs_keras_loop(callback):
    """Whether ``callback`` overrides a per-batch hook (so needs Keras's loop).

    Examples
    --------
    >>> import keras
    >>> from skmulti._training import needs_keras_loop
    >>> needs_keras_loop(keras.callbacks.EarlyStopping())
    False
    >>> needs_keras_loop(keras.callbacks.LambdaCallback(on_train_batch_end=print))
    True
    """
    import keras

    base = keras.callbacks.Callback
    return any(
        hook in vars(callback) or getattr(type(callback), hook) is not getattr(base, hook)
        for hook in BATCH_HOOKS
    )


def _diverged(epoch, logs):
    bad = [k for k, v in logs.items() if "loss" in k and not np.isfinite(v)]
    heads = sorted({k.replace("val_", "").split("_")[0] for k in bad} - {"loss"})
    shown = {k: float(v) for k, v in logs.items() if "loss" in k}
    return TrainingDivergedError(
        f"Training diverged: the loss of the {' and '.join(heads or ['amount', 'label'])} "
        f"head(s) was not finite at epoch {epoch} (losses: {shown}). Lower "
        "learning_rate, check the scale of the amount (amount_transformer) and of X "
        "(scale features, e.g. StandardScaler in a Pipeline), or clip gradients with "
        "optimizer__clipnorm=1.0.",
        epoch=epoch,
        heads=heads or ["amount", "label"],
    )


class _Reporter:
    """``verbose`` output: 1 a progress bar over epochs, 2 a line per epoch."""

    def __init__(self, verbose, epochs):
        self.verbose, self.epochs, self.bar = verbose, epochs, None

    def start(self, program, n_rows, steps):
        if not self.verbose:
            return
        how = {
            "xla": "compiled with XLA",
            "graph": "compiled as a TensorFlow graph (XLA could not compile this "
                     f"network: {getattr(program, 'fallback_reason', '?')})",
            "jit": "compiled with jax.jit",
            "keras": "Keras's own fit loop (a callback needs per-batch hooks)",
        }[program.mode if program is not None else "keras"]
        print(f"skmulti: {n_rows} rows, {steps} steps per epoch; epochs {how}.",
              file=sys.stdout, flush=True)

    def epoch(self, epoch, logs):
        if self.verbose == 2:
            shown = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
            print(f"Epoch {epoch}/{self.epochs} - {shown}", flush=True)
        elif self.verbose:
            import keras

            if self.bar is None:
                self.bar = keras.utils.Progbar(self.epochs, unit_name="epoch")
            self.bar.update(epoch, values=list(logs.items()))


def train(
    source,
    *,
    train_data,
    validation_data,
    amount_loss,
    label_mode,
    label_weight,
    uncertainty,
    optimizer,
    batch_size,
    epochs,
    early_stopping,
    n_iter_no_change,
    callbacks,
    seed,
    verbose,
):
    """Train the network of ``source``; return a :class:`TrainResult`.

    ``train_data`` and ``validation_data`` are ``(x, y, weights)`` triples
    whose ``y`` and ``weights`` are dicts keyed ``"amount"`` and ``"label"``.
    Raises :class:`~skmulti.exceptions.TrainingDivergedError` when a loss, or
    a weight after the last update, stops being finite.
    """
    x = train_data[0]
    batch_size = min(batch_size, len(x))
    if any(needs_keras_loop(cb) for cb in callbacks):
        return _keras_loop(
            source, train_data, validation_data, amount_loss=amount_loss,
            label_mode=label_mode, label_weight=label_weight, uncertainty=uncertainty,
            optimizer=optimizer, batch_size=batch_size, epochs=epochs,
            early_stopping=early_stopping, n_iter_no_change=n_iter_no_change,
            callbacks=callbacks, seed=seed, verbose=verbose,
        )
    key = _engine.ProgramKey(
        backend=_engine.check_backend(),
        network=source.key,
        label_mode=label_mode,
        amount_loss=amount_loss,
        uncertainty=bool(uncertainty),
        optimizer=_engine.optimizer_key(optimizer),
        batch_size=int(batch_size),
    )
    lr = learning_rate_variable(optimizer)
    with _engine.checkout(key, source, optimizer) as program:
        weights, seed_states = source.initial(program.network)
        program.start(weights, seed_states, None if lr is None else lr.numpy())
        data = program.data(x, train_data[1]["amount"], train_data[1]["label"],
                            train_data[2]["amount"], train_data[2]["label"])
        val = None
        if validation_data is not None:
            vx, vy, vw = validation_data
            val = program.data(vx, vy["amount"], vy["label"], vw["amount"], vw["label"])
        return _epochs(program, data, val, label_weight=label_weight, epochs=epochs,
                       early_stopping=early_stopping, patience=n_iter_no_change,
                       callbacks=callbacks, seed=seed, verbose=verbose)


def _epochs(program, data, val, *, label_weight, epochs, early_stopping, patience,
            callbacks, seed, verbose):
    import keras

    rng = np.random.default_rng(seed)
    reporter = _Reporter(verbose, epochs)
    history = {}
    best, best_state, best_epoch, wait, n_iter = math.inf, None, 0, 0, 0
    hooks = None
    if callbacks:
        program.network.optimizer = program.optimizer
        program.network.stop_training = False
        hooks = keras.callbacks.CallbackList(
            callbacks, model=program.network, epochs=epochs,
            steps=program.steps(data.n), verbose=verbose,
        )
        program.push()
        hooks.on_train_begin()
        program.pull()
    for epoch in range(epochs):
        if hooks is not None:
            program.push()
            hooks.on_epoch_begin(epoch)
            program.pull()
        losses = program.run_epoch(data, program.permutation(rng, data), label_weight)
        logs = dict(zip(LOSS_KEYS, losses))
        if val is not None:
            logs.update(zip(("val_" + k for k in LOSS_KEYS),
                            program.evaluate(val, label_weight)))
        if epoch == 0:
            reporter.start(program, data.n, program.steps(data.n))
        n_iter = epoch + 1
        for k, v in logs.items():
            history.setdefault(k, []).append(float(v))
        if not all(np.isfinite(v) for v in logs.values()):
            raise _diverged(n_iter, logs)
        reporter.epoch(n_iter, logs)
        stop = False
        if early_stopping:
            if logs["val_loss"] < best:
                best, wait, best_epoch = logs["val_loss"], 0, n_iter
                best_state = program.snapshot()
            else:
                wait += 1
                stop = wait >= patience
        if hooks is not None:
            program.push()
            hooks.on_epoch_end(epoch, logs)
            program.pull()
            stop = stop or bool(program.network.stop_training)
        if stop:
            break
    if best_state is not None:
        program.restore(best_state)
    if hooks is not None:
        program.push()
        hooks.on_train_end(logs)
        program.pull()
    weights = program.weights()
    _check_finite(weights, n_iter, logs)
    return TrainResult(
        weights=weights, history=history, n_iter=n_iter,
        head_weights=program.head_weights(label_weight),
        still_improving=bool(early_stopping and n_iter == epochs and wait == 0),
        best_epoch=best_epoch,
        mode=program.mode,
    )


def check_outputs(amount, proba, result):
    """Weights can be finite and still overflow the outputs (a huge last step)."""
    if np.isfinite(amount).all() and np.isfinite(proba).all():
        return
    logs = {k: v[-1] for k, v in result.history.items()}
    raise _diverged(result.n_iter, {**logs, "loss": float("nan")})


def _check_finite(weights, n_iter, logs):
    """The last update can diverge after the last loss was computed."""
    if all(np.isfinite(w).all() for w in weights if w.dtype.kind == "f"):
        return
    raise _diverged(n_iter, {**logs, "loss": float("nan")})


# -- Keras's own loop, for callbacks with per-batch hooks ----------------------------------


def _trainer_class():
    import keras

    class TwoHeadTrainer(keras.Model):
        """Wrap a two-head network and compute the engine's two-head loss."""

        def __init__(self, network, loss, label_weight):
            super().__init__(name="two_head_trainer")
            self.network = network
            self.head_loss = loss
            self.label_weight = float(label_weight)
            self.log_variances = None
            if loss.uncertainty:
                self.log_variances = self.add_weight(
                    shape=(2,), initializer="zeros", name="log_variances"
                )
            self.amount_tracker = keras.metrics.Mean(name="amount_loss")
            self.label_tracker = keras.metrics.Mean(name="label_loss")

        def call(self, inputs, training=False):
            return self.network(inputs, training=training)

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                         training=True):
            total, amount, label = self.head_loss(
                y_pred, y["amount"], y["label"], sample_weight["amount"],
                sample_weight["label"], self.label_weight, self.log_variances,
                self.losses,
            )
            batch = keras.ops.shape(y["amount"])[0]
            self.amount_tracker.update_state(amount, sample_weight=batch)
            self.label_tracker.update_state(label, sample_weight=batch)
            return total

    return TwoHeadTrainer


def _keras_loop(source, train_data, validation_data, *, amount_loss, label_mode,
                label_weight, uncertainty, optimizer, batch_size, epochs,
                early_stopping, n_iter_no_change, callbacks, seed, verbose):
    import keras

    from ._network import output_dtype

    network = source.build()
    weights, seed_states = source.initial(network)
    network.set_weights(weights)
    for variable, value in zip(_engine.seed_variables(network), seed_states):
        variable.assign(value)
    loss = _engine._Loss(amount_loss, label_mode, output_dtype(network), uncertainty)
    trainer = _trainer_class()(network, loss, label_weight)
    trainer.compile(optimizer=optimizer, jit_compile=False)
    x, y, w = train_data
    monitor = _monitor_class()(validation_data, early_stopping, n_iter_no_change,
                               label_weight)
    reporter = _Reporter(verbose, epochs)
    reporter.start(None, len(x), math.ceil(len(x) / batch_size))
    rng = np.random.default_rng(seed)

    def batches():
        for _ in range(epochs):
            order = rng.permutation(len(x))
            for start in range(0, len(x), batch_size):
                idx = order[start : start + batch_size]
                yield (x[idx], {k: v[idx] for k, v in y.items()},
                       {k: v[idx] for k, v in w.items()})

    history = trainer.fit(
        batches(), epochs=epochs, steps_per_epoch=math.ceil(len(x) / batch_size),
        callbacks=[monitor, *callbacks], verbose=verbose, shuffle=False,
    )
    if monitor.diverged is not None:
        raise _diverged(*monitor.diverged)
    record = {k: [float(v) for v in values] for k, values in history.history.items()}
    fitted = network.get_weights()
    _check_finite(fitted, monitor.epochs_run, {})
    log_variances = None
    if trainer.log_variances is not None:
        log_variances = np.asarray(trainer.log_variances.numpy())
    return TrainResult(
        weights=fitted, history=record, n_iter=monitor.epochs_run,
        head_weights=_engine.head_weights(log_variances, label_weight),
        still_improving=bool(early_stopping and monitor.epochs_run == epochs
                             and monitor.wait == 0),
        best_epoch=monitor.best_epoch,
        mode="keras",
    )


def _monitor_class():
    import keras

    class Monitor(keras.callbacks.Callback):
        """Stop on a non-finite loss; early-stop on the validation loss."""

        def __init__(self, validation_data, early_stopping, patience, label_weight):
            super().__init__()
            self.validation_data = validation_data
            self.early_stopping = early_stopping
            self.patience = patience
            self.label_weight = label_weight
            self.best = math.inf
            self.best_weights = None
            self.best_epoch = 0
            self.wait = 0
            self.epochs_run = 0
            self.diverged = None

        def _validation_losses(self):
            x, y, w = self.validation_data
            outputs = self.model.network(x, training=False)
            values = self.model.head_loss(
                outputs, y["amount"], y["label"], w["amount"], w["label"],
                self.label_weight, self.model.log_variances,
            )
            return {"val_" + k: float(v) for k, v in zip(LOSS_KEYS, values)}

        def on_epoch_end(self, epoch, logs=None):
            logs = logs if logs is not None else {}
            self.epochs_run = epoch + 1
            if self.validation_data is not None:
                logs.update(self._validation_losses())
            if not all(np.isfinite(v) for k, v in logs.items() if "loss" in k):
                self.diverged = (epoch + 1, dict(logs))
                self.model.stop_training = True
                return
            if not self.early_stopping:
                return
            if logs["val_loss"] < self.best:
                self.best, self.wait, self.best_epoch = logs["val_loss"], 0, epoch + 1
                self.best_weights = self.model.get_weights()
            else:
                self.wait += 1
                if self.wait >= self.patience:
                    self.model.stop_training = True

        def on_train_end(self, logs=None):
            if self.diverged is None and self.best_weights is not None:
                self.model.set_weights(self.best_weights)

    return Monitor
