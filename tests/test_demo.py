"""The demo of the README's first Quickstart command."""

import io
import os
import re
import subprocess
import sys

import pytest

from skmulti._demo import run_demo


def test_demo_prints_a_table_for_both_models():
    out, err = io.StringIO(), io.StringIO()
    table = run_demo(n_samples=300, n_splits=2, fast=True, out=out, err=err)
    assert set(table) == {
        "skmulti RegressorClassifier",
        "sklearn MLPRegressor + MLPClassifier",
    }
    for row in table.values():
        assert set(row) == {"mae", "r2", "acc", "auc", "fit_s"}
        assert 0.0 <= row["acc"] <= 1.0 and 0.0 <= row["auc"] <= 1.0
        assert row["mae"] >= 0.0 and row["fit_s"] > 0.0
    text = out.getvalue()
    assert "amount MAE" in text and "label AUC" in text
    assert "[4/4]" in err.getvalue()  # progress indication


# What TensorFlow writes while it loads (native absl lines, before absl is
# initialised); the command line keeps them off the terminal unless asked.
STARTUP_NOISE = (
    "Could not find cuda drivers",
    "absl::InitializeLog",
    "oneDNN custom operations",
    "cpu_feature_guard",
    "cuInit",
)
NATIVE_LOG_LINE = re.compile(r"^[IWE]\d{4} \S+\s+\d+ \S+:\d+\] ", flags=re.M)


@pytest.mark.slow
def test_demo_command_line_prints_no_tensorflow_startup_noise():
    """The real command, in a fresh process: the table, progress, and nothing else."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, "-m", "skmulti", "demo", "--n-samples", "120", "--folds", "2",
         "--fast"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    assert "skmulti RegressorClassifier" in result.stdout
    assert "[4/4]" in result.stderr
    for stream in (result.stdout, result.stderr):
        assert not [n for n in STARTUP_NOISE if n in stream], stream
        assert not NATIVE_LOG_LINE.search(stream), stream


def test_importing_skmulti_leaves_tensorflow_logging_alone():
    """Only the command line quiets TensorFlow; the library and its module do not."""
    code = (
        "import os, skmulti, skmulti.__main__; "
        "print(os.environ.get('TF_CPP_MIN_LOG_LEVEL', 'unset'))"
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "unset"
