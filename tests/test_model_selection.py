"""Splitters stratified on the label column of a two-column ``y``.

Decided here: ``cv=<int>`` stays scikit-learn's plain ``KFold`` (the estimator
is neither a classifier nor a regressor); stratifying is asked for with
``cv=LabelStratifiedKFold(...)``. The splitters read ``y`` as the estimator
does (arrays, object arrays, DataFrames, lists of pairs) and stratify exactly
as scikit-learn's ``StratifiedKFold``/``StratifiedShuffleSplit`` do on
``y[:, 1]``.
"""

import numpy as np
import pandas as pd
import pytest
from conftest import make_xy
from sklearn.model_selection import (
    KFold,
    StratifiedKFold,
    StratifiedShuffleSplit,
    check_cv,
    cross_validate,
)

from skmulti import RegressorClassifier
from skmulti.metrics import label_scorer
from skmulti.model_selection import LabelStratifiedKFold, LabelStratifiedShuffleSplit

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _sorted_y(n_major=20, n_minor=4, n_rare=1):
    """Labels sorted by class (the worst case for an unshuffled KFold)."""
    labels = ["major"] * n_major + ["minor"] * n_minor + ["rare"] * n_rare
    amount = np.arange(len(labels), dtype=float)
    return np.zeros((len(labels), 3)), np.column_stack([amount, np.array(labels)])


def _splits(cv, X, y):
    return [(train.tolist(), test.tolist()) for train, test in cv.split(X, y)]


def test_stratified_kfold_refuses_a_two_column_y():
    """Why the splitters exist: scikit-learn's own refuses our y."""
    X, y = make_xy(30)
    with pytest.raises(ValueError, match="Supported target types"):
        list(StratifiedKFold(3).split(X, y))


@pytest.mark.parametrize("shuffle, random_state", [(False, None), (True, 0)])
def test_same_splits_as_stratified_kfold_on_the_label(shuffle, random_state):
    X, y = make_xy(50, n_classes=3, label="str")
    ours = LabelStratifiedKFold(4, shuffle=shuffle, random_state=random_state)
    theirs = StratifiedKFold(4, shuffle=shuffle, random_state=random_state)
    assert _splits(ours, X, y) == _splits(theirs, X, y[:, 1].astype(str))
    assert ours.get_n_splits(X, y) == ours.get_n_splits() == 4


def test_shuffle_split_twin():
    X, y = make_xy(50, n_classes=2, label="bool")
    ours = LabelStratifiedShuffleSplit(n_splits=3, test_size=0.3, random_state=0)
    theirs = StratifiedShuffleSplit(n_splits=3, test_size=0.3, random_state=0)
    assert _splits(ours, X, y) == _splits(theirs, X, y[:, 1].astype(bool))
    assert ours.get_n_splits() == 3
    share = y[:, 1].astype(bool).mean()
    for _, test in ours.split(X, y):
        assert abs(y[test, 1].astype(bool).mean() - share) <= 1 / len(test) + 1e-9


@pytest.mark.filterwarnings("ignore:The least populated class:UserWarning")
@pytest.mark.parametrize("form", ["array", "object", "frame", "pairs"])
def test_every_y_form_the_estimator_takes(form):
    X, y = _sorted_y()
    if form == "object":
        y = y.astype(object)
        y[:, 0] = y[:, 0].astype(float)
    elif form == "frame":
        y = pd.DataFrame({"amount": y[:, 0].astype(float), "kind": y[:, 1]})
    elif form == "pairs":
        y = [tuple(row) for row in y]
    expected = _splits(StratifiedKFold(4), X, _sorted_y()[1][:, 1])
    assert _splits(LabelStratifiedKFold(4), X, y) == expected


def test_every_training_fold_keeps_every_class_with_n_splits_members():
    X, y = _sorted_y(n_major=20, n_minor=4, n_rare=1)
    with pytest.warns(UserWarning, match="least populated class"):
        splits = _splits(LabelStratifiedKFold(4), X, y)
    for train, test in splits:
        assert {"major", "minor"} <= set(y[train, 1])
        assert "minor" in set(y[test, 1])
    # The plain KFold that cv=4 means here loses the minor class from a fold.
    kfold = _splits(KFold(4), X, y)
    assert any("minor" not in set(y[train, 1]) for train, _ in kfold)


def test_cv_int_is_plain_kfold_here():
    X, y = make_xy(30)
    cv = check_cv(5, y, classifier=False)
    assert type(cv) is KFold and not cv.shuffle
    ours = LabelStratifiedKFold(3)
    assert check_cv(ours, y) is ours


def test_y_is_required_and_checked():
    X = np.zeros((6, 2))
    with pytest.raises(ValueError, match="LabelStratifiedKFold.split needs y"):
        list(LabelStratifiedKFold(2).split(X))
    with pytest.raises(ValueError, match="LabelStratifiedShuffleSplit.split needs y"):
        list(LabelStratifiedShuffleSplit(2).split(X, None))
    with pytest.raises(ValueError, match="y must have shape \\(n_samples, 2\\)"):
        list(LabelStratifiedKFold(2).split(X, np.zeros(6)))


def test_in_cross_validate_every_training_fold_sees_every_class():
    """The real tool: each fold's fitted estimator knows every frequent class."""
    rng = np.random.RandomState(0)
    X, y = _sorted_y(n_major=30, n_minor=6, n_rare=2)
    X = rng.normal(size=(len(y), 3))
    est = RegressorClassifier(
        hidden_layer_sizes=(4,), epochs=2, batch_size=256, early_stopping=False,
        random_state=0,
    )
    with pytest.warns(UserWarning, match="least populated class"):
        result = cross_validate(
            est, X, y, cv=LabelStratifiedKFold(3), return_estimator=True,
            scoring={"acc": label_scorer("accuracy")}, error_score="raise",
        )
    for fitted in result["estimator"]:
        assert {"major", "minor"} <= set(fitted.classes_.tolist())
    assert np.isfinite(result["test_acc"]).all()
