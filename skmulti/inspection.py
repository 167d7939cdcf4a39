"""Seeing how a ``RegressorClassifier`` trained.

:class:`HistoryDisplay` draws the loss of every epoch from ``history_``: the
total loss and each head's loss, for the training rows and (with early
stopping) the validation rows, and marks the epoch whose weights early
stopping restored (``best_epoch_``). It follows scikit-learn's display
conventions (``from_estimator``, ``plot``, ``ax_``, ``figure_``) and needs
matplotlib (``pip install "skmulti[plot]"``).
"""

import numbers

import numpy as np

from ._plotting import check_matplotlib, fitted_final_step, panel_axes

__all__ = ["HistoryDisplay"]

_VAL = "val_"
_LOSS = "loss"
_SUFFIX = "_loss"


def _panel_keys(history):
    """The training keys drawn, one panel each: ``"loss"``, then each head's loss."""
    heads = [
        key for key in history
        if key.endswith(_SUFFIX) and not key.startswith(_VAL) and key != _LOSS
    ]
    return ([_LOSS] if _LOSS in history else []) + heads


def _check_history(history):
    if not isinstance(history, dict):
        raise TypeError(
            "HistoryDisplay: history must be a dict of per-epoch losses (a fitted "
            f"RegressorClassifier's history_); got {type(history).__name__}."
        )
    keys = _panel_keys(history)
    if not keys:
        raise ValueError(
            "HistoryDisplay: history has no loss to draw: it needs 'loss' or "
            f"'<head>_loss' entries (as a RegressorClassifier's history_); got the "
            f"keys {list(history)}."
        )
    lengths = {key: len(history[key]) for key in history if key.endswith(_LOSS)}
    if len(set(lengths.values())) != 1 or 0 in lengths.values():
        raise ValueError(
            "HistoryDisplay: every loss in history needs one value per epoch, the "
            f"same number of epochs each (at least one); got lengths {lengths}."
        )
    return keys, next(iter(lengths.values()))


def _check_best_epoch(best_epoch, n_epochs):
    if best_epoch is None:
        return None
    if (
        not isinstance(best_epoch, numbers.Integral)
        or isinstance(best_epoch, bool)
        or not 1 <= best_epoch <= n_epochs
    ):
        raise ValueError(
            "HistoryDisplay: best_epoch must be None or an epoch number from 1 to "
            f"{n_epochs} (1-based, as a RegressorClassifier's best_epoch_); got "
            f"{best_epoch!r}."
        )
    return int(best_epoch)


class HistoryDisplay:
    """The training and validation loss per epoch, per head, with the restored epoch.

    One panel for the total loss and one per head (in the network's order:
    amount heads, then label heads), each with the training loss (solid) and,
    when the fit held out validation rows, the validation loss (dashed). A
    dotted vertical line marks ``best_epoch``, the epoch whose weights early
    stopping restored.

    Create it with :meth:`from_estimator`; the constructor takes the values
    (as scikit-learn's displays do) and :meth:`plot` draws them.

    Parameters
    ----------
    history : dict of list of float
        Per-epoch losses: ``"loss"``, ``"<head>_loss"`` for each head and, with
        validation rows, the same keys prefixed ``"val_"`` (a fitted
        ``RegressorClassifier``'s ``history_``).
    best_epoch : int or None, default=None
        The 1-based epoch to mark (``best_epoch_``); None marks none.

    Attributes
    ----------
    lines_ : dict of matplotlib Line2D
        The line of each key of ``history`` drawn (``"loss"``,
        ``"val_amount_loss"``, ...); its y data are that key's values, its x
        data the epochs 1, 2, ...
    best_epoch_lines_ : list of matplotlib Line2D
        The vertical line at ``best_epoch`` in each panel; empty when
        ``best_epoch`` is None.
    ax_ : ndarray of matplotlib Axes
        One per panel: the total loss first, then the heads.
    figure_ : matplotlib Figure

    See Also
    --------
    skmulti.metrics.PredictionDisplay :
        Predicted against actual amounts, and the labels' confusion matrices.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skmulti import RegressorClassifier
    >>> from skmulti.inspection import HistoryDisplay
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 3))
    >>> y = np.column_stack([X[:, 0] * 2.0, (X[:, 1] > 0).astype(int)])
    >>> est = RegressorClassifier(hidden_layer_sizes=(8,), epochs=3,
    ...                           random_state=0).fit(X, y)
    >>> display = HistoryDisplay.from_estimator(est)
    >>> [ax.get_title() for ax in display.ax_]
    ['loss (total)', 'amount', 'label']
    >>> sorted(display.lines_)  # doctest: +NORMALIZE_WHITESPACE
    ['amount_loss', 'label_loss', 'loss',
     'val_amount_loss', 'val_label_loss', 'val_loss']
    >>> display.best_epoch_lines_[0].get_xdata()[0] == est.best_epoch_
    True
    """

    def __init__(self, *, history, best_epoch=None):
        self.history = history
        self.best_epoch = best_epoch

    @classmethod
    def from_estimator(cls, estimator, *, ax=None):
        """Draw the history of a fitted RegressorClassifier or a Pipeline ending in one.

        Parameters
        ----------
        estimator : RegressorClassifier or Pipeline
            Fitted; its (last step's) ``history_`` and ``best_epoch_`` are drawn.
        ax : None or array-like of matplotlib Axes, default=None
            One Axes per panel (the total loss, then each head); None makes a
            new figure with the panels side by side.

        Returns
        -------
        display : HistoryDisplay

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> import numpy as np
        >>> from skmulti import RegressorClassifier
        >>> from skmulti.inspection import HistoryDisplay
        >>> rng = np.random.RandomState(0)
        >>> X = rng.normal(size=(60, 3))
        >>> y = np.column_stack([X[:, 0], X[:, 1], (X[:, 2] > 0).astype(int)])
        >>> est = RegressorClassifier(amount_columns=[0, 1], hidden_layer_sizes=(8,),
        ...                           epochs=2, early_stopping=False,
        ...                           random_state=0).fit(X, y)
        >>> fig, axes = plt.subplots(2, 2)
        >>> display = HistoryDisplay.from_estimator(est, ax=axes)
        >>> [ax.get_title() for ax in display.ax_]
        ['loss (total)', 'amount_0', 'amount_1', 'label']
        >>> display.best_epoch_lines_
        []
        """
        caller = f"{cls.__name__}.from_estimator"
        check_matplotlib(caller)
        final = fitted_final_step(estimator, caller, "history_")
        return cls(
            history=final.history_, best_epoch=getattr(final, "best_epoch_", None)
        ).plot(ax=ax)

    def plot(self, ax=None):
        """Draw the losses, one panel for the total and one per head.

        Parameters
        ----------
        ax : None or array-like of matplotlib Axes, default=None
            One Axes per panel; None makes a new figure.

        Returns
        -------
        display : HistoryDisplay
            ``self``, with ``lines_``, ``best_epoch_lines_``, ``ax_`` and
            ``figure_`` set.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from skmulti.inspection import HistoryDisplay
        >>> history = {"loss": [1.0, 0.6, 0.5], "amount_loss": [0.7, 0.4, 0.3],
        ...            "label_loss": [0.3, 0.2, 0.2]}
        >>> display = HistoryDisplay(history=history, best_epoch=2).plot()
        >>> len(display.ax_), display.lines_["amount_loss"].get_ydata().tolist()
        (3, [0.7, 0.4, 0.3])
        """
        caller = f"{type(self).__name__}.plot"
        check_matplotlib(caller)
        from matplotlib.ticker import MaxNLocator

        keys, n_epochs = _check_history(self.history)
        best_epoch = _check_best_epoch(self.best_epoch, n_epochs)
        titles = ["loss (total)" if k == _LOSS else k[: -len(_SUFFIX)] for k in keys]
        axes = panel_axes(ax, titles, caller)
        epochs = np.arange(1, n_epochs + 1)
        self.lines_, self.best_epoch_lines_ = {}, []
        for axis, key, title in zip(axes, keys, titles):
            self.lines_[key] = axis.plot(epochs, self.history[key], label="training")[0]
            if _VAL + key in self.history:
                self.lines_[_VAL + key] = axis.plot(
                    epochs, self.history[_VAL + key], linestyle="--", label="validation"
                )[0]
            if best_epoch is not None:
                self.best_epoch_lines_.append(axis.axvline(
                    best_epoch, color="gray", linestyle=":",
                    label=f"restored epoch {best_epoch}",
                ))
            axis.set(title=title, xlabel="epoch", ylabel="loss")
            axis.xaxis.set_major_locator(MaxNLocator(integer=True))
            axis.legend()
        self.ax_ = axes
        self.figure_ = axes[0].figure
        return self
