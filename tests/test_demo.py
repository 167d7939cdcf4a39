"""The demo of the README's first Quickstart command."""

import io
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


@pytest.mark.slow
def test_demo_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "skmulti", "demo", "--n-samples", "200", "--folds", "2",
         "--fast"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "skmulti RegressorClassifier" in result.stdout
