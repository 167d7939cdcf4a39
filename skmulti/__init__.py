"""skmulti: one Keras network that predicts an amount and a label, as a
scikit-learn estimator."""

import os as _os

# Keras reads its backend at import; TensorFlow is the default, as for Keras.
_os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from ._engine import cache_info as engine_cache_info  # noqa: E402
from ._engine import clear_cache as clear_engine_cache  # noqa: E402
from ._estimator import RegressorClassifier  # noqa: E402
from ._persistence import load, save  # noqa: E402
from ._prediction import Prediction  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "Prediction",
    "RegressorClassifier",
    "__version__",
    "clear_engine_cache",
    "engine_cache_info",
    "load",
    "save",
]
