"""Helpers shared by the benchmark scripts: arguments, abalone, timers, tables.

Nothing here imports Keras, TensorFlow, JAX or skmulti at module level: the
scripts call :func:`parse_args` first, which sets ``KERAS_BACKEND`` (and quiets
TensorFlow's C++ log) before anything reads it; they import skmulti after.
"""

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEFAULT_ABALONE = SHARED / "data" / "abalone.csv"
ABALONE_NAMES = ["sex", "length", "diameter", "height", "whole", "shucked", "viscera",
                 "shell", "rings"]


# -- arguments and environment ---------------------------------------------------------


def parse_args(doc, *, path=False, add=None, backend_default="tensorflow", argv=None):
    """Parse the common arguments, then set the Keras backend from them.

    ``path``: take the abalone CSV as an optional positional argument (default
    ``../shared/data/abalone.csv`` relative to the repository). ``add``: a
    function that adds the script's own arguments to the parser.
    """
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    if path:
        parser.add_argument("path", nargs="?", default=str(DEFAULT_ABALONE),
                            help="abalone.csv (default: %(default)s)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--backend", choices=["tensorflow", "jax"], default=backend_default,
                        help="Keras backend (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS/OpenMP, TensorFlow and XLA CPU threads to N for "
                             "every system (default: the libraries' defaults)")
    if add is not None:
        add(parser)
    args = parser.parse_args(argv)
    set_backend(args.backend)
    if args.threads:
        limit_threads(args.threads)
    return args


_LIMITS = []


def limit_threads(n):
    """Same thread budget for every system (children inherit it through the environment).

    On a shared machine, BLAS pools that spin on busy cores can make NumPy code
    (scikit-learn's MLP) many times slower; this takes that noise out.
    """
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        os.environ[var] = str(n)
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen="
                               + ("false" if n == 1 else "true")).strip()
    from threadpoolctl import threadpool_limits  # a scikit-learn dependency

    _LIMITS.append(threadpool_limits(limits=n))  # NumPy may be imported already


def set_backend(backend):
    """Select the Keras backend; must run before keras or skmulti is imported."""
    if "keras" in sys.modules and os.environ.get("KERAS_BACKEND") != backend:
        raise RuntimeError("keras was imported before the backend was chosen")
    os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def git_commit():
    """Short commit of the skmulti code measured, with '+dirty' if skmulti/ has changes."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        # The last commit that changed skmulti/: the code measured (benchmark-only
        # commits on top of it do not change it).
        commit = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h", "--",
                                 "skmulti"], capture_output=True, text=True,
                                check=True).stdout.strip() or head
        if commit != head:
            commit = f"{commit} (HEAD {head})"
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--",
                                "skmulti"], capture_output=True, text=True).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def print_header(title, args=None, notes=()):
    """What was measured, where and when: enough to label a results table."""
    import keras  # after parse_args: the backend is set. Imported here, untimed, for
    import skmulti  # every script: skmulti imports keras lazily, in its first fit.

    versions = []
    for name in ("keras", "tensorflow", "jax", "sklearn"):
        module = sys.modules.get(name)
        if module is not None:
            versions.append(f"{name} {getattr(module, '__version__', '?')}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"== {title}")
    print(f"   date {datetime.datetime.now().isoformat(timespec='seconds')}  "
          f"skmulti commit {git_commit()} (version {skmulti.__version__})  "
          f"backend {os.environ.get('KERAS_BACKEND')}")
    print(f"   python {platform.python_version()}  {', '.join(versions)}  "
          f"cpus {os.cpu_count()}  load(1 min) {load:.2f}"
          + (f"  quick {bool(getattr(args, 'quick', False))}" if args is not None else "")
          + f"  threads {getattr(args, 'threads', None) or 'library defaults'}")
    for note in notes:
        print(f"   {note}")
    sys.stdout.flush()


def log(message):
    """Progress on stderr, so that stdout holds only the results."""
    print(message, file=sys.stderr, flush=True)


def quiet_warnings():
    """Hide the warnings of the baselines (e.g. MLP ConvergenceWarning) in the output."""
    import warnings

    warnings.filterwarnings("ignore")


# -- data ------------------------------------------------------------------------------


def load_abalone(path):
    """``X`` (DataFrame, sex + 7 numeric columns) and ``rings`` (int ndarray)."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        sys.exit(f"abalone data not found at {path}; pass its path as the first argument")
    df = pd.read_csv(path, header=None, names=ABALONE_NAMES)
    return df.drop(columns="rings"), df["rings"].to_numpy()


def abalone_target(rings):
    """skmulti's two-column ``y``: rings as the amount (float) and as the label (int)."""
    import pandas as pd

    return pd.DataFrame({"rings": rings.astype(float), "rings_class": rings.astype(int)})


def abalone_preprocess():
    """One-hot sex, StandardScaler on the rest: the baselines' preprocessing."""
    from sklearn.compose import make_column_transformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    return make_column_transformer((OneHotEncoder(), ["sex"]), remainder=StandardScaler())


def mlp_pair(hidden_layer_sizes=(64, 64), preprocess=None, **kwargs):
    """MLPRegressor + MLPClassifier, each behind its own copy of ``preprocess``."""
    from sklearn.base import clone
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline

    reg = MLPRegressor(hidden_layer_sizes=hidden_layer_sizes, **kwargs)
    clf = MLPClassifier(hidden_layer_sizes=hidden_layer_sizes, **kwargs)
    if preprocess is None:
        return reg, clf
    return make_pipeline(clone(preprocess), reg), make_pipeline(clone(preprocess), clf)


# -- timing ----------------------------------------------------------------------------


class Timer:
    """``with Timer() as t: ...`` then ``t.s`` (wall seconds, perf_counter)."""

    def __enter__(self):
        self._start = time.perf_counter()
        self.s = float("nan")
        return self

    def __exit__(self, *exc):
        self.s = time.perf_counter() - self._start
        return False


def median(values):
    values = list(values)
    return statistics.median(values) if values else float("nan")


def rss_mib():
    """Resident set size of this process in MiB (VmRSS; psutil where /proc is missing)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        import resource

        # Peak, not current, RSS: the best left without /proc and psutil.
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# -- output ----------------------------------------------------------------------------


def print_table(headers, rows, *, floatfmt="{:.3f}"):
    """A plain text table; floats formatted with ``floatfmt``, other values with str."""
    cells = [[floatfmt.format(v) if isinstance(v, float) else str(v) for v in row]
             for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = "  ".join(f"{h:<{w}}" if i == 0 else f"{h:>{w}}"
                     for i, (h, w) in enumerate(zip(headers, widths)))
    print(line)
    print("-" * len(line))
    for row in cells:
        print("  ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}"
                        for i, (c, w) in enumerate(zip(row, widths))))
    sys.stdout.flush()


class Targets:
    """Collect "value vs target" checks and print them as one block at the end."""

    def __init__(self):
        self.rows = []

    def check(self, name, value, op, target, fmt="{:.3f}"):
        """``op`` is "<=" or ">="; returns whether the target is met."""
        met = value <= target if op == "<=" else value >= target
        if value != value:  # NaN: not measured
            self.rows.append((name, "not measured", f"{op} {fmt.format(target)}", "n/a"))
            return False
        self.rows.append((name, fmt.format(value), f"{op} {fmt.format(target)}",
                          "yes" if met else "no"))
        return met

    def note(self, name, value, fmt="{:.3f}"):
        """A figure without a target, shown in the same block."""
        self.rows.append((name, fmt.format(value), "(none)", "-"))

    def print(self):
        print()
        print_table(["check", "measured", "target", "target met"], self.rows)


# -- synthetic two-head data and the plain Keras two-head network ---------------------


def synthetic_two_head(rows, features, n_classes=5, seed=0):
    """float32 ``X``, a float32 amount (about standard) and int32 labels 0..n_classes-1.

    The amount is a linear plus a mildly non-linear function of ``X`` with
    noise; the label is the quantile bin of another projection, so both heads
    have something to learn.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, features)).astype(np.float32)
    w, v = rng.normal(size=(2, features)) / np.sqrt(features)
    amount = X @ w + 0.5 * np.tanh(X @ v) + rng.normal(scale=0.3, size=rows)
    amount = ((amount - amount.mean()) / amount.std()).astype(np.float32)
    score = X @ v + rng.normal(scale=0.5, size=rows)
    label = np.digitize(score, np.quantile(score, np.linspace(0, 1, n_classes + 1)[1:-1]))
    return X, amount, label.astype(np.int32)


def keras_two_head(features, hidden, n_classes, learning_rate=1e-3, seed=0):
    """The plain Keras equivalent of skmulti's built-in network, compiled as a user would.

    Dense ReLU trunk, a linear 1-unit amount head and a softmax label head;
    mse + sparse categorical cross-entropy (weights 1 and 1), Adam.
    """
    import keras

    keras.utils.set_random_seed(seed)
    inp = keras.Input((features,))
    h = inp
    for units in hidden:
        h = keras.layers.Dense(units, activation="relu")(h)
    model = keras.Model(inp, {"amount": keras.layers.Dense(1, name="amount")(h),
                              "label": keras.layers.Dense(n_classes, activation="softmax",
                                                          name="label")(h)})
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss={"amount": "mse", "label": "sparse_categorical_crossentropy"})
    return model
