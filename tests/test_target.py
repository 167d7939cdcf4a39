"""skmulti/_target.py: reading y, label dtypes, and the checks fit relies on.

Tests marked "needs wiring" go through ``RegressorClassifier`` and pass once
``fit``/``score`` call the helper named in their docstring.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import r2_score
from conftest import TINY, make_xy

from skmulti import Prediction, RegressorClassifier
from skmulti._target import (
    MAX_WEIGHT_RATIO,
    LabelEncoder,
    check_label_weights,
    check_loss_weight,
    check_zero_amount_label,
    label_accuracy,
    split_target,
    training_weights,
)
from skmulti.exceptions import TrainingDivergedError

FAST = dict(TINY, early_stopping=False)
BAD_ROWS = [3, 17]


# -- missing or infinite amounts (issue 12, items 3-6) ----------------------------


def _numeric_y(value):
    _, y = make_xy(n=30)
    y = y.astype(np.float64)
    y[BAD_ROWS, 0] = value
    return y


def _object_y(value):
    _, y = make_xy(n=30)
    for row in BAD_ROWS:
        y[row, 0] = value
    return y


def _frame_y(value):
    _, y = make_xy(n=30)
    amount = pd.Series(y[:, 0].tolist(), dtype=object)
    amount[BAD_ROWS] = value
    return pd.DataFrame({"amount": amount, "label": y[:, 1].astype(int)})


def _float64_frame_y(value):
    """A DataFrame with a nullable Float64 amount column (pd.NA stored as a mask)."""
    _, y = make_xy(n=30)
    amount = pd.array(y[:, 0].astype(float), dtype="Float64")
    amount[BAD_ROWS] = value
    return pd.DataFrame({"amount": amount, "label": y[:, 1].astype(int)})


MISSING_AMOUNTS = [
    # id, y, what the message calls the value
    ("numeric-nan", _numeric_y(np.nan), "NaN"),
    ("numeric-inf", _numeric_y(np.inf), "infinity"),
    ("numeric-minus-inf", _numeric_y(-np.inf), "infinity"),
    ("numeric-None", _numeric_y(None), "NaN"),  # NumPy stores None as NaN
    ("object-nan", _object_y(np.nan), "NaN"),
    ("object-inf", _object_y(np.inf), "infinity"),
    ("object-None", _object_y(None), "None"),
    ("object-pd.NA", _object_y(pd.NA), "pd.NA"),
    ("object-text-nan", _object_y("nan"), "NaN"),
    ("frame-nan", _frame_y(np.nan), "NaN"),
    ("frame-inf", _frame_y(np.inf), "infinity"),
    ("frame-None", _frame_y(None), "None"),
    ("frame-pd.NA", _frame_y(pd.NA), "pd.NA"),
    ("frame-Float64-pd.NA", _float64_frame_y(pd.NA), "NaN"),
    ("frame-Float64-inf", _float64_frame_y(np.inf), "infinity"),
]


@pytest.mark.parametrize(
    "y, kind", [m[1:] for m in MISSING_AMOUNTS], ids=[m[0] for m in MISSING_AMOUNTS]
)
def test_missing_amount_names_the_column_and_the_rows(y, kind):
    pattern = rf"amount column of y \(column 0\) contains {kind} at row\(s\) \[3, 17\]"
    with pytest.raises(ValueError, match=pattern):
        split_target(y)


@pytest.mark.parametrize(
    "y, kind",
    [m[1:] for m in MISSING_AMOUNTS if m[0].startswith(("numeric-nan", "object-pd", "frame-N"))],
)
def test_fit_refuses_missing_amounts_with_the_rows(y, kind):
    X, _ = make_xy(n=30)
    with pytest.raises(ValueError, match=r"column 0\) contains .*row\(s\) \[3, 17\]"):
        RegressorClassifier(**FAST).fit(X, y)


def test_missing_amount_message_keeps_scikit_learns_words():
    """Searches for "Input y contains NaN/infinity" (older tests, users) still match."""
    with pytest.raises(ValueError, match="Input y contains NaN"):
        split_target(_object_y(None))
    with pytest.raises(ValueError, match="Input y contains infinity"):
        split_target(_numeric_y(np.inf))


def test_missing_amount_message_lists_each_kind_and_is_capped():
    y = _object_y(None)
    y[5, 0] = np.inf
    with pytest.raises(ValueError, match=r"None at row\(s\) \[3, 17\]; infinity at row\(s\) \[5\]"):
        split_target(y)
    many = _numeric_y(np.nan)
    many[:25, 0] = np.nan
    with pytest.raises(ValueError, match=r"\[0, 1, 2, 3, 4, 5, 6, 7, 8, 9\] \.\.\."):
        split_target(many)


def test_text_amount_is_still_refused_as_text():
    y = _object_y(None)
    y[4, 0] = "abc"
    with pytest.raises(ValueError, match="must be numeric; got 'abc'"):
        split_target(y)


# -- label dtypes: what classes_ and np.asarray(pred) are --------------------------


@pytest.mark.parametrize(
    "labels, classes_dtype, array_dtype",
    [
        (np.array([0, 1, 2]), np.int64, np.float64),
        (np.array([0.0, 1.0, 2.0]), np.int64, np.float64),  # column_stack's int -> float
        (np.array(["a", "b", "c"]), np.dtype("<U1"), object),
        (np.array([b"a", b"b", b"c"]), np.dtype("<U1"), object),
        (np.array([True, False, True]), np.bool_, object),
        (np.array([True, False, True], dtype=object), np.bool_, object),
        (np.array([0.5e19, 1e19, 2e19]), np.float64, np.float64),  # beyond int64: float
        (np.array([2**60, 1, 2], dtype=np.int64), np.int64, object),  # beyond 2**53
    ],
    ids=["int", "whole-float", "str", "bytes", "bool", "object-bool", "float-1e19",
         "int-2**60"],
)
def test_label_dtype_rules(labels, classes_dtype, array_dtype):
    """The rules docs/index.md states for classes_ and np.asarray(predict(X))."""
    y = np.empty((3, 2), dtype=object)
    y[:, 0] = [1.0, 2.0, 3.0]
    y[:, 1] = labels
    if labels.dtype.kind != "O":
        y = pd.DataFrame({"amount": [1.0, 2.0, 3.0], "label": labels})
    _, label = split_target(y)
    classes = LabelEncoder().fit(label).classes_
    assert classes.dtype == classes_dtype
    pred = Prediction(amount=np.zeros(3), label=label)
    assert np.asarray(pred).dtype == array_dtype
    assert np.asarray(pred)[:, 1].tolist() == label.tolist()


def test_python_ints_beyond_int64_are_refused_clearly():
    y = np.array([[1.0, 2**70], [2.0, 1], [3.0, 2]], dtype=object)
    _, label = split_target(y)
    with pytest.raises(ValueError, match="ints beyond int64's range"):
        LabelEncoder().fit(label)


def test_whole_float_labels_beyond_int64_do_not_overflow():
    amount = np.arange(4.0)
    _, label = split_target(np.column_stack([amount, [1e19, 2e19, 1e19, 3e19]]))
    assert label.dtype == np.float64
    assert label.tolist() == [1e19, 2e19, 1e19, 3e19]
    assert LabelEncoder().fit(label).classes_.tolist() == [1e19, 2e19, 3e19]


def test_fit_keeps_1e19_labels_as_floats():
    X, y = make_xy(n=40)
    y = y.astype(np.float64)
    y[:, 1] = np.where(y[:, 1] == 1, 2e19, 1e19)
    est = RegressorClassifier(**FAST).fit(X, y)
    assert est.classes_.dtype == np.float64
    assert est.classes_.tolist() == [1e19, 2e19]
    assert set(est.predict(X).label.tolist()) <= {1e19, 2e19}


# -- messages in plain Python values ------------------------------------------------


def test_one_class_message_shows_a_plain_value():
    with pytest.raises(ValueError, match=r"only one class \(1\);") as info:
        LabelEncoder().fit(np.array([1, 1, 1]))
    assert "np." not in str(info.value)
    with pytest.raises(ValueError, match=r"only one class \('yes'\);"):
        LabelEncoder().fit(np.array(["yes", "yes"]))


def test_unseen_label_message_shows_plain_values():
    encoder = LabelEncoder().fit(np.array([0, 1]))
    with pytest.raises(ValueError, match=r"not seen in fit: \[7\]; the classes are \[0, 1\]"):
        encoder.transform(np.array([0, 7]))


# -- zero_amount_label (issue 12, item 11) -----------------------------------------


@pytest.mark.parametrize(
    "value", [[0], (0,), np.array([0]), {0: 1}, {0}], ids=["list", "tuple", "array", "dict", "set"]
)
def test_zero_amount_label_must_be_one_label(value):
    with pytest.raises(ValueError, match="'zero_amount_label' parameter.*must be one label"):
        check_zero_amount_label(value, np.array([0, 1]))


@pytest.mark.parametrize("value", ["0", 2, np.nan], ids=["str-vs-int", "absent", "nan"])
def test_zero_amount_label_must_be_a_class(value):
    with pytest.raises(ValueError, match=r"is not a class of y; the classes are \[0, 1\]"):
        check_zero_amount_label(value, np.array([0, 1]))


def test_zero_amount_label_accepts_a_class_as_a_plain_value():
    assert check_zero_amount_label(None, np.array([0, 1])) is None
    value = check_zero_amount_label(np.int64(0), np.array([0, 1]))
    assert value == 0 and type(value) is int
    assert check_zero_amount_label("no", np.array(["no", "yes"])) == "no"


def test_fit_refuses_a_list_zero_amount_label():
    """Needs wiring: fit calls check_zero_amount_label (today: TypeError unhashable)."""
    X, y = make_xy(n=30)
    with pytest.raises(ValueError, match="'zero_amount_label' parameter.*must be one label"):
        RegressorClassifier(zero_amount_label=[0], **FAST).fit(X, y)


# -- score: labels never seen at fit are misses ------------------------------------


def test_label_accuracy_counts_unseen_labels_as_misses_whatever_their_type():
    assert label_accuracy([0, 1, 1, 0], [0, 1, 0, 0]) == 0.75
    assert label_accuracy(["z", "z", 1, 0], [1, 0, 1, 0]) == 0.5  # str vs int: misses
    assert label_accuracy(["1", 1.0], [1, 1]) == 0.5  # "1" is not 1; 1.0 is
    assert label_accuracy([np.nan, 0], [0, 0]) == 0.5
    assert label_accuracy(["z", 0], [0, 0], sample_weight=[3.0, 1.0]) == 0.25
    assert label_accuracy([], []) == 0.0


def test_label_accuracy_refuses_mismatched_lengths():
    with pytest.raises(ValueError, match="y_true has 2 label.*y_pred has 1"):
        label_accuracy([0, 1], [0])


def test_score_counts_unseen_labels_as_misses():
    """Needs wiring: score uses label_accuracy (today: "Mix of label input types")."""
    X, y = make_xy(n=40)
    est = RegressorClassifier(**FAST).fit(X, y)
    unseen = y.copy()
    unseen[:, 1] = "never-seen"  # strings, where the classes are ints
    r2 = r2_score(y[:, 0].astype(float), est.predict(X).amount)
    assert est.score(X, unseen) == pytest.approx(r2 / 2.0)  # accuracy 0


# -- class_weight that zeroes every row --------------------------------------------


def test_check_label_weights_refuses_all_zero():
    with pytest.raises(ValueError, match=r"class_weight=\{0: 0, 1: 0\} gives a weight of 0 to every row"):
        check_label_weights(np.zeros(5), {0: 0, 1: 0})
    check_label_weights(np.array([0.0, 0.0, 1.0]), {0: 0, 1: 1})  # one class left: fine


def test_fit_refuses_an_all_zero_class_weight():
    """Needs wiring: fit calls check_label_weights after computing the label weights."""
    X, y = make_xy(n=30)
    with pytest.raises(ValueError, match="class_weight.*weight of 0 to every row"):
        RegressorClassifier(class_weight={0: 0, 1: 0}, **FAST).fit(X, y)


# -- weights float32 cannot hold (issue 12, items 7-10) ----------------------------


def test_training_weights_rescale_tiny_weights_to_mean_one():
    w = training_weights(np.full(5, 1e-300), name="sample_weight")
    assert w.dtype == np.float64
    np.testing.assert_array_equal(w, np.ones(5))
    assert np.all(w.astype(np.float32) > 0)  # np.float32(1e-300) == 0


def test_training_weights_are_scale_invariant_and_keep_zeros():
    w = np.array([0.0, 1.0, 3.0, 0.0])
    # weights float32 holds are used as given (bit-identical to before)
    np.testing.assert_array_equal(training_weights(w, name="sample_weight"), w)
    np.testing.assert_allclose(
        training_weights(w * 1e39, name="sample_weight"), [0, 0.5, 1.5, 0]
    )
    assert np.all(np.isfinite(training_weights(w * 1e39, name="x").astype(np.float32)))


@pytest.mark.parametrize("name", ["sample_weight", "class_weight"])
def test_training_weights_refuse_a_ratio_float32_cannot_hold(name):
    w = np.array([1.0, 1.0, 1e39])
    with pytest.raises(ValueError, match=rf"^{name} spans too many orders of magnitude.*1e\+39"):
        training_weights(w, name=name)
    training_weights(np.array([1.0, MAX_WEIGHT_RATIO]), name=name)  # the limit itself


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_training_weights_refuse_non_finite(bad):
    with pytest.raises(ValueError, match=r"sample_weight gives rows \[1\] a weight that is NaN or infinite"):
        training_weights(np.array([1.0, bad]), name="sample_weight")


@pytest.mark.parametrize("value", [1e39, 1e31, 1e-31, np.inf])
def test_check_loss_weight_refuses_what_float32_cannot_hold(value):
    with pytest.raises(ValueError, match="'label_weight' parameter.*got"):
        check_loss_weight(value, name="label_weight")


@pytest.mark.parametrize("value", [0.0, 1e-30, 1.0, 1e30])
def test_check_loss_weight_accepts_representable(value):
    assert check_loss_weight(value) == value


@pytest.mark.parametrize(
    "params, fit_kwargs, name",
    [
        ({}, {"sample_weight": np.r_[1e39, np.ones(29)]}, "sample_weight"),
        ({"class_weight": {0: 1e39, 1: 1.0}}, {}, "class_weight"),
        ({"label_weight": 1e39}, {}, "label_weight"),
    ],
    ids=["sample_weight", "class_weight", "label_weight"],
)
def test_fit_names_the_weight_float32_cannot_hold(params, fit_kwargs, name):
    """Needs wiring: fit calls training_weights / check_loss_weight (today:
    TrainingDivergedError that never names the weight)."""
    X, y = make_xy(n=30)
    with pytest.raises(ValueError, match=name) as info:
        RegressorClassifier(**params, **FAST).fit(X, y, **fit_kwargs)
    assert not isinstance(info.value, TrainingDivergedError)


def test_fit_trains_with_tiny_sample_weights():
    """Needs wiring: fit rescales sample_weight with training_weights, so weights of
    1e-300 (0 in float32) train exactly as weights of 1 do."""
    X, y = make_xy(n=30)
    plain = RegressorClassifier(**FAST).fit(X, y)
    tiny = RegressorClassifier(**FAST).fit(X, y, sample_weight=np.full(30, 1e-300))
    # Equal up to float64 rounding of the rescaled weights (1e-300 * 30 / 30).
    np.testing.assert_allclose(tiny.predict(X).amount, plain.predict(X).amount, rtol=1e-6)
