"""The one place that imports private or version-dependent upstream API.

Everything scikit-learn or Keras keeps private, or changed between the versions
skmulti supports, is imported or patched here so that churn upstream touches
one file.
"""

# TODO: revisit when scikit-learn makes these public (they are private in 1.6-1.9).
from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import _check_sample_weight, _get_feature_names

__all__ = [
    "HasMethods",
    "Interval",
    "StrOptions",
    "_check_sample_weight",
    "_fit_context",
    "_get_feature_names",
    "keras_global_state",
    "keras_graph",
    "keras_mask_operations",
    "keras_seed_generator_module",
    "learning_rate_variable",
    "optimizer_averages",
    "sklearn_base_scorer",
    "validate_params",
]


def keras_seed_generator_module():
    """Keras's module whose ``python_random`` supplies unseeded default seeds."""
    # TODO: private Keras module; checked against keras 3.15.
    from keras.src.random import seed_generator

    return seed_generator


def keras_global_state():
    """Keras's per-thread global state (``get/set_global_attribute``)."""
    from keras.src.backend.common import global_state

    return global_state


def sklearn_base_scorer():
    """scikit-learn's scorer base class (private in 1.6-1.9).

    Its multi-metric scoring calls ``_score`` directly on instances of this
    class (sharing a response cache), bypassing ``__call__``; skmulti's head
    scorers derive from it so that both paths select the head.
    """
    # TODO: private scikit-learn class; checked against scikit-learn 1.9.
    from sklearn.metrics._scorer import _BaseScorer

    return _BaseScorer


def learning_rate_variable(optimizer):
    """The variable holding a Keras optimizer's learning rate, or None.

    None when the learning rate is a schedule (then it is part of the
    optimizer's configuration, not of its state).
    """
    # TODO: private Keras attribute; checked against keras 3.15.
    import keras

    value = getattr(optimizer, "_learning_rate", None)
    return value if isinstance(value, keras.Variable) else None


def optimizer_averages(optimizer):
    """The moving averages a built Keras optimizer keeps of its variables, or None.

    None unless the optimizer was made with ``use_ema=True``; else one entry
    per variable it was built for, in that order (None for a variable it keeps
    no average of). Keras's own ``fit`` ends by writing them into the model
    (``finalize_variable_values``).
    """
    # TODO: private Keras attribute; checked against keras 3.15.
    if not getattr(optimizer, "use_ema", False):
        return None
    return list(optimizer._model_variables_moving_average)


def keras_graph(model):
    """The layer graph of a functional or Sequential Keras model, or None.

    Returns
    -------
    None or tuple
        ``(input, outputs, nodes)``: the model's one symbolic input tensor;
        ``{output name: symbolic tensor}``; and its nodes in an order that
        computes every node after its inputs, each
        ``(operation, args, kwargs, output tensors)`` with the symbolic tensors
        in ``args``/``kwargs`` as the model recorded them. None for subclassed
        models (no recorded graph), Sequential models not built with an input
        shape, and models with several inputs.
    """
    # TODO: private Keras attributes (Sequential._functional, Function._nodes_by_depth,
    # Node.arguments, Functional._outputs_struct); checked against keras 3.15.
    import keras
    from keras.src.models.functional import Functional

    if type(model) is keras.Sequential:
        model = getattr(model, "_functional", None)
    if type(model) is not Functional:
        return None
    inputs = list(model.inputs)
    if len(inputs) != 1:
        return None
    struct = model._outputs_struct
    if isinstance(struct, dict):
        outputs = dict(struct)
    else:
        outputs = dict(zip(model.output_names, model.outputs))
    nodes = []
    by_depth = model._nodes_by_depth
    for depth in sorted(by_depth, reverse=True):  # as Function._run_through_graph
        for node in by_depth[depth]:
            if node.operation is None or node.is_input:
                continue
            nodes.append((node.operation, node.arguments.args, node.arguments.kwargs,
                          list(node.outputs)))
    return inputs[0], outputs, nodes


def keras_mask_operations():
    """The classes of the operations a ``Masking`` layer records for its mask.

    Keras 3 records the mask of ``Masking`` in the model's graph as
    ``keras.ops.not_equal`` then ``keras.ops.any``; their classes are private.
    """
    # TODO: private Keras classes; checked against keras 3.15.
    from keras.src.ops.numpy import Any, NotEqual

    return NotEqual, Any
