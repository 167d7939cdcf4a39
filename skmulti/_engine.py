"""The training engine: whole epochs compiled once, cached across fits.

A fit of a small network is dominated by fixed costs: tracing Keras's train
function, building a fresh model, the per-step Python loop. This module pays
them once per *shape of the work* and per process:

- A :class:`Program` holds a template network, an optimizer and the compiled
  functions that train one whole epoch (every step, in one call) and evaluate
  the validation rows. It knows nothing of a particular fit: each fit loads its
  own initial weights into it, trains, and reads its weights back out, so the
  fitted estimator owns plain arrays and never the cached network.
- Programs are cached in an LRU pool keyed by everything that shapes the trace
  (:class:`ProgramKey`). A fit *checks out* a program for its whole duration, so
  a busy program is never shared by two fits (threads get a second program of
  the same key); it goes back to the pool afterwards.
- Row counts are padded to the next power of two with zero-weight rows, and the
  number of steps is a runtime value, so the folds of a cross-validation and
  the refit share the compiled code.
- TensorFlow compiles with XLA (``tf.function(jit_compile=True)``) and falls
  back to a plain graph when XLA cannot compile the network; JAX compiles with
  ``jax.jit`` over Keras's stateless API (``stateless_call`` and
  ``stateless_apply``). TensorFlow's optimizers refuse ``stateless_apply``, so
  there the program's own variables hold the state during a fit.

Predictions go through :func:`forward`: a compiled forward pass, cached by
architecture, called with the estimator's own weights.
"""

import contextlib
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ._compat import learning_rate_variable, optimizer_averages
from ._input import dense_rows, is_sparse
from ._network import loss_fn
from ._numpy_forward import numpy_forward

#: At most this many programs (and as many forward passes) stay cached.
CACHE_SIZE = 8
#: Rows per forward-pass call at predict (and per validation call for sparse X).
PREDICT_CHUNK = 8192
#: At most this many rows go through a network's NumPy forward pass, when it has
#: one: 10-15x faster than the compiled call up to 100 rows; from about 300 rows
#: NumPy's multi-threaded BLAS can be slower (benchmarks/README.md).
NUMPY_MAX_ROWS = 100
#: For sparse X, the rows of about this many consecutive training rows (whole
#: batches) are densified for each compiled call; never the whole matrix.
SPARSE_CHUNK_ROWS = 4096
_MIN_BUCKET = 64

_lock = threading.Lock()
_idle = OrderedDict()  # ProgramKey -> list of idle Programs, least recently used first
_forwards = OrderedDict()  # forward key -> _Forward
_stats = {"hits": 0, "misses": 0, "evictions": 0}


def backend():
    import keras

    return keras.backend.backend()


def as_numpy(tensor):
    """A backend tensor as a NumPy array.

    Under NumPy 2, ``keras.ops.convert_to_numpy`` (TensorFlow tensors) and
    ``Variable.numpy()`` (JAX) warn that ``__array__`` takes no ``copy``; a
    TensorFlow tensor's own ``numpy()`` and ``np.asarray`` of a JAX array do not.
    """
    return tensor.numpy() if hasattr(tensor, "numpy") else np.asarray(tensor)


def to_numpy(variable):
    """A copy of a Keras variable's value as a NumPy array."""
    return np.array(as_numpy(variable.value))


def bucket(n):
    """Rows an array of ``n`` rows is padded to: the next power of two (>= 64).

    Examples
    --------
    >>> from skmulti._engine import bucket
    >>> bucket(1), bucket(64), bucket(65), bucket(1500)
    (64, 64, 128, 2048)
    """
    return max(_MIN_BUCKET, 1 << max(0, int(n) - 1).bit_length())


def _pad_rows(a, rows):
    if len(a) == rows:
        return a
    pad = np.zeros((rows - len(a),) + a.shape[1:], dtype=a.dtype)
    return np.concatenate([a, pad])


@dataclass(frozen=True)
class ProgramKey:
    """Everything that shapes a compiled training program.

    ``network`` is the architecture key of :class:`NetworkSource` (None: not
    shareable, the program is compiled for this fit only); ``heads`` are the
    heads (:class:`skmulti._heads.Head`) as far as they shape the trace (their
    ``signature``); the learning rate, the heads' loss weights and the data are
    runtime values and not part of it.
    """

    backend: str
    network: object
    heads: tuple
    uncertainty: bool
    optimizer: tuple
    batch_size: int


@dataclass
class EpochData:
    """One fit's rows, padded to a bucket on the device (or sparse on the host)."""

    x: object
    targets: list
    weights: list
    n: int
    sparse: bool = False


def optimizer_key(recipe):
    """What of an optimizer shapes the trace: its class and its arguments.

    ``recipe`` is an :class:`skmulti._routing.OptimizerRecipe` (its class's
    defaults fill the rest). The learning rate is left out when it is a number:
    it lives in a variable and is set at each fit.
    """
    kwargs = {k: v for k, v in recipe.kwargs.items()
              if not (k == "learning_rate" and isinstance(v, (int, float)))}
    return (recipe.cls, _freeze(kwargs))


def _freeze(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, value.tobytes())
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


class NetworkSource:
    """Where a fit's network comes from: its architecture key, template, weights.

    Parameters
    ----------
    key : hashable or None
        Equal keys mean networks of identical architecture and computation, so
        one template (and its compiled code) serves all of them. None: the
        network is used for this fit only.
    build : callable
        ``build() -> keras.Model``: a network of this architecture that the
        engine may keep (a template) when ``key`` is not None.
    initial : callable
        ``initial(template) -> (weights, seed_states)``: this fit's initial
        weights (in ``template.weights`` order) and the states of its seed
        generators (in the order of :func:`seed_variables`).
    narrow : callable or None, default=None
        ``narrow(template, weights) -> weights``: the trained weights as the
        fitted network holds them (:meth:`skmulti._network.LabelPadding.narrow`
        cuts padded label units); None keeps them as trained.
    """

    def __init__(self, key, build, initial, narrow=None):
        self.key = key
        self.build = build
        self.initial = initial
        self.narrow = narrow

    def finish(self, network, result):
        """``result`` (a ``TrainResult`` of ``network``) with its weights narrowed."""
        if self.narrow is None:
            return result
        from dataclasses import replace

        return replace(result, weights=self.narrow(network, result.weights))


def seed_variables(model):
    """The seed-generator states of ``model`` (non-trainable, not in ``weights``)."""
    weight_ids = {id(v) for v in model.weights}
    return [v for v in model.non_trainable_variables if id(v) not in weight_ids]


# -- the loss ----------------------------------------------------------------------


def _weighted_sums(ops, per_sample, weight):
    per_sample = ops.reshape(per_sample, (-1,))
    weight = ops.cast(ops.reshape(weight, (-1,)), per_sample.dtype)
    return ops.sum(per_sample * weight), ops.sum(weight)


def _flat(sums):
    """``(total, [per-head sums])`` from a compiled epoch as one list of numbers."""
    total, heads = sums
    return [total, *heads]


def _mean(total, weight):
    return total / max(float(weight), 1e-12)


class _Loss:
    """The loss of all heads: fixed or uncertainty-weighted (Kendall et al., 2018).

    With ``w_i`` each head's loss weight (1 for amounts, ``label_weight`` for
    labels) and ``L_i`` its loss, the weighted mean of its per-row losses::

        fixed:        L = sum_i w_i L_i
        uncertainty:  L = sum_i w_i (c_i exp(-s_i) L_i + 0.5 s_i)

    where ``s_i`` is a learned log-variance per head and ``c_i`` is 0.5 for an
    amount (a Gaussian likelihood) and 1 for a label.
    """

    def __init__(self, heads, dtype, uncertainty):
        self.heads = tuple(heads)
        self.fns = [loss_fn(h, dtype) for h in self.heads]
        self.dtype = dtype
        self.uncertainty = uncertainty
        self.scales = np.array([1.0 if h.is_label else 0.5 for h in self.heads])

    def sums(self, outputs, ys, ws):
        """Per head, the weighted sum of its per-row losses and the sum of its weights."""
        from keras import ops

        return [
            _weighted_sums(ops, fn(y, outputs[h.name]), w)
            for h, fn, y, w in zip(self.heads, self.fns, ys, ws)
        ]

    def combine(self, means, head_weights, log_variances, exp):
        """The total loss from the heads' mean losses (``exp``: the backend's or NumPy's)."""
        total = 0.0
        for i, mean in enumerate(means):
            if log_variances is None:
                total = total + head_weights[i] * mean
            else:
                s = log_variances[i]
                total = total + head_weights[i] * (
                    self.scales[i] * exp(-s) * mean + 0.5 * s)
        return total

    def __call__(self, outputs, ys, ws, head_weights, log_variances=None, extra=None):
        """The total loss and each head's mean loss (a list)."""
        from keras import ops

        means = [a / ops.maximum(wa, 1e-12) for a, wa in self.sums(outputs, ys, ws)]
        head_weights = ops.cast(head_weights, means[0].dtype)
        total = self.combine(means, [head_weights[i] for i in range(len(means))],
                             log_variances, ops.exp)
        if extra:
            total = total + ops.sum(ops.stack([ops.cast(e, total.dtype) for e in extra]))
        return total, means


def effective_head_weights(heads, log_variances, head_weights):
    """Effective weight of each head's loss (``loss_weights_``), keyed by head name."""
    if log_variances is None:
        return {h.name: float(w) for h, w in zip(heads, head_weights)}
    s = np.asarray(log_variances, dtype=float)
    return {
        h.name: float(w * (1.0 if h.is_label else 0.5) * np.exp(-s[i]))
        for i, (h, w) in enumerate(zip(heads, head_weights))
    }


# -- programs ------------------------------------------------------------------------


class Program:
    """A template network, an optimizer and the compiled epoch of one key.

    A fit calls :meth:`start`, then :meth:`run_epoch` and :meth:`evaluate`
    per epoch, :meth:`snapshot`/:meth:`restore` for early stopping, and reads
    :meth:`weights` at the end. Never used by two fits at once.
    """

    mode = None

    def __init__(self, key, heads, network, optimizer, loss_dtype):
        import keras

        self.key = key
        self.network = network
        self.optimizer = optimizer
        self.loss = _Loss(heads, loss_dtype, key.uncertainty)
        self.n_heads = len(heads)
        self.log_variances = None
        if key.uncertainty:
            self.log_variances = keras.Variable(
                np.zeros(self.n_heads, dtype=loss_dtype), name="log_variances",
                dtype=loss_dtype,
            )
        self.trainable = list(network.trainable_variables)
        if self.log_variances is not None:
            self.trainable.append(self.log_variances)
        self.non_trainable = list(network.non_trainable_variables)
        optimizer.build(self.trainable)
        self.optimizer_variables = list(optimizer.variables)
        self.optimizer_initial = [to_numpy(v) for v in self.optimizer_variables]
        # Where each of network.weights sits in trainable / non_trainable.
        position = {id(v): ("t", i) for i, v in enumerate(self.trainable)}
        position.update({id(v): ("n", i) for i, v in enumerate(self.non_trainable)})
        self.weight_positions = [position[id(v)] for v in network.weights]
        self.seed_positions = [position[id(v)] for v in seed_variables(network)]
        lr = learning_rate_variable(optimizer)
        self.lr_index = next(
            (i for i, v in enumerate(self.optimizer_variables) if v is lr), None
        )
        # use_ema: where each trainable variable's moving average sits among the
        # optimizer's variables (None: it keeps none); None without use_ema.
        averages = optimizer_averages(optimizer)
        self.average_index = None
        if averages is not None:
            where = {id(v): i for i, v in enumerate(self.optimizer_variables)}
            self.average_index = [None if a is None else where[id(a)] for a in averages]

    def _initial_values(self, weights, seed_states, learning_rate):
        trainable = [None] * len(self.trainable)
        non_trainable = [to_numpy(v) for v in self.non_trainable]
        for (kind, i), value in zip(self.weight_positions, weights):
            (trainable if kind == "t" else non_trainable)[i] = value
        for (kind, i), value in zip(self.seed_positions, seed_states):
            non_trainable[i] = value
        if self.log_variances is not None:
            trainable[-1] = np.zeros(self.n_heads, dtype=self.log_variances.dtype)
        optimizer = [v.copy() for v in self.optimizer_initial]
        if self.lr_index is not None and learning_rate is not None:
            optimizer[self.lr_index] = np.asarray(
                learning_rate, dtype=optimizer[self.lr_index].dtype
            )
        for ref, value in zip(self.trainable + self.non_trainable,
                              trainable + non_trainable):
            if tuple(value.shape) != tuple(ref.shape):
                raise ValueError(
                    f"The initial value of {ref.path} has shape {value.shape}; the "
                    f"network expects {tuple(ref.shape)}."
                )
        return trainable, non_trainable, optimizer

    def weights_of(self, snapshot):
        """The weights of a :meth:`snapshot`, as :meth:`weights` returns them."""
        raise NotImplementedError

    # -- an optimizer with use_ema=True: its moving averages are the fit's weights --

    def _averages(self, trainable, optimizer):
        """``trainable`` with each value the optimizer averages replaced by its
        moving average (from the optimizer's values ``optimizer``)."""
        return [t if i is None else optimizer[i]
                for t, i in zip(trainable, self.average_index)]

    @contextlib.contextmanager
    def averaged(self):
        """Within, the trainable variables hold the optimizer's moving averages.

        With ``use_ema=True`` the averages are what a fit ends with (as in
        Keras's ``fit``), so validation losses, the snapshots early stopping
        restores and the refit heads all see them. Without it, nothing changes.
        """
        if self.average_index is None:
            yield
            return
        raw, _, optimizer = self._current()
        self._set_trainable(self._averages(raw, optimizer))
        try:
            yield
        finally:
            self._set_trainable(raw)

    def use_averages(self):
        """End training on the moving averages (Keras's ``finalize_variable_values``)."""
        if self.average_index is not None:
            trainable, _, optimizer = self._current()
            self._set_trainable(self._averages(trainable, optimizer))

    def weights(self):
        """The network's weights now, as arrays in ``network.weights`` order."""
        trainable, non_trainable = self._current()[:2]
        return [
            np.array(trainable[i] if kind == "t" else non_trainable[i])
            for kind, i in self.weight_positions
        ]

    def head_weights(self, head_weights):
        """Effective weight of each head's loss now, keyed by head name."""
        log_variances = None
        if self.log_variances is not None:
            log_variances = np.asarray(self._current()[0][-1])
        return effective_head_weights(self.loss.heads, log_variances, head_weights)

    def _host_arrays(self, targets, weights):
        targets = [
            np.asarray(t, dtype=np.int32 if h.sparse_codes else np.float32).reshape(
                (-1,) if h.sparse_codes else (-1, 1))
            for h, t in zip(self.loss.heads, targets)
        ]
        return targets, [np.asarray(w, dtype=np.float32) for w in weights]

    def data(self, x, targets, weights):
        """Pad the rows to their bucket and put them on the device once.

        ``targets`` and ``weights`` hold one array per head. A sparse ``x``
        stays on the host (with its targets): each compiled call then gets the
        rows of a few batches, densified just for it.
        """
        targets, weights = self._host_arrays(targets, weights)
        if is_sparse(x):
            return EpochData(x, targets, weights, n=x.shape[0], sparse=True)
        n, rows = len(x), bucket(len(x))
        x = self._to_device([_pad_rows(np.asarray(x, np.float32), rows)])[0]
        targets = self._to_device([_pad_rows(a, rows) for a in targets])
        weights = self._to_device([_pad_rows(a, rows) for a in weights])
        return EpochData(x, targets, weights, n=n)

    def permutation(self, rng, data):
        """This epoch's order of the rows: real rows shuffled, then the padding."""
        if data.sparse:
            return rng.permutation(data.n).astype(np.int32)
        rows = int(data.x.shape[0])
        order = np.arange(rows, dtype=np.int32)
        order[: data.n] = rng.permutation(data.n)
        return order

    def _chunks(self, data, rows, order=None):
        """Device arrays of ``rows`` consecutive rows (in ``order``) at a time."""
        size = bucket(rows)
        for start in range(0, data.n, rows):
            idx = slice(start, min(start + rows, data.n)) if order is None else (
                order[start : start + rows])
            x = dense_rows(data.x, idx)
            n = len(x)

            def device(arrays):
                return self._to_device([_pad_rows(np.asarray(a[idx]), size) for a in arrays])

            yield (self._to_device([_pad_rows(x, size)])[0], device(data.targets),
                   device(data.weights)), n

    def run_epoch(self, data, order, head_weights):
        """Train one epoch; the mean total loss and each head's mean loss over its rows."""
        head_weights = np.asarray(head_weights, dtype=np.float32)
        if not data.sparse:
            sums = self._epoch_sums(data.x, data.targets, data.weights, order, data.n,
                                    head_weights)
            return [float(v) / data.n for v in _flat(sums)]
        # The same batches as for dense X: consecutive slices of the permutation.
        steps = max(1, SPARSE_CHUNK_ROWS // self.key.batch_size)
        totals = np.zeros(1 + self.n_heads)
        for arrays, n in self._chunks(data, steps * self.key.batch_size, order):
            local = np.arange(int(arrays[0].shape[0]), dtype=np.int32)
            totals += [float(v) for v in _flat(self._epoch_sums(*arrays, local, n,
                                                                 head_weights))]
        return list(totals / data.n)

    def evaluate(self, data, head_weights):
        """The mean total validation loss and each head's mean validation loss."""
        with self.averaged():
            return self._evaluate_means(data, head_weights)

    def _evaluate_means(self, data, head_weights):
        parts = (
            [self._evaluate_sums(data.x, data.targets, data.weights)]
            if not data.sparse
            else [self._evaluate_sums(*arrays) for arrays, _ in
                  self._chunks(data, PREDICT_CHUNK)]
        )
        sums = np.sum([[[float(v) for v in pair] for pair in p] for p in parts], axis=0)
        means = [_mean(a, wa) for a, wa in sums]
        log_variances = None
        if self.log_variances is not None:
            log_variances = np.asarray(self._current()[0][-1], dtype=np.float64)
        total = self.loss.combine(means, list(head_weights), log_variances, np.exp)
        return [float(total), *means]

    def steps(self, n):
        return math.ceil(n / self.key.batch_size)


class _TensorFlowProgram(Program):
    """State lives in the program's variables; the epoch is a ``tf.function``."""

    def __init__(self, key, heads, network, optimizer, loss_dtype):
        super().__init__(key, heads, network, optimizer, loss_dtype)
        self.mode = "xla"
        self._compiled = {}

    def _to_device(self, arrays):
        import tensorflow as tf

        return [tf.constant(a) for a in arrays]

    def _function(self, name):
        import tensorflow as tf

        # One forward pass does not repay an XLA compile: evaluate is a graph.
        xla = self.mode == "xla" and name == "epoch"
        if (name, xla) not in self._compiled:
            fn = {"epoch": self._epoch, "evaluate": self._evaluate}[name]
            self._compiled[(name, xla)] = tf.function(
                fn, jit_compile=xla, reduce_retracing=not xla, autograph=False
            )
        return self._compiled[(name, xla)]

    def _epoch(self, x, targets, weights, order, n, head_weights):
        import tensorflow as tf
        from keras import ops

        bs = self.key.batch_size
        steps = (n + bs - 1) // bs
        zero = ops.zeros((), dtype=self.loss.dtype)

        def body(i, total, head_sums):
            idx = tf.slice(order, [i * bs], [bs])
            x_b = tf.gather(x, idx)
            ys = [tf.gather(t, idx) for t in targets]
            ws = [tf.gather(w, idx) for w in weights]
            with tf.GradientTape() as tape:
                outputs = self.network(x_b, training=True)
                loss, means = self.loss(
                    outputs, ys, ws, head_weights, self.log_variances, self.network.losses,
                )
                # optimizer.apply divides by loss_scale_factor: scale as Keras's train_step
                scaled = self.optimizer.scale_loss(loss)
            grads = tape.gradient(scaled, self.trainable)
            self.optimizer.apply(grads, self.trainable)
            count = ops.cast(ops.minimum(bs, n - i * bs), loss.dtype)
            return (i + 1, total + loss * count,
                    [s + m * count for s, m in zip(head_sums, means)])

        _, total, head_sums = tf.while_loop(
            lambda i, *_: i < steps, body,
            (tf.constant(0), zero, [zero] * self.n_heads),
        )
        return total, head_sums

    def _evaluate(self, x, targets, weights):
        outputs = self.network(x, training=False)
        return self.loss.sums(outputs, targets, weights)

    def start(self, weights, seed_states, learning_rate):
        values = self._initial_values(weights, seed_states, learning_rate)
        variables = self.trainable + self.non_trainable + self.optimizer_variables
        for variable, value in zip(variables, [v for vs in values for v in vs]):
            variable.assign(value)

    def _call(self, name, *args):
        import tensorflow as tf

        try:
            return self._function(name)(*args)
        except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError,
                tf.errors.InternalError) as exc:
            # XLA refuses some networks (ops without an XLA kernel): say so and
            # fall back to a plain graph. Nothing ran: XLA compiles first.
            if self.mode != "xla" or "XLA" not in str(exc) and "xla" not in str(exc):
                raise
            self.mode = "graph"
            self.fallback_reason = str(exc).splitlines()[0][:200]
            return self._function(name)(*args)

    def _epoch_sums(self, x, targets, weights, order, n, head_weights):
        import tensorflow as tf

        return self._call(
            "epoch", x, list(targets), list(weights), tf.constant(order),
            tf.constant(n, tf.int32), tf.constant(head_weights, tf.float32),
        )

    def _evaluate_sums(self, x, targets, weights):
        return self._call("evaluate", x, list(targets), list(weights))

    def _current(self):
        return tuple([to_numpy(v) for v in vs] for vs in (
            self.trainable, self.non_trainable, self.optimizer_variables))

    def _set_trainable(self, values):
        for variable, value in zip(self.trainable, values):
            variable.assign(value)

    def snapshot(self):
        # Restored only once training is over: the optimizer's state is not kept.
        with self.averaged():
            return [to_numpy(v) for v in self.trainable + self.non_trainable]

    def restore(self, snapshot):
        for variable, value in zip(self.trainable + self.non_trainable, snapshot):
            variable.assign(value)

    def weights_of(self, snapshot):
        split = len(self.trainable)
        return [np.array(snapshot[i if kind == "t" else split + i])
                for kind, i in self.weight_positions]

    def push(self):
        """Make the template network show this fit's state (for callbacks)."""

    def pull(self):
        """Take back what callbacks changed in the template network."""


class _JaxProgram(Program):
    """State is a tuple of arrays; the epoch is a ``jax.jit`` of a ``fori_loop``."""

    def __init__(self, key, heads, network, optimizer, loss_dtype):
        import jax

        super().__init__(key, heads, network, optimizer, loss_dtype)
        self.mode = "jit"
        self._epoch_fn = jax.jit(self._epoch)
        self._evaluate_fn = jax.jit(self._evaluate)
        self.state = None

    def _to_device(self, arrays):
        import jax.numpy as jnp

        return [jnp.asarray(a) for a in arrays]

    def _split(self, trainable):
        if self.log_variances is None:
            return trainable, None
        return trainable[:-1], trainable[-1]

    def _forward_loss(self, trainable, non_trainable, x, ys, ws, head_weights, training):
        network_trainable, log_variances = self._split(trainable)
        outputs, non_trainable, losses = self.network.stateless_call(
            network_trainable, non_trainable, x, training=training, return_losses=True
        )
        total, means = self.loss(outputs, ys, ws, head_weights, log_variances, losses)
        # optimizer.apply divides by loss_scale_factor: scale as Keras's train_step
        return self.optimizer.scale_loss(total), (non_trainable, means, total)

    def _epoch(self, state, x, targets, weights, order, n, head_weights):
        import jax
        from jax import lax

        bs = self.key.batch_size
        steps = (n + bs - 1) // bs
        grad_fn = jax.value_and_grad(self._forward_loss, has_aux=True)

        def body(i, carry):
            trainable, non_trainable, opt, total, head_sums = carry
            idx = lax.dynamic_slice(order, (i * bs,), (bs,))
            ys = [t[idx] for t in targets]
            ws = [w[idx] for w in weights]
            (_, (non_trainable, means, loss)), grads = grad_fn(
                trainable, non_trainable, x[idx], ys, ws, head_weights, True
            )
            trainable, opt = self.optimizer.stateless_apply(opt, grads, trainable)
            count = jax.numpy.minimum(bs, n - i * bs).astype(loss.dtype)
            return (trainable, non_trainable, opt, total + loss * count,
                    [s + m * count for s, m in zip(head_sums, means)])

        zero = jax.numpy.zeros((), dtype=self.loss.dtype)
        trainable, non_trainable, opt = state
        out = lax.fori_loop(0, steps, body, (trainable, non_trainable, opt, zero,
                                             [zero] * self.n_heads))
        return tuple(out[:3]), (out[3], out[4])

    def _evaluate(self, state, x, targets, weights):
        trainable, non_trainable, _ = state
        network_trainable, _ = self._split(trainable)
        outputs, _ = self.network.stateless_call(
            network_trainable, non_trainable, x, training=False
        )
        return self.loss.sums(outputs, targets, weights)

    def start(self, weights, seed_states, learning_rate):
        import jax.numpy as jnp

        values = self._initial_values(weights, seed_states, learning_rate)
        self.state = tuple([jnp.asarray(v) for v in vs] for vs in values)

    def _epoch_sums(self, x, targets, weights, order, n, head_weights):
        self.state, sums = self._epoch_fn(
            self.state, x, list(targets), list(weights), order, np.int32(n),
            np.asarray(head_weights, dtype=np.float32),
        )
        return sums

    def _evaluate_sums(self, x, targets, weights):
        return self._evaluate_fn(self.state, x, list(targets), list(weights))

    def _current(self):
        return self.state

    def _set_trainable(self, values):
        self.state = (list(values), *self.state[1:])

    def snapshot(self):
        with self.averaged():
            return self.state  # immutable arrays: a reference is a snapshot

    def restore(self, snapshot):
        self.state = snapshot

    def weights_of(self, snapshot):
        trainable, non_trainable = snapshot[:2]
        return [np.array(trainable[i] if kind == "t" else non_trainable[i])
                for kind, i in self.weight_positions]

    def push(self):
        variables = self.trainable + self.non_trainable + self.optimizer_variables
        for variable, value in zip(variables, [v for vs in self.state for v in vs]):
            variable.assign(value)

    def pull(self):
        self.state = tuple(
            [v.value for v in vs]
            for vs in (self.trainable, self.non_trainable, self.optimizer_variables)
        )


_PROGRAMS = {"tensorflow": _TensorFlowProgram, "jax": _JaxProgram}


def check_backend():
    """Refuse a Keras backend the engine cannot compile for."""
    name = backend()
    if name not in _PROGRAMS:
        raise RuntimeError(
            f"skmulti trains with the 'tensorflow' or 'jax' Keras backend; Keras is "
            f"using {name!r}. Set the environment variable KERAS_BACKEND=tensorflow "
            "(or jax) before importing keras or skmulti."
        )
    return name


def _new_program(key, heads, source, optimizer):
    from ._network import output_dtype

    network = source.build()
    return _PROGRAMS[key.backend](key, heads, network, optimizer.build(),
                                  output_dtype(network))


def _evict():
    while sum(len(v) for v in _idle.values()) > CACHE_SIZE:
        key = next(iter(_idle))
        _idle[key].pop(0)
        _stats["evictions"] += 1
        if not _idle[key]:
            del _idle[key]


class checkout:
    """``with checkout(key, heads, source, optimizer) as program``: a program for one fit.

    ``optimizer`` is an :class:`skmulti._routing.OptimizerRecipe`, built only
    when a new program is made.

    An idle cached program of ``key`` is taken out of the pool (no other fit
    can use it meanwhile) or a new one is built; on exit it goes back to the
    pool (least recently used ones are dropped beyond :data:`CACHE_SIZE`).
    """

    def __init__(self, key, heads, source, optimizer):
        self.key, self.heads = key, heads
        self.source, self.optimizer = source, optimizer

    def __enter__(self):
        program = None
        if self.key.network is not None:
            with _lock:
                idle = _idle.get(self.key)
                if idle:
                    program = idle.pop()
                    _stats["hits"] += 1
                    if not idle:
                        del _idle[self.key]
        if program is None:
            _stats["misses"] += 1
            program = _new_program(self.key, self.heads, self.source, self.optimizer)
        self.program = program
        return program

    def __exit__(self, *exc):
        if self.key.network is None:
            return False
        with _lock:
            _idle.setdefault(self.key, []).append(self.program)
            _idle.move_to_end(self.key)
            _evict()
        return False


def cache_info():
    """Counts of the engine's cache: hits, misses, evictions, programs held.

    Returns
    -------
    dict

    Examples
    --------
    >>> import skmulti
    >>> sorted(skmulti.engine_cache_info())
    ['evictions', 'forward_passes', 'hits', 'misses', 'programs']
    """
    with _lock:
        return {
            **_stats,
            "programs": sum(len(v) for v in _idle.values()),
            "forward_passes": len(_forwards),
        }


def clear_cache():
    """Drop every cached program and forward pass (the next fits compile again).

    Examples
    --------
    >>> import skmulti
    >>> skmulti.clear_engine_cache()
    >>> skmulti.engine_cache_info()["programs"]
    0
    """
    with _lock:
        _idle.clear()
        _forwards.clear()
        for k in _stats:
            _stats[k] = 0


# -- prediction ----------------------------------------------------------------------


class _Forward:
    """A compiled forward pass of one architecture, called with given weights."""

    def __init__(self, network):
        self.network = network
        self.backend = backend()
        self.numpy = numpy_forward(network)  # None: a layer NumPy does not reproduce
        weight_ids = [id(v) for v in network.weights]
        self.trainable_index = [weight_ids.index(id(v)) for v in network.trainable_variables]
        self.non_trainable = [
            (weight_ids.index(id(v)) if id(v) in weight_ids else to_numpy(v))
            for v in network.non_trainable_variables
        ]
        if self.backend == "tensorflow":
            import tensorflow as tf

            # A concrete function of any row count: called directly, it skips
            # tf.function's per-call signature matching (a third of 1-row latency).
            def spec(v):
                return tf.TensorSpec(tuple(v.shape), v.dtype)

            function = tf.function(self._call, autograph=False, reduce_retracing=True)
            inputs = getattr(network, "inputs", None) or []
            self.input_dtype = inputs[0].dtype if len(inputs) == 1 else None
            if len(inputs) == 1:
                self._fn = function.get_concrete_function(
                    [spec(v) for v in network.trainable_variables],
                    [spec(v) for v in network.non_trainable_variables],
                    tf.TensorSpec((None, *inputs[0].shape[1:]), inputs[0].dtype),
                )
            else:  # a subclassed network: its input shape is not declared
                self._fn = function
        else:
            import jax

            self._fn = jax.jit(self._call)

    def _call(self, trainable, non_trainable, x):
        outputs, _ = self.network.stateless_call(trainable, non_trainable, x, training=False)
        return dict(outputs)

    def device_weights(self, weights):
        """The arguments of the compiled call for these weights (convert once)."""
        import keras

        tensors = [keras.ops.convert_to_tensor(w) for w in weights]
        trainable = [tensors[i] for i in self.trainable_index]
        non_trainable = [
            tensors[i] if isinstance(i, int) else keras.ops.convert_to_tensor(i)
            for i in self.non_trainable
        ]
        numpy_weights = None if self.numpy is None else self.numpy.prepare(weights)
        return trainable, non_trainable, numpy_weights

    def __call__(self, device_weights, X):
        """Each head's raw output (training scale), ``{name: (n, units) float64}``."""
        import keras

        trainable, non_trainable, numpy_weights = device_weights
        if numpy_weights is not None and X.shape[0] <= NUMPY_MAX_ROWS:
            n = X.shape[0]
            outputs = self.numpy(numpy_weights, dense_rows(X))
            return {name: v.reshape(n, -1).astype(np.float64) for name, v in outputs.items()}
        parts = {}
        for start in range(0, X.shape[0], PREDICT_CHUNK):
            chunk = dense_rows(X, slice(start, start + PREDICT_CHUNK))
            n = len(chunk)
            if self.backend == "jax":  # one compile per power-of-two row count
                chunk = _pad_rows(chunk, max(1, 1 << max(0, n - 1).bit_length()))
            if self.backend == "tensorflow":
                chunk = keras.ops.convert_to_tensor(chunk, dtype=self.input_dtype)
            for name, value in self._fn(trainable, non_trainable, chunk).items():
                parts.setdefault(name, []).append(as_numpy(value)[:n].reshape(n, -1))
        return {name: np.concatenate(p).astype(np.float64) for name, p in parts.items()}


def forward(key, build):
    """The cached compiled forward pass for architecture ``key``.

    ``build()`` makes a network of that architecture on a miss. A None key is
    not cached (the caller keeps what it gets).
    """
    if key is None:
        return _Forward(build())
    with _lock:
        found = _forwards.get(key)
        if found is not None:
            _forwards.move_to_end(key)
            return found
    made = _Forward(build())
    with _lock:
        found = _forwards.setdefault(key, made)
        _forwards.move_to_end(key)
        while len(_forwards) > CACHE_SIZE:
            _forwards.popitem(last=False)
    return found
