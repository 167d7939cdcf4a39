"""The value ``RegressorClassifier.predict`` returns."""

import sys
from typing import NamedTuple

import numpy as np

_REMEDY = (
    "Score one head at a time: in GridSearchCV, cross_validate and the other search "
    "tools use scoring=skmulti.metrics.amount_scorer('r2') or "
    "skmulti.metrics.label_scorer('accuracy') (any scikit-learn scorer name works, "
    "'roc_auc' and 'neg_log_loss' included), a dict of them with refit='<name>', or "
    "skmulti.metrics.combined_scorer() for one number; when calling a metric "
    "yourself, pass pred.amount with y[:, 0] or pred.label with y[:, 1]."
)
_HOW_TO_SCORE = (
    "RegressorClassifier.predict returns a Prediction(amount, label), and "
    "scikit-learn's metric {func!r} cannot score it as one 2-column array: it would "
    "mix the amount with the label. " + _REMEDY
)
_HOW_TO_SCORE_PROBA = (
    "scikit-learn's metric {func!r} cannot score RegressorClassifier.{method}: its "
    "scorer would compare the label probabilities with the whole two-column y "
    "(amount and label). " + _REMEDY
)
# Code a conversion may pass through between a scikit-learn metric and the
# Prediction; the first frame of any other code (the user's) ends the search.
_PASS_THROUGH = ("sklearn.", "numpy", "scipy.", "array_api_compat", "pandas.")
_MAX_FRAMES = 60


def _sklearn_metric_caller(depth=2):
    """Name of the scikit-learn metric converting us, if one is; else None.

    Walks up from the code converting the Prediction through scikit-learn's,
    NumPy's and SciPy's frames, and stops at the first frame of other code or
    at scikit-learn's scorer module: a function of ``sklearn.metrics`` met on
    the way is the converter (its outermost public name is reported, e.g.
    ``r2_score`` rather than the helper that converts). A user's own metric,
    even one called by a scikit-learn scorer, converts freely.
    """
    frame = sys._getframe(depth)
    public = private = None
    for _ in range(_MAX_FRAMES):
        if frame is None:
            break
        module = frame.f_globals.get("__name__", "")
        if module.startswith("sklearn.metrics._scorer"):
            break
        if module.startswith("sklearn.metrics."):
            name = frame.f_code.co_name
            if name.startswith("_"):
                private = private or name
            else:
                public = name
        elif not module.startswith(_PASS_THROUGH):
            break
        frame = frame.f_back
    return public or private


def refuse_sklearn_scorer(method, depth=2):
    """Raise a TypeError that says how to score, under a scikit-learn metric's scorer.

    Called at the top of a response method (``predict_proba``): when the
    caller is a scikit-learn scorer (reached through scikit-learn's frames
    only) whose metric is one of ``sklearn.metrics``, that metric would
    receive the whole two-column ``y`` and fail with an obscure message
    ("unknown format is not supported"). Scorers of ``skmulti.metrics`` and
    user-written metrics (``make_scorer(my_metric, ...)``) pass.
    """
    frame = sys._getframe(depth)
    for _ in range(_MAX_FRAMES):
        if frame is None:
            return
        module = frame.f_globals.get("__name__", "")
        if module == "sklearn.metrics._scorer" and frame.f_code.co_name == "_score":
            func = getattr(frame.f_locals.get("self"), "_score_func", None)
            func_module = getattr(func, "__module__", None) or ""
            if func_module.startswith("sklearn.metrics."):
                raise TypeError(
                    _HOW_TO_SCORE_PROBA.format(func=func.__name__, method=method)
                )
            return
        if not module.startswith("sklearn."):
            return
        frame = frame.f_back


class _Pair(NamedTuple):
    amount: np.ndarray
    label: np.ndarray


def _exact_in_float(label):
    """Whether float64 holds every label exactly (floats, ints up to 2**53)."""
    label = np.asarray(label)
    return label.dtype.kind == "f" or (
        label.dtype.kind in "iu"
        and (label.size == 0 or max(-int(label.min()), int(label.max())) <= 2**53)
    )


def _as_columns(values, n):
    """The columns of an amount or label part: (n,) is one, (n, k) is k."""
    values = np.asarray(values)
    if values.ndim == 1:
        return [values]
    return [values[:, j] for j in range(values.shape[1])] if values.ndim == 2 else [
        values.reshape(n)]


class Prediction(_Pair):
    """An (amount, label) pair of predictions, in ``y``'s layout as an array.

    It unpacks like a tuple (``amount, label = pred``), and ``np.asarray(pred)``
    has the layout of the ``y`` the estimator was fitted on: one column per
    column of ``y``, in ``y``'s order (float64 when every label is a float or
    an int up to 2**53, object otherwise, booleans included, so that every
    label keeps its value and type).

    Attributes
    ----------
    amount : ndarray of shape (n_samples,) or (n_samples, n_amounts)
        The predicted amounts, float64: 1-D when ``y`` has one amount column
        (the default layout), else one column per amount column (``(n, 0)``
        for none).
    label : ndarray of shape (n_samples,) or (n_samples, n_labels)
        The predicted labels: 1-D, of the dtype of the label column, when ``y``
        has one label column, else one column per label column (object dtype
        when the columns' dtypes differ).
    amount_positions, label_positions : tuple of int
        Where the amount and label columns sit in ``y`` (by default the amounts
        first, then the labels).

    Examples
    --------
    >>> import numpy as np
    >>> from skmulti import Prediction
    >>> pred = Prediction(amount=np.array([1.5, 0.0]), label=np.array(["yes", "no"]))
    >>> amount, label = pred
    >>> np.asarray(pred).shape
    (2, 2)
    >>> pred.shape
    (2, 2)
    >>> two = Prediction.from_columns([np.array([1.0])], [np.array([0]), np.array([5])],
    ...                               1, amount_positions=[1], label_positions=[0, 2])
    >>> two.amount.shape, two.label.shape, np.asarray(two).tolist()
    ((1,), (1, 2), [[0.0, 1.0, 5.0]])
    """

    def __new__(cls, amount, label, *, amount_positions=None, label_positions=None):
        self = super().__new__(cls, amount, label)
        n = len(amount)
        n_amounts = len(_as_columns(amount, n))
        n_labels = len(_as_columns(label, n))
        if amount_positions is None:
            amount_positions = range(n_amounts)
        if label_positions is None:
            label_positions = range(n_amounts, n_amounts + n_labels)
        self.amount_positions = tuple(int(p) for p in amount_positions)
        self.label_positions = tuple(int(p) for p in label_positions)
        return self

    def __getnewargs__(self):
        return (self.amount, self.label)

    @classmethod
    def from_columns(cls, amounts, labels, n, *, amount_positions, label_positions):
        """A prediction from one 1-D array per column (1-D parts for one column)."""

        def part(columns, dtype=None):
            if len(columns) == 1:
                return np.asarray(columns[0], dtype=dtype)
            if not columns:
                return np.zeros((n, 0), dtype=dtype or np.float64)
            kinds = {np.asarray(c).dtype for c in columns}
            common = kinds.pop() if len(kinds) == 1 else object
            out = np.empty((n, len(columns)), dtype=dtype or common)
            for j, column in enumerate(columns):
                out[:, j] = column
            return out

        pred = cls(part(amounts, np.float64), part(labels),
                   amount_positions=amount_positions, label_positions=label_positions)
        pred._label_parts = [np.asarray(c) for c in labels]
        return pred

    def amount_column(self, index):
        """The ``index``-th amount column, 1-D float64 (``amount`` itself for one).

        Examples
        --------
        >>> import numpy as np
        >>> from skmulti import Prediction
        >>> Prediction(np.array([[1.0, 2.0]]), np.array(["a"])).amount_column(1)
        array([2.])
        """
        return np.asarray(_as_columns(self.amount, len(self.amount))[index], dtype=np.float64)

    def label_column(self, index):
        """The ``index``-th label column, 1-D, in that column's own dtype.

        ``label`` is one 2-D array when ``y`` has several label columns, of
        object dtype when their dtypes differ; this gives each column back as
        the estimator decoded it (ints as ints, bools as bools), which is what
        scikit-learn's metrics expect.

        Examples
        --------
        >>> import numpy as np
        >>> from skmulti import Prediction
        >>> pred = Prediction.from_columns([], [np.array([1, 0]), np.array(["a", "b"])], 2,
        ...                                amount_positions=[], label_positions=[0, 1])
        >>> pred.label.dtype, pred.label_column(0).dtype
        (dtype('O'), dtype('int64'))
        """
        parts = vars(self).get("_label_parts")
        if parts is not None:
            return parts[index]
        return _as_columns(self.label, len(self.amount))[index]

    @property
    def shape(self):
        """``(n_samples, n_columns)``, the shape of ``np.asarray(self)``."""
        return (len(self.amount), len(self.amount_positions) + len(self.label_positions))

    @property
    def ndim(self):
        """2, as for ``y``."""
        return 2

    def __array__(self, dtype=None, copy=None):
        caller = _sklearn_metric_caller()
        if caller is not None:
            raise TypeError(_HOW_TO_SCORE.format(func=caller))
        n, width = self.shape
        amounts = _as_columns(self.amount, n)
        labels = _as_columns(self.label, n)
        # float64 holds a label exactly only for floats and ints up to 2**53;
        # booleans (which would come back as 1.0/0.0) and larger ints go to object.
        exact = all(_exact_in_float(label) for label in labels)
        out = np.empty((n, width), dtype=np.float64 if exact else object)
        for position, column in zip(self.amount_positions, amounts):
            out[:, position] = np.asarray(column, dtype=np.float64)
        for position, column in zip(self.label_positions, labels):
            out[:, position] = column
        if dtype is not None:
            out = out.astype(dtype)
        return out
