"""The README's Quickstart is the contract with a fresh machine: keep it true."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _quickstart_commands():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)\n```", section, flags=re.S)


def test_quickstart_has_exactly_two_commands():
    commands = _quickstart_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    assert "-m skmulti demo" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert _quickstart_commands()[1] in ci


def test_ci_runs_the_slow_tests_the_readme_command_leaves_out():
    """pyproject.toml deselects the slow tests by default; CI runs them on their own."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '-m "not slow"' in pyproject
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ".venv/bin/python -m pytest -n 2 -m slow" in ci


@pytest.mark.slow
def test_readme_example_runs(tmp_path):
    """The README's example (section "## Example") runs and prints two scores."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Example", 1)[1].split("\n## ", 1)[0]
    (code,) = re.findall(r"```python\n(.*?)\n```", section, flags=re.S)
    assert len(code.splitlines()) <= 12
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    mae, auc = (float(v) for v in result.stdout.split())
    assert 0 < mae < 64.0  # better than predicting the mean amount (MAE about 64)
    assert 0.75 < auc <= 1.0
