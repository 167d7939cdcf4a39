"""Warnings and errors raised by skmulti.

Every class derives from the scikit-learn (or built-in) class whose meaning it
shares, so ``except ValueError`` and
``warnings.filterwarnings("ignore", category=ConvergenceWarning)`` keep working.
"""

from sklearn.exceptions import ConvergenceWarning
from sklearn.exceptions import InconsistentVersionWarning as _SklearnVersionWarning

__all__ = [
    "CollapseWarning",
    "InconsistentVersionWarning",
    "SkmultiWarning",
    "StillImprovingWarning",
    "TrainingDivergedError",
    "UntrustedFileError",
    "UntrustedTypesError",
]


class SkmultiWarning(UserWarning):
    """Base class of the warnings that skmulti itself emits.

    ``warnings.filterwarnings("ignore", category=SkmultiWarning)`` silences
    them all; each also derives from the scikit-learn warning whose meaning it
    shares (e.g. ``ConvergenceWarning``).

    Examples
    --------
    >>> import warnings
    >>> from skmulti.exceptions import CollapseWarning, SkmultiWarning
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.filterwarnings("ignore", category=SkmultiWarning)
    ...     warnings.warn("the label head predicts one class", CollapseWarning)
    ...     warnings.warn("not one of skmulti's", UserWarning)
    >>> [type(w.message).__name__ for w in caught]
    ['UserWarning']
    """


class CollapseWarning(SkmultiWarning, ConvergenceWarning):
    """A trained head predicts (almost) one value although the data varies.

    Raised after ``fit`` when the label head predicts one class for (almost)
    every training row although the minority class has a real share, or when
    the amount head's predictions are (almost) constant although the amount
    varies. The message names the head, the numbers and the likely fixes.

    Examples
    --------
    A search can turn a collapse into an error, so the collapsed candidate gets
    ``error_score`` instead of a score:

    >>> import warnings
    >>> from sklearn.exceptions import ConvergenceWarning
    >>> from skmulti.exceptions import CollapseWarning
    >>> issubclass(CollapseWarning, ConvergenceWarning)
    True
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", CollapseWarning)
    ...     try:
    ...         warnings.warn("the label head predicts one class", CollapseWarning)
    ...     except CollapseWarning as error:
    ...         print(type(error).__name__, "raised:", error)
    CollapseWarning raised: the label head predicts one class
    """


class StillImprovingWarning(SkmultiWarning, ConvergenceWarning):
    """Training stopped at ``epochs`` while the validation loss still improved.

    Emitted by ``fit`` with ``early_stopping=True`` when the last epoch was the
    best one so far: early stopping never triggered, and more epochs would
    probably help. Raise ``epochs`` to train longer.

    Examples
    --------
    It is a ``ConvergenceWarning``, so scikit-learn's usual filter silences it
    (e.g. in a search where short training runs are on purpose):

    >>> import warnings
    >>> from sklearn.exceptions import ConvergenceWarning
    >>> from skmulti.exceptions import StillImprovingWarning
    >>> issubclass(StillImprovingWarning, ConvergenceWarning)
    True
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.filterwarnings("ignore", category=ConvergenceWarning)
    ...     warnings.warn("validation loss still improving", StillImprovingWarning)
    >>> caught
    []
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

    Examples
    --------
    A learning rate of 1e30 makes the loss infinite in the first epoch:

    >>> import numpy as np
    >>> from skmulti import RegressorClassifier
    >>> from skmulti.exceptions import TrainingDivergedError
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(40, 3))
    >>> y = np.column_stack([X[:, 0], X[:, 1] > 0])
    >>> est = RegressorClassifier(hidden_layer_sizes=(8,), learning_rate=1e30, epochs=1,
    ...                           early_stopping=False, random_state=0)
    >>> try:
    ...     est.fit(X, y)
    ... except TrainingDivergedError as error:
    ...     print(isinstance(error, ValueError), error.epoch)
    True 1
    """

    def __init__(self, message, *, epoch=None, heads=()):
        super().__init__(message)
        self.epoch = epoch
        self.heads = list(heads)


class UntrustedFileError(ValueError):
    """``skmulti.load`` refused a file: it is damaged, crafted or not trusted.

    Every refusal of :func:`skmulti.load` raises it (or its subclass
    :class:`UntrustedTypesError`), before any code named by the file runs. The
    message says what is wrong with the file and what to do.

    Examples
    --------
    >>> import skmulti
    >>> from skmulti.exceptions import UntrustedFileError
    >>> _ = open("not_a_model.skmulti", "w").write("hello")
    >>> try:
    ...     skmulti.load("not_a_model.skmulti")
    ... except UntrustedFileError as exc:
    ...     print(type(exc).__name__, issubclass(type(exc), ValueError))
    UntrustedFileError True
    >>> import os; os.remove("not_a_model.skmulti")
    """


class UntrustedTypesError(UntrustedFileError):
    """The file names code or types that the caller did not trust.

    Raised by :func:`skmulti.load` when the file refers to a function or class
    (a ``model=`` builder, an optimizer class, a scikit-learn-side type that
    skops does not trust by default) whose name is not in ``trusted``. Nothing
    named was imported.

    Attributes
    ----------
    names : list of str
        The import names that ``trusted`` must list to load the file.

    Examples
    --------
    >>> from skmulti.exceptions import UntrustedFileError, UntrustedTypesError
    >>> exc = UntrustedTypesError("not trusted: my_models.build", names=["my_models.build"])
    >>> isinstance(exc, UntrustedFileError), exc.names
    (True, ['my_models.build'])
    """

    def __init__(self, message, *, names=()):
        super().__init__(message)
        self.names = list(names)


class InconsistentVersionWarning(SkmultiWarning, _SklearnVersionWarning):
    """A file is loaded with other versions than those that saved it.

    Emitted by :func:`skmulti.load` when skmulti, Keras, scikit-learn or NumPy
    differ from the versions recorded in the file. It derives from
    scikit-learn's ``InconsistentVersionWarning``, so a filter on that class
    also applies.

    Attributes
    ----------
    differences : dict
        ``{package: (saved_version, current_version)}`` for each package that
        differs.

    Examples
    --------
    >>> from sklearn.exceptions import InconsistentVersionWarning as Sklearns
    >>> from skmulti.exceptions import InconsistentVersionWarning
    >>> w = InconsistentVersionWarning("saved with keras 3.0.0",
    ...                                differences={"keras": ("3.0.0", "3.15.1")})
    >>> isinstance(w, Sklearns), w.differences
    (True, {'keras': ('3.0.0', '3.15.1')})
    """

    def __init__(self, message, *, differences=None):
        UserWarning.__init__(self, message)
        self.message = message
        self.differences = dict(differences or {})
        sklearn = self.differences.get("scikit-learn", (None, None))
        self.estimator_name = "skmulti file"
        self.original_sklearn_version, self.current_sklearn_version = sklearn

    def __str__(self):
        return self.message
