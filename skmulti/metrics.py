"""Scorers for one head of a ``RegressorClassifier``, and for both at once.

scikit-learn's scorers read one target and one prediction. A
``RegressorClassifier`` is fitted on a two-column ``y`` and predicts an
``(amount, label)`` pair, so ``scoring="r2"`` would compare a table with a
table: it fails (see :class:`skmulti.Prediction`). The scorers here take any
scikit-learn scorer, by name or as an object, and apply it to one head:

* :func:`amount_scorer` scores ``predict(X).amount`` against ``y[:, 0]``;
* :func:`label_scorer` scores ``predict(X).label`` (or ``predict_proba(X)``
  for probability-based scorers such as ``"roc_auc"`` and ``"neg_log_loss"``)
  against ``y[:, 1]``;
* :func:`combined_scorer` gives one number for model selection: a weighted
  mean of one amount score and one label score.

They work wherever scikit-learn takes a scorer: ``GridSearchCV`` and the other
search tools (alone or in a ``scoring`` dict, with ``refit="<name>"``),
``cross_validate``, ``cross_val_score``, and on a ``Pipeline`` that ends in a
``RegressorClassifier``. In a ``scoring`` dict the estimator predicts once per
fold for all the scorers that need ``predict`` (and once for ``predict_proba``).

How it works: each scorer hands scikit-learn's own scorer a one-head *view*
of the fitted estimator, carrying scikit-learn's estimator tags (a regressor
for the amount, a classifier with ``classes_`` for the label), together with
the matching column of ``y``. No metric is reimplemented here.
"""

import inspect
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import get_scorer, get_scorer_names
from sklearn.utils.metaestimators import available_if

from ._compat import sklearn_base_scorer
from ._displays import PredictionDisplay
from ._target import split_target

__all__ = ["PredictionDisplay", "amount_scorer", "combined_scorer", "label_scorer"]

_BaseScorer = sklearn_base_scorer()
_HEADS = ("amount", "label")


# -- one-head views of a fitted estimator ------------------------------------------


class _Responses:
    """The fitted estimator's ``predict``/``predict_proba`` on one ``X``, once each.

    ``method_caller`` is what scikit-learn gives a scorer's ``_score``: in a
    multi-metric ``scoring`` dict it caches each response for all scorers of
    the fold, keyed by the method name. The full responses (a ``Prediction``,
    the probabilities) are what is cached, never one head's part, so scorers
    of both heads and scikit-learn's own scorers can share the cache.
    """

    def __init__(self, method_caller, estimator):
        self.method_caller = method_caller
        self.estimator = estimator
        self._memo = {}

    def __call__(self, method, X):
        if method not in self._memo:
            self._memo[method] = self.method_caller(self.estimator, method, X)
        return self._memo[method]


def _has_proba(view):
    return hasattr(view.estimator, "predict_proba")




class _AmountHead(RegressorMixin, BaseEstimator):
    """One amount column of a fitted estimator, as a scikit-learn regressor."""

    def __init__(self, estimator=None, responses=None, index=0):
        self.estimator = estimator
        self.responses = responses
        self.index = index

    def __sklearn_is_fitted__(self):
        return True

    def predict(self, X):
        return self.responses("predict", X).amount_column(self.index)


class _LabelHead(ClassifierMixin, BaseEstimator):
    """One label column of a fitted estimator, as a scikit-learn classifier."""

    def __init__(self, estimator=None, responses=None, index=0):
        self.estimator = estimator
        self.responses = responses
        self.index = index

    def __sklearn_is_fitted__(self):
        return True

    @property
    def classes_(self):
        classes = self.estimator.classes_
        return classes[self.index] if isinstance(classes, list) else classes

    def predict(self, X):
        return self.responses("predict", X).label_column(self.index)

    @available_if(_has_proba)
    def predict_proba(self, X):
        proba = self.responses("predict_proba", X)
        return proba[self.index] if isinstance(proba, list) else proba


_VIEWS = {"amount": _AmountHead, "label": _LabelHead}


# -- checking what the user passed ---------------------------------------------------


def _resolve(scoring, head, caller):
    """A scikit-learn scorer object from a name, a scorer or a scorer function."""
    if isinstance(scoring, str):
        if scoring not in get_scorer_names():
            close = [n for n in get_scorer_names() if scoring in n or n in scoring]
            hint = f" Close names: {close[:6]}." if close else ""
            raise ValueError(
                f"{caller}({scoring!r}): {scoring!r} is not a scikit-learn scorer "
                f"name.{hint} sklearn.metrics.get_scorer_names() lists them all; "
                "for a metric function use sklearn.metrics.make_scorer(func)."
            )
        return get_scorer(scoring)
    if isinstance(scoring, (_HeadScorer, _CombinedScorer)):
        raise ValueError(
            f"{caller}() got {scoring!r}, which already selects a head. Pass the "
            f"scikit-learn scorer itself, e.g. {caller}('r2')."
        )
    if not callable(scoring):
        raise TypeError(
            f"{caller}() takes a scikit-learn scorer name (e.g. 'r2', 'accuracy', "
            f"'roc_auc') or a scorer callable(estimator, X, y); got "
            f"{type(scoring).__name__} {scoring!r}."
        )
    module = getattr(scoring, "__module__", None) or ""
    if (
        not isinstance(scoring, _BaseScorer)
        and module.startswith("sklearn.metrics.")
        and not module.startswith("sklearn.metrics._scorer")
    ):
        name = getattr(scoring, "__name__", repr(scoring))
        raise ValueError(
            f"{caller}({name}): {name} is a metric function (y_true, y_pred), not a "
            f"scorer (estimator, X, y). Pass {caller}(make_scorer({name})) or a "
            "scorer name such as 'r2' or 'accuracy'."
        )
    return scoring


def _final_estimator(estimator):
    while hasattr(estimator, "steps"):
        estimator = estimator.steps[-1][1]
    return estimator


def _target_columns(estimator, y):
    """``{"amount": [...], "label": [...]}``: the columns of ``y`` and their ids."""
    encoder = getattr(_final_estimator(estimator), "_target_encoder", None)
    if encoder is None:
        amount, label = split_target(y)
        return {"amount": ([amount], [0]), "label": ([label], [1])}
    amounts, labels = encoder.read(y)
    return {"amount": (amounts, encoder.amount_columns_),
            "label": (labels, encoder.label_columns_)}


def _select(head, column, ids):
    """Indices among a kind's columns that ``column`` picks (None: all)."""
    if column is None:
        if not ids:
            raise ValueError(
                f"{head}_scorer: the estimator has no {head} column to score (y's "
                f"{head} columns: none). Score the other kind of column."
            )
        return list(range(len(ids)))
    if isinstance(column, (int, np.integer)) and not isinstance(column, bool) and (
            column not in ids or not any(isinstance(i, str) for i in ids)):
        if not -len(ids) <= column < len(ids):
            raise ValueError(
                f"{head}_scorer(column={column}): the estimator has {len(ids)} {head} "
                f"column(s) {ids}; column= is a position among them (0 to "
                f"{len(ids) - 1}) or a column name."
            )
        return [int(column) % len(ids)]
    if column in ids:
        return [ids.index(column)]
    raise ValueError(
        f"{head}_scorer(column={column!r}): not {'an' if head == 'amount' else 'a'} "
        f"{head} column of y; the {head} "
        f"columns are {ids}. Pass a position among them or one of those names."
    )


def _accepts_sample_weight(scorer):
    if hasattr(scorer, "_accept_sample_weight"):
        return bool(scorer._accept_sample_weight())
    try:
        params = inspect.signature(scorer).parameters
    except (TypeError, ValueError):
        return False
    return "sample_weight" in params or any(
        p.kind == p.VAR_KEYWORD for p in params.values()
    )


def _response_method(scorer):
    return getattr(scorer, "_response_method", "predict")


# -- the scorers ---------------------------------------------------------------------


class _WrappingScorer(_BaseScorer):
    """What the skmulti scorers share: they forward metadata requests to the
    scikit-learn scorers they wrap (``_wrapped()``)."""

    def _routing_repr(self):
        return repr(self)

    def set_score_request(self, **kwargs):
        """Request metadata (e.g. ``sample_weight``) as the wrapped scorers would.

        Only with ``sklearn.set_config(enable_metadata_routing=True)``.

        Parameters
        ----------
        **kwargs : dict
            ``param_name=alias``, as for scikit-learn's scorers.

        Returns
        -------
        self
        """
        for scorer in self._wrapped():
            scorer.set_score_request(**kwargs)
        return self


class _HeadScorer(_WrappingScorer):
    """A scikit-learn scorer applied to one head; see :func:`amount_scorer`.

    It derives from scikit-learn's private scorer base class on purpose: in a
    multi-metric ``scoring`` dict, scikit-learn calls ``_score`` directly on
    such objects (with a response cache shared by the scorers of a fold), and
    ``__call__`` would be bypassed. Both entries select the head.
    """

    def __init__(self, scoring, head, column=None):
        inner = _resolve(scoring, head, f"{head}_scorer")
        super().__init__(
            score_func=getattr(inner, "_score_func", inner),
            sign=getattr(inner, "_sign", 1),
            kwargs={},
            response_method=_response_method(inner),
        )
        self.scoring = scoring
        self.head = head
        self.column = column
        self._inner = inner

    def __repr__(self):
        column = "" if self.column is None else f", column={self.column!r}"
        return f"{self.head}_scorer({self.scoring!r}{column})"

    def _accept_sample_weight(self):
        return _accepts_sample_weight(self._inner)

    def _get_metadata_request(self):
        return self._inner._get_metadata_request()

    def _wrapped(self):
        return [self._inner]

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        columns = _target_columns(estimator, y_true)
        responses = _Responses(method_caller, estimator)
        return self._score_head(responses, X, columns[self.head], **kwargs)

    def _score_head(self, responses, X, columns, **kwargs):
        """The (uniform) mean score over the selected columns of this kind."""
        values, ids = columns
        if "sample_weight" in kwargs and not self._accept_sample_weight():
            kwargs = {k: v for k, v in kwargs.items() if k != "sample_weight"}
        scores = [
            float(self._inner(_VIEWS[self.head](responses.estimator, responses, i), X,
                              values[i], **kwargs))
            for i in _select(self.head, self.column, list(ids))
        ]
        return float(np.mean(scores))


class _CombinedScorer(_WrappingScorer):
    """A weighted mean of an amount score and a label score; see :func:`combined_scorer`."""

    def __init__(self, amount, label, weights):
        self._heads = {
            "amount": _HeadScorer(amount, "amount"),
            "label": _HeadScorer(label, "label"),
        }
        self._weights = _check_weights(weights)
        super().__init__(
            score_func=self._heads["amount"]._score_func,
            sign=1,
            kwargs={},
            response_method=self._heads["label"]._response_method,
        )
        self.amount = amount
        self.label = label
        self.weights = weights

    def __repr__(self):
        return (
            f"combined_scorer(amount={self.amount!r}, "
            f"label={self.label!r}, weights={self._weights})"
        )

    def _accept_sample_weight(self):
        return any(s._accept_sample_weight() for s in self._heads.values())

    def _get_metadata_request(self):
        request = self._heads["amount"]._get_metadata_request()
        other = self._heads["label"]._get_metadata_request()
        for param, alias in other.score.requests.items():
            if param not in request.score.requests or alias not in (None, False):
                request.score.add_request(param=param, alias=alias)
        return request

    def _wrapped(self):
        return list(self._heads.values())

    def _score(self, method_caller, estimator, X, y_true, **kwargs):
        columns = _target_columns(estimator, y_true)
        responses = _Responses(method_caller, estimator)
        return float(
            sum(
                self._weights[head]
                * self._heads[head]._score_head(responses, X, columns[head], **kwargs)
                for head in _HEADS
                if self._weights[head] > 0
            )
        )


def _check_weights(weights):
    if weights is None:
        return {"amount": 0.5, "label": 0.5}
    if not isinstance(weights, dict) or set(weights) - set(_HEADS):
        raise ValueError(
            "combined_scorer(weights=...) must be a dict with keys 'amount' and/or "
            f"'label', e.g. {{'amount': 0.3, 'label': 0.7}}; got {weights!r}."
        )
    values = {head: weights.get(head, 0.0) for head in _HEADS}
    bad = {
        k: v
        for k, v in values.items()
        if not isinstance(v, Real) or isinstance(v, bool) or not np.isfinite(v) or v < 0
    }
    if bad or sum(values.values()) <= 0:
        raise ValueError(
            "combined_scorer(weights=...) needs finite weights >= 0, at least one of "
            f"them positive; got {weights!r}."
        )
    total = float(sum(values.values()))
    return {head: float(value) / total for head, value in values.items()}


def amount_scorer(scoring="r2", *, column=None):
    """A scorer that scores the amount head: ``y[:, 0]`` against ``predict(X).amount``.

    With several amount columns (``amount_columns``) it averages the score of
    each amount column (uniform average), or scores the one ``column`` picks.

    Parameters
    ----------
    scoring : str or callable, default="r2"
        Any scikit-learn scorer name (``"r2"``, ``"neg_mean_absolute_error"``,
        ``"neg_root_mean_squared_error"``, ... see
        ``sklearn.metrics.get_scorer_names()``) or scorer object, e.g.
        ``make_scorer(mean_pinball_loss, alpha=0.9, greater_is_better=False)``.
        Like scikit-learn's scorers, greater is better: losses come negated.
    column : None, int or str, default=None
        None: the single amount column, or the mean over all amount columns.
        An int: a position among the amount columns (``amount_columns_``); a
        str: the name of an amount column of a DataFrame ``y``.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y)`` for a fitted ``RegressorClassifier`` (or a
        ``Pipeline`` ending in one) and a two-column ``y``; usable as
        ``scoring=`` of every scikit-learn search and cross-validation tool.

    See Also
    --------
    label_scorer : The same for the label head.
    combined_scorer : One number for both heads.

    Examples
    --------
    >>> import numpy as np
    >>> from skmulti import RegressorClassifier
    >>> from skmulti.metrics import amount_scorer
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 3))
    >>> y = np.column_stack([X[:, 0] * 2.0, (X[:, 1] > 0).astype(int)])
    >>> est = RegressorClassifier(hidden_layer_sizes=(4,), epochs=2, random_state=0)
    >>> est = est.fit(X, y)
    >>> scorer = amount_scorer("neg_mean_absolute_error")
    >>> scorer
    amount_scorer('neg_mean_absolute_error')
    >>> type(scorer(est, X, y))
    <class 'float'>
    """
    return _HeadScorer(scoring, "amount", column)


def label_scorer(scoring="accuracy", *, column=None):
    """A scorer that scores the label head: ``y[:, 1]`` against the predicted labels.

    With several label columns it averages the score of each label column
    (uniform average), or scores the one ``column`` picks.

    Scorers that need probabilities (``"roc_auc"``, ``"neg_log_loss"``,
    ``"neg_brier_score"``, ...) get ``predict_proba(X)``, with the columns in
    ``classes_`` order and, for two classes, the positive class ``classes_[1]``
    as scikit-learn's classifiers do; the others get ``predict(X).label``.

    Parameters
    ----------
    scoring : str or callable, default="accuracy"
        Any scikit-learn scorer name (``"accuracy"``, ``"balanced_accuracy"``,
        ``"f1_macro"``, ``"roc_auc"``, ``"roc_auc_ovr"``, ``"neg_log_loss"``,
        ... see ``sklearn.metrics.get_scorer_names()``) or scorer object. For
        a binary metric on string labels name the positive class:
        ``make_scorer(f1_score, pos_label="yes")``.
    column : None, int or str, default=None
        None: the single label column, or the mean over all label columns. An
        int: a position among the label columns (``label_columns_``); a str:
        the name of a label column of a DataFrame ``y``.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y)`` for a fitted ``RegressorClassifier`` (or a
        ``Pipeline`` ending in one) and a two-column ``y``.

    See Also
    --------
    amount_scorer : The same for the amount head.
    combined_scorer : One number for both heads.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import cross_validate
    >>> from skmulti import RegressorClassifier
    >>> from skmulti.metrics import amount_scorer, label_scorer
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 3))
    >>> y = np.column_stack([X[:, 0] * 2.0, (X[:, 1] > 0).astype(int)])
    >>> est = RegressorClassifier(hidden_layer_sizes=(4,), epochs=2, random_state=0)
    >>> scoring = {"mae": amount_scorer("neg_mean_absolute_error"),
    ...            "auc": label_scorer("roc_auc")}
    >>> result = cross_validate(est, X, y, cv=2, scoring=scoring)
    >>> result["test_mae"].shape, result["test_auc"].shape
    ((2,), (2,))
    """
    return _HeadScorer(scoring, "label", column)


def combined_scorer(*, amount="r2", label="accuracy", weights=None):
    """One number for both heads: a weighted mean of an amount and a label score.

    ``score = w_amount * amount_score + w_label * label_score``, with the
    weights rescaled to sum to 1. With the defaults (R² on the amount,
    accuracy on the label, equal weights) it equals
    ``RegressorClassifier.score``, the score that search tools use when
    ``scoring`` is not given; use this scorer to choose other metrics or to
    weigh one head more. Both scores are "greater is better" (losses come
    negated), but they need not share a scale: mixing a negated MAE of
    thousands with an accuracy lets the amount decide alone. Prefer bounded
    scores (``"r2"``, ``"accuracy"``, ``"roc_auc"``, ``"balanced_accuracy"``),
    or a scoring dict with one scorer per head and ``refit="<name>"``.

    Parameters
    ----------
    amount : str or callable, default="r2"
        Scorer of the amount head, as for :func:`amount_scorer`.
    label : str or callable, default="accuracy"
        Scorer of the label head, as for :func:`label_scorer`.
    weights : dict or None, default=None
        ``{"amount": w_a, "label": w_l}``, finite and >= 0, not both 0; a
        missing key weighs 0. None weighs both heads 0.5.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y)``.

    See Also
    --------
    amount_scorer, label_scorer : Scorers of one head.

    Examples
    --------
    >>> import numpy as np
    >>> from skmulti import RegressorClassifier
    >>> from skmulti.metrics import combined_scorer
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 3))
    >>> y = np.column_stack([X[:, 0] * 2.0, (X[:, 1] > 0).astype(int)])
    >>> est = RegressorClassifier(hidden_layer_sizes=(4,), epochs=2, random_state=0)
    >>> est = est.fit(X, y)
    >>> bool(np.isclose(combined_scorer()(est, X, y), est.score(X, y)))
    True
    >>> combined_scorer(label="roc_auc", weights={"amount": 1, "label": 3})
    combined_scorer(amount='r2', label='roc_auc', weights={'amount': 0.25, 'label': 0.75})
    """
    return _CombinedScorer(amount, label, weights)
