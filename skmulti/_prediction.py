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


class Prediction(NamedTuple):
    """An (amount, label) pair of predictions, in ``y``'s layout as an array.

    It unpacks like a tuple (``amount, label = pred``), and ``np.asarray(pred)``
    has shape ``(n_samples, 2)`` like the ``y`` the estimator was fitted on
    (float64 when the labels are floats or ints up to 2**53, object otherwise,
    booleans included, so that every label keeps its value and type).

    Attributes
    ----------
    amount : ndarray of shape (n_samples,), dtype float64
        The predicted amounts, on the scale of ``y[:, 0]``.
    label : ndarray of shape (n_samples,)
        The predicted labels, of the dtype of ``y[:, 1]`` at fit.

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
    """

    amount: np.ndarray
    label: np.ndarray

    @property
    def shape(self):
        """``(n_samples, 2)``, the shape of ``np.asarray(self)``."""
        return (len(self.amount), 2)

    @property
    def ndim(self):
        """2, as for ``y``."""
        return 2

    def __array__(self, dtype=None, copy=None):
        caller = _sklearn_metric_caller()
        if caller is not None:
            raise TypeError(_HOW_TO_SCORE.format(func=caller))
        label = np.asarray(self.label)
        # float64 holds a label exactly only for floats and ints up to 2**53;
        # booleans (which would come back as 1.0/0.0) and larger ints go to object.
        exact = label.dtype.kind == "f" or (
            label.dtype.kind in "iu"
            and (label.size == 0 or max(-int(label.min()), int(label.max())) <= 2**53)
        )
        if exact:
            out = np.column_stack([np.asarray(self.amount, dtype=np.float64), label])
        else:
            out = np.empty((len(self.amount), 2), dtype=object)
            out[:, 0] = np.asarray(self.amount, dtype=np.float64)
            out[:, 1] = label
        if dtype is not None:
            out = out.astype(dtype)
        return out
