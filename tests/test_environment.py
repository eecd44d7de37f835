"""Importing the package is quiet and sizes TensorFlow's thread pools like joblib asks."""

import os
import subprocess
import sys

PROBE = (
    "import l1l2_estimator, tensorflow as tf; "
    "print(tf.config.threading.get_intra_op_parallelism_threads(), "
    "tf.config.threading.get_inter_op_parallelism_threads())"
)


def _run(**env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "OMP_"))}
    return subprocess.run(
        [sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True,
        check=True,
    )


def test_import_prints_nothing_and_leaves_default_threads():
    done = _run()
    assert done.stderr == ""
    assert done.stdout.split() == ["0", "0"]  # TensorFlow's default: one thread per core


def test_import_is_quiet_when_the_level_is_inherited():
    """joblib workers inherit the level the parent set; they must be quiet too."""
    assert _run(TF_CPP_MIN_LOG_LEVEL="3").stderr == ""


def test_joblib_thread_hint_sizes_tensorflow_pools():
    assert _run(OMP_NUM_THREADS="1").stdout.split() == ["1", "1"]


def test_user_thread_settings_win():
    assert _run(OMP_NUM_THREADS="1", TF_NUM_INTRAOP_THREADS="2").stdout.split() == ["0", "0"]
