"""Search on a real Dask cluster through joblib's Dask backend.

A ``distributed.LocalCluster`` with 2 worker processes of 1 thread each, on
127.0.0.1, runs ``GridSearchCV`` (``parallel_config(backend="dask")``). Dask's
workers run background threads (heartbeats, the event loop) in the process
that fits; some draw from Python's global ``random``, the source of Keras's
default initializer seeds. skmulti gives each fit its own seed source, so the
scores must equal a sequential run's, bit for bit, every time: the search is
run several times on the cluster (one green run would prove little).
"""

import pickle
import sys

import numpy as np
import pytest
from conftest import make_xy
from joblib import parallel_config
from sklearn.model_selection import GridSearchCV

from skmulti import RegressorClassifier
from skmulti.metrics import amount_scorer, combined_scorer, label_scorer
from skmulti.model_selection import LabelStratifiedKFold

distributed = pytest.importorskip("distributed")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    # distributed's own shutdown noise (closed comms, leaked semaphores).
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:distributed.*"),
]

EST = dict(
    hidden_layer_sizes=(4,), epochs=3, batch_size=16, early_stopping=False, random_state=0
)
GRID = {"learning_rate": [1e-3, 3e-2], "hidden_layer_sizes": [(4,), (6,)]}
SCORING = {
    "mae": amount_scorer("neg_mean_absolute_error"),
    "auc": label_scorer("roc_auc"),
    "both": combined_scorer(),
}
REPEATS = 3


def _search():
    return GridSearchCV(
        RegressorClassifier(**EST),
        GRID,
        cv=LabelStratifiedKFold(2, shuffle=True, random_state=0),
        scoring=SCORING,
        refit="auc",
        error_score="raise",
    )


def _scores(search):
    return {
        key: np.asarray(value)
        for key, value in search.cv_results_.items()
        if key.startswith(("split", "mean_test", "std_test", "rank_test"))
    }


@pytest.fixture(scope="module")
def client():
    # The helpers below live in this test module, which the workers cannot
    # import: ship them by value.
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster, distributed.Client(cluster) as dask_client:
        yield dask_client


def test_grid_search_on_a_local_cluster_matches_a_sequential_run(client):
    X, y = make_xy(60, n_classes=2)
    sequential = _search().fit(X, y)
    expected = _scores(sequential)

    for repeat in range(REPEATS):
        search = _search()
        with parallel_config(backend="dask"):
            search.fit(X, y)
        got = _scores(search)
        assert got.keys() == expected.keys()
        for key in expected:
            np.testing.assert_array_equal(got[key], expected[key], err_msg=f"{repeat}: {key}")
        assert search.best_params_ == sequential.best_params_
        # The refitted best estimator predicts, and exactly as the sequential one.
        pred, ref = search.predict(X), sequential.predict(X)
        np.testing.assert_array_equal(pred.amount, ref.amount)
        np.testing.assert_array_equal(pred.label, ref.label)
        np.testing.assert_array_equal(search.predict_proba(X), sequential.predict_proba(X))

    # The fits ran in both worker processes, and each sized TensorFlow's thread
    # pools to the thread budget its nanny set (OMP_NUM_THREADS=1).
    states = client.run(_thread_state)
    assert len(states) == 2
    for state in states.values():
        assert state["budget"] == 1, state
        assert state["intra"] == 1 and state["inter"] == 1, state


def _thread_state():
    from skmulti import _threads

    return _threads.state


def test_fitted_estimator_travels_to_a_worker_and_back(client):
    """What the backend ships: pickled estimators; a fitted one predicts the same there."""
    X, y = make_xy(60, n_classes=2)
    est = RegressorClassifier(**EST).fit(X, y)
    blob = pickle.dumps(est)
    assert len(blob) < 200_000  # tiny network: weights, optimizer state, target encoders
    future = client.submit(_predict_amount, est, X, pure=False)
    np.testing.assert_array_equal(future.result(), est.predict(X).amount)


def _predict_amount(est, X):
    return est.predict(X).amount


def test_several_targets_search_on_the_cluster_matches_a_sequential_run(client):
    """One amount and two labels: the column scorers and the joint-label splitter
    give the cluster's search the very scores of a sequential run."""
    X, y2 = make_xy(60, n_classes=2)
    y = np.column_stack([y2, (X[:, 3] > 0).astype(int)])  # a second label column

    def search():
        return GridSearchCV(
            RegressorClassifier(**EST),
            {"learning_rate": [1e-3, 3e-2]},
            cv=LabelStratifiedKFold(2, shuffle=True, random_state=0),
            scoring={"second": label_scorer("accuracy", column=1),
                     "labels": label_scorer("accuracy"), "r2": amount_scorer("r2")},
            refit="second",
            error_score="raise",
        )

    sequential = search().fit(X, y)
    with parallel_config(backend="dask"):
        on_cluster = search().fit(X, y)
    for key, value in _scores(sequential).items():
        np.testing.assert_array_equal(_scores(on_cluster)[key], value, err_msg=key)
    assert on_cluster.best_estimator_.predict(X).label.shape == (60, 2)
