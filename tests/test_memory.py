"""Many fits in one process keep memory bounded (the grid-search pattern)."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

PROBE = """
import sys, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, sys.argv[1])
import bench_memory
readings, _ = bench_memory.run(fits=100, architectures=1, random_state=None)
print(readings[10], readings[100])
"""


DEFAULTS_PROBE = """
import resource, warnings
warnings.simplefilter("error")  # the defaults converge: no ConvergenceWarning either
from sklearn.datasets import load_breast_cancer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from l1l2_estimator import L1L2Classifier

def rss_mib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20

X, y = load_breast_cancer(return_X_y=True)
readings = {}
for fit in range(1, 101):
    make_pipeline(StandardScaler(), L1L2Classifier()).fit(X, y)
    readings[fit] = rss_mib()
print(readings[10], readings[100])
"""


def test_rss_growth_over_100_fits_with_every_default_stays_small():
    """The issue's measurement: 100 fits of L1L2Classifier() itself (random_state=None,
    hidden (100,), the default epochs and stopping rule) on breast_cancer."""
    done = subprocess.run(
        [sys.executable, "-c", DEFAULTS_PROBE], capture_output=True, text=True, check=True
    )
    after_10, after_100 = map(float, done.stdout.split())
    print(f"RSS after fit 10: {after_10:.1f} MiB, after fit 100: {after_100:.1f} MiB")
    assert after_100 - after_10 < 30


def test_rss_growth_over_100_default_seeded_fits_stays_small():
    """random_state=None draws a fresh seed per fit; seeds are graph inputs, so nothing is traced
    again and nothing piles up."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(BENCHMARKS)], capture_output=True, text=True, check=True
    )
    after_10, after_100 = map(float, done.stdout.split())
    print(f"RSS after fit 10: {after_10:.1f} MiB, after fit 100: {after_100:.1f} MiB")
    # Before seeds were graph inputs, every default-seeded fit retraced and kept ~3.6 MiB.
    assert after_100 - after_10 < 30


MODEL_PROBE = """
import resource, warnings
warnings.simplefilter("ignore")
import numpy as np
from l1l2_estimator import L1L2Classifier

def rss_mib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20

rng = np.random.RandomState(0)
X, y = rng.randn(50, 5), rng.randint(0, 2, 50)
clf = L1L2Classifier(hidden_layer_sizes=(4,), epochs=2, random_state=0)
readings = {}
for fit in range(1, 161):
    clf.fit(X, y)
    clf.model_(X[:2])
    readings[fit] = rss_mib()
print(readings[20], readings[160])
"""


def test_rss_growth_over_fits_that_each_build_model_stays_small():
    """Each model_ has a name of its own; built under it, every model kept about 0.4 MiB of
    TensorFlow's per-name state (53 MiB over 120 fits each followed by model_)."""
    done = subprocess.run(
        [sys.executable, "-c", MODEL_PROBE], capture_output=True, text=True, check=True
    )
    after_20, after_160 = map(float, done.stdout.split())
    print(f"RSS after fit 20: {after_20:.1f} MiB, after fit 160: {after_160:.1f} MiB")
    assert after_160 - after_20 < 20


RETRACE_PROBE = """
import sys, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, sys.argv[1])
import bench_memory
readings, _ = bench_memory.run(fits=40, architectures=40, samples=200)
print(readings[10], readings[40])
"""


def test_retracing_many_architectures_gives_the_evicted_traces_back():
    """Each trace's custom gradients stayed in TensorFlow's global registry, closing over the
    traced graph: 40 architectures grew the process by about 13-15 MiB each (30 fits: over
    400 MiB), the cache's evicted trainers notwithstanding."""
    done = subprocess.run(
        [sys.executable, "-c", RETRACE_PROBE, str(BENCHMARKS)],
        capture_output=True, text=True, check=True,
    )
    after_10, after_40 = map(float, done.stdout.split())
    print(f"RSS after fit 10: {after_10:.1f} MiB, after fit 40: {after_40:.1f} MiB")
    assert after_40 - after_10 < 250


def test_a_trace_leaves_no_custom_gradient_registered():
    import numpy as np

    from l1l2_estimator import L1L2Classifier, L1L2ClassifierCV
    from l1l2_estimator._compat import custom_gradient_names

    X = np.random.default_rng(0).normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int)
    L1L2Classifier(epochs=1, hidden_layer_sizes=(3,)).fit(X, y)
    before = {n for n in custom_gradient_names() if n.startswith("CustomGradient-")}
    for hidden in [(5,), (6, 2)]:  # new structures: each traces
        L1L2Classifier(epochs=1, hidden_layer_sizes=hidden).fit(X, y)
        L1L2ClassifierCV(epochs=1, hidden_layer_sizes=hidden, l1s=[0], l2s=[0], cv=2).fit(X, y)
    after = {n for n in custom_gradient_names() if n.startswith("CustomGradient-")}
    assert after <= before


GIB = 2**30


def _linux(tmp_path, monkeypatch, cgroup=None, groups=(), stats=()):
    """A /proc and /sys/fs/cgroup of our own: 1 GiB free, 5 GiB available, ``cgroup`` as
    /proc/self/cgroup (bytes: as written), ``groups`` as {folder: (limit file, limit, usage
    file, usage)} and ``stats`` as {folder: memory.stat's text}."""
    from l1l2_estimator import _memory

    proc, cgroups = tmp_path / "proc", tmp_path / "cgroup"
    (proc / "self").mkdir(parents=True)
    (proc / "meminfo").write_text(
        f"MemTotal: {16 * GIB // 1024} kB\nMemFree: {GIB // 1024} kB\n"
        f"MemAvailable: {5 * GIB // 1024} kB\n"
    )
    if cgroup is not None:
        (proc / "self" / "cgroup").write_bytes(
            cgroup if isinstance(cgroup, bytes) else cgroup.encode()
        )
    for folder, (limit_file, limit, usage_file, usage) in dict(groups).items():
        (cgroups / folder).mkdir(parents=True, exist_ok=True)
        (cgroups / folder / limit_file).write_text(f"{limit}\n")
        (cgroups / folder / usage_file).write_text(f"{usage}\n")
    for folder, text in dict(stats).items():
        (cgroups / folder / "memory.stat").write_text(text)
    monkeypatch.setattr(_memory, "PROC", proc)
    monkeypatch.setattr(_memory, "CGROUPS", cgroups)
    return _memory.available_memory


def test_memory_available_counts_the_reclaimable_cache(tmp_path, monkeypatch):
    """The free pages alone (1 GiB here) had been counted: fits that the cache's memory would
    take were refused."""
    assert _linux(tmp_path, monkeypatch)() == 5 * GIB


def test_memory_available_stays_within_a_cgroup_v2_limit(tmp_path, monkeypatch):
    available = _linux(tmp_path, monkeypatch, "0::/user.slice/app.scope\n", {
        "user.slice": ("memory.max", "max", "memory.current", 3 * GIB),
        "user.slice/app.scope": ("memory.max", 2 * GIB, "memory.current", GIB // 2),
    })
    assert available() == 3 * GIB // 2


def test_memory_available_stays_within_a_containers_cgroup_v1_limit(tmp_path, monkeypatch):
    """The container sees its own group as the memory hierarchy's root, under another name."""
    available = _linux(tmp_path, monkeypatch, "5:cpu:/\n4:memory:/docker/abc\n0::/\n", {
        "memory": ("memory.limit_in_bytes", 3 * GIB, "memory.usage_in_bytes", GIB),
    })
    assert available() == 2 * GIB


def test_memory_available_ignores_cgroup_v1s_no_limit(tmp_path, monkeypatch):
    available = _linux(tmp_path, monkeypatch, "4:memory:/\n", {
        "memory": ("memory.limit_in_bytes", 9223372036854771712, "memory.usage_in_bytes", GIB),
    })
    assert available() == 5 * GIB


def test_memory_check_refuses_by_the_containers_room(tmp_path, monkeypatch):
    from l1l2_estimator._memory import check_training_memory

    _linux(tmp_path, monkeypatch, "0::/\n", {"": ("memory.max", GIB, "memory.current", 0)})
    with pytest.raises(MemoryError, match=r"needs about 2\.3 GiB to train, but 1\.0 GiB"):
        check_training_memory("L1L2Classifier", (4, 2**22, 5), 1)


@pytest.mark.parametrize("version", ["v2", "v1"])
def test_a_cgroups_reclaimable_cache_counts_as_room(tmp_path, monkeypatch, version):
    """A group's use counts the file cache (a container fills it by reading its data): counted
    as used, a full group had left 0 bytes of room, and every fit was refused."""
    folder, files, counter = {
        "v2": ("", ("memory.max", "memory.current"), "inactive_file"),
        "v1": ("memory", ("memory.limit_in_bytes", "memory.usage_in_bytes"),
               "total_inactive_file"),
    }[version]
    available = _linux(
        tmp_path, monkeypatch, "0::/\n" if version == "v2" else "4:memory:/\n",
        {folder: (files[0], 4 * GIB, files[1], 4 * GIB)},
        {folder: f"anon {GIB}\n{counter} {3 * GIB}\nactive_file 0\n"},
    )
    assert available() == 3 * GIB


@pytest.mark.parametrize(
    "cgroup", [b"4:memory:/\n\n0::/\n", b"garbage\n", b"0::/caf\xe9\n", b"0::/../../x\n"]
)
def test_odd_cgroup_files_leave_the_machine_wide_figure(tmp_path, monkeypatch, cgroup):
    """A blank line had raised ValueError (and so had every fit), a path that is not UTF-8 a
    UnicodeDecodeError."""
    assert _linux(tmp_path, monkeypatch, cgroup)() == 5 * GIB


def test_memory_in_a_message_is_in_mib_below_a_gib(tmp_path, monkeypatch):
    from l1l2_estimator._memory import check_training_memory

    _linux(tmp_path, monkeypatch, "0::/\n", {"": ("memory.max", 80 * 2**20, "memory.current", 0)})
    with pytest.raises(MemoryError, match=r"needs about 263 MiB to train, but 80 MiB of memory"):
        check_training_memory("L1L2Classifier", (4, 2**18 * 3 // 2 + 2**16, 5), 1)


def test_the_memory_advice_names_the_classes_where_the_output_layer_is_the_widest(
    tmp_path, monkeypatch
):
    """With 100,000 classes the output layer is what takes the memory: the advice named the
    hidden layers and the features alone."""
    from l1l2_estimator._memory import check_training_memory

    _linux(tmp_path, monkeypatch, "0::/\n", {"": ("memory.max", 80 * 2**20, "memory.current", 0)})
    with pytest.raises(MemoryError, match=r"Use smaller hidden_layer_sizes \(or fewer features, "
                       r"or fewer classes or outputs: the output layer is the widest\)\.$"):
        check_training_memory("L1L2Classifier", (10, 64, 100_000), 1)
    with pytest.raises(MemoryError, match=r"\(or fewer features\)\.$"):
        check_training_memory("L1L2Classifier", (10, 2**20, 5), 1)

