"""Every script in examples/ runs to the end and prints what it promises, so none can rot."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = (
    "seed_recipe.py",
    "grid_search_lambdas.py",
    "cross_validated.py",
    "pipeline_pickle.py",
    "plots.py",
)
PLOT_FILES = ("confusion_matrix.png", "loss_curve.png", "regularization_path.png")


@pytest.fixture(scope="module")
def plot_folder(tmp_path_factory):
    """Where examples/plots.py writes, instead of ./plots in the repository."""
    return tmp_path_factory.mktemp("example-plots") / "plots"


@pytest.fixture(scope="module")
def outputs(plot_folder):
    """``{script: CompletedProcess}``; the scripts run side by side, as each spends seconds
    importing TensorFlow on one core."""
    # Importing l1l2_estimator in this process set TF_CPP_MIN_LOG_LEVEL; a child would take it for
    # the user's own choice and show TensorFlow's start-up lines. Run them as from a clean shell.
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    arguments = {"plots.py": [str(plot_folder)]}
    running = {
        name: subprocess.Popen(
            [sys.executable, str(EXAMPLES / name), *arguments.get(name, [])],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=EXAMPLES.parent,
        )
        for name in SCRIPTS
    }
    done = {}
    try:
        for name, process in running.items():
            stdout, stderr = process.communicate(timeout=300)
            done[name] = subprocess.CompletedProcess(
                process.args, process.returncode, stdout, stderr
            )
    finally:
        for process in running.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    return done


def output_of(outputs, name):
    done = outputs[name]
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    # The examples train with the defaults until the loss settles: no ConvergenceWarning (or any
    # other warning) to silence.
    assert "Warning" not in done.stderr, done.stderr
    return done.stdout


def number_after(label, out):
    return float(re.search(rf"{label}: ([0-9.]+)", out).group(1))


def test_every_example_is_tested():
    assert {path.name for path in EXAMPLES.glob("*.py")} == set(SCRIPTS)


def test_seed_recipe(outputs):
    out = output_of(outputs, "seed_recipe.py")
    assert "750 training samples, 250 test samples" in out
    assert "Confusion matrix (rows: true class, columns: predicted class):" in out
    assert number_after("Accuracy", out) > 0.8


def test_grid_search_lambdas(outputs):
    out = output_of(outputs, "grid_search_lambdas.py")
    assert re.search(r"Best parameters: \{'hidden_layer_sizes': .+, 'l1': .+, 'l2': .+\}", out)
    assert number_after("Held-out accuracy of the refit best pipeline", out) > 0.7
    table = out.split("All candidates, best first:\n")[1].splitlines()
    assert table[0].split() == ["rank", "l1", "l2", "hidden", "mean", "std"]
    assert len(table) == 1 + 8  # header + 2 x 2 x 2 candidates
    assert table[1].split()[0] == "1"


def test_cross_validated(outputs):
    out = output_of(outputs, "cross_validated.py")
    assert re.search(r"Best pair: l1=[0-9.e-]+, l2=[0-9.e-]+", out)
    assert number_after("Held-out accuracy of the refit network", out) > 0.9
    table = out.split("All pairs, best first:\n")[1].split("\n\n")[0].splitlines()
    assert table[0].split()[:3] == ["rank_test_score", "param_l1", "param_l2"]
    assert len(table) == 1 + 6  # header + 3 x 2 pairs
    assert "GridSearchCV over L1L2Classifier gives identical mean scores: True" in out
    assert "Same best pair: True" in out


def test_pipeline_pickle(outputs):
    out = output_of(outputs, "pipeline_pickle.py")
    for source in ("joblib", "pickle"):
        assert (
            f"Loaded from {source} in a new process: identical labels: True, "
            "identical probabilities: True"
        ) in out


def test_plots(outputs, plot_folder):
    out = output_of(outputs, "plots.py")
    assert number_after(r"Held-out accuracy \(l1=1e-4\)", out) > 0.8
    rows = out.split("Regularization path:\n")[1].split("\n\n")[0].splitlines()[1:]
    l1_values, accuracies, totals, in_use = np.array([row.split() for row in rows], float).T
    assert len(rows) == 7 and l1_values[0] == 0 and np.all(np.diff(l1_values) > 0)
    assert accuracies[0] > 0.8
    # The strongest l1 shrinks the weights and switches some features off entirely.
    assert totals[-1] < 0.5 * totals[0]
    assert in_use[0] == 12 and in_use[-1] < 12
    # The informative features (x0 to x3) keep more importance than any noise feature.
    kept = re.search(r"informative features x0 to x3 keep importances of ([\d.]+) to ([\d.]+); "
                     r"(\d) of the 8 noise features are exactly zero, the largest noise "
                     r"importance is ([\d.]+)", out)
    assert kept and float(kept[1]) > 10 * float(kept[4]) and int(kept[3]) == 12 - in_use[-1]
    for name in PLOT_FILES:
        assert f"Wrote {plot_folder / name}" in out
        data = (plot_folder / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_the_plots_example_without_matplotlib_says_so_before_fitting(tmp_path):
    """It had fitted and printed for seconds, then failed at save_plots."""
    blocked = (
        "import runpy, sys; sys.modules['matplotlib'] = None; sys.argv = [sys.argv[1], "
        "sys.argv[2]]; runpy.run_path(sys.argv[0], run_name='__main__')"
    )
    result = subprocess.run(
        [sys.executable, "-c", blocked, str(EXAMPLES / "plots.py"), str(tmp_path / "plots")],
        capture_output=True, text=True, timeout=300, cwd=EXAMPLES.parent,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'This example draws pictures: pip install "l1l2-estimator[plot]"'
    )
    assert result.stdout == "" and not (tmp_path / "plots").exists()
