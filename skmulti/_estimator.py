"""``RegressorClassifier``: the scikit-learn face of a two-head Keras network.

This module talks to scikit-learn and orchestrates; the network lives in
``_network``, training in ``_training``, the target in ``_target``.
"""

import threading
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from . import _diagnostics, _engine, _network, _routing, _threads, _training
from ._compat import HasMethods, Interval, StrOptions, _check_sample_weight, _fit_context
from ._input import check_X_fit, check_X_predict, dense_rows
from ._prediction import refuse_sklearn_scorer
from ._seeding import fit_seed, seed_scope
from ._target import TargetEncoder, label_accuracy, training_weights
from .exceptions import StillImprovingWarning


def _check_layer_sizes(name, value, *, allow_empty=True):
    sizes = (value,) if isinstance(value, Integral) else tuple(value)
    bad = [s for s in sizes if not isinstance(s, Integral) or isinstance(s, bool) or s < 1]
    if bad or (not allow_empty and not sizes):
        raise ValueError(
            f"The '{name}' parameter of RegressorClassifier must be a tuple of "
            f"positive ints (one per layer); got {value!r}."
        )
    return tuple(int(s) for s in sizes)


class RegressorClassifier(BaseEstimator):
    """One Keras network that predicts an amount (a number) and a label (a class).

    A shared trunk (dense layers, after recurrent layers for 3-D ``X``) feeds two
    heads: ``amount`` (regression) and ``label`` (classification), or one head
    per column of ``y`` for several amounts and labels (``amount_columns``). The label
    head is built from the data (1 sigmoid unit for 2 classes, softmax over
    ``n_classes`` otherwise); the amount is scaled for training and scaled back
    at predict. It is a scikit-learn estimator: it clones, pickles (for
    transport; share and keep models with :func:`skmulti.save`), and works
    in ``Pipeline``, ``cross_validate`` and every search tool.

    It is neither a classifier nor a regressor to scikit-learn
    (``is_classifier`` and ``is_regressor`` are False): ``cv=5`` means a plain
    ``KFold``, not a stratified one; use
    :class:`skmulti.model_selection.LabelStratifiedKFold` to stratify on the
    label, and the scorers of :mod:`skmulti.metrics` to score one head.

    Parameters
    ----------
    model : callable or None, default=None
        None builds the built-in network. A callable must return a
        ``keras.Model`` with one output per head, named as
        ``meta["output_names_"]`` lists them (``"amount"`` and ``"label"`` for
        a two-column ``y``); it is called with the keyword arguments it accepts
        among ``meta`` (a dict: ``n_features_in_``, ``n_classes_``, ``classes_``,
        ``X_shape_``, ``target_type_``, ``label_units_``, ``heads_``,
        ``output_names_``, ...) and
        ``compile_kwargs``, plus every ``model__<name>`` parameter. skmulti
        compiles the network itself. A model whose outputs do not fit the data
        (e.g. a 1-unit softmax for a binary label) is refused before training.
    amount_columns : None or list, default=None
        Which columns of ``y`` are amounts (positions, or names for a DataFrame
        ``y``); every other column is a label. None: column 0 is the amount and
        all the others are labels. ``[]``: labels only; all the columns:
        amounts only. Each column gets its own head, named ``"amount"`` /
        ``"label"`` when ``y`` has one column of that kind, else
        ``"amount_<column>"`` / ``"label_<column>"``.
    hidden_layer_sizes : tuple of int, default=(64, 64)
        Units of the dense layers of the shared trunk. ``()`` connects the heads
        to the input (or to the last recurrent layer).
    activation : str or callable, default="relu"
        Activation of the dense trunk layers (any Keras activation).
    dropout : float in [0, 1), default=0.0
        Dropout rate after each dense trunk layer.
    alpha : float >= 0, default=0.1
        Strength of the L2 penalty on the built-in network's dense kernels
        (trunk and heads; not the biases or recurrent layers), as in
        scikit-learn's MLP: ``0.5 * alpha * sum(kernel ** 2) / batch_size`` is
        added to each batch's mean loss. The default is stronger than the
        MLP's 1e-4: a wide trunk shared by two heads overfits easily (what it
        changes on abalone and make_trade: "Why alpha=0.1" in
        ``benchmarks/README.md``). 0 turns it off. Ignored with a ``model``
        (regularize your own layers there).
    amount_loss : {"squared_error", "absolute_error", "huber", "poisson", \
"gamma", "tweedie"}, default="squared_error"
        Loss of the amount head. "poisson" (counts), "gamma" (positive amounts
        whose spread grows with their mean; refuses amounts of 0) and "tweedie"
        (power 1.5, ``_network.TWEEDIE_POWER``: amounts >= 0 with exact zeros)
        are log-link losses: the built-in amount head ends with an exponential
        activation, so its predictions are > 0, and negative amounts are
        refused. A custom ``model`` must then output a positive amount.
    amount_transformer : "standard", "log1p", None or transformer, \
default="standard"
        Transforms the amount before training (``inverse_transform`` brings the
        predictions back): "standard" standardizes (with the log-link losses it
        keeps the amounts, which are only divided by their mean); "log1p"
        trains on ``log(1 + amount)`` and predicts ``max(expm1(z), 0)``, so
        predictions are never negative (amounts < 0 are refused); None keeps
        the amounts; a scikit-learn transformer (e.g.
        ``FunctionTransformer(np.sqrt, np.square)``) shapes them as it likes.
        Whatever it returns is then centred and scaled internally (only divided
        by its mean for the log-link losses), so the amount loss cannot swamp
        the label loss whatever the amounts' scale. See "Non-negative amounts"
        in ``docs/modelling.md``.
    label_weight : float >= 0 or list of float, default=1.0
        Weight of the label loss, or one weight per label column; each amount
        loss weighs 1.
    loss_weighting : {"fixed", "uncertainty"}, default="fixed"
        "uncertainty" learns a weight per head (homoscedastic uncertainty,
        Kendall, Gal and Cipolla, CVPR 2018); see ``loss_weights_``.
    class_weight : None, "balanced", dict or list, default=None
        Weights of the classes in the label loss only (the amount loss is not
        reweighted); multiplied with ``sample_weight``. With several label
        columns, a list with one entry (None, "balanced" or a dict) per label
        column, e.g. ``[None, "balanced", None]``; None or "balanced" alone
        apply to every label column.
    zero_amount_label : label or None, default=None
        The hurdle (two-part) model: rows with this label train only the label
        head (their amounts are ignored, also by the amount transformer) and
        ``predict`` returns an amount of exactly 0 wherever it predicts this
        label. Needs exactly one label column (it then gates every amount).
    recurrent_layer_sizes : tuple of int, default=(64,)
        Units of the recurrent layers that start the trunk for 3-D ``X``
        ``(n_samples, n_timesteps, n_features)``; ignored for 2-D ``X``.
    recurrent_cell : {"lstm", "gru"}, default="lstm"
        Recurrent layer type for 3-D ``X``.
    optimizer : str or keras optimizer class, default="adam"
        Built afresh at each fit with ``learning_rate`` and the
        ``optimizer__<name>`` parameters (which win over ``learning_rate``).
        With ``optimizer__use_ema=True`` the fit ends on the optimizer's moving
        averages of the weights, as Keras's ``fit`` does, and early stopping
        validates and restores the averages.
    learning_rate : float > 0, default=1e-3
    batch_size : int >= 1, default=32
    epochs : int >= 1, default=200
        Maximum number of passes over the training rows.
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the rows (stratified on the label
        when possible), stop when the validation loss (see ``monitor``) has
        not improved for ``n_iter_no_change`` epochs and restore the best
        weights. With False,
        exactly ``epochs`` epochs are trained on all rows.
    validation_fraction : float in (0, 1), default=0.1
    n_iter_no_change : int >= 1, default=10
    monitor : "heads", "loss" or a head's name, default="heads"
        What early stopping watches. "heads": each head's validation loss on
        its own scale (its share of the gain over a constant prediction);
        training stops when no head has improved for ``n_iter_no_change``
        epochs and restores the epoch that is best for the worse-off head.
        Each linear squared-error amount head is refit on the restored trunk
        (weighted ridge, its penalty chosen on the validation rows, kept only
        when it beats the head as trained) and votes with its loss after that
        refit. "loss": the summed validation loss, one stopping point for all
        heads. A head's name ("amount", "label", "label_<column>", ...): that
        head's validation loss alone.
    callbacks : list or dict of keras callbacks, default=None
        Classes or instances (instances are copied, never modified);
        ``callbacks__<index or name>__<param>`` sets their parameters.
    random_state : int, RandomState instance or None, default=None
        An int makes fits bit-identical on the same CPU, software and thread
        count, in one process or several. No global seed (NumPy, ``random``,
        TensorFlow) is read or changed.
    verbose : int, default=0
        Keras's training verbosity (0 silent, 1 progress bar, 2 a line per epoch).
    **routed_params
        ``model__<name>``, ``optimizer__<name>`` and ``callbacks__<key>__<name>``
        parameters (scikeras's convention).

    Attributes
    ----------
    model_ : keras.Model
        The trained network, one output per head (amounts on the training
        scale): ``"amount"`` and ``"label"`` for a two-column ``y``.
    history_ : dict of list of float
        Per-epoch ``loss`` and ``<head>_loss`` per head (``amount_loss``,
        ``label_loss``, ...) and, with early stopping, the same prefixed ``val_``.
    n_iter_ : int
        Epochs run.
    best_epoch_ : int or None
        The epoch whose weights early stopping restored (1 is the first);
        None without early stopping.
    amount_columns_, label_columns_ : list
        The columns of ``y`` that are amounts and labels: positions, or names
        for a DataFrame ``y``.
    classes_ : ndarray of shape (n_classes,), or list of them
        The labels, sorted, in the dtype of the label column; a list (one per
        label column) with several label columns.
    n_classes_ : int or list of int
    n_features_in_ : int
        Features per row (per timestep for 3-D ``X``).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Defined only when ``X`` had string column names.
    X_shape_ : tuple
        Shape of the ``X`` seen at fit.
    amount_transformer_ : transformer or list of transformers
        The fitted ``amount_transformer`` (one per amount column).
    loss_weights_ : dict
        Effective weight of each head's loss, by head name: the fixed ones, or
        the learned ones with ``loss_weighting="uncertainty"``.

    See Also
    --------
    skmulti.metrics.amount_scorer, skmulti.metrics.label_scorer :
        Scorers for one head, for search tools and ``cross_validate``.
    skmulti.model_selection.LabelStratifiedKFold :
        K-fold stratified on the label column of ``y``.

    Notes
    -----
    Bit-for-bit reproducibility with ``random_state`` holds on CPU for the same
    backend, library versions and thread count; GPUs and other backends may
    differ in the last bits.

    Examples
    --------
    >>> import numpy as np
    >>> from skmulti import RegressorClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 3))
    >>> y = np.column_stack([X[:, 0] * 2.0, np.where(X[:, 1] > 0, "yes", "no")])
    >>> est = RegressorClassifier(hidden_layer_sizes=(8,), epochs=2, random_state=0)
    >>> est.fit(X, y)
    RegressorClassifier(epochs=2, hidden_layer_sizes=(8,), random_state=0)
    >>> pred = est.predict(X[:3])
    >>> pred.amount.shape, pred.label.dtype.kind, np.asarray(pred).shape
    ((3,), 'U', (3, 2))
    >>> est.predict_proba(X[:3]).shape, est.classes_.tolist()
    ((3, 2), ['no', 'yes'])
    """

    _parameter_constraints: dict = {
        "model": [callable, None],
        "amount_columns": ["array-like", None],
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [str, callable],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "amount_loss": [StrOptions(set(_network.AMOUNT_LOSSES))],
        "amount_transformer": [
            StrOptions({"standard", "log1p"}),
            HasMethods(["fit", "transform", "inverse_transform"]),
            None,
        ],
        "label_weight": [Interval(Real, 0, None, closed="left"), list, tuple],
        "loss_weighting": [StrOptions({"fixed", "uncertainty"})],
        "class_weight": [dict, StrOptions({"balanced"}), list, tuple, None],
        "zero_amount_label": "no_validation",
        "recurrent_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "recurrent_cell": [StrOptions({"lstm", "gru"})],
        "optimizer": [str, type],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "monitor": [str],
        "callbacks": [list, tuple, dict, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        model=None,
        *,
        amount_columns=None,
        hidden_layer_sizes=(64, 64),
        activation="relu",
        dropout=0.0,
        alpha=0.1,
        amount_loss="squared_error",
        amount_transformer="standard",
        label_weight=1.0,
        loss_weighting="fixed",
        class_weight=None,
        zero_amount_label=None,
        recurrent_layer_sizes=(64,),
        recurrent_cell="lstm",
        optimizer="adam",
        learning_rate=1e-3,
        batch_size=32,
        epochs=200,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        monitor="heads",
        callbacks=None,
        random_state=None,
        verbose=0,
        **routed_params,
    ):
        self.model = model
        self.amount_columns = amount_columns
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.alpha = alpha
        self.amount_loss = amount_loss
        self.amount_transformer = amount_transformer
        self.label_weight = label_weight
        self.loss_weighting = loss_weighting
        self.class_weight = class_weight
        self.zero_amount_label = zero_amount_label
        self.recurrent_layer_sizes = recurrent_layer_sizes
        self.recurrent_cell = recurrent_cell
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.monitor = monitor
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        # Stored as given; keys that are not routed are refused at fit.
        for key, value in routed_params.items():
            setattr(self, key, value)

    # -- parameters ---------------------------------------------------------------

    def _routed_params(self):
        return {k: v for k, v in vars(self).items() if _routing.is_routed(k)}

    def get_params(self, deep=True):
        """Get parameters, routed ones (``model__*``, ...) included."""
        params = super().get_params(deep=deep)
        params.update(self._routed_params())
        return params

    def set_params(self, **params):
        """Set parameters; routed keys (``model__*``, ...) need not exist yet.

        Like ``__init__``, it stores and does not validate: a name that is
        neither a parameter nor routed is refused by ``fit``.
        """
        names = set(self._get_param_names())
        for key in list(params):
            if _routing.is_routed(key) or ("__" not in key and key not in names):
                setattr(self, key, params.pop(key))
        if params:
            super().set_params(**params)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = None
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        tags.input_tags.three_d_array = True
        tags.input_tags.sparse = True
        tags.non_deterministic = False
        return tags

    def __sklearn_is_fitted__(self):
        return "_network" in vars(self)

    # -- fit ----------------------------------------------------------------------

    def _check_params(self):
        """What ``_validate_params`` cannot express; returns resolved values."""
        names = set(self._get_param_names())
        stray = [
            k
            for k in vars(self)
            if k not in names
            and not k.startswith("_")
            and not k.endswith("_")
            and not _routing.is_routed(k)
        ]
        if stray:
            raise TypeError(
                f"RegressorClassifier got an unexpected keyword argument {stray[0]!r}. "
                "Routed parameters start with model__, optimizer__ or callbacks__ "
                "(e.g. model__units=32, optimizer__momentum=0.9)."
            )
        if self.model is None:
            model_keys = sorted(k for k in vars(self) if k.startswith("model__"))
            if model_keys:
                # The built-in network takes no routed argument: silently
                # ignoring a typo'd or misplaced one would train something else.
                raise ValueError(
                    f"{model_keys[0]} is routed to the `model` function, but "
                    "model=None (the built-in network takes no model__* "
                    "parameter). Pass model=<your builder>, or set the built-in "
                    "network's own parameters (hidden_layer_sizes=..., dropout=...)."
                )
            if not callable(self.activation):
                import keras

                try:
                    keras.activations.get(self.activation)
                except (TypeError, ValueError):
                    raise ValueError(
                        "The 'activation' parameter of RegressorClassifier must name "
                        "a Keras activation ('relu', 'tanh', 'gelu', ...) or be a "
                        f"callable; got {self.activation!r}."
                    ) from None
        if self.model is not None:
            import keras

            if isinstance(self.model, keras.Model):
                raise TypeError(
                    "The 'model' parameter of RegressorClassifier must be a function "
                    "that builds a new keras.Model, not a model instance (an instance "
                    "would be shared by clones and trained twice). Wrap the code that "
                    "builds it: def build(meta): ...; return model."
                )
        if isinstance(self.optimizer, type):
            import keras

            if not issubclass(self.optimizer, keras.optimizers.Optimizer):
                raise ValueError(
                    "The 'optimizer' parameter of RegressorClassifier must be a name "
                    "('adam', 'sgd', ...) or a keras.optimizers.Optimizer subclass; "
                    f"got {self.optimizer!r}."
                )
        return {
            "hidden_layer_sizes": _check_layer_sizes(
                "hidden_layer_sizes", self.hidden_layer_sizes
            ),
            "recurrent_layer_sizes": _check_layer_sizes(
                "recurrent_layer_sizes", self.recurrent_layer_sizes
            ),
        }

    def _validation_split(self, n, strata, seed):
        idx = np.arange(n)
        if not self.early_stopping:
            return idx, None
        n_val = int(np.ceil(self.validation_fraction * n))
        if n - n_val < 1 or n_val < 1:
            raise ValueError(
                f"early_stopping=True holds out validation_fraction="
                f"{self.validation_fraction} of {n} sample(s), which leaves no "
                "sample to train or to validate on. Pass more samples or "
                "early_stopping=False."
            )
        try:
            return train_test_split(
                idx, test_size=n_val, random_state=seed, stratify=strata
            )
        except ValueError:  # a class too rare to stratify on
            return train_test_split(idx, test_size=n_val, random_state=seed)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network on ``X`` and the two-column ``y``.

        Everything is validated before the estimator is changed; if anything
        fails (bad input, a training loss that is not finite), an estimator
        that was fitted before keeps its previous state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
(n_samples, n_timesteps, n_features)
            2-D features, or 3-D sequences (all-NaN timesteps are padding).
        y : array-like of shape (n_samples, 2)
            Column 0 the amount, column 1 the label: an array (numeric, string
            or object), a 2-column DataFrame or a list of pairs.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows in both heads' losses.

        Returns
        -------
        self : RegressorClassifier
        """
        _threads.limit_tf_threads()  # in a worker process: size TF's pools first
        params = self._check_params()
        X, x_info = check_X_fit(X, self)
        check_consistent_length(X, y)
        sample_weight = self._check_sample_weight(sample_weight, X)
        encoder = TargetEncoder(
            self.amount_columns, amount_loss=self.amount_loss,
            amount_transformer=self.amount_transformer, class_weight=self.class_weight,
            label_weight=self.label_weight, zero_amount_label=self.zero_amount_label,
        )
        target = encoder.fit_encode(y, sample_weight)
        heads = encoder.heads_
        monitor = self._check_monitor(heads)
        meta = _meta(x_info, encoder)
        routed = self._routed_params()
        seed = fit_seed(self.random_state)
        seeds = np.random.default_rng(seed).integers(1, 2**31 - 1, size=4)
        with seed_scope(int(seeds[0])):
            optimizer = _routing.OptimizerRecipe(
                self.optimizer, self.learning_rate, _routing.routed(routed, "optimizer")
            )
            callbacks = _routing.build_callbacks(
                self.callbacks, _routing.routed(routed, "callbacks")
            )
            recipe, source, heads, train_heads, built = self._network_source(
                meta, params, routed, int(seeds[1]), dense_rows(X, slice(0, 2))
            )
            train_idx, val_idx = self._validation_split(
                X.shape[0], target.strata, int(seeds[2])
            )

            def rows(idx):
                return (X[idx], [t[idx] for t in target.targets],
                        [w[idx] for w in target.weights])

            result = _training.train(
                source,
                heads=train_heads,
                train_data=rows(train_idx),
                validation_data=None if val_idx is None else rows(val_idx),
                head_weights=encoder.head_loss_weights_,
                uncertainty=self.loss_weighting == "uncertainty",
                optimizer=optimizer,
                batch_size=self.batch_size,
                epochs=self.epochs,
                early_stopping=self.early_stopping,
                n_iter_no_change=self.n_iter_no_change,
                monitor=monitor,
                callbacks=callbacks,
                seed=int(seeds[3]),
                verbose=self.verbose,
            )
            encoder.set_outputs(heads)
            fitted = _FittedNetwork(recipe, result.weights, heads, built)
            outputs = fitted.predict_raw(X)
            _training.check_outputs(outputs, result)
        # Warn before the commit: a warning filtered into an error (pytest -W
        # error) must fail the fit like any other error, changing nothing.
        self._warn(result, _diagnostics.collapse_messages(
            heads, target, outputs, encoder, sample_weight, self._training_facts(result)
        ))

        # Nothing above touched self: commit the fitted state in one go.
        if hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self._network = fitted
        self._target_encoder = encoder
        self.history_ = result.history
        self.n_iter_ = result.n_iter
        self.best_epoch_ = result.best_epoch or None
        single = len(encoder.label_encoders_) == 1
        self.classes_ = encoder.classes_[0] if single else list(encoder.classes_)
        self.n_classes_ = (
            len(self.classes_) if single else [len(c) for c in encoder.classes_]
        )
        self.amount_columns_ = encoder.amount_columns_
        self.label_columns_ = encoder.label_columns_
        self.n_features_in_ = x_info["n_features_in_"]
        if x_info["feature_names_in_"] is not None:
            self.feature_names_in_ = x_info["feature_names_in_"]
        self.X_shape_ = x_info["X_shape_"]
        transformers = [e.transformer_ for e in encoder.amount_encoders_]
        self.amount_transformer_ = transformers[0] if len(transformers) == 1 else transformers
        self.loss_weights_ = result.head_weights
        return self

    def _check_sample_weight(self, sample_weight, X):
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        if not np.any(sample_weight > 0):
            raise ValueError(
                "sample_weight is zero for every sample; at least one sample needs a "
                "positive weight."
            )
        return training_weights(sample_weight, name="sample_weight")

    def _check_monitor(self, heads):
        names = [h.name for h in heads]
        if self.monitor in _training.MONITORS or self.monitor in names:
            return self.monitor
        raise ValueError(
            f"The 'monitor' parameter of RegressorClassifier must be one of "
            f"{[*_training.MONITORS, *names]} (the summed loss, every head on its own "
            f"scale, or one head by name); got {self.monitor!r}."
        )

    def _training_facts(self, result):
        return {
            "n_iter": result.n_iter, "best_epoch": result.best_epoch,
            "epochs": self.epochs, "early_stopping": self.early_stopping,
            "n_iter_no_change": self.n_iter_no_change,
        }

    def _warn(self, result, collapse_messages):
        if result.still_improving:
            warnings.warn(
                f"RegressorClassifier: the validation loss was still improving at "
                f"the last epoch ({self.epochs}); raise epochs to train longer.",
                StillImprovingWarning,
                stacklevel=4,  # the caller of fit, past scikit-learn's _fit_context
            )
        _diagnostics.warn_collapse(collapse_messages, stacklevel=5)

    def _network_source(self, meta, params, routed, seed, probe):
        """This fit's network: its recipe, its source for training, its heads as
        the network outputs them and as the engine trains them, and the network
        the user's builder made (None for the built-in one)."""
        if self.model is None:
            arch = {
                "hidden_layer_sizes": params["hidden_layer_sizes"],
                "activation": self.activation,
                "dropout": self.dropout,
                "l2": _network.l2_per_batch(self.alpha, self.batch_size),
                "recurrent_layer_sizes": params["recurrent_layer_sizes"],
                "recurrent_cell": self.recurrent_cell,
            }
            recipe = _network.NetworkRecipe.default(meta, arch)
            # Trained with padded softmax heads (folds share programs), fitted without.
            padding = _network.LabelPadding(meta["heads_"])
            trained = _network.NetworkRecipe.default(
                {**meta, "heads_": padding.train_heads}, arch)
            source = _engine.NetworkSource(
                trained.key, trained.build,
                lambda template: _network.initial_weights(template, seed, padding),
                narrow=padding.narrow,
            )
            return recipe, source, padding.heads, padding.train_heads, None
        heads = meta["heads_"]
        recipe = _network.NetworkRecipe(
            meta,
            builder=self.model,
            builder_kwargs=_routing.routed(routed, "model"),
            compile_kwargs={
                "optimizer": (self.optimizer, self.learning_rate,
                              _routing.routed(routed, "optimizer")),
                "loss": {h.name: h.loss if not h.is_label else meta_target_type(h)
                         for h in heads},
                "loss_weights": dict(zip(
                    [h.name for h in heads],
                    [float(w) for w in meta["loss_weights_"]])),
            },
        )
        network = recipe.build()
        heads = _network.check_network(network, meta, probe)
        recipe.key = _network.architecture_key(network)
        initial = (
            network.get_weights(),
            [_engine.to_numpy(v) for v in _engine.seed_variables(network)],
        )
        # The builder's network becomes model_: a cached template is a clone.
        source = _engine.NetworkSource(
            recipe.key,
            lambda: network if recipe.key is None else _network.clone(network),
            lambda template: initial,
        )
        return recipe, source, heads, heads, network

    @property
    def model_(self):
        """keras.Model: the trained network, built from the fitted weights on first use.

        Predictions come from the fitted weights, not from this object: changing
        its weights does not change ``predict``.
        """
        fitted = vars(self).get("_network")
        if fitted is None:
            raise AttributeError(
                "This RegressorClassifier instance is not fitted yet; model_ exists "
                "after fit."
            )
        return fitted.model()

    # -- predict ------------------------------------------------------------------

    def _raw(self, X):
        check_is_fitted(self)
        X = check_X_predict(X, self)
        return self._network.predict_raw(X)

    def predict(self, X):
        """Predict the amounts and the labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
(n_samples, n_timesteps, n_features)

        Returns
        -------
        Prediction
            ``(amount, label)``: ``amount`` float64 of shape (n_samples,) for one
            amount column, else (n_samples, n_amounts); ``label`` of the dtype
            of the label column and shape (n_samples,) for one label column,
            else (n_samples, n_labels). ``np.asarray`` gives ``y``'s layout.
        """
        outputs = self._raw(X)
        return self._target_encoder.decode(outputs)

    def predict_proba(self, X):
        """Probability of each class, columns in ``classes_`` order.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
(n_samples, n_timesteps, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes), or list of them
            One array for one label column; a list with one array per label
            column (in ``label_columns_`` order) otherwise, as scikit-learn's
            multi-output classifiers return.
        """
        refuse_sklearn_scorer("predict_proba")  # e.g. scoring="roc_auc": say what works
        outputs = self._raw(X)
        probas = self._target_encoder.probabilities(outputs)
        return probas[0] if len(probas) == 1 else probas

    def score(self, X, y, sample_weight=None):
        """Mean of R² on each amount column and accuracy on each label column.

        Labels never seen at fit count as misses.

        Parameters
        ----------
        X : array-like
        y : array-like of shape (n_samples, n_columns)
            The columns of ``y`` at fit.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        float
        """
        check_is_fitted(self)
        amounts, labels = self._target_encoder.read(y)
        pred = self.predict(X)
        check_consistent_length(pred.amount, amounts[0] if amounts else labels[0])
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, pred.amount, dtype=np.float64, ensure_non_negative=True
            )
        n = len(pred.amount)
        scores = [
            r2_score(a, p, sample_weight=sample_weight)
            for a, p in zip(amounts, _columns_of(pred.amount, n))
        ] + [
            label_accuracy(t, p, sample_weight)
            for t, p in zip(labels, _columns_of(pred.label, n))
        ]
        return float(np.mean(scores))


def _columns_of(values, n):
    values = np.asarray(values)
    if values.ndim == 1:
        return [values]
    return [values[:, j] for j in range(values.shape[1])]


def meta_target_type(head):
    """scikit-learn's name of a label head's target type."""
    return "binary" if head.units == 1 or head.loss == "binary_crossentropy" else "multiclass"


def _meta(x_info, encoder):
    """What a ``model=`` builder is told about the data (``meta``)."""
    heads = encoder.heads_
    labels = [h for h in heads if h.is_label]
    single = len(labels) == 1
    classes = encoder.classes_
    meta = {
        "n_features_in_": x_info["n_features_in_"],
        "feature_names_in_": x_info["feature_names_in_"],
        "X_shape_": x_info["X_shape_"],
        "X_dtype_": np.dtype(np.float32),
        "heads_": heads,
        "output_names_": [h.name for h in heads],
        "amount_columns_": encoder.amount_columns_,
        "label_columns_": encoder.label_columns_,
        "n_classes_": len(classes[0]) if single else [len(c) for c in classes],
        "classes_": classes[0] if single else list(classes),
        "target_type_": (meta_target_type(labels[0]) if single
                         else [meta_target_type(h) for h in labels]),
        "label_units_": labels[0].units if single else [h.units for h in labels],
        "n_outputs_expected_": len(heads),
        "loss_weights_": encoder.head_loss_weights_,
    }
    return meta


class _FittedNetwork:
    """A fitted network: its recipe and weights, and a forward pass on demand.

    The forward pass is the engine's compiled one, shared by every fitted
    network of the same architecture; each call passes this network's own
    weights, so no fit can change another's predictions. The Keras model
    (``model_``) is built only when asked for. Neither is pickled.
    """

    def __init__(self, recipe, weights, heads, built=None):
        self.recipe = recipe
        self.weights = weights
        self.heads = tuple(heads)
        self._reset()
        self._built = built  # the builder's network at fit: model_ without a rebuild

    def _reset(self):
        self._forward = self._device_weights = self._model = self._built = None
        self._lock = threading.Lock()

    def __getstate__(self):
        return {k: self.__dict__[k] for k in ("recipe", "weights", "heads")}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._reset()

    def _build(self):
        if self._built is not None:
            return self._built
        with seed_scope(0):  # its initial weights are overwritten: no randomness used
            return self.recipe.build()

    def model(self):
        with self._lock:
            if self._model is None:
                model = self._build()
                model.set_weights(self.weights)
                self._model = model
            return self._model

    def predict_raw(self, X):
        """Each head's raw output on ``X``: ``{name: (n, units) float64}``."""
        if X.shape[0] == 0:
            return {h.name: np.zeros((0, h.units)) for h in self.heads}
        with self._lock:
            if self._forward is None:
                self._forward = _engine.forward(self.recipe.key, self._build)
                self._device_weights = self._forward.device_weights(self.weights)
            forward, device_weights = self._forward, self._device_weights
        return forward(device_weights, X)
