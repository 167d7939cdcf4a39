"""Build and check the two-head Keras network. The only module that talks to Keras
layers; it knows nothing about scikit-learn."""

import warnings

import numpy as np

PAD_VALUE = -1.0e9
"""Value that stands in for an all-NaN (padding) timestep; masked by the network."""

PAD_LOGIT = -1.0e9
"""Bias of a padded softmax unit (see :class:`LabelPadding`): its probability is 0."""

AMOUNT_LOSSES = (
    "squared_error", "absolute_error", "huber", "poisson", "gamma", "tweedie"
)

POSITIVE_LOSSES = frozenset({"poisson", "gamma", "tweedie"})
"""Amount losses with a log link, for amounts that cannot be negative.

The built-in amount head ends with an exponential activation (it outputs the
mean, always > 0), and the amounts train on their raw scale, only divided by
their mean (a transformer that would centre them is not applied)."""

ZERO_FREE_LOSSES = frozenset({"gamma"})
"""Positive losses that need every amount > 0 (the others allow exact zeros)."""

TWEEDIE_POWER = 1.5
"""The power of ``amount_loss="tweedie"``: variance proportional to mean**1.5, a
compound Poisson-gamma distribution (exact zeros and positive amounts)."""

_FIX_LABEL_HEAD = (
    "For a binary label end the label output with Dense(1, activation='sigmoid') "
    "(or Dense(2, activation='softmax')); for n_classes >= 3 with "
    "Dense(n_classes, activation='softmax'). A linear layer of the same units is "
    "read as logits."
)


def _seeds(rng):
    return int(rng.integers(1, 2**31 - 1))


def build_default_network(
    meta,
    *,
    hidden_layer_sizes,
    activation,
    dropout,
    recurrent_layer_sizes,
    recurrent_cell,
    seed,
    l2=0.0,
    dtype="float32",
):
    """Build the built-in network: a shared trunk and one output per head.

    The trunk is, for 3-D ``X``, masking of padded timesteps and the recurrent
    layers, then the dense ``hidden_layer_sizes``. Each head of
    ``meta["heads_"]`` (:class:`skmulti._heads.Head`) is one dense output named
    after it: an amount 1 linear unit (exponential for the log-link losses of
    ``POSITIVE_LOSSES``: "poisson", "gamma", "tweedie"), a label 1 sigmoid unit
    for 2 classes, ``n_classes`` softmax units otherwise. Every random layer
    gets its own seed drawn from ``seed``. With ``l2 > 0`` every dense layer's
    kernel (trunk and heads; not the biases, not the recurrent layers) adds
    ``l2 * sum(kernel ** 2)`` to each batch's loss (see :func:`l2_per_batch`).

    Parameters
    ----------
    meta : dict
        Needs ``X_shape_`` and ``heads_``.
    hidden_layer_sizes, activation, dropout, recurrent_layer_sizes, recurrent_cell : \
see :class:`skmulti.RegressorClassifier`.
    seed : int
    l2 : float >= 0, default=0.0
        Coefficient of the kernels' L2 penalty in each batch's loss.
    dtype : str, default="float32"
        Dtype of the layers' weights and computations.

    Returns
    -------
    keras.Model
        Functional model with outputs ``{head.name: (n, head.units)}``.

    Examples
    --------
    >>> from skmulti._heads import amount_head, label_head
    >>> from skmulti._network import build_default_network
    >>> heads = (amount_head("amount", 0, 0, "squared_error", positive=False),
    ...          label_head("label", 1, 1, 3))
    >>> net = build_default_network(
    ...     {"X_shape_": (10, 4), "heads_": heads}, hidden_layer_sizes=(8,),
    ...     activation="relu", dropout=0.0, recurrent_layer_sizes=(4,),
    ...     recurrent_cell="lstm", seed=0)
    >>> sorted(net.output.keys()), net.output["label"].shape
    (['amount', 'label'], (None, 3))
    """
    import keras

    rng = np.random.default_rng(seed)
    shape = tuple(meta["X_shape_"])
    glorot = keras.initializers.GlorotUniform

    def penalty():
        return keras.regularizers.L2(l2) if l2 > 0 else None

    if len(shape) == 3:
        inputs = keras.Input(shape=(None, shape[2]), name="features", dtype=dtype)
        h = keras.layers.Masking(mask_value=PAD_VALUE, name="padding_mask", dtype=dtype)(inputs)
        cell = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[recurrent_cell]
        sizes = tuple(recurrent_layer_sizes)
        if not sizes:  # no recurrent layer: average the observed timesteps
            h = keras.layers.GlobalAveragePooling1D(name="mean_over_time", dtype=dtype)(h)
        for i, units in enumerate(sizes):
            h = cell(
                units,
                return_sequences=i < len(sizes) - 1,
                kernel_initializer=glorot(seed=_seeds(rng)),
                recurrent_initializer=keras.initializers.Orthogonal(seed=_seeds(rng)),
                name=f"{recurrent_cell}_{i}",
                dtype=dtype,
            )(h)
    else:
        inputs = keras.Input(shape=(shape[1],), name="features", dtype=dtype)
        h = inputs
    for i, units in enumerate(hidden_layer_sizes):
        h = keras.layers.Dense(
            units,
            activation=activation,
            kernel_initializer=glorot(seed=_seeds(rng)),
            kernel_regularizer=penalty(),
            name=f"hidden_{i}",
            dtype=dtype,
        )(h)
        if dropout > 0:
            h = keras.layers.Dropout(
                dropout, seed=_seeds(rng), name=f"dropout_{i}", dtype=dtype
            )(h)
    outputs = {}
    for head in meta["heads_"]:
        outputs[head.name] = keras.layers.Dense(
            head.units,
            activation=head.activation,
            kernel_initializer=glorot(seed=_seeds(rng)),
            kernel_regularizer=penalty(),
            name=head.name,
            dtype=dtype,
        )(h)
    return keras.Model(inputs, outputs, name="two_head")


def l2_per_batch(alpha, batch_size):
    """The L2 coefficient of the built-in network for scikit-learn's ``alpha``.

    scikit-learn's MLP adds ``0.5 * alpha * sum(kernel ** 2) / batch_size`` to
    the mean loss of each batch of ``batch_size`` rows; Keras's
    ``L2(l2)`` adds ``l2 * sum(kernel ** 2)``. So ``alpha`` means the same in
    :class:`skmulti.RegressorClassifier` as in ``MLPRegressor`` and
    ``MLPClassifier`` trained with the same batch size.

    Parameters
    ----------
    alpha : float >= 0
    batch_size : int >= 1

    Returns
    -------
    float

    Examples
    --------
    >>> l2_per_batch(0.1, 32)
    0.0015625
    """
    return 0.5 * float(alpha) / int(batch_size)


def _activation_name(tensor):
    """Name of the activation that produced a symbolic tensor, or None."""
    import keras

    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return None
    layer = history.operation
    if isinstance(layer, keras.layers.Softmax):
        return "softmax"
    fn = getattr(layer, "activation", None)
    if fn is None:
        return "linear" if isinstance(layer, keras.layers.Dense) else None
    name = getattr(fn, "__name__", None) or keras.activations.serialize(fn)
    return str(name)


def initial_weights(network, seed, padding=None):
    """Fresh initial weights of a built-in network, drawn from ``seed`` in NumPy.

    The same distributions as the layers' Keras initializers (Glorot uniform
    kernels, orthogonal recurrent kernels, zero biases with the LSTM's forget
    gate at 1), drawn by NumPy so that a cached network of the same shape can be
    re-initialised for each fit without building a new one, identically on
    every backend.

    Parameters
    ----------
    network : keras.Model
        A network made by :func:`build_default_network`.
    seed : int
    padding : LabelPadding or None, default=None
        The network's softmax heads are padded: their weights are drawn for
        the true classes (as for the unpadded network), then padded.

    Returns
    -------
    weights : list of ndarray
        In ``network.weights`` order.
    seed_states : list of ndarray
        States of the network's seed generators (dropout), each ``[seed, 0]``.

    Examples
    --------
    >>> from skmulti._network import build_default_network, initial_weights
    >>> from skmulti._heads import amount_head, label_head
    >>> heads = (amount_head("amount", 0, 0, "squared_error", positive=False),
    ...          label_head("label", 1, 1, 3))
    >>> net = build_default_network(
    ...     {"X_shape_": (10, 4), "heads_": heads}, hidden_layer_sizes=(8,),
    ...     activation="relu", dropout=0.5, recurrent_layer_sizes=(),
    ...     recurrent_cell="lstm", seed=0)
    >>> weights, seeds = initial_weights(net, 1)
    >>> [w.shape for w in weights], len(seeds)
    ([(4, 8), (8,), (8, 1), (1,), (8, 3), (3,)], 1)
    """
    from ._engine import seed_variables

    rng = np.random.default_rng(seed)
    weights = []
    for variable in network.weights:
        layer, name = variable.path.rsplit("/", 1)
        true = padding.true_units.get(layer) if padding is not None else None
        shape = tuple(variable.shape) if true is None else (*variable.shape[:-1], true)
        if name == "kernel":
            limit = np.sqrt(6.0 / (shape[0] + shape[1]))
            value = rng.uniform(-limit, limit, size=shape)
        elif name == "recurrent_kernel":
            value = _orthogonal(rng, shape)
        elif name == "bias":
            value = np.zeros(shape)
            if "lstm" in variable.path:  # unit_forget_bias: the forget gate starts open
                units = shape[0] // 4
                value[units : 2 * units] = 1.0
        else:  # pragma: no cover - build_default_network makes no other weight
            raise ValueError(f"No initial value known for the weight {variable.path}.")
        if true is not None:
            value = padding.pad(name, value, int(variable.shape[-1]), variable.dtype)
        weights.append(value.astype(variable.dtype))
    seeds = [
        np.array([_seeds(rng), 0], dtype=v.dtype) for v in seed_variables(network)
    ]
    return weights, seeds


class LabelPadding:
    """Softmax label heads trained at a bucketed width, so that folds share programs.

    A training set that lacks a rare class gives a label head of another
    width, and so another network and another compiled program (an XLA
    compile of seconds). The engine therefore trains each softmax head with
    its units padded up to a power of two (28 classes: 32 units). A padded
    unit starts with a zero kernel column and a bias of ``PAD_LOGIT``: its
    probability is exactly 0, so its gradients are exactly 0 and it stays as
    it started; the loss, the gradients of every other weight and the
    training are those of the unpadded network. :meth:`narrow` cuts the
    trained weights back to the true classes.

    Parameters
    ----------
    heads : tuple of Head
        The true heads.

    Attributes
    ----------
    train_heads : tuple of Head
        The heads the engine trains (softmax heads with padded units).
    true_units : dict
        ``{head name: true units}`` of the padded heads only.

    Examples
    --------
    >>> from skmulti._heads import amount_head, label_head
    >>> padding = LabelPadding((amount_head("amount", 0, 0, "squared_error",
    ...                         positive=False), label_head("label", 1, 1, 28)))
    >>> [h.units for h in padding.train_heads], padding.true_units
    ([1, 32], {'label': 28})
    """

    def __init__(self, heads):
        from dataclasses import replace

        self.heads = tuple(heads)
        self.train_heads = tuple(replace(h, units=self.train_units(h)) for h in self.heads)
        self.true_units = {
            h.name: h.units for h, t in zip(self.heads, self.train_heads) if t.units != h.units
        }

    @staticmethod
    def train_units(head):
        """The units ``head`` is trained with: a power of two for a softmax head."""
        if head.is_label and head.activation == "softmax":
            return 1 << (head.units - 1).bit_length()
        return head.units

    @staticmethod
    def pad(name, value, units, dtype):
        """``value`` (a kernel or bias of the true width) padded to ``units``."""
        fill = 0.0 if name == "kernel" else max(PAD_LOGIT, -0.5 * float(np.finfo(dtype).max))
        pad = [(0, 0)] * (value.ndim - 1) + [(0, units - value.shape[-1])]
        return np.pad(value, pad, constant_values=fill)

    def narrow(self, network, weights):
        """The trained ``weights`` of the padded ``network``, cut to the true classes."""
        out = []
        for variable, value in zip(network.weights, weights, strict=True):
            true = self.true_units.get(variable.path.rsplit("/", 1)[0])
            out.append(value if true is None else np.ascontiguousarray(value[..., :true]))
        return out


def _orthogonal(rng, shape):
    rows, cols = int(np.prod(shape[:-1])), shape[-1]
    a = rng.normal(size=(max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q = q * np.sign(np.diag(r))
    return (q.T if rows < cols else q).reshape(shape)


def _named_outputs(model, probe, expected):
    """Map each expected head name to (output value on ``probe``, symbolic tensor)."""
    with warnings.catch_warnings():
        # Keras warns about a 1-unit softmax; check_network says it better.
        warnings.simplefilter("ignore", UserWarning)
        values = model(probe, training=False)
    struct = getattr(model, "_outputs_struct", None)
    if isinstance(values, dict):
        names = list(values)
        symbolic = struct if isinstance(struct, dict) else {}
        pairs = {k: (values[k], symbolic.get(k)) for k in names}
    elif isinstance(values, (list, tuple)):
        names = list(getattr(model, "output_names", []) or [])
        outputs = list(getattr(model, "outputs", []) or [None] * len(values))
        pairs = dict(zip(names, zip(values, outputs)))
    else:
        names, pairs = ["<a single tensor>"], {}
    if set(pairs) != set(expected):
        example = ", ".join(f"{name!r}: ..." for name in expected)
        quoted = [repr(name) for name in expected]
        listed = " and ".join([", ".join(quoted[:-1]), quoted[-1]] if len(quoted) > 1
                              else quoted)
        raise ValueError(
            f"The Keras model has outputs {names}, but RegressorClassifier expects "
            f"exactly {len(expected)} named {listed} (one per column of y: "
            "meta['output_names_'] lists them). Return "
            f"keras.Model(inputs, {{{example}}}) from your `model` function."
        )
    return pairs


def check_network(model, meta, probe):
    """Check that a network fits the data; return its heads as it outputs them.

    Parameters
    ----------
    model : keras.Model
    meta : dict
        Needs ``heads_`` (the built-in heads, :class:`skmulti._heads.Head`) and
        ``classes_``.
    probe : ndarray
        A couple of rows of ``X`` to call the model on.

    Returns
    -------
    heads : tuple of Head
        ``meta["heads_"]`` with each label head's units and activation as the
        model has them (a linear output is read as logits).

    Raises
    ------
    ValueError
        When the outputs are not named after the heads, an amount has more
        than one unit, or a label head cannot represent its classes (e.g. a
        1-unit softmax, which always outputs 1.0).
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(
            "The `model` function must return a keras.Model; got "
            f"{type(model).__name__}."
        )
    heads = meta["heads_"]
    outputs = _named_outputs(model, probe, [h.name for h in heads])
    classes = iter(meta["classes_"] if _several_labels(heads) else [meta["classes_"]])
    checked = []
    for head in heads:
        value, symbolic = outputs[head.name]
        if head.is_label:
            checked.append(_check_label_output(head, value, symbolic, next(classes), probe))
            continue
        shape = tuple(keras.ops.shape(value))
        if not (len(shape) == 1 or (len(shape) == 2 and shape[1] == 1)):
            raise ValueError(
                f"The {head.name!r} output has shape {shape[1:]} per sample, but must "
                "have 1 unit. End it with Dense(1)."
            )
        checked.append(head)
    return tuple(checked)


def _several_labels(heads):
    return sum(h.is_label for h in heads) != 1


def _check_label_output(head, value, symbolic, classes, probe):
    import keras

    label_shape = tuple(keras.ops.shape(value))
    units = 1 if len(label_shape) == 1 else int(label_shape[-1])
    classes = np.asarray(classes).tolist()  # plain ints/strs in messages
    n_classes = len(classes)
    activation = None
    if symbolic is not None:
        activation = _activation_name(symbolic)
    if activation is None:  # subclassed model: read the values
        from ._engine import as_numpy

        values = as_numpy(value).reshape(len(probe), -1)
        if units > 1 and np.allclose(values.sum(axis=1), 1.0, atol=1e-4) and (
            values >= 0
        ).all():
            activation = "softmax"
        elif units == 1 and np.all(values == 1.0):
            activation = "softmax"
        elif ((values >= 0) & (values <= 1)).all() and units == 1:
            activation = "sigmoid"
        else:
            activation = "linear"
    got = f"{units} unit(s) with a {activation!r} activation"
    where = f"The {head.name!r} output"
    if activation == "softmax" and units == 1:
        raise ValueError(
            f"{where} has {got}: a softmax over one unit always outputs "
            f"1.0, so the label head could never learn. {_FIX_LABEL_HEAD}"
        )
    if activation not in ("sigmoid", "softmax", "linear", None):
        raise ValueError(
            f"{where} has {got}; it must output probabilities or "
            f"logits. {_FIX_LABEL_HEAD}"
        )
    if units == 1 and n_classes != 2:
        raise ValueError(
            f"{where} has {got}, but y has {n_classes} classes "
            f"{classes[:10]}. {_FIX_LABEL_HEAD}"
        )
    if units != 1 and units != n_classes:
        raise ValueError(
            f"{where} has {got}, but y has {n_classes} classes "
            f"{classes[:10]}; it needs {1 if n_classes == 2 else n_classes} unit(s). "
            f"{_FIX_LABEL_HEAD}"
        )
    if units != 1 and activation == "sigmoid":
        raise ValueError(
            f"{where} has {got}: independent sigmoids do not make one "
            f"class per row. {_FIX_LABEL_HEAD}"
        )
    return head.with_output(units, None if activation == "linear" else activation)


def output_dtype(network):
    """The dtype the network computes its outputs in (losses must match it)."""
    import keras

    outputs = getattr(network, "outputs", None) or []
    if outputs:
        return keras.backend.standardize_dtype(outputs[0].dtype)
    return keras.config.floatx()


def amount_loss_fn(name, dtype=None):
    """Per-sample Keras loss for the amount head, computed in ``dtype``.

    "gamma" and "tweedie" are half deviances written in log-link form: the
    amount output is the mean ``mu`` (> 0: the built-in head's exponential
    activation), read through ``log(max(mu, eps))``; each is 0 where
    ``mu == y`` and finite for ``y = 0`` (rows that do not train the amount, and
    the engine's zero-weight padding, carry an amount of 0).

    Examples
    --------
    >>> import numpy as np
    >>> from skmulti._network import amount_loss_fn
    >>> y = np.array([[1.0], [2.0]])
    >>> [np.round(np.asarray(amount_loss_fn(name)(y, y)), 6).tolist()
    ...  for name in ("gamma", "tweedie")]
    [[0.0, 0.0], [0.0, 0.0]]
    """
    import keras

    kwargs = {"reduction": None, "dtype": dtype}
    if name in ("gamma", "tweedie"):
        return _log_link_losses()[name](**kwargs)
    return {
        "squared_error": keras.losses.MeanSquaredError,
        "absolute_error": keras.losses.MeanAbsoluteError,
        "huber": keras.losses.Huber,
        "poisson": keras.losses.Poisson,
    }[name](**kwargs)


_LOSS_CLASSES = {}


def _log_link_losses():
    """The gamma and Tweedie loss classes (made on first use: Keras loads lazily)."""
    if _LOSS_CLASSES:
        return _LOSS_CLASSES
    import keras
    from keras import ops

    def log_mean(y_pred):
        eps = ops.cast(keras.config.epsilon(), y_pred.dtype)
        return ops.log(ops.maximum(y_pred, eps))

    class GammaDeviance(keras.losses.Loss):
        """Half gamma deviance ``log(mu / y) + y / mu - 1`` (y > 0)."""

        def __init__(self, reduction=None, dtype=None):
            super().__init__(name="gamma_deviance", reduction=reduction, dtype=dtype)

        def call(self, y_true, y_pred):
            eta = log_mean(y_pred)
            eps = ops.cast(keras.config.epsilon(), y_pred.dtype)
            y = ops.cast(y_true, y_pred.dtype)
            log_y = ops.log(ops.maximum(y, eps))
            return ops.mean(eta - log_y + y * ops.exp(-eta) - 1.0, axis=-1)

    class TweedieDeviance(keras.losses.Loss):
        """Half Tweedie deviance of power ``p = TWEEDIE_POWER`` (y >= 0)::

            y**(2-p) / ((1-p)(2-p)) - y mu**(1-p) / (1-p) + mu**(2-p) / (2-p)
        """

        def __init__(self, reduction=None, dtype=None):
            super().__init__(name="tweedie_deviance", reduction=reduction, dtype=dtype)

        def call(self, y_true, y_pred):
            p = TWEEDIE_POWER
            eta = log_mean(y_pred)
            y = ops.maximum(ops.cast(y_true, y_pred.dtype), 0.0)
            loss = (
                ops.power(y, 2.0 - p) / ((1.0 - p) * (2.0 - p))
                - y * ops.exp((1.0 - p) * eta) / (1.0 - p)
                + ops.exp((2.0 - p) * eta) / (2.0 - p)
            )
            return ops.mean(loss, axis=-1)

    _LOSS_CLASSES.update(gamma=GammaDeviance, tweedie=TweedieDeviance)
    return _LOSS_CLASSES


def loss_fn(head, dtype=None):
    """Per-sample Keras loss of one head, computed in ``dtype``."""
    import keras

    if not head.is_label:
        return amount_loss_fn(head.loss, dtype)
    kwargs = {"from_logits": head.from_logits, "reduction": None}
    if not head.sparse_codes:
        return keras.losses.BinaryCrossentropy(dtype=dtype, **kwargs)
    return keras.losses.SparseCategoricalCrossentropy(dtype=dtype, **kwargs)


def label_probabilities(raw, head):
    """Turn a label head's output into an (n, n_classes) float64 probability array."""
    raw = np.asarray(raw, dtype=np.float64)
    if not head.sparse_codes:
        p = raw.reshape(-1)
        if head.from_logits:
            p = 1.0 / (1.0 + np.exp(-p))
        p = np.clip(p, 0.0, 1.0)
        return np.column_stack([1.0 - p, p])
    raw = raw.reshape(len(raw), -1)
    if head.from_logits:
        raw = np.exp(raw - raw.max(axis=1, keepdims=True))
    raw = np.clip(raw, 0.0, None)
    total = raw.sum(axis=1, keepdims=True)
    total[total == 0] = 1.0
    return raw / total


class NetworkRecipe:
    """How to build a fit's network again: the built-in one or a user's builder.

    Fitted estimators keep a recipe and their weights (arrays), not a network:
    the network is built when it is needed (``model_``, a forward pass on a
    cache miss). ``key`` is the architecture key that the engine caches by
    (None: not shareable between fits).

    Parameters
    ----------
    meta : dict
        What the builder is told about the data (``X_shape_``, ``n_classes_``...).
    arch : dict or None
        Keyword arguments of :func:`build_default_network`; None for a builder.
    builder : callable or None
        The user's ``model`` function.
    builder_kwargs : dict
        ``model__*`` arguments of the builder.
    compile_kwargs : dict or None
        ``compile_kwargs`` passed to the builder, its ``"optimizer"`` given as
        ``(optimizer, learning_rate, optimizer__* kwargs)`` and built afresh.
    """

    def __init__(self, meta, arch=None, builder=None, builder_kwargs=None,
                 compile_kwargs=None, key=None):
        self.meta = meta
        self.arch = arch
        self.builder = builder
        self.builder_kwargs = dict(builder_kwargs or {})
        self.compile_kwargs = compile_kwargs
        self.key = key

    @classmethod
    def default(cls, meta, arch):
        """The recipe of the built-in network (its key follows from its arguments)."""
        import keras

        from ._engine import _freeze

        key = ("default", keras.backend.backend(), tuple(meta["X_shape_"][2:]),
               int(meta["X_shape_"][-1]), tuple(h.signature for h in meta["heads_"]),
               _freeze(arch))
        return cls(meta, arch=arch, key=key)

    def build(self, seed=0):
        """A new network (untrained weights from ``seed``)."""
        from ._routing import build_optimizer, call_builder

        if self.arch is not None:
            return build_default_network(self.meta, **self.arch, seed=seed)
        compile_kwargs = dict(self.compile_kwargs)
        compile_kwargs["optimizer"] = build_optimizer(*compile_kwargs["optimizer"])
        return call_builder(self.builder, meta=self.meta, compile_kwargs=compile_kwargs,
                            routed_kwargs=self.builder_kwargs)


def clone(network):
    """A new network of the same architecture (configuration) as ``network``."""
    import keras

    return keras.models.clone_model(network)


def architecture_key(network):
    """A key equal for networks that compute alike, or None when unsure.

    Functional and Sequential models made of Keras's own layers are described
    by their configuration; anything else (subclassed models, custom layers,
    ``Lambda`` layers: code that the configuration does not capture) gets None.
    """
    import json

    import keras

    if type(network) not in (keras.Model, keras.Sequential) and type(
        network
    ).__module__.split(".")[0] != "keras":
        return None
    stack = list(network.layers)
    while stack:
        layer = stack.pop()
        if type(layer).__module__.split(".")[0] != "keras" or isinstance(
            layer, keras.layers.Lambda
        ):
            return None
        stack.extend(getattr(layer, "layers", []))
    try:
        config = network.get_config()
        text = json.dumps(config, sort_keys=True, default=repr)
    except (NotImplementedError, TypeError, ValueError):
        return None
    # Keras numbers the names it makes up (dense_3, dense_4, ...): name the
    # layers by position so that two builds of one architecture get one key.
    names = {layer.name: f"<layer {i}>" for i, layer in enumerate(network.layers)}
    names[network.name] = "<model>"
    text = json.dumps(_rename(json.loads(text), names), sort_keys=True)
    return ("custom", keras.backend.backend(), type(network).__name__, text)


def _rename(value, names):
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, dict):
        return {k: _rename(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename(v, names) for v in value]
    return value
