"""GridSearchCV on a dask.distributed cluster of worker processes, through joblib's dask backend:
the same scores as ``n_jobs=1``, even when a worker process is killed in the middle of a search."""

import asyncio
import os
import re
import signal
import threading
from collections import Counter

import joblib
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV

from l1l2_estimator import L1L2Classifier

distributed = pytest.importorskip("distributed")
import dask  # noqa: E402  (installed with distributed)
from distributed.diagnostics.plugin import SchedulerPlugin  # noqa: E402

# 2 x 2 grid, 2 folds: 8 short fits. The learning rate is high enough for the four candidates to
# reach different scores, so equal scores mean equal fits.
ESTIMATOR = dict(hidden_layer_sizes=(8,), epochs=10, learning_rate=0.05, random_state=0)
GRID = {"l1": [0.0, 1e-2], "l2": [0.0, 1e-1]}
N_FITS = 2 * 2 * 2
SEARCH_TIMEOUT = 120  # seconds; a search takes a few seconds on 2 cores
STARTUP_TIMEOUT = 90  # each worker process imports TensorFlow before it joins


def _search():
    return GridSearchCV(L1L2Classifier(**ESTIMATOR), GRID, cv=2, refit=False)


def _assert_same_scores(search, reference):
    assert search.cv_results_["params"] == reference.cv_results_["params"]
    for name in ("split0_test_score", "split1_test_score", "mean_test_score", "std_test_score"):
        np.testing.assert_array_equal(search.cv_results_[name], reference.cv_results_[name], name)
    np.testing.assert_array_equal(
        search.cv_results_["rank_test_score"], reference.cv_results_["rank_test_score"]
    )


def _fit_on_cluster(search, X, y, **backend_options):
    """Start fitting ``search`` with joblib's dask backend in a background thread; ``result()``
    fails the test if the search takes longer than SEARCH_TIMEOUT seconds."""
    thread = _SearchThread(search, X, y, backend_options)
    thread.start()
    return thread


class _SearchThread(threading.Thread):
    def __init__(self, search, X, y, backend_options):
        super().__init__(daemon=True)
        self.search, self.X, self.y = search, X, y
        self.backend_options = backend_options
        self.error = None

    def run(self):
        try:
            # joblib's backend setting is thread-local, so it is made in the thread that fits.
            with joblib.parallel_backend("dask", **self.backend_options):
                self.search.fit(self.X, self.y)
        except BaseException as error:  # re-raised in the test's thread by result()
            self.error = error

    def result(self):
        self.join(SEARCH_TIMEOUT)
        assert not self.is_alive(), f"the search did not finish within {SEARCH_TIMEOUT} s"
        if self.error is not None:
            raise self.error
        return self.search


class _TaskLog(SchedulerPlugin):
    """Scheduler-side record of the search's tasks; its hooks run on the scheduler's event loop.

    joblib names each task ``[mixed_]batch_of__fit_and_score_<n>_calls-<uuid>``. Given worker
    PIDs, the log kills a worker with SIGKILL when the scheduler hands it the first task submitted
    after some fit has finished: the kill comes before the task reaches the worker, so the search
    is certainly mid-way and that task certainly has to run again elsewhere.
    """

    name = "l1l2-task-log"

    def __init__(self, scheduler):
        self.scheduler = scheduler
        self.fits_done = 0
        self.times_started = Counter()
        self.pids_to_kill_from = None
        self.victim = None
        self.fits_done_at_kill = None
        self.killed = threading.Event()
        self.removed_workers = []

    def transition(self, key, start, finish, *args, **kwargs):
        calls = re.search(r"batch_of__fit_and_score_(\d+)_calls", str(key))
        if calls is None:
            return
        if finish == "processing":
            self.times_started[key] += 1
            if self.pids_to_kill_from and self.fits_done and self.victim is None:
                self.victim = self.scheduler.tasks[key].processing_on.address
                os.kill(self.pids_to_kill_from[self.victim], signal.SIGKILL)
                self.fits_done_at_kill = self.fits_done
                self.killed.set()
        elif finish == "memory":
            self.fits_done += int(calls.group(1))

    def remove_worker(self, scheduler, worker, **kwargs):
        self.removed_workers.append(worker)


@pytest.fixture(scope="module")
def search_data():
    X, y = make_classification(n_samples=200, n_features=8, n_informative=4, random_state=0)
    return X, y


@pytest.fixture(scope="module")
def serial_search(search_data):
    return _search().set_params(n_jobs=1).fit(*search_data)


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes on 127.0.0.1; each imports l1l2_estimator (and so
    TensorFlow) when it starts, restarts included, rather than in its first task."""
    # LocalCluster closes the nanny of a lost worker whose replacement has not joined within
    # lost-worker-timeout (15 s); a process importing TensorFlow on a busy machine can take longer.
    # The Active Memory Manager, on by default, drops all but one replica of a key every 2 s
    # (ReduceReplicas), undoing the search's broadcast of X and y: had it run before the kill, the
    # victim could hold their only copy and the search would fail with "lost scattered data".
    config = {
        "distributed.deploy.lost-worker-timeout": f"{STARTUP_TIMEOUT}s",
        "distributed.scheduler.active-memory-manager.start": False,
    }
    with dask.config.set(config):
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",  # None would still serve HTTP on port 8787
            preload=["l1l2_estimator.classifier"],
            death_timeout=STARTUP_TIMEOUT,
        )
        try:
            yield cluster
        finally:
            _close_quickly(cluster)


def _close_quickly(cluster):
    """Close the cluster, giving each worker process 1 s to exit before it is killed.

    A process that imported TensorFlow takes seconds to finalize; the default grace is 4 s."""

    async def close_workers():
        await asyncio.gather(*(worker.close(timeout=1.25) for worker in cluster.workers.values()))

    try:
        cluster.sync(close_workers, callback_timeout=30)
    finally:
        cluster.close(timeout=30)


@pytest.fixture
def client(cluster):
    with distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=STARTUP_TIMEOUT)
        yield client


@pytest.fixture
def task_log(cluster, client):
    log = _TaskLog(cluster.scheduler)
    _on_scheduler_loop(cluster, cluster.scheduler.add_plugin, log)
    yield log
    _on_scheduler_loop(cluster, cluster.scheduler.remove_plugin, log.name)


def _on_scheduler_loop(cluster, function, *args):
    """Call ``function`` on the event loop of the scheduler, which reads its plugins there."""

    async def call():
        function(*args)

    cluster.sync(call)


def test_grid_search_on_dask_workers_scores_like_n_jobs_1(
    search_data, serial_search, client, task_log
):
    assert len(np.unique(serial_search.cv_results_["mean_test_score"])) > 1  # a telling grid
    search = _fit_on_cluster(_search(), *search_data).result()
    assert task_log.fits_done == N_FITS  # every fit ran on the workers, none in this process
    _assert_same_scores(search, serial_search)


def test_grid_search_survives_a_killed_worker(search_data, serial_search, client, task_log):
    X, y = search_data
    pids = client.run(os.getpid)
    task_log.pids_to_kill_from = pids
    # Without scatter=, joblib sends each argument over 1 kB to one worker only, and a search whose
    # worker dies before another has fetched such an argument is cancelled. Broadcast data stays.
    thread = _fit_on_cluster(_search(), X, y, scatter=[X, y])
    assert task_log.killed.wait(SEARCH_TIMEOUT), "no task was submitted after a fit finished"
    assert 0 < task_log.fits_done_at_kill < N_FITS

    search = thread.result()
    _assert_same_scores(search, serial_search)
    assert task_log.removed_workers == [task_log.victim]
    assert max(task_log.times_started.values()) > 1  # dask ran the lost work again
    assert task_log.fits_done >= N_FITS

    # The nanny starts a new worker process in place of the killed one.
    client.wait_for_workers(2, timeout=STARTUP_TIMEOUT)
    new_pids = client.run(os.getpid)
    assert len(new_pids) == 2
    assert pids[task_log.victim] not in new_pids.values()
