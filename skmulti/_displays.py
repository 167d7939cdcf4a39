"""PredictionDisplay: predicted against actual amounts beside the confusion matrices.

Each panel is drawn by scikit-learn's own display: an amount column by
:class:`sklearn.metrics.PredictionErrorDisplay`, a label column by
:class:`sklearn.metrics.ConfusionMatrixDisplay`. This module only splits ``y``
and the :class:`~skmulti.Prediction` into their columns, lays out the panels
and names them. Public as ``skmulti.metrics.PredictionDisplay``.
"""

import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay, PredictionErrorDisplay

from ._heads import AMOUNT, LABEL, head_name
from ._plotting import check_matplotlib, fitted_final_step, panel_axes
from ._prediction import Prediction
from ._target import _amount_column, _label_column, _table

def _as_prediction(y_pred, caller):
    if isinstance(y_pred, Prediction):
        return y_pred
    if isinstance(y_pred, tuple) and len(y_pred) == 2:
        return Prediction(np.asarray(y_pred[0]), np.asarray(y_pred[1]))
    raise TypeError(
        f"{caller}: y_pred must be what RegressorClassifier.predict returns (a "
        f"skmulti.Prediction) or an (amount, label) pair; got "
        f"{type(y_pred).__name__}. Pass est.predict(X)."
    )


def _columns(part, n):
    part = np.asarray(part)
    return [part] if part.ndim == 1 else [part[:, j] for j in range(part.shape[1])]


def _panels(y_true, y_pred, caller):
    """The columns of ``y`` (ids) and a panel for each: ``(kind, id, title, true,
    predicted)``, amounts first."""
    columns, ids = _table(y_true, default_layout=False)
    n = len(columns[0])
    layout = {AMOUNT: y_pred.amount_positions, LABEL: y_pred.label_positions}
    width = sum(len(p) for p in layout.values())
    if width != len(ids) or len(y_pred.amount) != n:
        raise ValueError(
            f"{caller}: y_true has shape ({n}, {len(ids)}) but y_pred has shape "
            f"{y_pred.shape}; pass the y and the prediction of the same rows, y "
            "with the columns the estimator was fitted on."
        )
    parts = {AMOUNT: _columns(y_pred.amount, n), LABEL: _columns(y_pred.label, n)}
    readers = {AMOUNT: _amount_column, LABEL: _label_column}
    where = [(j, i) if hasattr(y_true, "columns") else j for j, i in enumerate(ids)]
    panels = []
    for kind in (AMOUNT, LABEL):
        for position, predicted in zip(layout[kind], parts[kind]):
            truth = readers[kind](columns[position], where[position])
            if kind == LABEL:
                # Label columns of different dtypes are predicted as one object array.
                predicted = _label_column(predicted, where[position])
            title = head_name(kind, ids[position], len(layout[kind]))
            panels.append((kind, ids[position], title, truth, predicted))
    return panels, ids


def _select(panels, ids, column, caller):
    """The panels that ``column`` names (None: all), in the order it names them."""
    if column is None:
        return panels
    wanted = column if isinstance(column, list) else [column]
    drawn = [p[1] for p in panels]
    chosen = []
    for item in wanted:
        if isinstance(item, (bool, np.bool_)) or item not in drawn:
            kinds = {k: [p[1] for p in panels if p[0] == k] for k in (AMOUNT, LABEL)}
            raise ValueError(
                f"{caller}: column={column!r}: {item!r} is not a column of y. Its "
                f"columns are {ids} (amounts {kinds[AMOUNT]}, labels {kinds[LABEL]}): "
                "positions in y, or names for a DataFrame y. Pass one of them, a "
                "list of them, or None for all."
            )
        if drawn.index(item) in chosen:
            raise ValueError(
                f"{caller}: column={column!r} names {item!r} twice; name each column "
                "once."
            )
        chosen.append(drawn.index(item))
    return [panels[i] for i in chosen]


def _per_label_panel(value, n_label_panels, name, caller):
    """One ``labels``/``display_labels`` entry per label panel drawn."""
    if value is None or n_label_panels <= 1:
        return [value] * n_label_panels
    if not isinstance(value, (list, tuple)) or len(value) != n_label_panels or any(
        v is not None and (isinstance(v, str) or not np.iterable(v)) for v in value
    ):
        raise ValueError(
            f"{caller}: {n_label_panels} label columns are drawn, so {name} needs one "
            f"entry per label column (None or a list of classes), in order, e.g. "
            f"{name}={[None] * n_label_panels!r}; got {value!r}. Or pick one label "
            "column with column=."
        )
    return list(value)


class PredictionDisplay:
    """Predicted against actual amounts beside the labels' confusion matrices.

    One panel per column of ``y``: the amount columns first, each drawn by
    :class:`sklearn.metrics.PredictionErrorDisplay` (by default the actual
    amounts against the predicted ones), then the label columns, each drawn by
    :class:`sklearn.metrics.ConfusionMatrixDisplay`. ``column=`` draws some
    columns only. Each panel's title is the name of its head (``"amount"``,
    ``"label"``, or ``"label_<column>"`` with several label columns).

    Create it with :meth:`from_estimator` or :meth:`from_predictions`; the
    constructor takes scikit-learn's per-column displays and :meth:`plot`
    draws them again (on new axes, for instance).

    Parameters
    ----------
    displays : list of PredictionErrorDisplay or ConfusionMatrixDisplay
        One per panel, in order.
    columns : list of int or str
        The column of ``y`` each panel shows: its position in ``y``, or its
        name for a DataFrame ``y`` (as ``amount_columns_`` and
        ``label_columns_`` name them).
    titles : list of str, default=None
        The panels' titles; None: the columns.

    Attributes
    ----------
    displays_ : list of PredictionErrorDisplay or ConfusionMatrixDisplay
        scikit-learn's display of each panel, drawn: an amount's ``scatter_``
        and ``line_``, a label's ``im_``, ``text_`` and ``confusion_matrix``.
    ax_ : ndarray of matplotlib Axes
        One per panel.
    figure_ : matplotlib Figure

    See Also
    --------
    skmulti.inspection.HistoryDisplay : The loss per epoch and head.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skmulti import RegressorClassifier
    >>> from skmulti.metrics import PredictionDisplay
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 3))
    >>> y = np.column_stack([X[:, 0] * 2.0, (X[:, 1] > 0).astype(int)])
    >>> est = RegressorClassifier(hidden_layer_sizes=(8,), epochs=2,
    ...                           random_state=0).fit(X, y)
    >>> display = PredictionDisplay.from_estimator(est, X, y)
    >>> [ax.get_title() for ax in display.ax_], display.columns
    (['amount', 'label'], [0, 1])
    >>> [type(d).__name__ for d in display.displays_]
    ['PredictionErrorDisplay', 'ConfusionMatrixDisplay']
    >>> int(display.displays_[1].confusion_matrix.sum())
    60
    """

    def __init__(self, displays, *, columns, titles=None):
        self.displays = displays
        self.columns = columns
        self.titles = titles

    @classmethod
    def from_estimator(cls, estimator, X, y, *, column=None, labels=None,
                       display_labels=None, normalize=None, kind="actual_vs_predicted",
                       subsample=1_000, random_state=None, colorbar=True, ax=None):
        """Draw a fitted ``RegressorClassifier``'s predictions of ``X`` against ``y``.

        Parameters
        ----------
        estimator : RegressorClassifier or Pipeline
            Fitted; a Pipeline must end in a ``RegressorClassifier`` and
            predicts through all its steps.
        X : array-like
            The rows to predict.
        y : array-like or DataFrame
            Their targets, with the columns the estimator was fitted on.
        column, labels, display_labels, normalize, kind, subsample, \
random_state, colorbar, ax :
            As for :meth:`from_predictions`.

        Returns
        -------
        display : PredictionDisplay

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import numpy as np
        >>> from sklearn.pipeline import make_pipeline
        >>> from sklearn.preprocessing import StandardScaler
        >>> from skmulti import RegressorClassifier
        >>> from skmulti.metrics import PredictionDisplay
        >>> rng = np.random.RandomState(0)
        >>> X = rng.normal(size=(60, 3))
        >>> y = np.column_stack([X[:, 0], (X[:, 1] > 0).astype(int),
        ...                      np.where(X[:, 2] > 0, 2, 1)])
        >>> pipe = make_pipeline(StandardScaler(), RegressorClassifier(
        ...     hidden_layer_sizes=(8,), epochs=2, random_state=0)).fit(X, y)
        >>> display = PredictionDisplay.from_estimator(pipe, X, y, column=2)
        >>> [ax.get_title() for ax in display.ax_]
        ['label_2']
        >>> display.displays_[0].display_labels.tolist()
        [1, 2]
        """
        caller = f"{cls.__name__}.from_estimator"
        check_matplotlib(caller)
        fitted_final_step(estimator, caller, "label_columns_")
        return cls.from_predictions(
            y, estimator.predict(X), column=column, labels=labels,
            display_labels=display_labels, normalize=normalize, kind=kind,
            subsample=subsample, random_state=random_state, colorbar=colorbar, ax=ax,
        )

    @classmethod
    def from_predictions(cls, y_true, y_pred, *, column=None, labels=None,
                         display_labels=None, normalize=None,
                         kind="actual_vs_predicted", subsample=1_000,
                         random_state=None, colorbar=True, ax=None):
        """Draw a :class:`~skmulti.Prediction` against the ``y`` of the same rows.

        Parameters
        ----------
        y_true : array-like or DataFrame of shape (n_samples, n_columns)
            The targets, in the layout the estimator was fitted on.
        y_pred : Prediction or (amount, label) pair
            What ``RegressorClassifier.predict`` returned for those rows; its
            ``amount_positions`` and ``label_positions`` say which columns of
            ``y_true`` are amounts and which are labels (a plain pair means
            ``y_true``'s first column is the amount, its second the label).
        column : None, int, str or list, default=None
            The columns to draw: None for all, or a column of ``y`` (its
            position in ``y``, or its name for a DataFrame ``y``: the ids in
            ``amount_columns_`` and ``label_columns_``), or a list of them,
            drawn in that order.
        labels : array-like or list of them, default=None
            The classes to show, in order, as for
            :class:`~sklearn.metrics.ConfusionMatrixDisplay`; None: those in
            ``y_true`` or ``y_pred``. With several label columns drawn, one
            entry (None or a list) per label column.
        display_labels : array-like or list of them, default=None
            The names shown for ``labels``; per label column as ``labels``.
        normalize : {"true", "pred", "all"} or None, default=None
            Normalize the confusion matrices (see
            :func:`~sklearn.metrics.confusion_matrix`).
        kind : {"actual_vs_predicted", "residual_vs_predicted"}, \
default="actual_vs_predicted"
            What the amount panels draw (see
            :class:`~sklearn.metrics.PredictionErrorDisplay`).
        subsample : float, int or None, default=1_000
            How many rows the amount panels draw (a fraction for a float;
            None: all), as for ``PredictionErrorDisplay``.
        random_state : int or RandomState, default=None
            Which rows ``subsample`` draws; an int draws the same rows in every
            amount panel.
        colorbar : bool, default=True
            Whether each confusion matrix has its colorbar.
        ax : None, matplotlib Axes or array-like of Axes, default=None
            One Axes per panel (one Axes for one panel); None makes a new
            figure with the panels side by side.

        Returns
        -------
        display : PredictionDisplay

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import numpy as np
        >>> import pandas as pd
        >>> from skmulti import Prediction
        >>> from skmulti.metrics import PredictionDisplay
        >>> y = pd.DataFrame({"spend": [1.0, 2.0, 3.0, 4.0],
        ...                   "churn": ["no", "yes", "yes", "no"]})
        >>> pred = Prediction(np.array([1.1, 2.2, 2.7, 4.4]),
        ...                   np.array(["no", "yes", "no", "no"]))
        >>> display = PredictionDisplay.from_predictions(y, pred)
        >>> display.columns, display.displays_[1].confusion_matrix.tolist()
        (['spend', 'churn'], [[2, 0], [1, 1]])
        >>> display.displays_[0].scatter_.get_offsets().shape
        (4, 2)
        """
        caller = f"{cls.__name__}.from_predictions"
        check_matplotlib(caller)
        y_pred = _as_prediction(y_pred, caller)
        panels = _select(*_panels(y_true, y_pred, caller), column, caller)
        n_labels = sum(kind_ == LABEL for kind_, *_ in panels)
        per_label = zip(
            _per_label_panel(labels, n_labels, "labels", caller),
            _per_label_panel(display_labels, n_labels, "display_labels", caller),
        )
        axes = panel_axes(ax, [p[2] for p in panels], caller)
        displays = []
        for axis, (kind_, _, title, truth, predicted) in zip(axes, panels):
            if kind_ == AMOUNT:
                display = PredictionErrorDisplay.from_predictions(
                    truth, predicted, kind=kind, subsample=subsample,
                    random_state=random_state, ax=axis,
                )
            else:
                classes, names = next(per_label)
                display = ConfusionMatrixDisplay.from_predictions(
                    truth, predicted, labels=classes, display_labels=names,
                    normalize=normalize, colorbar=colorbar, ax=axis,
                )
            axis.set_title(title)
            displays.append(display)
        columns, titles = [p[1] for p in panels], [p[2] for p in panels]
        viz = cls(displays, columns=columns, titles=titles)
        viz._set_drawn(displays, axes)
        return viz

    def _set_drawn(self, displays, axes):
        self.displays_ = displays
        self.ax_ = axes
        self.figure_ = axes[0].figure

    def plot(self, ax=None, *, kind="actual_vs_predicted", colorbar=True):
        """Draw every panel again, with scikit-learn's displays' ``plot``.

        Parameters
        ----------
        ax : None, matplotlib Axes or array-like of Axes, default=None
            One Axes per panel; None makes a new figure.
        kind : {"actual_vs_predicted", "residual_vs_predicted"}, \
default="actual_vs_predicted"
            What the amount panels draw.
        colorbar : bool, default=True
            Whether each confusion matrix has its colorbar.

        Returns
        -------
        display : PredictionDisplay
            ``self``, with ``displays_``, ``ax_`` and ``figure_`` set.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import numpy as np
        >>> from skmulti import Prediction
        >>> from skmulti.metrics import PredictionDisplay
        >>> y = np.array([[1.0, 0], [2.0, 1], [3.0, 1]])
        >>> pred = Prediction(np.array([1.2, 1.8, 3.1]), np.array([0, 1, 0]))
        >>> display = PredictionDisplay.from_predictions(y, pred)
        >>> again = display.plot(kind="residual_vs_predicted")
        >>> again.ax_[0].get_ylabel()
        'Residuals (actual - predicted)'
        """
        caller = f"{type(self).__name__}.plot"
        check_matplotlib(caller)
        titles = self.titles
        if titles is None:
            titles = [str(c) for c in self.columns]
        axes = panel_axes(ax, list(titles), caller)
        for axis, display, title in zip(axes, self.displays, titles):
            if isinstance(display, PredictionErrorDisplay):
                display.plot(ax=axis, kind=kind)
            else:
                display.plot(ax=axis, colorbar=colorbar)
            axis.set_title(title)
        self._set_drawn(list(self.displays), axes)
        return self
