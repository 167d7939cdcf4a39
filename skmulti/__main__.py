"""Command line: ``python -m skmulti demo``.

This is a program, not a library, so it (and only it) keeps TensorFlow's native
start-up lines ("Could not find cuda drivers", "oneDNN custom operations are on",
absl's "All log messages before absl::InitializeLog()") off the terminal. It does so
in its own process only: when the user has not set ``TF_CPP_MIN_LOG_LEVEL`` it sets
it to 3 for this process and its children, and while Keras and its backend import it
filters those lines out of stderr. ``--verbose`` shows them all; a
``TF_CPP_MIN_LOG_LEVEL`` the user set is honoured as it is. ``import skmulti``
changes no logging.
"""

import argparse
import os
import re
import sys
import tempfile

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


def _import_keras(min_level):
    """Import Keras and its backend, dropping native log lines below ``min_level``.

    TensorFlow's shared libraries log while they load, through absl before absl is
    initialised; TensorFlow >= 2.20 then ignores ``TF_CPP_MIN_LOG_LEVEL`` and writes
    straight to file descriptor 2. So during the import, descriptor 2 goes to a
    temporary file, and afterwards every line of it is written back to stderr except
    native log lines below ``min_level`` and absl's notice. Python's own warnings and
    tracebacks are written back too.
    """
    if min_level <= 0:
        import keras  # noqa: F401

        return
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 to redirect (e.g. stderr closed)
        import keras  # noqa: F401

        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import keras  # noqa: F401
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            kept = [line for line in captured if _keep(line, min_level)]
            if kept:
                os.write(2, b"".join(kept))


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
    _import_keras(_quiet_level(args.verbose))
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
