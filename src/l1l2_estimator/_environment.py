"""Import TensorFlow and Keras quietly, and size TensorFlow's thread pools like joblib asks.

Noise: TensorFlow prints start-up chatter (oneDNN notices, CUDA probing) on the C++ side. Unless the
user set ``TF_CPP_MIN_LOG_LEVEL``, we set it to 3. TensorFlow 2.2x logs a few INFO lines before its
logger reads that variable, so while the import runs we also hold file descriptor 2, unless the
level is "0" (the user asked for everything). Python errors raised by the import are re-raised
after stderr is restored. The level is inherited by joblib's worker processes, which is why a set
level, not only an unset one, mutes the import.

Threads: joblib's process-based backends tell each worker how many threads it may use through
``OMP_NUM_THREADS`` (``cpu_count // n_jobs``). TensorFlow does not read it and would start one
thread per core in every worker, oversubscribing the CPU in ``GridSearchCV(n_jobs=2)``. When
``OMP_NUM_THREADS`` is set and the user has not configured TensorFlow's pools
(``TF_NUM_INTRAOP_THREADS`` / ``TF_NUM_INTEROP_THREADS``), we size both pools to it.
"""

import contextlib
import os


@contextlib.contextmanager
def _stderr_muted():
    try:
        saved = os.dup(2)
    except OSError:  # no real stderr (embedded interpreters): nothing to mute
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _size_thread_pools(tensorflow):
    threads = os.environ.get("OMP_NUM_THREADS", "")
    if not threads.isdigit() or int(threads) < 1:
        return
    if "TF_NUM_INTRAOP_THREADS" in os.environ or "TF_NUM_INTEROP_THREADS" in os.environ:
        return
    try:
        tensorflow.config.threading.set_intra_op_parallelism_threads(int(threads))
        tensorflow.config.threading.set_inter_op_parallelism_threads(int(threads))
    except RuntimeError:
        pass  # TensorFlow already ran ops in this process; its pools can no longer change


def import_keras_quietly():
    """Import TensorFlow and Keras, silencing start-up noise unless the user asked for it."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    muted = _stderr_muted() if os.environ["TF_CPP_MIN_LOG_LEVEL"] != "0" else contextlib.nullcontext()
    with muted:
        import keras  # noqa: F401
        import tensorflow
    _size_thread_pools(tensorflow)
