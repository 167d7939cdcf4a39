"""Preprocessing for the inputs of :class:`skmulti.RegressorClassifier`.

scikit-learn's scalers refuse 3-D arrays, so a ``Pipeline`` in front of a
recurrent trunk has nothing to scale sequences with; :class:`SequenceScaler`
fills that gap.
"""

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils import check_array
from sklearn.utils.validation import FLOAT_DTYPES, check_is_fitted, validate_data

from ._compat import _fit_context

__all__ = ["SequenceScaler"]


class SequenceScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Standardize features of tables (2-D) or sequences (3-D).

    Each feature is centred and scaled with its mean and standard deviation
    over all samples and, for 3-D ``X`` of shape ``(n_samples, n_timesteps,
    n_features)``, over all timesteps too: the same feature is scaled the same
    way at every timestep, so trends along time are kept. On 2-D ``X`` it
    computes what :class:`sklearn.preprocessing.StandardScaler` computes.

    NaN is ignored when the statistics are computed and is passed through
    unchanged by ``transform``, so NaN padding of variable-length sequences
    (an all-NaN timestep, which :class:`~skmulti.RegressorClassifier` masks)
    survives the scaling. Numeric padding (e.g. zeros) would enter the
    statistics: convert it to NaN first, e.g. ``X[(X == 0).all(axis=2)] =
    np.nan``.

    Parameters
    ----------
    with_mean : bool, default=True
        Subtract the mean of each feature.
    with_std : bool, default=True
        Divide by the standard deviation of each feature (a feature that never
        varies is divided by 1).
    copy : bool, default=True
        False scales a float array in place when possible.

    Attributes
    ----------
    mean_ : ndarray of shape (``n_features_in_``,) or None
        Mean of each feature; None when ``with_mean=False``.
    var_ : ndarray of shape (``n_features_in_``,) or None
        Variance of each feature; None when ``with_std=False``.
    scale_ : ndarray of shape (``n_features_in_``,) or None
        What each feature is divided by; None when ``with_std=False``.
    n_samples_seen_ : ndarray of shape (``n_features_in_``,)
        Non-NaN values each statistic was computed from (samples times
        timesteps for 3-D input).
    n_features_in_ : int
        Features per row (per timestep for 3-D ``X``).
    feature_names_in_ : ndarray of shape (``n_features_in_``,)
        Defined only when ``X`` was a DataFrame with string column names.

    See Also
    --------
    sklearn.preprocessing.StandardScaler : The same for 2-D ``X`` only.

    Examples
    --------
    >>> import numpy as np
    >>> from skmulti.preprocessing import SequenceScaler
    >>> X = np.arange(24, dtype=float).reshape(2, 3, 4)  # 2 sequences, 3 steps
    >>> X[1, 0] = np.nan  # padding: the second sequence is one step shorter
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.mean_.shape, scaler.n_features_in_
    ((4,), 4)
    >>> Xt = scaler.transform(X)
    >>> Xt.shape, bool(np.isnan(Xt[1, 0]).all())
    ((2, 3, 4), True)
    >>> np.allclose(np.nanmean(Xt, axis=(0, 1)), 0.0)
    True
    >>> np.allclose(scaler.inverse_transform(Xt), X, equal_nan=True)
    True
    """

    _parameter_constraints: dict = {
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
        "copy": ["boolean"],
    }

    def __init__(self, *, with_mean=True, with_std=True, copy=True):
        self.with_mean = with_mean
        self.with_std = with_std
        self.copy = copy

    def _validate(self, X, *, reset, copy=False):
        """Check ``X`` (2-D through scikit-learn's ``validate_data``, 3-D by hand).

        ``reset=True`` (fit) records ``n_features_in_``; ``reset=False``
        (transform) checks it.
        """
        ndim = getattr(X, "ndim", None)
        if ndim is None and not hasattr(X, "shape"):
            ndim = np.asarray(X).ndim
        if reset and ndim is not None and ndim > 3:
            raise ValueError(
                f"Found array with dim {ndim}. SequenceScaler expects a 2-D table "
                "(n_samples, n_features) or 3-D sequences "
                "(n_samples, n_timesteps, n_features)."
            )
        if ndim != 3:
            return validate_data(
                self,
                X,
                dtype=FLOAT_DTYPES,
                ensure_all_finite="allow-nan",
                copy=copy,
                reset=reset,
            )
        X = check_array(
            X,
            allow_nd=True,
            dtype=FLOAT_DTYPES,
            ensure_all_finite="allow-nan",
            copy=copy,
            input_name="X",
            estimator=self,
        )
        if reset:
            self.n_features_in_ = int(X.shape[2])
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        elif X.shape[2] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[2]} features per timestep, but SequenceScaler "
                f"is expecting {self.n_features_in_} features as input."
            )
        return X

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Compute the mean and standard deviation of each feature.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
(n_samples, n_timesteps, n_features)
            NaN values (e.g. padding) are ignored.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceScaler
        """
        X = self._validate(X, reset=True)
        flat = X.reshape(-1, X.shape[-1]).astype(np.float64, copy=False)
        observed = ~np.isnan(flat)
        counts = observed.sum(axis=0)
        safe = np.where(observed, flat, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = safe.sum(axis=0) / counts
            var = (np.where(observed, flat - mean, 0.0) ** 2).sum(axis=0) / counts
        # A feature that is NaN everywhere is left as it is.
        mean = np.where(counts > 0, mean, 0.0)
        var = np.where(counts > 0, var, 0.0)
        self.n_samples_seen_ = counts.astype(np.int64)
        self.mean_ = mean if self.with_mean else None
        if self.with_std:
            self.var_ = var
            scale = np.sqrt(var)
            # As StandardScaler: a constant feature is divided by 1.
            tiny = scale < 10 * np.finfo(np.float64).eps * np.maximum(np.abs(mean), 1.0)
            self.scale_ = np.where(tiny, 1.0, scale)
        else:
            self.var_ = None
            self.scale_ = None
        return self

    def transform(self, X, copy=None):
        """Standardize ``X``; NaN stays NaN.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
(n_samples, n_timesteps, n_features)
            The same number of features as at fit; either layout is accepted
            whichever one was fitted.
        copy : bool, default=None
            Copy ``X`` (None: use the ``copy`` parameter).

        Returns
        -------
        X_new : ndarray of the shape of ``X``
        """
        copy = self.copy if copy is None else copy
        check_is_fitted(self)
        X = self._validate(X, reset=False, copy=copy)
        if self.with_mean:
            X -= self.mean_.astype(X.dtype)
        if self.with_std:
            X /= self.scale_.astype(X.dtype)
        return X

    def inverse_transform(self, X, copy=None):
        """Bring standardized values back to the original scale.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or \
(n_samples, n_timesteps, n_features)
        copy : bool, default=None
            Copy ``X`` (None: use the ``copy`` parameter).

        Returns
        -------
        X_original : ndarray of the shape of ``X``
        """
        check_is_fitted(self)
        copy = self.copy if copy is None else copy
        X = check_array(
            X,
            allow_nd=True,
            dtype=FLOAT_DTYPES,
            ensure_all_finite="allow-nan",
            copy=copy,
            input_name="X",
            estimator=self,
        )
        if X.ndim not in (2, 3) or X.shape[-1] != self.n_features_in_:
            raise ValueError(
                f"X has shape {X.shape}, but SequenceScaler is expecting 2-D or 3-D "
                f"input with {self.n_features_in_} features."
            )
        if self.with_std:
            X *= self.scale_.astype(X.dtype)
        if self.with_mean:
            X += self.mean_.astype(X.dtype)
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
