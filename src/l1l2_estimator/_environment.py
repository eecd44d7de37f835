"""Import Keras quietly.

TensorFlow prints start-up chatter (oneDNN notices, CUDA probing) on the C++ side. We honour a
``TF_CPP_MIN_LOG_LEVEL`` the user set; otherwise we raise it to 3 and, because TensorFlow 2.2x logs a
few lines before its logger reads that variable, hold file descriptor 2 while the import runs.
Python-level errors raised by the import are re-raised after stderr is restored.
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


def import_keras_quietly():
    """Import TensorFlow and Keras, silencing start-up noise unless the user asked for it."""
    if "TF_CPP_MIN_LOG_LEVEL" in os.environ:
        import keras  # noqa: F401
        import tensorflow  # noqa: F401

        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    with _stderr_muted():
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
