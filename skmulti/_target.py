"""Translate between the user's two-column ``y`` and the two Keras heads.

This module knows nothing about Keras: it splits ``y`` into an amount column
and a label column, recovers the natural dtype of each, encodes labels as
integer codes and decodes them back, and scales the amount for training.
"""

import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.multiclass import type_of_target

#: 2**63 as a float: whole-number float labels below it in absolute value are
#: read as int64; larger ones stay float64.
_INT64_LIMIT = 2.0**63

_Y_LAYOUT = "column 0 the amount (a number), column 1 the label (a class)"


def _is_missing(value):
    if value is None:
        return True
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return True
    except ImportError:  # pragma: no cover - pandas is optional
        pass
    # Ints are always finite (and Python ints may be too large for np.isfinite).
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, numbers.Integral)
        and not math.isfinite(value)
    )


def _columns(y):
    """Return the two columns of ``y`` as 1-D arrays, keeping each one's dtype."""
    if y is None:
        raise ValueError(
            "RegressorClassifier requires y to be passed, but the target y is None. "
            f"Pass y of shape (n_samples, 2): {_Y_LAYOUT}."
        )
    if hasattr(y, "iloc") and hasattr(y, "columns"):  # pandas DataFrame
        if y.shape[1] != 2:
            raise ValueError(
                f"y must have 2 columns ({_Y_LAYOUT}); got a DataFrame with "
                f"{y.shape[1]} column(s): {list(y.columns)}."
            )
        return y.iloc[:, 0].to_numpy(), y.iloc[:, 1].to_numpy()
    if hasattr(y, "iloc"):  # pandas Series: one column only
        raise ValueError(
            f"y must have 2 columns ({_Y_LAYOUT}); got a pandas Series of shape "
            f"{y.shape}. Pass a DataFrame with both columns, e.g. "
            "pd.concat([amount, label], axis=1)."
        )
    if hasattr(y, "toarray") or hasattr(y, "tocsr"):
        raise TypeError(
            "RegressorClassifier does not support a sparse y; got "
            f"{type(y).__name__}. Convert it with y.toarray()."
        )
    if isinstance(y, np.ndarray) and y.dtype.kind != "O":
        arr = y
    else:
        # A list of pairs or an object array: keep every cell as it was.
        try:
            arr = np.asarray(y, dtype=object)
        except ValueError as exc:
            raise ValueError(
                f"y must be a 2-column array-like ({_Y_LAYOUT}); could not read it "
                f"as a table: {exc}"
            ) from None
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(
            f"y must have shape (n_samples, 2) ({_Y_LAYOUT}); got shape {arr.shape}. "
            "Stack the two targets, e.g. np.column_stack([amount, label]) or a "
            "2-column DataFrame."
        )
    return arr[:, 0], arr[:, 1]


def _missing_kind(value):
    """How a missing or infinite amount cell reads in a message, or None."""
    if value is None:
        return "None"
    try:
        import pandas as pd

        if value is pd.NA:
            return "pd.NA"
        if value is pd.NaT:
            return "NaT"
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "infinity"
    return None


def _rows(indices, limit=10):
    rows = [int(i) for i in indices]
    return f"{rows[:limit]}{' ...' if len(rows) > limit else ''}"


def _refuse_missing_amounts(kinds):
    """Raise the error for missing or infinite amounts; ``kinds`` maps row -> kind."""
    by_kind = {}
    for row, kind in kinds.items():
        by_kind.setdefault(kind, []).append(row)
    order = ["NaN", "None", "pd.NA", "NaT", "infinity"]
    parts = [
        f"{kind} at row(s) {_rows(by_kind[kind])}" for kind in order if kind in by_kind
    ]
    # Start in scikit-learn's words ("Input y contains NaN/infinity"), which
    # users and older tests search for, then name the column and the rows.
    sk_words = " or ".join(
        w for w, ks in (("NaN", {"NaN", "None", "pd.NA", "NaT"}), ("infinity", {"infinity"}))
        if ks & set(by_kind)
    )
    raise ValueError(
        f"Input y contains {sk_words}: the amount column of y (column 0) contains "
        f"{'; '.join(parts)}. Every row needs a finite amount: drop those rows or "
        "impute their amounts before fitting."
    )


def _amount_column(col):
    """Return the amount column as float64; refuse text, complex, missing and inf."""
    kinds = {}
    if col.dtype.kind == "O":
        values = col.tolist()
        kinds = {i: k for i, v in enumerate(values) if (k := _missing_kind(v))}
        if kinds:
            # Missing cells first: a None or pd.NA is no more "text" than a NaN.
            col = np.asarray(
                [np.nan if i in kinds else v for i, v in enumerate(values)], dtype=object
            )
    if col.dtype.kind in "OUS":
        try:
            col = col.astype(np.float64)
        except (TypeError, ValueError):
            bad = next(v for v in col.tolist() if not _is_float(v) and v == v)
            raise ValueError(
                "The amount column of y (column 0) must be numeric; got "
                f"{bad!r}. If your label is in column 0, swap the columns: "
                f"y must be ({_Y_LAYOUT})."
            ) from None
    elif col.dtype.kind == "c":
        raise ValueError("Complex data not supported in the amount column of y.")
    elif col.dtype.kind not in "biuf":
        raise ValueError(
            f"The amount column of y (column 0) must be numeric; got dtype {col.dtype}."
        )
    col = np.asarray(col, dtype=np.float64)
    bad = ~np.isfinite(col)
    if bad.any():
        found = {
            int(i): "NaN" if np.isnan(col[i]) else "infinity" for i in np.flatnonzero(bad)
        }
        found.update(kinds)
        _refuse_missing_amounts(dict(sorted(found.items())))
    return col


def _is_float(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _label_column(col):
    """Return the label column in its natural dtype (str, int, bool or float)."""
    if col.dtype.kind == "O" or str(col.dtype) == "category":
        values = col.tolist()
        missing = [i for i, v in enumerate(values) if _is_missing(v)]
        if missing:
            raise ValueError(
                "The label column of y (column 1) contains missing values (None or "
                f"NaN) at row(s) {missing[:5]}{'...' if len(missing) > 5 else ''}. "
                "Drop those rows or fill them with a class of their own."
            )
        kinds = {"str" if isinstance(v, str) else type(v).__name__ for v in values}
        if "str" in kinds and len(kinds) > 1:
            raise ValueError(
                "Mix of label input types (string and number) in the label column of "
                f"y: {sorted(kinds)}. Convert every label to one type, e.g. "
                "y[:, 1].astype(str)."
            )
        if any(isinstance(v, (list, tuple, dict, set, np.ndarray)) for v in values):
            raise ValueError(
                "The label column of y (column 1) must hold one hashable label per "
                "row; got a sequence in a cell."
            )
        col = np.asarray(values)
    if col.dtype.kind == "f":
        if not np.isfinite(col).all():
            raise ValueError(
                "The label column of y (column 1) contains NaN or infinity. Drop "
                "those rows or fill them with a class of their own."
            )
        if (
            col.size
            and np.all(col == np.round(col))
            and np.all(np.abs(col) < _INT64_LIMIT)
        ):
            # np.column_stack([float_amount, int_label]) turned the ints into floats.
            # Whole numbers beyond int64's range (e.g. 1e19) stay floats: a cast
            # would overflow them all to the same garbage value.
            col = col.astype(np.int64)
    elif col.dtype.kind == "S":
        col = col.astype(str)
    elif col.dtype.kind == "c":
        raise ValueError("Complex data not supported in the label column of y.")
    return col


def split_target(y):
    """Split ``y`` into ``(amount, label)``, each 1-D in its natural dtype.

    Parameters
    ----------
    y : array-like of shape (n_samples, 2)
        Column 0 the amount, column 1 the label: a NumPy array (numeric, string
        or object), a 2-column pandas DataFrame, or a list of pairs.

    Returns
    -------
    amount : ndarray of shape (n_samples,), dtype float64
    label : ndarray of shape (n_samples,)
        Strings stay strings, ints stay ints, bools stay bools; a float column
        of whole numbers (what ``np.column_stack`` makes of int labels) comes
        back as int64 when every value is within int64's range (below 2**63 in
        absolute value), else it stays float64.

    Examples
    --------
    >>> import numpy as np
    >>> from skmulti._target import split_target
    >>> amount, label = split_target(np.column_stack([[1.5, 2.0], ["no", "yes"]]))
    >>> amount.dtype, label.tolist()
    (dtype('float64'), ['no', 'yes'])
    """
    amount_col, label_col = _columns(y)
    return _amount_column(amount_col), _label_column(label_col)


class LabelEncoder:
    """Encode labels as integer codes into ``classes_`` and back.

    Unlike :class:`sklearn.preprocessing.LabelEncoder` it keeps the dtype of
    the labels it was fitted on and refuses fewer than two classes.
    """

    def fit(self, label):
        if label.dtype.kind == "f" and np.all(label == np.round(label)):
            # Whole numbers beyond int64 (1e19) that _label_column kept as floats:
            # type_of_target would cast them to int, overflow and say "continuous".
            target_type = "multiclass"
        else:
            target_type = type_of_target(label, input_name="y")
        if target_type == "unknown" and label.dtype.kind == "O":
            raise ValueError(
                "Unknown label type: 'unknown'. The label column of y (column 1) holds "
                "values that cannot be read as classes (for example Python ints "
                "beyond int64's range, or objects of mixed kinds). Use strings, ints "
                "within int64's range, bools or floats: e.g. y[:, 1].astype(str)."
            )
        if target_type not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: {target_type!r}. The label column of y (column "
                "1) must hold classes; it looks continuous. If your amount is in "
                f"column 1, swap the columns: y must be ({_Y_LAYOUT})."
            )
        classes = np.unique(label)
        if len(classes) < 2:
            raise ValueError(
                f"The label column of y has only one class ({classes.tolist()[0]!r}); "
                "RegressorClassifier needs at least 2 classes to train its label "
                "head. Check the rows you pass, or fit a regressor alone."
                if len(classes)
                else "The label column of y has no class at all (y has no row)."
            )
        self.classes_ = classes
        return self

    def transform(self, label):
        codes = np.searchsorted(self.classes_, label)
        codes = np.clip(codes, 0, len(self.classes_) - 1)
        unknown = self.classes_[codes] != label
        if np.any(unknown):
            raise ValueError(
                "y contains labels not seen in fit: "
                f"{np.unique(label[unknown])[:5].tolist()}; "
                f"the classes are {self.classes_.tolist()}."
            )
        return codes.astype(np.int32)

    def inverse_transform(self, codes):
        return self.classes_[np.asarray(codes, dtype=np.intp)]


def check_zero_amount_label(value, classes):
    """Validate the ``zero_amount_label`` parameter against the fitted classes.

    Parameters
    ----------
    value : object
        The parameter's value: None (no hurdle) or one label.
    classes : ndarray of shape (n_classes,)
        The classes of the label column (``LabelEncoder.classes_``).

    Returns
    -------
    value : object or None
        The label as a plain Python value (``classes.tolist()`` element), or None.

    Raises
    ------
    ValueError
        When ``value`` is not one hashable scalar (a list, an array, a dict ...)
        or is not one of ``classes``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmulti._target import check_zero_amount_label
    >>> check_zero_amount_label(np.int64(0), np.array([0, 1]))
    0
    """
    if value is None:
        return None
    known = classes.tolist()
    is_scalar = np.ndim(value) == 0 and not isinstance(value, (dict, set, frozenset))
    try:
        hash(value)
    except TypeError:
        is_scalar = False
    if not is_scalar:
        raise ValueError(
            "The 'zero_amount_label' parameter of RegressorClassifier must be one "
            f"label (a class of y[:, 1]) or None; got {value!r} of type "
            f"{type(value).__name__}. Pass the label itself, e.g. "
            f"zero_amount_label={known[0]!r}, not a list or an array."
        )
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if _is_missing(value) or value not in set(known):
        raise ValueError(
            f"zero_amount_label={value!r} is not a class of y; the classes are "
            f"{known}. Pass one of them (of the same type: 0 and '0' differ), or "
            "None for no hurdle."
        )
    return value


def label_accuracy(y_true, y_pred, sample_weight=None):
    """Accuracy of predicted labels; a label never seen at fit counts as a miss.

    Unlike :func:`sklearn.metrics.accuracy_score` it never refuses labels of
    mixed types ("Mix of label input types"): each row is a hit when its true
    and predicted labels are equal as Python values, else a miss, whatever
    their types (``"1"`` and ``1`` differ, ``1.0`` and ``1`` are equal, NaN
    never matches).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        The true labels (``y[:, 1]`` as :func:`split_target` returns it).
    y_pred : array-like of shape (n_samples,)
        The predicted labels (``predict(X).label``).
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    float
        The (weighted) share of hits, in [0, 1].

    Examples
    --------
    >>> from skmulti._target import label_accuracy
    >>> label_accuracy(["a", "b", "unseen", 1], ["a", "a", "b", "a"])
    0.25
    """
    y_true = np.asarray(y_true, dtype=object).reshape(-1)
    y_pred = np.asarray(y_pred, dtype=object).reshape(-1)
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true has {len(y_true)} label(s) but y_pred has {len(y_pred)}; "
            "they must have one label per row each."
        )
    hits = np.fromiter(
        (_same_label(a, b) for a, b in zip(y_true.tolist(), y_pred.tolist())),
        dtype=bool,
        count=len(y_true),
    )
    if sample_weight is None:
        return float(hits.mean()) if len(hits) else 0.0
    sample_weight = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    if len(sample_weight) != len(hits):
        raise ValueError(
            f"sample_weight has {len(sample_weight)} value(s) for {len(hits)} row(s)."
        )
    return float(np.average(hits, weights=sample_weight))


def _same_label(a, b):
    if isinstance(a, str) != isinstance(b, str):
        return False
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def check_label_weights(label_weights, class_weight):
    """Refuse a ``class_weight`` that gives every row a label weight of 0.

    ``sample_weight`` is refused when it is zero for every row; a
    ``class_weight`` that zeroes every class present (``{0: 0, 1: 0}``) would
    leave the label head with no row to learn from just the same.

    Parameters
    ----------
    label_weights : ndarray of shape (n_samples,)
        Per-row weights of the label loss (``sample_weight`` times the class
        weight of each row's label).
    class_weight : None, "balanced" or dict
        The parameter, quoted in the message.

    Raises
    ------
    ValueError
        When no row has a positive label weight.
    """
    label_weights = np.asarray(label_weights, dtype=np.float64)
    if label_weights.size and not np.any(label_weights > 0):
        raise ValueError(
            f"class_weight={class_weight!r} gives a weight of 0 to every row that "
            "has a positive sample_weight, so the label head would learn nothing. "
            "Give at least one class present in y a positive weight (or pass "
            "class_weight=None)."
        )


#: The largest ratio between the largest and the smallest positive training
#: weight: beyond it, float32 (whose range is about 1.2e-38 to 3.4e38) cannot
#: hold both once the weights meet the losses.
MAX_WEIGHT_RATIO = 1e30
#: Weights within [FLOAT32_SAFE, 1 / FLOAT32_SAFE] are used as given; others
#: (1e-300 everywhere, 1e39) are rescaled to mean 1 first.
FLOAT32_SAFE = 1e-30


def training_weights(weights, *, name):
    """Per-row training weights, rescaled to mean 1 when float32 cannot hold them.

    The training loss of each head is a weighted *mean*, so multiplying all of
    a head's weights by one constant changes nothing; rescaling them in
    float64 before they are cast to float32 keeps tiny weights (1e-300 on every
    row, which float32 would flush to 0) and huge ones (1e39, infinite in
    float32) trainable.

    Parameters
    ----------
    weights : array-like of shape (n_samples,)
        Non-negative weights, at least one positive (as already checked for
        ``sample_weight``).
    name : str
        The parameter the weights come from, for the message: ``"sample_weight"``,
        ``"class_weight"`` (label weights: sample_weight times class_weight) or
        ``"label_weight"``.

    Returns
    -------
    ndarray of shape (n_samples,), dtype float64
        The weights as given when they lie within [1e-30, 1e30]; else divided
        by the mean of their positive entries; zeros stay
        zero. Safe to cast to float32.

    Raises
    ------
    ValueError
        When a weight is NaN or infinite, or when the largest positive weight
        is more than ``MAX_WEIGHT_RATIO`` (1e30) times the smallest one.

    Examples
    --------
    >>> import numpy as np
    >>> from skmulti._target import training_weights
    >>> training_weights(np.array([1e-300, 3e-300, 0.0]), name="sample_weight").tolist()
    [0.5, 1.5, 0.0]
    """
    weights = np.asarray(weights, dtype=np.float64)
    if not np.all(np.isfinite(weights)):
        bad = np.flatnonzero(~np.isfinite(weights))
        raise ValueError(
            f"{name} gives rows {_rows(bad)} a weight that is NaN or infinite "
            f"({weights[bad[0]]!r}); every weight must be a finite number >= 0."
        )
    positive = weights[weights > 0]
    if positive.size == 0:
        return weights.copy()
    low, high = float(positive.min()), float(positive.max())
    if high / low > MAX_WEIGHT_RATIO:  # float64: finite for any finite low > 0
        raise ValueError(
            f"{name} spans too many orders of magnitude to train on: its positive "
            f"weights range from {low:.3g} to {high:.3g} (a ratio of "
            f"{high / low:.3g}, more than {MAX_WEIGHT_RATIO:.0e}), which float32 "
            "training cannot represent (its range is about 1e-38 to 3e38). "
            f"Bring the {name} values closer together, e.g. clip them or use "
            "their logarithm."
        )
    if low >= FLOAT32_SAFE and high <= 1 / FLOAT32_SAFE:
        return weights  # float32 holds them: train on them as given
    return weights / positive.mean()


def check_loss_weight(value, *, name="label_weight"):
    """Refuse a head's loss weight that float32 training cannot represent.

    The amount loss weighs 1; a ``label_weight`` above ``MAX_WEIGHT_RATIO``
    (1e30; 1e39 is infinite in float32) or positive but below its inverse
    would make the training loss infinite or flush a head out of it.

    Parameters
    ----------
    value : float
        The loss weight (>= 0, as already validated).
    name : str, default="label_weight"

    Returns
    -------
    float

    Raises
    ------
    ValueError
        When ``value`` is NaN, infinite, above 1e30, or in (0, 1e-30).
    """
    value = float(value)
    if not np.isfinite(value) or value > MAX_WEIGHT_RATIO or 0 < value < 1 / MAX_WEIGHT_RATIO:
        raise ValueError(
            f"The '{name}' parameter of RegressorClassifier must be 0 or between "
            f"{1 / MAX_WEIGHT_RATIO:.0e} and {MAX_WEIGHT_RATIO:.0e} (the amount loss "
            f"weighs 1, and training runs in float32, whose largest number is about "
            f"3.4e38); got {value!r}."
        )
    return value


def _accepts_sample_weight(transformer):
    import inspect

    try:
        return "sample_weight" in inspect.signature(transformer.fit).parameters
    except (TypeError, ValueError):
        return False


class Log1pTransformer(TransformerMixin, BaseEstimator):
    """``log1p`` on the way in, ``expm1`` clipped at 0 on the way out.

    What ``amount_transformer="log1p"`` stands for: positive, right-skewed
    amounts (spending, claims) train on ``log(1 + amount)``, and predictions
    come back as ``max(expm1(z), 0)``, so they are never negative. Amounts below
    0 are refused at fit (the log would be NaN below -1, and a model of
    non-negative amounts cannot predict them).

    Examples
    --------
    >>> import numpy as np
    >>> from skmulti._target import Log1pTransformer
    >>> t = Log1pTransformer().fit([[0.0], [9.0]])
    >>> np.round(t.transform([[0.0], [9.0]]).ravel(), 4).tolist()
    [0.0, 2.3026]
    >>> t.inverse_transform([[np.log(10.0)], [-0.5]]).ravel().round(6).tolist()
    [9.0, 0.0]
    """

    def fit(self, X, y=None):
        X = np.asarray(X, dtype=np.float64)
        if X.size and np.nanmin(X) < 0:
            raise ValueError(
                "amount_transformer='log1p' needs amounts >= 0; the amount column of "
                f"y has a minimum of {np.nanmin(X):.4g} ({int(np.sum(X < 0))} "
                "negative amount(s)). Use amount_transformer='standard' for amounts "
                "that can be negative, or shift them to start at 0."
            )
        self.n_features_in_ = X.shape[1] if X.ndim == 2 else 1
        return self

    def transform(self, X):
        return np.log1p(np.asarray(X, dtype=np.float64))

    def inverse_transform(self, X):
        return np.maximum(np.expm1(np.asarray(X, dtype=np.float64)), 0.0)


def resolve_amount_transformer(spec):
    """Return an unfitted transformer for the ``amount_transformer`` parameter.

    Examples
    --------
    >>> from skmulti._target import resolve_amount_transformer
    >>> [type(resolve_amount_transformer(s)).__name__ for s in (None, "standard", "log1p")]
    ['FunctionTransformer', 'StandardScaler', 'Log1pTransformer']
    """
    if spec is None:
        return FunctionTransformer(validate=False)
    if isinstance(spec, str):  # validated by the estimator
        return {"standard": StandardScaler, "log1p": Log1pTransformer}[spec]()
    return clone(spec)


class AmountEncoder:
    """Map raw amounts to the scale the amount head trains on, and back.

    The user's ``amount_transformer`` shapes the distribution (for example
    ``log1p`` for heavy tails); whatever it returns is then centred and scaled
    here so that the amount loss starts on the scale of the label loss and
    cannot swamp it through the shared trunk. For the log-link losses
    ("poisson", "gamma", "tweedie"), which need amounts >= 0 (> 0 for gamma),
    it is only divided by the mean.

    Parameters
    ----------
    transformer : transformer
        An unfitted scikit-learn transformer with ``inverse_transform``.
    center : bool
        Subtract the mean (False for the log-link losses).
    loss : str or None, default=None
        With ``center=False``, the amount loss, named in the messages.
    allow_zero : bool, default=True
        With ``center=False``, whether amounts of exactly 0 are allowed (False
        for "gamma").

    Examples
    --------
    >>> import numpy as np
    >>> from skmulti._target import AmountEncoder, Log1pTransformer
    >>> from skmulti._target import resolve_amount_transformer
    >>> amount = np.array([0.0, 3.0, 99.0])
    >>> enc = AmountEncoder(Log1pTransformer(), center=False, loss="poisson").fit(amount)
    >>> np.allclose(enc.inverse_transform(enc.transform(amount)), amount)
    True
    >>> AmountEncoder(resolve_amount_transformer(None), center=False, loss="gamma",
    ...               allow_zero=False).fit(amount)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: amount_loss='gamma' needs positive amounts (> 0); the amount column of y has 1 amount(s) of 0...
    """

    def __init__(self, transformer, *, center=True, loss=None, allow_zero=True):
        self.transformer = transformer
        self.center = center
        self.loss = loss
        self.allow_zero = allow_zero

    def _check_domain(self, values, *, transformed):
        """Refuse amounts the log-link loss cannot model (center=False)."""
        where = " after amount_transformer" if transformed else ""
        what = f"amount_loss={self.loss!r}"
        if np.any(values < 0):
            fix = (
                "Use a transformer that keeps them >= 0 (e.g. 'log1p'), or None."
                if transformed
                else "Use amount_loss='squared_error' for amounts that can be "
                "negative, or shift them to start at 0."
            )
            raise ValueError(
                f"{what} needs non-negative amounts{where}; the amount column of y "
                f"has a minimum of {values.min():.4g} ({int(np.sum(values < 0))} "
                f"negative amount(s)). {fix}"
            )
        if not self.allow_zero and np.any(values == 0):
            raise ValueError(
                f"{what} needs positive amounts (> 0){where}; the amount column of y "
                f"has {int(np.sum(values == 0))} amount(s) of 0. The gamma "
                "distribution has no exact zeros: use the hurdle model "
                "(zero_amount_label=<the label of the zero rows>, whose amounts are "
                "then ignored), or amount_loss='tweedie', which allows zeros."
            )

    def fit(self, amount, sample_weight=None):
        amount = np.asarray(amount, dtype=np.float64)
        if not self.center:
            self._check_domain(amount, transformed=False)
        column = amount.reshape(-1, 1)
        if sample_weight is not None and _accepts_sample_weight(self.transformer):
            self.transformer.fit(column, sample_weight=sample_weight)
        else:
            self.transformer.fit(column)
        z = self._forward(self.transformer, amount)
        if self.center:
            self.center_ = float(np.average(z, weights=sample_weight))
            scale = float(np.sqrt(np.average((z - self.center_) ** 2, weights=sample_weight)))
        else:
            self._check_domain(z, transformed=True)
            self.center_ = 0.0
            scale = float(np.average(z, weights=sample_weight))
        self.scale_ = scale if np.isfinite(scale) and scale > 1e-12 else 1.0
        self.transformer_ = self.transformer
        return self

    @staticmethod
    def _forward(transformer, amount):
        z = np.asarray(transformer.transform(amount.reshape(-1, 1)), dtype=np.float64)
        z = z.reshape(-1)
        if not np.all(np.isfinite(z)):
            raise ValueError(
                "amount_transformer produced NaN or infinite values from the amount "
                "column of y (e.g. log of a negative amount). Check the transformer "
                "against the range of your amounts."
            )
        return z

    def transform(self, amount):
        return (self._forward(self.transformer_, amount) - self.center_) / self.scale_

    def inverse_transform(self, z):
        z = np.asarray(z, dtype=np.float64).reshape(-1, 1) * self.scale_ + self.center_
        out = self.transformer_.inverse_transform(z)
        return np.asarray(out, dtype=np.float64).reshape(-1)
