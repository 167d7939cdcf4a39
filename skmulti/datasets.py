"""Synthetic data sets in the spirit of skmulti's users."""

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

from ._compat import Interval, validate_params

__all__ = ["TRADE_FEATURES", "make_trade"]

#: The names of the six features of :func:`make_trade`, in the order of its columns.
TRADE_FEATURES = (
    "log_distance",
    "log_gdp_exporter",
    "log_gdp_importer",
    "shared_border",
    "common_language",
    "tariff",
)


#: Standard deviation of the log-normal noise of a traded quantity.
_VOLUME_NOISE = 0.6


def _trade_logit(log_distance, gdp_e, gdp_i, border, language, tariff):
    """Log-odds that a pair trades: bigger, closer, friendlier pairs trade."""
    return (
        3.0
        + 0.9 * (gdp_e - 10.0)
        + 0.7 * (gdp_i - 10.0)
        - 1.1 * (log_distance - 8.0)
        + 1.2 * border
        + 0.6 * language
        - 4.0 * tariff
    )


def _trade_log_volume(log_distance, gdp_e, gdp_i, border, language, tariff):
    """Mean log quantity of a pair that trades: a gravity equation."""
    return (
        3.0
        + 0.8 * (gdp_e - 10.0)
        + 0.6 * (gdp_i - 10.0)
        - 0.9 * (log_distance - 8.0)
        + 0.5 * border
        + 0.3 * language
        - 3.0 * tariff
    )


def _trade_outcome(rng, *features):
    """Trade indicator and quantity of a gravity model with a hurdle."""
    n = len(features[0])
    trades = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-_trade_logit(*features)))).astype(
        np.int64
    )
    # heavy-tailed (log-normal) noise around the gravity equation
    log_quantity = _trade_log_volume(*features) + rng.normal(scale=_VOLUME_NOISE, size=n)
    quantity = np.where(trades == 1, np.exp(log_quantity), 0.0)
    return trades, quantity


def _trade_truth(X):
    """What the 2-D :func:`make_trade` draws its outcomes from, for its rows ``X``.

    Returns ``(probability, expected_quantity)``: the probability that each pair
    trades, and its expected quantity (0 when it does not trade). The Bayes
    rule predicts ``probability > 0.5``; no model beats it in expectation.

    Examples
    --------
    >>> from skmulti.datasets import make_trade, _trade_truth
    >>> X, y = make_trade(20000, random_state=0)
    >>> probability, expected = _trade_truth(X)
    >>> round(float(probability.mean()), 2), round(float(y["trades"].mean()), 2)
    (0.84, 0.84)
    """
    features = np.asarray(X, dtype=np.float64)
    if features.ndim != 2 or features.shape[1] != len(TRADE_FEATURES):
        raise ValueError(
            f"_trade_truth needs the 2-D rows of make_trade, shape (n, {len(TRADE_FEATURES)}); "
            f"got shape {features.shape}. The 3-D histories (n_timesteps) draw their "
            "outcomes from averages of the last years, which are not in X."
        )
    features = features.T
    probability = 1.0 / (1.0 + np.exp(-_trade_logit(*features)))
    volume = np.exp(_trade_log_volume(*features) + 0.5 * _VOLUME_NOISE**2)
    return probability, probability * volume


@validate_params(
    {
        "n_samples": [Interval(Integral, 1, None, closed="left")],
        "n_timesteps": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_trade(n_samples=1000, *, n_timesteps=None, random_state=None):
    """A synthetic bilateral-trade data set: does a pair trade, and how much?

    Each row is a pair of nations with gravity-model features: the log distance
    between them, the log GDP of exporter and importer, a shared border, a
    common language and the tariff. The label ``trades`` is 1 for about five
    pairs in six; the ``quantity`` traded is exactly 0 when the pair does not
    trade and heavy-tailed (log-normal) otherwise: the hurdle case.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of pairs.
    n_timesteps : int or None, default=None
        None returns one row of features per pair (2-D ``X``). An int returns
        a yearly history of the features for each pair, 3-D ``X`` of shape
        ``(n_samples, n_timesteps, 6)``; the outcome is that of the last year
        and depends on the trend of the GDPs and the tariff over the last years,
        so a recurrent trunk has something to learn.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : pandas.DataFrame of shape (n_samples, 6) or ndarray of shape \
(n_samples, n_timesteps, 6)
        The features, named as in ``skmulti.datasets.TRADE_FEATURES``.
    y : pandas.DataFrame of shape (n_samples, 2)
        Columns ``quantity`` (float) and ``trades`` (int, 0 or 1).

    Examples
    --------
    >>> from skmulti.datasets import make_trade
    >>> X, y = make_trade(200, random_state=0)
    >>> X.shape, list(y.columns), y["trades"].dtype.kind
    ((200, 6), ['quantity', 'trades'], 'i')
    >>> bool((y.loc[y["trades"] == 0, "quantity"] == 0).all())
    True
    >>> X3, y3 = make_trade(50, n_timesteps=8, random_state=0)
    >>> X3.shape
    (50, 8, 6)
    """
    import pandas as pd

    rng = check_random_state(random_state)
    n = n_samples
    log_distance = rng.normal(8.0, 0.8, size=n)
    border = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(3.0 * (log_distance - 7.0)))).astype(
        float
    )
    language = (rng.uniform(size=n) < 0.25).astype(float)
    base_e = rng.normal(10.0, 1.2, size=n)
    base_i = rng.normal(10.0, 1.2, size=n)
    if n_timesteps is None:
        tariff = rng.uniform(0.0, 0.4, size=n)
        trades, quantity = _trade_outcome(
            rng, log_distance, base_e, base_i, border, language, tariff
        )
        X = pd.DataFrame(
            np.column_stack([log_distance, base_e, base_i, border, language, tariff]),
            columns=list(TRADE_FEATURES),
        )
    else:
        t = n_timesteps
        growth_e = rng.normal(0.0, 0.08, size=(n, 1))
        growth_i = rng.normal(0.0, 0.08, size=(n, 1))
        steps = np.arange(t) - (t - 1)  # ..., -2, -1, 0 (the last year)
        gdp_e = base_e[:, None] + growth_e * steps + rng.normal(0, 0.03, size=(n, t))
        gdp_i = base_i[:, None] + growth_i * steps + rng.normal(0, 0.03, size=(n, t))
        tariff = np.clip(
            rng.uniform(0.0, 0.4, size=(n, 1)) + rng.normal(0, 0.05, size=(n, t)), 0, None
        )
        recent = slice(max(0, t - 3), t)
        # Outcome of the last year: level plus momentum of the recent years.
        trades, quantity = _trade_outcome(
            rng,
            log_distance,
            gdp_e[:, recent].mean(axis=1) + 3.0 * growth_e[:, 0],
            gdp_i[:, recent].mean(axis=1) + 3.0 * growth_i[:, 0],
            border,
            language,
            tariff[:, recent].mean(axis=1),
        )
        X = np.stack(
            [
                np.repeat(log_distance[:, None], t, axis=1),
                gdp_e,
                gdp_i,
                np.repeat(border[:, None], t, axis=1),
                np.repeat(language[:, None], t, axis=1),
                tariff,
            ],
            axis=2,
        )
    y = pd.DataFrame({"quantity": quantity, "trades": trades})
    return X, y
