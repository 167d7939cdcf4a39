"""GPU training throughput with JAX: skmulti vs plain Keras ``model.fit``, data on the device.

    KERAS_BACKEND=jax PYTHONPATH=. python benchmarks/gpu_jax.py [--rows 1000000]
        [--batch-size 4096] [--epochs 3] [--reps N]
    # CPU smoke test (any machine with JAX):
    PYTHONPATH=. python benchmarks/gpu_jax.py --rows 20000

For a GPU machine with JAX and without TensorFlow: the backend is jax by
default here (``--backend`` may say otherwise; this script sets
``KERAS_BACKEND`` itself before importing keras). Data: synthetic, 1,000,000
rows x 32 float32 features, an amount and a 5-class label (--quick: 100,000
rows), placed on the default device with ``jax.device_put`` before any timer
and passed as they are to both systems (for skmulti, y = (amount, label) as
one (n, 2) float32 device array; whatever skmulti does with device arrays,
copies included, is in its time). Network, the same for both: a (256, 256)
ReLU trunk, a linear amount head and a 5-way softmax label head, mse + sparse
categorical cross-entropy, Adam 1e-3, batch 4,096, 3 epochs, no validation.

Timed, as in throughput.py: skmulti's whole ``fit`` vs Keras's build +
``compile`` + ``fit`` (``verbose=0``, default ``steps_per_execution=1``,
shuffled), interleaved A B B A, each fit a new model (the first of each system
includes its XLA compilation). Rows per second = rows x epochs / seconds, the
ratio is of the total times. Target: skmulti >= 10x Keras rows/s.
"""

import os

import _common as C
import throughput


def main():
    args = C.parse_args(
        __doc__,
        backend_default="jax",
        add=lambda p: throughput.add_args(p, rows=1_000_000, quick_rows=100_000, batch=4096,
                                          hidden="256,256"),
    )
    to_device = None
    notes = [f"TensorFlow importable: {_importable('tensorflow')}; "
             f"KERAS_BACKEND={os.environ['KERAS_BACKEND']}"]
    if args.backend == "jax":
        import jax

        notes.append(f"JAX devices: {jax.devices()} (default backend {jax.default_backend()})")
        if jax.default_backend() == "cpu":
            notes.append("NOTE: no accelerator found: a CPU smoke test, not the GPU figure")

        def to_device(array):
            return jax.block_until_ready(jax.device_put(array))
    else:
        notes.append("NOTE: not the jax backend: data stays on the host")
    throughput.compare(args, "GPU throughput (JAX): skmulti vs plain Keras fit, synthetic table",
                       10.0, to_device=to_device, notes=notes)


def _importable(name):
    import importlib.util

    return importlib.util.find_spec(name) is not None


if __name__ == "__main__":
    main()
