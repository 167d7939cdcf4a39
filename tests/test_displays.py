"""PredictionDisplay: one panel per column of y, drawn by scikit-learn's displays.

Decided here:

* amounts first (PredictionErrorDisplay, actual against predicted by default),
  then labels (ConfusionMatrixDisplay), each panel titled with its head's name;
* the points drawn are the predictions and the y of the same rows, the
  confusion matrices are scikit-learn's ``confusion_matrix`` of each label;
* ``column=`` names columns of y as ``amount_columns_``/``label_columns_`` do
  (positions in y, or DataFrame names), and a wrong one is refused with the
  columns there are;
* matplotlib is optional: importing works without it, drawing says how to
  install it.
"""

import importlib
import sys

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import TINY, make_several_targets, make_xy
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression
from sklearn.metrics import (
    ConfusionMatrixDisplay,
    PredictionErrorDisplay,
    confusion_matrix,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skmulti._displays
from skmulti import Prediction, RegressorClassifier
from skmulti._target import _label_column
from skmulti.metrics import PredictionDisplay

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.usefixtures("close_figures"),
]

FAST = dict(TINY, early_stopping=False)


def _column(y, position):
    return y.iloc[:, position].to_numpy() if hasattr(y, "iloc") else y[:, position]


def _assert_amount_panel(display, truth, predicted, kind="actual_vs_predicted"):
    assert isinstance(display, PredictionErrorDisplay)
    offsets = display.scatter_.get_offsets()
    second = truth if kind == "actual_vs_predicted" else truth - predicted
    np.testing.assert_allclose(offsets, np.column_stack([predicted, second]))


def _assert_label_panel(display, truth, predicted, labels=None):
    assert isinstance(display, ConfusionMatrixDisplay)
    expected = confusion_matrix(truth, predicted, labels=labels)
    np.testing.assert_array_equal(display.confusion_matrix, expected)
    texts = [[t.get_text() for t in row] for row in display.text_]
    assert texts == [[str(v) for v in row] for row in expected]


def _assert_panels(display, est, X, y):
    """Each drawn panel shows its column of y against its column of the prediction."""
    pred = est.predict(X)
    n = len(X)
    amounts = np.asarray(pred.amount).reshape(n, -1)
    labels = np.asarray(pred.label).reshape(n, -1)
    ids = list(y.columns) if hasattr(y, "columns") else list(range(y.shape[1]))
    for sub, column in zip(display.displays_, display.columns):
        position = ids.index(column)
        if position in pred.amount_positions:
            predicted = amounts[:, pred.amount_positions.index(position)]
            truth = _column(y, position).astype(float)
            _assert_amount_panel(sub, truth, predicted)
        else:
            predicted = labels[:, pred.label_positions.index(position)]
            _assert_label_panel(sub, _label_column(_column(y, position)),
                                _label_column(predicted))


def test_default_fit_draws_the_amount_beside_the_label(display_fits):
    est, X, y = display_fits["default"]
    display = PredictionDisplay.from_estimator(est, X, y)

    assert len(display.ax_) == 2
    assert [ax.get_title() for ax in display.ax_] == ["amount", "label"]
    assert display.columns == [0, 1]
    assert display.figure_ is display.ax_[0].figure
    assert [d.ax_ for d in display.displays_] == list(display.ax_)
    assert display.ax_[0].get_xlabel() == "Predicted values"
    assert display.ax_[0].get_ylabel() == "Actual values"
    _assert_panels(display, est, X, y)


def test_one_panel_per_label_with_several_labels(display_fits):
    est, X, y = display_fits["labels"]
    display = PredictionDisplay.from_estimator(est, X, y)

    assert [ax.get_title() for ax in display.ax_] == ["amount", "label_1", "label_2"]
    assert display.columns == [0, 1, 2]
    _assert_panels(display, est, X, y)
    assert [t.get_text() for t in display.ax_[2].get_xticklabels()] == ["hi", "lo"]


def test_one_panel_per_amount_with_several_amounts_amounts_first(display_fits):
    est, X, y = display_fits["amounts"]
    display = PredictionDisplay.from_estimator(est, X, y)

    assert [ax.get_title() for ax in display.ax_] == ["amount_a", "amount_b", "label"]
    assert display.columns == ["a", "b", "lab"]
    _assert_panels(display, est, X, y)


@pytest.mark.parametrize(
    "fit, column, titles",
    [
        ("labels", 2, ["label_2"]),
        ("labels", [2, 0], ["label_2", "amount"]),
        ("amounts", "b", ["amount_b"]),
        ("amounts", ["lab", "a"], ["label", "amount_a"]),
    ],
)
def test_column_draws_the_columns_named(display_fits, fit, column, titles):
    est, X, y = display_fits[fit]
    display = PredictionDisplay.from_estimator(est, X, y, column=column)

    assert [ax.get_title() for ax in display.ax_] == titles
    assert display.columns == (column if isinstance(column, list) else [column])
    _assert_panels(display, est, X, y)


@pytest.mark.parametrize(
    "fit, column, match",
    [
        ("labels", 3, r"3 is not a column of y\. Its columns are \[0, 1, 2\] "
                      r"\(amounts \[0\], labels \[1, 2\]\)"),
        ("amounts", "c", r"'c' is not a column of y.*\['a', 'lab', 'b'\]"),
        ("amounts", 0, r"0 is not a column of y.*names for a DataFrame"),
        ("labels", True, "True is not a column"),
        ("labels", [1, 1], "names 1 twice"),
    ],
)
def test_a_wrong_column_is_refused_with_the_columns_there_are(
    display_fits, fit, column, match
):
    est, X, y = display_fits[fit]
    with pytest.raises(ValueError, match=match):
        PredictionDisplay.from_estimator(est, X, y, column=column)


def test_from_predictions_without_an_estimator():
    y = pd.DataFrame({"spend": [1.0, 2.0, 3.0, 4.0, 5.0],
                      "churn": ["no", "yes", "yes", "no", "no"]})
    pred = Prediction(np.array([1.1, 2.2, 2.7, 4.4, 5.0]),
                      np.array(["no", "yes", "no", "no", "no"]))
    display = PredictionDisplay.from_predictions(y, pred)

    assert display.columns == ["spend", "churn"]
    assert display.displays_[1].confusion_matrix.tolist() == [[3, 0], [1, 1]]
    _assert_amount_panel(display.displays_[0], y["spend"].to_numpy(), pred.amount)
    _assert_label_panel(display.displays_[1], y["churn"].to_numpy(), pred.label)
    # A plain (amount, label) pair means the default layout.
    pair = PredictionDisplay.from_predictions(y, (pred.amount, pred.label))
    np.testing.assert_array_equal(
        pair.displays_[1].confusion_matrix, display.displays_[1].confusion_matrix
    )


def test_labels_and_display_labels_go_to_each_label_panel(display_fits):
    est, X, y = display_fits["labels"]
    display = PredictionDisplay.from_estimator(
        est, X, y, labels=[[1, 0], None], display_labels=[["one", "zero"], None]
    )
    pred = est.predict(X)

    _assert_label_panel(display.displays_[1], _label_column(y[:, 1]),
                        _label_column(pred.label[:, 0]), labels=[1, 0])
    assert [t.get_text() for t in display.ax_[1].get_xticklabels()] == ["one", "zero"]
    one_each = r"2 label columns are drawn, so labels needs one entry per label column"
    with pytest.raises(ValueError, match=one_each + r".*\[None, None\]"):
        PredictionDisplay.from_estimator(est, X, y, labels=[0, 1])
    one = PredictionDisplay.from_estimator(est, X, y, column=1, labels=[1, 0])
    _assert_label_panel(one.displays_[0], _label_column(y[:, 1]),
                        _label_column(pred.label[:, 0]), labels=[1, 0])


def test_kind_subsample_and_random_state_reach_the_amount_panels(display_fits):
    est, X, y = display_fits["amounts"]
    display = PredictionDisplay.from_estimator(
        est, X, y, kind="residual_vs_predicted", subsample=10, random_state=0
    )
    pred = est.predict(X)
    rows = np.random.RandomState(0).choice(np.arange(len(X)), size=10)

    for j, column in enumerate(["a", "b"]):
        assert display.ax_[j].get_ylabel() == "Residuals (actual - predicted)"
        _assert_amount_panel(display.displays_[j], y[column].to_numpy()[rows],
                             pred.amount[rows, j], kind="residual_vs_predicted")


def test_plot_draws_again_on_new_axes(display_fits):
    est, X, y = display_fits["default"]
    display = PredictionDisplay.from_estimator(est, X, y)
    first = list(display.ax_)
    fig, axes = plt.subplots(1, 2)
    display.plot(ax=axes, kind="residual_vs_predicted", colorbar=False)

    assert list(display.ax_) == list(axes) != first
    assert display.figure_ is fig
    assert [ax.get_title() for ax in axes] == ["amount", "label"]
    assert axes[0].get_ylabel() == "Residuals (actual - predicted)"
    _assert_label_panel(
        display.displays_[1], _label_column(y[:, 1]), est.predict(X).label
    )


def test_draws_on_the_axes_given_and_refuses_the_wrong_number(display_fits):
    est, X, y = display_fits["labels"]
    fig, axes = plt.subplots(1, 3)
    display = PredictionDisplay.from_estimator(est, X, y, ax=axes)
    assert list(display.ax_) == list(axes) and display.figure_ is fig

    _, ax = plt.subplots()
    single = PredictionDisplay.from_estimator(est, X, y, column=0, ax=ax)
    assert list(single.ax_) == [ax]
    with pytest.raises(ValueError, match="draws 3 panels.*got one Axes"):
        PredictionDisplay.from_estimator(est, X, y, ax=ax)


def test_pipeline_predicts_through_its_steps(display_fits):
    X, y = make_xy()
    pipe = make_pipeline(StandardScaler(), RegressorClassifier(**FAST)).fit(X, y)
    display = PredictionDisplay.from_estimator(pipe, X, y)

    _assert_panels(display, pipe, X, y)


def test_refuses_what_is_not_a_fitted_estimator_or_its_prediction(display_fits):
    est, X, y = display_fits["default"]
    with pytest.raises(NotFittedError):
        PredictionDisplay.from_estimator(RegressorClassifier(), X, y)
    with pytest.raises(TypeError, match="RegressorClassifier.*LinearRegression"):
        PredictionDisplay.from_estimator(LinearRegression().fit(X, y[:, 0]), X, y)
    with pytest.raises(TypeError, match="skmulti.Prediction.*got ndarray"):
        PredictionDisplay.from_predictions(y, np.asarray(est.predict(X)))
    with pytest.raises(ValueError, match=r"y_true has shape \(60, 2\) but y_pred has "
                                         r"shape \(10, 2\)"):
        PredictionDisplay.from_predictions(y, est.predict(X[:10]))
    _, y_labels, _ = make_several_targets()
    with pytest.raises(ValueError, match=r"\(60, 3\) but y_pred has shape \(60, 2\)"):
        PredictionDisplay.from_predictions(y_labels, est.predict(X))


def test_without_matplotlib_it_imports_and_says_how_to_install(
    display_fits, monkeypatch
):
    est, X, y = display_fits["default"]
    display = PredictionDisplay.from_estimator(est, X, y)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    importlib.reload(skmulti._displays)  # the module itself needs no matplotlib
    install = r'needs matplotlib.*pip install "skmulti\[plot\]"'
    with pytest.raises(ImportError, match="from_estimator " + install):
        skmulti._displays.PredictionDisplay.from_estimator(est, X, y)
    with pytest.raises(ImportError, match="from_predictions " + install):
        PredictionDisplay.from_predictions(y, est.predict(X))
    with pytest.raises(ImportError, match="PredictionDisplay.plot " + install):
        display.plot()
