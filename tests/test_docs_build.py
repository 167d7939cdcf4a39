"""The documentation site (issue 11): it builds with no warning, it documents every
public name, its gallery shows the examples' figures, and every public name has a
numpydoc docstring whose example runs as a doctest in the suite.

The public names are read as the site reads them, by ``docs/apigen.py``:
``skmulti.__all__`` and the ``__all__`` of every public module of skmulti.
"""

import importlib
import importlib.util
import inspect
import os
import re
import shutil
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

import pytest
from numpydoc.docscrape import NumpyDocString

ROOT = Path(__file__).resolve().parents[1]


def _load_apigen():
    spec = importlib.util.spec_from_file_location("apigen", ROOT / "docs" / "apigen.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


apigen = _load_apigen()
OBJECTS = apigen.public_objects()
DOCUMENTED = sorted(n for n, obj in OBJECTS.items() if apigen.is_documented_object(obj))
DATA = sorted(set(OBJECTS) - set(DOCUMENTED))
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))


def test_the_public_api_is_what_the_issue_lists():
    modules = set(apigen.public_modules())
    assert {
        "skmulti",
        "skmulti.datasets",
        "skmulti.exceptions",
        "skmulti.metrics",
        "skmulti.model_selection",
        "skmulti.preprocessing",
    } <= modules
    assert "skmulti.__main__" not in modules
    for name in (
        "RegressorClassifier",
        "Prediction",
        "engine_cache_info",
        "clear_engine_cache",
    ):
        assert f"skmulti.{name}" in OBJECTS
    for module in modules:
        names = [n for n in importlib.import_module(module).__all__ if n[:2] != "__"]
        assert {f"{module}.{n}" for n in names} <= set(OBJECTS)
    assert len(DOCUMENTED) >= 15


@pytest.mark.parametrize("full_name", DOCUMENTED)
def test_public_name_has_a_numpydoc_docstring_with_an_example(full_name):
    doc = inspect.getdoc(OBJECTS[full_name])
    assert doc, f"{full_name} has no docstring"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpydoc warns on a section it cannot read
        parsed = NumpyDocString(doc)
    assert parsed["Summary"], f"{full_name}: no one-line summary"
    examples = "\n".join(parsed["Examples"])
    assert re.search(r"^>>> \S", examples, flags=re.M), f"{full_name}: no >>> example"


@pytest.mark.parametrize("full_name", DATA)
def test_public_data_has_a_doc_comment(full_name):
    """Data (e.g. ``TRADE_FEATURES``) is documented by a ``#:`` comment above it."""
    from sphinx.pycode import ModuleAnalyzer

    module, name = full_name.rsplit(".", 1)
    attr_docs = ModuleAnalyzer.for_module(module).find_attr_docs()
    assert "".join(attr_docs.get(("", name), [])).strip(), f"{full_name}: no #: comment"


def _run_python(*args, env=None, timeout):
    """Run this Python from the repository root, stdin closed; it must succeed."""
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return result


def test_the_suite_runs_the_docstring_examples():
    """pytest collects the doctest of every public class and function (``pytest`` with
    no path runs ``testpaths``, and ``--doctest-modules`` is in ``addopts``)."""
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]
    options = options["ini_options"]
    assert "--doctest-modules" in options["addopts"].split()
    assert "skmulti" in options["testpaths"]
    result = _run_python(
        "-m",
        "pytest",
        "--collect-only",
        "-q",
        "-p",
        "no:cacheprovider",
        "skmulti",
        timeout=300,
    )
    collected = set(re.findall(r"::(\S+)$", result.stdout, flags=re.M))
    for full_name in DOCUMENTED:
        obj = OBJECTS[full_name]
        assert f"{obj.__module__}.{obj.__qualname__}" in collected, full_name


def _copy_sources(tmp_path):
    """docs/ and examples/ as committed: nothing a previous build wrote into them."""
    generated = shutil.ignore_patterns(
        "_build",
        "generated",
        "auto_examples",
        "api.rst",
        "sg_execution_times.rst",
        "_output",
        "__pycache__",
    )
    shutil.copytree(ROOT / "docs", tmp_path / "docs", ignore=generated)
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=generated)
    return tmp_path / "docs"


@pytest.mark.slow
def test_site_builds_without_warnings_with_api_pages_and_gallery_figures(tmp_path):
    html = tmp_path / "html"
    env = {
        **os.environ,
        "SKMULTI_DOCS_FAST": "1",
        "MPLBACKEND": "Agg",
        # The checkout's skmulti, whatever is installed.
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    sources = _copy_sources(tmp_path)
    result = _run_python(
        "-m",
        "sphinx",
        "-W",
        "--keep-going",
        "-b",
        "html",
        str(sources),
        str(html),
        env=env,
        timeout=540,
    )
    assert "build succeeded" in result.stdout

    api = (html / "api.html").read_text()
    for full_name in OBJECTS:
        page = html / "generated" / f"{full_name}.html"
        assert page.is_file(), f"no API page for {full_name}"
        assert f'href="generated/{full_name}.html' in api, f"api.html omits {full_name}"
    estimator_page = html / "generated" / "skmulti.RegressorClassifier.html"
    assert "Examples" in estimator_page.read_text()

    index = (html / "index.html").read_text()
    for page in (
        "modelling.html",
        "model_selection.html",
        "api.html",
        "auto_examples/index.html",
    ):
        assert f'href="{page}' in index, f"index.html does not link {page}"
    for script in EXAMPLES:
        page = (html / "auto_examples" / f"{script.stem}.html").read_text()
        image = rf'<img src="\.\./_images/(sphx_glr_{script.stem}_\d+\.png)"'
        images = re.findall(image, page)
        assert images, f"the gallery page of {script.name} shows no figure"
        assert all((html / "_images" / image).stat().st_size > 1000 for image in images)
        # The examples are documentation that runs (this build is where CI runs them):
        # each ran to its end in fast mode and its printed output is on its page.
        assert "sphx-glr-script-out" in page, f"{script.name}: no printed output"
        assert "; mode fast," in page, f"{script.name} did not run to its end in fast mode"
