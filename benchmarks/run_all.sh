#!/usr/bin/env bash
# Run every benchmark once, at --quick sizes, one after another (they time
# themselves; running them in parallel would spoil each other's figures).
#
#     PYTHON=/path/to/venv/bin/python benchmarks/run_all.sh [--backend jax] [--threads 1]
#
# Extra arguments go to every script. Results go to stdout, progress to stderr.
# gpu_jax.py runs as its CPU smoke test (--rows 20000); on a GPU machine run it
# alone at full size (see benchmarks/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"
status=0
run() {
    echo
    echo "### $*"
    local start=$SECONDS
    if ! "$PYTHON" "$@"; then
        echo "!!! FAILED: $*"
        status=1
    fi
    echo "### took $((SECONDS - start)) s"
}
run benchmarks/tutorial.py --quick "$@"
run benchmarks/default_vs_mlp.py --quick "$@"
run benchmarks/make_trade.py --quick "$@"
run benchmarks/alpha.py --quick "$@"
run benchmarks/grid_search.py --quick "$@"
run benchmarks/memory.py --quick "$@"
run benchmarks/predict_latency.py --quick "$@"
run benchmarks/throughput.py --quick "$@"
run benchmarks/gpu_jax.py --rows 20000 "$@"
exit $status
