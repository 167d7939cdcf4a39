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

import numpy as np
from sklearn.model_selection import StratifiedKFold, StratifiedShuffleSplit

from ._target import TargetEncoder, _label_column, joint_strata

__all__ = ["LabelStratifiedKFold", "LabelStratifiedShuffleSplit"]


def _strata(y, splitter, amount_columns, column, min_count):
    """What to stratify on: the joint label classes, or one label column."""
    if y is None:
        raise ValueError(
            f"{splitter}.split needs y, the two-column target (amount, label), to "
            "stratify on its label column; got y=None. Pass y, e.g. "
            "cross_validate(est, X, y, cv=...) does."
        )
    encoder = TargetEncoder(amount_columns)
    columns, ids, _, label_pos = encoder._layout(y)
    if not label_pos:
        raise ValueError(
            f"{splitter} stratifies on the label columns of y, but y has none "
            f"(amount_columns={amount_columns!r} takes every column). Use KFold or "
            "ShuffleSplit for amounts only."
        )
    labels = {ids[j]: _label_column(columns[j], ids[j]) for j in label_pos}
    names = list(labels)
    if column is not None:
        if column in names:
            return labels[column]
        if isinstance(column, int) and not isinstance(column, bool) and (
                -len(names) <= column < len(names)):
            return labels[names[column]]
        raise ValueError(
            f"{splitter}(column={column!r}): not a label column of y; the label "
            f"columns are {names}. Pass a position among them or one of those names."
        )
    if len(names) == 1:
        return labels[names[0]]
    codes = [np.unique(v.astype(str) if v.dtype.kind == "O" else v,
                       return_inverse=True)[1].reshape(-1) for v in labels.values()]
    joint = joint_strata(codes)
    if np.bincount(joint).min() >= min_count:
        return joint
    return labels[names[0]]  # a combination too rare: stratify on the first label


class _SplitOnLabel:
    """Stratify on the label columns of ``y``: the splitters' ``split``."""

    def split(self, X, y=None, groups=None):
        """Generate indices to split the rows into training and test sets.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            The features (2-D or 3-D); only their number of rows is used.
        y : array-like of shape (n_samples, n_columns)
            The target; its label columns are stratified on.
        groups : None
            Ignored, for API compatibility.

        Yields
        ------
        train : ndarray
            The training set indices for that split.
        test : ndarray
            The testing set indices for that split.
        """
        strata = _strata(y, type(self).__name__, self.amount_columns, self.column,
                         getattr(self, "n_splits", 2) if self._per_fold else 2)
        return super().split(X, strata, groups)


class LabelStratifiedKFold(_SplitOnLabel, StratifiedKFold):
    """K-fold cross-validation stratified on the label column of a two-column ``y``.

    ``StratifiedKFold`` applied to ``y[:, 1]``: each test fold keeps the class
    proportions of the label, so every training fold contains every class that
    has at least ``n_splits`` members. The amount column is ignored. With
    several label columns it stratifies on their joint classes (each
    combination a stratum) when every combination has at least ``n_splits``
    rows, else on the first label column; ``column=`` picks one.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=False
        Whether to shuffle each class's rows before splitting them into folds.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling when ``shuffle=True``; leave None otherwise.
    column : None, int or str, default=None
        The label column to stratify on (a position among the label columns,
        or a DataFrame column name); None: all of them jointly.
    amount_columns : None or list, default=None
        Which columns of ``y`` are amounts, as for the estimator.

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

    _per_fold = True

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None, column=None,
                 amount_columns=None):
        super().__init__(n_splits=n_splits, shuffle=shuffle, random_state=random_state)
        self.column = column
        self.amount_columns = amount_columns


class LabelStratifiedShuffleSplit(_SplitOnLabel, StratifiedShuffleSplit):
    """Random train/test splits stratified on the label column of a two-column ``y``.

    ``StratifiedShuffleSplit`` applied to ``y[:, 1]``: each split keeps the
    class proportions of the label. The amount column is ignored. With several
    label columns it stratifies on their joint classes when every combination
    has at least 2 rows, else on the first label column; ``column=`` picks one.

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
    column : None, int or str, default=None
        The label column to stratify on; None: all of them jointly.
    amount_columns : None or list, default=None
        Which columns of ``y`` are amounts, as for the estimator.

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

    _per_fold = False

    def __init__(self, n_splits=10, *, test_size=None, train_size=None,
                 random_state=None, column=None, amount_columns=None):
        super().__init__(n_splits=n_splits, test_size=test_size, train_size=train_size,
                         random_state=random_state)
        self.column = column
        self.amount_columns = amount_columns
