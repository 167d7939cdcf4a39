"""Translate between the user's two-column ``y`` and the two Keras heads.

This module knows nothing about Keras: it splits ``y`` into an amount column
and a label column, recovers the natural dtype of each, encodes labels as
integer codes and decodes them back, and scales the amount for training.
"""

import math
import numbers
from typing import NamedTuple

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.class_weight import compute_class_weight
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


def _table(y, *, default_layout=True):
    """Return the columns of ``y`` as 1-D arrays (each in its own dtype) and their ids.

    The ids are the DataFrame's column names, or the positions 0, 1, ... With
    ``default_layout`` (``amount_columns=None``), ``y`` needs at least 2 columns.
    """
    if y is None:
        raise ValueError(
            "RegressorClassifier requires y to be passed, but the target y is None. "
            f"Pass y of shape (n_samples, 2): {_Y_LAYOUT}."
        )
    need = "at least 2 columns" if default_layout else "at least 1 column"
    if hasattr(y, "iloc") and hasattr(y, "columns"):  # pandas DataFrame
        if y.shape[1] < (2 if default_layout else 1):
            raise ValueError(
                f"y must have {need} ({_Y_LAYOUT}, or set amount_columns); got a "
                f"DataFrame with {y.shape[1]} column(s): {list(y.columns)}."
            )
        names = list(y.columns)
        if len(set(names)) != len(names):
            dup = sorted({str(n) for n in names if names.count(n) > 1})
            raise ValueError(
                f"y has duplicate column names {dup}; every column of y needs its own "
                "name. Rename them, e.g. y.columns = [...]."
            )
        return [y.iloc[:, j].to_numpy() for j in range(y.shape[1])], names
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
    if arr.ndim != 2 or arr.shape[1] < (2 if default_layout else 1):
        raise ValueError(
            f"y must have shape (n_samples, 2) ({_Y_LAYOUT}), or (n_samples, k) with "
            f"amount_columns naming the amounts; got shape {arr.shape}. "
            "Stack the targets, e.g. np.column_stack([amount, label]) or a "
            "DataFrame."
        )
    return [arr[:, j] for j in range(arr.shape[1])], list(range(arr.shape[1]))


def _columns(y):
    """Return the two columns of a default-layout ``y`` (amount, label)."""
    columns, _ = _table(y)
    if len(columns) != 2:
        raise ValueError(
            f"y must have shape (n_samples, 2) ({_Y_LAYOUT}); got {len(columns)} "
            "columns."
        )
    return columns[0], columns[1]


def _where(kind, column):
    """``"amount column of y (column 2, 'spend')"``: how messages name a column.

    ``column`` is a position, or a ``(position, name)`` pair for a DataFrame.
    """
    position, name = column if isinstance(column, tuple) else (column, None)
    named = "" if name is None else f", {name!r}"
    return f"{kind} column of y (column {position}{named})"


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


def _refuse_missing_amounts(kinds, column=0):
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
        f"Input y contains {sk_words}: the amount column of y (column "
        f"{column[0] if isinstance(column, tuple) else column}) contains "
        f"{'; '.join(parts)}"
        f"{f' (the column named {column[1]!r})' if isinstance(column, tuple) else ''}. "
        "Every row needs a finite amount: drop those rows or "
        "impute their amounts before fitting."
    )


def _amount_column(col, column=0):
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
                f"The {_where('amount', column)} must be numeric; got "
                f"{bad!r}. If that column is a label, swap the columns or say which "
                f"columns are amounts with amount_columns (default layout: "
                f"{_Y_LAYOUT})."
            ) from None
    elif col.dtype.kind == "c":
        raise ValueError("Complex data not supported in the amount column of y.")
    elif col.dtype.kind not in "biuf":
        raise ValueError(
            f"The {_where('amount', column)} must be numeric; got dtype "
            f"{col.dtype}."
        )
    col = np.asarray(col, dtype=np.float64)
    bad = ~np.isfinite(col)
    if bad.any():
        found = {
            int(i): "NaN" if np.isnan(col[i]) else "infinity" for i in np.flatnonzero(bad)
        }
        found.update(kinds)
        _refuse_missing_amounts(dict(sorted(found.items())), column)
    return col


def _is_float(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _label_column(col, column=1):
    """Return the label column in its natural dtype (str, int, bool or float)."""
    if col.dtype.kind == "O" or str(col.dtype) == "category":
        values = col.tolist()
        missing = [i for i, v in enumerate(values) if _is_missing(v)]
        if missing:
            raise ValueError(
                f"The {_where('label', column)} contains missing values (None or "
                f"NaN) at row(s) {missing[:5]}{'...' if len(missing) > 5 else ''}. "
                "Drop those rows or fill them with a class of their own."
            )
        kinds = {"str" if isinstance(v, str) else type(v).__name__ for v in values}
        if "str" in kinds and len(kinds) > 1:
            raise ValueError(
                f"Mix of label input types (string and number) in the "
                f"{_where('label', column)}: {sorted(kinds)}. Convert every label to one type, e.g. "
                "y[:, 1].astype(str)."
            )
        if any(isinstance(v, (list, tuple, dict, set, np.ndarray)) for v in values):
            raise ValueError(
                f"The {_where('label', column)} must hold one hashable label per "
                "row; got a sequence in a cell."
            )
        col = np.asarray(values)
    if col.dtype.kind == "f":
        if not np.isfinite(col).all():
            raise ValueError(
                f"The {_where('label', column)} contains NaN or infinity. Drop "
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

    def __init__(self, column=1):
        self.column = column

    def fit(self, label):
        if label.dtype.kind == "f" and np.all(label == np.round(label)):
            # Whole numbers beyond int64 (1e19) that _label_column kept as floats:
            # type_of_target would cast them to int, overflow and say "continuous".
            target_type = "multiclass"
        else:
            target_type = type_of_target(label, input_name="y")
        if target_type == "unknown" and label.dtype.kind == "O":
            raise ValueError(
                f"Unknown label type: 'unknown'. The {_where('label', self.column)} holds "
                "values that cannot be read as classes (for example Python ints "
                "beyond int64's range, or objects of mixed kinds). Use strings, ints "
                "within int64's range, bools or floats: e.g. y[:, 1].astype(str)."
            )
        if target_type not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: {target_type!r}. The {_where('label', self.column)} "
                "must hold classes; it looks continuous. If it is an "
                "amount, swap the columns or list it in amount_columns (default "
                f"layout: {_Y_LAYOUT})."
            )
        classes = np.unique(label)
        if len(classes) < 2:
            raise ValueError(
                f"The {_where('label', self.column)} has only one class "
                f"({classes.tolist()[0]!r}); "
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
    if (not np.isfinite(value) or value < 0 or value > MAX_WEIGHT_RATIO
            or 0 < value < 1 / MAX_WEIGHT_RATIO):
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
        t = self.transformer_
        if type(t) is StandardScaler:
            # The same two float64 operations as StandardScaler.inverse_transform
            # (bit-identical), without its validation: 2 of the 2.3 ms of a 1-row predict.
            if t.scale_ is not None:
                z = z * t.scale_[0]
            if t.mean_ is not None:
                z = z + t.mean_[0]
            return z.reshape(-1)
        out = t.inverse_transform(z)
        return np.asarray(out, dtype=np.float64).reshape(-1)


# -- the whole target: every column of y, one head each ------------------------------


def _resolve_amount_columns(spec, ids, is_frame):
    """Positions in ``y`` of the amount columns named by ``amount_columns``."""
    if spec is None:
        return [0]
    if isinstance(spec, (str, bytes)) or np.ndim(spec) != 1:
        raise ValueError(
            "The 'amount_columns' parameter of RegressorClassifier must be None or a "
            f"list of columns of y (positions, or names for a DataFrame y); got "
            f"{spec!r}. For one amount column pass a list: amount_columns=[{spec!r}]."
        )
    positions = []
    for item in list(spec):
        if is_frame and item in ids and not isinstance(item, (bool, np.bool_)):
            position = ids.index(item)
        elif isinstance(item, numbers.Integral) and not isinstance(item, (bool, np.bool_)):
            position = int(item)
            if not -len(ids) <= position < len(ids):
                raise ValueError(
                    f"amount_columns={list(spec)!r}: position {position} is out of "
                    f"range for a y with {len(ids)} column(s) (positions 0 to "
                    f"{len(ids) - 1})."
                )
            position %= len(ids)
        else:
            known = f"its columns are {ids}" if is_frame else "y has no column names"
            raise ValueError(
                f"amount_columns={list(spec)!r}: {item!r} is not a column of y "
                f"({known}). Name columns of a DataFrame y, or give positions."
            )
        if position in positions:
            raise ValueError(
                f"amount_columns={list(spec)!r} names the column {ids[position]!r} "
                "twice; name each amount column once."
            )
        positions.append(position)
    return sorted(positions)


def _per_label(value, n_labels, name, *, accepts, example=None):
    """One value per label column: a list of them, or one value for every column."""
    if isinstance(value, (list, tuple)):
        if len(value) != n_labels:
            raise ValueError(
                f"{name} has {len(value)} entries but y has {n_labels} label "
                f"column(s); give one entry ({accepts}) per label column, in y's "
                f"order, e.g. {name}={[example] * n_labels!r}."
            )
        return list(value)
    return [value] * n_labels


class TargetEncoder:
    """Translate ``y`` (amount and label columns) into one target per head, and back.

    The one place that knows the layout of ``y``: which columns are amounts,
    how each label is encoded (integer codes into its sorted classes), how each
    amount is scaled for training (its own transformer and scale), which rows
    train which head (``sample_weight``, ``class_weight`` on its label only, the
    hurdle mask), and how the heads' outputs become a prediction again. It
    knows nothing about Keras; heads are :class:`skmulti._heads.Head` values.

    Parameters
    ----------
    amount_columns : None or list, default=None
        As for :class:`skmulti.RegressorClassifier`.
    amount_loss, amount_transformer, class_weight, label_weight, \
zero_amount_label : see :class:`skmulti.RegressorClassifier`.

    Examples
    --------
    >>> import numpy as np
    >>> from skmulti._target import TargetEncoder
    >>> y = np.array([[1.0, 0, 5], [2.0, 1, 6], [3.0, 1, 7], [4.0, 0, 5]])
    >>> enc = TargetEncoder(class_weight=[None, "balanced"])
    >>> encoded = enc.fit_encode(y, np.ones(4))
    >>> [h.name for h in enc.heads_], enc.amount_columns_, enc.label_columns_
    (['amount', 'label_1', 'label_2'], [0], [1, 2])
    >>> [c.tolist() for c in enc.classes_]
    [[0, 1], [5, 6, 7]]
    """

    def __init__(self, amount_columns=None, *, amount_loss="squared_error",
                 amount_transformer="standard", class_weight=None, label_weight=1.0,
                 zero_amount_label=None):
        self.amount_columns = amount_columns
        self.amount_loss = amount_loss
        self.amount_transformer = amount_transformer
        self.class_weight = class_weight
        self.label_weight = label_weight
        self.zero_amount_label = zero_amount_label

    # -- reading y -----------------------------------------------------------------

    def _layout(self, y):
        columns, ids = _table(y, default_layout=self.amount_columns is None)
        is_frame = hasattr(y, "columns")
        amount_pos = _resolve_amount_columns(self.amount_columns, ids, is_frame)
        label_pos = [j for j in range(len(ids)) if j not in amount_pos]
        return columns, ids, amount_pos, label_pos

    def read(self, y):
        """The amount columns (float64) and label columns of ``y``, fitted layout.

        Returns
        -------
        amounts : list of ndarray of shape (n_samples,)
        labels : list of ndarray of shape (n_samples,)
        """
        columns, ids = _table(y, default_layout=False)
        if len(ids) != len(self.columns_):
            raise ValueError(
                f"y has {len(ids)} column(s), but the estimator was fitted on a y of "
                f"{len(self.columns_)} ({self.columns_}); pass y with the same "
                "columns as at fit."
            )
        where = [(j, i) if isinstance(i, str) else j for j, i in enumerate(ids)]
        amounts = [_amount_column(columns[j], where[j]) for j in self.amount_positions_]
        labels = [_label_column(columns[j], where[j]) for j in self.label_positions_]
        return amounts, labels

    # -- fit -----------------------------------------------------------------------

    def fit_encode(self, y, sample_weight):
        """Fit on ``y`` and return its training targets (an :class:`EncodedTarget`).

        Everything about ``y`` and the target parameters is validated here,
        before anything is stored.
        """
        from ._heads import AMOUNT, LABEL, amount_head, head_name, label_head
        from ._network import POSITIVE_LOSSES, ZERO_FREE_LOSSES

        columns, ids, amount_pos, label_pos = self._layout(y)
        where = [(j, i) if hasattr(y, "columns") else j for j, i in enumerate(ids)]
        amounts = [_amount_column(columns[j], where[j]) for j in amount_pos]
        labels = [_label_column(columns[j], where[j]) for j in label_pos]
        n = len(columns[0])
        label_encoders = [LabelEncoder(where[j]).fit(lab) for j, lab in zip(label_pos, labels)]
        codes = [enc.transform(lab) for enc, lab in zip(label_encoders, labels)]
        class_weights = _per_label(self.class_weight, len(labels), "class_weight",
                                   accepts="None, 'balanced' or a dict")
        if isinstance(self.class_weight, dict) and len(labels) > 1:
            raise ValueError(
                f"class_weight is one dict but y has {len(labels)} label columns "
                f"{[ids[j] for j in label_pos]}; pass a list with one entry per label "
                "column (None, 'balanced' or a dict), e.g. "
                f"class_weight={[None] * len(labels)!r} with a dict in place of the "
                "column to weight."
            )
        label_weights = [
            training_weights(
                _class_row_weights(cw, enc, code, sample_weight, ids[j]), name="class_weight"
            )
            for cw, enc, code, j in zip(class_weights, label_encoders, codes, label_pos)
        ]
        loss_weights = [
            check_loss_weight(w, name="label_weight")
            for w in _per_label(self.label_weight, len(labels), "label_weight",
                                accepts="a number >= 0", example=1.0)
        ]
        zero_label = None
        trains_amount = np.ones(n, dtype=bool)
        if self.zero_amount_label is not None:
            if len(labels) != 1 or not amounts:
                raise ValueError(
                    f"zero_amount_label={self.zero_amount_label!r} needs exactly one "
                    f"label column and at least one amount column (the hurdle: that "
                    f"label gates every amount); y has {len(labels)} label column(s) "
                    f"and {len(amounts)} amount column(s). Pass zero_amount_label=None."
                )
            zero_label = check_zero_amount_label(
                self.zero_amount_label, label_encoders[0].classes_
            )
            trains_amount = labels[0] != zero_label
            if not trains_amount.any():
                raise ValueError(
                    f"Every row has zero_amount_label={zero_label!r}, so "
                    "no row is left to train the amount head."
                )
        log_link = self.amount_loss in POSITIVE_LOSSES
        spec = self.amount_transformer
        if log_link and isinstance(spec, str) and spec == "standard":
            # Standardizing would make amounts negative; the log-link losses need
            # the raw scale, and AmountEncoder already divides it by its mean.
            spec = None
        amount_encoders, amount_targets = [], []
        for amount in amounts:
            encoder = AmountEncoder(
                resolve_amount_transformer(spec), center=not log_link,
                loss=self.amount_loss, allow_zero=self.amount_loss not in ZERO_FREE_LOSSES,
            )
            encoder.fit(amount[trains_amount], sample_weight[trains_amount])
            z = np.zeros(n, dtype=np.float64)
            z[trains_amount] = encoder.transform(amount[trains_amount])
            amount_encoders.append(encoder)
            amount_targets.append(z)

        heads, targets, weights, head_loss_weights = [], [], [], []
        amount_weights = sample_weight * trains_amount
        for j, z in zip(amount_pos, amount_targets):
            name = head_name(AMOUNT, ids[j], len(amount_pos))
            heads.append(amount_head(name, ids[j], j, self.amount_loss, positive=log_link))
            targets.append(z.reshape(-1, 1))
            weights.append(amount_weights)
            head_loss_weights.append(1.0)
        for j, enc, code, w, lw in zip(label_pos, label_encoders, codes, label_weights,
                                      loss_weights):
            name = head_name(LABEL, ids[j], len(label_pos))
            heads.append(label_head(name, ids[j], j, len(enc.classes_)))
            targets.append(code)
            weights.append(w)
            head_loss_weights.append(lw)
        _check_unique_names(heads)

        self.columns_ = ids
        self.amount_positions_, self.label_positions_ = amount_pos, label_pos
        self.amount_columns_ = [ids[j] for j in amount_pos]
        self.label_columns_ = [ids[j] for j in label_pos]
        self.heads_ = tuple(heads)
        self.label_encoders_ = label_encoders
        self.amount_encoders_ = amount_encoders
        self.classes_ = [enc.classes_ for enc in label_encoders]
        self.zero_amount_label_ = zero_label
        self.head_loss_weights_ = np.asarray(head_loss_weights, dtype=np.float64)
        return EncodedTarget(
            targets=targets, weights=weights, codes=codes, trains_amount=trains_amount,
            strata=joint_strata(codes),
        )

    def set_outputs(self, heads):
        """Take the heads as a custom network outputs them (units, activation)."""
        self.heads_ = tuple(heads)

    # -- predict -------------------------------------------------------------------

    def probabilities(self, outputs):
        """Each label head's (n, n_classes) probabilities from the raw outputs."""
        from ._network import label_probabilities

        return [label_probabilities(outputs[h.name], h) for h in self.heads_ if h.is_label]

    def decode(self, outputs):
        """A :class:`~skmulti.Prediction` from the network's raw outputs (name -> array)."""
        from ._heads import AMOUNT
        from ._prediction import Prediction

        probas = self.probabilities(outputs)
        labels = [enc.classes_[p.argmax(axis=1)] for enc, p in zip(self.label_encoders_, probas)]
        amounts = [
            enc.inverse_transform(outputs[h.name])
            for enc, h in zip(self.amount_encoders_, (h for h in self.heads_ if h.kind == AMOUNT))
        ]
        if self.zero_amount_label_ is not None:
            zero = labels[0] == self.zero_amount_label_
            amounts = [np.where(zero, 0.0, a) for a in amounts]
        n = len(next(iter(outputs.values()))) if outputs else 0
        return Prediction.from_columns(
            amounts, labels, n, amount_positions=self.amount_positions_,
            label_positions=self.label_positions_,
        )


class EncodedTarget(NamedTuple):
    """The training targets of a fit, one entry per head in ``heads_`` order."""

    targets: list
    weights: list
    codes: list
    trains_amount: np.ndarray
    strata: object


def _check_unique_names(heads):
    names = [h.name for h in heads]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ValueError(
            f"The columns of y give heads of the same name {dup} (a column name keeps "
            "only letters, digits, '_', '.' and '-'). Rename the columns of y so "
            "that they differ in those characters."
        )


def _class_row_weights(class_weight, encoder, codes, sample_weight, column):
    """``sample_weight`` times each row's class weight in one label column."""
    classes = encoder.classes_
    if class_weight is None:
        weights = sample_weight
    elif isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(
                f"class_weight for label column {column!r} must be None, 'balanced' "
                f"or a dict; got {class_weight!r}."
            )
        weights = sample_weight * compute_class_weight(
            "balanced", classes=np.arange(len(classes)), y=codes
        )[codes]
    elif isinstance(class_weight, dict):
        unknown = [k for k in class_weight if k not in set(classes.tolist())]
        if unknown:
            raise ValueError(
                f"class_weight has key(s) {unknown} that are not classes of y; the "
                f"classes are {classes.tolist()} (label column {column!r} of y)."
            )
        per_class = np.ones(len(classes))
        for key, weight in class_weight.items():
            if (not isinstance(weight, numbers.Real) or isinstance(weight, bool)
                    or not np.isfinite(weight) or weight < 0):
                raise ValueError(
                    f"class_weight[{key!r}] must be a finite number >= 0; got "
                    f"{weight!r}."
                )
            per_class[encoder.transform(np.asarray([key]))[0]] = weight
        weights = sample_weight * per_class[codes]
    else:
        raise ValueError(
            f"class_weight for label column {column!r} must be None, 'balanced' or a "
            f"dict; got {type(class_weight).__name__} {class_weight!r}."
        )
    check_label_weights(weights, class_weight)
    return weights


def joint_strata(codes):
    """One stratum per combination of the label columns' classes (None: no label).

    Examples
    --------
    >>> import numpy as np
    >>> from skmulti._target import joint_strata
    >>> joint_strata([np.array([0, 1, 0, 1]), np.array([2, 2, 0, 2])]).tolist()
    [1, 2, 0, 2]
    """
    if not len(codes):
        return None
    if len(codes) == 1:
        return np.asarray(codes[0])
    return np.unique(np.column_stack(codes), axis=0, return_inverse=True)[1].reshape(-1)
