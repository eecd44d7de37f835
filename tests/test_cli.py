"""The command line, ``python -m l1l2_estimator``: the report it prints and how it fails."""

import bz2
import codecs
import gzip
import os
import re
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning

from l1l2_estimator import L1L2Classifier, L1L2Regressor, _files, _training, cli
from l1l2_estimator.cli import _data, _parser, _run, _settings

# Small and quick; the model is weak, which is fine: these tests check the report, not the fit.
FAST = ["--samples", "120", "--epochs", "20", "--hidden", "8"]


def run_cli(capsys, *args):
    code = cli.main([*args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def confusion_rows(out):
    """The body of the printed confusion matrix: {true label: [counts by predicted label]}."""
    lines = out.splitlines()
    start = lines.index("Confusion matrix (rows: true class, columns: predicted class):")
    header = lines[start + 1].split()
    rows = {}
    for line in lines[start + 2 :]:
        if not line.strip():
            break
        label, *counts = line.split()
        rows[label] = [int(count) for count in counts]
    return header, rows


def test_default_run_prints_split_accuracy_matrix_and_report(capsys):
    code, out, err = run_cli(capsys, *FAST)
    assert code == 0
    assert "Data: simulated by make_classification (120 samples, 20 features, 2 classes" in out
    assert "Split: 90 training samples, 30 test samples" in out
    assert "Test accuracy: " in out
    header, rows = confusion_rows(out)
    assert header[-2:] == ["0", "1"]  # predicted labels as column headers
    assert list(rows) == ["0", "1"]  # true labels as row headers
    assert sum(map(sum, rows.values())) == 30
    assert [sum(counts) for counts in rows.values()] == [15, 15]  # stratified: true counts
    assert "precision    recall  f1-score   support" in out
    assert "Traceback" not in err


@pytest.mark.filterwarnings("default::sklearn.exceptions.ConvergenceWarning")  # not ignored
def test_running_out_of_epochs_is_one_short_line(capsys):
    code, _, err = run_cli(capsys, *FAST)
    assert code == 0
    assert err.count("\n") <= 1
    if err:
        assert err == "l1l2-estimator: note: 1 fit stopped at --epochs 20 before converging\n"


def test_three_classes(capsys):
    code, out, _ = run_cli(capsys, *FAST, "--classes", "3", "--samples", "150")
    assert code == 0
    assert "3 classes" in out
    header, rows = confusion_rows(out)
    assert header[-3:] == ["0", "1", "2"]
    assert list(rows) == ["0", "1", "2"]
    assert all(len(counts) == 3 for counts in rows.values())


def write_csv(path, n_rows=90, bad_cell=None):
    rng = np.random.default_rng(0)
    species = np.array(["setosa", "versicolor", "virginica"])
    lines = ["sepal length,sepal width,species"]
    for row in range(n_rows):
        label = row % 3
        length, width = rng.normal(loc=(2.0 * label, -label), scale=0.5)
        lines.append(f"{length:.3f},{width:.3f},{species[label]}")
    if bad_cell is not None:
        lines[5] = f"1.0,{bad_cell},setosa"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_csv_with_string_target(capsys, tmp_path):
    path = write_csv(tmp_path / "flowers.csv")
    code, out, err = run_cli(capsys, "--csv", str(path), "--target", "species", "--epochs", "20")
    assert code == 0, err
    assert f"Data: {path} (90 rows, 2 feature columns, target 'species' with 3 classes)" in out
    header, rows = confusion_rows(out)
    assert header[-3:] == ["setosa", "versicolor", "virginica"]
    assert list(rows) == ["setosa", "versicolor", "virginica"]
    assert "virginica" in out.split("Classification report:")[1]


def test_csv_reading_details(tmp_path):
    # A byte-order mark and a blank last line, as spreadsheet programs write them; integer labels
    # are read as integers so that 10 sorts after 9.
    path = tmp_path / "data.csv"
    path.write_text("\ufeffx, label\n0.5, 10\n1.5, 9\n\n", encoding="utf-8")
    X, y, _ = _data.read_csv(str(path), "label")
    np.testing.assert_array_equal(X, [[0.5], [1.5]])
    np.testing.assert_array_equal(y, [10, 9])
    assert y.dtype.kind == "i"

    # A column of True and False, as pandas writes booleans, is read as 1 and 0 (a feature, or a
    # regression target).
    path.write_text("x,flag,label\n0.5,True,a\n1.5,false,b\n2.5,FALSE,a\n")
    X, y, _ = _data.read_csv(str(path), "label")
    np.testing.assert_array_equal(np.asarray(X, dtype=float), [[0.5, 1], [1.5, 0], [2.5, 0]])
    _, y, _ = _data.read_csv(str(path), "flag", numeric_target=True, drop=["label"])
    np.testing.assert_array_equal(y, [1.0, 0.0, 0.0])

    path.write_text("x,label\n0.5,a\n1.5\n")
    with pytest.raises(cli.UsageError, match="line 3: expected 2 fields as in the header, got 1"):
        _data.read_csv(str(path), "label")

    # Names as written, spaces included, as pandas.read_csv names the columns (so a saved
    # pipeline accepts its DataFrame); --target may leave the spaces out.
    path.write_text("width ,  height,label\n1,2,a\n3,4,b\n")
    X, _, _ = _data.read_csv(str(path), "label")
    assert X.columns.tolist() == ["width ", "  height"]
    assert X.columns.tolist() == pd.read_csv(path).drop(columns="label").columns.tolist()

    # Quoted names after a space: --target names it as pandas reads it with skipinitialspace
    # (it was refused as "not a column"); the columns keep the names plain read_csv gives.
    path.write_text('"x", "y", "label"\n1, 2, a\n3, 4, b\n')
    X, y, _ = _data.read_csv(str(path), "label")
    assert X.columns.tolist() == pd.read_csv(path).columns.tolist()[:2]
    assert y.tolist() == ["a", "b"]


def test_csv_columns_keep_their_names_through_fit_save_and_plot(capsys, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "flowers.csv")
    saved = tmp_path / "model.joblib"
    drawn = {}

    def record_plots(model, X_train, y_train, X_test, y_test, folder, *, path):
        drawn["feature_names"] = path.feature_names.tolist()
        return {}

    monkeypatch.setattr(_run.plots, "save_plots", record_plots)
    code, out, err = run_cli(
        capsys, "--csv", str(path), "--target", "species", "--epochs", "20", "--hidden", "8",
        "--save", str(saved), "--plot", str(tmp_path / "plots"),
    )
    assert code == 0, err
    assert drawn["feature_names"] == ["sepal length", "sepal width"]  # not x0, x1
    model = joblib.load(saved)
    assert model.feature_names_in_.tolist() == ["sepal length", "sepal width"]
    frame = pd.read_csv(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X does not have valid feature names" warning
        predicted = model.predict(frame.drop(columns="species"))
    assert set(predicted) <= {"setosa", "versicolor", "virginica"}
    assert "np.str_" not in out + err


def test_csv_separators(tmp_path):
    rows = ["x;label", "0.5;a", "1.5;b"]
    path = tmp_path / "semicolons.csv"
    path.write_text("\n".join(rows) + "\n")
    X, y, _ = _data.read_csv(str(path), "label", sep=";")
    assert list(X.columns) == ["x"]
    np.testing.assert_array_equal(X["x"], [0.5, 1.5])
    assert y.tolist() == ["a", "b"]
    tabs = tmp_path / "tabs.tsv"
    tabs.write_text("x\tlabel\n0.5\ta\n1.5\tb\n")
    assert _parser.build_parser().parse_args(["--sep", "tab"]).sep == "\t"
    X, y, _ = _data.read_csv(str(tabs), "label", sep="\t")
    assert X.shape == (2, 1) and y.tolist() == ["a", "b"]


def test_a_separator_pandas_cannot_read_is_a_usage_error(capsys):
    """pandas' reader takes a one-byte separator: "é" had failed after the file was read, in
    pandas' words about its engines."""
    code, _, err = run_cli(capsys, "--csv", "x.csv", "--target", "y", "--sep", "é")
    assert code == 2
    assert err == ("l1l2-estimator: error: argument --sep: expected one ASCII character such "
                   "as ';' or the word tab, got 'é'\n")


def test_whole_number_test_size_is_a_row_count(capsys):
    code, out, err = run_cli(capsys, *FAST, "--test-size", "2")
    assert code == 0, err
    assert "Split: 118 training samples, 2 test samples (stratified, test size 2, seed 0)" in out
    assert "Got 2.0" not in out + err
    code, _, err = run_cli(capsys, *FAST, "--test-size", "2.0")
    assert code == 2
    assert "expected a fraction in (0, 1) or a whole number of rows >= 1, got '2.0'" in err


def test_grid_prints_best_pair_and_a_row_per_pair(capsys, monkeypatch):
    # A 2 x 2 grid with 2 folds: the same code path as the 3 x 3, 3-fold default, in a third of
    # the fits.
    monkeypatch.setitem(_settings.GRIDS, "classification", {"l1": (0.0, 1e-3), "l2": (0.0, 1e-3)})
    monkeypatch.setattr(_run, "CV_FOLDS", 2)
    code, out, err = run_cli(capsys, *FAST, "--grid")
    assert code == 0
    assert "Grid search: 4 (l1, l2) pairs, 2-fold cross-validation" in out
    best_line = next(line for line in out.splitlines() if line.startswith("Best: "))
    assert best_line.startswith("Best: l1=") and ", l2=" in best_line
    table = out.split("l1       l2    mean     std  rank\n")[1].split("\n\n")[0].splitlines()
    assert [tuple(row.split()[:2]) for row in table] == [
        ("0", "0"),
        ("0", "0.001"),
        ("0.001", "0"),
        ("0.001", "0.001"),
    ]
    assert sum("<- best" in row for row in table) == 1  # the refit pair, also among ties
    best_l1, best_l2 = (part.split("=")[1] for part in best_line[6:].split(" (")[0].split(", "))
    assert f"l1={best_l1}, l2={best_l2}" in out.split("Model: ")[1]  # the refit best model
    # Nine fits (4 pairs x 2 folds + refit), at most one line about running out of epochs.
    assert err.count("\n") <= 1


def test_save_writes_a_pipeline_that_loads_and_predicts(capsys, tmp_path):
    path = tmp_path / "model.joblib"
    code, out, _ = run_cli(capsys, *FAST, "--save", str(path))
    assert code == 0
    assert f"Saved the fitted pipeline to {path}" in out
    model = joblib.load(path)
    X = np.random.default_rng(0).normal(size=(5, 20))
    assert set(model.predict(X)) <= {0, 1}
    assert model.steps[0][0] == "standardscaler"


def test_drop_and_decimal_read_a_european_spreadsheets_export(capsys, tmp_path):
    """A file of ';' separators and decimal commas, with an ID column: --decimal ',' reads the
    numbers, --drop leaves the ID out of the features (it had to be deleted from the file)."""
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(40, 2))
    labels = (rows[:, 0] > 0).astype(int)
    lines = ["id;Länge;Breite;label"] + [
        f"{i};{a:.3f};{b:.3f};{label}".replace(".", ",")
        for i, ((a, b), label) in enumerate(zip(rows, labels))
    ]
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    saved = tmp_path / "model.joblib"
    code, out, _ = run_cli(
        capsys, "--csv", str(path), "--target", "label", "--sep", ";", "--decimal", ",",
        "--drop", "id", "--epochs", "3", "--hidden", "4", "--save", str(saved),
    )
    assert code == 0
    assert "(40 rows, 2 feature columns (id left out), target 'label' with 2 classes)" in out
    model = joblib.load(saved)
    assert list(model.feature_names_in_) == ["Länge", "Breite"]
    frame = pd.read_csv(path, sep=";", decimal=",").drop(columns=["id", "label"])
    assert frame.dtypes.tolist() == [np.float64, np.float64]
    assert set(model.predict(frame)) <= {0, 1}


def test_many_whole_number_classes_get_a_note_that_the_target_may_be_a_quantity(
    capsys, tmp_path
):
    """A count fitted as 16 classes had scored an accuracy of 0.26 (R² 0.91 with --task
    regression) without a word; ten classes, as digits have, get none."""
    rng = np.random.default_rng(0)
    for classes, noted in ((16, True), (10, False)):
        path = tmp_path / f"counts{classes}.csv"
        rows = [f"{rng.normal():.3f},{count}" for count in range(classes) for _ in range(4)]
        path.write_text("a,items\n" + "\n".join(rows) + "\n")
        code, _, err = run_cli(capsys, "--csv", str(path), "--target", "items", "--epochs", "1",
                               "--hidden", "4", "--test-size", str(classes))
        note = (f"l1l2-estimator: note: target 'items' holds {classes} whole-number classes; if "
                "it is a quantity rather than a class, pass --task regression\n")
        assert code == 0 and (note in err) == noted


def test_csv_dash_reads_standard_input(capsys, monkeypatch, tmp_path):
    """`--csv -` had been "No such file" (`--csv /dev/stdin` worked)."""
    import io
    import sys

    path = write_csv(tmp_path / "flowers.csv")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes())))
    code, out, _ = run_cli(capsys, "--csv", "-", "--target", "species", "--epochs", "2",
                           "--hidden", "4")
    from_file = run_cli(capsys, "--csv", str(path), "--target", "species", "--epochs", "2",
                        "--hidden", "4")[1]
    assert code == 0 and out.startswith("Data: standard input (")
    assert out.split("\n", 1)[1] == from_file.split("\n", 1)[1]
    assert not sys.stdin.closed  # left open for whoever reads it next
    # Standard input redirected from the file --save names: refused, as for --csv that file.
    fstat = os.fstat
    with open(path, "rb") as redirected:
        monkeypatch.setattr(os, "fstat", lambda fd: fstat(redirected.fileno() if fd == 0 else fd))
        code, _, err = run_cli(capsys, "--csv", "-", "--target", "species", "--save", str(path))
        monkeypatch.setattr(os, "fstat", fstat)
    assert code == 2 and "is the --csv file the data comes from" in err


def test_verbose_prints_a_line_per_epoch_when_not_a_terminal(capsys):
    code, out, _ = run_cli(capsys, *FAST, "--epochs", "2", "--verbose")
    assert code == 0
    assert "Iteration 1, loss = " in out and "Iteration 2, loss = " in out
    assert "\x1b" not in out and "\r" not in out


def test_verbose_shows_the_keras_progress_bar_on_a_terminal(capsys, monkeypatch):
    monkeypatch.setattr(_training, "_interactive_output", lambda: True)
    code, out, _ = run_cli(capsys, *FAST, "--epochs", "2", "--verbose")
    assert code == 0
    assert "Epoch 1/2" in out and "Iteration 1" not in out


def test_grid_table_marks_only_the_refit_pair_among_ties():
    """Every pair tied at rank 1 was marked "<- best", though only one is refit."""
    from types import SimpleNamespace

    from l1l2_estimator.cli._reports import format_grid_results

    pairs = [{"l1": l1, "l2": 0.0} for l1 in (0.0, 1e-3, 1e-2)]
    search = SimpleNamespace(
        cv_results_={"params": pairs, "mean_test_score": np.array([0.9, 0.9, 0.8]),
                     "std_test_score": np.zeros(3), "rank_test_score": np.array([1, 1, 3])},
        best_params_=pairs[0], best_index_=0, best_score_=0.9, n_splits_=2,
    )
    rows = format_grid_results(search).splitlines()[-3:]
    assert [row.endswith("<- best") for row in rows] == [True, False, False]


def test_grid_verbose_on_iris_reports_the_search_and_the_refit(capsys, tmp_path):
    """--grid --verbose once printed 11,237 lines on iris: the search reports itself in a few
    lines (its size, its architecture's members, the chosen pair), as L1L2ClassifierCV's
    verbose=1 does; the refit of the chosen pair prints a line per epoch."""
    path = tmp_path / "iris.csv"
    iris = load_iris(as_frame=True)
    iris.frame.to_csv(path, index=False)
    code, out, _ = run_cli(
        capsys, "--csv", str(path), "--target", "target", "--grid", "--verbose", "--epochs", "60"
    )
    assert code == 0
    iterations = [line for line in out.splitlines() if line.startswith("Iteration ")]
    assert 1 <= len(iterations) <= 60
    search = [line for line in out.splitlines() if line.startswith("[L1L2ClassifierCV] ")]
    assert "Fitting 3 folds for each of 9 candidates, totalling 27 fits" in out.splitlines()
    assert search[0].startswith("[L1L2ClassifierCV] hidden_layer_sizes=(64, 32): 27 fits in ")
    assert search[1].startswith("[L1L2ClassifierCV] best: l1=")
    assert len(search) == 2  # refit=False: the command line refits the pipeline itself
    assert len(out.splitlines()) < 120
    assert "\x1b" not in out


ERROR_CASES = {
    "hidden 0": (["--hidden", "0"], "argument --hidden: expected comma-separated positive"),
    "negative l1": (["--l1", "-1"], "argument --l1: expected a number from 0 to float32's "
                    "largest, 3.403e+38, got '-1'"),
    "nan l2": (["--l2", "nan"], "argument --l2: expected a number from 0 to float32's"),
    # It passed the parser, and the estimator refused it after TensorFlow's import.
    "l2 beyond float32": (["--l2", "1e39"], "argument --l2: expected a number from 0 to float32's"),
    "epochs 0": (["--epochs", "0"], "argument --epochs: expected a whole number >= 1, got '0'"),
    "test size 1.5": (
        ["--test-size", "1.5"], "argument --test-size: expected a fraction in (0, 1)"
    ),
    "test size 0": (
        ["--test-size", "0"],
        "argument --test-size: expected a fraction in (0, 1) or a whole number of rows >= 1, "
        "got '0'",
    ),
    "test size all rows": (
        ["--test-size", "40", "--samples", "40"],
        "--test-size 40 leaves no training rows of the 40 there are",
    ),
    "simulated class of one row": (
        ["--samples", "5", "--classes", "4"],
        "class 1 has a single row of the --samples 5 shared by 4 classes; the stratified split "
        "needs at least 2 rows of every class",
    ),
    "too few test rows for the classes": (
        ["--samples", "8", "--classes", "4", "--test-size", "2"],
        "splits the 8 rows into 6 training and 2 test rows; the stratified split needs at least "
        "one row of each of the 4 classes in each part",
    ),
    "too few informative features": (
        ["--features", "2", "--classes", "3"],
        "--classes 3 needs more informative features than --features 2 gives (2); use "
        "--features 6 or more",
    ),
    "csv class of one row": (
        ["--csv", "{rare}", "--target", "species"],
        "class 'virginica' has a single row; the stratified split needs at least 2 rows",
    ),
    "one class": (
        ["--classes", "1"], "argument --classes: expected a whole number from 2 to 2**63 - 1"
    ),
    "missing file": (["--csv", "{tmp}/missing.csv", "--target", "y"], "No such file"),
    "missing target column": (
        ["--csv", "{good}", "--target", "label"],
        "--target 'label' is not a column",
    ),
    # The last --target had been taken silently, the other column becoming a feature.
    "--target given twice": (
        ["--csv", "{good}", "--target", "species", "--target", "sepal width"],
        "argument --target: given twice ('species', then 'sepal width'): the command line fits "
        "one target column (for several labels or targets, fit L1L2Classifier or L1L2Regressor "
        "in Python;",
    ),
    "--target of several columns": (
        ["--csv", "{good}", "--target", "species, sepal width"],
        "its columns are: sepal length, sepal width, species; the command line fits one target "
        "column (for several labels or targets",
    ),
    "non-numeric feature": (
        ["--csv", "{bad}", "--target", "species"],
        "feature column 'sepal width' must be numeric, got 'n/a' on line 6",
    ),
    "empty feature cell": (
        ["--csv", "{empty}", "--target", "species"],
        "empty cell in feature column 'sepal width' on line 6",
    ),
    "short row": (["--csv", "{short}", "--target", "species"], "line 3: expected 3 fields as in"),
    # (It said "expected 1 fields".)
    "one column, a row of two": (["--csv", "{one_column}", "--target", "species"],
                                 "line 3: expected 1 field as in the header, got 2"),
    "long row": (
        ["--csv", "{long}", "--target", "species"],
        "line 3: expected 3 fields as in the header, got 4",
    ),
    "infinite feature": (
        ["--csv", "{inf}", "--target", "species"],
        "feature column 'sepal width' must hold finite numbers, got 'inf' on line 6",
    ),
    "semicolons without --sep": (
        ["--csv", "{semicolon}", "--target", "species"],
        "is the file separated by ';'? then pass --sep ';'",
    ),
    "semicolons with decimal points": (
        ["--csv", "{semicolon_points}", "--target", "species"],
        "its columns are: a;b;species (one column: is the file separated by ';'? then pass",
    ),
    "decimal comma": (
        ["--csv", "{semicolon}", "--target", "species", "--sep", ";"],
        "must be numeric, got '0,5' on line 2 (a decimal comma? pass --decimal ',')",
    ),
    # Read as 1.5, where a file of decimal commas writes 1500 so.
    "a point beside --decimal ','": (
        ["--csv", "{thousands_points}", "--target", "y", "--sep", ";", "--decimal", ","],
        "got '1.500' on line 2 (a point in a number read with --decimal ',': a thousands mark? "
        "write numbers without it, such as 1500,5)",
    ),
    # The header's names have spaces after the commas: --drop takes them without.
    "text columns of a header with spaces": (
        ["--csv", "{spaced_text}", "--target", "y"],
        "Leave them out with --drop signup,plan, or write them as numbers",
    ),
    # --drop splits at commas: no --drop is suggested for a name with one.
    "a text column named with a comma": (
        ["--csv", "{comma_name}", "--target", "y"],
        "2 feature columns hold text, not numbers: a,b ('x' on line 2); c ('y' on line 2). "
        "Write them as numbers",
    ),
    # Not taken for a number written oddly (a character of another script beside digits).
    "text of another script beside digits": (
        ["--csv", "{street}", "--target", "y"],
        "feature column 'street' must be numeric, got 'Hauptstraße 5' on line 2\n",
    ),
    "--decimal of another mark": (["--decimal", ";"], "argument --decimal: expected '.' or ','"),
    "decimal without csv": (["--decimal", ","], "--decimal is the decimal mark of --csv"),
    "an encoding Python does not know": (
        ["--encoding", "klingon"],
        "argument --encoding: expected a text encoding such as utf-8, cp1252 or latin-1, got "
        "'klingon'",
    ),
    "a codec that is no text encoding": (["--encoding", "base64"], "got 'base64'"),
    "a codec of domain names": (["--encoding", "punycode"], "got 'punycode'"),
    "encoding without csv": (["--encoding", "cp1252"], "--encoding is the text encoding of --csv"),
    "drop without csv": (["--drop", "id"], "--drop names columns of --csv"),
    "--drop of no name": (["--drop", "a,,b"], "argument --drop: expected column names separated"),
    "--drop of a column not there": (
        ["--csv", "{good}", "--target", "species", "--drop", "id"],
        "--drop id is not a column of",
    ),
    "--drop of the target": (
        ["--csv", "{good}", "--target", "species", "--drop", "species"],
        "--drop names --target 'species', the column to predict",
    ),
    "--drop of every feature": (
        ["--csv", "{one_class}", "--target", "species", "--drop", "a", "--drop", "b"],
        "has no feature columns besides --target 'species' once --drop leaves its columns out",
    ),
    # Reported one per run before.
    "two text columns": (
        ["--csv", "{text_columns}", "--target", "y"],
        "2 feature columns hold text, not numbers: signup ('2024-01-01' on line 2); plan "
        "('basic' on line 2). Leave them out with --drop signup,plan, or write them as numbers",
    ),
    # The hint had been given for the last column alone.
    "two empty columns right of the data": (
        ["--csv", "{two_trailing}", "--target", "y"],
        "column 4 of the header has no name (a separator at the end of every line, or empty "
        "columns right of the data? remove them)",
    ),
    # Blamed on the next line ("expected 1 field as in the header, got 3").
    "Excel's separator line": (
        ["--csv", "{excel_sep_line}", "--target", "y"],
        "starts with Excel's 'sep=;' line, which names the separator but is no header: delete "
        "that line, and pass --sep ';'",
    ),
    "a file without a header row": (
        ["--csv", "{headerless}", "--target", "species"],
        "its columns are: 5.1, 3.5, setosa (the header reads as numbers: does the file have a "
        "header row? --csv needs one, naming its columns)",
    ),
    "a percent sign": (
        ["--csv", "{percent}", "--target", "y"],
        "got '25%' on line 3 (a percent sign: write the number alone, 25 or 0.25 for 25%)",
    ),
    # No hint had said why True was read in one column and not in another.
    "True beside numbers": (
        ["--csv", "{true_beside_numbers}", "--target", "y"],
        "got 'True' on line 3 (True and False are read as 1 and 0 in a column of nothing else, "
        "as pandas reads booleans: write 1 and 0)",
    ),
    # It looked like a valid number, with no hint.
    "a Unicode minus sign": (
        ["--csv", "{unicode_minus}", "--target", "y"],
        "got '\u22121.5' on line 3 (MINUS SIGN, U+2212, is not part of a number as written in "
        "ASCII: write '-')",
    ),
    # It had become a class of its own, and the numbers text labels.
    "a missing label beside whole numbers": (
        ["--csv", "{missing_label}", "--target", "y"],
        "target column 'y' has a missing label, 'NA', on line 3 (and on 1 more rows), beside "
        "labels that are numbers: drop those rows, or fill them in",
    ),
    # Excel's line for a tab: the strip of the line had taken the tab too.
    "Excel's separator line of a tab": (
        ["--csv", "{excel_tab_line}", "--target", "y", "--sep", "tab"],
        "starts with Excel's 'sep=\\t' line, which names the separator but is no header: delete "
        "that line\n",
    ),
    "a missing label beside numbers written with a decimal comma": (
        ["--csv", "{missing_comma_label}", "--target", "y", "--sep", ";", "--decimal", ","],
        "target column 'y' has a missing label, 'NA', on line 4, beside labels that are numbers",
    ),
    "a missing label beside numbers written as decimals": (
        ["--csv", "{missing_decimal_label}", "--target", "y"],
        "target column 'y' has a missing label, 'None', on line 4, beside labels that are "
        "numbers",
    ),
    "sep without csv": (["--sep", ";"], "--sep is the separator of --csv"),
    "sep without csv, regression": (
        ["--sep", ";", "--task", "regression"],
        "--sep is the separator of --csv",
    ),
    "sep of two characters": (["--sep", "ab"], "argument --sep: expected one ASCII character"),
    "single class": (["--csv", "{one_class}", "--target", "species"], "single class, 'setosa';"),
    "single integer class": (["--csv", "{one_code}", "--target", "code"], "single class, 3;"),
    # R² is undefined: it had been reported as 0.0000.
    "constant regression target": (
        ["--csv", "{one_code}", "--target", "code", "--task", "regression"],
        "target column 'code' holds one value, 3, in every row; a regressor needs values that "
        "vary",
    ),
    "fractional labels": (
        ["--csv", "{fractional}", "--target", "code"],
        "numbers that are not whole, such as '0.50' on line 3: class labels are expected; for a "
        "numeric target, pass --task regression",
    ),
    "repeated column": (["--csv", "{repeated}", "--target", "y"], "names a column twice: 'a'"),
    "unnamed index column": (
        ["--csv", "{indexed}", "--target", "species"],
        "column 1 of the header has no name (a DataFrame's index, as DataFrame.to_csv writes",
    ),
    "csv without target": (["--csv", "{good}"], "needs --target COLUMN"),
    "target without csv": (["--target", "species"], "give --csv PATH as well"),
    "csv with simulation flag": (
        ["--csv", "{good}", "--target", "species", "--samples", "50"],
        "--samples shapes simulated data only; drop it when reading --csv",
    ),
    "grid with l1": (["--grid", "--l1", "0.1"], "--grid chooses l1 and l2 itself"),
    "save to missing folder": (
        ["--save", "{tmp}/no/such/folder/model.joblib"],
        "its folder does not exist",
    ),
    "save to a folder": (["--save", "{tmp}"], "it is a folder; give a file name, such as"),
    "simulated data too large for memory": (
        ["--samples", "100000000000"],
        "--samples 100000000000 and --features 20 make 2,000,000,000,000 simulated values",
    ),
    "regression with one test row": (
        ["--task", "regression", "--samples", "8", "--test-size", "1"],
        "--test-size 1 leaves 1 test row of the 8 there are; R² needs at least 2",
    ),
    "epochs beyond the estimators' limit": (
        ["--epochs", "3000000000"],
        "argument --epochs: expected a whole number <= 2147483647 (2**31 - 1), got '3000000000'",
    ),
    "infinite label": (
        ["--csv", "{inf_label}", "--target", "y"],
        "target column 'y' must hold finite numbers, got 'inf' on line 3",
    ),
    "label beyond int64": (
        ["--csv", "{big_labels}", "--target", "y"],
        "target column 'y' holds numbers too large for class labels, such as '1e20' on line 2",
    ),
    "overflowing feature, quoted as written": (
        ["--csv", "{overflow}", "--target", "y"],
        "feature column 'a' must hold finite numbers, got '1e309' on line 3",
    ),
    "trailing separator": (
        ["--csv", "{trailing}", "--target", "y"],
        "column 4 of the header has no name (a separator at the end of every line, or empty "
        "columns right of the data? remove them)",
    ),
    "numeric labels of single rows": (
        ["--csv", "{quantities}", "--target", "y"],
        "class 11 has a single row; the stratified split needs at least 2 rows of every class; "
        "2 of the 3 classes have a single row: if the target is a quantity rather than a class, "
        "pass --task regression",
    ),
}


ERROR_CASES.update({
    "row names before every row": (
        ["--csv", "{row_names}", "--target", "y"],
        "row_names.csv, line 2: expected 3 fields as in the header, got 4",
    ),
    "a first field counting rows": (
        ["--csv", "{counted}", "--target", "y"],
        "counted.csv, line 2: expected 3 fields as in the header, got 4",
    ),
    "numbers too large to standardize": (
        ["--csv", "{huge}", "--target", "y"],
        "feature column 'a' holds numbers too large to standardize, such as '2.4e200' on line 3",
    ),
    # Their variance underflows to 0: StandardScaler left them unscaled, a feature became 0 in
    # float32 (accuracy at chance) and a target's R² was printed as 0.0000.
    "numbers too small to standardize": (
        ["--csv", "{tiny}", "--target", "y"],
        "feature column 'a' holds numbers too small to standardize, such as '2.4e-200' on line 3",
    ),
    "a target too small to standardize": (
        ["--csv", "{tiny_target}", "--target", "y", "--task", "regression"],
        "target column 'y' holds numbers too small to standardize, such as '3e-200' on line 3",
    ),
    "a thousands separator": (
        ["--csv", "{thousands}", "--target", "y"],
        "got '1,000' on line 3 (a thousands separator, or a decimal comma?",
    ),
    "labels beyond 64 bits": (
        ["--csv", "{huge_labels}", "--target", "y"],
        "too large for class labels, such as '18446744073709551617' on line 3",
    ),
    "labels below 64 bits": (
        ["--csv", "{negative_labels}", "--target", "y"],
        "too large for class labels, such as '-99999999999999999999' on line 3",
    ),
    "labels no 64-bit type holds together": (
        ["--csv", "{mixed_labels}", "--target", "y"],
        "too large for class labels, such as '9223372036854775808' on line 3",
    ),
    "an unclosed quote": (
        ["--csv", "{unclosed}", "--target", "y"],
        # It was pandas' "C error: EOF inside string starting at row 3".
        'unclosed.csv, line 5: a quoted cell opens with " here and is never closed',
    ),
    "--save onto the --csv file": (
        ["--csv", "{good}", "--target", "species", "--save", "{good}"],
        "is the --csv file the data comes from; writing the model there would replace the data",
    ),
    "--hidden with an underscore": (["--hidden", "1_0"], "got '1_0'"),
    "--l1 with an underscore": (["--l1", "1_0.5"], "argument --l1: expected a number from 0"),
    "--seed in other digits": (["--seed", "\u0661"], "argument --seed: expected a whole number"),
})


def broken_csv_files(folder):
    """CSV files with one problem each, for the error cases."""
    texts = {
        "empty": None,
        "short": "sepal length,sepal width,species\n1,2,setosa\n3,4\n",
        "one_column": "species\nsetosa\nsetosa,4\n",
        "long": "sepal length,sepal width,species\n1,2,setosa\n3,4,setosa,5\n",
        "inf": None,
        "semicolon": "sepal length;sepal width;species\n0,5;1,5;setosa\n",
        "semicolon_points": "a;b;species\n0.5;1.5;setosa\n",
        "one_class": "a,b,species\n1,2,setosa\n3,4,setosa\n",
        "one_code": "a,b,code\n1,2,3\n3,4,3\n",
        "fractional": "a,b,code\n1,2,1\n3,4,0.50\n",
        "repeated": "a,b,a,y\n1,2,3,x\n4,5,6,z\n",
        "indexed": ",a,species\n0,1.5,setosa\n1,2.5,virginica\n",
        "rare": "a,species\n" + "1,setosa\n2,versicolor\n" * 4 + "3,virginica\n",
        "inf_label": "a,b,y\n1,2,1\n3,4,inf\n5,6,1\n7,8,inf\n",
        "big_labels": "a,b,y\n1,2,1e20\n3,4,2e20\n5,6,1e20\n7,8,2e20\n",
        "overflow": "a,b,y\n1,2,x\n1e309,4,z\n5,6,x\n7,8,z\n",
        "trailing": "a,b,y,\n1,2,x,\n3,4,z,\n",
        "quantities": "a,y\n1,10\n2,11\n3,12\n4,10\n",
        # R's write.csv: a quoted row name before every row, one field more than the header.
        "row_names": '"a","b","y"\n"1",1,3,"x"\n"2",2,4,"z"\n"3",5,6,"x"\n',
        "counted": "a,b,y\n0,1,3,x\n1,2,4,z\n2,5,6,x\n",
        "huge": "a,b,y\n1,2,x\n2.4e200,4,z\n-2e200,6,x\n7,8,z\n",
        "tiny": "a,b,y\n1e-201,2,x\n2.4e-200,4,z\n-2e-200,6,x\n0,8,z\n",
        "tiny_target": "a,b,y\n1,2,1e-200\n3,4,3e-200\n5,6,-2e-200\n7,8,0\n",
        "huge_integer": f"a,b,y\n{'9' * 400},2,x\n3,4,z\n5,6,x\n7,8,z\n",
        "empty_row": "a,b,y\n" + "1,2,x\n3,4,z\n" * 4 + ",,\n" + "5,6,x\n7,8,z\n" * 4,
        "thousands": "a,b,y\n1,2,x\n\"1,000\",4,z\n",
        "huge_labels": "a,y\n1,1\n2,18446744073709551617\n3,2\n",
        "negative_labels": "a,y\n1,1\n2,-99999999999999999999\n3,2\n",
        "mixed_labels": "a,y\n1,-1\n2,9223372036854775808\n3,2\n",
        "unclosed": 'a,b,y\n1,2,"x\ny"\n3,4,z\n5,6,"x\n7,8,z\n',
        "text_columns": "signup,plan,a,y\n2024-01-01,basic,1,0\n2024-01-02,pro,2,1\n",
        "missing_label": "a,y\n1,0\n2,NA\n3,1\n4,?\n5,0\n",
        "missing_decimal_label": "a,y\n1,1.0\n2,2.0\n3,None\n4,1.0\n",
        "excel_tab_line": "sep=\t\na\ty\n1\tx\n3\tz\n",
        "missing_comma_label": "a;y\n1;1,0\n2;2,0\n3;NA\n4;1,0\n",
        "headerless": "5.1,3.5,setosa\n4.9,3.0,setosa\n",
        "two_trailing": "a,b,y,,\n1,2,x,,\n3,4,z,,\n",
        "excel_sep_line": "sep=;\na;b;y\n1;2;x\n3;4;z\n",
        "thousands_points": "a;b;y\n1.500;2,5;x\n3,5;4;z\n",
        "spaced_text": "id, signup, plan,y\n1,2024-01-01,basic,0\n2,2024-01-02,pro,1\n",
        "comma_name": '"a,b",c,d,y\nx,y,1,0\nz,w,2,1\n',
        "street": "street,d,y\nHauptstraße 5,1,0\nGasse 2,2,1\n",
        "percent": "a,b,y\n1,2,x\n25%,4,z\n",
        "true_beside_numbers": "a,b,y\n1.5,2,x\nTrue,4,z\n",
        "unicode_minus": "a,b,y\n1,2,x\n\u22121.5,4,z\n",
    }
    files = {}
    for name, text in texts.items():
        path = folder / f"{name}.csv"
        if text is None:  # the flowers file with one bad cell
            write_csv(path, bad_cell={"empty": "", "inf": "inf"}[name])
        else:
            path.write_text(text)
        files[name] = path
    return files


@pytest.mark.parametrize("args, message", ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_errors_are_one_line_and_exit_code_2(capsys, tmp_path, args, message):
    files = {
        "tmp": tmp_path,
        "good": write_csv(tmp_path / "good.csv"),
        "bad": write_csv(tmp_path / "bad.csv", bad_cell="n/a"),
        **broken_csv_files(tmp_path),
    }
    args = [arg.format(**files) for arg in args]
    code, _, err = run_cli(capsys, "--epochs", "5", "--hidden", "8", *args)
    assert code == 2
    assert err.startswith("l1l2-estimator: error: ")
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("data, message", [
    # Python's own message had given a byte's position within a block of the file.
    ("a,b,y\n1,2,x\n3,4,z\u00b0\n".encode("cp1252"),
     "as UTF-8 text: byte 0xb0 on line 3 is not UTF-8 (a file saved in another encoding, such "
     "as Windows-1252); pass its encoding, such as --encoding cp1252, or save it as 'CSV UTF-8'"),
    # After a byte-order mark: the bad byte's line, not the BOM-less text's (it had named a
    # comma on line 1).
    (b"\xef\xbb\xbfa,b,y\n\xe9,2,x\n", "byte 0xe9 on line 2 is not UTF-8"),
    ("a,b,y\n1,2,x\n".encode("utf-16"),
     "is UTF-16 text (Excel's 'Unicode Text'), not UTF-8: pass --encoding utf-16, or save it"),
    (b"PK\x03\x04\x14\x00\x06\x00\xff\xfe", "is a zip archive (an .xlsx workbook?), not CSV text"),
    ("xl", "is a zip archive (an .xlsx workbook?), not CSV text"),
    ("mimetype", "is a zip archive (an OpenDocument file (.ods)?), not CSV text: export it as "
                 "CSV in UTF-8"),
    ("Index/Document.iwa", "is a zip archive (a Numbers document?), not CSV text: export it"),
    # A zipped CSV had been taken for a workbook too.
    ("iris.csv", "is a zip archive (holding 'iris.csv'), not CSV text: unzip it and pass the "
                 "CSV file (a .gz, .bz2 or .xz file is read as it is)"),
    # UTF-32's mark had been named UTF-16's, whose advice then read NULs into every name;
    # UTF-16 without a mark, and compressed files not named so, had been told to pass
    # --encoding cp1252 or read as names with NULs in them.
    ("a,b,y\n1,2,x\n".encode("utf-32"), "is UTF-32 text, not UTF-8: pass --encoding utf-32"),
    ("a,b,y\n1,2,x\n".encode("utf-16-le"), "looks like UTF-16 text without a byte-order mark "
     "(every other byte is 0), not UTF-8: pass --encoding utf-16-le"),
    ("a,b,y\n1,2,x\n".encode("utf-16-be"), "not UTF-8: pass --encoding utf-16-be"),
    (gzip.compress(b"a,b,y\n1,2,x\n"), "is gzip-compressed, not CSV text: name it with the "
     ".gz extension, which --csv decompresses"),
    (bz2.compress(b"a,b,y\n1,2,x\n"), "is bzip2-compressed, not CSV text: name it with the .bz2"),
], ids=["windows-1252", "windows-1252 after a BOM", "utf-16", "xlsx", "xlsx members", "ods",
        "numbers", "zipped csv", "utf-32", "utf-16-le without a mark", "utf-16-be without a mark",
        "gzip not named .gz", "bzip2 not named .bz2"])
def test_a_file_that_is_not_utf8_says_what_it_is(capsys, tmp_path, data, message):
    path = tmp_path / "data.csv"
    if isinstance(data, str):  # a zip archive of these members
        import zipfile

        with zipfile.ZipFile(path, "w") as archive:
            for member in (["[Content_Types].xml", "xl/workbook.xml"] if data == "xl"
                           else [data]):
                archive.writestr(member, "a,b,y\n1,2,x\n")
    else:
        path.write_bytes(data)
    code, _, err = run_cli(capsys, "--csv", str(path), "--target", "y")
    assert code == 2 and message in err and err.count("\n") == 1


@pytest.mark.parametrize("encoding, given", [
    ("cp1252", "cp1252"), ("cp1252", "Windows-1252"), ("latin-1", "latin-1"),
    ("utf-16", "utf-16"), ("utf-8-sig", "utf-8"),
])
def test_encoding_reads_a_file_saved_in_another_encoding(capsys, tmp_path, encoding, given):
    """Excel's 'CSV (Comma delimited)' on Windows writes cp1252: such a file had to be saved
    again as 'CSV UTF-8' before it could be read. An explicit utf-8 drops a byte-order mark as
    the default does (the first column would be named '\ufeffLänge')."""
    rng = np.random.default_rng(0)
    lines = ["Länge,Größe,Klasse"] + [
        f"{a:.3f},{b:.3f},{'Café' if a > 0 else 'Thé'}" for a, b in rng.normal(size=(30, 2))
    ]
    path = tmp_path / "export.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    saved = tmp_path / "model.joblib"
    code, out, err = run_cli(capsys, "--csv", str(path), "--target", "Klasse", "--encoding",
                             given, "--epochs", "2", "--hidden", "4", "--save", str(saved))
    assert code == 0, err
    assert "(30 rows, 2 feature columns, target 'Klasse' with 2 classes)" in out
    model = joblib.load(saved)
    assert list(model.feature_names_in_) == ["Länge", "Größe"]
    assert set(model.classes_) == {"Café", "Thé"}


def test_a_wrong_encoding_names_the_line_of_the_first_byte_it_cannot_read(capsys, tmp_path):
    path = tmp_path / "data.csv"
    # UTF-16 (2 bytes a character): a lone low surrogate on line 3.
    path.write_bytes("a,b,y\n1,2,x\n3,4,".encode("utf-16-le") + b"\x00\xdc" + "\n".encode(
        "utf-16-le"))
    code, _, err = run_cli(capsys, "--csv", str(path), "--target", "y", "--encoding", "utf-16-le")
    assert code == 2 and err.count("\n") == 1
    assert ("cannot read --csv" in err and "as utf-16-le text: byte 0x00 on line 3 is not "
            "utf-16-le (is --encoding the file's?)" in err), err


def test_names_and_labels_from_the_file_are_quoted_cut_in_messages(capsys, tmp_path):
    """Labels and column names were quoted whole: a label of 1 MB gave a line of 1 MB on
    standard error, and a header of 400,000 names listed them all."""
    long = "w" * 5000
    cases = [
        # A feature column of text, named by a long name.
        (f"{long},b,y\nx,2,p\n3,4,q\n", "y", f"feature column '{'w' * 80}'... (5,000 characters)"),
        # A single class, a long label.
        (f"a,b,y\n1,2,{long}\n3,4,{long}\n", "y", f"a single class, '{'w' * 80}'... (5,000"),
        # A name given twice.
        (f"{long},{long},y\n1,2,p\n", "y", f"names a column twice: '{'w' * 80}'... (5,000"),
        # A target not among 100 columns: the first 20 listed, and how many there are.
        (",".join(f"c{i}" for i in range(100)) + "\n" + ",".join("1" * 100) + "\n", "zz",
         "its columns are: c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, "
         "c16, c17, c18, c19, ... (100 columns in all)"),
    ]
    for text, target, message in cases:
        path = tmp_path / "data.csv"
        path.write_text(text)
        code, _, err = run_cli(capsys, "--csv", str(path), "--target", target)
        assert code == 2 and message in err and len(err) < 500, err[:300]


def test_a_utf32_file_given_as_utf16_is_named_utf32(capsys, tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes("a,b,y\n1,2,x\n".encode("utf-32"))
    code, _, err = run_cli(capsys, "--csv", str(path), "--target", "y", "--encoding", "utf-16")
    assert code == 2 and "is UTF-32 text, not UTF-16: pass --encoding utf-32" in err, err


@pytest.mark.parametrize("end", ["\r", "\r\n", "\n", "mixed"])
def test_a_wrong_byte_is_named_by_its_line_whatever_the_line_ends(capsys, tmp_path, end):
    """Lines ended by a lone carriage return (old Mac files, often in Mac Roman: where bytes
    that are not UTF-8 come from) were counted by their newlines alone: a bad byte on line 10
    was named on line 1."""
    lines = ["a,b,y"] + [f"{i},{i},x" for i in range(8)] + ["3,4,caf\u00e9"]
    ends = ["\r", "\n", "\r\n"] * 4 if end == "mixed" else [end] * len(lines)
    data = "".join(line + ends[index] for index, line in enumerate(lines)).encode("mac_roman")
    path = tmp_path / "data.csv"
    path.write_bytes(data)
    code, _, err = run_cli(capsys, "--csv", str(path), "--target", "y")
    assert code == 2 and "byte 0x8e on line 10 is not UTF-8" in err, err


def test_a_line_end_split_between_blocks_counts_once():
    from l1l2_estimator.cli._csv import _line_ends

    assert _line_ends("a\rb\r\nc\n\r") == 4
    assert _line_ends("\nd", after_cr=True) == 0 and _line_ends("\nd") == 1


@pytest.mark.parametrize("order", ["le", "be"])
def test_a_wrong_byte_past_the_first_block_is_named_by_its_line_in_either_byte_order(
    capsys, tmp_path, order
):
    """The file is decoded in blocks of 16 MiB: the line of a bad byte in a later block of a
    big-endian UTF-16 file was counted as little-endian (its block has no byte-order mark), and
    came out 1,398,102 for 1,500,002."""
    rows = "".join(f"{i % 7},{i % 5},{'x' if i % 2 else 'z'}\n" for i in range(1_500_000))
    bad = b"\x00\xdc" if order == "le" else b"\xdc\x00"  # a lone low surrogate
    encoding = f"utf-16-{order}"
    bom = codecs.BOM_UTF16_LE if order == "le" else codecs.BOM_UTF16_BE
    path = tmp_path / "big.csv"
    path.write_bytes(bom + ("a,b,y\n" + rows + "3,4,").encode(encoding) + bad
                     + "\n".encode(encoding))
    assert path.stat().st_size > 1 << 24
    code, _, err = run_cli(capsys, "--csv", str(path), "--target", "y", "--encoding", "utf-16")
    assert code == 2 and "on line 1500002 is not utf-16 (is --encoding the file's?)" in err, err


def test_argparse_errors_exit_2_without_traceback(capsys):
    code, _, err = run_cli(capsys, "--hidden", "64,big")
    assert code == 2
    assert err == (
        "l1l2-estimator: error: argument --hidden: expected comma-separated positive integers "
        "such as 64,32 (each at most 2**63 - 1), got '64,big'\n"
    )
    assert "Traceback" not in err


def test_a_network_too_large_for_memory_is_one_line_before_fitting(capsys, monkeypatch):
    """Refused before TensorFlow is imported, naming the flag (the estimator had refused it,
    some seconds later, naming hidden_layer_sizes)."""
    monkeypatch.setattr(_run, "run", None)  # nothing is fitted
    code, _, err = run_cli(capsys, *FAST, "--hidden", "1000000,1000000", "--epochs", "1")
    assert code == 2
    assert err.startswith(
        "l1l2-estimator: error: --hidden 1000000,1000000: the network with layer sizes "
        "[20, 1000000, 1000000, 1] (1,000,023,000,001 weights) needs about"
    )
    assert err.endswith("memory are available. Use smaller --hidden sizes (or fewer features).\n")
    assert err.count("\n") == 1


def test_a_network_too_large_for_its_classes_names_them(capsys, monkeypatch, tmp_path):
    """The output layer's weights were blamed on --hidden, which smaller sizes barely help; a
    target of a number per row (a quantity) makes one class per row."""
    from l1l2_estimator import _memory
    from l1l2_estimator.cli import _job  # imported now: it binds available_memory

    monkeypatch.setattr(_run, "run", None)  # nothing is fitted
    # Room for the network of one output, [1, 64, 32, 1] (2,241 weights), not of 200 (8,808).
    room = 5_000 * _memory._BYTES_PER_WEIGHT
    monkeypatch.setattr(_memory, "available_memory", lambda: room)
    assert _job.available_memory is not _memory.available_memory
    path = tmp_path / "data.csv"
    pd.DataFrame({"a": np.arange(400.0), "y": np.arange(400) // 2}).to_csv(path, index=False)
    code, _, err = run_cli(capsys, "--csv", str(path), "--target", "y", "--epochs", "1")
    assert code == 2
    assert err.startswith("l1l2-estimator: error: the target's 200 classes: the network with "
                          "layer sizes [1, 64, 32, 200]")
    assert err.endswith("Is the target a class? For a quantity, pass --task regression.\n")
    # Too large even with one output: the layers are named, not the classes.
    monkeypatch.setattr(_memory, "available_memory", lambda: 1_000 * _memory._BYTES_PER_WEIGHT)
    code, _, err = run_cli(capsys, "--csv", str(path), "--target", "y", "--epochs", "1")
    assert code == 2 and err.startswith("l1l2-estimator: error: --hidden 64,32: the network")
    # Simulated: far more classes than rows, refused by the split whatever the memory (here
    # room for the simulated data, not for a network of 50,000,000 outputs).
    monkeypatch.undo()
    monkeypatch.setattr(_run, "run", None)
    monkeypatch.setattr(_job, "available_memory", lambda: 100 * 2**20)
    monkeypatch.setattr(_memory, "available_memory", lambda: 100 * 2**20)
    code, _, err = run_cli(capsys, "--classes", "50000000", "--features", "60", "--samples", "100")
    assert code == 2
    assert err.startswith("l1l2-estimator: error: class 0 has a single row of the --samples 100")


def test_regression_grid_refuses_a_fold_of_one_target_value(capsys, monkeypatch, tmp_path):
    """Its R² is 0 for every pair, whatever they predict (r2_score's value where R² is
    undefined): the mean CV R² reported had taken those zeros in without a word."""
    monkeypatch.setattr(_run, "run", None)
    path = tmp_path / "data.csv"
    pd.DataFrame({"a": np.arange(8.0), "b": np.arange(8.0) ** 2,
                  "y": [1.0, 1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 1.0]}).to_csv(path, index=False)
    code, _, err = run_cli(capsys, "--csv", str(path), "--target", "y", "--task", "regression",
                           "--grid", "--test-size", "2", "--epochs", "5")
    assert code == 2
    assert re.fullmatch(r"l1l2-estimator: error: --grid: fold [123] of 3 holds out 2 training "
                        r"rows whose target is 1 in all of them, so its R² is undefined; use "
                        r"another --seed, or add rows\n", err)


@pytest.mark.parametrize("problem", ["bad cell", "empty cell", "short row", "long row"])
def test_csv_messages_give_the_line_in_the_file_after_a_cell_spanning_two(tmp_path, problem):
    # A quoted label over lines 2 and 3: the record after it starts on line 4, the problem's on 5.
    rows = {"bad cell": "5,oops,x", "empty cell": "5,,x", "short row": "5,6", "long row": "5,6,x,7"}
    path = tmp_path / "data.csv"
    path.write_text(f'a,b,y\n1,2,"two\nlines"\n3,4,z\n{rows[problem]}\n7,8,z\n')
    expected = {
        "bad cell": "feature column 'b' must be numeric, got 'oops' on line 5",
        "empty cell": "empty cell in feature column 'b' on line 5",
        "short row": f"{path}, line 5: expected 3 fields as in the header, got 2",
        "long row": f"{path}, line 5: expected 3 fields as in the header, got 4",
    }[problem]
    with pytest.raises(cli.UsageError) as raised:
        _data.read_csv(str(path), "y")
    assert str(raised.value) == expected


def test_blank_lines_before_the_header_are_skipped_as_pandas_skips_them(tmp_path):
    # The blank first line was taken for the header: "expected 0 fields as in the header".
    path = tmp_path / "data.csv"
    path.write_text("\n  \na,b,y\n1,2,x\n\n3,4,z\n5,6,x\n\n")
    X, y, _ = _data.read_csv(str(path), "y")
    assert X.columns.tolist() == ["a", "b"] and X["a"].tolist() == [1, 3, 5]
    assert y.tolist() == ["x", "z", "x"]
    path.write_text("\n\na,b,y\n1,2,x\n\n3,oops,z\n")
    with pytest.raises(cli.UsageError, match="must be numeric, got 'oops' on line 6$"):
        _data.read_csv(str(path), "y")


@pytest.mark.parametrize("row", [",,", "  ,  ,  "])
def test_a_row_of_empty_cells_is_refused_with_its_line(tmp_path, row):
    # A row whose cells were all empty was dropped as if it were a blank line.
    path = tmp_path / "data.csv"
    path.write_text(f"a,b,y\n1,2,x\n3,4,z\n{row}\n5,6,x\n")
    with pytest.raises(cli.UsageError, match=r"^empty cells only on line 4 \(a row of separators, "
                       r"as a spreadsheet may write below its data\): delete the row$"):
        _data.read_csv(str(path), "y")


@pytest.mark.parametrize("cell, hint", [
    ("1_000", ""),
    # Other scripts' digits are named, as a character not part of an ASCII number.
    ("\u0661\u0662", r" \(ARABIC-INDIC DIGIT ONE, U\+0661, is not part of a number as written in "
                     r"ASCII\)"),
    ("\uff11", r" \(FULLWIDTH DIGIT ONE, U\+FF11, is not part of a number as written in ASCII\)"),
])
def test_numbers_only_as_pandas_reads_them(tmp_path, cell, hint):
    # Python's float() read "1_000" as 1000 and other scripts' digits; pandas leaves them text,
    # as the flags refuse them.
    path = tmp_path / "data.csv"
    path.write_text(f"a,b,y\n1,2,x\n{cell},4,z\n", encoding="utf-8")
    with pytest.raises(cli.UsageError, match=f"must be numeric, got '{cell}' on line 3{hint}$"):
        _data.read_csv(str(path), "y")


@pytest.mark.parametrize("module", ["gzip", "bz2", "lzma"])
def test_csv_may_be_compressed(tmp_path, module):
    import importlib

    text = "a,b,y\n1,2,x\n3,4,z\n5,oops,x\n"
    extension = {"gzip": "gz", "bz2": "bz2", "lzma": "xz"}[module]
    path = tmp_path / f"data.csv.{extension}"
    with importlib.import_module(module).open(path, "wt") as file:
        file.write(text.replace("oops", "6"))
    X, y, _ = _data.read_csv(str(path), "y")
    assert X.columns.tolist() == ["a", "b"] and y.tolist() == ["x", "z", "x"]
    # Messages read the same decompressed text.
    with importlib.import_module(module).open(path, "wt") as file:
        file.write(text)
    with pytest.raises(cli.UsageError, match="got 'oops' on line 4"):
        _data.read_csv(str(path), "y")
    path.write_text(text)  # not compressed after all
    with pytest.raises(cli.UsageError, match=f"^cannot read --csv '{path}': "):
        _data.read_csv(str(path), "y")
    # Corrupt inside (a corrupt .gz had ended in zlib's error and a traceback) or cut short.
    whole = importlib.import_module(module).compress(("a,b,y\n" + "1,2,x\n3,4,z\n" * 2000).encode())
    for broken in (
        whole[:30] + bytes(byte ^ 0xFF for byte in whole[30:60]) + whole[60:],
        whole[: len(whole) // 2],
    ):
        path.write_bytes(broken)
        with pytest.raises(cli.UsageError, match=f"^cannot read --csv '{path}': "):
            _data.read_csv(str(path), "y")


def test_csv_path_may_start_with_the_home_folder(tmp_path, monkeypatch):
    # --csv=~/data.csv: the shell does not expand ~ after "=".
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "data.csv").write_text("width ,label\n1,a\n2,b\n")
    X, y, description = _data.read_csv("~/data.csv", "label")
    assert X.columns.tolist() == ["width "] and y.tolist() == ["a", "b"]
    assert description.startswith("~/data.csv (2 rows")


def test_labels_stay_integers_only_where_int64_holds_them(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,y\n1,1.0\n2,-9.2e18\n")
    _, y, _ = _data.read_csv(str(path), "y")
    assert y.dtype == np.int64 and y.tolist() == [1, -9200000000000000000]
    path.write_text("a,y\n1,1.0\n2,-9.3e18\n")
    with pytest.raises(cli.UsageError, match="too large for class labels, such as '-9.3e18' on"):
        _data.read_csv(str(path), "y")


@pytest.mark.filterwarnings("default::sklearn.exceptions.ConvergenceWarning")  # not ignored
def test_grid_note_counts_every_member_fit(capsys, monkeypatch):
    # The search warns once for all its members: 4 pairs x 2 folds, none converged in 2 epochs,
    # and then the refit of the best pair.
    monkeypatch.setitem(_settings.GRIDS, "classification", {"l1": (0.0, 1e-3), "l2": (0.0, 1e-3)})
    monkeypatch.setattr(_run, "CV_FOLDS", 2)
    code, _, err = run_cli(capsys, *FAST, "--epochs", "2", "--grid")
    assert code == 0
    assert err == "l1l2-estimator: note: 9 fits stopped at --epochs 2 before converging\n"


def test_plot_folder_is_made_only_when_plots_are_written(capsys, tmp_path):
    folder = tmp_path / "plots"
    code, _, err = run_cli(
        capsys, "--csv", str(tmp_path / "missing.csv"), "--target", "y", "--plot", str(folder)
    )
    assert code == 2 and "No such file" in err
    assert not folder.exists()
    (tmp_path / "file").write_text("")
    code, _, err = run_cli(capsys, "--plot", str(tmp_path / "file" / "plots"))
    assert code == 2
    assert err == (
        f"l1l2-estimator: error: cannot create --plot '{tmp_path}/file/plots': "
        f"'{tmp_path}/file' is a file, not a folder\n"
    )


def test_string_labels_of_single_rows_get_no_regression_advice(capsys, tmp_path):
    path = tmp_path / "rare.csv"
    path.write_text("a,species\n" + "1,setosa\n" * 3 + "2,versicolor\n3,virginica\n")
    code, _, err = run_cli(capsys, "--csv", str(path), "--target", "species")
    assert code == 2
    assert err.endswith("needs at least 2 rows of every class\n")


class _ReaderGone:
    """stdout after its reader left (``| head``): every write and flush is a broken pipe."""

    def __init__(self, file):
        self._file = file

    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self):
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self):
        return self._file.fileno()

    def isatty(self):
        return False


def test_a_reader_that_stops_reading_does_not_stop_save(capsys, tmp_path, monkeypatch):
    saved = tmp_path / "model.joblib"
    with open(tmp_path / "stdout", "w") as file:
        monkeypatch.setattr(sys, "stdout", _ReaderGone(file))
        code = cli.main([*FAST, "--epochs", "2", "--save", str(saved)])
    assert code == 0
    assert "error" not in capsys.readouterr().err
    assert joblib.load(saved).predict(np.zeros((1, 20))).shape == (1,)


def test_save_onto_the_csv_file_leaves_the_data(capsys, tmp_path):
    data = write_csv(tmp_path / "flowers.csv")
    text = data.read_text()
    link = tmp_path / "link.csv"
    link.symlink_to(data)
    code, _, err = run_cli(
        capsys, "--csv", str(data), "--target", "species", "--save", str(link), *FAST[2:]
    )
    assert code == 2 and "would replace the data" in err
    assert data.read_text() == text


def test_save_onto_the_csv_file_through_the_home_folder_leaves_the_data(
    capsys, tmp_path, monkeypatch
):
    # --csv=~/flowers.csv was not expanded when --save was compared with it: the model replaced
    # the data.
    monkeypatch.setenv("HOME", str(tmp_path))
    data = write_csv(tmp_path / "flowers.csv")
    text = data.read_text()
    code, _, err = run_cli(
        capsys, "--csv=~/flowers.csv", "--target", "species", "--save=~/flowers.csv", *FAST[2:]
    )
    assert code == 2 and "would replace the data" in err
    assert data.read_text() == text


@pytest.mark.parametrize(
    "save, message",
    [
        ("plots", "--save 'plots' is the --plot folder"),
        ("plots/loss_curve.png", "is a file that --plot 'plots' writes its plots to"),
        ("plots/../plots/confusion_matrix.png", "is a file that --plot 'plots' writes"),
    ],
)
def test_save_onto_the_plots_is_refused_before_fitting(capsys, tmp_path, monkeypatch, save,
                                                        message):
    # Both were accepted: the plots then replaced the saved model, or failed after every fit
    # on finding a file where their folder goes.
    fitted = []
    monkeypatch.setattr(_run, "run", lambda job: fitted.append(job))
    monkeypatch.chdir(tmp_path)
    if "/" in save:
        (tmp_path / "plots").mkdir()
    code, _, err = run_cli(capsys, *FAST, "--save", save, "--plot", "plots")
    assert code == 2 and message in err and not fitted


@pytest.mark.parametrize("exists", [False, True])
def test_the_advice_for_save_onto_the_plot_folder_is_taken(capsys, tmp_path, monkeypatch, exists):
    """Where the folder did not exist yet, the advice ('plots/model.joblib') was refused in
    turn: --save's folder must exist, and the plots' is made after the model is written."""
    fitted = []
    monkeypatch.setattr(_run, "run", lambda job: fitted.append(job))
    monkeypatch.chdir(tmp_path)
    if exists:
        (tmp_path / "plots").mkdir()
    code, _, err = run_cli(capsys, *FAST, "--save", "plots", "--plot", "plots")
    assert code == 2 and not fitted
    advised = re.search(r"such as '([^']+)'", err).group(1)
    assert advised == ("plots/model.joblib" if exists else "model.joblib")
    code, _, err = run_cli(capsys, *FAST, "--save", advised, "--plot", "plots")
    assert (code, err) == (0, "") and len(fitted) == 1


@pytest.mark.parametrize(
    "task, other_tasks_file",
    [("classification", "prediction_error.png"), ("regression", "confusion_matrix.png")],
)
def test_save_onto_a_plot_file_of_the_other_task_is_accepted(capsys, tmp_path, monkeypatch,
                                                              task, other_tasks_file):
    # Refused although this run never writes that file.
    fitted = []
    monkeypatch.setattr(_run, "run", lambda job: fitted.append(job))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plots").mkdir()
    code, _, _ = run_cli(capsys, *FAST, "--task", task, "--save", f"plots/{other_tasks_file}",
                         "--plot", "plots")
    assert code == 0 and len(fitted) == 1


def test_save_beside_the_plots_is_accepted(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, _ = run_cli(capsys, *FAST, "--epochs", "2", "--save", "out/model.joblib",
                         "--plot", "out")
    assert code == 2  # its folder must exist before the run
    (tmp_path / "out").mkdir()
    code, _, _ = run_cli(capsys, *FAST, "--epochs", "2", "--save", "out/model.joblib",
                         "--plot", "out")
    assert code == 0
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "confusion_matrix.png", "loss_curve.png", "model.joblib", "regularization_path.png"
    ]


def test_save_to_a_folder_without_write_permission_is_refused_before_fitting(
    capsys, tmp_path, monkeypatch
):
    fitted = []
    monkeypatch.setattr(_run, "run", lambda job: fitted.append(job))
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # root may write anywhere
    code, _, err = run_cli(capsys, *FAST, "--save", str(tmp_path / "model.joblib"))
    assert code == 2 and "permission denied" in err and not fitted


@pytest.mark.parametrize(
    "case",
    ["plot file is the csv", "plot inside save", "plot file is a folder", "dangling save link",
     "dangling plot link"],
)
def test_output_paths_that_cannot_be_written_are_refused_before_fitting(capsys, tmp_path,
                                                                        monkeypatch, case):
    # Each was found only after every fit, or (the first) wrote a plot over the data.
    fitted = []
    monkeypatch.setattr(_run, "run", lambda job: fitted.append(job))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plots").mkdir()
    data = write_csv(tmp_path / "plots" / "loss_curve.png")
    args = {
        "plot file is the csv": ["--csv", str(data), "--target", "species", "--plot", "plots"],
        "plot inside save": [*FAST, "--save", "m.joblib", "--plot", "m.joblib/sub"],
        "plot file is a folder": [*FAST, "--plot", "dirs"],
        "dangling save link": [*FAST, "--save", "link.joblib"],
        "dangling plot link": [*FAST, "--plot", "link"],
    }[case]
    (tmp_path / "dirs" / "confusion_matrix.png").mkdir(parents=True)
    (tmp_path / "link.joblib").symlink_to(tmp_path / "missing" / "m.joblib")
    (tmp_path / "link").symlink_to(tmp_path / "missing" / "plots")
    code, _, err = run_cli(capsys, *args)
    expected = {
        "plot file is the csv": "would write loss_curve.png over the --csv file",
        "plot inside save": "--plot 'm.joblib/sub' is inside --save 'm.joblib'",
        "plot file is a folder": "cannot write confusion_matrix.png to --plot 'dirs'",
        "dangling save link": "cannot write --save 'link.joblib': the folder of",
        "dangling plot link": "cannot write to --plot 'link': it is a link to",
    }[case]
    assert code == 2 and expected in err and err.count("\n") == 1 and not fitted
    assert data.read_text().startswith("sepal length,")


@pytest.mark.parametrize(
    "case",
    ["save ends in a separator", "plot file links to nothing", "a folder above links to nothing"],
)
def test_more_output_paths_refused_before_fitting(capsys, tmp_path, monkeypatch, case):
    # "out/" passed the check (realpath drops the separator) and failed after fitting, as did a
    # plot file that links into a missing folder, and a plot folder below a link to nothing.
    fitted = []
    monkeypatch.setattr(_run, "run", lambda job: fitted.append(job))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plots").mkdir()
    (tmp_path / "plots" / "loss_curve.png").symlink_to(tmp_path / "missing" / "x.png")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    args, expected = {
        "save ends in a separator": (["--save", "out/"], "cannot write --save 'out/': it names a"),
        "plot file links to nothing": (
            ["--plot", "plots"], "cannot write loss_curve.png to --plot 'plots': it is a link to"
        ),
        "a folder above links to nothing": (
            ["--plot", "dangling/sub"],
            f"cannot create --plot 'dangling/sub': '{tmp_path / 'dangling'}' is a link to "
            f"'{tmp_path / 'nowhere'}', which does not exist",
        ),
    }[case]
    code, _, err = run_cli(capsys, *FAST, *args)
    assert code == 2 and expected in err and not fitted


def test_a_path_of_spaces_names_a_file(capsys, tmp_path, monkeypatch):
    # A file named " " is legal: only an empty path is refused.
    fitted = []
    monkeypatch.setattr(_run, "run", lambda job: fitted.append(job))
    monkeypatch.chdir(tmp_path)
    code, _, _ = run_cli(capsys, *FAST, "--save", " ")
    assert code == 0 and len(fitted) == 1


@pytest.mark.parametrize("flag", ["--save", "--plot", "--csv"])
def test_an_empty_path_is_a_usage_error(capsys, flag):
    # --save '' and --plot '' were taken for the flag left out: the run wrote nothing, silently.
    code, _, err = run_cli(capsys, *FAST, flag, "")
    assert code == 2
    assert err == f"l1l2-estimator: error: argument {flag}: expected a path, got ''\n"


@pytest.mark.parametrize("flag", ["--save", "--plot"])
def test_standard_output_is_no_path_to_write_to(capsys, flag, tmp_path, monkeypatch):
    # --save - wrote a file named "-" (where --csv - reads standard input), saying "Saved the
    # fitted pipeline to -".
    monkeypatch.chdir(tmp_path)  # where a regression would write it
    code, _, err = run_cli(capsys, *FAST, flag, "-")
    assert code == 2
    assert err == (f"l1l2-estimator: error: argument {flag}: expected a path, got '-' (standard "
                   "output, which it does not write to; ./- names a file called -)\n")
    assert not list(tmp_path.iterdir())


def test_a_negative_zero_penalty_is_zero():
    # --l1 -0 was echoed as "l1=-0" in the Model line.
    args = _parser.build_parser().parse_args(["--l1", "-0", "--l2", "-0.0"])
    assert (args.l1, args.l2) == (0.0, 0.0)
    assert not np.signbit(args.l1) and not np.signbit(args.l2)


def test_an_unknown_argument_with_a_newline_is_one_line(capsys):
    code, _, err = run_cli(capsys, "foo\nbar")
    assert code == 2 and err == "l1l2-estimator: error: unrecognized arguments: foo bar\n"


def test_save_and_plot_paths_may_start_with_the_home_folder(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    code, _, _ = run_cli(capsys, *FAST, "--epochs", "2", "--save", "~/m.joblib", "--plot", "~/p")
    assert code == 0
    assert (tmp_path / "m.joblib").is_file() and (tmp_path / "p" / "loss_curve.png").is_file()
    assert not (tmp_path / "~").exists()


def test_ctrl_c_is_one_line_and_exit_code_130(capsys, monkeypatch):
    def interrupted(job):
        raise KeyboardInterrupt

    monkeypatch.setattr(_run, "run", interrupted)
    code, _, err = run_cli(capsys, *FAST)
    assert code == 130
    assert err == "l1l2-estimator: error: interrupted\n"


def test_sigterm_stops_the_run_as_ctrl_c_does(capsys, monkeypatch):
    """kill, timeout or a job scheduler: the run stops as for Ctrl-C, cleaning up what it had
    begun to write (killed outright, a half-written --save file and the --plot folder stayed),
    says so in one line and exits 143; the process's own handling of SIGTERM is restored."""
    import signal
    import time

    def terminated(job):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(30)  # the handler raises at once

    monkeypatch.setattr(_run, "run", terminated)
    # Python's default handling, as a fresh process has it (a test runner may set its own).
    before = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        code, _, err = run_cli(capsys, *FAST)
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, before)
    assert code == 143
    assert err == "l1l2-estimator: error: terminated\n"


def test_sigterm_during_save_leaves_no_partial_file(tmp_path):
    """In a real process, SIGTERM in the middle of --save's write leaves the earlier file as it
    was and no temporary file (it had left a hidden partial one)."""
    saved = tmp_path / "m.joblib"
    saved.write_bytes(b"earlier")
    script = (
        "import os, signal, threading, joblib\n"
        "from l1l2_estimator.cli import main\n"
        "dump = joblib.dump\n"
        "def slow(value, filename, **kw):\n"
        "    open(filename, 'wb').write(b'partial')\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    import time; time.sleep(30)\n"
        "joblib.dump = slow\n"
        f"raise SystemExit(main({[*FAST, '--epochs', '2', '--save', str(saved)]!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 143, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "l1l2-estimator: error: terminated"
    assert saved.read_bytes() == b"earlier"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["m.joblib"]


def test_a_reader_of_stdout_and_stderr_that_stops_reading_does_not_stop_save(tmp_path):
    """``2>&1 | head -1``: the notes on stderr meet the broken pipe too."""
    saved = tmp_path / "model.joblib"
    reader = subprocess.Popen(["head", "-c", "1"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    done = subprocess.run(
        [sys.executable, "-m", "l1l2_estimator", *FAST, "--epochs", "2", "--save", str(saved)],
        stdout=reader.stdin,
        stderr=subprocess.STDOUT,
        timeout=300,
    )
    reader.stdin.close()
    reader.wait()
    assert done.returncode == 0
    assert saved.is_file()


def test_csv_text_beyond_a_quarter_of_the_free_memory_is_refused(tmp_path, monkeypatch):
    from l1l2_estimator.cli import _csv

    path = write_csv(tmp_path / "flowers.csv")
    monkeypatch.setattr(_csv, "available_memory", lambda: 4 * 1000)
    with pytest.raises(cli.UsageError, match="holds more than .* of text, a quarter of the"):
        _data.read_csv(str(path), "species")


@pytest.mark.parametrize("text", [
    "a,b,c,d,y\n1,2,3,4,x\n2,3,4,5,z\n" + "\n" * 200_000,  # 200 KB of blank lines
    ",".join(f"c{i}" for i in range(20_000)) + ",y\n",  # a header of 20,000 names, 130 KB
], ids=["blank lines", "wide header"])
def test_csv_text_that_would_take_more_than_half_the_free_memory_is_refused(
    tmp_path, monkeypatch, text
):
    """A file's size did not bound what reading it takes: 20 MB of blank lines took 2 GB, and
    a header of 1.4 million names (10 MB) 4.4 GB, though the text was far below a quarter of
    the free memory (here 40 MiB: 10 MiB of text would pass)."""
    from l1l2_estimator.cli import _csv

    path = tmp_path / "data.csv"
    path.write_text(text)
    monkeypatch.setattr(_csv, "available_memory", lambda: 40 << 20)
    with pytest.raises(cli.UsageError, match=r"which would take about .* of memory to read, "
                                             r"more than half of the 40 MiB available"):
        _data.read_csv(str(path), "y")
    monkeypatch.setattr(_csv, "available_memory", lambda: 8 << 30)
    if text.startswith("a,b"):
        assert len(_data.read_csv(str(path), "y")[1]) == 2  # with room, it reads
    else:
        with pytest.raises(cli.UsageError, match="has a header row but no data rows"):
            _data.read_csv(str(path), "y")


@pytest.mark.parametrize("header", [
    'id, "height, cm", "width, cm", y',  # quoted names after spaces, commas inside
    "BZh_score,a,b,y",  # bzip2's first three bytes
])
def test_headers_that_resemble_mistakes_are_read(tmp_path, header):
    """The check of repeated names before pandas read the header with the spaces before a
    quote kept (' cm"' twice), and a header starting with "BZh" was taken for bzip2."""
    path = tmp_path / "data.csv"
    path.write_text(header + "\n" + "".join(f"{i},{i % 7},{i % 5},{i % 2}\n" for i in range(20)))
    X, y, _ = _data.read_csv(str(path), "y")
    assert X.shape == (20, 3) and sorted(set(y)) == [0, 1]


def test_a_name_given_twice_is_refused_before_pandas_parses_the_file(tmp_path, monkeypatch):
    """Found only after pandas had built the whole frame: 25 s and 1.35 GB for a header of
    2.9 MB."""
    path = tmp_path / "data.csv"
    path.write_text("a,b,a,y\n1,2,3,x\n")
    monkeypatch.setattr(pd, "read_csv", None)  # not called
    with pytest.raises(cli.UsageError, match="names a column twice: 'a'"):
        _data.read_csv(str(path), "y")


def test_whole_number_labels_sort_as_numbers_up_to_64_bits(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,y\n1,18446744073709551615\n2,1\n3,2\n")
    _, y, _ = _data.read_csv(str(path), "y")
    assert np.unique(y).tolist() == [1, 2, 18446744073709551615]
    path.write_text("a,y\n1, 10 \n2,9 \n3,-1\n")  # spaces keep pandas from reading numbers
    _, y, _ = _data.read_csv(str(path), "y")
    assert y.dtype == np.int64 and np.unique(y).tolist() == [-1, 9, 10]


def test_module_entry_point_runs_in_a_fresh_python():
    # Importing l1l2_estimator here set TF_CPP_MIN_LOG_LEVEL, which the child would take for the
    # user's own choice and so not mute TensorFlow's start-up lines; run it as from a clean shell.
    env = {name: value for name, value in os.environ.items() if name != "TF_CPP_MIN_LOG_LEVEL"}
    done = subprocess.run(
        [sys.executable, "-m", "l1l2_estimator", *FAST, "--classes", "3", "--samples", "150"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "Test accuracy: " in done.stdout
    assert "Confusion matrix (rows: true class, columns: predicted class):" in done.stdout
    assert "Traceback" not in done.stderr
    # TensorFlow's start-up chatter is muted; at most the one-line epoch note remains.
    assert done.stderr.count("\n") <= 1, done.stderr



def test_keras_on_another_backend_is_one_line_and_exit_code_1():
    env = {name: value for name, value in os.environ.items() if not name.startswith("KERAS_")}
    done = subprocess.run(
        [sys.executable, "-m", "l1l2_estimator", *FAST],
        capture_output=True, text=True, timeout=120, env={**env, "KERAS_BACKEND": "jax"},
    )
    assert done.returncode == 1
    assert done.stderr.startswith("l1l2-estimator: error: l1l2-estimator trains its networks")
    assert "KERAS_BACKEND=tensorflow" in done.stderr and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_an_import_error_of_several_lines_is_one_line_and_exit_code_1(tmp_path):
    # As TensorFlow's "Failed to load the native TensorFlow runtime", here from a stand-in
    # scikeras that the package imports once TensorFlow is in.
    (tmp_path / "scikeras").mkdir()
    (tmp_path / "scikeras" / "__init__.py").write_text(
        "raise ImportError('first line\\nsecond line\\nthird line')\n"
    )
    env = {name: value for name, value in os.environ.items() if not name.startswith("KERAS_")}
    done = subprocess.run(
        [sys.executable, "-m", "l1l2_estimator", *FAST],
        capture_output=True, text=True, timeout=120, env={**env, "PYTHONPATH": str(tmp_path)},
    )
    assert done.returncode == 1
    assert done.stderr == "l1l2-estimator: error: first line second line third line\n"


# -- --task regression ---------------------------------------------------------------------------


def test_regression_task_reports_r2_and_errors(capsys):
    code, out, err = run_cli(capsys, "--task", "regression", *FAST)
    assert code == 0, err
    assert "Data: simulated by make_regression (120 samples, 20 features, seed 0)" in out
    assert "random, test size 0.25" in out
    assert "L1L2Regressor(hidden_layer_sizes=(8,)" in out and "target standardized" in out
    r2 = float(out.split("Test R²: ")[1].split()[0])
    assert r2 <= 1  # a weak model on purpose: this checks the report, not the fit
    assert "Test mean absolute error: " in out and "Test root mean squared error: " in out
    assert "Confusion matrix" not in out


def test_regression_grid_and_save(capsys, tmp_path):
    path = tmp_path / "reg.joblib"
    code, out, err = run_cli(
        capsys, "--task", "regression", *FAST, "--grid", "--save", str(path)
    )
    assert code == 0, err
    assert "scored by R²" in out and "Best: l1=" in out
    model = joblib.load(path)
    assert model.predict(np.zeros((2, 20))).shape == (2,)


def test_regression_from_csv(capsys, tmp_path):
    rng = np.random.RandomState(0)
    rows = ["a,b,price"] + [f"{x:.3f},{z:.3f},{3 * x - z:.3f}" for x, z in rng.normal(size=(60, 2))]
    path = tmp_path / "prices.csv"
    path.write_text("\n".join(rows) + "\n")
    code, out, err = run_cli(
        capsys, "--task", "regression", "--csv", str(path), "--target", "price", "--epochs", "20"
    )
    assert code == 0, err
    assert "target 'price' numeric" in out
    path.write_text("a,b,price\n1,2,cheap\n3,4,5\n")
    code, _, err = run_cli(capsys, "--task", "regression", "--csv", str(path), "--target", "price")
    assert code == 2
    assert err == (
        "l1l2-estimator: error: target column 'price' must be numeric, got 'cheap' on line 2\n"
    )


def test_regression_uses_its_own_penalties_unless_told(capsys):
    code, out, err = run_cli(capsys, "--task", "regression", *FAST)
    assert code == 0, err
    penalties = _settings.TASK_PENALTIES["regression"]
    assert f"l1={penalties['l1']:g}, l2={penalties['l2']:g}, epochs=20" in out
    code, out, err = run_cli(capsys, "--task", "regression", *FAST, "--l2", "0.1")
    assert code == 0, err
    assert f"l1={penalties['l1']:g}, l2=0.1, epochs=20" in out
    # The middle of the regression grid: --grid confirms or moves away from the default.
    grid = _settings.GRIDS["regression"]
    assert (penalties["l1"], penalties["l2"]) == (grid["l1"][1], grid["l2"][1])


@pytest.fixture(scope="module")
def diabetes_csv(tmp_path_factory):
    """scikit-learn's diabetes data as a user would write it: a CSV with a header, by pandas."""
    from sklearn.datasets import load_diabetes

    path = tmp_path_factory.mktemp("diabetes") / "diabetes.csv"
    load_diabetes(as_frame=True).frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def mlp_regressor_r2(diabetes_csv):
    """Held-out R² of MLPRegressor on the command line's split of the diabetes CSV, with X and y
    standardized as the command line does (on the raw target it scores about -1.4)."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    frame = pd.read_csv(diabetes_csv)
    X, y = frame.drop(columns="target"), frame["target"].to_numpy()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    mlp = TransformedTargetRegressor(
        make_pipeline(StandardScaler(), MLPRegressor(random_state=0)), transformer=StandardScaler()
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLPRegressor's ConvergenceWarning at max_iter=200
        return mlp.fit(X_train, y_train).score(X_test, y_test)


@pytest.mark.parametrize("grid", [False, True], ids=["defaults", "grid"])
def test_regression_on_diabetes_at_least_matches_mlp_regressor(
    capsys, diabetes_csv, mlp_regressor_r2, grid
):
    args = ["--task", "regression", "--csv", str(diabetes_csv), "--target", "target"]
    code, out, err = run_cli(capsys, *args, *(["--grid"] if grid else []))
    assert code == 0, err
    assert "Data: " in out and "10 feature columns, target 'target' numeric" in out
    r2 = float(out.split("Test R²: ")[1].split()[0])
    assert r2 >= mlp_regressor_r2 > 0.1
    if grid:  # the grid brackets the best l2: it is not on the grid's edge
        best_l2 = float(out.split("Best: l1=")[1].split("l2=")[1].split()[0])
        l2_grid = _settings.GRIDS["regression"]["l2"]
        assert min(l2_grid) < best_l2 < max(l2_grid)


def test_regression_refuses_classification_flags(capsys):
    code, _, err = run_cli(capsys, "--task", "regression", *FAST, "--classes", "3")
    assert code == 2
    assert err.startswith("l1l2-estimator: error: --classes shapes classification data")
    assert err.count("\n") == 1


# -- fast start ------------------------------------------------------------------------------

_WHAT_WAS_IMPORTED = (
    "import sys, contextlib, io; from l1l2_estimator.cli import main\n"
    "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
    "    code = main(sys.argv[1:])\n"
    "print(code, 'tensorflow' in sys.modules, 'sklearn' in sys.modules)"
)


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--help"], "0 False False"),
        (["--version"], "0 False False"),
        (["--epochs", "0"], "2 False False"),
        (["--grid", "--l1", "0.1"], "2 False False"),
        (["--csv", "missing.csv", "--target", "y"], "2 False False"),
        (["--csv", "{bad}", "--target", "species"], "2 False False"),
        (["--csv", "{empty}", "--target", "species"], "2 False False"),
        (["--csv", "{semicolon}", "--target", "species"], "2 False False"),
        (["--test-size", "5", "--samples", "4"], "2 False False"),
        (["--samples", "5", "--classes", "4"], "2 False False"),
        (["--features", "2", "--classes", "3"], "2 False False"),
        (["--csv", "{rare}", "--target", "species"], "2 False False"),
        (["--save", "."], "2 False False"),
        (["--samples", "100000000000"], "2 False False"),
        (["--task", "regression", "--samples", "8", "--test-size", "1"], "2 False False"),
        (["--epochs", "3000000000"], "2 False False"),
        (["--samples", "1" + "0" * 400], "2 False False"),
        (["--hidden", "1" + "0" * 400], "2 False False"),
        (["--csv", "{huge_integer}", "--target", "y"], "2 False False"),
        (["--csv", "{empty_row}", "--target", "y"], "2 False False"),
        (["--features", "10000000000"], "2 False False"),
        (["--features", "200", "--classes", "1000000000000000"], "2 False False"),
        (["--task", "regression", "--samples", "7", "--test-size", "2", "--grid"],
         "2 False True"),
        (["--samples", "6", "--grid"], "2 False True"),
        (["--hidden", "1000000000"], "2 False False"),
        (["--task", "regression", "--hidden", "1000000000"], "2 False False"),
    ],
    ids=[
        "help", "version", "bad flag", "flag combination", "missing csv", "bad csv",
        "empty cell", "semicolons", "no training rows", "a class of one simulated row",
        "too few informative features", "a class of one csv row", "save to a folder",
        "simulated data too large", "regression with one test row", "epochs too many",
        # An OverflowError's traceback (exit code 1) in the memory check or the CSV cell.
        "samples beyond 64 bits", "layer beyond 64 bits", "csv integer beyond float64",
        # Taken for a blank line and dropped: the run went on with the other rows.
        "a csv row of empty cells",
        # Computed 2 to the power of 5 billion (23 s, 2 GB), and a count per class (GiB).
        "ten billion features", "a quadrillion classes",
        # R² of one row per fold: a "best" pair of NaN scores, exit code 0.
        "regression grid folds of one row",
        # StratifiedKFold's own refusal, after TensorFlow was imported.
        "grid folds without a class of 3 rows",
        # Simulated (1.3-1.8 s, scikit-learn imported) before the network's size was checked.
        "a network too large for memory", "a regression network too large for memory",
    ],
)
def test_answers_and_usage_errors_come_before_tensorflow_and_sklearn(tmp_path, args, expected):
    """--help, --version and every usage or CSV error are answered before TensorFlow (seconds to
    import) or scikit-learn (most of a second) is imported."""
    files = {"bad": write_csv(tmp_path / "bad.csv", bad_cell="n/a"), **broken_csv_files(tmp_path)}
    args = [arg.format(**files) for arg in args]
    done = subprocess.run(
        [sys.executable, "-c", _WHAT_WAS_IMPORTED, *args],
        capture_output=True, text=True, check=True, cwd=tmp_path, timeout=120,
    )
    assert done.stdout.split() == expected.split()


def test_version_names_the_installed_package(capsys):
    with pytest.raises(SystemExit) as exited:
        _parser.build_parser().parse_args(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("l1l2-estimator ")


def test_help_shows_the_estimators_own_defaults():
    """--help shows defaults without importing the estimators; they must not drift."""
    defaults = L1L2Classifier().get_params()
    assert _settings.ESTIMATOR_DEFAULTS == {name: defaults[name] for name in ("l1", "l2", "epochs")}
    assert L1L2Regressor().get_params()["epochs"] == defaults["epochs"]
    for estimator in (L1L2Classifier, L1L2Regressor):  # --epochs' limit, checked before them
        assert estimator._parameter_constraints["epochs"][0].right == _settings.MAX_EPOCHS


def test_importing_the_package_does_not_import_tensorflow():
    done = subprocess.run(
        [sys.executable, "-c", "import sys, l1l2_estimator; print('tensorflow' in sys.modules)"],
        capture_output=True, text=True, check=True,
    )
    assert done.stdout.strip() == "False"


# -- found by a review of the command line -------------------------------------------------------


def test_grid_trains_with_a_class_of_one_training_row(capsys, tmp_path):
    """The fold that holds out virginica's one training row trains on the other two classes, as
    GridSearchCV's fit on it would (the search had refused it, and the command line with it);
    scikit-learn's warning about the rare class reaches the user, and the refit knows all
    three classes."""
    path = tmp_path / "rare.csv"
    path.write_text(
        "a,species\n"
        + "".join(f"{i},setosa\n{i + 10},versicolor\n" for i in range(8))
        + "30,virginica\n31,virginica\n"
    )
    code, out, err = run_cli(
        capsys, "--csv", str(path), "--target", "species", "--grid", "--test-size", "0.5",
        "--epochs", "5", "--hidden", "3",
    )
    assert code == 0
    assert "The least populated class in y has only 1 members, which is less than n_splits=3" in err
    assert "Best: l1=" in out
    header, rows = confusion_rows(out)
    assert header[-3:] == ["setosa", "versicolor", "virginica"] and len(rows) == 3


def test_grid_needs_a_class_with_as_many_training_rows_as_folds(capsys):
    code, _, err = run_cli(capsys, "--samples", "6", "--epochs", "2", "--hidden", "3", "--grid")
    assert code == 2
    assert err == (
        "l1l2-estimator: error: --grid: no class has 3 rows in the training split (the largest "
        "has 2); its stratified 3-fold cross-validation needs one with 3 or more (lower "
        "--test-size 0.25, or add rows)\n"
    )


def test_grid_refuses_two_classes_one_of_a_single_training_row(capsys, tmp_path):
    """Two classes, one of a single training row: the fold holding it out trained on one class
    and failed, every pair's mean score was NaN, and a "best" pair was reported (exit code 0)."""
    path = tmp_path / "two.csv"
    path.write_text("a,b,y\n1,2,A\n2,3,A\n3,1,A\n4,4,A\n9,9,B\n8,7,B\n")
    code, _, err = run_cli(capsys, "--csv", str(path), "--target", "y", "--grid",
                           "--test-size", "2", "--epochs", "3", "--hidden", "4")
    assert code == 2
    assert err == (
        "l1l2-estimator: error: --grid: the class 'B' has one row in the training split, so "
        "the fold that holds it out trains on the class 'A' alone and scores nothing; lower "
        "--test-size 2, or add rows\n"
    )
    # Two classes of one row each go to different folds: every fold trains on two classes.
    path.write_text("a,b,y\n" + "".join(f"{i},{i},A\n" for i in range(10)) + "1,1,B\n2,2,B\n"
                    "3,3,C\n4,4,C\n")
    code, out, _ = run_cli(capsys, "--csv", str(path), "--target", "y", "--grid",
                           "--test-size", "7", "--epochs", "3", "--hidden", "4")
    assert code == 0 and "Best: l1=" in out and "nan" not in out


def test_csv_cells_beyond_the_csv_modules_field_limit(tmp_path):
    """The csv module refuses fields above 128 KiB by default: an unclosed quote early in a large
    file, or a long label, raised its _csv.Error (a traceback, exit code 1)."""
    import csv

    limit = csv.field_size_limit()
    unclosed = tmp_path / "unclosed.csv"
    unclosed.write_text('a,b,y\n1,2,"x\n' + "3,4,z\n" * 25_000)
    with pytest.raises(cli.UsageError, match='line 2: a quoted cell opens with " here and is'):
        _data.read_csv(str(unclosed), "y")
    long_label = "x" * 140_000
    labels = tmp_path / "labels.csv"
    labels.write_text(f"a,y\n1,{long_label}\n2,z\n3,{long_label}\n4,z\n")
    X, y, _ = _data.read_csv(str(labels), "y")
    assert y.tolist() == [long_label, "z", long_label, "z"]
    assert csv.field_size_limit() == limit  # restored


def test_a_long_row_after_blank_lines_before_the_header_is_found_on_its_line(tmp_path):
    # pandas counts the skipped blank lines in its record number: this said "line 10".
    path = tmp_path / "data.csv"
    path.write_text("\n" * 3 + "a,b,y\n1,2,x\n3,4,z\n5,6,x,9\n7,8,z\n8,9,x\n9,9,z\n")
    with pytest.raises(cli.UsageError) as raised:
        _data.read_csv(str(path), "y")
    assert str(raised.value) == f"{path}, line 7: expected 3 fields as in the header, got 4"


def test_a_very_wide_file_is_parsed_whole_without_a_dtype_warning(tmp_path):
    """pandas parsed a file of more than about 2,000 columns in blocks of 256 rows, and warned
    (DtypeWarning, two lines on stderr) when a column's type differed between blocks."""
    width = 2_100
    rows = [",".join(f"c{j}" for j in range(width)) + ",y"]
    for i in range(300):
        cells = ["oops" if (i, j) == (280, 0) else str(i + j) for j in range(width)]
        rows.append(",".join(cells) + (",a" if i % 2 else ",b"))
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(rows) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(cli.UsageError, match="^feature column 'c0' must be numeric, got 'oops' "
                                                 "on line 282$"):
            _data.read_csv(str(path), "y")


def test_a_failed_save_leaves_the_earlier_model_whole(capsys, tmp_path, monkeypatch):
    """joblib.dump wrote straight onto --save: a full disk (or Ctrl-C) left a truncated file in
    place of the earlier model."""
    saved = tmp_path / "model.joblib"
    assert run_cli(capsys, *FAST, "--epochs", "2", "--save", str(saved))[0] == 0
    earlier = saved.read_bytes()
    os.chmod(saved, 0o640)

    def disk_full(value, filename, **kwargs):
        with open(filename, "wb") as file:
            file.write(b"\x80partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_run.joblib, "dump", disk_full)
    code, _, err = run_cli(capsys, *FAST, "--epochs", "2", "--save", str(saved))
    assert code == 2 and "cannot write --save" in err and "No space left on device" in err
    assert saved.read_bytes() == earlier
    assert sorted(path.name for path in tmp_path.iterdir()) == ["model.joblib"]  # nothing left
    monkeypatch.undo()
    # Written again: the new model replaces it, keeping its permissions.
    assert run_cli(capsys, *FAST, "--epochs", "3", "--save", str(saved))[0] == 0
    assert saved.read_bytes() != earlier
    assert oct(os.stat(saved).st_mode & 0o777) == oct(0o640)
    assert joblib.load(saved).predict(np.zeros((1, 20))).shape == (1,)


def test_save_through_a_link_writes_the_file_it_points_to_and_keeps_the_compression(
    capsys, tmp_path
):
    target = tmp_path / "models" / "model.joblib.gz"
    target.parent.mkdir()
    link = tmp_path / "latest.joblib.gz"
    link.symlink_to(target)
    assert run_cli(capsys, *FAST, "--epochs", "2", "--save", str(link))[0] == 0
    assert link.is_symlink() and target.is_file()
    assert target.read_bytes()[:2] == b"\x1f\x8b"  # gzip: joblib chose it by the extension
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(target).st_mode & 0o777 == 0o666 & ~umask  # as a new file gets
    assert joblib.load(link).predict(np.zeros((1, 20))).shape == (1,)


def test_a_stream_closed_at_start_is_not_a_traceback(tmp_path):
    """``--version >&-``: sys.stdout is None, and printing to it had failed with an
    AttributeError traceback (exit code 1); a full run had stopped before --save."""
    saved = tmp_path / "model.joblib"
    for args in (["--version"], [*FAST, "--epochs", "2", "--save", str(saved)]):
        command = " ".join(f"'{arg}'" for arg in [sys.executable, "-m", "l1l2_estimator", *args])
        done = subprocess.run(
            ["sh", "-c", f"exec {command} >&-"], capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
    assert saved.is_file()


def test_text_the_terminal_cannot_encode_is_escaped_not_a_failure(tmp_path):
    """Under PYTHONIOENCODING=ascii (or a C locale without UTF-8), --help failed on "R²" with a
    traceback, and a regression run failed after its fit on "Test R²", before --save."""
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = subprocess.run([sys.executable, "-m", "l1l2_estimator", "--help"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0 and "R\\xb2" in done.stdout and done.stderr == ""
    saved = tmp_path / "model.joblib"
    done = subprocess.run(
        [sys.executable, "-m", "l1l2_estimator", *FAST, "--epochs", "2", "--task", "regression",
         "--save", str(saved)],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "Test R\\xb2" in done.stdout
    assert saved.is_file()


def test_tables_of_labels_the_terminal_cannot_encode_line_up(tmp_path):
    """Under PYTHONIOENCODING=ascii the stream escaped non-ASCII labels (\\xe7) after the
    confusion matrix and the classification report had measured their columns on the labels
    themselves: the columns no longer lined up."""
    path = tmp_path / "iris.csv"
    frame = load_iris(as_frame=True).frame
    names = np.array(["Borsçlü", "größe ✓", "çiçek İ"])
    frame.assign(target=names[frame["target"]]).to_csv(path, index=False, encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    done = subprocess.run(
        [sys.executable, "-m", "l1l2_estimator", "--csv", str(path), "--target", "target",
         "--epochs", "20"],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    start = lines.index("Confusion matrix (rows: true class, columns: predicted class):") + 1
    matrix = lines[start:start + 4]
    assert "Bors\\xe7l\\xfc" in matrix[0]
    assert len({len(line) for line in matrix}) == 1, matrix
    start = lines.index("Classification report:") + 1
    report = [line for line in lines[start:start + 6] if "\\x" in line or "\\u" in line]
    assert len(report) == 3
    assert len({len(line) for line in report}) == 1, report


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")
def test_a_report_that_cannot_be_written_still_saves_and_says_so(tmp_path):
    """stdout on a full disk: the run had stopped at the first print, with a message that did
    not say it was stdout, before --save; a usage error with stderr on a full disk had exited
    with 1 (an unseen traceback) rather than 2."""
    saved = tmp_path / "model.joblib"
    # Buffered, as stdout to a file is by default: the write fails only at a flush.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    with open("/dev/full", "w") as full:
        for args in (["--version"], ["--help"]):
            done = subprocess.run([sys.executable, "-m", "l1l2_estimator", *args], stdout=full,
                                  stderr=subprocess.PIPE, text=True, timeout=120, env=env)
            assert done.returncode == 2, args
            assert done.stderr.endswith("No space left on device\n"), args
        done = subprocess.run(
            [sys.executable, "-m", "l1l2_estimator", *FAST, "--epochs", "2", "--save",
             str(saved)],
            stdout=full, stderr=subprocess.PIPE, text=True, timeout=300, env=env,
        )
        assert done.returncode == 2
        assert done.stderr.endswith(
            "l1l2-estimator: error: could not write the report to stdout: No space left on "
            "device\n"
        )
        assert saved.is_file()
        done = subprocess.run([sys.executable, "-m", "l1l2_estimator", "--bogus"],
                              stderr=full, timeout=120)
        assert done.returncode == 2


def test_output_names_the_system_cannot_look_up_are_refused_before_fitting(capsys, tmp_path,
                                                                            monkeypatch):
    """A name longer than the file system takes, a loop of links: found when writing, after
    the fits (for --plot, in a bare "[Errno 36]" message that did not name the flag)."""
    monkeypatch.setattr(_run, "run", None)  # nothing is fitted
    long_name = str(tmp_path / ("x" * 300))
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    for flag, path, problem in (
        ("--save", long_name + ".joblib", "File name too long"),
        ("--save", str(tmp_path / "loop1"), "Too many levels of symbolic links"),
        ("--plot", long_name, "File name too long"),
    ):
        code, _, err = run_cli(capsys, *FAST, flag, path)
        assert code == 2
        assert err.endswith(f"{flag} {path!r}: {problem}\n"), err


def test_save_asking_for_a_compressor_that_is_not_installed_is_refused_before_fitting(
    capsys, tmp_path, monkeypatch
):
    """joblib compresses model.joblib.lz4 with the lz4 package: without it, the run failed after
    the fits ("LZ4 is not installed"), not naming --save."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *args: None if name == "lz4" else real(name, *args))
    monkeypatch.setattr(_run, "run", None)  # nothing is fitted
    path = str(tmp_path / "model.joblib.lz4")
    code, _, err = run_cli(capsys, *FAST, "--save", path)
    assert code == 2
    assert err == (
        f"l1l2-estimator: error: --save {path!r}: joblib compresses a .lz4 file with the lz4 "
        "package, which is not installed (pip install lz4); or use .gz, .bz2 or .xz, or no "
        "compression\n"
    )


def test_plots_that_cannot_be_written_name_the_flag(capsys, tmp_path, monkeypatch):
    """What the checks before fitting cannot see, such as a full disk."""
    from l1l2_estimator import plots

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(plots, "save_plots", full)
    folder = str(tmp_path / "pictures")
    code, _, err = run_cli(capsys, *FAST, "--epochs", "2", "--plot", folder)
    assert code == 2
    assert err.endswith(
        f"l1l2-estimator: error: cannot write --plot {folder!r}: No space left on device\n"
    )


def test_save_falls_back_to_writing_in_place_where_it_cannot_replace(capsys, tmp_path,
                                                                     monkeypatch):
    """A file that may be written but not replaced (another user's, in a folder such as /tmp:
    os.replace raises PermissionError), and a name too long for the temporary file's, are
    written in place, as before the temporary file; a device is written as it is."""
    # A name of 250 bytes: the temporary file's had been 10 bytes longer, past the limit of 255.
    for saved in (tmp_path / "model.joblib", tmp_path / ("m" * 247 + ".jl")):
        assert run_cli(capsys, *FAST, "--epochs", "2", "--save", str(saved))[0] == 0
        assert joblib.load(saved).predict(np.zeros((1, 20))).shape == (1,)

    def refused(source, target):
        raise PermissionError(1, "Operation not permitted", source, None, target)

    monkeypatch.setattr(_files.os, "replace", refused)
    saved = tmp_path / "model.joblib"
    earlier = saved.read_bytes()
    assert run_cli(capsys, *FAST, "--epochs", "3", "--save", str(saved))[0] == 0
    assert saved.read_bytes() != earlier
    assert joblib.load(saved).predict(np.zeros((1, 20))).shape == (1,)
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".")]
    assert run_cli(capsys, *FAST, "--epochs", "2", "--save", os.devnull)[0] == 0


def test_the_note_follows_the_users_warning_filters(capsys):
    """The command line made ConvergenceWarning "always" to count the fits: under -W ignore the
    note was printed anyway, and under -W error the fits' warnings became notes while one of
    scikit-learn's escaped as a traceback with exit code 1."""
    for ignored in ({"category": ConvergenceWarning}, {"message": "L1L2Classifier"}):
        with warnings.catch_warnings():
            warnings.resetwarnings()  # not the suite's ignore::ConvergenceWarning
            warnings.filterwarnings("ignore", **ignored)
            code, _, err = run_cli(capsys, *FAST, "--epochs", "2")
        assert code == 0 and err == "", ignored
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        code, _, err = run_cli(capsys, *FAST, "--epochs", "2")
    assert code == 2
    assert err == (
        "l1l2-estimator: error: ConvergenceWarning: L1L2Classifier: the maximum number of epochs "
        "(2) was reached and the training loss has not converged yet (a warning, which this "
        "Python's warning filters turn into an error).\n"
    )


@pytest.mark.filterwarnings("default::sklearn.exceptions.ConvergenceWarning")
def test_convergence_warnings_of_other_causes_keep_their_reason(capsys):
    """Every ConvergenceWarning was counted as fits that stopped at --epochs, its message
    dropped: a stop where float32 cannot register tol, or a loss that rose from the start."""
    from l1l2_estimator.cli._reports import warnings_summarized

    with warnings_summarized(5):
        warnings.warn("L1L2Classifier: the maximum number of epochs (5) was reached and the "
                      "training loss has not converged yet.", ConvergenceWarning)
        warnings.warn("L1L2Classifier: the training loss stopped improving by tol after 12 "
                      "epochs without ever falling below its first epoch's.", ConvergenceWarning)
    assert capsys.readouterr().err == (
        "l1l2-estimator: note: 1 fit stopped at --epochs 5 before converging\n"
        "l1l2-estimator: warning: L1L2Classifier: the training loss stopped improving by tol "
        "after 12 epochs without ever falling below its first epoch's.\n"
    )


def test_characters_the_pictures_font_lacks_are_one_note(capsys):
    """matplotlib warns once per character its font lacks, two lines each: labels in another
    script printed a dozen such warnings under --plot."""
    from l1l2_estimator.cli._reports import warnings_summarized

    with warnings_summarized(5):
        for character in "猫狗猫":
            warnings.warn(
                f"Glyph {ord(character)} "
                f"({character.encode('ascii', 'namereplace').decode('ascii')}) "
                "missing from font(s) DejaVu Sans.",
                UserWarning,
            )
        warnings.warn("something else", UserWarning)
    assert capsys.readouterr().err == (
        "l1l2-estimator: warning: something else\n"
        "l1l2-estimator: note: the pictures' font (DejaVu Sans) has no 猫狗, drawn as boxes: "
        "set matplotlib's font.family to a font that has them\n"
    )


@pytest.mark.parametrize("part, nonzero, message", [
    # Its R² is undefined, and was reported as 0.0000 (scikit-learn's r2_score returns 0 for
    # imperfect predictions of a constant target).
    ("test", [5, 17, 31], "the test split's target is 0 in all of its 10 rows, so its R² is "
                          "undefined; use a larger --test-size or another --seed"),
    # The network trained on a constant and the run printed an R² without a word.
    ("training", [7], "the training split's target is 0 in all of its 30 rows, so there is "
                      "nothing to learn; use a smaller --test-size or another --seed"),
])
def test_a_regression_split_of_one_target_value_is_refused_before_fitting(
    capsys, tmp_path, monkeypatch, part, nonzero, message
):
    from sklearn.model_selection import train_test_split

    rows = 40
    y = np.zeros(rows)
    y[nonzero] = np.arange(1.0, len(nonzero) + 1)
    which = 0 if part == "training" else 1
    seed = next(
        seed for seed in range(100)
        if np.ptp(train_test_split(y, test_size=0.25, random_state=seed)[which]) == 0
    )
    path = tmp_path / "one_value.csv"
    frame = pd.DataFrame(np.random.default_rng(0).normal(size=(rows, 3)), columns=["a", "b", "c"])
    frame.assign(target=y).to_csv(path, index=False)
    monkeypatch.setattr(_run, "run", None)  # refused before anything is fitted
    code, _, err = run_cli(capsys, "--csv", str(path), "--target", "target", "--task",
                           "regression", "--seed", str(seed))
    assert code == 2
    assert err == f"l1l2-estimator: error: {message}\n"


def test_scores_far_from_0_and_1_print_in_a_few_digits():
    """An R² of -4.6e303 (a feature cell of 1e150 in the test split) printed as 300 digits."""
    from types import SimpleNamespace

    from l1l2_estimator.cli._reports import (
        format_grid_results,
        format_regression_evaluation,
        format_regularization_path,
    )
    from l1l2_estimator.plots import RegularizationPath

    y_test = np.array([0.0, 1.0, 2.0])
    model = SimpleNamespace(predict=lambda X: np.array([1e150, 0.0, 0.0]))
    report = format_regression_evaluation(model, np.zeros((3, 1)), y_test)
    assert report.splitlines()[0] == "Test R²: -5e+299"
    assert format_regression_evaluation(
        SimpleNamespace(predict=lambda X: np.array([0.5, 1.0, 2.0])), np.zeros((3, 1)), y_test
    ).splitlines()[0] == "Test R²: 0.8750"
    path = RegularizationPath(
        l1_values=[0.0, 1e-3], train_scores=[0.5, -1e200], test_scores=[0.25, -1e200],
        feature_importances=[[1.0], [0.0]], feature_names=["x0"], n_iter=[5, 5], score_name="R²",
    )
    assert format_regularization_path(path).splitlines()[-2:] == [
        "       0     0.250       5", "   0.001   -1e+200       5"
    ]
    search = SimpleNamespace(
        cv_results_={"params": [{"l1": 0.0, "l2": 0.0}], "mean_test_score": np.array([-3e100]),
                     "std_test_score": np.array([1e99]), "rank_test_score": np.array([1])},
        best_params_={"l1": 0.0, "l2": 0.0}, best_index_=0, best_score_=-3e100, n_splits_=2,
    )
    lines = format_grid_results(search, "R²").splitlines()
    assert "(mean CV R² -3e+100)" in lines[1]
    assert lines[-1] == "       0        0 -3e+100   1e+99     1  <- best"


def test_a_csv_of_one_feature_column_says_column(tmp_path):
    """It said "1 feature columns"."""
    from l1l2_estimator.cli._csv import read_csv

    path = tmp_path / "one.csv"
    path.write_text("x,label\n" + "".join(f"{i},{i % 2}\n" for i in range(8)))
    description = read_csv(str(path), "label", numeric_target=False, sep=",")[2]
    assert "(8 rows, 1 feature column, target 'label'" in description


def test_simulated_data_is_counted_with_the_copies_a_run_makes(capsys, monkeypatch):
    """Counted once, 7.5 GiB of simulated values passed the check with 15 GiB free, and the run
    was killed 150 s later: a run holds about 3.3 times them at its peak."""
    from l1l2_estimator.cli import _job

    values = 1000 * 20
    monkeypatch.setattr(_job, "available_memory", lambda: 3 * values * 8)
    monkeypatch.setattr(_run, "run", None)  # refused before anything is fitted
    code, _, err = run_cli(capsys, "--samples", "1000")
    assert code == 2
    assert "make 20,000 simulated values, about 0 MiB, and a run holds about 4 times that" in err


def test_a_class_without_test_rows_is_named_and_left_out_of_the_report(capsys, tmp_path):
    """A class of 2 rows in 200 can land wholly in the training split: the report scored it
    0.000 with support 0, so its macro average read 0.500 with every test row right."""
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    frame["label"] = "common"
    frame.loc[[5, 9], "label"] = "rare"
    path = tmp_path / "two_rare.csv"
    frame.to_csv(path, index=False)
    code, out, err = run_cli(capsys, "--csv", str(path), "--target", "label", "--epochs", "20")
    assert code == 0, err
    header, rows = confusion_rows(out)
    assert list(rows) == ["common", "rare"]  # the matrix keeps every class
    assert rows["common"][1] == 0  # (never predicted, else its precision is a result)
    report = out.split("Classification report:")[1]
    assert "rare" not in report.split("accuracy")[0]
    assert "Class 'rare' has no rows in the test split: left out of the report." in report


def test_save_through_a_link_compresses_by_the_name_given_not_the_link_target(capsys, tmp_path):
    """joblib compresses by PATH's extension (README): through a link, the temporary file took
    the extension of the file linked to, so latest.gz -> model.bin was written uncompressed,
    and latest.joblib -> model.lz4 failed after the fits for want of the lz4 package."""
    for name, target_name, gzipped in (("latest.gz", "model.bin", True),
                                    ("latest.joblib", "model.lz4", False)):
        target = tmp_path / target_name
        link = tmp_path / name
        link.symlink_to(target)
        code, _, err = run_cli(capsys, *FAST, "--epochs", "2", "--save", str(link))
        assert code == 0, err
        assert (target.read_bytes()[:2] == b"\x1f\x8b") is gzipped
        assert joblib.load(link).predict(np.zeros((1, 20))).shape == (1,)


def test_a_long_run_of_digits_is_refused_at_once(tmp_path, capsys):
    """The number patterns let a run of digits split two ways: a cell (or a flag) of 20,000
    digits followed by a letter took 15 s to refuse, the time growing with the square of its
    length. A cell of a million is refused as any other, quoted short."""
    cell = "9" * 1_000_000 + "x"
    path = tmp_path / "data.csv"
    path.write_text(f"a,b,y\n1,{cell},x\n3,4,z\n")
    with pytest.raises(cli.UsageError) as raised:
        _data.read_csv(str(path), "y")
    message = str(raised.value)
    assert message.startswith("feature column 'b' must be numeric, got '9999")
    assert message.endswith("... (1,000,001 characters) on line 2")
    assert len(message) < 200
    code, _, err = run_cli(capsys, "--l1", cell)
    assert code == 2 and "--l1" in err and len(err) < 300


def test_control_characters_from_the_file_are_printed_escaped(capsys, tmp_path):
    """A column name or a label from the file went to the terminal as written: an escape
    sequence in it (clearing the screen) was sent to the terminal, and a newline broke the
    table."""
    path = tmp_path / "data.csv"
    rng = np.random.RandomState(0)
    rows = "\n".join(f"{a:.3f},{b:.3f},{label}" for a, b, label in zip(
        rng.normal(size=60), rng.normal(size=60), ['"lab\nel"', "x\x1b[2J"] * 30))
    path.write_text(f"a,b\x1b[31mRED,y\n{rows}\n")
    code, _, err = run_cli(capsys, "--csv", str(path), "--target", "zz")
    assert code == 2 and "\x1b" not in err
    assert "its columns are: a, b\\x1b[31mRED, y" in err
    code, out, err = run_cli(capsys, "--csv", str(path), "--target", "y", "--epochs", "2",
                             "--hidden", "4")
    assert code == 0, err
    assert "\x1b" not in out and "lab\\nel" in out and "x\\x1b[2J" in out
    header, table = confusion_rows(out)
    assert header[-2:] == ["lab\\nel", "x\\x1b[2J"] and len(table) == 2


def test_a_split_of_one_row_says_so(capsys):
    code, _, err = run_cli(capsys, "--task", "regression", "--samples", "6", "--test-size", "5")
    assert code == 2
    assert "the training split holds a single row (its target is " in err
    assert err.rstrip().endswith("so there is nothing to learn; use a smaller --test-size")


def test_one_epoch_is_one_epoch(capsys):
    code, out, _ = run_cli(capsys, *FAST, "--epochs", "1")
    assert code == 0 and "trained for 1 epoch\n" in out


def test_a_label_of_thousands_of_digits_is_too_large_for_class_labels(tmp_path):
    """Python refuses to convert integers of more than 4,300 digits: such a label gave its
    "Exceeds the limit (4300 digits)" error, naming no column or line."""
    path = tmp_path / "data.csv"
    big = "1" + "0" * 5000
    path.write_text(f"a,y\n1,0\n2,{big}\n3,-{big}\n")
    with pytest.raises(cli.UsageError, match=r"^target column 'y' holds numbers too large for "
                       r"class labels, such as '1000.*\.\.\. \(5,001 characters\) on line 3"):
        _data.read_csv(str(path), "y")
    # Leading zeros count for Python's limit too: 5,000 of them before a 1 is the label 1.
    path.write_text(f"a,y\n1,0\n2,{'0' * 5000}1\n3,{2**64}\n")
    with pytest.raises(cli.UsageError, match=f"such as '{2**64}' on line 4"):
        _data.read_csv(str(path), "y")
    path.write_text(f"a,y\n1,0\n2,{'0' * 5000}1\n3,-7\n")
    assert _data.read_csv(str(path), "y")[1].tolist() == [0, 1, -7]


def test_a_header_sep_of_two_columns_and_text_labels_infinity_and_none_are_read(tmp_path):
    """With --sep '=', "sep=y" is a header of two columns, not Excel's line; "Infinity" and
    "None" beside each other are two text labels, not a number and a missing one."""
    path = tmp_path / "equals.csv"
    path.write_text("sep=y\n" + "".join(f"{i}={i % 2}\n" for i in range(8)))
    X, y, _ = _data.read_csv(str(path), "y", sep="=")
    assert list(X.columns) == ["sep"] and sorted(set(y)) == [0, 1]
    path = tmp_path / "words.csv"
    path.write_text("a,y\n" + "".join(f"{i},{('Infinity', 'None')[i % 2]}\n" for i in range(8)))
    assert sorted(set(_data.read_csv(str(path), "y")[1])) == ["Infinity", "None"]


def test_long_labels_head_the_confusion_matrix_columns_by_number():
    """Three labels of 60 characters had made the table 243 characters wide; the rows keep the
    whole labels, numbered, and the columns their numbers."""
    from l1l2_estimator.cli._reports import format_confusion_matrix

    labels = np.array([f"{word} " * 10 for word in ("alpha", "beta", "gamma")], dtype=object)
    table = format_confusion_matrix(np.array([[5, 1, 0], [0, 6, 0], [2, 0, 4]]), labels)
    lines = table.splitlines()
    assert lines[0].split()[-3:] == ["[0]", "[1]", "[2]"]
    assert lines[1].startswith(f"[0] {labels[0].strip()}") and lines[1].split()[-3:] == [
        "5", "1", "0"]
    assert max(map(len, lines)) < 90
    short = format_confusion_matrix(np.eye(2, dtype=int), np.array(["setosa", "virginica"]))
    assert short.splitlines()[0].split()[-2:] == ["setosa", "virginica"]
