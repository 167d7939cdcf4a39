"""Routed parameters (scikeras's convention): ``model__*``, ``optimizer__*``,
``callbacks__<index or name>__*``.

They are stored on the estimator as attributes named exactly as given, so they
take part in ``get_params``/``set_params``, ``clone`` and every search tool.
"""

import copy
import inspect

ROUTES = ("model", "optimizer", "callbacks")


def is_routed(key):
    """Whether ``key`` is a routed parameter name."""
    route, sep, rest = key.partition("__")
    return bool(sep) and route in ROUTES and bool(rest)


def routed(params, route):
    """The parameters routed to ``route``, with the prefix removed."""
    prefix = route + "__"
    return {k[len(prefix) :]: v for k, v in params.items() if k.startswith(prefix)}


def call_builder(builder, *, meta, compile_kwargs, routed_kwargs):
    """Call a ``model`` builder with the keyword arguments it accepts.

    ``meta`` and ``compile_kwargs`` are passed when the builder names them (or
    takes ``**kwargs``); every ``model__<name>`` parameter is passed always.
    """
    try:
        signature = inspect.signature(builder)
    except (TypeError, ValueError):  # builtins, some callables
        signature = None
    available = {"meta": meta, "compile_kwargs": compile_kwargs}
    if signature is None:
        kwargs = dict(routed_kwargs)
    else:
        params = signature.parameters
        takes_any = any(p.kind == p.VAR_KEYWORD for p in params.values())
        kwargs = {k: v for k, v in available.items() if takes_any or k in params}
        unknown = [k for k in routed_kwargs if not takes_any and k not in params]
        if unknown:
            raise ValueError(
                f"model__{unknown[0]} is routed to the `model` function "
                f"{getattr(builder, '__name__', builder)!r}, which takes no "
                f"argument {unknown[0]!r}. Its arguments are "
                f"{list(params)}; rename the parameter or add it to the function."
            )
        kwargs.update(routed_kwargs)
    return builder(**kwargs)


_OPTIMIZER_CLASSES = {}


def optimizer_class(optimizer):
    """The Keras optimizer class that ``optimizer`` (a name or a class) names."""
    import keras

    if not isinstance(optimizer, str):
        return optimizer
    if optimizer not in _OPTIMIZER_CLASSES:
        try:
            _OPTIMIZER_CLASSES[optimizer] = type(keras.optimizers.get(optimizer))
        except ValueError:
            raise ValueError(
                f"The 'optimizer' parameter of RegressorClassifier must name a Keras "
                f"optimizer such as 'adam', 'sgd', 'rmsprop' or 'adamw'; got "
                f"{optimizer!r}."
            ) from None
    return _OPTIMIZER_CLASSES[optimizer]


class OptimizerRecipe:
    """An optimizer's class and arguments; built only when a fit needs a new one.

    ``optimizer__*`` win over ``learning_rate``. The engine keys its cache by
    the class and the arguments (a numeric learning rate aside, which it sets at
    each fit), so a fit that reuses a compiled program builds no optimizer at
    all: creating one makes TensorFlow variables, which a long search would
    otherwise accumulate.
    """

    def __init__(self, optimizer, learning_rate, routed_kwargs):
        self.cls = optimizer_class(optimizer)
        self.kwargs = {"learning_rate": learning_rate, **routed_kwargs}

    @property
    def learning_rate(self):
        """The learning rate when it is a number (else None: a schedule)."""
        value = self.kwargs["learning_rate"]
        return float(value) if isinstance(value, (int, float)) else None

    def build(self):
        try:
            return self.cls(**self.kwargs)
        except (TypeError, ValueError) as exc:  # Keras: "Argument(s) not recognized"
            raise ValueError(
                f"Could not build the optimizer {self.cls.__name__} with {self.kwargs}: "
                f"{exc}. Check the optimizer__* parameters against the optimizer's "
                "arguments."
            ) from None


def build_optimizer(optimizer, learning_rate, routed_kwargs):
    """A fresh Keras optimizer; ``optimizer__*`` win over ``learning_rate``."""
    return OptimizerRecipe(optimizer, learning_rate, routed_kwargs).build()


def build_callbacks(callbacks, routed_kwargs):
    """Fresh callback instances for one fit, with ``callbacks__*`` applied.

    ``callbacks`` is a list of Keras callback classes or instances, or a dict
    name -> class/instance. ``callbacks__<key>__<param>`` addresses an entry by
    its list index, dict key or class name. Classes are instantiated with their
    routed parameters; instances are deep-copied (the user's object is never
    touched) and the routed parameters set on the copy.
    """
    import keras

    if callbacks is None:
        entries = []
    elif isinstance(callbacks, dict):
        entries = list(callbacks.items())
    else:
        entries = [(str(i), cb) for i, cb in enumerate(callbacks)]
    per_entry = {}
    for key, value in routed_kwargs.items():
        name, sep, param = key.partition("__")
        if not sep:
            raise ValueError(
                f"callbacks__{key} must be callbacks__<index or name>__<parameter>, "
                "e.g. callbacks__0__patience or callbacks__ReduceLROnPlateau__factor."
            )
        per_entry.setdefault(name, {})[param] = value
    built, used = [], set()
    for key, callback in entries:
        cls = callback if isinstance(callback, type) else type(callback)
        params = {}
        for alias in (key, cls.__name__):
            if alias in per_entry:
                params.update(per_entry[alias])
                used.add(alias)
        if isinstance(callback, type):
            if not issubclass(callback, keras.callbacks.Callback):
                raise TypeError(
                    f"callbacks[{key}] must be a keras.callbacks.Callback class or "
                    f"instance; got {callback!r}."
                )
            try:
                instance = callback(**params)
            except TypeError as exc:
                raise ValueError(f"Could not build callback {cls.__name__}: {exc}") from None
        else:
            if not isinstance(callback, keras.callbacks.Callback):
                raise TypeError(
                    f"callbacks[{key}] must be a keras.callbacks.Callback class or "
                    f"instance; got {type(callback).__name__}."
                )
            instance = copy.deepcopy(callback)
            for param, value in params.items():
                if not hasattr(instance, param):
                    raise ValueError(
                        f"callbacks__{key}__{param}: {cls.__name__} has no attribute "
                        f"{param!r}."
                    )
                setattr(instance, param, value)
        built.append(instance)
    unused = set(per_entry) - used
    if unused:
        names = [k for k, _ in entries] + [
            (c if isinstance(c, type) else type(c)).__name__ for _, c in entries
        ]
        raise ValueError(
            f"callbacks__{sorted(unused)[0]}__* addresses no callback; the callbacks "
            f"are {names}."
        )
    return built
