"""Size TensorFlow's thread pools in the worker processes of parallel backends.

joblib's default (loky) backend starts ``n_jobs`` worker processes and sets
``OMP_NUM_THREADS`` (and the other BLAS variables) in each to
``max(1, cpu_count() // n_jobs)``; Dask's nanny starts its workers with
``OMP_NUM_THREADS=1``. NumPy's BLAS obeys, but TensorFlow sizes its intra-op
and inter-op pools from the number of cores, so ``n_jobs`` workers would each
run a pool as large as the whole machine. :func:`limit_tf_threads`, called at
the start of every ``fit``, gives TensorFlow the budget the backend chose, in
worker processes only (a child process whose ``OMP_NUM_THREADS`` is set), and
only once per process, before TensorFlow's runtime starts (it refuses changes
later). It changes nothing in the main process, nothing under thread-based
backends (the threads share one process and its pools), nothing the user set
with ``tf.config.threading`` already, and nothing for other Keras backends.
"""

import multiprocessing
import os
import threading

_lock = threading.Lock()
#: None until the first call; then what was done, for introspection and tests:
#: ``{"budget": int or None, "intra": int, "inter": int, "reason": str}``.
state = None


def worker_thread_budget():
    """Threads one process may use, as set by a parallel backend; None outside one.

    Returns
    -------
    int or None
        ``OMP_NUM_THREADS`` when this is a child process (a loky, Dask or
        multiprocessing worker) and the variable holds a positive int; else None.
    """
    if multiprocessing.parent_process() is None:
        return None
    value = os.environ.get("OMP_NUM_THREADS", "")
    try:
        budget = int(value)
    except ValueError:
        return None
    return budget if budget >= 1 else None


def _tensorflow_backend():
    return os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow"


def limit_tf_threads():
    """Give TensorFlow's intra- and inter-op pools the worker's thread budget.

    A no-op after the first call in a process, outside worker processes, for
    other Keras backends, when the user configured the pools, or when
    TensorFlow's runtime has already started.

    Returns
    -------
    dict
        The module's ``state``: the budget, the pool sizes after the call
        (0 means TensorFlow's default, one thread per core) and the reason.
    """
    global state
    if state is not None:
        return state
    with _lock:
        if state is not None:
            return state
        budget = worker_thread_budget()
        result = {"budget": budget, "intra": 0, "inter": 0, "reason": ""}
        if budget is None:
            result["reason"] = "not a worker process with OMP_NUM_THREADS set"
        elif not _tensorflow_backend():
            result["reason"] = "the Keras backend is not tensorflow"
        else:
            import tensorflow as tf

            threading_config = tf.config.threading
            intra = threading_config.get_intra_op_parallelism_threads()
            inter = threading_config.get_inter_op_parallelism_threads()
            if intra or inter:
                result["reason"] = "tf.config.threading was set already"
            else:
                try:
                    threading_config.set_intra_op_parallelism_threads(budget)
                    threading_config.set_inter_op_parallelism_threads(budget)
                    result["reason"] = "limited to OMP_NUM_THREADS"
                except RuntimeError:  # the runtime started before the first fit
                    result["reason"] = "TensorFlow's runtime had already started"
            result["intra"] = threading_config.get_intra_op_parallelism_threads()
            result["inter"] = threading_config.get_inter_op_parallelism_threads()
        state = result
        return state
