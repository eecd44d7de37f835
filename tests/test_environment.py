"""What the package does to the process (``_environment``): quiet TensorFlow, oneDNN's kernels,
thread pools sized like joblib asks, scikeras' tag declaration; each effect documented and
switchable."""

import importlib.metadata
import os
import platform
import subprocess
import sys
import textwrap

import pytest

from l1l2_estimator._environment import SMALL_MACHINE_CORES, thread_pool_sizes, usable_cores

PROBE = (
    "import os, sys; from l1l2_estimator import L1L2Classifier; import tensorflow as tf; "
    "from scikeras.wrappers import BaseWrapper; "
    "print(tf.config.threading.get_intra_op_parallelism_threads(), "
    "tf.config.threading.get_inter_op_parallelism_threads(), "
    "os.environ.get('TF_CPP_MIN_LOG_LEVEL'), '__sklearn_tags__' in vars(BaseWrapper), "
    "__import__('gc').get_freeze_count() > 100000, "
    "os.environ.get('TF_ENABLE_ONEDNN_OPTS'), "
    # What the import printed ends here: TensorFlow 2.16 logs oneDNN's notice at this call.
    "os.write(2, b'--probe--') and "
    "__import__('importlib').import_module('tensorflow.python.util._pywrap_util_port')"
    ".IsMklEnabled())"
)
X86 = platform.machine().lower() in ("x86_64", "amd64")


def _run(prelude="", **env):
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("TF_", "OMP_", "L1L2_ESTIMATOR_"))
    }
    return subprocess.run(
        [sys.executable, "-c", prelude + PROBE], env={**clean, **env}, capture_output=True,
        text=True, check=True,
    )


def test_version_is_the_installed_distributions():
    done = subprocess.run(
        [sys.executable, "-c", "import sys, l1l2_estimator as p; print(p.__version__, "
         "'tensorflow' in sys.modules, '__version__' in dir(p), 'importlib' in dir(p))"],
        capture_output=True, text=True, check=True,
    )
    # Read without importing TensorFlow, listed by dir(), and the only non-public name there.
    assert done.stdout.split() == [importlib.metadata.version("l1l2-estimator"), "False", "True",
                                   "False"]


def test_import_and_the_command_lines_usage_errors_leave_importlib_metadata_out():
    """Reading the version imports importlib.metadata, about 40 ms, four times the rest of the
    package's import: it had been imported by every import of the package and every run of the
    command line (--help and usage errors included); only the version reads it now."""
    probe = (
        "import sys; from l1l2_estimator import cli; before = 'importlib.metadata' in sys.modules; "
        "code = cli.main(sys.argv[1:]); print(before, 'importlib.metadata' in sys.modules, code)"
    )
    for args, expected in ((["--epochs", "0"], "False False 2"), (["--help"], "False False 0"),
                           (["--version"], "False True 0")):
        done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True,
                              text=True, check=True)
        assert done.stdout.split()[-3:] == expected.split(), args


def test_import_prints_nothing():
    done = _run()
    assert done.stderr.split("--probe--")[0] == ""
    # The intra-op pool: one thread on a machine of at most 2 cores, else TensorFlow's default
    # (0: one thread per core); the inter-op pool at its default; our log level, set for the
    # import and removed after it (it had stayed, and silenced TensorFlow in every child
    # process); scikeras' tags, oneDNN's kernels on (x86-64)
    intra = "1" if usable_cores() <= SMALL_MACHINE_CORES else "0"
    expected = [intra, "0", "None", "True", "True"] + (["1", "True"] if X86 else ["None"])
    assert done.stdout.split()[: len(expected)] == expected


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="CPU affinity is Linux-only")
def test_a_process_on_one_core_splits_no_operation():
    one_core = "import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
    assert _run(prelude=one_core).stdout.split()[:2] == ["1", "0"]
    assert _run(prelude=one_core, L1L2_ESTIMATOR_TF_THREADS="0").stdout.split()[:2] == ["0", "0"]


@pytest.mark.parametrize(
    ("environ", "cores", "sizes"),
    [
        ({}, 1, (1, None)),
        ({}, 2, (1, None)),
        ({}, 3, (None, None)),
        ({}, 64, (None, None)),
        ({"OMP_NUM_THREADS": "3"}, 2, (3, 3)),  # joblib's share for a worker wins
        ({"OMP_NUM_THREADS": "1"}, 64, (1, 1)),
        ({"OMP_NUM_THREADS": "0"}, 2, (1, None)),  # not a share: ignored
        ({"OMP_NUM_THREADS": "four"}, 8, (None, None)),
        ({"TF_NUM_INTRAOP_THREADS": "2"}, 2, (None, None)),  # the user's own setting wins
        ({"TF_NUM_INTEROP_THREADS": "2", "OMP_NUM_THREADS": "1"}, 2, (None, None)),
    ],
)
def test_thread_pool_sizes(environ, cores, sizes):
    assert thread_pool_sizes(environ, cores) == sizes


def test_import_is_quiet_when_the_level_is_inherited():
    """A level the user set is kept (and left in the environment)."""
    done = _run(TF_CPP_MIN_LOG_LEVEL="3")
    assert done.stderr == "--probe--"  # nothing before the probe's marker, nor after it
    assert done.stdout.split()[2] == "3"


def test_a_tensorflow_imported_first_is_left_alone():
    """Its import read the log level and the oneDNN switch already: setting them then changes
    nothing in the process and reached only child processes; and freezing would keep the
    user's own models and data, in reference cycles, forever."""
    done = _run(prelude="import tensorflow; ")
    fields = done.stdout.split()
    assert fields[2] == "None" and fields[4] == "False"  # no log level; nothing frozen
    if X86:
        assert fields[5] == "None"  # TF_ENABLE_ONEDNN_OPTS not set


def test_the_users_objects_in_cycles_are_reclaimed_where_tensorflow_came_first():
    """gc.freeze() had frozen every object alive at the package's import, the user's Keras
    models (which hold reference cycles) included: deleted later, they were never reclaimed."""
    # The count before the import too: Python 3.12.1 starts with 375 objects frozen.
    probe = (
        "import gc, weakref, keras; "
        "m = keras.Sequential([keras.Input((10,)), keras.layers.Dense(10)]); "
        "alive = weakref.ref(m); frozen = gc.get_freeze_count(); "
        "from l1l2_estimator import L1L2Classifier; "
        "del m; gc.collect(); print(alive() is None, gc.get_freeze_count() - frozen)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("L1L2_ESTIMATOR_")},
    )
    assert done.stdout.split() == ["True", "0"]


def test_joblib_thread_hint_sizes_tensorflow_pools():
    assert _run(OMP_NUM_THREADS="1").stdout.split()[:2] == ["1", "1"]


def test_user_settings_win():
    done = _run(OMP_NUM_THREADS="1", TF_NUM_INTRAOP_THREADS="2", TF_ENABLE_ONEDNN_OPTS="0")
    assert done.stdout.split()[:2] == ["0", "0"]
    assert done.stdout.split()[5:] == ["0", "False"]


def test_pools_sized_with_tf_config_before_the_import_are_kept():
    # They were set over: 1 and 1 under OMP_NUM_THREADS=1 (joblib's worker share).
    sized = ("import tensorflow as tf; tf.config.threading.set_intra_op_parallelism_threads(3); "
             "tf.config.threading.set_inter_op_parallelism_threads(5); ")
    assert _run(sized, OMP_NUM_THREADS="1").stdout.split()[:2] == ["3", "5"]
    one = "import tensorflow as tf; tf.config.threading.set_inter_op_parallelism_threads(5); "
    assert _run(one, OMP_NUM_THREADS="1").stdout.split()[:2] == ["1", "5"]


def test_each_effect_can_be_switched_off():
    done = _run(
        OMP_NUM_THREADS="1",
        L1L2_ESTIMATOR_QUIET="0",
        L1L2_ESTIMATOR_TF_THREADS="0",
        L1L2_ESTIMATOR_SCIKERAS_TAGS="0",
        L1L2_ESTIMATOR_GC_FREEZE="0",
        L1L2_ESTIMATOR_ONEDNN="0",
    )
    assert done.stdout.split()[:6] == ["0", "0", "None", "False", "False", "None"]
    # TensorFlow's own start-up lines, as without the package, before the probe's marker.
    assert done.stderr.split("--probe--")[0] != ""


def _import_estimator(cwd=None, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KERAS_", "TF_"))}
    return subprocess.run(
        [sys.executable, "-c", "from l1l2_estimator import L1L2Classifier"],
        env={**clean, **env}, capture_output=True, text=True, cwd=cwd,
    )


@pytest.mark.parametrize("backend", ["jax", "torch", "numpy"])
def test_keras_backend_other_than_tensorflow_is_refused_by_name(backend):
    done = _import_estimator(KERAS_BACKEND=backend)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError:")
    assert f"Keras is set to use '{backend}'" in last and "KERAS_BACKEND=tensorflow" in last


@pytest.mark.parametrize("backend, home", [("numpy", None), ("torch", None), ("torch", "~")])
def test_keras_json_backend_other_than_tensorflow_is_refused_by_name(tmp_path, backend, home):
    # Keras reads KERAS_HOME/keras.json; its NumPy backend needs JAX, and torch is not installed
    # here either, so this also covers a configured backend whose library is missing. (For torch,
    # Keras 3.15's config module failed in its own import, and Keras' bare "No module named
    # 'torch'" came out; Keras expands a KERAS_HOME of ~, and so must the package's reading.)
    (tmp_path / "keras.json").write_text(f'{{"backend": "{backend}"}}')
    env = {"KERAS_HOME": str(tmp_path)}
    if home is not None:
        env = {"KERAS_HOME": home, "HOME": str(tmp_path)}
    # In tmp_path: given KERAS_HOME="~", Keras itself makes a folder named "~" where it runs.
    done = _import_estimator(cwd=tmp_path, **env)
    last = done.stderr.strip().splitlines()[-1]
    assert done.returncode == 1
    assert last.startswith("ImportError:") and f"Keras is set to use '{backend}'" in last


def test_an_imported_keras_on_another_backend_is_refused():
    from types import SimpleNamespace

    from l1l2_estimator._environment import check_backend

    check_backend(SimpleNamespace(backend=SimpleNamespace(backend=lambda: "tensorflow")))
    with pytest.raises(ImportError, match="Keras is set to use 'jax'"):
        check_backend(SimpleNamespace(backend=SimpleNamespace(backend=lambda: "jax")))


def test_a_module_of_the_users_that_hides_keras_is_named(tmp_path):
    """A keras.py beside the script: the package's import failed with an AttributeError
    ("module 'keras' has no attribute 'backend'"), which ``from l1l2_estimator import
    L1L2Classifier`` turned into "cannot import name 'L1L2Classifier'", without its cause, and
    the command line printed a traceback."""
    (tmp_path / "keras.py").write_text("")
    done = _import_estimator(cwd=tmp_path)
    last = done.stderr.strip().splitlines()[-1]
    assert done.returncode == 1
    assert last == (
        "ImportError: Importing Keras and TensorFlow failed: module 'keras' has no attribute "
        f"'backend' (the module 'keras' imported here is {tmp_path / 'keras.py'}: a file or "
        "folder of that name in the current folder or beside your script hides the installed "
        "library; rename it)."
    ), done.stderr[-2000:]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KERAS_", "TF_"))}
    done = subprocess.run(
        [sys.executable, "-m", "l1l2_estimator", "--samples", "100", "--epochs", "2"],
        env=clean, capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("l1l2-estimator: error: Importing Keras and TensorFlow failed")
    assert done.stderr.count("\n") == 1, done.stderr[-2000:]


def test_empty_keras_backend_means_keras_default():
    assert _import_estimator(KERAS_BACKEND="").returncode == 0


_FORK_AFTER_A_FIT = """
import os, warnings
warnings.simplefilter("ignore")
import numpy as np
from l1l2_estimator import L1L2Classifier, L1L2ClassifierCV
X = np.random.RandomState(0).normal(size=(40, 3))
y = (X[:, 0] > 0).astype(int)
fitted = L1L2Classifier(hidden_layer_sizes=(4,), epochs=3, random_state=0).fit(X, y)
expected = fitted.predict(X).tolist()
# Its model_ built before the fork: handed out from the cache, whose predict then hung.
built = L1L2Classifier(hidden_layer_sizes=(4,), epochs=3, random_state=0).fit(X, y)
built.model_
calls = {
    "fit": lambda: L1L2Classifier(hidden_layer_sizes=(4,), epochs=3).fit(X, y),
    "partial_fit": lambda: fitted.partial_fit(X, y),
    "search": lambda: L1L2ClassifierCV(
        hidden_layer_sizes=(4,), epochs=3, l1s=[0], l2s=[0], cv=2).fit(X, y),
    "model_": lambda: fitted.model_,
    "cached model_": lambda: built.model_,
}
pid = os.fork()
if pid == 0:
    lines = [f"predict {fitted.predict(X).tolist() == expected}"]
    for name, call in calls.items():
        try:
            call()
            lines.append(f"{name} ran")
        except RuntimeError as error:
            lines.append(f"{name} {'forked from one where it had already run' in str(error)}")
    print("\\n".join(lines), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
"""


def test_a_process_forked_after_tensorflow_ran_refuses_to_run_it():
    """TensorFlow's thread pools do not survive a fork: a fit (or the Keras model's predict) in
    a child forked after the parent had fitted waited forever (multiprocessing's default start
    method on Linux, joblib's "multiprocessing" backend). It is refused with advice; the NumPy
    predict works there."""
    done = subprocess.run(
        [sys.executable, "-c", _FORK_AFTER_A_FIT], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.split("\n")[:6] == [
        "predict True", "fit True", "partial_fit True", "search True", "model_ True",
        "cached model_ True",
    ], done.stdout + done.stderr


# A forked child fits, and prints "fit ran" or whether it was refused for the fork.
_FORK_AND_FIT_IN_THE_CHILD = """
pid = os.fork()
if pid == 0:
    from l1l2_estimator import L1L2Classifier
    try:
        L1L2Classifier(hidden_layer_sizes=(4,), epochs=3).fit(X, y)
        print("fit ran", flush=True)
    except RuntimeError as error:
        print("refused", "forked from one where it had already run" in str(error), flush=True)
    os._exit(0)
"""


_FORK_AFTER_TENSORFLOW_RAN = """
import os, sys, warnings
warnings.simplefilter("ignore")
import numpy as np
if sys.argv[1] == "package imported":
    import l1l2_estimator  # the package only: no estimator used before the fork
import tensorflow as tf
tf.constant(1.0) + 1.0  # TensorFlow's runtime starts in the parent
assert "l1l2_estimator._compat" not in sys.modules
X = np.random.RandomState(0).normal(size=(40, 3))
y = (X[:, 0] > 0).astype(int)
""" + _FORK_AND_FIT_IN_THE_CHILD + """
os.waitpid(pid, 0)
from l1l2_estimator import L1L2Classifier
L1L2Classifier(hidden_layer_sizes=(4,), epochs=3).fit(X, y)  # where TensorFlow ran first: fine
print("parent fit ran", flush=True)
"""


@pytest.mark.parametrize("parent", ["package imported", "package not imported"])
def test_a_fork_is_noticed_when_the_parent_ran_tensorflow_before_any_estimator(parent):
    """The fork handler had been registered with the estimators: a parent that ran TensorFlow
    and had only imported the package, or not at all, forked unnoticed, and the child's fit
    hung. The parent's runtime shows in the child as one without its threads."""
    done = subprocess.run(
        [sys.executable, "-c", _FORK_AFTER_TENSORFLOW_RAN, parent], capture_output=True,
        text=True, timeout=120,
    )
    assert done.stdout.split("\n")[:2] == ["refused True", "parent fit ran"], (
        done.stdout + done.stderr
    )


def test_a_fork_is_noticed_whatever_the_forking_thread_is_named(tmp_path):
    """The child's one thread keeps the name of the thread that forked: a script named tf_...,
    run as a program, named it like one of TensorFlow's threads, and the child's fit hung."""
    script = tmp_path / "tf_job.py"
    script.write_text(f"#!{sys.executable}\n{_FORK_AFTER_TENSORFLOW_RAN}")
    script.chmod(0o755)
    done = subprocess.run(
        [str(script), "package imported"], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.split("\n")[:2] == ["refused True", "parent fit ran"], (
        done.stdout + done.stderr
    )


_FORK_AFTER_TENSORFLOW_IMPORT = """
import os, sys, warnings
warnings.simplefilter("ignore")
import numpy as np
import l1l2_estimator
import tensorflow as tf  # imported, never run: a child can start a runtime of its own
X = np.random.RandomState(0).normal(size=(40, 3))
y = (X[:, 0] > 0).astype(int)
pid = os.fork()
if pid == 0:
    lines = [f"nothing imported at the fork {'l1l2_estimator._compat' not in sys.modules}"]
    if sys.argv[1] == "own runtime":
        tf.constant(1.0) + 1.0  # the child's own runtime, started before any estimator
    from l1l2_estimator import L1L2Classifier
    try:
        L1L2Classifier(hidden_layer_sizes=(4,), epochs=3).fit(X, y)
        lines.append("fit ran")
    except RuntimeError as error:
        lines.append(f"refused: {error}")
    print("\\n".join(lines), flush=True)
    os._exit(0)
os.waitpid(pid, 0)
"""


@pytest.mark.parametrize("child", ["no runtime", "own runtime"])
def test_a_child_forked_before_tensorflow_ran_trains(child):
    """The fork handler imports nothing in the child (an import there waited forever on a
    module lock that a thread of the parent held at the fork, and gave every forked child the
    package's process effects); a child forked where TensorFlow was only imported trains,
    also after starting a runtime of its own."""
    done = subprocess.run(
        [sys.executable, "-c", _FORK_AFTER_TENSORFLOW_IMPORT, child], capture_output=True,
        text=True, timeout=120,
    )
    assert done.stdout.split("\n")[:2] == ["nothing imported at the fork True", "fit ran"], (
        done.stdout + done.stderr
    )


def test_a_pickled_optimizer_class_that_is_missing_here_is_named(tmp_path):
    """A registered optimizer class defined in the pickling script (__main__), or in a module
    the loading process cannot import, failed to unpickle with Keras' "please register it" (it
    was registered) or "Could not locate class" (leaving out the ImportError)."""
    (tmp_path / "mine.py").write_text(textwrap.dedent("""
        import keras
        @keras.saving.register_keras_serializable(package="mine")
        class ModuleSGD(keras.optimizers.SGD):
            pass
    """))
    make = textwrap.dedent(f"""
        import pickle, sys, warnings
        import numpy as np, keras
        from l1l2_estimator import L1L2Classifier
        from mine import ModuleSGD
        @keras.saving.register_keras_serializable(package="main")
        class MainSGD(keras.optimizers.SGD):
            pass
        X = np.random.default_rng(0).normal(size=(40, 3)); y = (X[:, 0] > 0).astype(int)
        warnings.simplefilter("ignore")  # 2 epochs: not converged
        for name, optimizer in (("main", MainSGD(0.05)), ("module", ModuleSGD(0.05))):
            fitted = L1L2Classifier(hidden_layer_sizes=(3,), epochs=2, optimizer=optimizer)
            blob = pickle.dumps(fitted.fit(X, y))
            assert type(pickle.loads(blob).optimizer) is type(optimizer)  # here: rebuilt
            open({str(tmp_path)!r} + f"/{{name}}.pkl", "wb").write(blob)
    """)
    subprocess.run([sys.executable, "-c", make], check=True, cwd=tmp_path,
                   env={**os.environ, "PYTHONPATH": str(tmp_path)})
    load = textwrap.dedent(f"""
        import pickle
        for name in ("main", "module"):
            try:
                pickle.loads(open({str(tmp_path)!r} + f"/{{name}}.pkl", "rb").read())
            except TypeError as error:
                print(error)
    """)
    done = subprocess.run([sys.executable, "-c", load], capture_output=True, text=True,
                          check=True)
    assert done.stdout.splitlines() == [
        "The pickled estimator's optimizer is of the class 'MainSGD', which the script or "
        "notebook that pickled it defined (its __main__), so this process cannot rebuild it: "
        "define the class in a module that both processes import.",
        "The pickled estimator's optimizer uses the class 'ModuleSGD' of the module 'mine', "
        "which this process cannot import: No module named 'mine'",
    ]


def test_copying_an_unregistered_optimizer_says_to_register_it(monkeypatch):
    """clone (and the searches, which copy the estimator) of an unregistered optimizer class
    had been told it was "pickled" by another script (a class of __main__), or had raised
    Keras' "Could not locate class" (a class of an importable module); a fit says to register
    it, and so do they."""
    import keras
    from sklearn.base import clone

    from l1l2_estimator import L1L2Classifier

    class ModuleAdam(keras.optimizers.Adam):
        pass

    class MainAdam(keras.optimizers.Adam):
        pass

    MainAdam.__module__ = "__main__"
    monkeypatch.setattr(sys.modules["__main__"], "MainAdam", MainAdam, raising=False)
    for optimizer_class in (ModuleAdam, MainAdam):
        with pytest.raises(TypeError, match=f"^The optimizer '{optimizer_class.__name__}' is a "
                                            "class that Keras cannot rebuild from its config.*"
                                            "register_keras_serializable"):
            clone(L1L2Classifier(optimizer=optimizer_class(1e-3)))


def test_optimizers_still_pickle_after_the_module_is_reloaded():
    """A reload found the package's own reducer installed and took it for scikeras': pickling
    any Keras optimizer then recursed forever."""
    probe = (
        "import importlib, pickle, keras; from l1l2_estimator import L1L2Classifier; "
        "from l1l2_estimator import _environment; importlib.reload(_environment); "
        "blob = pickle.dumps(keras.optimizers.Adam(1e-3)); "
        "print(type(pickle.loads(blob)).__name__, b'l1l2_estimator' in blob)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout.split() == ["Adam", "False"]


def test_optimizers_pickle_with_their_modules_unless_switched_off():
    """An optimizer pickles through the package's reducer (unpickling imports the modules its
    config names); switched off, scikeras' own stays. Keras' own optimizers pickle as scikeras
    pickles them: their pickles had named the package, and failed to load without it."""
    probe = (
        "import pickle, keras; from l1l2_estimator import L1L2Classifier; "
        "reducer = keras.optimizers.Optimizer.__reduce__; "
        "blob = pickle.dumps(keras.optimizers.SGD(0.1)); "
        "print(reducer.__module__, type(pickle.loads(blob)).__name__, b'l1l2_estimator' in blob)"
    )
    for switch, module in (("1", "l1l2_estimator._environment"), ("0", "scikeras._saving_utils")):
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True,
            env={**os.environ, "L1L2_ESTIMATOR_OPTIMIZER_PICKLE": switch},
        )
        assert done.stdout.split() == [module, "SGD", "False"]


def test_graph_mode_is_refused_in_one_sentence(fitted_binary, binary_data, tmp_path):
    """Under tf.compat.v1.disable_eager_execution() fits failed inside TensorFlow ("Attempting
    to capture an EagerTensor", "numpy() is only available when eager execution is enabled"),
    and load blamed the file; predict, which is NumPy, works."""
    import pickle
    import textwrap

    import numpy as np

    from l1l2_estimator import dump

    X, _ = binary_data
    (tmp_path / "fitted.pkl").write_bytes(pickle.dumps(fitted_binary))
    np.save(tmp_path / "X.npy", X)
    dump(fitted_binary, tmp_path / "fitted.l1l2")
    script = textwrap.dedent(f"""
        import pickle, numpy as np, tensorflow as tf
        tf.compat.v1.disable_eager_execution()
        from l1l2_estimator import L1L2Classifier, L1L2ClassifierCV, dump, load
        folder = {str(tmp_path)!r}
        X = np.load(folder + "/X.npy"); y = (X[:, 0] > 0).astype(int)
        fitted = pickle.loads(open(folder + "/fitted.pkl", "rb").read())
        print(fitted.predict(X[:3]).shape)
        for call in (lambda: L1L2Classifier(epochs=2).fit(X, y),
                     lambda: L1L2Classifier(epochs=2).partial_fit(X, y, classes=[0, 1]),
                     lambda: L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, epochs=2).fit(X, y),
                     lambda: fitted.model_,
                     lambda: dump(fitted, folder + "/again.l1l2"),
                     lambda: load(folder + "/fitted.l1l2")):
            try:
                call()
                print("no error")
            except RuntimeError as error:
                print(str(error).split(":")[0])
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    lines = done.stdout.splitlines()
    assert lines[0] == "(3,)"
    assert lines[1:] == ["l1l2-estimator needs TensorFlow's eager execution, which is off "
                         "here"] * 6


@pytest.mark.parametrize("where", ["tf.function", "tf.Graph"])
def test_graph_code_is_refused_in_one_sentence(where, fitted_binary, binary_data, tmp_path):
    """Inside a tf.function a fit failed with "Invalid optimizer__ arguments {'learning_rate':
    0.003}", blaming a default the user never set; inside `with tf.Graph().as_default():` the
    message said disable_eager_execution() had turned eager execution off for the process.
    predict works there, and leaving the block is enough."""
    import copy

    import numpy as np
    import tensorflow as tf

    from l1l2_estimator import L1L2Classifier, L1L2ClassifierCV, dump, load

    X, y = binary_data
    fitted = copy.deepcopy(fitted_binary)
    dump(fitted, tmp_path / "fitted.l1l2")
    expected = fitted.predict_proba(X)
    calls = {
        "fit": lambda: L1L2Classifier(epochs=2).fit(X, y),
        "warm fit": lambda: fitted.set_params(warm_start=True).fit(X, y),
        "partial_fit": lambda: fitted.partial_fit(X, y),
        "search": lambda: L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, epochs=2).fit(X, y),
        "dump": lambda: dump(fitted, tmp_path / "again.l1l2"),
        "load": lambda: load(tmp_path / "fitted.l1l2"),
    }
    messages, predicted = {}, []

    def attempt():
        predicted.append(fitted.predict_proba(X))
        for name, call in calls.items():
            try:
                call()
                messages[name] = "no error"
            except RuntimeError as error:
                messages[name] = str(error)

    if where == "tf.function":
        tf.function(lambda: attempt() or tf.constant(0))()
    else:
        with tf.Graph().as_default():
            attempt()
    assert set(messages) == set(calls)
    for name, message in messages.items():
        assert message.startswith("l1l2-estimator needs TensorFlow's eager execution, which is "
                                  "off here: inside a tf.function, inside a `with "
                                  "tf.Graph().as_default():` block"), (name, message)
    np.testing.assert_array_equal(predicted[0], expected)
    np.testing.assert_array_equal(fitted.predict_proba(X), expected)
    assert load(tmp_path / "fitted.l1l2").predict_proba(X).shape == expected.shape


def test_autograph_calls_the_package_as_it_is_inside_a_tf_function(fitted_binary, binary_data,
                                                                    tmp_path, caplog):
    """Inside a tf.function, AutoGraph rewrote every function the package called, scikit-learn's
    among them: predict took 4.4 s instead of milliseconds, the refused search 6.5 s, and they
    logged 13 "AutoGraph could not transform <function ...> and will run it as-is. Please
    report this to the TensorFlow team" warnings, one for each function it could not rewrite."""
    import copy
    import logging

    import numpy as np
    import tensorflow as tf

    from l1l2_estimator import (
        L1L2Classifier,
        L1L2ClassifierCV,
        L1L2Regressor,
        L1L2RegressorCV,
        dump,
        load,
        regularization_path,
    )

    X, y = binary_data
    fitted = copy.deepcopy(fitted_binary)
    dump(fitted, tmp_path / "fitted.l1l2")
    expected = fitted.predict_proba(X)
    calls = {
        "predict_proba": lambda: fitted.predict_proba(X),
        "predict": lambda: fitted.predict(X),
        "score": lambda: fitted.score(X, y),
        "get_params": lambda: fitted.get_params(),
        "fit": lambda: L1L2Classifier(epochs=2).fit(X, y),
        "partial_fit": lambda: copy.deepcopy(fitted).partial_fit(X, y),
        "search": lambda: L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, epochs=2).fit(X, y),
        "regressor": lambda: L1L2Regressor(epochs=2).fit(X, y),
        "regressor search": lambda: L1L2RegressorCV(l1s=[0], l2s=[0], cv=2, epochs=2).fit(X, y),
        "path": lambda: regularization_path(L1L2Classifier(epochs=2), X, y, X, y, [0, 1e-3]),
        "dump": lambda: dump(fitted, tmp_path / "again.l1l2"),
        "load": lambda: load(tmp_path / "fitted.l1l2"),
    }
    outcomes = {}

    def attempt():
        for name, call in calls.items():
            try:
                outcomes[name] = call()
            except RuntimeError as error:
                outcomes[name] = str(error).split(":")[0]

    with caplog.at_level(logging.INFO, logger="tensorflow"):
        tf.function(lambda: attempt() or tf.constant(0))()
    assert [r.getMessage() for r in caplog.records if "AutoGraph" in r.getMessage()] == []
    np.testing.assert_array_equal(outcomes["predict_proba"], expected)
    np.testing.assert_array_equal(outcomes["predict"], fitted_binary.predict(X))
    assert outcomes["score"] == fitted_binary.score(X, y)
    assert outcomes["get_params"] == fitted_binary.get_params()
    refused = "l1l2-estimator needs TensorFlow's eager execution, which is off here"
    assert {name: outcomes[name] for name in list(calls)[4:]} == dict.fromkeys(
        list(calls)[4:], refused
    )


def test_every_public_function_and_method_is_marked_for_autograph():
    """A mark on the wrong function (a helper defined between the decorator and dump) left dump
    for AutoGraph to rewrite inside a user's tf.function, with no test failing."""
    import inspect

    from tensorflow.python.autograph.impl.api import is_autograph_artifact

    import l1l2_estimator

    functions = {}
    for name in l1l2_estimator.__all__:
        public = getattr(l1l2_estimator, name)
        if inspect.isfunction(public):
            functions[name] = public
        elif inspect.isclass(public):  # its methods that the package defines
            functions.update(
                (f"{name}.{attribute}", member)
                for attribute, member in inspect.getmembers(public, inspect.isfunction)
                if not attribute.startswith("_") and member.__module__.startswith("l1l2_estimator")
            )
    assert "dump" in functions and "L1L2Classifier.fit" in functions
    unmarked = [name for name, function in functions.items() if not is_autograph_artifact(function)]
    assert unmarked == []


@pytest.mark.parametrize("strategy", ["MirroredStrategy", "OneDeviceStrategy"])
def test_training_in_a_strategy_scope_is_refused_in_one_sentence(strategy, fitted_binary,
                                                                 binary_data, tmp_path):
    """A fit whose trainer was built inside `with strategy.scope():` failed inside TensorFlow
    ("DistributedVariable.handle is not available outside the replica context"), and one whose
    trainer an earlier fit had cached trained: the outcome hung on the process' history."""
    import copy

    import numpy as np
    import tensorflow as tf

    from l1l2_estimator import L1L2Classifier, L1L2ClassifierCV, dump, load

    X, y = binary_data
    fitted = copy.deepcopy(fitted_binary)
    expected = fitted.predict_proba(X)
    settings = dict(hidden_layer_sizes=(3,), epochs=2, random_state=0)
    trainings = {
        "fit": lambda: L1L2Classifier(**settings).fit(X, y),
        "warm fit": lambda: copy.deepcopy(fitted).set_params(warm_start=True).fit(X, y),
        "partial_fit": lambda: fitted.partial_fit(X, y),
        "search": lambda: L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, **settings).fit(X, y),
    }
    scope = (tf.distribute.MirroredStrategy() if strategy == "MirroredStrategy"
             else tf.distribute.OneDeviceStrategy("/cpu:0")).scope()
    with scope:
        for name, call in trainings.items():
            with pytest.raises(RuntimeError, match=(
                "l1l2-estimator trains on one device and cannot train inside a tf.distribute "
                rf"strategy's scope \({strategy}\); call fit")):
                call()
        np.testing.assert_array_equal(fitted.predict_proba(X), expected)
        assert fitted.model_.predict(X[:2], verbose=0).shape == (2, 1)
        dump(fitted, tmp_path / "m.l1l2")
        np.testing.assert_array_equal(load(tmp_path / "m.l1l2").predict_proba(X), expected)
    trained = L1L2Classifier(**settings).fit(X, y)
    np.testing.assert_array_equal(trained.predict_proba(X),
                                  L1L2Classifier(**settings).fit(X, y).predict_proba(X))


def test_training_inside_a_gradient_tape_trains_as_outside(binary_data):
    """Inside `with tf.GradientTape():` every fit failed with TensorFlow's "LookupError: No
    gradient defined for operation": the tape recorded the training function's call and looked
    up gradients that the package had removed from TensorFlow's registry. The user's tape keeps
    recording the user's own operations."""
    import warnings

    import numpy as np
    import tensorflow as tf

    from l1l2_estimator import L1L2Classifier, L1L2ClassifierCV, _trainer_cache

    X, y = binary_data
    settings = dict(hidden_layer_sizes=(7, 2), epochs=3, random_state=0)
    trainings = {
        "fit": lambda: L1L2Classifier(**settings).fit(X, y),
        "early_stopping": lambda: L1L2Classifier(early_stopping=True, **settings).fit(X, y),
        "partial_fit": lambda: L1L2Classifier(**settings).partial_fit(X, y, classes=[0, 1]),
        "warm fit": lambda: L1L2Classifier(warm_start=True, **settings).fit(X, y).fit(X, y),
        "search": lambda: L1L2ClassifierCV(l1s=[0, 1e-3], l2s=[0], cv=2, **settings).fit(X, y),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 3 epochs: not converged
        expected = {name: train().predict_proba(X) for name, train in trainings.items()}
        _trainer_cache.trainers.clear()  # so that the fits below also trace inside the tape
        x = tf.Variable(3.0)
        with tf.GradientTape() as tape:
            before = x * x
            got = {name: train().predict_proba(X) for name, train in trainings.items()}
            after = before * x
    for name in trainings:
        np.testing.assert_array_equal(got[name], expected[name], err_msg=name)
    assert float(tape.gradient(after, x)) == 27.0


_FORK_WHILE_TENSORFLOW_STARTS = """
import os, warnings
warnings.simplefilter("ignore")
import sys
import numpy as np
import l1l2_estimator
if sys.argv[1] == "checks loaded":
    import l1l2_estimator._compat  # the module that notes forks, loaded before the fork
from tensorflow.python.eager import context
X = np.random.RandomState(0).normal(size=(40, 3))
y = (X[:, 0] > 0).astype(int)
starting = context.context()._initialize_lock  # held while another thread starts the runtime
starting.acquire()
""" + _FORK_AND_FIT_IN_THE_CHILD + """
starting.release()
os.waitpid(pid, 0)
"""


@pytest.mark.parametrize("loaded", ["checks loaded", "checks not loaded"])
def test_a_fork_while_another_thread_starts_tensorflow_is_noticed(loaded):
    """A fork while another thread of the parent started TensorFlow's runtime (its first
    operation) copied the runtime's start-up lock held, but no runtime yet: the child was not
    marked, and its fit waited for that lock forever (building the optimizer, before the check
    of forks)."""
    done = subprocess.run(
        [sys.executable, "-c", _FORK_WHILE_TENSORFLOW_STARTS, loaded], capture_output=True,
        text=True, timeout=120,
    )
    assert done.stdout.split("\n")[:1] == ["refused True"], done.stdout + done.stderr
