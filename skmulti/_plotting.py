"""What the displays share: importing matplotlib, the panels, the fitted estimator.

matplotlib is an optional dependency (``pip install "skmulti[plot]"``). It is
imported only when something is drawn, through :func:`check_matplotlib`, so
that ``import skmulti.inspection`` and ``import skmulti.metrics`` work without
it.
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

#: Inches per panel (width, height) of a figure the displays create.
PANEL_SIZE = (4.2, 3.8)


def check_matplotlib(caller):
    """Return ``matplotlib.pyplot``, or raise an ImportError saying how to install it.

    Parameters
    ----------
    caller : str
        What needs matplotlib, for the message (``"HistoryDisplay.plot"``).

    Returns
    -------
    module
        ``matplotlib.pyplot``.

    Examples
    --------
    >>> from skmulti._plotting import check_matplotlib
    >>> check_matplotlib("HistoryDisplay.plot").__name__
    'matplotlib.pyplot'
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} needs matplotlib, which could not be imported ({exc}). "
            'Install the plotting extra: pip install "skmulti[plot]" (or pip '
            "install matplotlib)."
        ) from None
    return plt


def panel_axes(ax, names, caller):
    """One matplotlib Axes per panel: a new figure's, or the ones the user passed.

    Parameters
    ----------
    ax : None, matplotlib Axes or array-like of Axes
        None: a new figure with the panels side by side. One Axes: for one
        panel. An array (any shape, e.g. from ``plt.subplots(2, 2)``): one Axes
        per panel, in order.
    names : list of str
        The panels' titles, for the message when ``ax`` does not fit.
    caller : str
        Who draws, for the messages.

    Returns
    -------
    ndarray of Axes, shape (len(names),)
    """
    plt = check_matplotlib(caller)
    from matplotlib.axes import Axes

    n = len(names)
    if ax is None:
        _, axes = plt.subplots(
            1, n, figsize=(PANEL_SIZE[0] * n, PANEL_SIZE[1]), squeeze=False,
            layout="constrained",
        )
        return axes.ravel()
    how = (
        f"pass ax=None for a new figure, or {n} Axes, e.g. "
        f"fig, ax = plt.subplots(1, {n})"
    )
    if isinstance(ax, Axes):
        if n != 1:
            raise ValueError(
                f"{caller} draws {n} panels ({names}) but got one Axes in ax; {how}."
            )
        return np.array([ax], dtype=object)
    axes = np.empty(np.shape(ax), dtype=object)
    axes[...] = ax
    axes = axes.ravel()
    bad = [a for a in axes if not isinstance(a, Axes)]
    if bad:
        raise TypeError(
            f"{caller}: ax must be a matplotlib Axes or an array of them; got "
            f"{type(bad[0]).__name__} {bad[0]!r} in it. {how[0].upper()}{how[1:]}."
        )
    if len(axes) != n:
        raise ValueError(
            f"{caller} draws {n} panel(s) ({names}) but got {len(axes)} Axes in ax; "
            f"{how}."
        )
    return axes


def fitted_final_step(estimator, caller, attribute):
    """A Pipeline's last step (or the estimator itself), fitted, with ``attribute``.

    Raises a TypeError when that step lacks ``attribute`` (it is not a
    ``RegressorClassifier``) and scikit-learn's NotFittedError when it is not
    fitted.
    """
    final = estimator
    while hasattr(final, "steps"):
        final = final.steps[-1][1]
    check_is_fitted(final)
    if not hasattr(final, attribute):
        raise TypeError(
            f"{caller} takes a fitted skmulti.RegressorClassifier (or a Pipeline that "
            f"ends in one); got {type(final).__name__}, which has no {attribute}. "
            "Fit a RegressorClassifier and pass it."
        )
    return final
