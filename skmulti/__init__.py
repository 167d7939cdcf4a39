"""skmulti: one Keras network that predicts an amount and a label, as a
scikit-learn estimator."""

import os as _os

# Keras reads its backend at import; TensorFlow is the default, as for Keras.
_os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from ._estimator import RegressorClassifier  # noqa: E402
from ._prediction import Prediction  # noqa: E402

__version__ = "0.1.0"

__all__ = ["Prediction", "RegressorClassifier", "__version__"]
