"""skmulti on Keras's JAX backend (the GPU machines have JAX, not TensorFlow).

Keras reads its backend once per process, so the check runs in a subprocess.
"""

import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import warnings
    import numpy as np
    import keras
    from skmulti import RegressorClassifier
    from skmulti.datasets import make_trade

    warnings.simplefilter("ignore")
    assert keras.backend.backend() == "jax", keras.backend.backend()
    X, y = make_trade(300, random_state=0)
    params = dict(hidden_layer_sizes=(8,), epochs=4, random_state=0,
                  loss_weighting="uncertainty", class_weight="balanced",
                  zero_amount_label=0)
    a = RegressorClassifier(**params).fit(X, y)
    b = RegressorClassifier(**params).fit(X, y)
    pa, pb = a.predict(X), b.predict(X)
    assert np.array_equal(pa.amount, pb.amount) and np.array_equal(pa.label, pb.label)
    assert set(a.history_) >= {"loss", "amount_loss", "label_loss", "val_loss"}
    assert np.isfinite(a.predict_proba(X)).all()
    X3, y3 = make_trade(80, n_timesteps=5, random_state=0)
    c = RegressorClassifier(hidden_layer_sizes=(4,), recurrent_layer_sizes=(4,),
                            epochs=2, random_state=0).fit(X3, y3)
    assert np.asarray(c.predict(X3)).shape == (80, 2)
    print("ok")
    """
)


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_jax_backend_fits_reproducibly():
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
