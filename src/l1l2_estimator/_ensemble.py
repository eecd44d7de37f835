"""Training an ensemble: one member per (row stream, penalty pair), all stepped by one compiled
graph (``_graph``), each exactly as ``_training.train`` would train it alone on its stream's rows;
members that stop are packed into smaller ensembles when that pays, and the graph's members are
split into chains that run side by side on a machine's cores. ``batch_refusal`` says which
optimizers cannot train members together.
"""

from . import _environment  # noqa: I001  (first: TensorFlow's quiet start)

import functools
import os
import threading
import time
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from ._compat import require_training_tensorflow
from ._graph import (
    compile_functions,
    epochs_this_call,
    patience_input,
    return_after_input,
    tol_input,
)
from ._params import new_optimizer
from ._stopping import FRESH_RULE
from ._trainer_cache import NetworkSpec, Trainer, trainer_key, trainers


# Keras optimizers whose update of each weight depends only on that weight's own gradient and
# state, and rounds the same wherever the weight sits, so that networks stacked on a member axis
# train bit for bit as if alone. Gradient clipping by norm couples the members. Ftrl raises its
# accumulators to a power, which TensorFlow's vectorized kernels round differently depending on
# where an element falls in the array (tested: members then differ from single fits in the last
# bit, and their paths drift apart).
_ELEMENTWISE_OPTIMIZERS = frozenset(
    {"Adam", "AdamW", "Adamax", "Nadam", "SGD", "RMSprop", "Adagrad", "Adadelta", "Lion"}
)


def batch_refusal(optimizer_config):
    """Why networks trained by ``optimizer_config`` (serialized) cannot train together as
    members of one ensemble, or None if they can."""
    name = optimizer_config.get("class_name")
    config = optimizer_config.get("config", {})
    if name == "Ftrl" and optimizer_config.get("module") == "keras.optimizers":
        return (
            "Ftrl's update raises its accumulators to a power, which rounds differently in a "
            "batched ensemble than in a single fit; search it with GridSearchCV"
        )
    if optimizer_config.get("module") != "keras.optimizers" or name not in _ELEMENTWISE_OPTIMIZERS:
        names = ", ".join(sorted(_ELEMENTWISE_OPTIMIZERS))
        return (
            "networks trained together need one of the Keras optimizers that update each "
            f"weight from its own gradient and state alone ({names}); got {name!r}"
        )
    for option in ("clipnorm", "global_clipnorm"):
        if config.get(option) is not None:
            return (
                f"optimizer__{option} clips by a norm over all the networks trained together; "
                "use optimizer__clipvalue, or GridSearchCV"
            )
    return None


def check_elementwise(optimizer_config):
    refusal = batch_refusal(optimizer_config)
    if refusal is not None:
        raise ValueError(f"Not supported by the cross-validated estimators: {refusal}.")


@dataclass
class EnsembleResult:
    """What ``train_ensemble`` returns, member by member (stream-major: member
    ``s * n_penalties + p`` learned from stream ``s`` with penalty pair ``p``)."""

    weights: list  # each a list of arrays, kernel0, bias0, ...
    loss_curves: list
    converged: np.ndarray
    diverged: np.ndarray


def train_ensemble(
    spec,
    optimizer,
    weights,
    X,
    y,
    streams,
    *,
    penalties,
    epochs,
    batch_size,
    shuffle,
    seed,
    stopping,
    output_biases=None,
    prepare_single=False,
    progress=None,
    stream_names=None,
):
    """Train one member per (stream, penalty pair), all at once, each exactly as ``train`` would
    train it alone on its stream's rows.

    ``spec`` has ``members=None``; ``weights`` are every member's starting weights (one network,
    model-shaped). ``streams`` is a list of ``(rows, sample_weight)``: the rows of ``X``/``y``
    a member learns from, in order, with their weights; ``output_biases``, if given, has for
    each stream the output bias its members start from instead of ``weights``' (None keeps
    it). ``penalties`` is a list of ``(l1, l2)``. Streams are grouped by their number of
    batches per epoch (one graph steps every member at once) and their batch size (a batch
    padded beyond its own size would sum in another order); each group is one ensemble.

    With ``prepare_single``, the trainer of one network of this structure (what a refit of the
    chosen member trains with) is traced and run once in a background thread while the ensemble
    trains, so that the refit does not pay for its trace afterwards.

    ``progress``, if given, is called after every call of an ensemble's graph (which returns
    after about ``_graph.RETURN_AFTER_SECONDS``, or earlier to pack its members tighter, or once
    they are done) with the names of that ensemble's streams (from ``stream_names``, by default
    their positions), the epochs it has trained, how many of its members are still training
    and how many it has.
    """
    require_training_tensorflow()
    sizes = [min(batch_size, len(rows)) for rows, _ in streams]
    groups = {}
    for index, ((rows, _), size) in enumerate(zip(streams, sizes)):
        groups.setdefault((-(-len(rows) // size), size), []).append(index)
    output_biases = output_biases or [None] * len(streams)
    members = [None] * (len(streams) * len(penalties))
    single = NetworkSpec(**{**vars(spec), "members": None})
    preparation = _Preparation(single, optimizer) if prepare_single else None
    names = list(range(len(streams))) if stream_names is None else list(stream_names)
    try:
        for indices in groups.values():
            starts = [
                weights if output_biases[i] is None else [*weights[:-1], output_biases[i]]
                for i in indices
            ]
            weights_, curves, converged, diverged = _train_group(
                spec, optimizer, starts, X, y, [streams[i] for i in indices],
                [sizes[i] for i in indices], penalties, epochs, shuffle, seed, stopping,
                preparation,
                progress and functools.partial(progress, [names[i] for i in indices]),
            )
            for position, stream in enumerate(indices):
                for pair in range(len(penalties)):
                    member = position * len(penalties) + pair
                    members[stream * len(penalties) + pair] = (
                        weights_[member], curves[member], converged[member], diverged[member]
                    )
    finally:
        if preparation is not None:
            preparation.join()
    weights, curves, converged, diverged = zip(*members)
    return EnsembleResult(list(weights), list(curves), np.array(converged), np.array(diverged))


def _train_group(spec, optimizer, starts, X, y, streams, sizes, penalties, epochs, shuffle, seed,
                 stopping, preparation=None, progress=None):
    """Train every (stream, penalty pair) member of one group of streams, each stream's members
    from its ``starts`` (weights).

    The members run as one ensemble, ``streams × pairs``, until no stream has more than half of
    its members still training; then, if the time it saves outweighs tracing a smaller graph,
    the members still training are packed into a smaller ensemble (their weights, optimizer
    state and stopping-rule state carried over), and so on. A stream with fewer members left
    than the busiest one is padded with copies, which train but are ignored.
    """
    n_pairs = len(penalties)
    packing = _Packing(n_pairs, starts, epochs)
    inputs = dict(
        X=tf.convert_to_tensor(X, tf.float32),
        y=tf.convert_to_tensor(np.asarray(y, np.float32).reshape(X.shape[0], -1)),
        seed=tf.constant(seed, tf.int64),
        shuffle=tf.constant(bool(shuffle)),
        tol=tol_input(stopping),
        n_iter_no_change=patience_input(stopping),
        use_rule=tf.constant(stopping is not None),
    )
    penalties = np.asarray(penalties, np.float32)
    while packing.busy():
        slots = packing.slots()
        n_streams, per_stream = len(packing.streams), len(slots) // len(packing.streams)
        group_spec = NetworkSpec(**{
            **vars(spec),
            "members": (n_streams, per_stream),
            "chains": _ensemble_chains(
                spec.layer_sizes, [len(streams[s][0]) for s in packing.streams], per_stream,
                epochs - packing.epochs_done,
            ),
        })
        key = trainer_key(group_spec, optimizer)
        started = time.perf_counter()
        trainer = trainers.checkout(key) or Trainer(
            group_spec, new_optimizer(optimizer), compile_functions
        )
        packing.trace_seconds = max(packing.trace_seconds, time.perf_counter() - started)
        try:
            optimizer_state = packing.optimizer_state(
                trainer.optimizer_state(optimizer["config"].get("learning_rate"))
            )
            trainer.load(packing.member_weights(), optimizer_state)
            chosen = [streams[s] for s in packing.streams]
            longest = max(len(rows) for rows, _ in chosen)
            rows = np.zeros((n_streams, longest), np.int32)
            row_weights = np.zeros((n_streams, longest), np.float32)
            for index, (stream_rows, stream_weights) in enumerate(chosen):
                rows[index, : len(stream_rows)] = stream_rows
                row_weights[index, : len(stream_rows)] = stream_weights
            inputs.update(
                rows=tf.constant(rows),
                weights=tf.constant(row_weights),
                lengths=tf.constant([len(r) for r, _ in chosen], tf.int32),
                batch_sizes=tf.constant([sizes[s] for s in packing.streams], tf.int32),
                l1=tf.constant(penalties[[pair for _, pair, _ in slots], 0]),
                l2=tf.constant(penalties[[pair for _, pair, _ in slots], 1]),
            )
            # Run until no stream has more than half its members training (then consider packing
            # them tighter), or to the end when that would not pay; a call also returns every
            # RETURN_AFTER_SECONDS (so that Ctrl-C can stop a search), and the next goes on.
            return_at_most = per_stream // 2 if packing.worth_packing(per_stream) else -1
            ran, running = 0, 0.0  # epochs and seconds of this trainer's calls
            while True:
                if preparation is not None:
                    preparation.start()  # while this thread waits for TensorFlow
                started = time.perf_counter()
                first = packing.epochs_done
                out = trainer.run(
                    first_epoch=tf.constant(packing.epochs_done, tf.int64),
                    epochs=tf.constant(epochs_this_call(
                        trainer, epochs - packing.epochs_done, ran, running
                    ), tf.int32),
                    best_loss=tf.constant(packing.best_loss()),
                    no_improvement=tf.constant(packing.no_improvement()),
                    stopped=tf.constant(packing.stopped()),
                    return_at_most=tf.constant(return_at_most, tf.int32),
                    return_after=return_after_input(),
                    **inputs,
                )
                out = {k: (v.numpy() if hasattr(v, "numpy") else [w.numpy() for w in v])
                       for k, v in out.items()}
                packing.record(out, time.perf_counter() - started)
                ran, running = ran + packing.epochs_done - first, running + (
                    time.perf_counter() - started
                )
                if progress is not None:
                    progress(packing.epochs_done, packing.training(), packing.finished.size)
                if not packing.busy():
                    break
                if packing.busiest() > return_at_most:  # returned on time: go on
                    continue
                if not packing.worth_packing(per_stream):
                    return_at_most = -1
                    continue
                packing.keep_optimizer_state([v.numpy() for v in trainer.read()])
                break
        finally:
            trainers.checkin(key, trainer)
    return packing.results()


class _Preparation:
    """Tracing, in a background thread, the trainer of one network (``spec``, ``optimizer``) and
    running it once on a row of zeros (TensorFlow builds a graph's kernels on its first run), then
    leaving it in the trainer cache for the next fit of that structure. Started once, while the
    calling thread waits for an ensemble's run; a failure here only leaves the trainer unbuilt
    (the fit that needs it builds it and reports the error)."""

    def __init__(self, spec, optimizer):
        self.spec, self.optimizer = spec, optimizer
        self.thread = None

    def start(self):
        if self.thread is None:
            self.thread = threading.Thread(target=self._prepare, daemon=True)
            self.thread.start()

    def join(self):
        if self.thread is not None:
            self.thread.join()

    def _prepare(self):
        key = trainer_key(self.spec, self.optimizer)
        try:
            trainer = trainers.checkout(key)
            if trainer is None:
                trainer = Trainer(self.spec, new_optimizer(self.optimizer), compile_functions)
                trainer.run(**_idle_inputs(self.spec.layer_sizes[0], self.spec.n_targets))
        except Exception:  # noqa: BLE001  (only a head start: the refit builds its own trainer)
            return
        trainers.checkin(key, trainer)


def _idle_inputs(n_features, n_targets):
    """Inputs of a single network's ``run`` that train for no epoch: one row of zeros."""
    return dict(
        X=tf.zeros((1, n_features)),
        y=tf.zeros((1, n_targets)),
        rows=tf.zeros((1, 1), tf.int32),
        weights=tf.ones((1, 1)),
        lengths=tf.constant([1]),
        batch_sizes=tf.constant([1]),
        seed=tf.constant(0, tf.int64),
        first_epoch=tf.constant(0, tf.int64),
        epochs=tf.constant(0),
        shuffle=tf.constant(False),
        l1=tf.zeros((1,)),
        l2=tf.zeros((1,)),
        tol=tf.constant(0.0),
        n_iter_no_change=tf.constant(1),
        use_rule=tf.constant(False),
        best_loss=tf.constant([FRESH_RULE[0]]),
        no_improvement=tf.constant([FRESH_RULE[1]]),
        stopped=tf.constant([False]),
        return_at_most=tf.constant(-1),
        return_after=return_after_input(),
    )


def _intra_op_threads():
    """The threads TensorFlow shares an operation out among (its default: one per core this
    process may run on)."""
    return (
        tf.config.threading.get_intra_op_parallelism_threads()
        or _threads_from_environment("TF_NUM_INTRAOP_THREADS")
        or _environment.usable_cores()
    )


def _threads_from_environment(variable):
    """A thread pool's size as TensorFlow's runtime reads it from ``variable`` (its config does
    not show it), or 0."""
    value = os.environ.get(variable, "").strip()
    return int(value) if value.isdigit() else 0


# Below this much arithmetic (the products of every member's forward and backward passes, all
# epochs), an ensemble stays one chain: a second makes its first run trace and instantiate
# about 0.2 s more (2-core machine), which 2 chains' 0.7 of the time per epoch repays from
# about 0.6 s of training, some 30-40 GFLOP at the rate one chain reached (the 4 × 4 searches of
# benchmarks/bench_cv.py: 33-327 GFLOP; wine's with hidden (100,) and 100 epochs: 10).
CHAIN_MIN_FLOP = 3e10


def _ensemble_chains(layer_sizes, stream_rows, per_stream, epochs):
    """The chains of an ensemble of ``per_stream`` members on each stream of ``stream_rows``
    rows, training at most ``epochs`` epochs: ``_parallel_chains()`` (at most one per member)
    where its work repays their cost, else 1."""
    per_row = 6 * sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
    if per_row * sum(stream_rows) * per_stream * epochs < CHAIN_MIN_FLOP:
        return 1
    return min(per_stream, _parallel_chains())


@functools.cache
def _parallel_chains():
    """Into how many chains of operations an ensemble splits its members (``_Layout``): where
    TensorFlow runs each operation on one thread, as many as its inter-op pool has threads to
    run them side by side, at most one per core; else 1 (the operations themselves are shared
    out among threads). On 2 cores, 2 chains trained an epoch of the 80-member searches of
    breast_cancer, 1,000×20 rows and digits in 0.67-0.73 of the time of 1 chain (3 or 4
    chains were slower than 2). Read once: TensorFlow sizes its pools once, when it starts
    (which the first ensemble's inputs have made it do), and a key that changed with the
    environment afterwards would only trace again."""
    if _intra_op_threads() != 1:
        return 1
    cores = _environment.usable_cores()
    inter = (
        tf.config.threading.get_inter_op_parallelism_threads()
        or _threads_from_environment("TF_NUM_INTEROP_THREADS")
        or cores
    )
    return max(1, min(inter, cores))


class _Packing:
    """Which members of a group are still training, how they are packed into an ensemble
    (streams × slots per stream), and what each member has become so far."""

    def __init__(self, n_pairs, starts, epochs):
        self.n_pairs, self.epochs = n_pairs, epochs
        n_streams = len(starts)
        n_members = n_streams * n_pairs
        # Stream-major: member s * n_pairs + p starts from its stream's weights.
        self.weights = [
            [np.asarray(w, np.float32) for w in start] for start in starts for _ in range(n_pairs)
        ]
        self.curves = [[] for _ in range(n_members)]
        self.rule = np.array([FRESH_RULE] * n_members, dtype=np.float64)
        self.finished = np.zeros(n_members, bool)
        self.converged = np.zeros(n_members, bool)
        self.diverged = np.zeros(n_members, bool)
        self.optimizer_slices = None  # per member: its slices of the optimizer's variables
        self.shared_state = None  # the optimizer's member-independent variables
        self.epochs_done = 0
        self.trace_seconds = 0.5  # until a trace has been timed
        self.seconds_per_member_epoch = None
        self.streams = list(range(n_streams))
        self._layout = None

    def busy(self):
        return self.epochs_done < self.epochs and not self.finished.all()

    def slots(self):
        """``(stream, pair, padding)`` per slot, stream-major; computed once per packing."""
        training = [
            [pair for pair in range(self.n_pairs) if not self.finished[s * self.n_pairs + pair]]
            for s in range(len(self.weights) // self.n_pairs)
        ]
        self.streams = [s for s, pairs in enumerate(training) if pairs]
        width = max(len(training[s]) for s in self.streams)
        # A batched product shares its matrices out among TensorFlow's threads; when they do not
        # divide evenly, one member's product is split between two threads and rounds
        # differently from its single fit (seen with oneDNN on 2 threads: the middle member of
        # 3, 5, 7 or 9). So every thread gets whole members: more padding slots if need be.
        threads = _intra_op_threads()
        while len(self.streams) * width % threads:
            width += 1
        self._layout = [
            (s, pairs[min(i, len(pairs) - 1)], i >= len(pairs))
            for s in self.streams
            for pairs in [training[s]]
            for i in range(width)
        ]
        return self._layout

    def member(self, slot):
        stream, pair, _ = self._layout[slot]
        return stream * self.n_pairs + pair

    def member_weights(self):
        members = [self.member(slot) for slot in range(len(self._layout))]
        return [
            np.stack([self.weights[m][i] for m in members]) for i in range(len(self.weights[0]))
        ]

    def optimizer_state(self, fresh):
        if self.optimizer_slices is None:
            return fresh
        members = [self.member(slot) for slot in range(len(self._layout))]
        return [
            shared
            if shared is not None
            else np.stack([self.optimizer_slices[m][i] for m in members])
            for i, shared in enumerate(self.shared_state)
        ]

    def keep_optimizer_state(self, state):
        """Split the optimizer's variables into per-member slices (those with a leading member
        axis: Keras keeps one per weight, shaped like it) and shared values (step count,
        learning rate)."""
        slots = len(self._layout)
        self.shared_state = [None if v.ndim and v.shape[0] == slots else v for v in state]
        self.optimizer_slices = self.optimizer_slices or {}
        for slot in range(slots):
            if not self._layout[slot][2]:
                self.optimizer_slices[self.member(slot)] = [
                    v[slot] if v.ndim and v.shape[0] == slots else None for v in state
                ]

    def best_loss(self):
        slots = range(len(self._layout))
        return np.array([self.rule[self.member(s), 0] for s in slots], np.float32)

    def no_improvement(self):
        return np.array([self.rule[self.member(s), 1] for s in range(len(self._layout))], np.int32)

    def stopped(self):
        """Per slot, whether it trains for nothing: padding, or a member that stopped in an
        earlier call of this packing (whose results ``record`` has kept)."""
        return np.array([
            padding or self.finished[self.member(slot)]
            for slot, (_, _, padding) in enumerate(self._layout)
        ])

    def training(self):
        """How many members of the group are still training: none once it is done (those at
        the epoch cap have stopped too)."""
        return int(np.count_nonzero(~self.finished)) if self.busy() else 0

    def busiest(self):
        """The most members still training on one stream of this packing."""
        training = {}
        for slot, (stream, _, padding) in enumerate(self._layout):
            if not padding and not self.finished[self.member(slot)]:
                training[stream] = training.get(stream, 0) + 1
        return max(training.values(), default=0)

    def record(self, out, seconds):
        n_run = len(out["losses"])
        active_slots = 0
        for slot, (_, _, padding) in enumerate(self._layout):
            if padding:
                continue
            member = self.member(slot)
            if self.finished[member]:
                continue
            active_slots += 1
            trained = int(out["epochs"][slot])
            self.curves[member].extend(out["losses"][:trained, slot].tolist())
            self.weights[member] = [w[slot] for w in out["weights"]]
            self.rule[member] = (out["best_loss"][slot], out["no_improvement"][slot])
            # An optimizer state that overflowed never becomes finite again: a divergence, as
            # for the single fit (_training.train), whichever run of the member's ends it.
            diverged = out["diverged"][slot] or not out["state_finite"][slot]
            if diverged or out["converged"][slot]:
                self.finished[member] = True
                self.converged[member] = bool(out["converged"][slot]) and not diverged
                self.diverged[member] = bool(diverged)
        self.epochs_done += n_run
        if n_run and active_slots:
            self.seconds_per_member_epoch = seconds / (n_run * len(self._layout))

    def worth_packing(self, per_stream):
        """Whether packing the busiest stream's members into half the slots would save more
        time than tracing a new graph costs (the members still training are assumed to need
        as many more epochs as they have had, within the cap)."""
        if per_stream < 2 or self.seconds_per_member_epoch is None:
            return per_stream >= 2
        remaining = min(self.epochs_done, self.epochs - self.epochs_done)
        saved = self.seconds_per_member_epoch * len(self.streams) * (per_stream / 2) * remaining
        return saved > 2 * self.trace_seconds

    def results(self):
        return self.weights, self.curves, self.converged, self.diverged
