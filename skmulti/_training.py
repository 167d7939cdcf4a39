"""Train a network of several heads: the epoch loop, early stopping, divergence, callbacks.

:func:`train` is the seam between the estimator and the training machinery.
It runs the epochs on the compiled, cached engine (:mod:`skmulti._engine`),
and falls back to Keras's own ``fit`` loop only for user callbacks that need
per-batch hooks (which a compiled epoch cannot call). Either way it returns a
plain :class:`TrainResult`: the fitted weights as arrays, never a network.
"""

import contextlib
import math
import sys
from dataclasses import dataclass, field

import numpy as np

from . import _engine
from ._compat import optimizer_averages
from ._input import dense_rows
from ._numpy_forward import numpy_forward
from .exceptions import TrainingDivergedError



def loss_keys(heads):
    """The history's keys: ``"loss"`` and ``"<head>_loss"`` per head, in order."""
    return ("loss", *(f"{h.name}_loss" for h in heads))

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
    heads = sorted({k.removeprefix("val_").removesuffix("_loss") for k in bad} - {"loss"})
    shown = {k: float(v) for k, v in logs.items() if "loss" in k}
    every = sorted({k.removeprefix("val_").removesuffix("_loss") for k in logs
                    if k.endswith("_loss")} - {"loss"}) or ["amount", "label"]
    return TrainingDivergedError(
        f"Training diverged: the loss of the {' and '.join(heads or every)} "
        f"head(s) was not finite at epoch {epoch} (losses: {shown}). Lower "
        "learning_rate, check the scale of the amount (amount_transformer) and of X "
        "(scale features, e.g. StandardScaler in a Pipeline), or clip gradients with "
        "optimizer__clipnorm=1.0.",
        epoch=epoch,
        heads=heads or every,
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


MONITORS = ("loss", "heads")
"""What early stopping can watch besides one head (by its name)."""


class EarlyStopping:
    """When to stop and which epoch to restore, for one head, the sum, or both heads.

    ``monitor="heads"``: each head keeps its own best validation loss and its own
    patience; training stops only when no head has improved for ``patience``
    epochs. Each head's loss is put on its own scale as the share of the gain
    over a constant prediction (``baselines``: the loss of predicting the
    training mean amount and the training class priors) that the head reached
    at its best: ``r = (baseline - loss) / (baseline - best)``, 1 at the head's
    best epoch, 0 no better than a constant (a collapsed label head). The epoch
    restored maximises the smallest share among the heads: the epoch that is
    best for the head that is worse off. A head that is refit on the restored
    trunk (a linear amount head, :func:`fit_linear_heads`) is judged by its loss
    after that refit. Only epochs that no other epoch beats on every head (the
    Pareto front) can win, so only their weights are kept.

    ``monitor="loss"`` (the summed loss), ``"amount"`` or ``"label"``: one number,
    stopping after ``patience`` epochs without improvement, restoring its best.

    Examples
    --------
    >>> from skmulti._training import EarlyStopping
    >>> stop = EarlyStopping("heads", patience=2, baselines={"amount": 1.0, "label": 0.4})
    >>> for epoch, (a, b) in enumerate([(0.9, 0.40), (0.7, 0.39), (0.8, 0.36),
    ...                                 (0.85, 0.35), (0.9, 0.352), (0.95, 0.353)], 1):
    ...     keep, halt = stop.update(epoch, {"val_amount_loss": a, "val_label_loss": b,
    ...                                      "val_loss": a + b})
    >>> halt, stop.choose()
    (True, 3)
    """

    def __init__(self, monitor, patience, baselines=None, heads=("amount", "label")):
        self.monitor, self.patience = monitor, patience
        self.baselines = baselines or {}
        self.heads = tuple(heads) if monitor == "heads" else (monitor,)
        self.best = dict.fromkeys(self.heads, math.inf)
        self.wait = dict.fromkeys(self.heads, 0)
        self.front = {}  # epoch -> its losses, for epochs that may still be restored

    def _losses(self, logs):
        if self.monitor == "loss":
            return {"loss": logs["val_loss"]}
        return {h: logs[f"val_{h}_loss"] for h in self.heads}

    def update(self, epoch, logs):
        """Record an epoch; return ``(keep its weights, stop now)``."""
        losses = self._losses(logs)
        for head, value in losses.items():
            if value < self.best[head]:
                self.best[head], self.wait[head] = value, 0
            else:
                self.wait[head] += 1
        dominated = any(
            all(other[h] <= losses[h] for h in self.heads) for other in self.front.values()
        )
        if not dominated:
            self.front = {
                e: other for e, other in self.front.items()
                if not all(losses[h] <= other[h] for h in self.heads)
            }
            self.front[epoch] = losses
        return not dominated, all(w >= self.patience for w in self.wait.values())

    @property
    def improving(self):
        """Whether some head improved at the last epoch."""
        return any(w == 0 for w in self.wait.values())

    def choose(self, refit_losses=None):
        """The epoch whose weights to restore.

        ``refit_losses``: ``{head: {epoch: validation loss}}`` for the heads
        whose last layer is refit on the restored trunk (:func:`fit_linear_heads`):
        with ``monitor="heads"`` such a head votes with the loss it would have
        after its refit at that epoch, not the loss it had during training.
        """
        if len(self.heads) == 1:
            (head,) = self.heads
            return min(self.front, key=lambda e: (self.front[e][head], e))
        refit_losses = refit_losses or {}

        def loss(epoch, head):
            return refit_losses[head][epoch] if head in refit_losses else self.front[epoch][head]

        best = {h: min(loss(e, h) for e in self.front) for h in self.heads}

        def share(epoch, head):
            base = self.baselines.get(head, math.inf)
            if not base > best[head]:  # never better than a constant: no say
                return 1.0
            return (base - loss(epoch, head)) / (base - best[head])

        return max(self.front, key=lambda e: (min(share(e, h) for h in self.heads), -e))

    def keep(self, epoch):
        """Whether the weights of ``epoch`` can still be restored."""
        return epoch in self.front


def baseline_losses(loss, train, validation):
    """Validation loss of each head for a constant prediction (training mean, priors).

    ``loss`` is the engine's loss of the heads; ``train`` and ``validation`` are
    ``(x, targets, weights)`` triples as for :func:`train`. The result maps
    each head's name to its baseline loss.
    """
    (_, ys, ws), (_, vys, vws) = train, validation
    outputs = {}
    for head, y, w, vy in zip(loss.heads, ys, ws, vys):
        n_val = len(np.asarray(vy))
        weights = np.asarray(w, dtype=np.float64)
        if not head.is_label:
            amount = np.asarray(y, dtype=np.float64).reshape(-1)
            mean = float(np.average(amount, weights=weights)) if weights.sum() > 0 else 0.0
            outputs[head.name] = np.full((n_val, 1), mean, dtype=np.float32)
            continue
        codes = np.asarray(y).reshape(-1).astype(int)
        val_codes = np.asarray(vy).reshape(-1).astype(int)
        # a class can be in the validation rows only: size the prediction for both
        units = max(codes.max(), val_codes.max()) + 1 if head.sparse_codes else 2
        priors = np.bincount(codes, weights=weights, minlength=units) / max(weights.sum(), 1e-12)
        priors = np.clip(priors, 1e-7, 1 - 1e-7)
        if not head.sparse_codes:
            p = priors[1]
            out = np.full((n_val, 1), np.log(p / (1 - p)) if head.from_logits else p)
        else:
            out = np.log(priors) if head.from_logits else priors / priors.sum()
            out = np.tile(out, (n_val, 1))
        outputs[head.name] = out.astype(np.float32)
    targets = [
        np.asarray(vy, np.int32 if h.sparse_codes else np.float32).reshape(
            (-1,) if h.sparse_codes else (-1, 1))
        for h, vy in zip(loss.heads, vys)
    ]
    sums = loss.sums(outputs, targets, [np.asarray(w, np.float32) for w in vws])
    return {
        h.name: float(_engine.as_numpy(a)) / max(float(_engine.as_numpy(wa)), 1e-12)
        for h, (a, wa) in zip(loss.heads, sums)
    }


def train(
    source,
    *,
    heads,
    train_data,
    validation_data,
    head_weights,
    uncertainty,
    optimizer,
    batch_size,
    epochs,
    early_stopping,
    n_iter_no_change,
    callbacks,
    seed,
    verbose,
    monitor="loss",
):
    """Train the network of ``source``; return a :class:`TrainResult`.

    ``heads`` are the network's heads (:class:`skmulti._heads.Head`);
    ``train_data`` and ``validation_data`` are ``(x, targets, weights)``
    triples whose ``targets`` and ``weights`` hold one array per head, and
    ``head_weights`` one loss weight per head. ``optimizer`` is an
    :class:`skmulti._routing.OptimizerRecipe`: it keys the engine's cache and
    is built only for a new program. Raises
    :class:`~skmulti.exceptions.TrainingDivergedError` when a loss, or a weight
    after the last update, stops being finite.
    """
    heads = tuple(heads)
    x = train_data[0]
    batch_size = min(batch_size, x.shape[0])
    head_weights = np.asarray(head_weights, dtype=np.float64)
    stopper = None
    if early_stopping:
        baselines = None
        if monitor == "heads":
            baselines = baseline_losses(_engine._Loss(heads, "float32", False),
                                        train_data, validation_data)
        stopper = EarlyStopping(monitor, n_iter_no_change, baselines,
                                heads=[h.name for h in heads])
    if any(needs_keras_loop(cb) for cb in callbacks):
        return _keras_loop(
            source, heads, train_data, validation_data, head_weights=head_weights,
            uncertainty=uncertainty, optimizer=optimizer, batch_size=batch_size,
            epochs=epochs, stopper=stopper, callbacks=callbacks, seed=seed,
            verbose=verbose,
        )
    key = _engine.ProgramKey(
        backend=_engine.check_backend(),
        network=source.key,
        heads=tuple(h.signature for h in heads),
        uncertainty=bool(uncertainty),
        optimizer=_engine.optimizer_key(optimizer),
        batch_size=int(batch_size),
    )
    with _engine.checkout(key, heads, source, optimizer) as program:
        weights, seed_states = source.initial(program.network)
        program.start(weights, seed_states, optimizer.learning_rate)
        data = program.data(*train_data)
        val = None if validation_data is None else program.data(*validation_data)
        return source.finish(program.network, _epochs(
            program, data, val, heads=heads, head_weights=head_weights, epochs=epochs,
            stopper=stopper, callbacks=callbacks, seed=seed, verbose=verbose,
            hosts=(train_data, validation_data)))


def _epochs(program, data, val, *, heads, head_weights, epochs, stopper, callbacks,
            seed, verbose, hosts=None):
    import keras

    rng = np.random.default_rng(seed)
    reporter = _Reporter(verbose, epochs)
    history = {}
    snapshots, best_epoch, n_iter = {}, 0, 0
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
        losses = program.run_epoch(data, program.permutation(rng, data), head_weights)
        keys = loss_keys(heads)
        logs = dict(zip(keys, losses))
        if val is not None:
            logs.update(zip(("val_" + k for k in keys),
                            program.evaluate(val, head_weights)))
        if epoch == 0:
            reporter.start(program, data.n, program.steps(data.n))
        n_iter = epoch + 1
        for k, v in logs.items():
            history.setdefault(k, []).append(float(v))
        if not all(np.isfinite(v) for v in logs.values()):
            raise _diverged(n_iter, logs)
        reporter.epoch(n_iter, logs)
        stop = False
        if stopper is not None:
            keep, stop = stopper.update(n_iter, logs)
            snapshots = {e: w for e, w in snapshots.items() if stopper.keep(e)}
            if keep:
                snapshots[n_iter] = program.snapshot()
        if hooks is not None:
            program.push()
            hooks.on_epoch_end(epoch, logs)
            program.pull()
            stop = stop or bool(program.network.stop_training)
        if stop:
            break
    refit, fits = {}, {}
    if stopper is not None:
        if stopper.monitor == "heads":
            refit = linear_heads(program.network, heads)
        for epoch in sorted(stopper.front) if refit else ():
            fits[epoch] = fit_linear_heads(program, heads, refit,
                                           program.weights_of(snapshots[epoch]), hosts)
        best_epoch = stopper.choose(
            {name: {e: fit[name][0] for e, fit in fits.items()} for name in refit})
        program.restore(snapshots[best_epoch])
        if fits:
            program.push()  # a feature network may have shown another candidate
    else:
        program.use_averages()
    if hooks is not None:
        program.push()
        hooks.on_train_end(logs)
        program.pull()
    weights = program.weights()
    if refit:
        set_linear_heads(program.network, refit, weights, fits[best_epoch])
    _check_finite(weights, n_iter, logs)
    return TrainResult(
        weights=weights, history=history, n_iter=n_iter,
        head_weights=program.head_weights(head_weights),
        still_improving=bool(stopper is not None and n_iter == epochs and stopper.improving),
        best_epoch=best_epoch,
        mode=program.mode,
    )


#: Ridge penalties tried when a linear amount head is refit (times the rows' weight).
REFIT_ALPHAS = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)


def linear_heads(network, heads):
    """``{name: layer}`` of the amount heads whose output is one linear ``Dense``
    unit trained with the squared error: refittable in closed form."""
    import keras

    found = {}
    for head in heads:
        if head.is_label or head.loss != "squared_error":
            continue
        try:
            layer = network.get_layer(head.name)
        except ValueError:
            continue
        linear = getattr(layer, "activation", None) in (None, keras.activations.linear)
        if isinstance(layer, keras.layers.Dense) and linear and layer.use_bias and (
                layer.units == 1):
            found[head.name] = layer
    return found


def fit_linear_heads(program, heads, layers, weights, hosts):
    """Refit each linear amount head's kernel and bias on the trunk of ``weights``.

    Each linear amount head (``layers``: :func:`linear_heads`) gets the weighted
    ridge regression of its target on the trunk's features, its penalty chosen
    on the validation rows. Returns ``{name: (validation loss, coefficients)}``
    with the better of the head as it is (coefficients None) and its refit.
    ``weights`` are in ``network.weights`` order. The network that computes a
    head's features is built once per cached program (building Keras models is
    what leaks on TensorFlow) and run in NumPy where
    :func:`~skmulti._numpy_forward.numpy_forward` reproduces it; otherwise it
    is given ``weights`` (which changes ``program.network``'s variables: restore
    the program afterwards).
    """
    import keras

    network = program.network
    models = program.__dict__.setdefault("feature_models", {})
    (x, ys, ws), (vx, vys, vws) = hosts
    names = [h.name for h in heads]
    position = {id(v): i for i, v in enumerate(network.weights)}
    fits = {}
    for name, layer in layers.items():
        if name not in models:
            inputs = network.inputs  # one input: X; called with a tensor, not a list
            model = keras.Model(inputs[0] if len(inputs) == 1 else inputs, layer.input)
            models[name] = (model, numpy_forward(model),
                            [position[id(v)] for v in model.weights])
        h, vh = (_features(models[name], weights, rows) for rows in (x, vx))
        i = names.index(name)
        y, w = np.asarray(ys[i], float).reshape(-1), np.asarray(ws[i], float)
        vy, vw = np.asarray(vys[i], float).reshape(-1), np.asarray(vws[i], float)
        kernel = weights[position[id(layer.kernel)]].reshape(-1)
        current = vh @ kernel + weights[position[id(layer.bias)]][0]
        best = (_weighted_mse(vy, current, vw), None)
        design = np.column_stack([h, np.ones(len(h))])
        gram = design.T @ (design * w[:, None])
        target = design.T @ (w * y)
        for alpha in REFIT_ALPHAS:
            penalty = alpha * w.sum() * np.eye(len(gram))
            penalty[-1, -1] = 0.0  # the bias is not penalised
            beta = np.linalg.solve(gram + penalty, target)
            loss = _weighted_mse(vy, vh @ beta[:-1] + beta[-1], vw)
            if loss < best[0]:
                best = (loss, beta)
        fits[name] = best
    return fits


def set_linear_heads(network, layers, weights, fits):
    """Write the refit coefficients of :func:`fit_linear_heads` into ``weights``."""
    position = {id(v): i for i, v in enumerate(network.weights)}
    for name, (_, beta) in fits.items():
        if beta is None:
            continue
        layer = layers[name]
        kernel_at, bias_at = position[id(layer.kernel)], position[id(layer.bias)]
        dtype = weights[kernel_at].dtype
        weights[kernel_at] = beta[:-1].reshape(-1, 1).astype(dtype)
        weights[bias_at] = beta[-1:].astype(dtype)


def _features(feature_model, weights, x):
    """The rows' features: the NumPy forward pass of the feature network with
    ``weights`` where it reproduces the network, else the network itself, given
    ``weights`` first."""
    from ._engine import as_numpy

    model, forward, index = feature_model
    if forward is not None:
        prepared = forward.prepare([weights[i] for i in index])

        def call(rows):
            (out,) = forward(prepared, rows).values()
            return out
    else:
        model.set_weights([weights[i] for i in index])

        def call(rows):
            return as_numpy(model(rows, training=False))

    chunks = [call(dense_rows(x, slice(s, s + 8192))) for s in range(0, x.shape[0], 8192)]
    return np.concatenate(chunks).astype(np.float64)


def _weighted_mse(y, pred, w):
    return float(np.sum(w * (y - pred) ** 2) / max(w.sum(), 1e-12))


def check_outputs(outputs, result):
    """Weights can be finite and still overflow the outputs (a huge last step).

    ``outputs`` maps each head's name to its outputs on the training rows.
    """
    if all(np.isfinite(v).all() for v in outputs.values()):
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

    class HeadsTrainer(keras.Model):
        """Wrap a network of several heads and compute the engine's loss."""

        def __init__(self, network, loss, head_weights):
            super().__init__(name="heads_trainer")
            self.network = network
            self.head_loss = loss
            self.head_weights = np.asarray(head_weights, dtype=np.float32)
            self.log_variances = None
            if loss.uncertainty:
                self.log_variances = self.add_weight(
                    shape=(len(loss.heads),), initializer="zeros", name="log_variances"
                )
            self.trackers = [keras.metrics.Mean(name=f"{h.name}_loss") for h in loss.heads]

        def call(self, inputs, training=False):
            return self.network(inputs, training=training)

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                         training=True):
            total, means = self.head_loss(
                y_pred, y, sample_weight, self.head_weights, self.log_variances,
                self.losses,
            )
            batch = keras.ops.shape(y[0])[0]
            for tracker, mean in zip(self.trackers, means):
                tracker.update_state(mean, sample_weight=batch)
            return total

    return HeadsTrainer


def _keras_loop(source, heads, train_data, validation_data, *, head_weights, uncertainty,
                optimizer, batch_size, epochs, stopper, callbacks, seed, verbose):
    from ._network import output_dtype

    network = source.build()
    weights, seed_states = source.initial(network)
    network.set_weights(weights)
    for variable, value in zip(_engine.seed_variables(network), seed_states):
        variable.assign(value)
    loss = _engine._Loss(heads, output_dtype(network), uncertainty)
    trainer = _trainer_class()(network, loss, head_weights)
    trainer.compile(optimizer=optimizer.build(), jit_compile=False)
    x, ys, ws = train_data
    ys = _typed_targets(heads, ys)
    monitor = _monitor_class()(validation_data, stopper, head_weights, heads)
    reporter = _Reporter(verbose, epochs)
    n = x.shape[0]
    reporter.start(None, n, math.ceil(n / batch_size))
    rng = np.random.default_rng(seed)

    def batches():
        for _ in range(epochs):
            order = rng.permutation(n)
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                yield (dense_rows(x, idx), tuple(y[idx] for y in ys),
                       tuple(np.asarray(w[idx], np.float32) for w in ws))

    history = trainer.fit(
        batches(), epochs=epochs, steps_per_epoch=math.ceil(n / batch_size),
        callbacks=[monitor, *callbacks], verbose=verbose, shuffle=False,
    )
    if monitor.diverged is not None:
        raise _diverged(*monitor.diverged)
    record = {k: [float(v) for v in values] for k, values in history.history.items()}
    fitted = network.get_weights()
    _check_finite(fitted, monitor.epochs_run, {})
    log_variances = None
    if trainer.log_variances is not None:
        log_variances = _engine.to_numpy(trainer.log_variances)
    return source.finish(network, TrainResult(
        weights=fitted, history=record, n_iter=monitor.epochs_run,
        head_weights=_engine.effective_head_weights(heads, log_variances, head_weights),
        still_improving=bool(stopper is not None and monitor.epochs_run == epochs
                             and stopper.improving),
        best_epoch=monitor.best_epoch,
        mode="keras",
    ))


def _typed_targets(heads, ys):
    return [
        np.asarray(y, np.int32 if h.sparse_codes else np.float32).reshape(
            (-1,) if h.sparse_codes else (-1, 1))
        for h, y in zip(heads, ys)
    ]


def _monitor_class():
    import keras

    class Monitor(keras.callbacks.Callback):
        """Stop on a non-finite loss; early-stop on the validation loss."""

        def __init__(self, validation_data, stopper, head_weights, heads):
            super().__init__()
            self.validation_data = validation_data
            self.stopper = stopper
            self.head_weights = head_weights
            self.heads = heads
            self.snapshots = {}
            self.best_epoch = 0
            self.epochs_run = 0
            self.diverged = None

        def _validation_losses(self):
            x, ys, ws = self.validation_data
            outputs = self.model.network(dense_rows(x), training=False)
            total, means = self.model.head_loss(
                outputs, _typed_targets(self.heads, ys),
                [np.asarray(w, np.float32) for w in ws],
                self.head_weights.astype(np.float32), self.model.log_variances,
            )
            keys = loss_keys(self.heads)
            return {"val_" + k: float(v) for k, v in zip(keys, [total, *means])}

        @contextlib.contextmanager
        def _averaged(self):
            """Within, the weights are the optimizer's moving averages (use_ema),
            which Keras's fit ends with: validate and snapshot those."""
            averages = optimizer_averages(self.model.optimizer)
            if averages is None:
                yield
                return
            variables = self.model.trainable_variables
            raw = [_engine.to_numpy(v) for v in variables]
            for variable, average in zip(variables, averages):
                if average is not None:
                    variable.assign(average)
            try:
                yield
            finally:
                for variable, value in zip(variables, raw):
                    variable.assign(value)

        def on_epoch_end(self, epoch, logs=None):
            logs = logs if logs is not None else {}
            self.epochs_run = epoch + 1
            with self._averaged():
                self._end_epoch(epoch, logs)

        def _end_epoch(self, epoch, logs):
            if self.validation_data is not None:
                logs.update(self._validation_losses())
            if not all(np.isfinite(v) for k, v in logs.items() if "loss" in k):
                self.diverged = (epoch + 1, dict(logs))
                self.model.stop_training = True
                return
            if self.stopper is None:
                return
            keep, stop = self.stopper.update(epoch + 1, logs)
            self.snapshots = {e: w for e, w in self.snapshots.items()
                              if self.stopper.keep(e)}
            if keep:
                self.snapshots[epoch + 1] = self.model.get_weights()
            if stop:
                self.model.stop_training = True

        def on_train_end(self, logs=None):
            if self.diverged is None and self.stopper is not None:
                self.best_epoch = self.stopper.choose()
                self.model.set_weights(self.snapshots[self.best_epoch])

    return Monitor
