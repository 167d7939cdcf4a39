"""Scorers of one head, of both heads, and what a plain scikit-learn scorer says.

Decided here:

* ``amount_scorer``/``label_scorer`` take any scikit-learn scorer name or
  scorer object and give exactly the number scikit-learn's metric gives on
  the matching column of ``y`` and part of the prediction.
* ``combined_scorer()`` with its defaults equals ``RegressorClassifier.score``.
* A plain scikit-learn scorer (``scoring="r2"``, ``"roc_auc"``) on a
  ``RegressorClassifier`` raises a ``TypeError`` that names the metric and the
  skmulti scorers to use; with scikit-learn's default ``error_score=np.nan``
  that message reaches the user in scikit-learn's "Scoring failed" warning.
* A user's own metric (``make_scorer(my_metric)``) may still read the whole
  prediction and the two-column ``y``.
"""

import pickle
import re
from unittest import mock

import numpy as np
import pytest
import sklearn
from conftest import make_xy
from sklearn.base import is_classifier, is_regressor
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    check_scoring,
    f1_score,
    get_scorer,
    log_loss,
    make_scorer,
    mean_absolute_error,
    r2_score,
    roc_auc_score,
    root_mean_squared_error,
)
from sklearn.model_selection import KFold, cross_val_score, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skmulti.metrics
from skmulti import RegressorClassifier
from skmulti._prediction import _HOW_TO_SCORE, _HOW_TO_SCORE_PROBA
from skmulti._target import split_target
from skmulti.metrics import amount_scorer, combined_scorer, label_scorer

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

#: The cheapest fit: one pass of full-batch training on all rows.
FAST = dict(
    hidden_layer_sizes=(4,), epochs=2, batch_size=256, early_stopping=False, random_state=0
)


@pytest.fixture(scope="module")
def binary():
    X, y = make_xy(80, n_classes=2, label="int")
    return RegressorClassifier(**FAST).fit(X, y), X, y


@pytest.fixture(scope="module")
def multiclass():
    X, y = make_xy(90, n_classes=3, label="str", seed=1)
    return RegressorClassifier(**FAST).fit(X, y), X, y


@pytest.fixture(scope="module")
def pipeline():
    X, y = make_xy(80, n_classes=2, label="str", seed=2)
    return make_pipeline(StandardScaler(), RegressorClassifier(**FAST)).fit(X, y), X, y


def _expected(name, est, X, y):
    """What scikit-learn's metric gives on the right column and prediction."""
    amount, label = split_target(y)
    pred, proba = est.predict(X), est.predict_proba(X)
    classes = est.classes_
    return {
        "r2": lambda: r2_score(amount, pred.amount),
        "neg_mean_absolute_error": lambda: -mean_absolute_error(amount, pred.amount),
        "neg_root_mean_squared_error": lambda: -root_mean_squared_error(
            amount, pred.amount
        ),
        "accuracy": lambda: accuracy_score(label, pred.label),
        "balanced_accuracy": lambda: balanced_accuracy_score(label, pred.label),
        "f1_macro": lambda: f1_score(label, pred.label, average="macro"),
        "roc_auc": lambda: roc_auc_score(label == classes[1], proba[:, 1]),
        "roc_auc_ovr": lambda: roc_auc_score(label, proba, multi_class="ovr"),
        "neg_log_loss": lambda: -log_loss(label, proba, labels=classes),
    }[name]()


AMOUNT = ["r2", "neg_mean_absolute_error", "neg_root_mean_squared_error"]
LABEL_BINARY = ["accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "neg_log_loss"]
LABEL_MULTI = ["accuracy", "f1_macro", "roc_auc_ovr", "neg_log_loss"]


@pytest.mark.parametrize("name", AMOUNT)
@pytest.mark.parametrize("case", ["binary", "multiclass", "pipeline"])
def test_amount_scorer_is_the_metric_on_the_amount(name, case, request):
    est, X, y = request.getfixturevalue(case)
    score = amount_scorer(name)(est, X, y)
    assert isinstance(score, float)
    assert score == pytest.approx(_expected(name, est, X, y), rel=1e-12)


@pytest.mark.parametrize(
    "case, name",
    [("binary", n) for n in LABEL_BINARY]
    + [("multiclass", n) for n in LABEL_MULTI]
    + [("pipeline", n) for n in ("accuracy", "roc_auc", "neg_log_loss")],
)
def test_label_scorer_is_the_metric_on_the_label(case, name, request):
    est, X, y = request.getfixturevalue(case)
    score = label_scorer(name)(est, X, y)
    assert isinstance(score, float)
    assert score == pytest.approx(_expected(name, est, X, y), rel=1e-12)


def test_scorer_objects_and_pos_label(pipeline):
    est, X, y = pipeline  # string labels: 'a' < 'b'
    _, label = split_target(y)
    pred = est.predict(X)
    scorer = label_scorer(make_scorer(f1_score, pos_label="a"))
    assert scorer(est, X, y) == pytest.approx(f1_score(label, pred.label, pos_label="a"))
    # scikit-learn's own rule: a binary metric on string labels needs pos_label.
    with pytest.raises(ValueError, match="pos_label=1 is not a valid label"):
        label_scorer("f1")(est, X, y)


def test_views_carry_scikit_learn_tags(binary):
    est = binary[0]
    amount_view = skmulti.metrics._AmountHead(est, None)
    label_view = skmulti.metrics._LabelHead(est, None)
    assert is_regressor(amount_view) and not is_classifier(amount_view)
    assert is_classifier(label_view)
    np.testing.assert_array_equal(label_view.classes_, est.classes_)
    # Nothing else is a classifier: the estimator keeps its own decision.
    assert not is_classifier(est) and not is_regressor(est)


def test_multimetric_path_selects_heads_and_predicts_once(binary):
    """scikit-learn calls ``_score`` directly and shares one response cache."""
    est, X, y = binary
    scoring = {
        "r2": amount_scorer("r2"),
        "mae": amount_scorer("neg_mean_absolute_error"),
        "acc": label_scorer("accuracy"),
        "auc": label_scorer("roc_auc"),
        "loss": label_scorer("neg_log_loss"),
        "both": combined_scorer(),
    }
    multi = check_scoring(est, scoring)
    with (
        mock.patch.object(
            RegressorClassifier, "predict", autospec=True,
            side_effect=RegressorClassifier.predict,
        ) as predict,
        mock.patch.object(
            RegressorClassifier, "predict_proba", autospec=True,
            side_effect=RegressorClassifier.predict_proba,
        ) as predict_proba,
    ):
        scores = multi(est, X, y)
    assert predict.call_count == 1 and predict_proba.call_count == 1
    for name, scorer in scoring.items():
        assert scores[name] == pytest.approx(scorer(est, X, y), rel=1e-12), name
    assert scores["both"] == pytest.approx(est.score(X, y))


def test_sample_weight_reaches_the_metric(binary):
    est, X, y = binary
    amount, label = split_target(y)
    pred = est.predict(X)
    w = np.linspace(0.1, 2.0, len(X))
    assert amount_scorer("r2")(est, X, y, sample_weight=w) == pytest.approx(
        r2_score(amount, pred.amount, sample_weight=w)
    )
    multi = check_scoring(est, {"acc": label_scorer("accuracy"), "both": combined_scorer()})
    scores = multi(est, X, y, sample_weight=w)
    assert scores["acc"] == pytest.approx(accuracy_score(label, pred.label, sample_weight=w))
    assert scores["both"] == pytest.approx(est.score(X, y, sample_weight=w))


def test_metadata_routing_of_sample_weight(binary):
    est, X, y = binary
    _, label = split_target(y)
    w = np.linspace(0.1, 2.0, len(X))
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = label_scorer("accuracy").set_score_request(sample_weight=True)
        scores = check_scoring(est, {"acc": scorer})(est, X, y, sample_weight=w)
    assert scores["acc"] == pytest.approx(
        accuracy_score(label, est.predict(X).label, sample_weight=w)
    )


def test_combined_scorer_weights_and_relation_to_score(binary):
    est, X, y = binary
    r2 = amount_scorer("r2")(est, X, y)
    acc = label_scorer("accuracy")(est, X, y)
    assert combined_scorer()(est, X, y) == pytest.approx(est.score(X, y), rel=1e-12)
    assert combined_scorer(weights={"amount": 1, "label": 3})(est, X, y) == pytest.approx(
        0.25 * r2 + 0.75 * acc
    )
    assert combined_scorer(weights={"label": 2.0})(est, X, y) == pytest.approx(acc)
    auc = label_scorer("roc_auc")(est, X, y)
    assert combined_scorer(label="roc_auc")(est, X, y) == pytest.approx((r2 + auc) / 2)
    assert repr(combined_scorer(label="roc_auc", weights={"amount": 1, "label": 3})) == (
        "combined_scorer(amount='r2', label='roc_auc', "
        "weights={'amount': 0.25, 'label': 0.75})"
    )


@pytest.mark.parametrize(
    "weights",
    [{"amount": -1, "label": 1}, {"amount": 0, "label": 0}, {"amonut": 1},
     {"label": float("nan")}, [0.5, 0.5]],
)
def test_combined_scorer_refuses_bad_weights(weights):
    with pytest.raises(ValueError, match="combined_scorer\\(weights=...\\)"):
        combined_scorer(weights=weights)


def test_scorer_arguments_are_checked():
    with pytest.raises(ValueError, match="'r22' is not a scikit-learn scorer name"):
        amount_scorer("r22")
    with pytest.raises(ValueError, match="make_scorer\\(r2_score\\)"):
        amount_scorer(r2_score)
    with pytest.raises(TypeError, match="scorer name"):
        label_scorer(3)
    with pytest.raises(ValueError, match="already selects a head"):
        label_scorer(amount_scorer("r2"))


def test_scorers_pickle_and_repr(binary):
    est, X, y = binary
    for scorer in (
        amount_scorer("neg_mean_absolute_error"),
        label_scorer("roc_auc"),
        combined_scorer(label="balanced_accuracy"),
    ):
        again = pickle.loads(pickle.dumps(scorer))
        assert again(est, X, y) == scorer(est, X, y)
        assert repr(again) == repr(scorer)
    assert repr(amount_scorer("r2")) == "amount_scorer('r2')"


def test_cross_validate_with_head_scorers_matches_each_fold():
    X, y = make_xy(60, n_classes=2)
    scoring = {
        "mae": amount_scorer("neg_mean_absolute_error"),
        "auc": label_scorer("roc_auc"),
        "both": combined_scorer(),
    }
    result = cross_validate(
        RegressorClassifier(**FAST), X, y, cv=2, scoring=scoring,
        return_estimator=True, error_score="raise",
    )
    amount, _ = split_target(y)
    folds = KFold(2).split(X)  # cv=2: plain KFold, see test_model_selection.py
    for i, ((_, test), est) in enumerate(zip(folds, result["estimator"])):
        for name, scorer in scoring.items():
            assert result[f"test_{name}"][i] == scorer(est, X[test], y[test])
        assert result["test_mae"][i] == pytest.approx(
            -mean_absolute_error(amount[test], est.predict(X[test]).amount)
        )
        assert result["test_both"][i] == pytest.approx(est.score(X[test], y[test]))


# -- plain scikit-learn scorers: what the user sees ----------------------------------


def test_promised_names_exist():
    for message in (_HOW_TO_SCORE, _HOW_TO_SCORE_PROBA):
        names = set(re.findall(r"skmulti\.metrics\.(\w+)", message))
        assert names == {"amount_scorer", "label_scorer", "combined_scorer"}
        for name in names:
            assert callable(getattr(skmulti.metrics, name))


@pytest.mark.parametrize(
    "scoring, metric, helper",
    [
        ("r2", "r2_score", "amount_scorer('r2')"),
        ("neg_mean_absolute_error", "mean_absolute_error", "amount_scorer"),
        ("accuracy", "accuracy_score", "label_scorer('accuracy')"),
        ("f1_macro", "f1_score", "label_scorer"),
        ("roc_auc", "roc_auc_score", "'roc_auc'"),
        ("neg_log_loss", "log_loss", "label_scorer"),
        ("roc_auc_ovr", "roc_auc_score", "label_scorer"),
    ],
)
def test_plain_scikit_learn_scorer_says_what_to_use(binary, scoring, metric, helper):
    est, X, y = binary
    with pytest.raises(TypeError, match=re.escape(helper)) as info:
        get_scorer(scoring)(est, X, y)
    assert repr(metric) in str(info.value)
    assert "combined_scorer()" in str(info.value)


def test_plain_scorer_in_cross_val_score_raises_or_warns():
    X, y = make_xy(40)
    est = RegressorClassifier(**FAST)
    with pytest.raises(TypeError, match="amount_scorer\\('r2'\\)"):
        cross_val_score(est, X, y, cv=2, scoring="r2", error_score="raise")
    with pytest.warns(UserWarning, match="Scoring failed") as record:
        scores = cross_val_score(est, X, y, cv=2, scoring="r2")
    assert np.isnan(scores).all()
    failed = [str(w.message) for w in record if "Scoring failed" in str(w.message)]
    assert failed and all("skmulti.metrics.amount_scorer" in m for m in failed)
    assert all("'r2_score'" in m for m in failed)


def test_user_metrics_may_read_the_whole_prediction(binary):
    """The guard targets scikit-learn's metrics only, not a user's own."""
    est, X, y = binary
    amount, label = split_target(y)

    def both_heads(y_true, y_pred):  # reads the Prediction as a 2-column array
        y_pred = np.asarray(y_pred)
        return float(np.mean(y_pred[:, 1] == np.asarray(y_true)[:, 1]))

    def positive_share(y_true, proba):
        return float(np.mean(proba[:, 1]))

    assert make_scorer(both_heads)(est, X, y) == pytest.approx(
        accuracy_score(label, est.predict(X).label)
    )
    scorer = make_scorer(positive_share, response_method="predict_proba")
    assert scorer(est, X, y) == pytest.approx(float(np.mean(est.predict_proba(X)[:, 1])))
    # Calling scikit-learn's metrics yourself on one head works as usual.
    assert np.isfinite(r2_score(amount, est.predict(X).amount))
    # ... and on the whole prediction it says what to do, naming the metric.
    with pytest.raises(TypeError, match="'r2_score'.*pred.amount with y\\[:, 0\\]"):
        r2_score(y[:, 0].astype(float), est.predict(X))
