"""Warnings and errors raised by skmulti.

Every class derives from the scikit-learn (or built-in) class whose meaning it
shares, so ``except ValueError`` and
``warnings.filterwarnings("ignore", category=ConvergenceWarning)`` keep working.
"""

from sklearn.exceptions import ConvergenceWarning

__all__ = [
    "CollapseWarning",
    "SkmultiWarning",
    "StillImprovingWarning",
    "TrainingDivergedError",
]


class SkmultiWarning(UserWarning):
    """Base class of the warnings that skmulti itself emits.

    ``warnings.filterwarnings("ignore", category=SkmultiWarning)`` silences
    them all; each also derives from the scikit-learn warning whose meaning it
    shares (e.g. ``ConvergenceWarning``).
    """


class CollapseWarning(SkmultiWarning, ConvergenceWarning):
    """A trained head predicts (almost) one value although the data varies.

    Raised after ``fit`` when the label head predicts one class for (almost)
    every training row although the minority class has a real share, or when
    the amount head's predictions are (almost) constant although the amount
    varies. The message names the head, the numbers and the likely fixes.
    """


class StillImprovingWarning(SkmultiWarning, ConvergenceWarning):
    """Training stopped at ``epochs`` while the validation loss still improved.

    Emitted by ``fit`` with ``early_stopping=True`` when the last epoch was the
    best one so far: early stopping never triggered, and more epochs would
    probably help. Raise ``epochs`` to train longer.
    """


class TrainingDivergedError(ValueError):
    """The training loss became NaN or infinite.

    ``fit`` raises it instead of returning a model whose predictions are
    garbage; an estimator that was fitted before keeps its previous state.

    Attributes
    ----------
    epoch : int
        The (1-based) epoch in which the loss stopped being finite.
    heads : list of str
        The heads (``"amount"``, ``"label"``) whose loss was not finite.
    """

    def __init__(self, message, *, epoch=None, heads=()):
        super().__init__(message)
        self.epoch = epoch
        self.heads = list(heads)
