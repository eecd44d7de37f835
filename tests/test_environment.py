"""What the package does to the process (``_environment``): quiet TensorFlow, oneDNN's kernels,
thread pools sized like joblib asks, scikeras' tag declaration; each effect documented and
switchable."""

import os
import platform
import subprocess
import sys

PROBE = (
    "import os, sys; from l1l2_estimator import L1L2Classifier; import tensorflow as tf; "
    "from scikeras.wrappers import BaseWrapper; "
    "print(tf.config.threading.get_intra_op_parallelism_threads(), "
    "tf.config.threading.get_inter_op_parallelism_threads(), "
    "os.environ.get('TF_CPP_MIN_LOG_LEVEL'), '__sklearn_tags__' in vars(BaseWrapper), "
    "__import__('gc').get_freeze_count() > 100000, "
    "os.environ.get('TF_ENABLE_ONEDNN_OPTS'), "
    "__import__('importlib').import_module('tensorflow.python.util._pywrap_util_port')"
    ".IsMklEnabled())"
)
X86 = platform.machine().lower() in ("x86_64", "amd64")


def _run(**env):
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("TF_", "OMP_", "L1L2_ESTIMATOR_"))
    }
    return subprocess.run(
        [sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True,
        check=True,
    )


def test_import_prints_nothing_and_leaves_default_threads():
    done = _run()
    assert done.stderr == ""
    # TensorFlow's default thread pools (one thread per core), our log level, scikeras' tags,
    # oneDNN's kernels on (x86-64)
    expected = ["0", "0", "3", "True", "True"] + (["1", "True"] if X86 else ["None"])
    assert done.stdout.split()[: len(expected)] == expected


def test_import_is_quiet_when_the_level_is_inherited():
    """joblib workers inherit the level the parent set; they must be quiet too."""
    assert _run(TF_CPP_MIN_LOG_LEVEL="3").stderr == ""


def test_joblib_thread_hint_sizes_tensorflow_pools():
    assert _run(OMP_NUM_THREADS="1").stdout.split()[:2] == ["1", "1"]


def test_user_settings_win():
    done = _run(OMP_NUM_THREADS="1", TF_NUM_INTRAOP_THREADS="2", TF_ENABLE_ONEDNN_OPTS="0")
    assert done.stdout.split()[:2] == ["0", "0"]
    assert done.stdout.split()[5:] == ["0", "False"]


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
    assert done.stderr != ""  # TensorFlow's own start-up lines, as without the package
