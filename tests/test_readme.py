"""README.md runs as written: its Python blocks, in order, in one namespace, in a fresh folder,
at their own sizes (every estimator trains until its loss settles, as a reader's would), and
without a single warning.

The blocks build on each other as a reader would run them in one session (the recipe's
``X_train`` is used by the grid search, the pictures and the dask example). The command lines of
the "Command line" section that read the CSV files the README has just written are run too, with
``cli.main``. Only the block that needs a dask scheduler at the placeholder address
``tcp://scheduler:8786`` is left out (its ``LocalCluster`` twin runs); the test checks that no
other block is.
"""

import re
import shlex
import warnings
from pathlib import Path

import matplotlib
import pytest

from l1l2_estimator import cli

matplotlib.use("Agg")  # the pictures' blocks draw into pyplot figures; never open windows
import matplotlib.pyplot as plt  # noqa: E402

README = Path(__file__).resolve().parent.parent / "README.md"
PLACEHOLDER = "tcp://scheduler:8786"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def readme_blocks():
    """``(language, code, line)`` of each fenced block; ``line`` is where its code starts."""
    text = README.read_text(encoding="utf-8")
    for match in FENCE.finditer(text):
        yield match.group(1), match.group(2), text.count("\n", 0, match.start(2)) + 1


def cli_commands(code):
    """Arguments of each ``l1l2-estimator`` or ``python -m l1l2_estimator`` line of a bash block."""
    for line in code.splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["l1l2-estimator"]:
            yield words[1:]
        elif words[:3] == ["python", "-m", "l1l2_estimator"]:
            yield words[3:]


def run_python(code, line, namespace):
    # Padded so that a traceback points at the README's own line numbers.
    exec(compile("\n" * (line - 1) + code, str(README), "exec"), namespace)


def test_readme_runs_as_written_without_a_single_warning(tmp_path, monkeypatch, capsys):
    """Every block and CSV command line, under Python's default warning filters: not a single
    warning, ConvergenceWarning included. Warnings that dask's own cluster raises about the
    machine it starts on (a dashboard port already taken) are not the README's and not counted;
    the fits of the dask block run in worker processes, whose warnings this process never
    sees."""
    monkeypatch.chdir(tmp_path)  # the blocks write model files, CSVs and plots/ here
    namespace = {"__name__": "__readme__"}
    left_out, commands = [], []
    with warnings.catch_warnings(record=True) as caught:
        # Python's defaults: deprecations are shown only where the reader's own code triggers
        # them; everything else is shown.
        warnings.resetwarnings()
        warnings.simplefilter("always")
        for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning,
                         ResourceWarning):
            warnings.filterwarnings("ignore", category=category)
        warnings.filterwarnings("always", category=DeprecationWarning, module="__readme__")
        for language, code, line in readme_blocks():
            if language == "python":
                if PLACEHOLDER in code:
                    left_out.append(line)
                    continue
                run_python(code, line, namespace)
                plt.close("all")
            elif language == "bash":
                for args in cli_commands(code):
                    if "--csv" in args and Path(args[args.index("--csv") + 1]).exists():
                        assert cli.main(args) == 0, f"README.md:{line}: {shlex.join(args)}"
                        commands.append(args[: args.index("--target") + 2])
    output = capsys.readouterr()

    ours = [w for w in caught if "distributed" not in Path(w.filename).parts]
    assert [f"{w.category.__name__}: {w.message}" for w in ours] == []
    assert "warning" not in output.err.lower()  # the command line's own notes go to stderr
    assert len(left_out) == 1  # only the block that needs a real scheduler
    assert commands == [
        ["--csv", "iris.csv", "--target", "species"],
        ["--csv", "diabetes.csv", "--target", "target"],
    ]
    # What the blocks promise: files written, a grid searched, names kept, pictures drawn.
    for name in ("model.joblib", "model.l1l2", "iris.csv", "diabetes.csv"):
        assert (tmp_path / name).is_file(), name
    assert {path.name for path in (tmp_path / "plots").iterdir()} == {
        "confusion_matrix.png", "loss_curve.png", "regularization_path.png",
    }
    assert {path.name for path in (tmp_path / "regression-plots").iterdir()} == {
        "prediction_error.png", "loss_curve.png", "regularization_path.png",
    }
    assert set(namespace["search"].best_params_) == {"l1", "l2"}  # the LocalCluster search
    assert namespace["model"].feature_names_in_[0] == "sepal length (cm)"


def test_the_left_out_block_differs_from_its_local_twin_only_in_the_cluster():
    """The placeholder block is not run; its LocalCluster twin is, and builds the same search."""
    python = [code for language, code, _ in readme_blocks() if language == "python"]
    (remote,) = [code for code in python if PLACEHOLDER in code]
    (local,) = [code for code in python if "LocalCluster(" in code]
    for statement in (
        "GridSearchCV(",
        'joblib.parallel_backend("dask", scatter=[X_train, y_train])',
        "search.fit(X_train, y_train)",
        "print(search.best_params_)",
    ):
        assert statement in remote and statement in local, statement


@pytest.mark.parametrize("language", ["python", "bash"])
def test_readme_has_blocks_of(language):
    assert any(found == language for found, _, _ in readme_blocks())


def _slug(heading):
    """The anchor GitHub gives a heading: lower case, punctuation but ``-`` and ``_`` dropped,
    spaces as ``-``."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _prose(path):
    """A Markdown file without its fenced blocks (a ``#`` comment there is no heading)."""
    return FENCE.sub("", path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", [README, README.parent / "benchmarks" / "README.md"])
def test_every_link_within_the_docs_names_a_heading(path):
    headings = {
        document: {_slug(title) for title in re.findall(r"^#+ (.*)$", _prose(document), re.M)}
        for document in (README, README.parent / "benchmarks" / "README.md")
    }
    broken = []
    for target, anchor in re.findall(r"\]\(([\w./]*?)#([^)\s]+)\)", _prose(path)):
        document = (path.parent / target).resolve() if target else path
        if anchor not in headings.get(document, set()):
            broken.append(f"{target}#{anchor}")
    assert broken == []


def test_the_contents_list_every_section_in_order():
    prose = _prose(README)
    contents = prose.split("## Contents\n", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^ *- \[(.*)\]\(#(.*)\)$", contents, re.M)
    sections = re.findall(r"^##{1,2} (.*)$", prose.split("## Contents\n", 1)[1], re.M)
    assert [title for title, _ in listed] == sections
    assert all(anchor == _slug(title) for title, anchor in listed)


@pytest.mark.parametrize("name", ["README.md", "benchmarks/README.md"])
def test_markdown_table_rows_are_one_line_each(name):
    """A line break inside a table row ends the row there: GitHub renders the rest as rows of
    one cell (two of README's rows had been broken by edits)."""
    text = _prose(README.parent / name)
    broken = [
        number for number, line in enumerate(text.splitlines(), 1)
        if line.startswith("|") and not line.rstrip().endswith("|")
    ]
    assert broken == []


def test_readme_states_current_behaviour_and_leaves_history_to_the_changelog():
    """What a fix changed ("until 2026-12-06 it raised ...") goes into CHANGELOG.md; README's
    prose says what the package does now. (Measurement dates, "on 2026-12-05", stay.)"""
    history = re.findall(r"(?i)\buntil \d{4}-\d{2}-\d{2}\b", _prose(README))
    assert history == []
    changelog = README.parent / "CHANGELOG.md"
    assert "[CHANGELOG.md](CHANGELOG.md)" in _prose(README)
    assert re.search(r"^## \d+\.\d+\.\d+", changelog.read_text(encoding="utf-8"), re.M)
