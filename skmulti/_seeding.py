"""Give each fit its own source of randomness, without touching global state.

Keras draws the default seed of every initializer, dropout layer and seed
generator created without an explicit ``seed`` from Python's global ``random``
module, which other threads of the process (a Dask worker's, a thread pool's)
draw from as well. Seeding the globals before a fit is therefore neither
reproducible nor harmless. Instead, inside :func:`seed_scope` the calling
thread, and only it, draws those default seeds from a ``random.Random`` of its
own; Keras's global ``SeedGenerator`` (which Keras keeps per thread) is swapped
for a seeded one for the same span. Nothing is left changed afterwards.
"""

import random
import threading
from contextlib import contextmanager

import numpy as np

from ._compat import keras_global_state, keras_seed_generator_module

_local = threading.local()
_install_lock = threading.Lock()
_GLOBAL_SEED_GENERATOR = "global_seed_generator"


class _PerThreadRandom:
    """Stands in for the ``random`` module inside Keras's seed generator.

    In a thread inside :func:`seed_scope` it answers from that scope's
    ``random.Random``; everywhere else it is exactly the ``random`` module.
    """

    def __getattr__(self, name):
        rng = getattr(_local, "rng", None)
        return getattr(rng if rng is not None else random, name)


def _install_hook():
    module = keras_seed_generator_module()
    if isinstance(module.python_random, _PerThreadRandom):
        return
    with _install_lock:
        if not isinstance(module.python_random, _PerThreadRandom):
            module.python_random = _PerThreadRandom()


@contextmanager
def seed_scope(seed):
    """Make Keras's unseeded randomness in this thread a function of ``seed``.

    Parameters
    ----------
    seed : int
        Seed of the scope's ``random.Random``.

    Examples
    --------
    >>> import random
    >>> import keras
    >>> from skmulti._seeding import seed_scope
    >>> state = random.getstate()
    >>> with seed_scope(0):
    ...     a = keras.initializers.GlorotUniform().seed
    >>> with seed_scope(0):
    ...     b = keras.initializers.GlorotUniform().seed
    >>> a == b, random.getstate() == state
    (True, True)
    """
    _install_hook()
    global_state = keras_global_state()
    previous_rng = getattr(_local, "rng", None)
    previous_generator = global_state.get_global_attribute(_GLOBAL_SEED_GENERATOR)
    _local.rng = random.Random(int(seed))
    global_state.set_global_attribute(_GLOBAL_SEED_GENERATOR, None)
    try:
        yield
    finally:
        _local.rng = previous_rng
        global_state.set_global_attribute(_GLOBAL_SEED_GENERATOR, previous_generator)


def fit_seed(random_state):
    """An int seed for one fit, drawn without touching NumPy's global state.

    ``None`` takes fresh entropy from the operating system (so that unseeded
    fits differ) instead of drawing from ``np.random``'s global generator.
    """
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1)[0] & 0x7FFFFFFF)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(np.iinfo(np.int32).max))
    return int(random_state)
