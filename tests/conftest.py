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
