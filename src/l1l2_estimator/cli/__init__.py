"""The command-line main job: ``python -m l1l2_estimator`` or ``l1l2-estimator``.

Where things live: ``_parser`` (the flags), ``_job`` (what is checked before TensorFlow is
imported: flag combinations, output folders, the data and its split), ``_data`` (simulated or
CSV data, the CSV file read by ``_csv``), ``_run`` (fit, search, evaluate, save, plot),
``_reports`` (the text it prints) and ``_settings`` (grids, defaults, ``UsageError``).

It runs the classic recipe end to end: load data (simulated by ``make_classification``, or a CSV
file read with ``pandas.read_csv``, whose header names the features), split it with a stratified
``train_test_split``, fit ``StandardScaler`` followed by :class:`~l1l2_estimator.L1L2Classifier`
on the training part (optionally choosing ``l1`` and ``l2`` by a cross-validated grid search), and
report accuracy, the confusion matrix and ``classification_report`` on the held-out part (with
``--task regression``: :class:`~l1l2_estimator.L1L2Regressor` on a standardized target, scored by
R², with penalties chosen for small noisy data). ``--save`` writes the fitted pipeline with
joblib; ``--plot DIR`` writes the confusion matrix (with ``--task regression``: the prediction
error), the loss curve and a regularization path (held-out accuracy or R², and feature
importances, refitted for a few ``l1`` values) as PNG files, which needs matplotlib (the ``plot``
extra).

Problems with the input (a missing file or column, an empty or non-numeric cell, a parameter the
estimator rejects, a network or data set too large for memory) are reported as one line,
``l1l2-estimator: error: <message>``, with exit code 2; Ctrl-C prints ``l1l2-estimator: error:
interrupted`` and exits with 130, and SIGTERM ``l1l2-estimator: error: terminated`` with 143,
having removed what the run had begun to write. A reader of the report that stops reading
(``l1l2-estimator ... | head``, also with ``2>&1``) does not stop the run: the rest of the report
(and of the notes on stderr) is dropped, and ``--save`` and ``--plot`` are still written.

Examples
--------
::

    python -m l1l2_estimator                          # simulated data, 2 classes
    python -m l1l2_estimator --classes 3 --grid       # choose l1 and l2 by 3-fold CV
    l1l2-estimator --csv iris.csv --target species --save model.joblib
    l1l2-estimator --csv diabetes.csv --target target --task regression --grid
    python -m l1l2_estimator --plot plots             # also write three PNG files to plots/
"""

import contextlib
import os
import signal
import sys
import threading

from ._parser import build_parser
from ._settings import PROG, UsageError

__all__ = ["main", "PROG", "UsageError"]


def main(argv=None):
    """Run the command line.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments without the program name; None reads ``sys.argv[1:]``.

    Returns
    -------
    exit_code : int
        0 on success, 2 for a usage or input error, 1 when this Python cannot run the package's
        TensorFlow code (Keras set to another backend), 130 when interrupted (Ctrl-C), 143 when
        terminated (SIGTERM, as ``kill`` and ``timeout`` send); errors print one line to stderr.
    """
    try:
        with _report_reader_may_leave() as report, _terminated_as_interrupted():
            code = _main(argv)
            # Flushed before the check: a report to a file or a full disk stays in the stream's
            # buffer, whose write fails only when it is flushed (it had exited 0, but where
            # PYTHONUNBUFFERED was set).
            report.flush()
            if code == 0 and report.failure is not None:
                # The run went on (--save and --plot are written); its report did not reach
                # stdout, which the exit code says.
                _error(f"could not write the report to stdout: {report.failure}")
                return 2
            return code
    except _Terminated:
        _error("terminated")
        return 143
    except KeyboardInterrupt:
        _error("interrupted")
        return 130


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C's KeyboardInterrupt is: the run stops as it stops for
    Ctrl-C, removing what it had begun to write."""


@contextlib.contextmanager
def _terminated_as_interrupted():
    """Run the block with SIGTERM raising ``_Terminated``, so that ``kill``, ``timeout`` or a
    job scheduler stops the run as Ctrl-C does (a half-written ``--save`` file and the
    ``--plot`` folder are removed; killed outright, they had stayed), where the process has
    Python's default handling of SIGTERM (a program that calls ``main`` with a handler of its
    own keeps it) and in the main thread (the only one Python lets set a handler)."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    def terminate(signum, frame):
        raise _Terminated

    signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _error(message):
    """Print the one line of an error to stderr (whose reader may have left, or which cannot be
    written: the exit code still says what happened)."""
    try:
        print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)
    except OSError:
        pass


def _main(argv):
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_request:  # --help or --version
        return exit_request.code
    except UsageError as error:
        _error(error)
        return 2
    try:
        # Imported here: --help, --version and a mistyped flag answer without scikit-learn.
        from ._job import prepare

        job = prepare(args)  # flags, folders, data: checked before TensorFlow is imported
        try:
            from ._run import run  # imports TensorFlow
        except ImportError as error:
            _error(" ".join(str(error).split()))  # TensorFlow's own can span lines
            return 1
        run(job)
    except Warning as warning:  # one that the user's filters (-W error) make an error
        text = " ".join(str(warning).split()).rstrip(".")
        _error(
            f"{type(warning).__name__}: {text} (a warning, which this Python's warning filters "
            "turn into an error)."
        )
        return 2
    # MemoryError: the estimator refuses a network too large for memory before allocating it;
    # NumPy fails to allocate data too large (an _ArrayMemoryError, with the array's shape).
    except (UsageError, ValueError, OSError, MemoryError) as error:
        # Messages from scikit-learn can span lines; the contract is one line.
        _error(" ".join(str(error).split()) or "out of memory")
        return 2
    return 0


@contextlib.contextmanager
def _report_reader_may_leave():
    """Run the block with stdout and stderr that outlive their reader: once a write or flush
    meets a broken pipe (``| head`` has read enough, ``2>&1 | head`` for stderr), the stream's
    file descriptor is pointed at os.devnull, as Python's documentation advises ("Note on
    SIGPIPE"), and the run goes on to write --save and --plot rather than stopping at the print
    that failed; so it does after any other failed write (a full disk), which the stdout
    stream yielded keeps as ``failure``. Text the stream's encoding lacks (``R²``, a class
    label in another script, under ``PYTHONIOENCODING=ascii``) is written escaped, as Python
    writes it to stderr (it had failed, after the fits)."""
    stdout, stderr = sys.stdout, sys.stderr
    # A stream that was closed when the process started (``>&-``) is None: its output goes to
    # os.devnull, as after a broken pipe (printing to None had failed with a traceback).
    with contextlib.ExitStack() as closed:
        sys.stdout, sys.stderr = (
            _ForgivingStream(
                stream if stream is not None else closed.enter_context(open(os.devnull, "w"))
            )
            for stream in (stdout, stderr)
        )
        try:
            yield sys.stdout
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            sys.stdout, sys.stderr = stdout, stderr


class _ForgivingStream:
    """``stream``, whose writes and flushes go to os.devnull once one failed (a broken pipe, a
    full disk: the error's text is kept as ``failure``, but for a broken pipe, whose reader
    chose to leave), and which escapes what its encoding cannot write."""

    def __init__(self, stream):
        self._stream = stream
        self.failure = None

    def write(self, text):
        try:
            try:
                return self._stream.write(text)
            except UnicodeEncodeError:
                encoding = getattr(self._stream, "encoding", None) or "ascii"
                escaped = text.encode(encoding, "backslashreplace").decode(encoding)
                return self._stream.write(escaped)
        except OSError as error:
            self._failed(error)
            return len(text)

    def flush(self):
        try:
            self._stream.flush()
        except OSError as error:
            self._failed(error)

    def _failed(self, error):
        if not isinstance(error, BrokenPipeError) and self.failure is None:
            self.failure = error.strerror or str(error)
        self._to_devnull()

    def _to_devnull(self):
        # The descriptor, not just this object: the stream's buffer is flushed again at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, self._stream.fileno())
        finally:
            os.close(devnull)

    def __getattr__(self, name):  # isatty, fileno, encoding...: the stream's own
        return getattr(self._stream, name)
