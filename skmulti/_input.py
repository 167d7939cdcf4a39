"""Validate ``X``: tables (2-D) and NaN-padded sequences (3-D)."""

import numpy as np
from sklearn.utils import check_array
from sklearn.utils.validation import validate_data

from ._compat import _get_feature_names
from ._network import PAD_VALUE


def is_sparse(X):
    """Whether ``X`` is a scipy sparse matrix or array."""
    import scipy.sparse as sp

    return sp.issparse(X)


def dense_rows(X, rows=None):
    """``X[rows]`` as a dense float32 array; only those rows are densified."""
    part = X if rows is None else X[rows]
    return part.toarray() if is_sparse(part) else part


def _numeric(check, *args, **kwargs):
    """Run a scikit-learn check; name ``X`` when it holds text that is no number."""
    try:
        return check(*args, **kwargs)
    except ValueError as exc:
        if not str(exc).startswith("could not convert"):
            raise
        raise ValueError(
            f"Input X must be numeric; {exc}. Encode text columns first, e.g. "
            "with OneHotEncoder in a ColumnTransformer."
        ) from None


def _pad_sequences(X):
    """Replace all-NaN timesteps (padding) by the masked value; refuse other NaN."""
    missing = np.isnan(X)
    if not missing.any():
        return X
    padded = missing.all(axis=2)
    partial = missing.any(axis=2) & ~padded
    if partial.any():
        sample, step = map(int, np.argwhere(partial)[0])
        raise ValueError(
            "Input X contains NaN in part of a timestep (sample "
            f"{sample}, timestep {step}). A timestep is padding only when all its "
            "features are NaN; impute partly missing timesteps before fitting."
        )
    empty = padded.all(axis=1)
    if empty.any():
        raise ValueError(
            f"Input X has sample(s) {np.flatnonzero(empty)[:5].tolist()} whose "
            "timesteps are all NaN (padding only); every sequence needs at least "
            "one observed timestep."
        )
    X = X.copy()
    X[padded] = PAD_VALUE
    return X


def _check_sequence_shape(X, estimator):
    """Refuse 3-D ``X`` with no timestep or no feature before Keras sees it."""
    shape = tuple(int(d) for d in X.shape)
    name = type(estimator).__name__
    if shape[1] == 0:
        raise ValueError(
            f"Found array with 0 timestep(s) (shape={shape}) while a minimum of 1 is "
            f"required by {name}: 3-D X is (n_samples, n_timesteps, n_features) and "
            "every sequence needs at least one timestep. Pass at least one "
            "timestep (pad shorter sequences with all-NaN timesteps), or 2-D X."
        )
    if shape[2] == 0:
        raise ValueError(
            f"Found array with 0 feature(s) per timestep (shape={shape}) while a "
            f"minimum of 1 is required by {name}."
        )


def _check_sequences(X, estimator):
    X = check_array(
        X,
        allow_nd=True,
        dtype=np.float32,
        ensure_all_finite="allow-nan",
        input_name="X",
        estimator=estimator,
    )
    _check_sequence_shape(X, estimator)
    if np.isinf(X).any():
        raise ValueError(
            "Input X contains infinity or a value too large for dtype('float32')."
        )
    if (X <= PAD_VALUE).any():
        raise ValueError(
            f"Input X contains values <= {PAD_VALUE:g}, which skmulti reserves for "
            "padding; scale X (e.g. skmulti.preprocessing.SequenceScaler)."
        )
    return _pad_sequences(X)


def check_X_fit(X, estimator):
    """Validate ``X`` at fit without touching ``estimator``.

    Returns
    -------
    X : ndarray of float32, 2-D or 3-D (padding replaced by the mask value), or
        a float32 CSR matrix for sparse ``X`` (densified batch by batch later)
    info : dict
        ``n_features_in_``, ``feature_names_in_`` (or None), ``X_shape_``.
    """
    _refuse_none(X, estimator)
    feature_names = _get_feature_names(X)
    ndim = getattr(X, "ndim", None)
    if ndim is None:
        ndim = np.asarray(X, dtype=object).ndim if not hasattr(X, "shape") else len(X.shape)
    if ndim == 3:
        X = _check_sequences(X, estimator)
    else:
        X = _numeric(check_array, X, dtype=np.float32, input_name="X",
                     estimator=estimator, accept_sparse="csr")
    if X.ndim > 3:
        raise ValueError(
            f"Found array with dim {X.ndim}. {type(estimator).__name__} expects a "
            "2-D table (n_samples, n_features) or 3-D sequences "
            "(n_samples, n_timesteps, n_features)."
        )
    return X, {
        "n_features_in_": int(X.shape[-1]),
        "feature_names_in_": feature_names,
        "X_shape_": tuple(int(d) for d in X.shape),
    }


def _refuse_none(X, estimator):
    if X is None:
        raise ValueError(
            f"{type(estimator).__name__} needs X, the features (a 2-D table or 3-D "
            "sequences, as at fit); got None."
        )


def check_X_predict(X, estimator):
    """Validate ``X`` after fit: same layout and features as at fit."""
    _refuse_none(X, estimator)
    if len(estimator.X_shape_) == 3:
        X_arr = np.asarray(X) if not hasattr(X, "shape") else X
        if getattr(X_arr, "ndim", 0) != 3 or is_sparse(X_arr):
            raise ValueError(
                f"{type(estimator).__name__} was fitted on 3-D sequences "
                f"(n_samples, n_timesteps, n_features); got X with shape "
                f"{np.shape(X_arr)}."
            )
        X = _check_sequences(X_arr, estimator)
        if X.shape[2] != estimator.n_features_in_:
            raise ValueError(
                f"X has {X.shape[2]} features per timestep, but "
                f"{type(estimator).__name__} is expecting {estimator.n_features_in_} "
                "features as input."
            )
        return X
    if getattr(X, "ndim", 2) == 3:
        raise ValueError(
            f"{type(estimator).__name__} was fitted on a 2-D table; got 3-D X with "
            f"shape {X.shape}. Refit on sequences to use them."
        )
    fast = _fast_table(X, estimator)
    if fast is not None:
        return fast
    return _numeric(validate_data, estimator, X, reset=False, dtype=np.float32,
                    accept_sparse="csr")


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _fast_table(X, estimator):
    """``X`` as float32 if it is a plain float array passing every check, else None.

    scikit-learn's ``validate_data`` costs tens of microseconds, several times a
    small network's forward pass. For the common case, a 2-D float32/float64
    ``numpy.ndarray`` with the fitted number of columns, all finite, of an
    estimator fitted without feature names, the result is the same array (cast
    to float32), so this returns it at once. Anything else (DataFrames, lists,
    other dtypes, ndarray subclasses, fitted feature names, a wrong width, a
    NaN or an infinity after the cast) returns None, and ``validate_data``
    gives its own answer, errors and warnings.
    """
    if (type(X) is not np.ndarray or X.ndim != 2 or X.dtype not in _FLOATS
            or X.shape[0] == 0 or X.shape[1] != estimator.n_features_in_
            or getattr(estimator, "feature_names_in_", None) is not None):
        return None
    if X.dtype != np.float32:
        with np.errstate(over="ignore"):  # too large for float32: inf, refused below
            X = X.astype(np.float32)
    if X.size <= 65536:
        finite = np.isfinite(X).all()
    else:  # as scikit-learn: a finite sum means finite values (no bool copy of X)
        with np.errstate(over="ignore", invalid="ignore"):
            finite = np.isfinite(X.sum())
    return X if finite else None
