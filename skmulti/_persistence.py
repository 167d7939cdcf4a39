"""``skmulti.save`` and ``skmulti.load``: files that hold data only, never code.

The estimator is stored as its parameters and fitted state (``_state``: JSON
and ``.npy`` arrays, scikit-learn objects through skops) in skmulti's own
archive (``_archive``); the Keras network is rebuilt from its recipe when the
file is loaded, and every saved weight is checked against it.
"""

import copy
import platform
import warnings

from . import _archive, _routing
from ._estimator import RegressorClassifier
from ._state import Decoder, Encoder
from .exceptions import InconsistentVersionWarning

OBJECT = "object.json"
_KINDS = ("RegressorClassifier", "Pipeline")
WARN_VERSIONS = ("skmulti", "keras", "scikit-learn", "numpy")
"""Packages whose versions, when they differ from the saving ones, give an
:class:`~skmulti.exceptions.InconsistentVersionWarning` at load."""


def _versions():
    import keras
    import numpy
    import sklearn
    import skops

    from . import __version__

    return {
        "skmulti": __version__,
        "keras": keras.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": numpy.__version__,
        "skops": skops.__version__,
        "python": platform.python_version(),
    }


def _split_pipeline(obj):
    """``(shell, depth, estimator)``: the pipeline without its final estimator.

    ``shell`` is a shallow copy whose last step (at ``depth`` nested levels) is
    ``"passthrough"``; the user's pipeline is not changed.
    """
    from sklearn.pipeline import Pipeline

    if isinstance(obj, RegressorClassifier):
        return None, 0, obj
    last = obj.steps[-1][1] if isinstance(obj, Pipeline) and obj.steps else None
    if isinstance(last, (RegressorClassifier, Pipeline)):
        inner, depth, est = _split_pipeline(last)
        shell = copy.copy(obj)
        shell.steps = list(obj.steps)
        shell.steps[-1] = (obj.steps[-1][0], "passthrough" if inner is None else inner)
        return shell, depth + 1, est
    ending = "" if last is None else f" ending in {type(last).__name__}"
    raise TypeError(
        "skmulti.save saves a RegressorClassifier, or a scikit-learn Pipeline whose "
        f"last step is one; got {type(obj).__name__}{ending}. Save the estimator "
        "itself, or pickle the object for transport between your own processes."
    )


def _encode_estimator(est, encoder):
    if type(est) is not RegressorClassifier:
        raise TypeError(
            f"skmulti.save saves RegressorClassifier itself, not the subclass "
            f"{type(est).__name__}."
        )
    params = est.get_params(deep=False)
    state = {k: v for k, v in vars(est).items() if k not in params}
    return {
        "params": encoder.encode(params, "the parameters"),
        "state": encoder.encode(state, "the fitted state"),
    }


def save(obj, path):
    """Save a RegressorClassifier (or a Pipeline ending in one) to a file.

    The file holds data only: the parameters and fitted state as JSON, the
    network's weights and other arrays as ``.npy`` arrays, the scikit-learn
    parts (e.g. a ``ColumnTransformer``) through skops, and a manifest with
    the saving versions and the SHA-256 of every member. No pickle, no Keras
    configuration: :func:`load` rebuilds the network from the parameters.
    Functions and classes (a ``model=`` builder, an optimizer class ...) are
    saved by their import name and loaded only when the caller trusts them.

    This is the format to share a model or keep it; pickle is only for
    transport between processes you started (joblib, Dask).

    Parameters
    ----------
    obj : RegressorClassifier or sklearn.pipeline.Pipeline
        Fitted or not. A Pipeline's last step must be a RegressorClassifier
        (or a Pipeline ending in one); its other steps go through skops.
    path : str or path-like
        The file to write (conventionally ``*.skmulti``).

    Raises
    ------
    TypeError
        When ``obj`` or something it holds cannot be saved: a Keras object
        (pass a name or a class instead), an object of an unknown type.
    ValueError
        When a function or class has no import name (a lambda, a function
        defined inside another function).

    See Also
    --------
    load : Load a file written by ``save``.

    Examples
    --------
    >>> import os, tempfile
    >>> import skmulti
    >>> path = os.path.join(tempfile.mkdtemp(), "unfitted.skmulti")
    >>> skmulti.save(skmulti.RegressorClassifier(epochs=5, model__units=8), path)
    >>> skmulti.load(path)
    RegressorClassifier(epochs=5, model__units=8)
    """
    encoder = Encoder()
    shell, depth, est = _split_pipeline(obj)
    doc = {"kind": "RegressorClassifier", "estimator": _encode_estimator(est, encoder)}
    if shell is not None:
        remaining = [
            type(v).__name__
            for v in shell.get_params(deep=True).values()
            if isinstance(v, RegressorClassifier)
        ]
        if remaining:
            raise TypeError(
                "skmulti.save saves a Pipeline whose only RegressorClassifier is its "
                f"last step; this one holds {len(remaining)} more."
            )
        doc.update(
            kind="Pipeline", depth=depth, pipeline=encoder.encode(shell, "the pipeline")
        )
    members = {OBJECT: _archive.dump_json(doc), **encoder.members}
    _archive.write(path, members, _versions())


def _check_trusted(trusted):
    if trusted is None:
        return []
    if isinstance(trusted, (str, bytes)) or not all(
        isinstance(t, str) for t in trusted
    ):
        raise TypeError(
            "trusted must be a list of import names (str), e.g. "
            f"trusted=['mymodule.build_model']; got {trusted!r}."
        )
    return list(trusted)


def _warn_versions(saved):
    current = _versions()
    differences = {
        name: (saved.get(name), current[name])
        for name in WARN_VERSIONS
        if saved.get(name) != current[name]
    }
    if differences:
        listed = ", ".join(
            f"{name} {old} (now {new})" for name, (old, new) in differences.items()
        )
        warnings.warn(
            InconsistentVersionWarning(
                f"This file was saved with {listed}. It loads, but predictions may "
                "differ or fail; save it again with these versions once checked.",
                differences=differences,
            ),
            stacklevel=3,
        )


def _decode_estimator(node, decoder):
    if not isinstance(node, dict) or set(node) != {"params", "state"}:
        _archive.refuse(f"its {OBJECT} has no valid 'estimator' entry")
    params, state = decoder.decode(node["params"]), decoder.decode(node["state"])
    if not isinstance(params, dict) or not isinstance(state, dict):
        _archive.refuse("the estimator's parameters or state are not tables")
    names = set(RegressorClassifier._get_param_names())
    unknown = [k for k in params if k not in names and not _routing.is_routed(k)]
    if unknown:
        _archive.refuse(
            f"it has parameters RegressorClassifier does not have: {sorted(unknown)}"
        )
    bad = [
        k
        for k in state
        if not k.isidentifier()
        or k.startswith("__")
        or hasattr(RegressorClassifier, k)
        or k in params
    ]
    if bad:
        _archive.refuse(
            f"its fitted state sets attributes that are not fitted state: {sorted(bad)}"
        )
    est = RegressorClassifier(**params)
    vars(est).update(state)
    return est


def load(path, *, trusted=None):
    """Load a RegressorClassifier (or a Pipeline) saved by :func:`save`.

    Before anything is decompressed, the archive's entries are checked: member
    names against an allowlist (no ``..``, absolute names, links, directories
    or duplicates), sizes and compression ratios; then the manifest (format
    and version) and the SHA-256 of every member; every array's header before
    its data; every class against skmulti's allowlist; every import name
    against ``trusted``; and every weight's shape and dtype against the
    network rebuilt from the saved parameters. No pickle is ever read.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.
    trusted : list of str, default=None
        Import names (``"module.qualname"``) of the code the file may name and
        that you trust: a ``model=`` builder, an optimizer or callback class, a
        callable activation, scikit-learn-side types that skops does not trust
        by default (e.g. your own transformer). When the file names code that
        is not listed, ``load`` refuses and lists the names it needs; nothing
        is imported.

    Returns
    -------
    RegressorClassifier or sklearn.pipeline.Pipeline
        Predicts, scores, clones, refits and saves again.

    Raises
    ------
    skmulti.exceptions.UntrustedFileError
        (a ``ValueError``) when the file is damaged, crafted or not a
        ``skmulti.save`` file; its subclass
        :class:`~skmulti.exceptions.UntrustedTypesError` when the file names
        code that ``trusted`` does not list (its ``names`` attribute lists
        them).

    Warns
    -----
    skmulti.exceptions.InconsistentVersionWarning
        When skmulti, Keras, scikit-learn or NumPy differ from the versions
        that saved the file.

    See Also
    --------
    save : Write such a file.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import skmulti
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(40, 3))
    >>> y = np.column_stack([X[:, 0], np.where(X[:, 1] > 0, "yes", "no")])
    >>> est = skmulti.RegressorClassifier(hidden_layer_sizes=(4,), epochs=1,
    ...                                   early_stopping=False, random_state=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.skmulti")
    >>> skmulti.save(est.fit(X, y), path)
    >>> loaded = skmulti.load(path)
    >>> loaded.predict(X[:2]).amount.shape, loaded.classes_.tolist()
    ((2,), ['no', 'yes'])
    >>> bool(np.array_equal(loaded.predict_proba(X), est.predict_proba(X)))
    True
    """
    trusted = _check_trusted(trusted)
    archive = _archive.Archive(path)
    doc = archive.json(OBJECT)
    kind = doc.get("kind") if isinstance(doc, dict) else None
    keys = {"kind", "estimator"} | (
        {"pipeline", "depth"} if kind == "Pipeline" else set()
    )
    if kind not in _KINDS or set(doc) != keys:
        _archive.refuse(f"its {OBJECT} is not a saved RegressorClassifier or Pipeline")
    decoder = Decoder(archive, trusted)
    decoder.scan(doc)  # refuses untrusted names before anything is imported
    _warn_versions(archive.versions)
    est = _decode_estimator(doc["estimator"], decoder)
    if kind == "RegressorClassifier":
        return est
    return _join_pipeline(decoder.decode(doc["pipeline"]), doc["depth"], est)


def _join_pipeline(shell, depth, est):
    from sklearn.pipeline import Pipeline

    if type(depth) is not int or depth < 1:
        _archive.refuse(f"its pipeline depth {depth!r} is not a positive int")
    step = shell
    for level in range(depth):
        if not isinstance(step, Pipeline) or not step.steps:
            _archive.refuse(f"its pipeline has no Pipeline at level {level}")
        if level == depth - 1:
            name, last = step.steps[-1]
            if not (isinstance(last, str) and last == "passthrough"):
                _archive.refuse("its pipeline's last step is not the estimator's place")
            step.steps[-1] = (name, est)
        else:
            step = step.steps[-1][1]
    return shell
