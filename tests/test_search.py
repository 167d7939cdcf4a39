"""Every search tool users reach for, run for real on tiny networks.

* GridSearchCV with a scoring dict of head scorers and ``refit="auc"``;
  routed parameters (``model__*``, ``optimizer__*``, ``callbacks__*``) searched.
* RandomizedSearchCV; HalvingRandomSearchCV with ``epochs`` as the resource.
* Optuna's OptunaSearchCV (trials in threads with ``n_jobs=2``).
* sklearn-genetic-opt's GASearchCV: it refuses an estimator that is neither a
  classifier nor a regressor; a three-line subclass tagged as a regressor
  passes (see docs/model_selection.md).
* Parallelism: joblib's process backend (loky) with ``n_jobs=2`` and the
  threading backend give the very ``cv_results_`` of ``n_jobs=1``; loky
  workers run TensorFlow with the thread budget joblib set
  (``OMP_NUM_THREADS``), measured inside the workers by scorers.
* A fitted search object pickles and predicts identically.
"""

import os
import pickle

import keras
import numpy as np
import pytest
from conftest import make_xy
from joblib import cpu_count, parallel_config
from scipy.stats import loguniform
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    GridSearchCV,
    HalvingRandomSearchCV,
    RandomizedSearchCV,
)

from skmulti import RegressorClassifier
from skmulti.metrics import amount_scorer, combined_scorer, label_scorer
from skmulti.model_selection import LabelStratifiedKFold

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

#: Two steps per epoch on 30 training rows; no early stopping, so a candidate
#: trains exactly ``epochs`` epochs.
EST = dict(
    hidden_layer_sizes=(4,), epochs=3, batch_size=16, early_stopping=False, random_state=0
)
SCORING = {
    "mae": amount_scorer("neg_mean_absolute_error"),
    "auc": label_scorer("roc_auc"),
    "both": combined_scorer(),
}
GRID = {"learning_rate": [1e-3, 3e-2]}


def _cv():
    return LabelStratifiedKFold(2, shuffle=True, random_state=0)


@pytest.fixture(scope="module")
def data():
    return make_xy(60, n_classes=2)


def _same_results(a, b, skip=()):
    """The candidates, their split scores and ranks are identical."""
    keys = [
        k
        for k in a
        if not k.endswith(("_time",)) and not any(s in k for s in skip)
    ]
    assert sorted(keys) == sorted(k for k in b if k in keys)
    for key in keys:
        if key == "params":
            assert a[key] == b[key]
        elif np.asarray(a[key]).dtype.kind in "fiu":
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
        else:
            assert list(a[key]) == list(b[key]), key


# -- process and thread budget (measured in the workers, by scorers) -----------------


def _threads_now(est, X, y):
    """A "score": the number of threads of the process that scores."""
    with open("/proc/self/status") as f:
        return float(next(int(line.split()[1]) for line in f if line.startswith("Threads:")))


def _tf_threads_now(est, X, y):
    """A "score": TensorFlow's compute threads (its intra- and inter-op pools,
    threads named tf_Compute) in the process that scores."""
    names = []
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                names.append(f.read().strip())
        except OSError:  # the thread ended meanwhile
            pass
    return float(sum(name == "tf_Compute" for name in names))


def _intra_op_threads(est, X, y):
    import tensorflow as tf

    return float(tf.config.threading.get_intra_op_parallelism_threads())


def _inter_op_threads(est, X, y):
    import tensorflow as tf

    return float(tf.config.threading.get_inter_op_parallelism_threads())


PROBES = {
    "threads": _threads_now,
    "tf_threads": _tf_threads_now,
    "intra": _intra_op_threads,
    "inter": _inter_op_threads,
}
LINUX = pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="needs /proc")


@pytest.fixture(scope="module")
def sequential(data):
    """The reference: GridSearchCV with n_jobs=1, refit on the label's AUC."""
    X, y = data
    search = GridSearchCV(
        RegressorClassifier(**EST), GRID, cv=_cv(), scoring={**SCORING, **PROBES},
        refit="auc", n_jobs=1, error_score="raise",
    )
    return search.fit(X, y)


def test_grid_search_multi_metric_refit_on_the_label(sequential, data):
    X, y = data
    search = sequential
    assert search.best_params_ in GRID_CANDIDATES
    assert search.best_index_ == int(np.argmax(search.cv_results_["mean_test_auc"]))
    for name in SCORING:
        assert np.isfinite(search.cv_results_[f"mean_test_{name}"]).all(), name
    pred = search.predict(X)
    assert pred.amount.shape == (len(X),) and set(pred.label) <= {0, 1}
    assert search.predict_proba(X).shape == (len(X), 2)
    assert search.best_estimator_.learning_rate == search.best_params_["learning_rate"]
    # refit="auc": the search's own score is the refit metric on new data.
    assert search.score(X, y) == pytest.approx(SCORING["auc"](search.best_estimator_, X, y))


GRID_CANDIDATES = [{"learning_rate": v} for v in GRID["learning_rate"]]


@pytest.mark.slow
@LINUX
def test_loky_n_jobs_2_is_identical_and_limits_tf_threads(sequential, data):
    X, y = data
    search = GridSearchCV(
        RegressorClassifier(**EST), GRID, cv=_cv(), scoring={**SCORING, **PROBES},
        refit=False, n_jobs=2, error_score="raise",
    )
    with parallel_config(backend="loky"):
        search.fit(X, y)
    _same_results(search.cv_results_, sequential.cv_results_, skip=tuple(PROBES))
    budget = max(1, cpu_count() // 2)  # what joblib sets as OMP_NUM_THREADS
    results = search.cv_results_
    intra = np.concatenate([results[f"split{i}_test_intra"] for i in range(2)])
    tf_threads = np.concatenate([results[f"split{i}_test_tf_threads"] for i in range(2)])
    threads = np.concatenate([results[f"split{i}_test_threads"] for i in range(2)])
    inter = np.concatenate([results[f"split{i}_test_inter"] for i in range(2)])
    assert (intra == budget).all(), intra
    assert (inter == budget).all(), inter
    # The intra-op and inter-op pools hold `budget` threads each, and TensorFlow
    # runs one more compute thread of its own: 3 with a budget of 1, in steady
    # state (a fit that follows another in the same worker may still see the
    # last one's threads wind down). TensorFlow's default is one intra-op and
    # one inter-op thread per core.
    assert tf_threads.min() <= 2 * budget + 1, tf_threads
    if cpu_count() >= 2:
        assert tf_threads.min() < 2 * cpu_count(), tf_threads
    print(f"loky workers: budget {budget}, tf_Compute threads {tf_threads}, "
          f"all threads {threads} (main process: {cpu_count()} cores)")
    # The main process (n_jobs=1) is left alone: TF's default pools there.
    assert (sequential.cv_results_["mean_test_intra"] == 0).all()


@pytest.mark.slow
def test_threading_backend_is_identical(sequential, data):
    """Fits running in two threads of one process reproduce n_jobs=1."""
    X, y = data
    search = GridSearchCV(
        RegressorClassifier(**EST), GRID, cv=_cv(), scoring=SCORING,
        refit=False, n_jobs=2, error_score="raise",
    )
    with parallel_config(backend="threading"):
        search.fit(X, y)
    _same_results(search.cv_results_, sequential.cv_results_, skip=tuple(PROBES))


def test_fitted_search_pickles_and_predicts_identically(sequential, data):
    X, _ = data
    again = pickle.loads(pickle.dumps(sequential))
    pred, pred_again = sequential.predict(X), again.predict(X)
    np.testing.assert_array_equal(pred.amount, pred_again.amount)
    np.testing.assert_array_equal(pred.label, pred_again.label)
    np.testing.assert_array_equal(sequential.predict_proba(X), again.predict_proba(X))


# -- routed parameters -----------------------------------------------------------------

SEEN = []


class Probe(keras.callbacks.Callback):
    """Records, at the start of each fit, what the routed parameters built."""

    def __init__(self, tag="unset"):
        super().__init__()
        self.tag = tag

    def on_train_begin(self, logs=None):
        network = self.model  # callbacks see the user's network itself
        SEEN.append(
            (
                self.tag,
                network.get_layer("hidden").units,
                type(self.model.optimizer).__name__,
                round(float(keras.ops.convert_to_numpy(self.model.optimizer.momentum)), 6),
            )
        )


def build_net(meta, units=3):
    inputs = keras.Input(shape=(meta["n_features_in_"],))
    hidden = keras.layers.Dense(units, activation="relu", name="hidden")(inputs)
    return keras.Model(
        inputs,
        {
            "amount": keras.layers.Dense(1, name="amount")(hidden),
            "label": keras.layers.Dense(1, activation="sigmoid", name="label")(hidden),
        },
    )


def test_routed_parameters_are_searchable(data):
    X, y = data
    est = RegressorClassifier(
        build_net, optimizer="sgd", callbacks=[Probe()], epochs=2, batch_size=64,
        early_stopping=False, random_state=0,
    )
    grid = [
        {"model__units": [3], "optimizer__momentum": [0.0], "callbacks__0__tag": ["a"]},
        {"model__units": [5], "optimizer__momentum": [0.5], "callbacks__Probe__tag": ["b"]},
    ]
    SEEN.clear()
    search = GridSearchCV(est, grid, cv=2, scoring=SCORING, refit="both", error_score="raise")
    search.fit(X, y)
    # Two folds of each candidate, then the refit of the best one.
    assert SEEN[:4] == [("a", 3, "SGD", 0.0)] * 2 + [("b", 5, "SGD", 0.5)] * 2
    best = search.best_params_
    assert SEEN[4][1] == best["model__units"]
    assert search.best_estimator_.get_params()["model__units"] == best["model__units"]
    assert search.best_estimator_.model_.get_layer("hidden").units == best["model__units"]
    assert [p["model__units"] for p in search.cv_results_["params"]] == [3, 5]


# -- the other scikit-learn search tools -------------------------------------------------


def test_randomized_search_n_jobs_1_and_2_identical(data):
    X, y = data
    distributions = {
        "learning_rate": loguniform(1e-3, 1e-1),
        "hidden_layer_sizes": [(3,), (5,)],
    }

    def search(n_jobs):
        return RandomizedSearchCV(
            RegressorClassifier(**EST), distributions, n_iter=2, cv=_cv(),
            scoring=SCORING, refit=False, random_state=0, error_score="raise",
            n_jobs=n_jobs,
        ).fit(X, y)

    sequential = search(1)
    params = sequential.cv_results_["params"]
    assert len(params) == 2 and params[0] != params[1]
    assert all(1e-3 <= p["learning_rate"] <= 1e-1 for p in params)
    for name in SCORING:
        assert np.isfinite(sequential.cv_results_[f"mean_test_{name}"]).all(), name
    with parallel_config(backend="loky"):
        parallel = search(2)
    _same_results(parallel.cv_results_, sequential.cv_results_)


def test_halving_random_search_with_epochs_as_resource(data):
    X, y = data
    search = HalvingRandomSearchCV(
        RegressorClassifier(**EST), {"learning_rate": [1e-3, 3e-2]},
        resource="epochs", min_resources=2, max_resources=4, factor=2,
        n_candidates=2, cv=_cv(), scoring=label_scorer("roc_auc"),
        random_state=0, error_score="raise",
    )
    search.fit(X, y)
    assert search.n_resources_ == [2, 4]
    assert search.n_candidates_ == [2, 1]
    assert list(search.cv_results_["n_resources"]) == [2, 2, 4]
    # Each candidate trained exactly its resource, in epochs.
    assert search.best_params_["epochs"] == 4
    assert search.best_estimator_.n_iter_ == 4
    assert len(search.best_estimator_.history_["loss"]) == 4
    assert search.predict_proba(X).shape == (len(X), 2)


# -- Optuna ------------------------------------------------------------------------------


@pytest.mark.slow
def test_optuna_search_with_threads_reproduces_each_trial(sequential, data):
    """OptunaSearchCV runs trials in threads (n_jobs=2); each trial scores
    exactly what its parameters scored in the sequential GridSearchCV."""
    optuna = pytest.importorskip("optuna")
    integration = pytest.importorskip("optuna_integration")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    X, y = data
    search = integration.OptunaSearchCV(
        RegressorClassifier(**EST),
        {"learning_rate": optuna.distributions.CategoricalDistribution(GRID["learning_rate"])},
        n_trials=2, n_jobs=2, cv=_cv(), scoring=SCORING["auc"], random_state=0,
        error_score="raise",
    )
    search.fit(X, y)
    trials = search.trials_
    assert len(trials) == 2 and all(t.value is not None for t in trials)
    reference = dict(
        zip(
            [p["learning_rate"] for p in sequential.cv_results_["params"]],
            sequential.cv_results_["mean_test_auc"],
        )
    )
    for trial in trials:
        assert trial.value == reference[trial.params["learning_rate"]]
    assert search.best_params_ == search.study_.best_params
    assert search.predict(X).shape == (len(X), 2)
    again = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(again.predict_proba(X), search.predict_proba(X))


# -- sklearn-genetic-opt ----------------------------------------------------------------


class RegressorTaggedRegressorClassifier(RegressorClassifier):
    """GASearchCV accepts classifiers and regressors only: tag ours as a regressor.

    With ``cv`` an int, scikit-learn then uses a plain KFold as it does for
    RegressorClassifier itself; the default scoring stays ``score``.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "regressor"
        return tags


@pytest.mark.slow
def test_ga_search(data):
    sklearn_genetic = pytest.importorskip("sklearn_genetic")
    from sklearn_genetic.space import Categorical, Continuous

    X, y = data
    space = {
        "learning_rate": Continuous(1e-3, 1e-1, distribution="log-uniform"),
        "hidden_layer_sizes": Categorical([(3,), (5,)]),
    }
    kwargs = dict(
        cv=_cv(), scoring=SCORING, refit="auc", population_size=2, generations=1,
        verbose=False, n_jobs=1, error_score="raise",
    )
    with pytest.raises(ValueError, match="is not a valid Sklearn classifier, regressor"):
        sklearn_genetic.GASearchCV(RegressorClassifier(**EST), param_grid=space, **kwargs)
    search = sklearn_genetic.GASearchCV(
        RegressorTaggedRegressorClassifier(**EST), param_grid=space, **kwargs
    )
    search.fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_auc"]).all()
    assert set(search.best_params_) == set(space)
    assert search.predict(X).shape == (len(X), 2)
    # A fitted GASearchCV of sklearn-genetic-opt 0.12 does not pickle (its DEAP
    # toolbox holds local lambdas); its best estimator does, and predicts the same.
    with pytest.raises((TypeError, AttributeError), match="pickle"):
        pickle.dumps(search)
    again = pickle.loads(pickle.dumps(search.best_estimator_))
    np.testing.assert_array_equal(again.predict(X).amount, search.predict(X).amount)
    np.testing.assert_array_equal(again.predict_proba(X), search.predict_proba(X))
