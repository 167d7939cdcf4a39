"""The docs say only what is true: every snippet runs, and the claims are tested.

Every ```python block of README.md and docs/*.md runs here, shrunk: each
``RegressorClassifier(...)`` trains a tiny network for 2 epochs, ``make_trade(n)``
makes 200 rows, and names the snippets take from the reader's own session
(``X``, ``y``, ``est``, ``grid``, ``pipe``, ``search``, ...) come from ``PRELUDE``.
"""

import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import TINY, make_xy
from sklearn.exceptions import ConvergenceWarning

from skmulti import RegressorClassifier, _diagnostics, exceptions

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

#: What every snippet may use without defining it: the reader's data and objects.
PRELUDE = '''
import numpy as np
import pandas as pd
from sklearn.metrics import make_scorer
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_validate
from skmulti import RegressorClassifier
from conftest import make_xy

def _small(cls):
    """The class, trained tiny: a snippet's architecture and epochs are overridden."""
    def make(*args, **kwargs):
        kwargs.update(epochs=2, hidden_layer_sizes=(4,), recurrent_layer_sizes=(4,))
        kwargs.setdefault("random_state", 0)
        kwargs.setdefault("batch_size", 64)
        return cls(*args, **kwargs)
    return make

X, y = make_xy(n=60)
X_3d = np.repeat(X[:, None, :], 3, axis=1)
est = _small(RegressorClassifier)()
grid = {"learning_rate": [1e-3]}
search = GridSearchCV(est, grid, cv=2)
from sklearn.pipeline import make_pipeline
from skmulti.preprocessing import SequenceScaler
pipe = make_pipeline(SequenceScaler(), _small(RegressorClassifier)())
'''

#: Code run after a snippet, to check that what it built works.
AFTER = {
    ("index.md", 2): (
        "assert est.amount_columns_ == ['spend', 'visits']; "
        "assert np.asarray(pred).shape == (200, 4); "
        "assert pred.label_column(0).dtype.kind == 'i'; "
        "assert sorted(est.model_.output) == "
        "['amount_spend', 'amount_visits', 'label_churn', 'label_segment']"
    ),
    ("index.md", 3): "est.fit(X, y); assert est.predict(X).amount.shape == (60,)",
    ("modelling.md", 2): "assert pipe.predict(X_3d).amount.shape == (60,)",
    ("model_selection.md", 5): "client.close(); client.cluster.close()",
    ("persistence.md", 1): (
        "assert np.array_equal(loaded.predict_proba(X), est.predict_proba(X)); "
        "import os; os.remove('model.skmulti')"
    ),
}

#: Snippets that need more than ~20 s on 2 cores.
SLOW = {("README.md", 2), ("model_selection.md", 5)}

#: Snippets another test already runs whole, so this file does not run them again:
#: the README's example (tests/test_readme.py runs it verbatim, unshrunk, and checks
#: its two scores) and the Dask search (tests/test_dask.py runs the same search on a
#: real LocalCluster and compares it with a sequential run).
RUN_ELSEWHERE = {("README.md", 2): "tests/test_readme.py::test_readme_example_runs",
                 ("model_selection.md", 5): "tests/test_dask.py"}


def _snippets():
    for path in DOCS:
        blocks = re.findall(r"^```python\n(.*?)^```", path.read_text(), flags=re.S | re.M)
        for i, code in enumerate(blocks, 1):
            key = (path.name, i)
            marks = [pytest.mark.slow] if key in SLOW else []
            if key not in RUN_ELSEWHERE:
                yield pytest.param(key, code, id=f"{path.name}:{i}", marks=marks)


SNIPPETS = list(_snippets())


def _shrink(code):
    code = re.sub(r"(?<![\w.])RegressorClassifier\(", "_small(RegressorClassifier)(", code)
    code = re.sub(r"make_trade\(\d+", "make_trade(200", code)
    # The Dask snippet: a local cluster instead of a real scheduler's address.
    code = re.sub(r"^client = Client\(\"tcp://.*$", "", code, flags=re.M)
    code = re.sub(
        r"^# (client = Client\(LocalCluster\(n_workers=2, threads_per_worker=1)\)\)",
        r'\1, host="127.0.0.1", dashboard_address=None))',
        code,
        flags=re.M,
    )
    return code


def test_every_doc_has_its_snippets_found():
    found = {key[0] for p in SNIPPETS for key in [p.values[0]]}
    assert found == {"README.md", "index.md", "model_selection.md", "modelling.md",
                     "persistence.md"}
    assert len(SNIPPETS) >= 12


@pytest.mark.parametrize("key, code", SNIPPETS)
def test_snippet_runs(key, code):
    namespace = {"__name__": "docs_snippet"}
    exec(compile(PRELUDE, "prelude", "exec"), namespace)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 2 epochs: collapse is fine
        exec(compile(_shrink(code), f"{key[0]}:{key[1]}", "exec"), namespace)
        if key in AFTER:
            exec(AFTER[key], namespace)


# -- docs/modelling.md: the label-collapse rule --------------------------------------


def _collapse(n_other, n_pred_other, n=100):
    true = np.r_[np.zeros(n - n_other, int), np.ones(n_other, int)]
    pred = np.r_[np.zeros(n - n_pred_other, int), np.ones(n_pred_other, int)]
    return _diagnostics.label_collapse(true, pred, np.ones(n), np.array([0, 1]))


def test_collapse_rule_is_strict_as_documented():
    text = (ROOT / "docs" / "modelling.md").read_text()
    assert "(100% warns, 99% does not)" in text
    assert "96% warns and 95% does not" in text
    # 10% of the rows in other classes: 100% for the top class warns, 99% does not.
    assert _collapse(n_other=10, n_pred_other=0) is not None
    assert _collapse(n_other=10, n_pred_other=1) is None
    # 50% in other classes: 96% warns, 95% does not.
    assert _collapse(n_other=50, n_pred_other=4) is not None
    assert _collapse(n_other=50, n_pred_other=5) is None
    # Fewer than 10% of the rows in other classes (95:5): never.
    assert _collapse(n_other=5, n_pred_other=0) is None


# -- docs/model_selection.md ---------------------------------------------------------


def test_no_pickle_recipe_for_a_fitted_gasearchcv():
    """tests/test_search.py asserts that a fitted GASearchCV does not pickle."""
    text = (ROOT / "docs" / "model_selection.md").read_text()
    assert "metrics_list = list(" not in text
    assert "does **not** pickle" in text and "best_estimator_" in text
    search_tests = (ROOT / "tests" / "test_search.py").read_text()
    assert 'pytest.raises((TypeError, AttributeError), match="pickle")' in search_tests


def test_a_user_metric_gets_the_prediction_not_an_array():
    seen = []

    def whole(y_true, y_pred):
        seen.append(type(y_pred))
        with pytest.raises(TypeError):
            y_pred[:, 0]
        assert np.asarray(y_pred).shape == (len(y_true), 2)  # allowed in a user metric
        return float(np.mean(y_pred.amount))

    from sklearn.metrics import make_scorer
    from sklearn.model_selection import cross_validate

    from skmulti import Prediction

    X, y = make_xy(n=40)
    est = RegressorClassifier(**dict(TINY, early_stopping=False))
    scores = cross_validate(est, X, y, cv=2, scoring=make_scorer(whole), error_score="raise")
    assert np.isfinite(scores["test_score"]).all()
    assert seen == [Prediction, Prediction]
    text = (ROOT / "docs" / "model_selection.md").read_text()
    assert "still gets the\n`(n, 2)` array" not in text
    assert "`y_pred[:, 0]` raises `TypeError`" in text


def test_dask_snippet_imports_what_it_uses():
    text = (ROOT / "docs" / "model_selection.md").read_text()
    (dask,) = [c for c in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "dask" in c]
    assert "from dask.distributed import Client, LocalCluster" in dask
    assert "# client = Client(LocalCluster(" in dask


# -- skmulti/exceptions.py: every warning skmulti emits is a SkmultiWarning ----------


def test_every_warning_class_is_a_skmulti_warning():
    classes = [getattr(exceptions, name) for name in exceptions.__all__]
    warning_classes = [c for c in classes if issubclass(c, Warning)]
    assert exceptions.StillImprovingWarning in warning_classes
    assert all(issubclass(c, exceptions.SkmultiWarning) for c in warning_classes)
    assert issubclass(exceptions.StillImprovingWarning, ConvergenceWarning)


def test_still_improving_warning_is_a_skmulti_warning():
    """Needs wiring: fit emits StillImprovingWarning (today a plain ConvergenceWarning)."""
    X, y = make_xy(n=60)
    est = RegressorClassifier(**dict(TINY, epochs=2, learning_rate=1e-2))
    with pytest.warns(ConvergenceWarning, match="still improving") as record:
        est.fit(X, y)
    still = [w for w in record if "still improving" in str(w.message)]
    assert still and all(issubclass(w.category, exceptions.SkmultiWarning) for w in still)


# -- docs/index.md: the global state skmulti touches --------------------------------


def test_index_names_the_global_state_touched():
    text = (ROOT / "docs" / "index.md").read_text()
    assert "No global state\n  is read or changed" not in text
    for name in ("KERAS_BACKEND", "OMP_NUM_THREADS", "python_random", "tf.config.threading"):
        assert name in text


def test_import_sets_keras_backend_only_when_unset():
    code = "import os, skmulti; print(os.environ['KERAS_BACKEND'])"
    env = {k: v for k, v in __import__("os").environ.items() if k != "KERAS_BACKEND"}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=120, check=True)
    assert out.stdout.split()[-1] == "tensorflow"


def test_fit_replaces_kerass_python_random_and_keeps_random_state():
    import random

    from skmulti._compat import keras_seed_generator_module
    from skmulti._seeding import _PerThreadRandom

    state = random.getstate()
    X, y = make_xy(n=30)
    RegressorClassifier(**dict(TINY, early_stopping=False)).fit(X, y)
    module = keras_seed_generator_module()
    assert isinstance(module.python_random, _PerThreadRandom)  # for good, as documented
    assert random.getstate() == state
    # Outside a fit it is Python's random module.
    assert module.python_random.getstate() == random.getstate()


def test_snippets_run_elsewhere_are_the_ones_those_tests_run():
    """The README example and the Dask search are skipped here only because the tests
    named in RUN_ELSEWHERE run them: check that they still exist and cover them."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"^```python\n(.*?)^```", readme, flags=re.S | re.M)
    example = readme.split("## Example", 1)[1].split("\n## ", 1)[0]
    assert blocks[1].strip() in example  # README.md:2 is the "## Example" block
    selection = (ROOT / "docs" / "model_selection.md").read_text()
    dask_block = re.findall(r"^```python\n(.*?)^```", selection, flags=re.S | re.M)[4]
    assert "dask" in dask_block and "LocalCluster" in dask_block
    dask_tests = (ROOT / "tests" / "test_dask.py").read_text()
    assert "LocalCluster(" in dask_tests and "GridSearchCV" in dask_tests
    assert "def test_readme_example_runs" in (ROOT / "tests" / "test_readme.py").read_text()
