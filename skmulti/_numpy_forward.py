"""A NumPy forward pass of a built Keras model, for small predictions.

Calling a compiled Keras function costs a fixed overhead per call (binding the
weights as arguments, dispatch), which dominates a prediction of a few rows; the
same network in NumPy costs microseconds. :func:`numpy_forward` reads a
functional or Sequential model's layer graph once and returns a
:class:`NumpyForward` that computes what ``model(X, training=False)`` computes,
to float32 rounding, in the model's own dtype; it returns None when the model
holds anything it cannot reproduce exactly (a layer, activation, argument or
dtype not listed below), so that the caller keeps the compiled path.

Reproduced: ``InputLayer``; ``Dense`` (any of the activations in
:data:`ACTIVATIONS`); ``Activation``; ``Dropout`` (identity at inference);
``BatchNormalization`` (last axis, moving statistics); ``Concatenate`` and
``Add``; for sequences, ``Masking``, the mask it records (``not_equal`` and
``any``), ``LSTM`` and ``GRU`` (tanh/sigmoid-like activations, masked
timesteps carry the state over, ``return_sequences``), and
``GlobalAveragePooling1D`` (masked mean). Every layer must be of exactly that
Keras class, compute in the input's dtype (float32 or float64), and not be
quantized, LoRA-adapted, stateful, reversed or called with ``training=True``.
"""

import numpy as np
from scipy import special

__all__ = ["ACTIVATIONS", "NumpyForward", "numpy_forward"]

ACTIVATIONS = (
    "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu",
    "softplus", "softsign", "silu", "mish", "tanh", "sigmoid", "hard_sigmoid",
    "hard_silu", "hard_tanh", "exponential", "log_sigmoid", "tanh_shrink",
    "squareplus", "softmax", "log_softmax",
)
"""Names of the Keras activations (``keras.activations.<name>``, default
arguments) that :func:`numpy_forward` reproduces."""

# SELU's constants, as Keras and TensorFlow define them.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# -- activations: each takes a fresh array (its own, free to overwrite) -------------


def _linear(y):
    return y


def _relu(y):
    return np.maximum(y, 0, out=y)


def _relu6(y):
    return np.clip(y, 0, 6, out=y)


def _leaky_relu(y):  # keras.activations.leaky_relu: negative_slope=0.2
    return np.where(y > 0, y, y * y.dtype.type(0.2))


def _elu(y):
    return np.where(y > 0, y, np.expm1(np.minimum(y, 0)))


def _selu(y):
    t = y.dtype.type
    return np.where(y > 0, t(_SELU_SCALE) * y,
                    t(_SELU_SCALE * _SELU_ALPHA) * np.expm1(np.minimum(y, 0)))


def _celu(y):  # alpha=1.0
    return np.maximum(y, 0) + np.expm1(np.minimum(y, 0))


def _gelu(y):  # keras.activations.gelu: approximate=False
    return y * special.erfc(y * y.dtype.type(-0.7071067811865476)) * y.dtype.type(0.5)


def _softplus(y):
    return np.logaddexp(y, 0, out=y)


def _softsign(y):
    return y / (np.abs(y) + 1)


def _silu(y):
    return y * special.expit(y)


def _mish(y):
    return y * np.tanh(np.logaddexp(y, 0))


def _tanh(y):
    return np.tanh(y, out=y)


def _sigmoid(y):
    return special.expit(y, out=y)


def _hard_sigmoid(y):
    y += 3
    np.clip(y, 0, 6, out=y)
    y /= 6
    return y


def _hard_silu(y):
    return y * _hard_sigmoid(y.copy())


def _hard_tanh(y):
    return np.clip(y, -1, 1, out=y)


def _exponential(y):
    with np.errstate(over="ignore"):  # inf, silently, as in Keras
        return np.exp(y, out=y)


def _log_sigmoid(y):
    return -np.logaddexp(-y, 0)


def _tanh_shrink(y):
    return y - np.tanh(y)


def _squareplus(y):  # b=4
    return (y + np.sqrt(y * y + 4)) / 2


def _softmax(y):
    y -= y.max(axis=-1, keepdims=True)
    np.exp(y, out=y)
    y /= y.sum(axis=-1, keepdims=True)
    return y


def _log_softmax(y):
    y -= y.max(axis=-1, keepdims=True)
    y -= np.log(np.exp(y).sum(axis=-1, keepdims=True))
    return y


_BY_NAME = {name: globals()[f"_{name}"] for name in ACTIVATIONS}
_by_function = None


def _activation(fn):
    """The NumPy twin of a Keras activation function, or None."""
    global _by_function
    if _by_function is None:
        import keras

        _by_function = {getattr(keras.activations, n): f for n, f in _BY_NAME.items()}
    if fn is None:
        return _linear
    try:
        return _by_function.get(fn)
    except TypeError:  # an unhashable callable
        return None


# -- the forward pass ---------------------------------------------------------------


class NumpyForward:
    """``model(X, training=False)`` in NumPy, for weights passed at each call.

    Made by :func:`numpy_forward`; holds no weights, so one instance serves
    every fitted network of one architecture, from any thread.

    Attributes
    ----------
    output_names : tuple of str
        The keys of the dict a call returns, as the model names its outputs.
    dtype : numpy.dtype
        The dtype of the input, the weights and every output.
    n_weights : int
        How many arrays :meth:`prepare` expects (``len(model.weights)``).
    """

    def __init__(self, steps, n_slots, outputs, dtype, weight_shapes):
        self._steps = steps
        self._n_slots = n_slots
        self._outputs = outputs
        self.output_names = tuple(name for name, _ in outputs)
        self.dtype = dtype
        self._shapes = weight_shapes
        self.n_weights = len(weight_shapes)

    def prepare(self, weights):
        """The model's weights as this pass reads them (convert once per fit).

        Parameters
        ----------
        weights : list of array-like
            In ``model.weights`` order (what ``model.get_weights()`` returns).

        Returns
        -------
        list of ndarray
            C-contiguous, of ``dtype``.
        """
        weights = list(weights)
        if len(weights) != self.n_weights:
            raise ValueError(
                f"The network has {self.n_weights} weight arrays; got {len(weights)}. "
                "Pass model.get_weights() of a network of this architecture."
            )
        out = [np.ascontiguousarray(w, dtype=self.dtype) for w in weights]
        for i, (w, shape) in enumerate(zip(out, self._shapes)):
            if w.shape != shape:
                raise ValueError(
                    f"Weight {i} has shape {w.shape}; the network's has shape {shape}. "
                    "Pass model.get_weights() of a network of this architecture."
                )
        return out

    def __call__(self, weights, X):
        """The model's outputs on ``X``.

        Parameters
        ----------
        weights : list of ndarray
            What :meth:`prepare` returned.
        X : ndarray
            2-D or 3-D, as the model's input; converted to ``dtype``.

        Returns
        -------
        dict of str to ndarray
            One array of ``dtype`` per output, keyed by ``output_names``.
        """
        values = [None] * self._n_slots
        values[0] = np.asarray(X, dtype=self.dtype)
        for fn, args, out in self._steps:
            values[out] = fn(weights, *[values[i] for i in args])
        return {name: values[i] for name, i in self._outputs}


def numpy_forward(model):
    """A NumPy forward pass of ``model``, or None when it cannot be reproduced.

    Parameters
    ----------
    model : keras.Model
        A built functional or Sequential model with one input.

    Returns
    -------
    NumpyForward or None
        None for subclassed models, several inputs, and any layer, activation,
        call argument or dtype that is not reproduced (see the module's
        docstring): the caller then keeps Keras's own forward pass.

    Examples
    --------
    >>> import keras
    >>> import numpy as np
    >>> from skmulti._numpy_forward import numpy_forward
    >>> inputs = keras.Input((4,))
    >>> h = keras.layers.Dense(8, activation="relu")(inputs)
    >>> net = keras.Model(inputs, {
    ...     "amount": keras.layers.Dense(1)(h),
    ...     "label": keras.layers.Dense(3, activation="softmax")(h)})
    >>> forward = numpy_forward(net)
    >>> out = forward(forward.prepare(net.get_weights()), np.ones((2, 4)))
    >>> {name: (a.shape, a.dtype.name) for name, a in out.items()}
    {'amount': ((2, 1), 'float32'), 'label': ((2, 3), 'float32')}
    """
    from ._compat import keras_graph

    graph = keras_graph(model)
    if graph is None:
        return None
    source, outputs, nodes = graph
    dtype = np.dtype(_standard_dtype(source.dtype))
    if dtype not in (np.float32, np.float64):
        return None
    weight_index = {id(v): i for i, v in enumerate(model.weights)}
    slots = {id(source): 0}
    steps = []
    for operation, args, kwargs, node_outputs in nodes:
        if len(node_outputs) != 1:
            return None
        made = _translate(operation, args, kwargs, slots, weight_index, dtype)
        if made is None:
            return None
        fn, inputs = made
        slots[id(node_outputs[0])] = len(slots)
        steps.append((fn, tuple(inputs), slots[id(node_outputs[0])]))
    try:
        named = [(name, slots[id(t)]) for name, t in outputs.items()]
    except KeyError:  # an output that is not computed from the input
        return None
    shapes = [tuple(int(d) for d in v.shape) for v in model.weights]
    return NumpyForward(steps, len(slots), named, dtype, shapes)


def _standard_dtype(dtype):
    import keras

    return keras.backend.standardize_dtype(dtype)


def _slot(value, slots):
    """The slot of a symbolic tensor argument, or None when it is not one."""
    import keras

    if isinstance(value, keras.KerasTensor):
        return slots.get(id(value))
    return None


def _translate(operation, args, kwargs, slots, weight_index, dtype):
    """``(fn, input slots)`` computing one node, or None when not reproduced."""
    import keras

    kwargs = dict(kwargs)
    if kwargs.pop("training", None):  # e.g. Dropout(...)(h, training=True)
        return None
    mask = kwargs.pop("mask", None)
    if kwargs:
        return None
    maker = _makers().get(type(operation))
    if maker is None:
        return None
    if isinstance(operation, keras.layers.Layer):
        if _standard_dtype(operation.compute_dtype) != dtype.name:
            return None
        weights = getattr(operation, "weights", [])
        if any(id(v) not in weight_index or _standard_dtype(v.dtype) != dtype.name
               for v in weights):
            return None
    flat = list(args)
    if len(args) == 1 and isinstance(args[0], (list, tuple)):  # a merge: one list
        flat = list(args[0])
    inputs = [_slot(a, slots) for a in flat]
    if not inputs or inputs[0] is None:
        return None
    made = maker(operation, flat, inputs, weight_index, dtype)
    if made is None:
        return None
    fn, inputs = made
    if mask is not None:
        mask_slot = _slot(mask, slots)
        if mask_slot is None or not getattr(fn, "takes_mask", False):
            return None
        inputs = [*inputs, mask_slot]
    elif getattr(fn, "takes_mask", False):
        fn = _without_mask(fn)
    return fn, inputs


def _without_mask(fn):
    def call(w, *inputs):
        return fn(w, *inputs, None)

    return call


_MAKERS = None


def _makers():
    global _MAKERS
    if _MAKERS is None:
        from keras import layers

        from ._compat import keras_mask_operations

        not_equal, any_ = keras_mask_operations()
        _MAKERS = {
            layers.Dense: _dense,
            layers.Activation: _activation_layer,
            layers.Dropout: _identity,
            layers.BatchNormalization: _batch_normalization,
            layers.Concatenate: _concatenate,
            layers.Add: _add,
            layers.Masking: _masking,
            layers.LSTM: _lstm,
            layers.GRU: _gru,
            layers.GlobalAveragePooling1D: _global_average_pooling_1d,
            not_equal: _not_equal,
            any_: _any,
        }
    return _MAKERS


# -- one maker per operation: (operation, args, input slots, weight index, dtype) ---


def _weight(variable, weight_index):
    return weight_index[id(variable)]


def _identity(layer, args, inputs, weight_index, dtype):
    return (lambda w, x: x), inputs[:1]


def _dense(layer, args, inputs, weight_index, dtype):
    if getattr(layer, "lora_enabled", False) or getattr(
        layer, "quantization_mode", None
    ):
        return None
    act = _activation(layer.activation)
    if act is None:
        return None
    k = _weight(layer.kernel, weight_index)
    if layer.bias is None:
        def dense(w, x):
            return act(np.matmul(x, w[k]))
    else:
        b = _weight(layer.bias, weight_index)

        def dense(w, x):
            y = np.matmul(x, w[k])
            y += w[b]
            return act(y)

    return dense, inputs[:1]


def _activation_layer(layer, args, inputs, weight_index, dtype):
    act = _activation(layer.activation)
    if act is None:
        return None
    return (lambda w, x: act(x.copy())), inputs[:1]


def _batch_normalization(layer, args, inputs, weight_index, dtype):
    last = (-1, len(args[0].shape) - 1)
    if layer.axis not in last or getattr(layer, "renorm", False):
        return None
    mean = _weight(layer.moving_mean, weight_index)
    var = _weight(layer.moving_variance, weight_index)
    gamma = _weight(layer.gamma, weight_index) if layer.scale else None
    beta = _weight(layer.beta, weight_index) if layer.center else None
    eps = float(layer.epsilon)

    def batch_normalization(w, x, mask):
        inv = 1 / np.sqrt(w[var] + w[var].dtype.type(eps))
        if gamma is not None:
            inv *= w[gamma]
        shift = -w[mean] * inv
        if beta is not None:
            shift += w[beta]
        y = x * inv
        y += shift
        return y

    batch_normalization.takes_mask = True  # only used to compute training moments
    return batch_normalization, inputs[:1]


def _concatenate(layer, args, inputs, weight_index, dtype):
    if None in inputs:
        return None
    axis = layer.axis

    def concatenate(w, *xs):
        return np.concatenate(xs, axis=axis)

    return concatenate, inputs


def _add(layer, args, inputs, weight_index, dtype):
    if None in inputs:
        return None

    def add(w, first, *rest):
        y = first.copy()
        for x in rest:
            y += x
        return y

    return add, inputs


def _masking(layer, args, inputs, weight_index, dtype):
    value = dtype.type(layer.mask_value)

    def masking(w, x):
        keep = np.any(x != value, axis=-1, keepdims=True)
        return np.where(keep, x, dtype.type(0))

    return masking, inputs[:1]


def _not_equal(op, args, inputs, weight_index, dtype):
    if len(args) != 2 or isinstance(args[1], (list, tuple)):
        return None
    if inputs[1] is not None:
        return (lambda w, a, b: a != b), inputs
    if not isinstance(args[1], (int, float, bool, np.number)):
        return None
    value = dtype.type(args[1])
    return (lambda w, a: a != value), inputs[:1]


def _any(op, args, inputs, weight_index, dtype):
    if len(args) != 1:
        return None
    axis = None if op.axis is None else tuple(op.axis)
    keepdims = bool(op.keepdims)
    return (lambda w, x: np.any(x, axis=axis, keepdims=keepdims)), inputs


def _global_average_pooling_1d(layer, args, inputs, weight_index, dtype):
    if layer.data_format != "channels_last":
        return None
    keepdims = bool(layer.keepdims)

    def pooling(w, x, mask):
        if mask is None:
            return x.mean(axis=1, keepdims=keepdims)
        keep = mask[:, :, None]
        total = np.where(keep, x, dtype.type(0)).sum(axis=1, keepdims=keepdims)
        return total / keep.sum(axis=1, keepdims=keepdims, dtype=dtype)

    pooling.takes_mask = True
    return pooling, inputs[:1]


def _recurrent(layer, args, inputs, weight_index, dtype, cell_step):
    """An LSTM or GRU layer (``cell_step`` makes its cell's step), or None.

    ``cell_step(cell, act, rec, recurrent_kernel, bias)`` returns
    ``(n_states, input_bias, step)``: ``input_bias(w)`` is the bias added to
    every timestep's input projection (or None) and ``step(w, projected_x,
    states)`` the new states, the output first.
    """
    if (layer.stateful or layer.go_backwards or layer.return_state
            or getattr(layer, "zero_output_for_mask", False) or len(args) != 1):
        return None
    cell = layer.cell
    act, rec = _activation(cell.activation), _activation(cell.recurrent_activation)
    elementwise = (_softmax, _log_softmax)
    if act is None or rec is None or act in elementwise or rec in elementwise:
        return None
    bias = _weight(cell.bias, weight_index) if cell.use_bias else None
    kernel = _weight(cell.kernel, weight_index)
    n_states, input_bias, step = cell_step(
        cell, act, rec, _weight(cell.recurrent_kernel, weight_index), bias)
    units = int(cell.units)
    sequences = bool(layer.return_sequences)

    def recurrent(w, x, mask):
        projected = np.matmul(x, w[kernel])  # (n, steps, gates * units): all at once
        b = input_bias(w)
        if b is not None:
            projected += b
        states = [np.zeros((x.shape[0], units), dtype) for _ in range(n_states)]
        outputs = []
        for t in range(x.shape[1]):
            new = step(w, projected[:, t], states)
            if mask is None:
                states = new
            else:  # a masked timestep carries the state (and the output) over
                keep = mask[:, t, None]
                states = [np.where(keep, a, old) for a, old in zip(new, states)]
            if sequences:
                outputs.append(states[0])
        return np.stack(outputs, axis=1) if sequences else states[0]

    recurrent.takes_mask = True
    return recurrent, inputs[:1]


def _lstm_step(cell, act, rec, rk, b):
    units = int(cell.units)

    def step(w, xt, states):
        h, c = states
        z = xt + np.matmul(h, w[rk])
        i = rec(z[:, :units].copy())
        f = rec(z[:, units:2 * units].copy())
        g = act(z[:, 2 * units:3 * units].copy())
        o = rec(z[:, 3 * units:].copy())
        c = f * c + i * g
        return [o * act(c.copy()), c]

    return 2, (lambda w: None if b is None else w[b]), step


def _gru_step(cell, act, rec, rk, b):
    units = int(cell.units)
    if not cell.reset_after:
        def step(w, xt, states):
            (h,) = states
            inner = np.matmul(h, w[rk][:, :2 * units])
            z = rec(xt[:, :units] + inner[:, :units])
            r = rec(xt[:, units:2 * units] + inner[:, units:])
            hh = act(xt[:, 2 * units:] + np.matmul(r * h, w[rk][:, 2 * units:]))
            return [z * h + (1 - z) * hh]

        return 1, (lambda w: None if b is None else w[b]), step

    def step(w, xt, states):  # bias (2, 3 units): for the input and the recurrent part
        (h,) = states
        inner = np.matmul(h, w[rk])
        if b is not None:
            inner += w[b][1]
        z = rec(xt[:, :units] + inner[:, :units])
        r = rec(xt[:, units:2 * units] + inner[:, units:2 * units])
        hh = act(xt[:, 2 * units:] + r * inner[:, 2 * units:])
        return [z * h + (1 - z) * hh]

    return 1, (lambda w: None if b is None else w[b][0]), step


def _lstm(layer, args, inputs, weight_index, dtype):
    return _recurrent(layer, args, inputs, weight_index, dtype, _lstm_step)


def _gru(layer, args, inputs, weight_index, dtype):
    return _recurrent(layer, args, inputs, weight_index, dtype, _gru_step)
