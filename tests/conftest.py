"""Shared fixtures: tiny data, tiny networks, the abalone file when present."""

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ABALONE = SHARED / "data" / "abalone.csv"

#: Constructor arguments that keep a fit well under two seconds.
TINY = dict(hidden_layer_sizes=(8,), epochs=3, batch_size=16, random_state=0)


def make_xy(n=60, n_features=4, n_classes=2, label="int", seed=0):
    """X (n, n_features) and y (n, 2): amount linear in X, label from X."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, n_features))
    amount = 3.0 * X[:, 0] - X[:, 1] + rng.normal(scale=0.1, size=n)
    codes = np.digitize(X[:, 2], np.quantile(X[:, 2], np.linspace(0, 1, n_classes + 1)[1:-1]))
    if label == "str":
        labels = np.array(["a", "b", "c", "d", "e"])[codes]
    elif label == "bool":
        labels = codes.astype(bool)
    else:
        labels = codes
    y = np.empty((n, 2), dtype=object)
    y[:, 0] = amount
    y[:, 1] = labels
    return X, y


@pytest.fixture
def xy():
    return make_xy()


@pytest.fixture
def abalone():
    """Abalone as (X DataFrame, y DataFrame[rings, rings_class]); skips if absent."""
    if not ABALONE.exists():
        pytest.skip(f"{ABALONE} is not there (../shared is absent)")
    import pandas as pd

    names = ["sex", "length", "diameter", "height", "whole", "shucked", "viscera",
             "shell", "rings"]
    df = pd.read_csv(ABALONE, header=None, names=names)
    X = df.drop(columns="rings")
    y = pd.DataFrame({"rings": df["rings"].astype(float), "age_class": df["rings"]})
    return X, y


def make_several_targets(n=60, seed=0):
    """X and two y's with several targets, built from :func:`make_xy`.

    ``y_labels``: an object array, 1 amount (column 0) and 2 labels (column 1:
    ints, column 2: strings ``"hi"``/``"lo"``). ``y_amounts``: a DataFrame, 2
    amounts (``"a"``, ``"b"``) and 1 label (``"lab"``), the label in the middle.
    """
    import pandas as pd

    X, y = make_xy(n=n, seed=seed)
    y_labels = np.empty((n, 3), dtype=object)
    y_labels[:, :2] = y
    y_labels[:, 2] = np.where(X[:, 3] > 0, "hi", "lo")
    y_amounts = pd.DataFrame(
        {"a": y[:, 0].astype(float), "lab": y[:, 1].astype(int), "b": 2.0 * X[:, 3]}
    )
    return X, y_labels, y_amounts


@pytest.fixture(scope="session")
def display_fits():
    """Fitted estimators the display tests draw, as ``{name: (est, X, y)}``.

    ``"default"``: y of make_xy, ``"labels"``: 1 amount + 2 labels, both with
    early stopping (6 epochs at most); ``"amounts"``: 2 amounts + 1 label
    (DataFrame), without early stopping. See :func:`make_several_targets`.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from skmulti import RegressorClassifier

    X, y = make_xy()
    _, y_labels, y_amounts = make_several_targets()
    early = dict(TINY, epochs=6, n_iter_no_change=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return {
            "default": (RegressorClassifier(**early).fit(X, y), X, y),
            "labels": (RegressorClassifier(**early).fit(X, y_labels), X, y_labels),
            "amounts": (
                RegressorClassifier(**TINY, amount_columns=["a", "b"],
                                    early_stopping=False).fit(X, y_amounts),
                X, y_amounts,
            ),
        }


@pytest.fixture
def close_figures():
    """Draw with matplotlib's Agg backend; close every figure after the test."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")
