"""Command line: ``python -m skmulti demo``.

This is a program, not a library, so it (and only it) keeps TensorFlow's native
start-up lines ("Could not find cuda drivers", "oneDNN custom operations are on",
absl's "All log messages before absl::InitializeLog()") off the terminal. It does so
in its own process only: when the user has not set ``TF_CPP_MIN_LOG_LEVEL`` it sets
it to 3 for this process and its children, and for the whole command it filters
those lines (and XLA's, when the first epoch compiles) out of stderr. ``--verbose`` shows them all; a
``TF_CPP_MIN_LOG_LEVEL`` the user set is honoured as it is. ``import skmulti``
changes no logging.
"""

import argparse
import contextlib
import os
import re
import sys
import threading

# A native (absl/glog) log line: severity, MMDD, time, thread id, file:line].
_NATIVE_LOG_LINE = re.compile(rb"^([IWEF])\d{4} \S+\s+\d+ \S+:\d+\] ")
_SEVERITY = {b"I": 0, b"W": 1, b"E": 2, b"F": 3}
# absl writes this warning before its first line when nothing initialised it.
_ABSL_PREINIT = b"WARNING: All log messages before absl::InitializeLog() is called"


def _quiet_level(verbose):
    """The ``TF_CPP_MIN_LOG_LEVEL`` this command runs with: 0 shows everything."""
    if verbose:
        return 0
    if "TF_CPP_MIN_LOG_LEVEL" not in os.environ:
        os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"  # this process and its children only
    try:
        return int(os.environ["TF_CPP_MIN_LOG_LEVEL"])
    except ValueError:
        return 0  # a value TensorFlow would not understand either: filter nothing


def _keep(line, min_level):
    match = _NATIVE_LOG_LINE.match(line)
    if match:
        return _SEVERITY[match.group(1)] >= min_level
    return not line.startswith(_ABSL_PREINIT)


@contextlib.contextmanager
def _native_log_filter(min_level):
    """Drop TensorFlow's native log lines below ``min_level`` from stderr, live.

    TensorFlow's shared libraries log through absl, before absl is initialised,
    straight to file descriptor 2: while they load (TensorFlow >= 2.20 ignores
    ``TF_CPP_MIN_LOG_LEVEL`` there) and when XLA compiles the first training
    epoch. So for the whole command, descriptor 2 is a pipe; a thread passes every
    line on to the real stderr as it comes, except native log lines below
    ``min_level`` and absl's notice. Python's ``sys.stderr`` (warnings, the demo's
    progress, tracebacks) writes to the real stderr directly, in order.
    """
    if min_level <= 0:
        yield
        return
    sys.stderr.flush()
    try:
        real = os.dup(2)
    except OSError:  # no descriptor 2 to filter (e.g. stderr closed)
        yield
        return
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)

    def forward():
        with os.fdopen(read_end, "rb") as lines:
            for line in lines:
                if _keep(line, min_level):
                    os.write(real, line)

    thread = threading.Thread(target=forward, name="skmulti-stderr", daemon=True)
    thread.start()
    # Python's own writes (progress, warnings) go straight to the real stderr, in order.
    python_stderr, sys.stderr = sys.stderr, open(  # noqa: SIM115
        os.dup(real), "w", buffering=1, encoding=sys.stderr.encoding or "utf-8",
        errors="backslashreplace",
    )
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stderr.close()
        sys.stderr = python_stderr
        os.dup2(real, 2)  # closes the pipe's last write end: the thread sees EOF
        thread.join(timeout=10)
        os.close(real)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m skmulti",
        description="skmulti: one Keras network for an amount and a label.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="cross-validate skmulti against two separate scikit-learn models",
    )
    demo.add_argument("--n-samples", type=int, default=2000, help="rows (default 2000)")
    demo.add_argument("--folds", type=int, default=5, help="CV folds (default 5)")
    demo.add_argument(
        "--fast",
        action="store_true",
        default=os.environ.get("SKMULTI_FAST") == "1",
        help="fewer epochs (also with SKMULTI_FAST=1)",
    )
    demo.add_argument("--random-state", type=int, default=0)
    demo.add_argument(
        "--verbose",
        action="store_true",
        help="show TensorFlow's start-up log lines (hidden unless you set "
        "TF_CPP_MIN_LOG_LEVEL yourself)",
    )
    args = parser.parse_args(argv)
    with _native_log_filter(_quiet_level(args.verbose)):
        import keras  # noqa: F401  (TensorFlow loads here, inside the filter)

        from ._demo import run_demo

        run_demo(
            n_samples=args.n_samples,
            n_splits=args.folds,
            fast=args.fast,
            random_state=args.random_state,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
