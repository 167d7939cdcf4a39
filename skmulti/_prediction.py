"""The value ``RegressorClassifier.predict`` returns."""

import sys
from typing import NamedTuple

import numpy as np

_HOW_TO_SCORE = (
    "RegressorClassifier.predict returns a Prediction(amount, label), and "
    "scikit-learn's metric {func!r} cannot score it as one 2-column array: it would "
    "mix the amount with the label. Score one head at a time: in GridSearchCV or "
    "cross_validate use scoring=skmulti.metrics.amount_scorer('r2') or "
    "skmulti.metrics.label_scorer('accuracy') (any scikit-learn scorer name "
    "works), or skmulti.metrics.combined_scorer(...) for one number; when calling "
    "a metric yourself, pass pred.amount with y[:, 0] or pred.label with y[:, 1]."
)


def _sklearn_metric_caller():
    """Name of the scikit-learn metric function converting us, if any."""
    frame = sys._getframe(2)
    for _ in range(12):
        if frame is None:
            return None
        module = frame.f_globals.get("__name__", "")
        if module.startswith("sklearn.metrics."):
            return frame.f_code.co_name
        frame = frame.f_back
    return None


class Prediction(NamedTuple):
    """An (amount, label) pair of predictions, in ``y``'s layout as an array.

    It unpacks like a tuple (``amount, label = pred``), and ``np.asarray(pred)``
    has shape ``(n_samples, 2)`` like the ``y`` the estimator was fitted on
    (float64 when the labels are numbers or booleans, object otherwise).

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
        if label.dtype.kind in "biuf":
            out = np.column_stack([np.asarray(self.amount, dtype=np.float64), label])
        else:
            out = np.empty((len(self.amount), 2), dtype=object)
            out[:, 0] = np.asarray(self.amount, dtype=np.float64)
            out[:, 1] = label
        if dtype is not None:
            out = out.astype(dtype)
        return out
