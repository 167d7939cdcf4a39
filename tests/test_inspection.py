"""HistoryDisplay: what it draws is the fitted history, panel by panel.

Decided here:

* one panel for the total loss, then one per head in the network's order, each
  titled with the head's name;
* each panel draws the training loss and, with validation rows, the validation
  loss, with exactly the values of ``history_`` against epochs 1, 2, ...;
* a vertical line at ``best_epoch_`` in every panel, none without early stopping;
* matplotlib is optional: importing works without it, drawing says how to
  install it.
"""

import importlib
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import TINY, make_xy
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skmulti.inspection
from skmulti import RegressorClassifier
from skmulti.inspection import HistoryDisplay

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.usefixtures("close_figures"),
]


def _assert_draws_history(display, est):
    """Every history_ key drawn with its values against epochs 1..n, in its panel."""
    history = est.history_
    epochs = np.arange(1, est.n_iter_ + 1)
    assert sorted(display.lines_) == sorted(k for k in history if k.endswith("loss"))
    for key, line in display.lines_.items():
        np.testing.assert_array_equal(line.get_xdata(), epochs)
        np.testing.assert_allclose(line.get_ydata(), history[key])
        head = key.removeprefix("val_")
        title = "loss (total)" if head == "loss" else head.removesuffix("_loss")
        assert line.axes.get_title() == title
        assert line.get_linestyle() == ("--" if key.startswith("val_") else "-")


def test_default_fit_draws_total_and_each_head_with_the_restored_epoch(display_fits):
    est = display_fits["default"][0]
    display = HistoryDisplay.from_estimator(est)

    assert len(display.ax_) == 3
    assert [ax.get_title() for ax in display.ax_] == ["loss (total)", "amount", "label"]
    assert display.figure_ is display.ax_[0].figure
    assert len(display.figure_.axes) == 3
    _assert_draws_history(display, est)
    assert "val_amount_loss" in display.lines_
    assert est.best_epoch_ is not None
    assert len(display.best_epoch_lines_) == 3
    for ax, line in zip(display.ax_, display.best_epoch_lines_):
        assert line.axes is ax
        assert list(line.get_xdata()) == [est.best_epoch_, est.best_epoch_]
        assert f"restored epoch {est.best_epoch_}" in [
            t.get_text() for t in ax.get_legend().get_texts()
        ]
    assert [ax.get_xlabel() for ax in display.ax_] == ["epoch"] * 3


def test_one_panel_per_head_with_several_labels(display_fits):
    est = display_fits["labels"][0]
    display = HistoryDisplay.from_estimator(est)

    assert [ax.get_title() for ax in display.ax_] == [
        "loss (total)", "amount", "label_1", "label_2"
    ]
    _assert_draws_history(display, est)
    assert len(display.best_epoch_lines_) == 4


def test_without_early_stopping_no_validation_line_and_no_marker(display_fits):
    est = display_fits["amounts"][0]
    display = HistoryDisplay.from_estimator(est)

    assert [ax.get_title() for ax in display.ax_] == [
        "loss (total)", "amount_a", "amount_b", "label"
    ]
    _assert_draws_history(display, est)
    assert not any(k.startswith("val_") for k in display.lines_)
    assert est.best_epoch_ is None and display.best_epoch_lines_ == []


def test_marks_the_given_epoch_not_the_last():
    history = {"loss": [3.0, 1.0, 2.0, 2.5], "amount_loss": [2.0, 0.5, 1.0, 1.5],
               "label_loss": [1.0, 0.5, 1.0, 1.0], "val_loss": [3.0, 1.5, 2.0, 3.0],
               "val_amount_loss": [2.0, 1.0, 1.0, 2.0],
               "val_label_loss": [1.0, 0.5, 1.0, 1.0]}
    display = HistoryDisplay(history=history, best_epoch=2).plot()

    marks = [list(line.get_xdata()) for line in display.best_epoch_lines_]
    assert marks == [[2, 2]] * 3
    drawn = display.lines_["val_loss"].get_ydata()
    np.testing.assert_array_equal(drawn, history["val_loss"])


def test_pipeline_draws_its_last_steps_history():
    X, y = make_xy()
    pipe = make_pipeline(
        StandardScaler(), RegressorClassifier(**TINY, early_stopping=False)
    ).fit(X, y)
    display = HistoryDisplay.from_estimator(pipe)

    _assert_draws_history(display, pipe[-1])


def test_draws_on_the_axes_given(display_fits):
    fig, axes = plt.subplots(2, 2)
    display = HistoryDisplay.from_estimator(display_fits["labels"][0], ax=axes)

    assert list(display.ax_) == list(axes.ravel())
    assert display.figure_ is fig


def test_wrong_axes_say_how_many_are_needed(display_fits):
    est = display_fits["default"][0]
    _, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match=r"3 panel.*got 2 Axes.*plt.subplots\(1, 3\)"):
        HistoryDisplay.from_estimator(est, ax=axes)
    with pytest.raises(ValueError, match="got one Axes"):
        HistoryDisplay.from_estimator(est, ax=axes[0])
    with pytest.raises(TypeError, match="matplotlib Axes or an array of them; got str"):
        HistoryDisplay.from_estimator(est, ax=[axes[0], axes[1], "x"])


def test_needs_a_fitted_regressor_classifier():
    with pytest.raises(NotFittedError):
        HistoryDisplay.from_estimator(RegressorClassifier())
    X, y = make_xy()
    with pytest.raises(TypeError, match="LinearRegression, which has no history_"):
        HistoryDisplay.from_estimator(LinearRegression().fit(X, y[:, 0]))


@pytest.mark.parametrize(
    "history, best_epoch, error, match",
    [
        ([1.0, 2.0], None, TypeError, "must be a dict"),
        ({"accuracy": [0.5]}, None, ValueError, "no loss to draw"),
        ({"loss": [1.0, 0.5], "amount_loss": [1.0]}, None, ValueError, "lengths"),
        ({"loss": [1.0, 0.5]}, 3, ValueError, "from 1 to 2"),
        ({"loss": [1.0, 0.5]}, 0, ValueError, "got 0"),
    ],
)
def test_bad_history_or_epoch_is_refused(history, best_epoch, error, match):
    with pytest.raises(error, match=match):
        HistoryDisplay(history=history, best_epoch=best_epoch).plot()


def test_without_matplotlib_it_imports_and_says_how_to_install(
    display_fits, monkeypatch
):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    importlib.reload(skmulti.inspection)  # the module itself needs no matplotlib
    install = r'needs matplotlib.*pip install "skmulti\[plot\]"'
    with pytest.raises(ImportError, match="HistoryDisplay.from_estimator " + install):
        skmulti.inspection.HistoryDisplay.from_estimator(display_fits["default"][0])
    with pytest.raises(ImportError, match=r"HistoryDisplay.plot needs matplotlib"):
        HistoryDisplay(history={"loss": [1.0]}).plot()
