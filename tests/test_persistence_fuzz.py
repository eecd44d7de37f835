"""Fuzzing ``load`` (issue 11): random mutations of valid files, in their bytes, their zip
structure, their JSON values and their HDF5 datasets, either load to an estimator that predicts
exactly like the original or are refused with ``ValueError: Cannot load <path>: <reason>`` — never
another exception, and never with the process growing by more than ``MEMORY_BOUND_MIB``.

Hypothesis draws the mutations deterministically (``derandomize=True``): every run tries the same
few hundred files, and a failure names the mutation that caused it.
"""

import io
import json
import warnings
import zipfile

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from l1l2_estimator import L1L2Classifier, L1L2Regressor
from l1l2_estimator.persistence import dump, load

from .conftest import peak_memory_growth
from .crafting import METADATA, MODEL, edit_h5, members, zip_members

MEMORY_BOUND_MIB = 200
KERAS_MEMBERS = ("config.json", "metadata.json", "model.weights.h5")


def _settings(examples):
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    """Two small fitted estimators (a 3-class classifier with string labels and Adam, a 2-output
    regressor with two hidden layers and SGD with momentum), their files and some rows."""
    folder = tmp_path_factory.mktemp("fuzz")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    labels = np.array(["ant", "bee", "cat"])[rng.integers(0, 3, 40)]
    targets = np.column_stack([X[:, 0], X[:, 1] - X[:, 2]])
    estimators = {
        "classifier": L1L2Classifier(hidden_layer_sizes=(4,), epochs=3, random_state=0).fit(
            X, labels
        ),
        "regressor": L1L2Regressor(
            hidden_layer_sizes=(3, 2), optimizer="sgd", optimizer__momentum=0.5, epochs=3,
            random_state=0,
        ).fit(X, targets),
    }
    files = {}
    for name, estimator in estimators.items():
        path = folder / f"{name}.l1l2"
        dump(estimator, path)
        files[name] = SavedFile(path.read_bytes(), name)
        load(path)  # first-use allocations happen before any measurement
    return Originals(estimators=estimators, files=files, X=X, folder=folder,
                     targets={"classifier": labels, "regressor": targets})


class SavedFile(bytes):
    """A file's bytes, shown by name in Hypothesis' reports."""

    def __new__(cls, data, name):
        saved = super().__new__(cls, data)
        saved.name = name
        return saved

    def __repr__(self):
        return f"<{self.name} file>"


class Originals(dict):
    """The fixture's dict, shown briefly in Hypothesis' reports of a failing example."""

    def __repr__(self):
        return "originals"


def _outputs(estimator, X):
    if isinstance(estimator, L1L2Classifier):
        return estimator.predict_proba(X)
    return np.asarray(estimator.predict(X)).reshape(len(X), -1)


def _check(originals, name, data, *, same_weights=True, continue_training=False):
    """Load the mutant ``data`` of file ``name``: refused cleanly, or it predicts like the original
    (with ``same_weights=False``, when the mutation may have changed weights: finite outputs); with
    ``continue_training``, a loaded mutant also trains one more epoch, or refuses to with a
    ValueError (a mutated param, a learning rate say, may make training diverge)."""
    path = originals["folder"] / "mutant.l1l2"
    path.write_bytes(data)
    loaded = []
    # Warnings as errors: load never warns (README), also where warnings are errors, so a
    # warning a mutant causes is a failure (a cast's RuntimeWarning had escaped load so).
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        error, growth = peak_memory_growth(lambda: loaded.append(load(path)))
    assert growth < MEMORY_BOUND_MIB, f"load grew the process by {growth:.0f} MiB"
    if error is not None:
        assert type(error) is ValueError, f"{type(error).__name__}: {error}"
        assert str(error).startswith(f"Cannot load {path}: "), str(error)
        event("refused: " + " ".join(str(error).split(": ", 1)[1].split()[:4]))
        return
    event("loaded")
    X = originals["X"]
    outputs = _outputs(loaded[0], X)
    if same_weights:
        np.testing.assert_array_equal(outputs, _outputs(originals["estimators"][name], X))
    else:
        assert np.isfinite(outputs).all()
    if continue_training:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                loaded[0].partial_fit(X, originals["targets"][name])
            except ValueError:
                event("loaded, refused to train")
            else:
                assert np.isfinite(_outputs(loaded[0], X)).all()


FILES = st.sampled_from(["classifier", "regressor"])


# -- raw bytes -------------------------------------------------------------------------------------


def _structure_offsets(data):
    """Offsets of the zip archive's headers, directory and end record: where a random byte
    mutation reaches the structure rather than compressed data (which the CRC check catches)."""
    offsets = list(range(len(data) - 22, len(data)))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        directory = archive.start_dir
    for info in infos:
        offsets.extend(range(info.header_offset, info.header_offset + 30 + len(info.filename)))
    offsets.extend(range(directory, len(data) - 22))
    return sorted(set(offsets))


@st.composite
def byte_mutants(draw, data):
    positions = st.one_of(st.integers(0, len(data) - 1), st.sampled_from(_structure_offsets(data)))
    kinds = st.sampled_from(["set", "insert", "delete", "truncate", "prepend", "append"])
    mutant = bytearray(data)
    for kind, position, value in draw(
        st.lists(st.tuples(kinds, positions, st.integers(0, 255)), min_size=1, max_size=4)
    ):
        position = min(position, max(len(mutant) - 1, 0))
        if kind == "set" and mutant:
            mutant[position] = value
        elif kind == "insert":
            mutant.insert(position, value)
        elif kind == "delete" and mutant:
            del mutant[position]
        elif kind == "truncate":
            del mutant[position:]
        elif kind == "prepend":
            mutant[:0] = bytes([value])
        else:
            mutant.append(value)
    return bytes(mutant)


@_settings(80)
@given(data=st.data())
def test_byte_mutants(originals, data):
    name = data.draw(FILES)
    _check(originals, name, data.draw(byte_mutants(originals["files"][name])))


# -- zip structure ---------------------------------------------------------------------------------

NAMES = st.sampled_from(
    [METADATA, MODEL, *KERAS_MEMBERS, "assets/x.bin", "../escape", "model.keras/", "", "x" * 300]
)
METHODS = st.sampled_from(
    [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
)


@st.composite
def zip_mutants(draw, data):
    """The file with the entries of its outer archive or of model.keras dropped, repeated,
    renamed, added, reordered or recompressed, or a comment or bytes around an archive."""
    inner = draw(st.booleans())
    outer = members(data)
    archive = members(outer[MODEL]) if inner else outer
    entries = [[name, content, zipfile.ZIP_STORED if inner else zipfile.ZIP_DEFLATED]
               for name, content in archive.items()]
    comment, prefix, suffix = b"", b"", b""
    for kind in draw(st.lists(st.sampled_from(
        ["drop", "repeat", "rename", "add", "reorder", "method", "comment", "prefix", "suffix"]
    ), min_size=1, max_size=3)):
        index = draw(st.integers(0, max(len(entries) - 1, 0)))
        if kind == "drop" and entries:
            del entries[index]
        elif kind == "repeat" and entries:
            entries.append(list(entries[index]))
        elif kind == "rename" and entries:
            entries[index][0] = draw(NAMES)
        elif kind == "add":
            entries.append([draw(NAMES), draw(st.binary(max_size=64)), draw(METHODS)])
        elif kind == "reorder":
            entries = draw(st.permutations(entries))
        elif kind == "method" and entries:
            entries[index][2] = draw(METHODS)
        elif kind == "comment":
            comment = draw(st.binary(min_size=1, max_size=16))
        elif kind == "prefix":
            prefix = draw(st.binary(min_size=1, max_size=16))
        elif kind == "suffix":
            suffix = draw(st.binary(min_size=1, max_size=16))
    rebuilt = prefix + _zip_with_methods(entries, comment) + suffix
    if inner:
        return zip_members({**outer, MODEL: rebuilt})
    return rebuilt


def _zip_with_methods(entries, comment):
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name"
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, content, method in entries:
                archive.writestr(zipfile.ZipInfo(name or "-", (2024, 1, 1, 0, 0, 0)), content,
                                 compress_type=method)
            archive.comment = comment
    return buffer.getvalue()


@_settings(60)
@given(data=st.data())
def test_zip_structure_mutants(originals, data):
    name = data.draw(FILES)
    _check(originals, name, data.draw(zip_mutants(originals["files"][name])))


# -- JSON values -----------------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


def _near(value):
    """Values a careless or malicious editor would put in place of ``value``."""
    if type(value) is bool:
        return st.just(not value)
    if type(value) in (int, float):
        return st.sampled_from([value + 1, value - 1, -value, 0, value * 2**20, float(value),
                                float("nan"), float("inf")])
    if type(value) is str:
        return st.sampled_from(["", value + "x", value.upper(), value * 100, "<U33554432"])
    if type(value) is list:
        return st.sampled_from([[], value[:-1], value + value[-1:], [value]])
    if type(value) is dict:
        return st.sampled_from([{}, {key: value[key] for key in list(value)[1:]}])
    return st.none()


def _places(content, path=()):
    """Every (path, value) in a JSON document, containers included."""
    yield path, content
    if type(content) is dict:
        for key, value in content.items():
            yield from _places(value, (*path, key))
    elif type(content) is list:
        for index, value in enumerate(content):
            yield from _places(value, (*path, index))


@st.composite
def json_mutants(draw, data):
    """The file with one JSON value of its metadata, of config.json or of Keras' metadata.json
    replaced, removed or given a new sibling."""
    outer = members(data)
    inner = members(outer[MODEL])
    document = draw(st.sampled_from([METADATA, "config.json", "metadata.json"]))
    content = json.loads(outer[METADATA] if document == METADATA else inner[document])
    places = list(_places(content))
    leaves = [value for _, value in places if type(value) not in (dict, list)]
    path, value = draw(st.sampled_from(places[1:]))
    parent = content
    for key in path[:-1]:
        parent = parent[key]
    kind = draw(st.sampled_from(["replace", "replace", "remove", "sibling"]))
    if kind == "replace":
        parent[path[-1]] = draw(st.one_of(_near(value), st.sampled_from(leaves), JSON_VALUES))
    elif kind == "remove":
        del parent[path[-1]]
    elif type(parent) is dict:
        parent[draw(st.text(max_size=12))] = draw(JSON_VALUES)
    else:
        parent.append(draw(JSON_VALUES))
    text = json.dumps(content).encode()
    if document == METADATA:
        outer[METADATA] = text
    else:
        inner[document] = text
        outer[MODEL] = zip_members(inner, compression=zipfile.ZIP_STORED)
    return zip_members(outer)


@_settings(150)
@given(data=st.data())
def test_json_mutants(originals, data):
    name = data.draw(FILES)
    _check(originals, name, data.draw(json_mutants(originals["files"][name])),
           continue_training=True)


# -- HDF5 datasets ---------------------------------------------------------------------------------


def _dataset_paths(file):
    paths = []
    file.visititems(lambda path, item: paths.append(path) if hasattr(item, "shape") else None)
    return sorted(paths)


def _recreated(file, path, **options):
    """Replace dataset ``path`` by one made with ``options`` (and the old data unless given)."""
    old = file[path][()]
    del file[path]
    options.setdefault("data", old)
    file.create_dataset(path, **options)


@st.composite
def h5_mutants(draw, data):
    """The file with one dataset of model.weights.h5 given non-finite values (or, in the optimizer
    state, other finite values), another type, shape, storage or name, an attribute, or replaced
    by a link; or with an entry added to a group."""
    outer = members(data)
    inner = members(outer[MODEL])
    weights = inner["model.weights.h5"]
    with h5py.File(io.BytesIO(weights), "r") as file:
        paths = _dataset_paths(file)
        shapes = {path: file[path].shape for path in paths}
    path = draw(st.sampled_from(paths))
    shape = shapes[path]
    kind = draw(st.sampled_from(["non-finite", "finite", "type", "shape", "delete", "attribute",
                                 "chunked", "compressed", "link", "sibling", "move"]))
    index = tuple(draw(st.integers(0, size - 1)) for size in shape)
    if kind == "finite" and not path.startswith("optimizer"):
        kind = "non-finite"  # other finite weights make another, valid, network
    special = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    finite = draw(st.floats(-1e30, 1e30))
    dtype = draw(st.sampled_from(["<f8", "<f2", "<i4", ">f4", "<i8", "<f4"]))
    new_shape = draw(st.sampled_from([(), (1,), (*shape, 1), shape[::-1], (7,) + shape[1:]])
                     .filter(lambda new_shape: new_shape != shape))
    name = draw(st.sampled_from(["x", "0", "10", "vars", "layers"]))
    target = draw(st.sampled_from(paths))

    def mutate(file):
        dataset = file[path]
        if kind in ("non-finite", "finite"):
            values = np.array(dataset[()])
            if values.dtype.kind == "f":
                values[index] = special if kind == "non-finite" else finite
            else:
                values[index] = int(np.clip(finite, -(2**62), 2**62))
            dataset[()] = values
        elif kind == "type":
            _recreated(file, path, data=np.array(dataset[()]).astype(dtype))
        elif kind == "shape":
            _recreated(file, path, data=np.zeros(new_shape, dataset.dtype))
        elif kind == "delete":
            del file[path]
        elif kind == "attribute":
            dataset.attrs[name] = 1
        elif kind == "chunked":
            if shape:
                _recreated(file, path, chunks=True)
        elif kind == "compressed":
            if shape:
                _recreated(file, path, compression="gzip")
        elif kind == "link":
            del file[path]
            file[path] = h5py.SoftLink("/" + target)
        elif kind == "sibling":
            dataset.parent.create_dataset(name + "_", data=np.zeros(3, "<f4"))
        elif path.rsplit("/", 1)[0] + "/" + name not in file:
            file.move(path, path.rsplit("/", 1)[0] + "/" + name)

    inner["model.weights.h5"] = edit_h5(weights, mutate)
    outer[MODEL] = zip_members(inner, compression=zipfile.ZIP_STORED)
    return zip_members(outer)


@_settings(60)
@given(data=st.data())
def test_h5_dataset_mutants(originals, data):
    name = data.draw(FILES)
    _check(originals, name, data.draw(h5_mutants(originals["files"][name])),
           continue_training=True)


@st.composite
def h5_byte_mutants(draw, data):
    """The file with bytes of model.weights.h5 changed (the zip archives rebuilt, so that the
    damage reaches the HDF5 reader rather than the CRC check): any value may change."""
    outer = members(data)
    inner = members(outer[MODEL])
    weights = bytearray(inner["model.weights.h5"])
    for position, value in draw(st.lists(
        st.tuples(st.integers(8, len(weights) - 1) | st.integers(8, 3000), st.integers(0, 255)),
        min_size=1, max_size=4,
    )):
        weights[min(position, len(weights) - 1)] = value
    inner["model.weights.h5"] = bytes(weights)
    outer[MODEL] = zip_members(inner, compression=zipfile.ZIP_STORED)
    return zip_members(outer)


@_settings(40)
@given(data=st.data())
def test_h5_byte_mutants(originals, data):
    name = data.draw(FILES)
    _check(originals, name, data.draw(h5_byte_mutants(originals["files"][name])),
           same_weights=False)
