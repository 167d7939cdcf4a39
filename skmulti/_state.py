"""Encode an estimator's parameters and fitted state as JSON plus arrays, and back.

The codec is generic: it walks whatever the estimator holds and refuses what
it does not know, so it follows the fitted state as that changes. What it
writes:

- JSON scalars as themselves (non-finite floats tagged), lists as lists,
  tuples tagged, dicts with str keys as JSON objects (other keys tagged);
- NumPy arrays of numbers, bools and strings as ``.npy`` members; object
  arrays only when every cell is a JSON scalar (inline, tagged); NumPy scalars
  and dtypes tagged;
- scikit-learn objects (and NumPy random generators) as ``.skops`` members;
- code (functions, classes) as its import name, resolved on load only when the
  caller trusts that name;
- instances of the skmulti classes of :data:`ALLOWED`, as their
  ``__getstate__()``, rebuilt with ``cls.__new__`` and ``__setstate__`` (or
  ``__dict__.update``).

Anything else, Keras objects first of all, is refused at save time. A tagged
node is a JSON object with the key ``"__skmulti__"``; an object with a Keras
serialization key (``class_name``, ``registered_name``) is refused both ways.
"""

import importlib
import inspect
import math
import re
from dataclasses import dataclass, field

import numpy as np

from . import _archive
from ._archive import refuse
from .exceptions import UntrustedFileError, UntrustedTypesError

TAG = "__skmulti__"
MAX_DEPTH = 100
KERAS_KEYS = frozenset({"class_name", "registered_name"})
"""Keys of a Keras serialized object: never in a skmulti file."""

_SCALAR_KINDS = _archive.ARRAY_KINDS + "U"
_NAME = re.compile(r"\A[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


@dataclass(frozen=True)
class Allowed:
    """How one skmulti class is saved.

    Parameters
    ----------
    derived : tuple of str
        Attributes not saved: set to None on load, then recomputed by ``check``.
    check : callable or None
        ``check(obj)`` after the instance is rebuilt: verifies it against what
        skmulti builds itself and recomputes the derived attributes; raises
        :class:`UntrustedFileError` on a mismatch.
    """

    derived: tuple = ()
    check: object = field(default=None, compare=False)


def _check_fitted_network(fitted):
    """Rebuild the network from the recipe; check every weight before using any."""
    from . import _network

    recipe = fitted.recipe
    try:
        network = recipe.build()
    except UntrustedFileError:
        raise
    except Exception as exc:  # a recipe from the file that does not build
        refuse(
            "the saved network recipe does not build a network "
            f"({type(exc).__name__}: {exc})"
        )
    expected = [np.asarray(w) for w in network.get_weights()]
    weights = fitted.weights
    if not isinstance(weights, list) or len(weights) != len(expected):
        got = len(weights) if isinstance(weights, list) else type(weights).__name__
        refuse(
            f"the network rebuilt from its recipe has {len(expected)} weight arrays, "
            f"the file holds {got}"
        )
    for i, (w, e) in enumerate(zip(weights, expected, strict=True)):
        if not isinstance(w, np.ndarray) or w.shape != e.shape or w.dtype != e.dtype:
            got = (
                f"{w.shape} {w.dtype}"
                if isinstance(w, np.ndarray)
                else type(w).__name__
            )
            refuse(
                f"weight {i} of the network has shape {e.shape} and dtype {e.dtype} "
                f"in the network rebuilt from its recipe, but {got} in the file"
            )
    # The engine caches compiled passes by this key: never take it from a file.
    recipe.key = (
        type(recipe).default(recipe.meta, recipe.arch).key
        if recipe.arch is not None
        else _network.architecture_key(network)
    )
    # The checked network serves as model_ (and, on a cache miss, as the forward
    # pass's template): no second build of the same network.
    fitted._built = network


ALLOWED = {
    "skmulti._estimator._FittedNetwork": Allowed(check=_check_fitted_network),
    "skmulti._network.NetworkRecipe": Allowed(derived=("key",)),
    "skmulti._heads.Head": Allowed(),
    "skmulti._target.AmountEncoder": Allowed(),
    "skmulti._target.LabelEncoder": Allowed(),
    "skmulti._target.TargetEncoder": Allowed(),
    "skmulti._target.Log1pTransformer": Allowed(),
    "skmulti.preprocessing.SequenceScaler": Allowed(),
}
"""The only skmulti classes whose instances a file may hold, by qualified name.

In an estimator's state they are encoded by this module; inside a scikit-learn
object (a Pipeline step) skops meets them, and they are trusted there too. Each
must be importable as ``module.qualname``, keep its state in a dict of
str keys (``__getstate__()``, or ``vars()``), and be rebuilt by
``cls.__new__(cls)`` then ``__setstate__(state)`` (or ``__dict__.update``).
"""


def qualified_name(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


def _allowed_class(name):
    module, _, qualname = name.rpartition(".")
    return getattr(importlib.import_module(module), qualname)


def _is_code(value):
    return (
        isinstance(value, type)
        or inspect.isfunction(value)
        or inspect.isbuiltin(value)
        or isinstance(value, np.ufunc)
    )


def _is_sklearn(value):
    from sklearn.base import BaseEstimator

    return isinstance(
        value, (BaseEstimator, np.random.RandomState, np.random.Generator)
    )


def _is_json_scalar(value):
    return value is None or type(value) in (str, int, float, bool)


def _float(value):
    if math.isfinite(value):
        return value
    return {TAG: "float", "value": repr(value)}  # 'nan', 'inf', '-inf'


class Encoder:
    """Encode values into JSON nodes, collecting the array and skops members.

    ``members`` maps member names to their bytes. A value met twice (an array
    or scikit-learn object shared by two attributes) is written once and comes
    back shared.
    """

    def __init__(self):
        self.members = {}
        self._memo = {}  # id -> node, for arrays and skops objects (shared state)
        self._alive = []  # keeps memoized objects alive, so their ids stay unique

    def _member(self, prefix, suffix, data, value):
        name = f"{prefix}/{len(self.members) + 1:06d}.{suffix}"
        self.members[name] = data
        self._alive.append(value)
        return name

    def encode(self, value, path="", depth=0):
        if depth > MAX_DEPTH:
            raise ValueError(f"skmulti.save: {path} is nested too deeply to be saved.")
        if isinstance(value, np.generic):
            return self._scalar(value, path)
        if type(value) is float:
            return _float(value)
        if _is_json_scalar(value):
            return value
        if id(value) in self._memo:
            return self._memo[id(value)]
        if isinstance(value, np.ndarray):
            return self._array(value, path)
        if isinstance(value, np.dtype):
            if value.kind not in _SCALAR_KINDS:
                raise TypeError(
                    f"skmulti.save: {path} is the dtype {value}, unsupported."
                )
            return {TAG: "dtype", "str": value.str}
        if type(value) in (list, tuple):
            items = [
                self.encode(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)
            ]
            return items if type(value) is list else {TAG: "tuple", "items": items}
        if type(value) is dict:
            return self._dict(value, path, depth)
        if _is_code(value):
            return self._code(value, path)
        name = qualified_name(type(value))
        if name in ALLOWED:
            return self._instance(value, name, path, depth)
        if _is_sklearn(value):
            return self._sklearn(value, path)
        root = type(value).__module__.split(".")[0]
        hint = (
            " Keras objects are never saved: the network is rebuilt from its "
            "parameters. Pass a name or a class instead (optimizer='adam' or "
            "keras.optimizers.Adam with optimizer__* parameters; a callback class "
            "with callbacks__<i>__* parameters)."
            if root in ("keras", "tensorflow", "jax", "torch")
            else " skmulti.save stores JSON values, NumPy arrays, scikit-learn "
            "objects, importable functions and classes, and skmulti's own state only."
        )
        raise TypeError(
            f"skmulti.save cannot save {path}: it is a {name} instance.{hint}"
        )

    def _scalar(self, value, path):
        if value.dtype.kind not in _SCALAR_KINDS:
            raise TypeError(
                f"skmulti.save cannot save {path}: a NumPy scalar of dtype "
                f"{value.dtype}."
            )
        item = value.item()
        return {
            TAG: "scalar",
            "dtype": value.dtype.str,
            "value": _float(item) if isinstance(item, float) else item,
        }

    def _array(self, value, path):
        if value.dtype.kind == "O":
            cells = value.reshape(-1).tolist()
            bad = next((c for c in cells if not _is_json_scalar(c)), None)
            if bad is not None:
                raise TypeError(
                    f"skmulti.save cannot save {path}: an object array holding a "
                    f"{type(bad).__name__}; only strs, ints, floats, bools and None "
                    "are saved in object arrays."
                )
            items = [_float(c) if type(c) is float else c for c in cells]
            node = {TAG: "objarray", "shape": list(value.shape), "items": items}
        elif value.dtype.kind in _SCALAR_KINDS:
            data = _archive.npy_bytes(value)
            node = {
                TAG: "array",
                "member": self._member("arrays", "npy", data, value),
                "dtype": value.dtype.str,
                "shape": list(value.shape),
            }
        else:
            raise TypeError(
                f"skmulti.save cannot save {path}: an array of dtype {value.dtype}; "
                "arrays of numbers, bools and strings are saved."
            )
        self._memo[id(value)] = node
        self._alive.append(value)
        return node

    def _dict(self, value, path, depth):
        keras_keys = KERAS_KEYS & {k for k in value if isinstance(k, str)}
        if keras_keys:
            raise TypeError(
                f"skmulti.save cannot save {path}: it is a dict with the key "
                f"{sorted(keras_keys)[0]!r}, the form of a serialized Keras object, "
                "which skmulti files never hold (a loaded one would be refused)."
            )
        if all(type(k) is str for k in value) and TAG not in value:
            return {
                k: self.encode(v, f"{path}[{k!r}]", depth + 1) for k, v in value.items()
            }
        items = []
        for k, v in value.items():
            items.append(
                [
                    self.encode(k, f"{path} key {k!r}", depth + 1),
                    self.encode(v, f"{path}[{k!r}]", depth + 1),
                ]
            )
        return {TAG: "dict", "items": items}

    def _code(self, value, path):
        module = getattr(value, "__module__", None)
        qualname = getattr(value, "__qualname__", None) or getattr(
            value, "__name__", None
        )
        if isinstance(value, np.ufunc):
            module, qualname = "numpy", value.__name__
        where = f"{path} ({value!r})"
        if not module or not qualname or "<" in qualname:
            raise ValueError(
                f"skmulti.save cannot save {where}: a lambda or a function defined "
                "inside another function has no import name, and skmulti saves "
                "code by its import name only. Define it at the top level of a "
                "module and pass that."
            )
        try:
            found = importlib.import_module(module)
            for part in qualname.split("."):
                found = getattr(found, part)
        except (ImportError, AttributeError):
            found = None
        if found is not value:
            raise ValueError(
                f"skmulti.save cannot save {where}: {module}.{qualname} does not "
                "import back as the same object, so it could not be loaded. Use a "
                "function or class defined at the top level of a module."
            )
        return {TAG: "code", "module": module, "qualname": qualname}

    def _instance(self, value, name, path, depth):
        state = value.__getstate__()
        state = {} if state is None else state  # object.__getstate__ of an empty one
        if not isinstance(state, dict) or not all(type(k) is str for k in state):
            raise TypeError(  # pragma: no cover - a contract of ALLOWED
                f"skmulti.save cannot save {path}: {name}.__getstate__() must return "
                "a dict of str keys."
            )
        derived = ALLOWED[name].derived
        state = {k: v for k, v in state.items() if k not in derived}
        return {
            TAG: "instance",
            "class": name,
            "state": {
                k: self.encode(v, f"{path}.{k}", depth + 1) for k, v in state.items()
            },
        }

    def _sklearn(self, value, path):
        import skops.io

        try:
            data = skops.io.dumps(value)
        except Exception as exc:
            raise TypeError(
                f"skmulti.save cannot save {path}: skops cannot persist the "
                f"{type(value).__name__} ({type(exc).__name__}: {exc})."
            ) from None
        node = {TAG: "sklearn", "member": self._member("skops", "skops", data, value)}
        self._memo[id(value)] = node
        return node


_FIELDS = {
    "float": {"value"},
    "tuple": {"items"},
    "dict": {"items"},
    "scalar": {"dtype", "value"},
    "dtype": {"str"},
    "array": {"member", "dtype", "shape"},
    "objarray": {"shape", "items"},
    "sklearn": {"member"},
    "code": {"module", "qualname"},
    "instance": {"class", "state"},
}


def _dtype(text, path):
    try:
        dtype = np.dtype(text) if isinstance(text, str) else None
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in _SCALAR_KINDS or dtype.hasobject:
        refuse(f"{path} names the dtype {text!r}, which skmulti does not save")
    return dtype


def _shape(shape, path):
    if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
        refuse(f"{path} has an invalid shape {shape!r}")
    return tuple(shape)


class Decoder:
    """Check, then decode, the nodes of a file.

    :meth:`scan` walks every node first without importing or building
    anything: tags and their fields, the allowlist of classes, Keras
    serialization keys, the members referred to, and every import name and
    scikit-learn type the file needs. If one of those is not trusted,
    :meth:`scan` refuses and names them all. Only then does :meth:`decode`
    build the values.

    Parameters
    ----------
    archive : _archive.Archive
    trusted : iterable of str
        Import names (``"module.qualname"``) the caller trusts.
    """

    def __init__(self, archive, trusted):
        self.archive = archive
        self.trusted = set(trusted)
        self._skops_types = {}  # member -> untrusted types of skops
        self._cache = {}  # member -> value (shared arrays and objects stay shared)
        self._checks = []

    # -- scan ---------------------------------------------------------------------

    def scan(self, node):
        needed = set()
        self._scan(node, "the file", 0, needed)
        if needed:
            names = sorted(needed)
            raise UntrustedTypesError(
                "skmulti.load refused the file: it names code or types that are not "
                f"trusted: {names}. Nothing was imported. If you trust the source "
                "of this file and these names, pass them: "
                f"skmulti.load(path, trusted={names!r}).",
                names=names,
            )

    def _scan(self, node, path, depth, needed):
        if depth > MAX_DEPTH:
            refuse(f"{path} is nested more than {MAX_DEPTH} levels deep")
        if _is_json_scalar(node):
            return
        if isinstance(node, list):
            for i, item in enumerate(node):
                self._scan(item, f"{path}[{i}]", depth + 1, needed)
            return
        if not isinstance(node, dict):  # pragma: no cover - json gives no other
            refuse(f"{path} is not JSON data")
        keras_keys = KERAS_KEYS & set(node)
        if keras_keys:
            refuse(
                f"{path} holds a serialized Keras object (key "
                f"{sorted(keras_keys)[0]!r}: {str(node.get('class_name'))[:80]!r}); "
                "skmulti files never hold Keras configurations, the network is "
                "rebuilt from its parameters. The file was crafted or edited"
            )
        tag = node.get(TAG)
        if tag is None:
            for key, value in node.items():
                self._scan(value, f"{path}[{key!r}]", depth + 1, needed)
            return
        if tag not in _FIELDS or set(node) != _FIELDS[tag] | {TAG}:
            refuse(f"{path} is a node skmulti does not write ({TAG}={tag!r})")
        getattr(self, f"_scan_{tag}")(node, path, depth, needed)

    def _scan_float(self, node, path, depth, needed):
        if node["value"] not in ("nan", "inf", "-inf"):
            refuse(f"{path} is an invalid float {node['value']!r}")

    def _scan_tuple(self, node, path, depth, needed):
        if not isinstance(node["items"], list):
            refuse(f"{path} is an invalid tuple")
        self._scan(node["items"], path, depth + 1, needed)

    def _scan_dict(self, node, path, depth, needed):
        items = node["items"]
        if not isinstance(items, list) or not all(
            isinstance(p, list) and len(p) == 2 for p in items
        ):
            refuse(f"{path} is an invalid dict")
        self._scan(items, path, depth + 1, needed)

    def _scan_scalar(self, node, path, depth, needed):
        _dtype(node["dtype"], path)
        value = node["value"]
        if isinstance(value, dict):
            self._scan_float(value, path, depth, needed)
        elif not _is_json_scalar(value) or value is None:
            refuse(f"{path} is an invalid NumPy scalar")

    def _scan_dtype(self, node, path, depth, needed):
        _dtype(node["str"], path)

    def _scan_array(self, node, path, depth, needed):
        _dtype(node["dtype"], path)
        _shape(node["shape"], path)
        self.archive.raw(node["member"], ".npy")

    def _scan_objarray(self, node, path, depth, needed):
        shape = _shape(node["shape"], path)
        items = node["items"]
        if not isinstance(items, list) or len(items) != math.prod(shape):
            refuse(f"{path} has {len(items)} cells for the shape {shape}")
        for item in items:
            if isinstance(item, dict):
                self._scan_float(item, path, depth, needed)
            elif not _is_json_scalar(item):
                refuse(f"{path} holds a cell that is not a JSON scalar")

    def _scan_code(self, node, path, depth, needed):
        module, qualname = node["module"], node["qualname"]
        if not (isinstance(module, str) and isinstance(qualname, str)) or not (
            _NAME.match(module) and _NAME.match(qualname)
        ):
            refuse(f"{path} names code with an invalid name {module!r}.{qualname!r}")
        name = f"{module}.{qualname}"
        if name not in self.trusted:
            needed.add(name)

    def _scan_instance(self, node, path, depth, needed):
        name = node["class"]
        if name not in ALLOWED:
            refuse(
                f"{path} is an instance of {str(name)[:200]!r}, which is not one of "
                "the skmulti classes a file may hold"
            )
        if not isinstance(node["state"], dict) or TAG in node["state"]:
            refuse(f"{path} has an invalid state")
        self._scan(node["state"], f"{path}<{name}>", depth + 1, needed)

    def _scan_sklearn(self, node, path, depth, needed):
        import skops.io

        member = node["member"]
        data = self.archive.raw(member, ".skops")
        if member not in self._skops_types:
            with _archive.open_zip(data, where=f"the skops member {member!r}") as zf:
                _archive.check_entries(
                    zf, where=f"the skops member {member!r}", names=None
                )
            try:
                types = skops.io.get_untrusted_types(data=data)
            except Exception as exc:
                refuse(f"the skops member {member!r} cannot be read ({exc})")
            self._skops_types[member] = list(types)
        needed.update(
            t
            for t in self._skops_types[member]
            if t not in self.trusted and t not in ALLOWED
        )

    # -- decode ---------------------------------------------------------------------

    def decode(self, node):
        """Build the value of a scanned node (run ``scan`` on it first)."""
        value = self._decode(node)
        checks, self._checks = self._checks, []
        for check, obj in checks:
            try:
                check(obj)
            except UntrustedFileError:
                raise
            except Exception as exc:  # a state of another shape than skmulti's
                refuse(
                    f"the saved {qualified_name(type(obj))} does not have the state "
                    f"this skmulti expects ({type(exc).__name__}: {exc})"
                )
        return value

    def _decode(self, node):
        if _is_json_scalar(node):
            return node
        if isinstance(node, list):
            return [self._decode(item) for item in node]
        tag = node.get(TAG)
        if tag is None:
            return {key: self._decode(value) for key, value in node.items()}
        return getattr(self, f"_decode_{tag}")(node)

    def _decode_float(self, node):
        return float(node["value"])

    def _decode_tuple(self, node):
        return tuple(self._decode(item) for item in node["items"])

    def _decode_dict(self, node):
        out = {}
        for key, value in node["items"]:
            key = self._decode(key)
            try:
                hash(key)
            except TypeError:
                refuse(f"a dict key of type {type(key).__name__} is not hashable")
            out[key] = self._decode(value)
        return out

    def _decode_scalar(self, node):
        value = node["value"]
        value = self._decode_float(value) if isinstance(value, dict) else value
        return np.dtype(node["dtype"]).type(value)

    def _decode_dtype(self, node):
        return np.dtype(node["str"])

    def _decode_array(self, node):
        member = node["member"]
        if member not in self._cache:
            array = self.archive.array(member)
            if array.dtype != np.dtype(node["dtype"]) or array.shape != tuple(
                node["shape"]
            ):
                refuse(
                    f"the array member {member!r} holds {array.shape} {array.dtype}, "
                    "but the file describes it as "
                    f"{tuple(node['shape'])} {node['dtype']}"
                )
            self._cache[member] = array
        return self._cache[member]

    def _decode_objarray(self, node):
        items = [
            self._decode_float(c) if isinstance(c, dict) else c for c in node["items"]
        ]
        array = np.empty(len(items), dtype=object)
        for i, item in enumerate(items):
            array[i] = item
        return array.reshape(tuple(node["shape"]))

    def _decode_code(self, node):
        name = f"{node['module']}.{node['qualname']}"
        if name not in self.trusted:  # scan refuses first; never import otherwise
            raise UntrustedTypesError(f"{name} is not trusted.", names=[name])
        try:
            found = importlib.import_module(node["module"])
            for part in node["qualname"].split("."):
                found = getattr(found, part)
        except (ImportError, AttributeError) as exc:
            refuse(
                f"it names {name}, which cannot be imported here ({exc})",
                "Install the package or module that defines it, then load again.",
            )
        return found

    def _decode_instance(self, node):
        name = node["class"]
        spec = ALLOWED[name]
        cls = _allowed_class(name)
        state = {k: self._decode(v) for k, v in node["state"].items()}
        state.update(dict.fromkeys(spec.derived))
        obj = cls.__new__(cls)
        try:
            if hasattr(obj, "__setstate__"):
                obj.__setstate__(state)
            else:
                obj.__dict__.update(state)
        except Exception as exc:  # pragma: no cover - setstate of another version
            refuse(
                f"the saved {name} has a state this skmulti cannot restore "
                f"({type(exc).__name__}: {exc})"
            )
        if spec.check is not None:
            self._checks.append((spec.check, obj))
        return obj

    def _decode_sklearn(self, node):
        import skops.io

        member = node["member"]
        if member not in self._cache:
            try:
                self._cache[member] = skops.io.loads(
                    self.archive.raw(member), trusted=self._skops_types[member]
                )
            except UntrustedFileError:
                raise
            except Exception as exc:
                refuse(
                    f"skops refused the member {member!r} ({type(exc).__name__}: {exc})"
                )
        return self._cache[member]
