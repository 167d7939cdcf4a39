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


def training_advice(training):
    """The part of a collapse message that depends on how training went.

    Parameters
    ----------
    training : dict or None
        ``n_iter`` (epochs run), ``best_epoch`` (the epoch whose weights early
        stopping restored; 0 if none), ``epochs``, ``early_stopping`` and
        ``n_iter_no_change``. None: nothing is known, the generic advice.

    Returns
    -------
    str
        Likely causes and fixes about the epochs; "raise epochs" only when
        training ran all ``epochs``.

    Examples
    --------
    >>> from skmulti._diagnostics import training_advice
    >>> facts = dict(n_iter=12, best_epoch=2, epochs=200, early_stopping=True,
    ...              n_iter_no_change=10)
    >>> print(training_advice(facts))  # doctest: +NORMALIZE_WHITESPACE
    early stopping restored epoch 2 of 12 run (epochs=200): the validation loss
    stopped improving before the head learned (raise n_iter_no_change from 10,
    raise validation_fraction for a less noisy validation loss, or set
    early_stopping=False with a fixed epochs)
    """
    if training is None:
        return "too few epochs or too low a learning_rate (raise epochs or learning_rate)"
    n_iter, best = int(training["n_iter"]), int(training.get("best_epoch") or 0)
    epochs = int(training["epochs"])
    early = bool(training.get("early_stopping"))
    if n_iter < epochs:
        if early and best:
            return (
                f"early stopping restored epoch {best} of {n_iter} run "
                f"(epochs={epochs}): the validation loss stopped improving before "
                "the head learned (raise n_iter_no_change from "
                f"{training['n_iter_no_change']}, raise validation_fraction for a "
                "less noisy validation loss, or set early_stopping=False with a "
                "fixed epochs)"
            )
        return (
            f"training stopped at epoch {n_iter} of epochs={epochs} (a callback "
            "stopped it): let it run longer (a larger patience in the callback) or "
            "raise learning_rate"
        )
    restored = (
        f"; early stopping restored epoch {best}" if early and 0 < best < n_iter else ""
    )
    return (
        f"too few epochs or too low a learning_rate (it ran all epochs={epochs}"
        f"{restored}: raise epochs or learning_rate)"
    )


def label_collapse(true_codes, pred_codes, weights, classes, training=None,
                   head="The label head"):
    """A message when the label head predicts one class for (almost) all rows.

    ``training`` (see :func:`training_advice`) tailors the advice about epochs
    and early stopping to what happened in training.
    """
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
        f"{head} collapsed: it predicts class {name!r} for "
        f"{pred_share[top]:.1%} of the training rows, although {other:.1%} of them "
        "belong to other classes. Likely causes and fixes: class imbalance "
        f"(class_weight='balanced'), {training_advice(training)}, "
        "a learning_rate so high that training "
        "saturated (lower it), unscaled features (put a StandardScaler before the "
        "estimator), or the amount loss swamping the shared trunk (raise "
        "label_weight, or loss_weighting='uncertainty')."
    )


def amount_collapse(true_amount, pred_amount, weights, training=None,
                    head="The amount head"):
    """A message when the amount head predicts (almost) one value for all rows.

    ``training`` (see :func:`training_advice`) tailors the advice about epochs
    and early stopping to what happened in training.
    """
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
        f"{head} collapsed: its predictions on the training rows spread by "
        f"{pred_spread:.4g} (std) although the amounts spread by {true_spread:.4g}, "
        f"a ratio of {pred_spread / true_spread:.2%}. Likely causes and fixes: an "
        "amount on a scale the network cannot reach (keep "
        "amount_transformer='standard', or use a log transform for heavy tails), "
        f"{training_advice(training)}, a learning_rate so high "
        "that training saturated (lower it), unscaled features (put a StandardScaler "
        "before the estimator), or the label loss swamping the trunk (lower "
        "label_weight, or loss_weighting='uncertainty')."
    )


def collapse_messages(heads, target, outputs, encoder, sample_weight, training):
    """A message (or None) per head of a fit, from its outputs on the training rows.

    ``target`` is the fit's :class:`skmulti._target.EncodedTarget`; a head of
    a ``y`` with several columns of its kind is named with its column.
    """
    from ._network import label_probabilities

    messages = []
    codes = iter(target.codes)
    classes = iter(encoder.classes_)
    trains = target.trains_amount
    # Labels first: a collapsed label is the commoner failure, and the first said.
    pairs = sorted(zip(heads, target.targets), key=lambda pair: not pair[0].is_label)
    for head, z in pairs:
        name = (f"The {head.kind} head" if head.name == head.kind
                else f"The {head.kind} head {head.name!r} (column {head.column!r} of y)")
        if head.is_label:
            pred = label_probabilities(outputs[head.name], head).argmax(axis=1)
            messages.append(label_collapse(next(codes), pred, sample_weight, next(classes),
                                           training=training, head=name))
        else:
            pred = np.asarray(outputs[head.name]).reshape(-1)
            messages.append(amount_collapse(
                np.asarray(z).reshape(-1)[trains], pred[trains], sample_weight[trains],
                training=training, head=name,
            ))
    return messages


def warn_collapse(messages, stacklevel=4):
    """Warn each message with :class:`~skmulti.exceptions.CollapseWarning`.

    ``stacklevel`` counts from this function to the user's call of ``fit``.
    """
    for message in messages:
        if message:
            warnings.warn(message, CollapseWarning, stacklevel=stacklevel)
