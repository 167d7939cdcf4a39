"""Translate between the user's two-column ``y`` and the two Keras heads.

This module knows nothing about Keras: it splits ``y`` into an amount column
and a label column, recovers the natural dtype of each, encodes labels as
integer codes and decodes them back, and scales the amount for training.
"""

import numbers

import numpy as np
from sklearn.base import clone
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils import check_array
from sklearn.utils.multiclass import type_of_target

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
    return isinstance(value, numbers.Real) and not np.isfinite(value)


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


def _amount_column(col):
    if col.dtype.kind in "OUS":
        try:
            col = col.astype(np.float64)
        except (TypeError, ValueError):
            bad = next(v for v in col.tolist() if not _is_float(v))
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
    # "Input y contains NaN/infinity" in scikit-learn's words.
    return check_array(
        col, ensure_2d=False, dtype=np.float64, input_name="y", ensure_min_samples=0
    )


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
        if col.size and np.all(col == np.round(col)):
            # np.column_stack([float_amount, int_label]) turned the ints into floats.
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
        Strings stay strings, ints stay ints; a float column of whole numbers
        (what ``np.column_stack`` makes of int labels) comes back as int64.

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
        target_type = type_of_target(label, input_name="y")
        if target_type not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: {target_type!r}. The label column of y (column "
                "1) must hold classes; it looks continuous. If your amount is in "
                f"column 1, swap the columns: y must be ({_Y_LAYOUT})."
            )
        classes = np.unique(label)
        if len(classes) < 2:
            raise ValueError(
                "The label column of y has only one class "
                f"({classes[0]!r} if any); RegressorClassifier needs at least 2 "
                "classes to train its label head. Check the rows you pass, or fit a "
                "regressor alone."
                if len(classes)
                else "The label column of y has no class at all."
            )
        self.classes_ = classes
        return self

    def transform(self, label):
        codes = np.searchsorted(self.classes_, label)
        codes = np.clip(codes, 0, len(self.classes_) - 1)
        unknown = self.classes_[codes] != label
        if np.any(unknown):
            raise ValueError(
                f"y contains labels not seen in fit: {np.unique(label[unknown])[:5]}; "
                f"the classes are {self.classes_.tolist()}."
            )
        return codes.astype(np.int32)

    def inverse_transform(self, codes):
        return self.classes_[np.asarray(codes, dtype=np.intp)]


def _accepts_sample_weight(transformer):
    import inspect

    try:
        return "sample_weight" in inspect.signature(transformer.fit).parameters
    except (TypeError, ValueError):
        return False


def resolve_amount_transformer(spec):
    """Return an unfitted transformer for the ``amount_transformer`` parameter."""
    if spec is None:
        return FunctionTransformer(validate=False)
    if isinstance(spec, str):  # "standard": validated by the estimator
        return StandardScaler()
    return clone(spec)


class AmountEncoder:
    """Map raw amounts to the scale the amount head trains on, and back.

    The user's ``amount_transformer`` shapes the distribution (for example
    ``log1p`` for heavy tails); whatever it returns is then centred and scaled
    here so that the amount loss starts on the scale of the label loss and
    cannot swamp it through the shared trunk. For the Poisson loss, which needs
    non-negative counts, it is only divided by the mean.

    Parameters
    ----------
    transformer : transformer
        An unfitted scikit-learn transformer with ``inverse_transform``.
    center : bool
        Subtract the mean (False for the Poisson loss).
    """

    def __init__(self, transformer, *, center=True):
        self.transformer = transformer
        self.center = center

    def fit(self, amount, sample_weight=None):
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
            if np.any(z < 0):
                raise ValueError(
                    "amount_loss='poisson' needs non-negative amounts after "
                    f"amount_transformer; got a minimum of {z.min():.4g}. Use a "
                    "transformer that keeps counts non-negative, or None."
                )
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
