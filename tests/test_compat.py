"""Every private API of scikit-learn, Keras and scikeras that the package relies on still exists
and behaves as we use it. A failure here names the API that a dependency upgrade removed or
changed; README's "Private APIs we rely on" says what each is for."""

import inspect
import numbers
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from scikeras.wrappers import BaseWrapper, KerasClassifier, KerasRegressor

from l1l2_estimator import _compat


def test_sklearn_fit_context_validates_params_once_per_fit():
    assert "prefer_skip_nested_validation" in inspect.signature(_compat.fit_context).parameters


def test_sklearn_param_validation_types():
    assert _compat.Interval(numbers.Real, 0, None, closed="left").is_satisfied_by(0.0)
    assert _compat.StrOptions({"auto"}).is_satisfied_by("auto")


def test_sklearn_param_validation_options():
    assert _compat.Options(numbers.Real, {0.5}).is_satisfied_by(0.5)
    assert not _compat.Options(numbers.Real, {0.5}).is_satisfied_by(0.25)


def test_sklearn_own_metadata_request_holds_the_estimators_own_requests():
    from sklearn import config_context

    from l1l2_estimator import L1L2ClassifierCV

    with config_context(enable_metadata_routing=True):
        search = L1L2ClassifierCV().set_score_request(sample_weight=True)
        assert _compat.own_metadata_request(search).score.requests == {"sample_weight": True}
        # A fresh one at each call (the searches' routing changes theirs).
        _compat.own_metadata_request(search).score.add_request(param="sample_weight", alias=False)
        assert _compat.own_metadata_request(search).score.requests == {"sample_weight": True}


def test_sklearn_safe_indexing_keeps_the_container():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0]}, index=[10, 11, 12])
    rows = _compat.safe_indexing(frame, np.array([2, 0]))
    assert isinstance(rows, pd.DataFrame) and rows.index.tolist() == [12, 10]
    assert _compat.safe_indexing([5, 6, 7], np.array([1])) == [6]


def test_sklearn_searches_derive_from_base_search_cv():
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import (
        GridSearchCV,
        HalvingGridSearchCV,
        RandomizedSearchCV,
        TunedThresholdClassifierCV,
    )

    for search in (GridSearchCV, RandomizedSearchCV, HalvingGridSearchCV):
        assert issubclass(search, _compat.BaseSearchCV)
    assert not isinstance(TunedThresholdClassifierCV(LogisticRegression()), _compat.BaseSearchCV)


def test_sklearn_check_sample_weight_refuses_negative_weights():
    X = np.zeros((3, 1))
    weights = _compat.check_sample_weight(None, X, dtype=np.float32, ensure_non_negative=True)
    np.testing.assert_array_equal(weights, np.ones(3, dtype=np.float32))
    with pytest.raises(ValueError, match="Negative values"):
        _compat.check_sample_weight(np.array([1.0, -1.0, 1.0]), X, ensure_non_negative=True)


@pytest.mark.parametrize(
    "name, quantity",
    [
        (name, quantity)
        for name, quantities in sorted(_compat.OPTIMIZER_SLOTS.items())
        for quantity in quantities
    ],
)
def test_keras_optimizer_slots_by_variable(name, quantity):
    variable = keras.Variable(np.zeros((2, 3), dtype="float32"))
    settings = {"centered": True} if name == "RMSprop" else {}
    settings = {"amsgrad": True} if quantity == "max_second_moment" else settings
    optimizer = getattr(keras.optimizers, name)(**settings)
    optimizer.build([variable])
    assert tuple(_compat.optimizer_slot(optimizer, quantity, variable).shape) == (2, 3)
    assert _compat.optimizer_slot(keras.optimizers.SGD(), quantity, variable) is None


@pytest.mark.parametrize("name", sorted(_compat.NON_NEGATIVE_STATE))
def test_keras_optimizer_state_that_is_never_negative(name):
    variable = keras.Variable(np.zeros((2, 3), dtype="float32"))
    settings = {"amsgrad": True} if name in ("Adam", "AdamW") else {}
    optimizer = getattr(keras.optimizers, name)(**settings)
    optimizer.build([variable])
    state = _compat.non_negative_state(optimizer)
    # The step count, then for each attribute one variable per trained variable (or one scalar).
    assert state[0] is optimizer.iterations
    assert len(state) == 1 + len(_compat.NON_NEGATIVE_STATE[name])
    assert all(tuple(v.shape) in ((2, 3), ()) for v in state[1:])
    assert {id(v) for v in state} <= {id(v) for v in optimizer.variables}


def test_keras_centered_rmsprop_state_pairs():
    kernel = keras.Variable(np.zeros((2, 3), dtype="float32"))
    bias = keras.Variable(np.zeros((3,), dtype="float32"))
    centered = keras.optimizers.RMSprop(centered=True)
    centered.build([kernel, bias])
    pairs = _compat.centered_state(centered)
    assert [tuple(p.shape) for pair in pairs for p in pair] == [(2, 3), (2, 3), (3,), (3,)]
    assert [(second.name, mean.name) for second, mean in pairs] == [
        (f"{v.name}_velocity", f"{v.name}_average_gradient") for v in (kernel, bias)
    ]
    plain = keras.optimizers.RMSprop()
    plain.build([kernel, bias])
    assert _compat.centered_state(plain) == []
    adam = keras.optimizers.Adam()
    adam.build([kernel, bias])
    assert _compat.centered_state(adam) == []


@pytest.mark.parametrize("name, kind, suffixes", [
    ("Adam", "squares", ("_momentum", "_velocity")),
    ("AdamW", "squares", ("_momentum", "_velocity")),
    ("Nadam", "squares", ("_momentum", "_velocity")),
    ("Adamax", "norms", ("_momentum", "_norm")),
    ("RMSprop", None, ()),
])
def test_keras_first_moments_and_the_state_that_bounds_them(name, kind, suffixes):
    kernel = keras.Variable(np.zeros((2, 3), dtype="float32"))
    optimizer = getattr(keras.optimizers, name)()
    optimizer.build([kernel])
    found, pairs = _compat.moment_state(optimizer)
    assert found == kind
    assert [tuple(v.name for v in pair) for pair in pairs] == (
        [tuple(kernel.name + suffix for suffix in suffixes)] if kind else []
    )
    if kind is None:
        return
    # Growing gradients of alternating sign: what Keras keeps is within the bound load checks.
    first, second = pairs[0]
    beta_1, beta_2 = optimizer.beta_1, optimizer.beta_2
    for step in range(30):
        optimizer.apply([np.full((2, 3), (-1.2) ** step, dtype="float32")], [kernel])
    m, s = np.abs(first.numpy().astype(np.float64)), second.numpy().astype(np.float64)
    if kind == "squares":
        assert (m**2 <= (1 - beta_1) ** 2 / ((1 - beta_2) * (1 - beta_1**2 / beta_2)) * s).all()
    else:
        assert (m <= (1 - beta_1) / (1 - beta_1 / beta_2) * s).all()


def test_keras_step_count_is_the_int64_variable_each_step_adds_one_to():
    variable = keras.Variable(np.zeros((2, 3), dtype="float32"))
    optimizer = keras.optimizers.Adam()
    optimizer.build([variable])
    count = _compat.step_count(optimizer)
    assert count is optimizer.iterations and count.dtype == "int64"
    assert any(v is count for v in optimizer.variables)
    optimizer.apply([np.ones((2, 3), dtype="float32")], [variable])
    assert int(count.numpy()) == 1


@pytest.mark.parametrize("name", ["Adagrad", "Ftrl"])
def test_keras_accumulators_start_at_their_initial_value_and_only_grow(name):
    kernel = keras.Variable(np.zeros((2, 3), dtype="float32"))
    bias = keras.Variable(np.zeros((3,), dtype="float32"))
    optimizer = getattr(keras.optimizers, name)(initial_accumulator_value=0.25)
    optimizer.build([kernel, bias])
    pairs = _compat.accumulator_state(optimizer)
    # Named after their variables (Keras 3.10 on, the package's floor; all "accumulator" before).
    assert [(accumulator.name, initial) for accumulator, initial in pairs] == [
        (f"{v.name}_accumulator", 0.25) for v in (kernel, bias)
    ]
    assert all((accumulator.numpy() == np.float32(0.25)).all() for accumulator, _ in pairs)
    optimizer.apply([np.full((2, 3), 0.5, dtype="float32"), np.zeros(3, dtype="float32")],
                    [kernel, bias])
    np.testing.assert_array_equal(pairs[0][0].numpy(), np.full((2, 3), 0.5, dtype="float32"))
    np.testing.assert_array_equal(pairs[1][0].numpy(), np.full(3, 0.25, dtype="float32"))
    adam = keras.optimizers.Adam()
    adam.build([kernel, bias])
    assert _compat.accumulator_state(adam) == []


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_keras_gradient_accumulators_are_zero_whenever_the_step_count_is_a_multiple(name):
    variable = keras.Variable(np.zeros((2, 3), dtype="float32"))
    optimizer = getattr(keras.optimizers, name)(gradient_accumulation_steps=3)
    optimizer.build([variable])
    accumulators, steps = _compat.gradient_accumulators(optimizer)
    assert steps == 3 and [a.name for a in accumulators] == [
        f"{variable.name}_gradient_accumulator"
    ]
    assert any(v is accumulators[0] for v in optimizer.variables)
    count = _compat.step_count(optimizer)
    for step in range(1, 7):
        optimizer.apply([np.ones((2, 3), dtype="float32")], [variable])
        assert int(count.numpy()) == step
        held = accumulators[0].numpy()
        np.testing.assert_array_equal(held, np.full((2, 3), step % 3, dtype="float32"))
    plain = getattr(keras.optimizers, name)()
    plain.build([variable])
    assert _compat.gradient_accumulators(plain) == ([], None)


def test_keras_nadam_momentum_product_starts_at_1_and_shrinks():
    variable = keras.Variable(np.zeros((2, 3), dtype="float32"))
    nadam = keras.optimizers.Nadam(beta_1=0.9)
    nadam.build([variable])
    product = _compat.momentum_product(nadam)
    assert tuple(product.shape) == () and float(product.numpy()) == 1.0
    assert any(v is product for v in nadam.variables)
    nadam.apply([np.ones((2, 3), dtype="float32")], [variable])
    assert float(product.numpy()) == pytest.approx(0.9 * (1 - 0.5 * 0.96))
    adam = keras.optimizers.Adam()
    adam.build([variable])
    assert _compat.momentum_product(adam) is None


def test_every_optimizer_load_reads_is_sorted_by_the_sign_of_its_state():
    from l1l2_estimator.persistence._keras_objects import OPTIMIZER_CLASSES

    assert set(_compat.NON_NEGATIVE_STATE) == set(OPTIMIZER_CLASSES) - {"SGD", "Lion"}


def test_every_proximal_optimizer_but_sgd_has_its_slots():
    from l1l2_estimator._graph import PROXIMAL_OPTIMIZERS

    assert set(_compat.OPTIMIZER_SLOTS) == PROXIMAL_OPTIMIZERS - {"SGD"}


def test_sklearn_validate_params_names_the_param():
    from sklearn.utils._param_validation import InvalidParameterError

    from l1l2_estimator import L1L2Classifier

    _compat.validate_params(L1L2Classifier())
    with pytest.raises(InvalidParameterError, match="'l1'"):
        _compat.validate_params(L1L2Classifier(l1=-1.0))


def test_sklearn_scorers_say_whether_they_take_sample_weight():
    from sklearn.metrics import get_scorer, make_scorer
    from sklearn.model_selection import GridSearchCV

    assert hasattr(GridSearchCV, "_check_scorers_accept_sample_weight")
    assert hasattr(get_scorer("accuracy"), "_accept_sample_weight")
    assert _compat.scorer_accepts_sample_weight(get_scorer("accuracy"))
    assert not _compat.scorer_accepts_sample_weight(
        make_scorer(lambda y_true, y_pred: 0.0)
    )
    assert not _compat.scorer_accepts_sample_weight(lambda estimator, X, y: 0.0)


@pytest.mark.parametrize(
    "name",
    [
        "_validate_data",  # overridden: scikit-learn's validate_data replaces scikeras' checks
        "_initialize_callbacks",  # called: routes callbacks and callbacks__* params
        "_validate_sample_weight",  # overridden: drops zero-weight rows in float64
        "target_encoder",  # overridden/called: the label encoder of each task
        "feature_encoder",  # called: scikeras' (identity) feature encoder
        "_routing_prefixes",  # set: which keyword arguments set_params routes
        "current_epoch",  # inherited: epochs trained so far
    ],
)
def test_scikeras_extension_points(name):
    assert hasattr(BaseWrapper, name)
    assert hasattr(KerasClassifier, name) and hasattr(KerasRegressor, name)


def test_scikeras_initialize_callbacks_sets_fit_callbacks():
    wrapper = KerasClassifier(callbacks=[keras.callbacks.History()])
    wrapper._initialize_callbacks()
    assert isinstance(wrapper._fit_callbacks[0], keras.callbacks.History)


def test_tensorflow_thread_local_call_options_skip_grappler():
    from tensorflow.python.eager import context

    before = context.context().function_call_options
    with _compat.without_graph_rewrites():
        options = context.context().function_call_options
        assert b"disable_meta_optimizer" not in options.config_proto_serialized  # a proto
        from tensorflow.core.protobuf import config_pb2

        config = config_pb2.ConfigProto.FromString(options.config_proto_serialized)
        assert config.graph_options.rewrite_options.disable_meta_optimizer
    assert context.context().function_call_options is before


def _flat_test_function():
    import tensorflow as tf

    variable = tf.Variable(np.zeros(3, np.float32))

    @tf.function(
        autograph=False,
        input_signature=[
            tf.TensorSpec((None, 3), tf.float32),
            [tf.TensorSpec((3,), tf.float32), tf.TensorSpec((), tf.int64)],
            tf.SparseTensorSpec((None, 3), tf.float32),
        ],
    )
    def function(rows, pair, sparse):
        variable.assign(pair[0])
        return {
            "sum": tf.reduce_sum(rows, axis=0) + variable,
            "step": pair[1] + 1,
            "nonzeros": tf.sparse.reduce_sum(sparse),
        }

    return function.get_concrete_function()


def test_tensorflow_concrete_function_calls_flat_tensors():
    """flat_caller binds the inputs itself and hands ConcreteFunction._call_flat the flat
    tensors: it gives what the function's own call gives, converting arrays to the specs'
    dtypes."""
    import tensorflow as tf

    function = _flat_test_function()
    call = _compat.flat_caller(function)
    assert call is not function  # ``_call_flat`` is there: no fallback
    rows = np.arange(6, dtype=np.float32).reshape(2, 3)
    sparse = tf.SparseTensor([[0, 1], [1, 2]], [2.0, 5.0], [2, 3])
    pair = [[1.0, 2.0, 3.0], 4]  # a Python list as a single input, as TensorFlow takes it
    ours = call(rows, pair, sparse=sparse)
    theirs = function(rows, pair, sparse)
    assert sorted(ours) == ["nonzeros", "step", "sum"]
    for key in ours:
        np.testing.assert_array_equal(ours[key].numpy(), theirs[key].numpy())
    assert ours["step"].numpy() == 5 and ours["nonzeros"].numpy() == 7.0


def test_flat_caller_refuses_what_the_signature_does_not_allow():
    """TensorFlow checks no shapes in an eager ``_call_flat``: a wrong shape would reach the
    graph (a variable assigned another shape)."""
    import tensorflow as tf

    function = _flat_test_function()
    call = _compat.flat_caller(function)
    rows = np.zeros((2, 3), np.float32)
    sparse = tf.SparseTensor(np.zeros((0, 2), np.int64), np.zeros(0, np.float32), [2, 3])
    pair = [np.zeros(3, np.float32), np.int64(0)]
    with pytest.raises(ValueError, match=r"rows: expected shape \(None, 3\), got \(2, 4\)"):
        call(np.zeros((2, 4), np.float32), pair, sparse)
    with pytest.raises(ValueError, match=r"pair: expected shape \(3,\), got \(4,\)"):
        call(rows, [np.zeros(4, np.float32), np.int64(0)], sparse)
    with pytest.raises(ValueError, match="pair: expected a list of 2 inputs"):
        call(rows, [np.zeros(3, np.float32)], sparse)
    with pytest.raises(ValueError, match="pair: expected a list of 2 inputs"):
        call(rows, (np.zeros(3, np.float32), np.int64(0)), sparse)  # as TensorFlow: a list
    with pytest.raises(TypeError, match="unexpected or repeated input 'bogus'"):
        call(rows, pair, sparse, bogus=1)
    with pytest.raises(TypeError, match="unexpected or repeated input 'rows'"):
        call(rows, pair, sparse, rows=rows)
    with pytest.raises(TypeError, match=r"missing inputs \['sparse'\]"):
        call(rows, pair)
    with pytest.raises(TypeError, match="rows: expected float32, got float64"):
        call(tf.zeros((2, 3), tf.float64), pair, sparse)
    with pytest.raises(TypeError, match="sparse: expected a float32 SparseTensor"):
        call(rows, pair, rows)
    with pytest.raises(ValueError, match="sparse: expected a SparseTensor of rank 2"):
        call(rows, pair, tf.SparseTensor([[0, 0, 0]], [1.0], [1, 1, 3]))


def test_flat_caller_falls_back_without_call_flat():
    def plain(x):
        return x

    assert _compat.flat_caller(plain) is plain


def test_tensorflow_autograph_calls_a_marked_function_as_it_is():
    """What not_converted relies on: inside a tf.function, AutoGraph rewrites a function it
    calls (a Python `if` on a tensor becomes a tf.cond), but calls one that carries its mark as
    it is, and the functions that one calls too (the `if` then meets a symbolic tensor)."""
    import tensorflow as tf

    def calls_absolute():
        def absolute(x):
            if x > 0:
                return x
            return -x

        return lambda x: absolute(x)

    converted = calls_absolute()
    assert tf.function(lambda x: converted(x))(tf.constant(-2.0)).numpy() == 2.0
    marked = _compat.not_converted(calls_absolute())
    with pytest.raises(TypeError, match="symbolic `tf.Tensor` as a Python `bool`"):
        tf.function(lambda x: marked(x))(tf.constant(-2.0))


def test_tensorflow_keeps_custom_gradients_in_its_registry_until_forgotten():
    """What forget_custom_gradients relies on: a traced tf.custom_gradient registers its
    gradient function under CustomGradient-<n> in the registry, and a trace's gradients no
    longer need it once traced."""
    import tensorflow as tf

    from l1l2_estimator import _graph

    def traced(x, bias):
        with tf.GradientTape() as tape:
            tape.watch(bias)
            y = tf.reduce_sum(_graph._add_bias(x, bias))
        return tape.gradient(y, bias)

    before = _compat.custom_gradient_names()
    concrete = tf.function(traced).get_concrete_function(
        tf.TensorSpec((2, 3), tf.float32), tf.TensorSpec((3,), tf.float32)
    )
    added = _compat.custom_gradient_names() - before
    assert added and all(name.startswith("CustomGradient-") for name in added)
    _compat.forget_custom_gradients(added, [concrete.graph])
    assert not added & _compat.custom_gradient_names()
    np.testing.assert_array_equal(concrete(tf.ones((2, 3)), tf.zeros(3)).numpy(), [2, 2, 2])


def test_keras_callbacks_keep_their_model_in_model_attribute():
    """_compat.detach_model unsets Callback._model, where set_model keeps it."""
    callback = keras.callbacks.History()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    callback.set_model(model)
    assert callback._model is model and callback.model is model
    _compat.detach_model(callback, keras.Sequential())  # another model: left alone
    assert callback.model is model
    _compat.detach_model(callback, model)
    assert callback.model is None


def test_keras_optimizer_learning_rate_variable_follows_floatx_and_can_be_replaced():
    """``float32_learning_rate`` relies on Keras making the rate a variable in floatx, held in
    ``_learning_rate`` and tracked among the optimizer's variables, and on the tracker's
    ``replace_tracked_value``."""
    from l1l2_estimator._compat import float32_learning_rate

    keras.config.set_floatx("float64")
    try:
        optimizer = keras.optimizers.Adam(3e-3)
    finally:
        keras.config.set_floatx("float32")
    assert optimizer._learning_rate.dtype == "float64"
    assert optimizer.variables[1] is optimizer._learning_rate
    float32_learning_rate(optimizer, 3e-3)
    assert [variable.dtype for variable in optimizer.variables] == ["int64", "float32"]
    assert optimizer.variables[1] is optimizer._learning_rate
    assert optimizer.get_config()["learning_rate"] == np.float32(3e-3)


def test_tensorflow_says_whether_op_determinism_is_on():
    """Read where each trainer is traced (its loop reads the clock only without op
    determinism, which TensorFlow's enable_op_determinism and TF_DETERMINISTIC_OPS turn on; the
    switch is public, the getter is not). In child processes: the switch has no public way
    back."""
    assert _compat.is_op_determinism_enabled is not None
    assert _compat.op_determinism_enabled() is False
    read = "from l1l2_estimator import _compat; print(_compat.op_determinism_enabled())"
    switched = (
        "import tensorflow as tf; from l1l2_estimator import _compat; "
        "tf.config.experimental.enable_op_determinism(); print(_compat.op_determinism_enabled())"
    )
    for code, environment in ((switched, {}), (read, {"TF_DETERMINISTIC_OPS": "1"})):
        child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                               env={**os.environ, **environment}, timeout=300)
        assert child.stdout.split() == ["True"], child.stderr[-2000:]


def test_tensorflow_eager_context_start_up_state():
    """The fork checks read the eager context: ``context_safe()`` (None before any context),
    its ``_context_handle`` (set once the runtime started) and its ``_initialize_lock`` (held
    while a thread starts the runtime), in ``_compat`` and the package's fork handler."""
    import tensorflow as tf
    from tensorflow.python.eager import context

    tf.constant(1.0) + 1.0
    started = context.context_safe()
    assert started is context.context() and started._context_handle is not None
    assert not started._initialize_lock.locked()
    with started._initialize_lock:
        assert _compat._tensorflow_starting()
    assert not _compat._tensorflow_starting() and _compat._tensorflow_running()


def test_tensorflow_threads_tell_an_inherited_runtime_by_name_where_they_have_one():
    """TensorFlow 2.21 names its runtime's threads tf_...; 2.16 to 2.20 leave them the name of
    the thread that started them, and every process that had run TensorFlow before the package
    was taken for a fork's child there (refused to train)."""
    import tensorflow as tf

    tf.constant(1.0) + 1.0
    assert _compat._runtime_without_its_threads() is False  # this process's own runtime
    for named in (True, False):
        assert not _compat._threads_inherited(["python\n", "tf_Compute\n"], named)
        assert _compat._threads_inherited([], named)  # a fork's child: its one thread alone
    assert _compat._threads_inherited(["python\n", "python\n"], named=True)
    assert not _compat._threads_inherited(["python\n", "python\n"], named=False)


def test_keras_save_skipsets_are_found_after_the_first_save(tmp_path):
    """Keras' saver stores each skip set under saving_attr_skipset_<kind> and reads
    saving_attr_skiplist_<kind>; the package stores them under the second name after a save,
    so later saves build no fresh reference Optimizer (about 70 KB each that TensorFlow
    keeps). On a thread of its own: Keras' global attributes are per thread."""
    import threading

    from keras.src.backend.common import global_state
    from keras.src.saving import saving_lib

    from l1l2_estimator._compat import cache_keras_save_skipsets

    found = {}

    def save():
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        model.compile(optimizer="adam", loss="mse")
        keras.saving.save_model(model, tmp_path / "model.keras")
        cache_keras_save_skipsets()
        for kind in ("Sequential", "Layer", "Optimizer"):
            built = global_state.get_global_attribute(f"saving_attr_skipset_{kind}")
            found[kind] = built is not None and saving_lib.get_attr_skipset(kind) is built

    thread = threading.Thread(target=save)
    thread.start()
    thread.join()
    assert found == {"Sequential": True, "Layer": True, "Optimizer": True}


def test_keras_saves_an_archive_into_memory_as_into_a_file(tmp_path):
    """dump has Keras' saver write into memory (its private save_model takes a file object):
    through a file in the temporary folder, a save that failed there (a full disk, a quota)
    left a folder of Keras' own behind. The archive's members are those a saved file holds. In
    a child process whose files may hold at most 4 KiB (RLIMIT_FSIZE, as a quota): the save
    into memory succeeds and leaves the temporary folder empty, the save through a file fails."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        import io, os, resource, signal, sys, tempfile, zipfile
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
        import keras, numpy as np
        from l1l2_estimator import _compat

        model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(64)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(np.ones((4, 64)), np.ones((4, 64)), epochs=1, verbose=0)
        keras.saving.save_model(model, os.path.join(sys.argv[1], "model.keras"))
        temporary = os.path.join(sys.argv[1], "temporary")
        os.mkdir(temporary)
        tempfile.tempdir = temporary
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))
        data = _compat.keras_archive_bytes(model)
        print("left", os.listdir(temporary))
        with zipfile.ZipFile(io.BytesIO(data)) as memory, zipfile.ZipFile(
            os.path.join(sys.argv[1], "model.keras")
        ) as file:
            print("names", memory.namelist() == file.namelist())
            print("same", all(
                memory.read(name) == file.read(name)
                for name in ("config.json", "model.weights.h5")
            ))
        try:
            keras.saving.save_model(model, os.path.join(temporary, "limited.keras"))
        except OSError as error:
            print("through a file", error.errno)
    """)
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == [
        "left []", "names True", "same True", "through a file 27",  # EFBIG
    ], done.stdout


def test_a_trace_in_another_thread_keeps_its_custom_gradients(monkeypatch):
    """A fit's trace forgets the custom gradients it registered, and only those: a function of
    the user's traced in another thread meanwhile registered one (TensorFlow's all-reduce does,
    which Keras' optimizer step calls), the fit's trace removed it, and the gradient of a call of
    that function failed with "LookupError: No gradient defined" (TensorFlow builds a function's
    gradient from the registry when first asked, long after its trace)."""
    import threading

    import tensorflow as tf

    from l1l2_estimator import L1L2Classifier, _training

    tracing, registered = threading.Event(), threading.Event()

    @tf.function
    def users_sum(x):
        tracing.wait(60)  # the fit's trace has begun
        total = tf.distribute.get_replica_context().all_reduce("sum", x * 3.0)
        registered.set()  # runs while tracing: its custom gradient is registered now
        return total

    compile_functions = _training.compile_functions

    def compile_while_the_user_traces(trainer):
        tracing.set()
        functions = compile_functions(trainer)
        assert registered.wait(60)
        compiled.append(trainer)
        return functions

    compiled = []

    monkeypatch.setattr(_training, "compile_functions", compile_while_the_user_traces)
    thread = threading.Thread(
        target=users_sum.get_concrete_function, args=(tf.TensorSpec((), tf.float32),)
    )
    thread.start()
    try:
        X = np.random.default_rng(0).normal(size=(40, 3))
        # A network no other test fits: its trainer is traced here.
        L1L2Classifier(hidden_layer_sizes=(7, 5, 3), epochs=1, tol=0).fit(X, X[:, 0] > 0)
    finally:
        tracing.set()
        thread.join(60)
    assert compiled, "the fit traced no trainer while the user's function was traced"
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = users_sum(x)
    assert float(tape.gradient(total, x)) == 3.0


def test_a_registry_entry_it_cannot_read_is_not_taken_for_its_own():
    """Another thread's entry is only looked at: one whose closure TensorFlow's ``nest`` cannot
    flatten (a dict of int and str keys, which it sorts) made the fit that looked fail with
    TypeError."""
    keys_of_two_kinds = {1: "a", "b": 2}

    def computes():
        return keys_of_two_kinds

    def registered():
        return computes

    assert not _compat._registered_in(registered, set())


def test_sklearn_html_view_lists_fitted_attributes_through_get_fitted_attr_html():
    """The estimators override _get_fitted_attr_html so that the HTML view does not build
    model_ (scikit-learn 1.8 added that table; 1.7 has none)."""
    from sklearn.base import BaseEstimator
    from sklearn.utils import estimator_html_repr

    from l1l2_estimator import L1L2Classifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    clf = L1L2Classifier(hidden_layer_sizes=(2,), epochs=1, random_state=0)
    clf.fit(X, (X[:, 0] > 0).astype(int))
    html = estimator_html_repr(clf)
    assert vars(clf)["_model"] is None  # not built
    if hasattr(BaseEstimator, "_get_fitted_attr_html"):  # scikit-learn 1.8 and later
        assert "doc_link" in inspect.signature(BaseEstimator._get_fitted_attr_html).parameters
        assert "&lt;not built yet&gt;" in html
