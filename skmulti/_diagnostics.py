"""Detect a head that collapsed to (almost) one output although the data varies."""

import warnings

import numpy as np

from .exceptions import CollapseWarning

LABEL_MAX_OTHER_RATIO = 0.10
"""The label head has collapsed when it predicts the classes other than its top
one for less than this fraction of the rows that belong to them (e.g. 99% of the
predictions for one class while 10% of the rows are other classes, 95% while
50% are) ..."""
LABEL_MIN_OTHER_SHARE = 0.10
"""... and at least this share of the training rows belongs to other classes."""
AMOUNT_MIN_SPREAD = 0.05
"""The amount head has collapsed when the spread (std) of its predictions is below
this fraction of the spread of the amounts it was trained on (so it can explain
at most about 10% of their variance)."""


def label_collapse(true_codes, pred_codes, weights, classes):
    """A message when the label head predicts one class for (almost) all rows."""
    weights = np.asarray(weights, dtype=float)
    total = weights.sum()
    if total <= 0:
        return None
    n_classes = len(classes)
    pred_share = np.bincount(pred_codes, weights=weights, minlength=n_classes) / total
    true_share = np.bincount(true_codes, weights=weights, minlength=n_classes) / total
    top = int(np.argmax(pred_share))
    name = classes[top].item() if hasattr(classes[top], "item") else classes[top]
    other = 1.0 - true_share[top]
    predicted_other = 1.0 - pred_share[top]
    if (
        other < LABEL_MIN_OTHER_SHARE - 1e-9  # 10 rows in 100 count as 10%
        or predicted_other >= LABEL_MAX_OTHER_RATIO * other
    ):
        return None
    return (
        f"The label head collapsed: it predicts class {name!r} for "
        f"{pred_share[top]:.1%} of the training rows, although {other:.1%} of them "
        "belong to other classes. Likely causes and fixes: class imbalance "
        "(class_weight='balanced'), too few epochs or too low a learning_rate "
        "(raise epochs or learning_rate), a learning_rate so high that training "
        "saturated (lower it), unscaled features (put a StandardScaler before the "
        "estimator), or the amount loss swamping the shared trunk (raise "
        "label_weight, or loss_weighting='uncertainty')."
    )


def amount_collapse(true_amount, pred_amount, weights):
    """A message when the amount head predicts (almost) one value for all rows."""
    weights = np.asarray(weights, dtype=float)
    if len(true_amount) < 2 or weights.sum() <= 0:
        return None

    def spread(values):
        mean = np.average(values, weights=weights)
        return float(np.sqrt(np.average((values - mean) ** 2, weights=weights)))

    true_spread, pred_spread = spread(true_amount), spread(pred_amount)
    if true_spread <= 0 or pred_spread >= AMOUNT_MIN_SPREAD * true_spread:
        return None
    return (
        "The amount head collapsed: its predictions on the training rows spread by "
        f"{pred_spread:.4g} (std) although the amounts spread by {true_spread:.4g}, "
        f"a ratio of {pred_spread / true_spread:.2%}. Likely causes and fixes: an "
        "amount on a scale the network cannot reach (keep "
        "amount_transformer='standard', or use a log transform for heavy tails), "
        "too few epochs or too low a learning_rate, a learning_rate so high that "
        "training saturated (lower it), unscaled features (put a StandardScaler "
        "before the estimator), or the label loss swamping the trunk (lower "
        "label_weight, or loss_weighting='uncertainty')."
    )


def warn_collapse(messages):
    for message in messages:
        if message:
            # warn_collapse <- fit <- _fit_context's wrapper <- the caller
            warnings.warn(message, CollapseWarning, stacklevel=4)
