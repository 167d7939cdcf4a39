"""Command line: ``python -m skmulti demo``."""

import argparse
import os
import sys


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
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
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
