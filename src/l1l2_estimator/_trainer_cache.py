"""Trainers kept across fits: the variables, optimizer and traced training function of one
network structure.

Tracing the training function costs a tenth of a second or more, more than a whole fit on small
data, and a traced function belongs to the variables it was traced with. So a fit does not train
variables of its own: it loads its starting weights and optimizer state into a *trainer* (the
variables of a network of that structure, with a Keras optimizer built on them and the traced
function), trains, and reads the result back. The trainer is kept in a small process-wide cache
keyed by what the traced graph depends on (``trainer_key``): layer sizes, activations, loss,
optimizer class and configuration, the number of member networks, the proximal L1 step, and
whether TensorFlow's op determinism is on (the loop reads the clock only where it is off). Values
that only *set* numbers (weights, seeds, ``l1``, ``l2``, the learning rate, batch size, epochs,
``tol``) are inputs of the graph, so a whole grid search, every fold of a cross-validation and
every ``random_state`` reuse one trace. The cache holds at most ``MAX_CACHED_TRAINERS`` trainers,
which also bounds the memory that many fits in one process keep alive.

A trainer is checked out while it trains, so concurrent fits of one structure (threads) each get
their own.
"""

from . import _environment  # noqa: F401, I001  (first: TensorFlow's quiet start)

import collections
import contextlib
import json
import signal
import threading
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from ._compat import (
    custom_gradient_names,
    flat_caller,
    forget_custom_gradients,
    op_determinism_enabled,
    untaped,
    without_graph_rewrites,
)

MAX_CACHED_TRAINERS = 8

# One trace of the package's at a time (tracing holds the GIL anyway): the gradient-registry
# entries added while it traces are then its own or those of code outside the package, which
# ``_compat.forget_custom_gradients`` tells apart by the graph they were registered in.
_TRACING = threading.Lock()


@contextlib.contextmanager
def _interrupts_held():
    """Hold a Ctrl-C (SIGINT) that arrives in the block, a trace, until the block ends, then
    hand it to the handler that was in place (Python's raises ``KeyboardInterrupt``). Raised
    inside TensorFlow's tracing, the interrupt could leave its graph-building stacks broken
    ("Nesting violated for default stack of FuncGraph": every later fit of the process was then
    refused as if eager execution were off), or come out as another error (``SystemError: ...
    bad argument to internal function``, pybind11's "MISMATCH of original and normalized active
    exception types"). Only the main thread receives signals, and only it may set a handler:
    elsewhere, and where no Python handler is set, the block runs as it is."""
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or not callable(previous):
        yield
        return
    held = []
    try:
        signal.signal(signal.SIGINT, lambda signum, frame: held.append(frame))
    except ValueError:  # not the main interpreter's main thread after all (an embedding)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if held:  # (over an error of the block, which becomes its context)
            previous(signal.SIGINT, held[0])


@dataclass(frozen=True)
class NetworkSpec:
    """What a traced training graph is built for.

    ``layer_sizes`` runs from the number of features to the number of output units;
    ``activation`` is the Keras name of the hidden activation; ``output`` and ``loss`` the output
    layer's activation and the Keras loss. ``members`` is None for one network with
    model-shaped variables, or ``(n_streams, n_per_stream)`` for an ensemble whose variables carry
    a leading member axis (members ``s * n_per_stream .. (s + 1) * n_per_stream - 1`` learn from
    row stream ``s``); its ``chains`` split each stream's members into that many groups whose
    operations TensorFlow may run side by side. ``proximal`` applies L1 by soft-thresholding.
    ``sparse`` takes ``X`` as a ``tf.SparseTensor`` (one network only), whose batches are built
    row by row and multiplied by the first kernel without densifying them.
    """

    layer_sizes: tuple
    activation: str
    output: str
    loss: str
    members: tuple = None
    chains: int = 1
    proximal: bool = False
    sparse: bool = False

    @property
    def n_members(self):
        return 1 if self.members is None else self.members[0] * self.members[1]

    @property
    def n_targets(self):
        """Columns of the encoded targets: one of class codes for softmax's sparse categorical
        cross-entropy, else one per output unit."""
        return 1 if self.loss == "sparse_categorical_crossentropy" else self.layer_sizes[-1]


class Trainer:
    """The variables of one network structure, a Keras optimizer built on them, and the compiled
    functions that load, train and read them (see ``_graph.compile_functions``)."""

    def __init__(self, spec, optimizer, compile_functions):
        self.spec = spec
        leading = () if spec.members is None else (spec.n_members,)
        self.kernels, self.biases = [], []
        for index, (n_in, n_out) in enumerate(zip(spec.layer_sizes[:-1], spec.layer_sizes[1:])):
            # Fixed names: Keras makes automatic names unique per process, and TensorFlow keeps
            # per-name state that would then grow with every trainer built. float32 named: before
            # 3.8, Keras made a variable in floatx whatever its initial value's dtype.
            self.kernels.append(keras.Variable(
                np.zeros((*leading, n_in, n_out), "float32"), dtype="float32",
                name=f"kernel_{index}",
            ))
            self.biases.append(keras.Variable(
                np.zeros((*leading, n_out), "float32"), dtype="float32", name=f"bias_{index}"
            ))
        self.variables = [v for pair in zip(self.kernels, self.biases) for v in pair]
        self.optimizer = optimizer
        optimizer.build(self.variables)
        # The optimizer's state before any step: not all zeros (Adagrad and Ftrl start their
        # accumulators at 0.1). A fresh fit starts from it, with its own learning rate. Kept as
        # tensors: converting the arrays anew cost every fit about 0.2 ms.
        fresh = [v.numpy() for v in optimizer.variables]
        self.fresh_optimizer_state = [tf.constant(v) for v in fresh]
        self._state_shapes = [v.shape for v in fresh]
        names = [v.name for v in optimizer.variables]
        self.learning_rate_index = (
            names.index("learning_rate") if "learning_rate" in names else None
        )
        # Whether the training loop reads the clock: TensorFlow refuses it under op
        # determinism, which trainer_key tells apart.
        self.clocked = not op_determinism_enabled()
        with _TRACING, _interrupts_held(), without_graph_rewrites():
            registered = custom_gradient_names()
            functions = compile_functions(self)
            forget_custom_gradients(
                custom_gradient_names() - registered, [f.graph for f in functions[:2]]
            )
        self.load, self.run = (_without_rewrites(flat_caller(f)) for f in functions[:2])
        self._read_function, self._read = functions[2], None

    def read(self):
        """The optimizer's variables as tensors. Traced at the first call (about 3% of a
        first fit's tracing): a fit in one call gets them from ``run``; callbacks and
        ensembles that pack their members read them here."""
        if self._read is None:
            with _TRACING, _interrupts_held(), without_graph_rewrites():
                function = self._read_function.get_concrete_function()
            self._read = _without_rewrites(flat_caller(function))
        return self._read()

    def optimizer_state(self, learning_rate, continued=None):
        """The optimizer state a fit starts from: ``continued`` (what an earlier fit left) if it
        holds this optimizer's variables, else a fresh state (a setting such as ``amsgrad``
        changed them); with ``learning_rate`` if the optimizer keeps one."""
        fits = continued is not None and [np.shape(v) for v in continued] == self._state_shapes
        state = list(continued if fits else self.fresh_optimizer_state)
        if self.learning_rate_index is not None and learning_rate is not None:
            state[self.learning_rate_index] = np.asarray(learning_rate, dtype=np.float32)
        return state


def _without_rewrites(function):
    function = untaped(function)

    def call(*args, **kwargs):
        with without_graph_rewrites():
            return function(*args, **kwargs)

    return call


def trainer_key(spec, optimizer):
    """What a traced training function depends on besides input values: the spec, the
    Keras-serialized ``optimizer`` without its name and learning rate (a float learning rate is an
    input; a schedule is part of the graph), and whether TensorFlow's op determinism is on (a
    graph traced without it reads the clock, which TensorFlow then refuses)."""
    config = dict(optimizer["config"])
    config.pop("name", None)
    if isinstance(config.get("learning_rate"), (int, float)):
        del config["learning_rate"]
    return json.dumps(
        [repr(spec), {**optimizer, "config": config}, op_determinism_enabled()],
        sort_keys=True, default=repr,
    )


class TrainerCache:
    """Idle trainers by key, at most ``max_size`` in all, least recently used first out. A key
    may hold several: concurrent fits of one structure (threads) each check out their own, and
    each is kept for the next such fits (one per key had dropped all but one at check-in, so
    every threaded search traced again)."""

    def __init__(self, max_size):
        self.max_size = max_size
        self._idle = collections.OrderedDict()  # key -> its idle trainers, last in first out
        self._lock = threading.Lock()

    def checkout(self, key):
        with self._lock:
            waiting = self._idle.get(key)
            if not waiting:
                return None
            trainer = waiting.pop()
            if not waiting:
                del self._idle[key]
            return trainer

    def checkin(self, key, trainer):
        with self._lock:
            self._idle.setdefault(key, []).append(trainer)
            self._idle.move_to_end(key)
            while self._count() > self.max_size:
                oldest = next(iter(self._idle))
                waiting = self._idle[oldest]
                del waiting[0]
                if not waiting:
                    del self._idle[oldest]

    def idle(self):
        """Every idle trainer, least recently used key first."""
        with self._lock:
            return [trainer for waiting in self._idle.values() for trainer in waiting]

    def clear(self):
        with self._lock:
            self._idle.clear()

    def _count(self):  # under the lock
        return sum(len(waiting) for waiting in self._idle.values())

    def __len__(self):
        with self._lock:
            return self._count()


trainers = TrainerCache(MAX_CACHED_TRAINERS)

