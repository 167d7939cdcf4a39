"""Cross-validation splitters for a two-column ``y``: stratified on the label.

A ``RegressorClassifier`` is neither a classifier nor a regressor to
scikit-learn, so ``cv=5`` in ``cross_validate`` or ``GridSearchCV`` means a
plain ``KFold`` (unshuffled, not stratified), and scikit-learn's
``StratifiedKFold`` refuses a two-column ``y`` ("Supported target types are:
('binary', 'multiclass')"). The splitters here read the label column of ``y``
(column 1, or the second column of a DataFrame) and stratify on it, so that
every fold keeps the class proportions and rare classes are not lost from a
training fold.
"""

from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit

from ._target import split_target

__all__ = ["LabelStratifiedKFold", "LabelStratifiedShuffleSplit"]


def _label(y, splitter):
    if y is None:
        raise ValueError(
            f"{splitter}.split needs y, the two-column target (amount, label), to "
            "stratify on its label column; got y=None. Pass y, e.g. "
            "cross_validate(est, X, y, cv=...) does."
        )
    return split_target(y)[1]


class _SplitOnLabel:
    """Stratify on the label column of a two-column ``y``: the splitters' ``split``."""

    def split(self, X, y=None, groups=None):
        """Generate indices to split the rows into training and test sets.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            The features (2-D or 3-D); only their number of rows is used.
        y : array-like of shape (n_samples, 2)
            The two-column target; its label column is stratified on.
        groups : None
            Ignored, for API compatibility.

        Yields
        ------
        train : ndarray
            The training set indices for that split.
        test : ndarray
            The testing set indices for that split.
        """
        return super().split(X, _label(y, type(self).__name__), groups)


class LabelStratifiedKFold(_SplitOnLabel, StratifiedKFold):
    """K-fold cross-validation stratified on the label column of a two-column ``y``.

    ``StratifiedKFold`` applied to ``y[:, 1]``: each test fold keeps the class
    proportions of the label, so every training fold contains every class that
    has at least ``n_splits`` members. The amount column is ignored.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=False
        Whether to shuffle each class's rows before splitting them into folds.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling when ``shuffle=True``; leave None otherwise.

    See Also
    --------
    LabelStratifiedShuffleSplit : Random train/test splits stratified on the label.
    sklearn.model_selection.StratifiedKFold : The splitter applied to the label.

    Examples
    --------
    >>> import numpy as np
    >>> from skmulti.model_selection import LabelStratifiedKFold
    >>> X = np.zeros((8, 2))
    >>> y = np.column_stack([np.arange(8.0), ["a", "a", "a", "a", "b", "b", "b", "b"]])
    >>> cv = LabelStratifiedKFold(n_splits=2)
    >>> [sorted(y[test, 1].tolist()) for _, test in cv.split(X, y)]
    [['a', 'a', 'b', 'b'], ['a', 'a', 'b', 'b']]
    >>> cv.get_n_splits()
    2
    """



class LabelStratifiedShuffleSplit(_SplitOnLabel, StratifiedShuffleSplit):
    """Random train/test splits stratified on the label column of a two-column ``y``.

    ``StratifiedShuffleSplit`` applied to ``y[:, 1]``: each split keeps the
    class proportions of the label. The amount column is ignored.

    Parameters
    ----------
    n_splits : int, default=10
        Number of re-shuffling and splitting iterations.
    test_size : float, int or None, default=None
        Proportion (float) or number (int) of test rows; None means the
        complement of ``train_size``, or 0.1 when that is None too.
    train_size : float, int or None, default=None
        Proportion or number of training rows; None means the complement of
        ``test_size``.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling; an int gives the same splits at every call.

    See Also
    --------
    LabelStratifiedKFold : K folds stratified on the label.

    Examples
    --------
    >>> import numpy as np
    >>> from skmulti.model_selection import LabelStratifiedShuffleSplit
    >>> X = np.zeros((8, 2))
    >>> y = np.column_stack([np.arange(8.0), [0, 0, 0, 0, 1, 1, 1, 1]])
    >>> cv = LabelStratifiedShuffleSplit(n_splits=3, test_size=4, random_state=0)
    >>> [np.bincount(y[test, 1].astype(int)).tolist() for _, test in cv.split(X, y)]
    [[2, 2], [2, 2], [2, 2]]
    """
