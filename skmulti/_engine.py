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

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ._compat import learning_rate_variable
from ._input import dense_rows, is_sparse
from ._network import amount_loss_fn, label_loss_fn

#: At most this many programs (and as many forward passes) stay cached.
CACHE_SIZE = 8
#: Rows per forward-pass call at predict (and per validation call for sparse X).
PREDICT_CHUNK = 8192
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
    shareable, the program is compiled for this fit only); the learning rate,
    the label weight and the data are runtime values and not part of it.
    """

    backend: str
    network: object
    label_mode: str
    amount_loss: str
    uncertainty: bool
    optimizer: tuple
    batch_size: int


@dataclass
class EpochData:
    """One fit's rows, padded to a bucket on the device (or sparse on the host)."""

    x: object
    amount: object
    label: object
    amount_weight: object
    label_weight: object
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
    """

    def __init__(self, key, build, initial):
        self.key = key
        self.build = build
        self.initial = initial


def seed_variables(model):
    """The seed-generator states of ``model`` (non-trainable, not in ``weights``)."""
    weight_ids = {id(v) for v in model.weights}
    return [v for v in model.non_trainable_variables if id(v) not in weight_ids]


# -- the loss ----------------------------------------------------------------------


def _weighted_sums(ops, per_sample, weight):
    per_sample = ops.reshape(per_sample, (-1,))
    weight = ops.cast(ops.reshape(weight, (-1,)), per_sample.dtype)
    return ops.sum(per_sample * weight), ops.sum(weight)


def _mean(total, weight):
    return total / max(float(weight), 1e-12)


class _Loss:
    """The two-head loss: fixed or uncertainty-weighted (Kendall et al., 2018).

    fixed:        L = L_amount + label_weight * L_label
    uncertainty:  L = 0.5 exp(-s_a) L_amount + 0.5 s_a
                      + label_weight * (exp(-s_l) L_label + 0.5 s_l)

    Each head's loss is the weighted mean of its per-row losses.
    """

    def __init__(self, amount_loss, label_mode, dtype, uncertainty):
        self.amount = amount_loss_fn(amount_loss, dtype)
        self.label = label_loss_fn(label_mode, dtype)
        self.uncertainty = uncertainty

    def sums(self, outputs, amount_y, label_y, amount_w, label_w):
        """Weighted sums of each head's per-row losses, and of the weights."""
        from keras import ops

        a, wa = _weighted_sums(ops, self.amount(amount_y, outputs["amount"]), amount_w)
        b, wb = _weighted_sums(ops, self.label(label_y, outputs["label"]), label_w)
        return a, wa, b, wb

    def combine(self, amount, label, label_weight, log_variances, exp):
        """The total loss from the heads' mean losses (``exp``: the backend's or NumPy's)."""
        if not self.uncertainty:
            return amount + label_weight * label
        s_amount, s_label = log_variances[0], log_variances[1]
        total = 0.5 * exp(-s_amount) * amount + 0.5 * s_amount
        return total + label_weight * (exp(-s_label) * label + 0.5 * s_label)

    def __call__(self, outputs, amount_y, label_y, amount_w, label_w, label_weight,
                 log_variances=None, extra=None):
        from keras import ops

        a, wa, b, wb = self.sums(outputs, amount_y, label_y, amount_w, label_w)
        amount = a / ops.maximum(wa, 1e-12)
        label = b / ops.maximum(wb, 1e-12)
        label_weight = ops.cast(label_weight, amount.dtype)
        total = self.combine(amount, label, label_weight, log_variances, ops.exp)
        if extra:
            total = total + ops.sum(ops.stack([ops.cast(e, total.dtype) for e in extra]))
        return total, amount, label


def head_weights(log_variances, label_weight):
    """Effective weight of each head's loss (``loss_weights_``)."""
    if log_variances is None:
        return {"amount": 1.0, "label": float(label_weight)}
    s = np.asarray(log_variances, dtype=float)
    return {
        "amount": float(0.5 * np.exp(-s[0])),
        "label": float(label_weight * np.exp(-s[1])),
    }


# -- programs ------------------------------------------------------------------------


class Program:
    """A template network, an optimizer and the compiled epoch of one key.

    A fit calls :meth:`start`, then :meth:`run_epoch` and :meth:`evaluate`
    per epoch, :meth:`snapshot`/:meth:`restore` for early stopping, and reads
    :meth:`weights` at the end. Never used by two fits at once.
    """

    mode = None

    def __init__(self, key, network, optimizer, loss_dtype):
        import keras

        self.key = key
        self.network = network
        self.optimizer = optimizer
        self.loss = _Loss(key.amount_loss, key.label_mode, loss_dtype, key.uncertainty)
        self.log_variances = None
        if key.uncertainty:
            self.log_variances = keras.Variable(
                np.zeros(2, dtype=loss_dtype), name="log_variances", dtype=loss_dtype
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

    def _initial_values(self, weights, seed_states, learning_rate):
        trainable = [None] * len(self.trainable)
        non_trainable = [to_numpy(v) for v in self.non_trainable]
        for (kind, i), value in zip(self.weight_positions, weights):
            (trainable if kind == "t" else non_trainable)[i] = value
        for (kind, i), value in zip(self.seed_positions, seed_states):
            non_trainable[i] = value
        if self.log_variances is not None:
            trainable[-1] = np.zeros(2, dtype=self.log_variances.dtype)
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

    def weights(self):
        """The network's weights now, as arrays in ``network.weights`` order."""
        trainable, non_trainable = self._current()[:2]
        return [
            np.array(trainable[i] if kind == "t" else non_trainable[i])
            for kind, i in self.weight_positions
        ]

    def head_weights(self, label_weight):
        if self.log_variances is None:
            return head_weights(None, label_weight)
        return head_weights(np.asarray(self._current()[0][-1]), label_weight)

    def _host_arrays(self, amount, label, amount_weight, label_weight):
        label_dtype = np.int32 if self.key.label_mode.startswith("softmax") else np.float32
        return [
            np.asarray(amount, dtype=np.float32),
            np.asarray(label, dtype=label_dtype),
            np.asarray(amount_weight, dtype=np.float32),
            np.asarray(label_weight, dtype=np.float32),
        ]

    def data(self, x, amount, label, amount_weight, label_weight):
        """Pad the rows to their bucket and put them on the device once.

        A sparse ``x`` stays on the host (with its targets): each compiled
        call then gets the rows of a few batches, densified just for it.
        """
        arrays = self._host_arrays(amount, label, amount_weight, label_weight)
        if is_sparse(x):
            return EpochData(x, *arrays, n=x.shape[0], sparse=True)
        rows = bucket(len(x))
        padded = [_pad_rows(a, rows) for a in [np.asarray(x, np.float32), *arrays]]
        return EpochData(*self._to_device(padded), n=len(x))

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
            part = [dense_rows(data.x, idx)] + [
                a[idx] for a in (data.amount, data.label, data.amount_weight,
                                 data.label_weight)
            ]
            n = len(part[1])
            yield self._to_device([_pad_rows(np.asarray(a), size) for a in part]), n

    def run_epoch(self, data, order, label_weight):
        """Train one epoch; the mean total, amount and label losses over its rows."""
        if not data.sparse:
            sums = self._epoch_sums(data.x, data.amount, data.label, data.amount_weight,
                                    data.label_weight, order, data.n, label_weight)
            return [float(v) / data.n for v in sums]
        # The same batches as for dense X: consecutive slices of the permutation.
        steps = max(1, SPARSE_CHUNK_ROWS // self.key.batch_size)
        totals = np.zeros(3)
        for arrays, n in self._chunks(data, steps * self.key.batch_size, order):
            local = np.arange(int(arrays[0].shape[0]), dtype=np.int32)
            totals += [float(v) for v in self._epoch_sums(*arrays, local, n, label_weight)]
        return list(totals / data.n)

    def evaluate(self, data, label_weight):
        """The mean total, amount and label validation losses."""
        parts = (
            [self._evaluate_sums(data.x, data.amount, data.label, data.amount_weight,
                                 data.label_weight)]
            if not data.sparse
            else [self._evaluate_sums(*arrays) for arrays, _ in
                  self._chunks(data, PREDICT_CHUNK)]
        )
        a, wa, b, wb = np.sum([[float(v) for v in p] for p in parts], axis=0)
        amount, label = _mean(a, wa), _mean(b, wb)
        log_variances = None
        if self.log_variances is not None:
            log_variances = np.asarray(self._current()[0][-1], dtype=np.float64)
        total = self.loss.combine(amount, label, label_weight, log_variances, np.exp)
        return [float(total), amount, label]

    def steps(self, n):
        return math.ceil(n / self.key.batch_size)


class _TensorFlowProgram(Program):
    """State lives in the program's variables; the epoch is a ``tf.function``."""

    def __init__(self, key, network, optimizer, loss_dtype):
        super().__init__(key, network, optimizer, loss_dtype)
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

    def _epoch(self, x, amount, label, amount_w, label_w, order, n, label_weight):
        import tensorflow as tf
        from keras import ops

        bs = self.key.batch_size
        steps = (n + bs - 1) // bs
        zero = ops.zeros((), dtype=self.loss.amount.dtype)

        def body(i, total, amount_sum, label_sum):
            idx = tf.slice(order, [i * bs], [bs])
            batch = [tf.gather(t, idx) for t in (x, amount, label, amount_w, label_w)]
            with tf.GradientTape() as tape:
                outputs = self.network(batch[0], training=True)
                loss, a, b = self.loss(
                    outputs, *batch[1:], label_weight, self.log_variances,
                    self.network.losses,
                )
            grads = tape.gradient(loss, self.trainable)
            self.optimizer.apply(grads, self.trainable)
            count = ops.cast(ops.minimum(bs, n - i * bs), loss.dtype)
            return i + 1, total + loss * count, amount_sum + a * count, label_sum + b * count

        _, total, a, b = tf.while_loop(
            lambda i, *_: i < steps, body, (tf.constant(0), zero, zero, zero)
        )
        return total, a, b

    def _evaluate(self, x, amount, label, amount_w, label_w):
        outputs = self.network(x, training=False)
        return self.loss.sums(outputs, amount, label, amount_w, label_w)

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

    def _epoch_sums(self, x, amount, label, amount_w, label_w, order, n, label_weight):
        import tensorflow as tf

        return self._call(
            "epoch", x, amount, label, amount_w, label_w, tf.constant(order),
            tf.constant(n, tf.int32), tf.constant(label_weight, tf.float32),
        )

    def _evaluate_sums(self, x, amount, label, amount_w, label_w):
        return self._call("evaluate", x, amount, label, amount_w, label_w)

    def _current(self):
        return tuple([to_numpy(v) for v in vs] for vs in (
            self.trainable, self.non_trainable, self.optimizer_variables))

    def snapshot(self):
        return [np.array(v) for vs in self._current() for v in vs]

    def restore(self, snapshot):
        variables = self.trainable + self.non_trainable + self.optimizer_variables
        for variable, value in zip(variables, snapshot):
            variable.assign(value)

    def push(self):
        """Make the template network show this fit's state (for callbacks)."""

    def pull(self):
        """Take back what callbacks changed in the template network."""


class _JaxProgram(Program):
    """State is a tuple of arrays; the epoch is a ``jax.jit`` of a ``fori_loop``."""

    def __init__(self, key, network, optimizer, loss_dtype):
        import jax

        super().__init__(key, network, optimizer, loss_dtype)
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

    def _forward_loss(self, trainable, non_trainable, x, amount, label, amount_w,
                      label_w, label_weight, training):
        network_trainable, log_variances = self._split(trainable)
        outputs, non_trainable, losses = self.network.stateless_call(
            network_trainable, non_trainable, x, training=training, return_losses=True
        )
        total, a, b = self.loss(outputs, amount, label, amount_w, label_w, label_weight,
                                log_variances, losses)
        return total, (non_trainable, a, b)

    def _epoch(self, state, x, amount, label, amount_w, label_w, order, n, label_weight):
        import jax
        from jax import lax

        bs = self.key.batch_size
        steps = (n + bs - 1) // bs
        grad_fn = jax.value_and_grad(self._forward_loss, has_aux=True)

        def body(i, carry):
            trainable, non_trainable, opt, total, a_sum, b_sum = carry
            idx = lax.dynamic_slice(order, (i * bs,), (bs,))
            batch = [t[idx] for t in (x, amount, label, amount_w, label_w)]
            (loss, (non_trainable, a, b)), grads = grad_fn(
                trainable, non_trainable, *batch, label_weight, True
            )
            trainable, opt = self.optimizer.stateless_apply(opt, grads, trainable)
            count = jax.numpy.minimum(bs, n - i * bs).astype(loss.dtype)
            return (trainable, non_trainable, opt, total + loss * count,
                    a_sum + a * count, b_sum + b * count)

        zero = jax.numpy.zeros((), dtype=self.loss.amount.dtype)
        trainable, non_trainable, opt = state
        out = lax.fori_loop(0, steps, body, (trainable, non_trainable, opt, zero, zero, zero))
        return tuple(out[:3]), out[3:]

    def _evaluate(self, state, x, amount, label, amount_w, label_w):
        trainable, non_trainable, _ = state
        network_trainable, _ = self._split(trainable)
        outputs, _ = self.network.stateless_call(
            network_trainable, non_trainable, x, training=False
        )
        return self.loss.sums(outputs, amount, label, amount_w, label_w)

    def start(self, weights, seed_states, learning_rate):
        import jax.numpy as jnp

        values = self._initial_values(weights, seed_states, learning_rate)
        self.state = tuple([jnp.asarray(v) for v in vs] for vs in values)

    def _epoch_sums(self, x, amount, label, amount_w, label_w, order, n, label_weight):
        self.state, sums = self._epoch_fn(
            self.state, x, amount, label, amount_w, label_w, order, np.int32(n),
            np.float32(label_weight),
        )
        return sums

    def _evaluate_sums(self, x, amount, label, amount_w, label_w):
        return self._evaluate_fn(self.state, x, amount, label, amount_w, label_w)

    def _current(self):
        return self.state

    def snapshot(self):
        return self.state  # immutable arrays: a reference is a snapshot

    def restore(self, snapshot):
        self.state = snapshot

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


def _new_program(key, source, optimizer):
    from ._network import output_dtype

    network = source.build()
    return _PROGRAMS[key.backend](key, network, optimizer.build(), output_dtype(network))


def _evict():
    while sum(len(v) for v in _idle.values()) > CACHE_SIZE:
        key = next(iter(_idle))
        _idle[key].pop(0)
        _stats["evictions"] += 1
        if not _idle[key]:
            del _idle[key]


class checkout:
    """``with checkout(key, source, optimizer) as program``: a program for one fit.

    ``optimizer`` is an :class:`skmulti._routing.OptimizerRecipe`, built only
    when a new program is made.

    An idle cached program of ``key`` is taken out of the pool (no other fit
    can use it meanwhile) or a new one is built; on exit it goes back to the
    pool (least recently used ones are dropped beyond :data:`CACHE_SIZE`).
    """

    def __init__(self, key, source, optimizer):
        self.key, self.source, self.optimizer = key, source, optimizer

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
            program = _new_program(self.key, self.source, self.optimizer)
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
        return outputs["amount"], outputs["label"]

    def device_weights(self, weights):
        """The arguments of the compiled call for these weights (convert once)."""
        import keras

        tensors = [keras.ops.convert_to_tensor(w) for w in weights]
        trainable = [tensors[i] for i in self.trainable_index]
        non_trainable = [
            tensors[i] if isinstance(i, int) else keras.ops.convert_to_tensor(i)
            for i in self.non_trainable
        ]
        return trainable, non_trainable

    def __call__(self, device_weights, X):
        """Training-scale amounts (n,) and raw label outputs (n, units)."""
        import keras

        amounts, labels = [], []
        for start in range(0, X.shape[0], PREDICT_CHUNK):
            chunk = dense_rows(X, slice(start, start + PREDICT_CHUNK))
            n = len(chunk)
            if self.backend == "jax":  # one compile per power-of-two row count
                chunk = _pad_rows(chunk, max(1, 1 << max(0, n - 1).bit_length()))
            if self.backend == "tensorflow":
                chunk = keras.ops.convert_to_tensor(chunk, dtype=self.input_dtype)
            amount, label = self._fn(*device_weights, chunk)
            amounts.append(as_numpy(amount)[:n].reshape(n))
            labels.append(as_numpy(label)[:n].reshape(n, -1))
        return np.concatenate(amounts).astype(np.float64), np.concatenate(labels)


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
