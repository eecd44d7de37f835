"""dump/load: identical predictions after a round trip, and no code run from a file we are given."""

import doctest
import io
import json
import os
import pickle
import stat
import subprocess
import sys
import textwrap
import warnings
import zipfile

import h5py
import joblib
import keras
import numpy as np
import pytest
import sklearn
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_validate

import l1l2_estimator
from l1l2_estimator import L1L2Classifier, persistence
from l1l2_estimator.persistence import FORMAT_VERSION, dump, load

from .conftest import FAST


@pytest.fixture(scope="module")
def saved_binary(fitted_binary, tmp_path_factory):
    """The bytes of a good file, to damage in the refusal tests."""
    path = tmp_path_factory.mktemp("saved") / "binary.l1l2"
    dump(fitted_binary, path)
    return path.read_bytes()


def _copy(estimator):
    """An independent copy, so that tests never change the session fixtures."""
    return pickle.loads(pickle.dumps(estimator))


def _round_trip(estimator, tmp_path):
    path = tmp_path / "model.l1l2"
    dump(estimator, path)
    return load(path)


def test_dump_and_load_under_tensorflows_v1_tensor_shapes(fitted_binary, binary_data, tmp_path):
    """tf.compat.v1.disable_v2_tensorshape() (kept by code migrated from TensorFlow 1) makes a
    variable's dimensions Dimension objects, which are not hashable: dump refused every fitted
    estimator and load every file, "the optimizer that its params describe cannot be built:
    unhashable type: 'Dimension'", where fits and predictions work."""
    import tensorflow as tf

    X, _ = binary_data
    path = tmp_path / "before.l1l2"
    dump(fitted_binary, path)
    tf.compat.v1.disable_v2_tensorshape()
    try:
        np.testing.assert_array_equal(load(path).predict_proba(X), fitted_binary.predict_proba(X))
        again = _round_trip(fitted_binary, tmp_path)
    finally:
        tf.compat.v1.enable_v2_tensorshape()
    np.testing.assert_array_equal(again.predict_proba(X), fitted_binary.predict_proba(X))


def _unzip(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _replace(good, *, metadata=None, model=None):
    """``good`` (a file's bytes) with its metadata changed by ``metadata(dict)`` or its
    model.keras replaced by the bytes ``model``."""
    members = _unzip(good)
    if metadata is not None:
        content = json.loads(members["l1l2-estimator.json"])
        metadata(content)
        members["l1l2-estimator.json"] = json.dumps(content).encode()
    if model is not None:
        members["model.keras"] = model
    return _zip(members)


def _keras_file_bytes(model, tmp_path):
    path = tmp_path / "network.keras"
    keras.saving.save_model(model, path)
    return path.read_bytes()


# -- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fitted, data", [("fitted_binary", "binary_data"),
                                          ("fitted_multiclass", "multiclass_data")])
def test_round_trip_predicts_identically(fitted, data, request, tmp_path):
    fitted, (X, y) = request.getfixturevalue(fitted), request.getfixturevalue(data)
    loaded = _round_trip(fitted, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    predicted = loaded.predict(X)
    np.testing.assert_array_equal(predicted, fitted.predict(X))
    assert predicted.dtype == fitted.predict(X).dtype  # string labels stay '<U3', ints stay int64
    labels = fitted.classes_[np.searchsorted(np.unique(y), y)]
    assert loaded.score(X, labels) == fitted.score(X, labels)
    assert loaded.get_params() == fitted.get_params()


def test_a_deep_network_round_trips(binary_data, tmp_path):
    # From 8 hidden layers on, HDF5 continues some object headers in a second chunk elsewhere in
    # the file, and load refused the genuine file: it took a header for one block of its total size.
    X, y = binary_data
    fitted = L1L2Classifier(hidden_layer_sizes=(4,) * 12, epochs=1, random_state=0).fit(X, y)
    loaded = _round_trip(fitted, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))

def test_a_network_without_hidden_layers_round_trips(binary_data, tmp_path):
    X, y = binary_data
    fitted = L1L2Classifier(hidden_layer_sizes=(), epochs=2, random_state=0).fit(X, y)
    loaded = _round_trip(fitted, tmp_path)
    assert loaded.hidden_layer_sizes == ()
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))


def test_restores_every_fitted_attribute(fitted_multiclass, tmp_path):
    loaded = _round_trip(fitted_multiclass, tmp_path)
    original = vars(fitted_multiclass)
    assert set(vars(loaded)) == set(original)
    for name in ("classes_", "n_classes_", "n_features_in_", "n_outputs_", "n_outputs_expected_",
                 "history_", "out_activation_", "_shuffle_seed", "_hidden_activation"):
        np.testing.assert_equal(getattr(loaded, name), original[name], err_msg=name)
    assert loaded.classes_.dtype == fitted_multiclass.classes_.dtype
    for restored, saved in zip(loaded.coefs_ + loaded.intercepts_,
                               fitted_multiclass.coefs_ + fitted_multiclass.intercepts_):
        assert restored.dtype == np.float64
        np.testing.assert_array_equal(restored, saved)
    for restored, saved in zip(loaded.model_.optimizer.variables,
                               fitted_multiclass.model_.optimizer.variables):
        np.testing.assert_array_equal(restored.numpy(), saved.numpy())
    assert loaded.target_encoder_.transform(loaded.classes_).ravel().tolist() == [0, 1, 2]


_SUBPROCESS_LOAD = textwrap.dedent(
    """
    import sys, numpy as np
    from l1l2_estimator.persistence import load
    estimator = load(sys.argv[1])
    X = np.load(sys.argv[2])
    np.save(sys.argv[3], estimator.predict_proba(X))
    print(estimator.predict(X[:3]).tolist())
    """
)


def test_round_trip_in_new_process(fitted_multiclass, multiclass_data, tmp_path):
    X, _ = multiclass_data
    np.save(tmp_path / "X.npy", X)
    dump(fitted_multiclass, str(tmp_path / "model.l1l2"))  # str paths work as well as Path
    paths = [tmp_path / name for name in ("model.l1l2", "X.npy", "out.npy")]
    done = subprocess.run(
        [sys.executable, "-c", _SUBPROCESS_LOAD, *map(str, paths)],
        check=True,
        capture_output=True,
        text=True,
    )
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), fitted_multiclass.predict_proba(X))
    assert done.stdout.strip() == str(fitted_multiclass.predict(X[:3]).tolist())


def test_loaded_estimator_continues_training_like_the_original(
    fitted_multiclass, multiclass_data, tmp_path
):
    X, y = multiclass_data
    labels = np.array(["ant", "bee", "cat"])[y]
    loaded = _round_trip(fitted_multiclass, tmp_path)
    original = _copy(fitted_multiclass)
    loaded.partial_fit(X, labels)
    original.partial_fit(X, labels)
    assert loaded.n_iter_ == fitted_multiclass.n_iter_ + 1
    # Same weights, optimizer state, shuffling seed and epoch count: the same next epoch.
    np.testing.assert_allclose(loaded.predict_proba(X), original.predict_proba(X), rtol=1e-6)


def test_loaded_estimator_pickles(fitted_binary, binary_data, tmp_path):
    X, _ = binary_data
    loaded = _round_trip(fitted_binary, tmp_path)
    joblib.dump(loaded, tmp_path / "again.joblib")
    again = joblib.load(tmp_path / "again.joblib")
    np.testing.assert_array_equal(again.predict_proba(X), fitted_binary.predict_proba(X))


def test_fitted_estimator_keeps_no_callbacks_beyond_its_params(binary_data):
    """scikeras left the fit's callbacks on the estimator: after set_params(callbacks=None),
    a lambda's callback still made the fitted estimator unpicklable."""
    X, y = binary_data
    clf = L1L2Classifier(
        **{**FAST, "epochs": 2},
        callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: None)],
    ).fit(X, y)
    clf.set_params(callbacks=None)
    copy = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))


def test_feature_names_round_trip(binary_data, tmp_path):
    pd = pytest.importorskip("pandas")
    X, y = binary_data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    fitted = L1L2Classifier(**{**FAST, "epochs": 2}).fit(frame, y)
    loaded = _round_trip(fitted, tmp_path)
    np.testing.assert_array_equal(loaded.feature_names_in_, fitted.feature_names_in_)
    np.testing.assert_array_equal(loaded.predict_proba(frame), fitted.predict_proba(frame))
    with pytest.raises(ValueError, match="feature names"):
        loaded.predict(frame.rename(columns={"f0": "other"}))


def test_params_of_every_supported_type_round_trip(binary_data, tmp_path):
    X, y = binary_data
    schedule = keras.optimizers.schedules.ExponentialDecay(0.05, decay_steps=10, decay_rate=0.9)
    fitted = L1L2Classifier(
        hidden_layer_sizes=[6, 3],
        l1=np.float64(1e-4),
        optimizer=keras.optimizers.SGD(learning_rate=schedule, momentum=0.5),
        epochs=2,
        class_weight={0: 1.0, 1: 2.5},
        random_state=np.random.RandomState(3),
        optimizer__nesterov=True,
    ).fit(X, y)
    loaded = _round_trip(fitted, tmp_path)
    params, expected = loaded.get_params(), fitted.get_params()
    assert params.keys() == expected.keys()
    # The same optimizer, under the package's name (TensorFlow keeps state per name).
    loaded_optimizer = params.pop("optimizer").get_config()
    fitted_optimizer = expected.pop("optimizer").get_config()
    assert loaded_optimizer.pop("name") == "optimizer"
    fitted_optimizer.pop("name")  # Keras' automatic name: "sgd", or "sgd_<n>" after n others
    assert loaded_optimizer == fitted_optimizer
    saved_state, restored_state = expected.pop("random_state").get_state(), params.pop(
        "random_state").get_state()
    np.testing.assert_equal(restored_state, saved_state)
    assert params == expected
    assert type(params["hidden_layer_sizes"]) is list
    assert type(params["l1"]) is np.float64
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))


def test_a_schedule_routed_as_the_learning_rate_round_trips(binary_data, tmp_path):
    # load builds Keras objects only as the params that hold one: optimizer, and this.
    X, y = binary_data
    schedule = keras.optimizers.schedules.ExponentialDecay(0.05, decay_steps=10, decay_rate=0.9)
    fitted = L1L2Classifier(hidden_layer_sizes=(4,), epochs=2, random_state=0, optimizer="sgd",
                            optimizer__learning_rate=schedule).fit(X, y)
    loaded = _round_trip(fitted, tmp_path)
    restored = loaded.get_params()["optimizer__learning_rate"]
    assert type(restored) is type(schedule) and restored.get_config() == schedule.get_config()
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))


@pytest.mark.parametrize("settings", [
    {"optimizer__amsgrad": None},
    {"optimizer": "sgd", "optimizer__nesterov": None},
    {"optimizer": "rmsprop", "optimizer__centered": None},
    {"optimizer": "adam", "optimizer__amsgrad": np.True_},
])
def test_optimizer_switches_a_fit_takes_round_trip(settings, binary_data, tmp_path):
    """A fit takes None for a switch (Keras trains it as False), and load refused it as "must be
    true or false", so dump refused to write the file, blaming the training's values."""
    X, y = binary_data
    fitted = L1L2Classifier(hidden_layer_sizes=(4,), epochs=2, random_state=0, **settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 2 epochs: not converged
        fitted.fit(X, y)
        loaded = _round_trip(fitted, tmp_path)
        np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
        np.testing.assert_array_equal(loaded.partial_fit(X, y).predict_proba(X),
                                      fitted.partial_fit(X, y).predict_proba(X))


def test_routed_callback_arguments_without_callbacks_round_trip(fitted_binary, tmp_path):
    # What dump's own advice leaves (callbacks set to None, their routed arguments kept) loads.
    estimator = _copy(fitted_binary).set_params(callbacks__monitor="loss", callbacks__patience=2)
    loaded = _round_trip(estimator, tmp_path)
    assert loaded.get_params()["callbacks__monitor"] == "loss"
    assert loaded.get_params()["callbacks"] is None


@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0), (0, 0), (1, 0, 2)])
def test_empty_array_params_round_trip_in_their_shape(shape, fitted_binary, tmp_path):
    """An empty array is written as nested empty lists, which NumPy reads back only down to its
    first 0 (``[]`` as shape (0,)): dump refused (0, 3), taking the file for one load refuses."""
    for dtype in ("<f8", "<i4", "<U3"):
        value = np.zeros(shape, dtype=dtype)
        estimator = _copy(fitted_binary).set_params(callbacks__empty=value)
        restored = _round_trip(estimator, tmp_path).get_params()["callbacks__empty"]
        assert restored.shape == shape and restored.dtype == value.dtype


def _strict_json(text):
    """``text`` parsed as JSON (RFC 8259): refused where it holds NaN or Infinity, which
    Python's json writes and reads and other readers refuse."""
    def refuse(token):
        raise ValueError(f"{token} is not JSON")
    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("value", [np.inf, np.float64(np.inf)], ids=["float", "NumPy scalar"])
def test_non_finite_params_are_written_as_json_and_round_trip(value, binary_data, tmp_path):
    """dump wrote Python's token Infinity for n_iter_no_change=np.inf, which is not JSON (other
    readers refuse it); a routed argument could hold NaN, also inside an array."""
    X, y = binary_data
    bounds = np.array([[0.0, np.inf], [np.nan, -np.inf]])
    fitted = L1L2Classifier(**{**FAST, "epochs": 2}, n_iter_no_change=value).fit(X, y)
    fitted.set_params(callbacks__limit=float("nan"), callbacks__bounds=bounds)
    path = tmp_path / "infinite.l1l2"
    dump(fitted, path)
    with zipfile.ZipFile(path) as archive:
        content = _strict_json(archive.read("l1l2-estimator.json"))
    # Format 4: earlier versions refuse it as newer, where they read the tag as unreadable.
    assert content["format_version"] == 4
    assert "inf" in json.dumps(content["params"]["n_iter_no_change"])
    params = load(path).get_params()
    assert params["n_iter_no_change"] == np.inf
    assert type(params["n_iter_no_change"]) is type(value)
    assert np.isnan(params["callbacks__limit"])
    np.testing.assert_array_equal(params["callbacks__bounds"], bounds)


def test_a_float_subclass_is_refused_finite_or_not(fitted_binary, tmp_path):
    """Its class would be lost: refused when finite, it had been written as a plain float when
    not."""
    class Tolerance(float):
        pass

    for value in (Tolerance(1e-4), Tolerance("inf")):
        estimator = _copy(fitted_binary).set_params(callbacks__limit=value)
        with pytest.raises(ValueError, match=r"a .*\.Tolerance cannot be stored without pickle"):
            dump(estimator, tmp_path / "model.l1l2")
    assert not any(tmp_path.iterdir())


def _requesting(estimator):
    """``estimator`` with a metadata-routing request of each kind: an alias, true and false."""
    with sklearn.config_context(enable_metadata_routing=True):
        return (
            estimator.set_fit_request(sample_weight="weights")
            .set_partial_fit_request(sample_weight=True)
            .set_score_request(sample_weight=False)
        )


def test_metadata_routing_requests_round_trip_and_route(fitted_binary, binary_data, tmp_path):
    """dump had dropped them: the loaded estimator's routing was the class's default (a pickle
    and clone keep them), and a routing search passing sample_weight raised
    UnsetMetadataPassedError."""
    X, y = binary_data
    original = _requesting(_copy(fitted_binary))
    loaded = _round_trip(original, tmp_path)
    assert (loaded.get_metadata_routing()._serialize()
            == original.get_metadata_routing()._serialize())
    weights = np.linspace(0.5, 1.5, len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        routed = cross_validate(loaded, X, y, cv=2, params={"weights": weights})
    assert np.isfinite(routed["test_score"]).all()
    # What dump writes: only the requests set; a file without any stays as it was.
    content = json.loads(_unzip((tmp_path / "model.l1l2").read_bytes())["l1l2-estimator.json"])
    assert content["metadata_requests"] == {
        "fit": {"sample_weight": "weights"}, "partial_fit": {"sample_weight": True},
        "score": {"sample_weight": False},
    }
    # Format 3, which earlier versions refuse as newer rather than as an unknown key.
    assert content["format_version"] == 3
    dump(fitted_binary, tmp_path / "plain.l1l2")
    plain = json.loads(_unzip((tmp_path / "plain.l1l2").read_bytes())["l1l2-estimator.json"])
    assert "metadata_requests" not in plain and plain["format_version"] == 1


@pytest.mark.parametrize("request_value, stored", [
    (1, True), (0, False), (np.True_, True), (np.False_, False),
    (type("Alias", (str,), {})("w"), "w"),
], ids=["1", "0", "np.True_", "np.False_", "a str subclass"])
def test_requests_scikit_learn_takes_are_stored_as_json_holds_them(
    request_value, stored, fitted_binary, tmp_path
):
    """scikit-learn takes whatever equals True or False, and any str as an alias: dump refused
    1 as "a long alias" and failed on np.True_ with json's TypeError."""
    with sklearn.config_context(enable_metadata_routing=True):
        estimator = _copy(fitted_binary).set_fit_request(sample_weight=request_value)
    loaded = _round_trip(estimator, tmp_path)
    assert loaded.get_metadata_routing().fit.requests["sample_weight"] == stored


def test_dump_refuses_an_alias_load_would_not_read_and_writes_nothing(fitted_binary, tmp_path):
    with sklearn.config_context(enable_metadata_routing=True):
        estimator = _copy(fitted_binary).set_fit_request(sample_weight="w" * 101)
    with pytest.raises(ValueError, match="an alias .* of at most 100 characters.*shorter alias"):
        dump(estimator, tmp_path / "model.l1l2")
    assert not (tmp_path / "model.l1l2").exists()


# -- what dump refuses -------------------------------------------------------------------------


def test_dump_and_load_raise_no_warning_where_warnings_are_errors(fitted_binary, tmp_path):
    """Keras' saver let NumPy 2's DeprecationWarning about TensorFlow variables' __array__
    through: under python -W error, dump failed."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dump(fitted_binary, tmp_path / "model.l1l2")
        load(tmp_path / "model.l1l2")


def test_big_endian_labels_predict_the_same_dtype_before_and_after_load(binary_data, tmp_path):
    """classes_ kept y's big-endian '>i4', and load gave them back as native int32: predict's
    dtype changed across dump and load (MLPClassifier's classes_ are native)."""
    X, y = binary_data
    fitted = L1L2Classifier(hidden_layer_sizes=(3,), epochs=2, tol=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 2 epochs: not converged
        fitted.fit(X, y.astype(">i4"))
    loaded = _round_trip(fitted, tmp_path)
    assert fitted.classes_.dtype == loaded.classes_.dtype == np.dtype("int32")
    assert fitted.predict(X).dtype == loaded.predict(X).dtype == np.dtype("int32")
    np.testing.assert_array_equal(loaded.predict(X), fitted.predict(X))


@pytest.mark.parametrize("kind", ["int", "float", "str"])
def test_load_of_many_classes_raises_no_warning(kind, tmp_path):
    """load checked classes_ as a fit checks its y: given once each, more than 20 labels are all
    unique, and scikit-learn warned that they "could represent a regression problem", so a
    genuine file of 21 classes failed to load where warnings are errors."""
    import warnings

    rng = np.random.default_rng(0)
    codes = np.arange(84) % 21
    X = rng.normal(size=(84, 3))
    y = np.char.add("c", codes.astype(str)) if kind == "str" else codes.astype(kind)
    fitted = L1L2Classifier(hidden_layer_sizes=(3,), epochs=1, tol=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 1 epoch: not converged
        fitted.fit(X, y)
    dump(fitted, tmp_path / "model.l1l2")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load(tmp_path / "model.l1l2")
    np.testing.assert_array_equal(loaded.classes_, fitted.classes_)
    assert len(loaded.classes_) == 21
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))


def test_dump_unfitted_raises_not_fitted(tmp_path):
    with pytest.raises(NotFittedError):
        dump(L1L2Classifier(), tmp_path / "model.l1l2")
    assert not (tmp_path / "model.l1l2").exists()


def test_dump_other_estimator_raises_type_error(binary_data, tmp_path):
    X, y = binary_data
    with pytest.raises(TypeError, match="LogisticRegression"):
        dump(LogisticRegression().fit(X, y), tmp_path / "model.l1l2")


def test_a_failed_write_leaves_the_earlier_file_whole(fitted_binary, tmp_path, monkeypatch):
    """dump wrote straight onto path: a full disk (or Ctrl-C) left a truncated file in place of
    the earlier one, which load then refused."""
    path = tmp_path / "model.l1l2"
    dump(fitted_binary, path)
    earlier = path.read_bytes()
    path.chmod(0o640)

    def partly(data, name):
        with open(name, "wb") as handle:
            handle.write(data[:100])
        raise error

    monkeypatch.setattr(persistence, "_write_bytes", partly)
    for error in (OSError(28, "No space left on device"), KeyboardInterrupt()):
        with pytest.raises(type(error)) as raised:
            dump(fitted_binary, path)
        if isinstance(error, OSError):  # the full disk's error had named no file
            assert raised.value.filename == str(path)
            assert str(raised.value).endswith(f"No space left on device: {str(path)!r}")
        assert path.read_bytes() == earlier
        assert [file.name for file in tmp_path.iterdir()] == ["model.l1l2"]  # nothing left
    assert raised.type is KeyboardInterrupt
    monkeypatch.undo()
    other = _copy(fitted_binary).set_params(callbacks__note="newer")
    dump(other, path)  # replaced once complete, keeping the permissions
    assert load(path).get_params()["callbacks__note"] == "newer"
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)
    assert [file.name for file in tmp_path.iterdir()] == ["model.l1l2"]


def test_what_cannot_or_should_not_be_replaced_is_written_in_place(
    fitted_binary, tmp_path, monkeypatch
):
    """A rename over a bind-mounted file fails with EBUSY (only EPERM had been taken back to
    writing in place: dump failed, naming its temporary file); a read-only file had been
    replaced where open refuses to write it; an empty path and one ending in a separator had
    been taken for the folder above and for a new file without the separator."""
    import errno

    from l1l2_estimator import _files

    path = tmp_path / "model.l1l2"
    dump(fitted_binary, path)
    earlier = path.read_bytes()

    def busy(source, target):
        raise OSError(errno.EBUSY, "Device or resource busy", source, None, target)

    newer = _copy(fitted_binary).set_params(callbacks__note="newer")
    monkeypatch.setattr(_files.os, "replace", busy)
    dump(newer, path)
    assert path.read_bytes() != earlier and load(path).get_params()["callbacks__note"] == "newer"
    assert [file.name for file in tmp_path.iterdir()] == ["model.l1l2"]
    monkeypatch.undo()

    # Not writable (as a user other than root finds a read-only file): open's own error.
    def refused(name):
        raise PermissionError(errno.EACCES, "Permission denied", name)

    monkeypatch.setattr(_files.os, "access", lambda name, mode: False)
    monkeypatch.setattr(persistence, "_write_bytes", lambda data, name: refused(name))
    with pytest.raises(PermissionError, match="model.l1l2"):
        dump(fitted_binary, path)
    assert load(path).get_params()["callbacks__note"] == "newer"
    monkeypatch.undo()

    with pytest.raises(FileNotFoundError):
        dump(fitted_binary, "")
    # A folder that does not exist: the error names the path given, unchained to one about the
    # temporary file ("During handling of the above exception, another exception occurred").
    with pytest.raises(FileNotFoundError, match="nowhere/model.l1l2") as raised:
        dump(fitted_binary, tmp_path / "nowhere" / "model.l1l2")
    assert raised.value.__context__ is None
    with pytest.raises(IsADirectoryError, match="missing.l1l2/"):
        dump(fitted_binary, f"{tmp_path}/missing.l1l2/")
    assert [file.name for file in tmp_path.iterdir()] == ["model.l1l2"]


def test_a_keras_without_an_in_memory_saver_saves_through_a_file(
    fitted_binary, tmp_path, monkeypatch
):
    # Where Keras' private saver is gone, dump saves through a temporary file, to the same file.
    from l1l2_estimator.persistence import _network

    dump(fitted_binary, tmp_path / "memory.l1l2")
    monkeypatch.setattr(_network, "keras_archive_bytes", lambda model: None)
    dump(fitted_binary, tmp_path / "file.l1l2")
    with zipfile.ZipFile(tmp_path / "memory.l1l2") as memory, zipfile.ZipFile(
        tmp_path / "file.l1l2"
    ) as file:
        assert memory.read("l1l2-estimator.json") == file.read("l1l2-estimator.json")
        with zipfile.ZipFile(io.BytesIO(memory.read("model.keras"))) as network, zipfile.ZipFile(
            io.BytesIO(file.read("model.keras"))
        ) as other:
            assert network.read("model.weights.h5") == other.read("model.weights.h5")
    np.testing.assert_array_equal(
        load(tmp_path / "file.l1l2").predict_proba(np.zeros((2, fitted_binary.n_features_in_))),
        fitted_binary.predict_proba(np.zeros((2, fitted_binary.n_features_in_))),
    )


@pytest.mark.parametrize("path", [None, 1.5, True, "descriptor"])
def test_dump_and_load_take_only_a_path(fitted_binary, tmp_path, path):
    """Python's open takes an int (True included) as a file descriptor: dump wrote the file into
    whatever that descriptor was, and closed it."""
    with open(tmp_path / "other.txt", "wb") as other:
        path = other.fileno() if path == "descriptor" else path
        with pytest.raises(TypeError, match=r"path must be a str, bytes or os.PathLike, got"):
            dump(fitted_binary, path)
        with pytest.raises(TypeError, match=r"path must be a str, bytes or os.PathLike, got"):
            load(path)
        other.write(b"still open")  # the descriptor was neither written to nor closed
    assert (tmp_path / "other.txt").read_bytes() == b"still open"
    dump(fitted_binary, str(tmp_path / "model.l1l2").encode())  # bytes, as open takes them
    assert load(tmp_path / "model.l1l2").n_features_in_ == fitted_binary.n_features_in_


@pytest.mark.parametrize("path", ["model\0.l1l2", b"model\0.l1l2"])
def test_a_path_with_a_nul_character_is_named(fitted_binary, path):
    # os.stat's bare "embedded null byte" named neither the path nor the problem's place.
    for call in (lambda: dump(fitted_binary, path), lambda: load(path)):
        with pytest.raises(ValueError, match=r"path .*model.*\.l1l2.* holds a NUL character"):
            call()


def test_dump_points_a_search_to_its_best_estimator(binary_data, tmp_path):
    from l1l2_estimator import L1L2ClassifierCV

    X, y = binary_data
    search = L1L2ClassifierCV(l1s=[0], l2s=[0, 1e-3], cv=2, **{**FAST, "epochs": 3}).fit(X, y)
    with pytest.raises(TypeError, match="got L1L2ClassifierCV. Dump its best_estimator_"):
        dump(search, tmp_path / "model.l1l2")
    dump(search.best_estimator_, tmp_path / "model.l1l2")
    np.testing.assert_array_equal(load(tmp_path / "model.l1l2").predict(X), search.predict(X))


def test_dump_points_a_pipeline_to_its_last_step_and_its_other_steps(fitted_binary, tmp_path):
    """A Pipeline, the recipe's form, was refused without a hint; dumping its last step alone
    leaves the scaler behind, which a user must keep (the network predicts wrong on raw X)."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipe = make_pipeline(StandardScaler(), fitted_binary)
    with pytest.raises(TypeError, match=r"got Pipeline. Dump its last step \(pipeline\[-1\]\) "
                       r"and keep the steps before it .*pickle or joblib"):
        dump(pipe, tmp_path / "model.l1l2")
    # A Pipeline ending in another estimator gets no such hint; a GridSearchCV over ours does.
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    with pytest.raises(TypeError, match=r"got Pipeline\.$"):
        dump(make_pipeline(StandardScaler(), LogisticRegression()), tmp_path / "model.l1l2")
    with pytest.raises(TypeError, match="got GridSearchCV. Dump its best_estimator_"):
        dump(GridSearchCV(fitted_binary, {"l1": [0]}), tmp_path / "model.l1l2")
    assert not any(tmp_path.iterdir())


def test_dump_points_a_transformed_target_regressor_to_its_network(tmp_path):
    """It was refused without a hint: the network it holds predicts the transformed target,
    and only the transformer's inverse brings that back to y's scale."""
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from l1l2_estimator import L1L2Regressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = 100 + 50 * X[:, 0]
    from l1l2_estimator import L1L2RegressorCV

    for regressor, place, keep in [
        (L1L2Regressor(**FAST), "regressor_", "the target transformer"),
        # The steps before the network transform X: they must be kept too.
        (make_pipeline(StandardScaler(), L1L2Regressor(**FAST)), r"regressor_\[-1\]",
         "the target transformer and the pipeline steps before the network"),
        (L1L2RegressorCV(l1s=[0], l2s=[0], cv=2, **{**FAST, "epochs": 2}),
         r"regressor_\.best_estimator_", "the target transformer"),
    ]:
        ttr = TransformedTargetRegressor(regressor, transformer=StandardScaler()).fit(X, y)
        with pytest.raises(TypeError, match=rf"got TransformedTargetRegressor. Dump its fitted "
                           rf"network \({place}\) and keep {keep} another way"):
            dump(ttr, tmp_path / "model.l1l2")
    assert not any(tmp_path.iterdir())


def test_dump_refuses_callbacks_and_writes_nothing(fitted_binary, tmp_path):
    estimator = _copy(fitted_binary).set_params(callbacks=[keras.callbacks.EarlyStopping()])
    with pytest.raises(ValueError, match=r"callbacks.*set_params\(callbacks=None\)"):
        dump(estimator, tmp_path / "model.l1l2")
    assert not (tmp_path / "model.l1l2").exists()


def test_dump_refuses_a_param_that_needs_pickle(fitted_binary, tmp_path):
    estimator = _copy(fitted_binary).set_params(optimizer__learning_rate=lambda: 0.1)
    with pytest.raises(ValueError, match="Cannot save parameter optimizer__learning_rate"):
        dump(estimator, tmp_path / "model.l1l2")


@pytest.mark.parametrize("change, what", [
    ({"activation": "tanh"}, "activation"),
    ({"hidden_layer_sizes": (8,)}, "hidden_layer_sizes"),
    ({"learning_rate": 0.5}, "optimizer, learning_rate or optimizer__"),
    ({"optimizer": "sgd"}, "optimizer, learning_rate or optimizer__"),
    ({"optimizer__beta_1": 0.5}, "optimizer, learning_rate or optimizer__"),
])
def test_dump_refuses_params_changed_after_fitting(change, what, fitted_binary, tmp_path):
    # load rebuilds the network and its optimizer from the params: they must describe the
    # fitted network, or the file would load as another estimator (or not at all).
    estimator = _copy(fitted_binary).set_params(**change)
    with pytest.raises(ValueError, match=f"its params {what}.*changed after it was fitted"):
        dump(estimator, tmp_path / "model.l1l2")
    assert not (tmp_path / "model.l1l2").exists()
    if "optimizer__beta_1" not in change:  # a routed argument, once given, stays a param
        estimator.set_params(**{name: fitted_binary.get_params()[name] for name in change})
        dump(estimator, tmp_path / "model.l1l2")  # set back, it saves


def test_dump_refuses_what_load_would_not_read_back(fitted_binary, binary_data, tmp_path):
    X, y = binary_data
    lamb = _copy(fitted_binary).set_params(optimizer=keras.optimizers.Lamb())
    with pytest.raises(ValueError, match="Cannot save parameter optimizer=.*Lamb is not one of"):
        dump(lamb, tmp_path / "model.l1l2")
    wide = np.array(["a" * 1025, "b"])[y]
    with pytest.raises(ValueError, match="at most 1024 characters"):
        dump(L1L2Classifier(hidden_layer_sizes=(4,), epochs=1).fit(X, wide), tmp_path / "w.l1l2")
    assert not any(tmp_path.iterdir())


def test_dump_refuses_validation_scores_load_refuses(binary_data, tmp_path):
    # load reads scores from -1e300 to 1 (R² of a fitted network lies far above); dump checks
    # the same, so that it never writes a file load refuses. No real fit scores so low: the
    # scores are set by hand.
    X, y = binary_data
    fitted = L1L2Classifier(hidden_layer_sizes=(4,), epochs=3, early_stopping=True,
                            random_state=0).fit(X, y)
    dump(fitted, tmp_path / "scored.l1l2")
    assert load(tmp_path / "scored.l1l2").validation_scores_ == fitted.validation_scores_
    fitted.validation_scores_ = [-1e301, *fitted.validation_scores_[1:]]
    with pytest.raises(ValueError, match=r"Cannot save the estimator: validation_scores_ must"):
        dump(fitted, tmp_path / "low.l1l2")
    assert not (tmp_path / "low.l1l2").exists()


def test_dump_refuses_an_optimizer_state_that_overflowed(tmp_path):
    """Adagrad's accumulated squares overflow float32 on huge gradients; its steps there are 0,
    so the fit succeeded and pickled. dump wrote the file, and load refused it (its optimizer
    state holds infinite values): dump now reads its own values back as load does. Such a fit
    is now a divergence; an estimator pickled before can still hold such a state."""
    from l1l2_estimator import L1L2Regressor

    X = np.array([[1e6], [-1e6], [2e6], [-2e6]])
    y = np.array([1e15, -1e15, 2e15, -2e15])
    settings = dict(hidden_layer_sizes=(), optimizer="adagrad", learning_rate=1e-3, epochs=3,
                    batch_size=4, random_state=0)
    with pytest.raises(ValueError, match="training diverged at epoch 3: the loss, the weights "
                       "or the optimizer's state became infinite or NaN"):
        L1L2Regressor(**settings).fit(X, y)
    state = L1L2Regressor(**settings).fit(X / 1e6, y / 1e15).__getstate__()
    state["_optimizer_state"] = [np.full_like(v, np.inf) if np.ndim(v) == 2 else v
                                 for v in state["_optimizer_state"]]
    fitted = pickle.loads(pickle.dumps(L1L2Regressor()))
    fitted.__setstate__(state)  # as unpickling an estimator fitted before
    with pytest.raises(ValueError, match=r"Cannot save the estimator \(load would refuse the "
                       r"file\): its optimizer state hold NaN or infinite values \(/optimizer/"
                       r"vars/\d\).*scale the features"):
        dump(fitted, tmp_path / "overflowed.l1l2")
    assert not any(tmp_path.iterdir())
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(fitted)).predict(X), fitted.predict(X))


def test_dump_refuses_a_degenerate_random_state_that_load_would_refuse(tmp_path):
    X = np.random.RandomState(0).normal(size=(40, 4))
    y = (X[:, 0] > 0).astype(int)
    fitted = L1L2Classifier(hidden_layer_sizes=(4,), epochs=1, random_state=0).fit(X, y)
    degenerate = np.random.RandomState()
    degenerate.set_state(("MT19937", np.array([0] * 623 + [1], dtype=np.uint32), 624, 0, 0.0))
    with pytest.raises(ValueError, match=r"Cannot save parameter random_state=.*load would "
                       r"refuse it: its keys hold 1 set bit of the Mersenne Twister's 19,937"):
        dump(fitted.set_params(random_state=degenerate), tmp_path / "degenerate.l1l2")
    assert not any(tmp_path.iterdir())
    seeded = np.random.RandomState(7)
    seeded.random_sample(1000)
    dump(fitted.set_params(random_state=seeded), tmp_path / "seeded.l1l2")
    loaded = load(tmp_path / "seeded.l1l2")
    np.testing.assert_array_equal(loaded.random_state.get_state()[1], seeded.get_state()[1])


@pytest.mark.skipif(np.dtype(np.longdouble).itemsize <= 8, reason="long double is float64 here")
def test_dump_refuses_long_double_values_with_a_value_error(binary_data, tmp_path):
    # json raised TypeError ("Object of type longdouble is not JSON serializable"); JSON numbers
    # are float64, and load refuses wider floats.
    X, y = binary_data
    small = dict(hidden_layer_sizes=(4,), epochs=1, random_state=0)
    labels = L1L2Classifier(**small).fit(X, y.astype(np.longdouble))
    with pytest.raises(ValueError, match=rf"Cannot save the estimator: classes_ has dtype "
                                         rf"{np.dtype(np.longdouble)}; floats of at most 64 bits"):
        dump(labels, tmp_path / "model.l1l2")
    param = L1L2Classifier(l1=np.longdouble(1e-5), **small).fit(X, y)
    with pytest.raises(ValueError, match=r"Cannot save parameter l1=.*floats of at most 64 bits"):
        dump(param, tmp_path / "model.l1l2")
    assert not any(tmp_path.iterdir())


def test_dump_refuses_a_keras_object_in_a_param_that_holds_none(fitted_binary, tmp_path):
    # load builds a Keras object only as optimizer or optimizer__learning_rate.
    estimator = _copy(fitted_binary).set_params(callbacks__planted=keras.optimizers.SGD())
    with pytest.raises(ValueError, match=r"Cannot save parameter callbacks__planted=.*: a Keras "
                                         r"optimizer or learning-rate schedule is stored only as "
                                         r"the whole value of the param optimizer or "
                                         r"optimizer__learning_rate"):
        dump(estimator, tmp_path / "model.l1l2")
    assert not any(tmp_path.iterdir())


def test_dump_refuses_weights_that_h5py_writes_in_a_layout_load_does_not_read(
    fitted_binary, monkeypatch, tmp_path
):
    # As if a future h5py or HDF5 wrote its newest layout by default.
    default = h5py.File
    monkeypatch.setattr(h5py, "File", lambda *args, **kwargs: default(
        *args, **{"libver": "latest", **kwargs}))
    reason = (r"Cannot save the estimator: h5py [\d.]+ \(HDF5 [\d.]+\) wrote its weights in a "
              r"layout that load refuses: its model.weights.h5 has a superblock of version 3")
    with pytest.raises(ValueError, match=reason):
        dump(fitted_binary, tmp_path / "model.l1l2")
    assert not any(tmp_path.iterdir())


def test_the_optimizer_allow_list_holds_the_classes_the_optimizer_param_names():
    from l1l2_estimator._params import OPTIMIZERS as NAMES
    from l1l2_estimator.persistence._keras_objects import OPTIMIZER_CLASSES

    assert set(OPTIMIZER_CLASSES.values()) == {type(keras.optimizers.get(name)) for name in NAMES}


OPTIMIZERS = [
    dict(optimizer=name) for name in
    ["adam", "adamw", "adamax", "nadam", "sgd", "rmsprop", "adagrad", "adadelta", "ftrl", "lion"]
] + [
    dict(optimizer="adam", optimizer__amsgrad=True),
    dict(optimizer="sgd", optimizer__momentum=0.9, optimizer__gradient_accumulation_steps=2),
    dict(optimizer="rmsprop", optimizer__momentum=0.5, optimizer__centered=True),
]


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda params: "-".join(
    str(value) for value in params.values()))
def test_every_optimizer_state_round_trips(optimizer, binary_data, tmp_path):
    # load reads exactly the optimizer state that the params' optimizer keeps, whatever it is.
    X, y = binary_data
    fitted = L1L2Classifier(hidden_layer_sizes=(5, 3), epochs=2, learning_rate=0.01,
                            random_state=0, **optimizer).fit(X, y)
    loaded = _round_trip(fitted, tmp_path)
    state, restored = fitted._get_fitted_state(), loaded._get_fitted_state()
    assert len(restored["optimizer_state"]) == len(state["optimizer_state"])
    for value, saved in zip(restored["optimizer_state"], state["optimizer_state"]):
        np.testing.assert_array_equal(value, saved)
    original = _copy(fitted)
    loaded.partial_fit(X, y)
    original.partial_fit(X, y)
    np.testing.assert_allclose(loaded.predict_proba(X), original.predict_proba(X), rtol=1e-6)


# -- what load refuses -------------------------------------------------------------------------


def _joblib_file(good, fitted, tmp_path):
    joblib.dump(fitted, tmp_path / "model.joblib")
    return (tmp_path / "model.joblib").read_bytes()


def _newer_version(metadata):
    metadata["format_version"] = FORMAT_VERSION + 1


def _unknown_param(metadata):
    metadata["params"]["fit"] = "shadowing a method"


def _mismatched_classes(metadata):
    metadata["classes_"] = {"dtype": "<i8", "shape": [3], "items": [0, 1, 2]}


REFUSED_FILES = {
    "empty": (lambda good, fitted, tmp: b"", "empty"),
    "truncated": (lambda good, fitted, tmp: good[: len(good) // 2], "not a zip archive"),
    "random bytes": (
        lambda good, fitted, tmp: np.random.default_rng(0).bytes(4096),
        "not a zip archive",
    ),
    "foreign zip": (
        lambda good, fitted, tmp: _zip({"readme.txt": b"not a model"}),
        "has no l1l2-estimator.json",
    ),
    "plain .keras": (
        lambda good, fitted, tmp: _keras_file_bytes(fitted.model_, tmp),
        "plain Keras model",
    ),
    "pickle": (lambda good, fitted, tmp: pickle.dumps(fitted), "pickle"),
    "joblib": (_joblib_file, "pickle"),
    "another format's metadata": (
        lambda good, fitted, tmp: _replace(good, metadata=lambda content: content.update(
            format="something-else")),
        "does not describe an l1l2-estimator file",
    ),
    "newer format version": (
        lambda good, fitted, tmp: _replace(good, metadata=_newer_version),
        f"format version {FORMAT_VERSION + 1}.*upgrade",
    ),
    "unknown parameter": (
        lambda good, fitted, tmp: _replace(good, metadata=_unknown_param),
        "unknown parameter 'fit'",
    ),
    "classes not matching the network": (
        lambda good, fitted, tmp: _replace(good, metadata=_mismatched_classes),
        "layer 2 has 1 units, but its params, features and labels call for 3",
    ),
    "model.keras not a Keras file": (
        lambda good, fitted, tmp: _replace(good, model=b"garbage" * 1000),
        "its model.keras is not a zip archive",
    ),
}


@pytest.mark.parametrize("kind", list(REFUSED_FILES))
def test_load_refuses_with_the_path_and_the_reason(kind, saved_binary, fitted_binary, tmp_path):
    build, reason = REFUSED_FILES[kind]
    path = tmp_path / "file.l1l2"
    path.write_bytes(build(saved_binary, fitted_binary, tmp_path))
    with pytest.raises(ValueError, match=reason) as refused:
        load(path)
    assert str(path) in str(refused.value)


def test_load_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.l1l2")


@pytest.fixture
def lambda_file(saved_binary, tmp_path):
    """Our file with valid metadata around a network whose Lambda layer touches ``marker`` when
    called: the code an attacker would plant. Returns (path, marker, network bytes)."""
    marker = tmp_path / "code-ran"
    touch = str(marker)
    network = keras.Sequential([
        keras.Input(shape=(8,)),
        keras.layers.Lambda(lambda x: (__import__("pathlib").Path(touch).touch(), x)[1]),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    network.compile(optimizer="adam", loss="binary_crossentropy")
    network_bytes = _keras_file_bytes(network, tmp_path)
    marker.unlink()  # building the network called the lambda once
    path = tmp_path / "planted.l1l2"
    path.write_bytes(_replace(saved_binary, model=network_bytes))
    return path, marker, network_bytes


def test_load_refuses_a_lambda_layer(lambda_file):
    path, marker, _ = lambda_file
    with pytest.raises(ValueError, match="layer 1 is a 'Lambda'; only Dense") as refused:
        load(path)
    assert str(path) in str(refused.value)
    assert not marker.exists()


@pytest.fixture
def unsafe_keras_process():
    """A process that called keras.config.enable_unsafe_deserialization(), restored afterwards."""
    from keras.src.backend.common import global_state

    before = global_state.get_global_attribute("safe_mode_saving")
    keras.config.enable_unsafe_deserialization()
    yield
    global_state.set_global_attribute("safe_mode_saving", before)


@pytest.mark.filterwarnings("ignore:Skipping variable loading:UserWarning")
@pytest.mark.parametrize("unsafe", [False, True])
def test_a_planted_lambda_never_runs_even_past_the_allow_list(lambda_file, unsafe, request,
                                                              monkeypatch, tmp_path):
    # load never hands the file's network to Keras: it rebuilds the network from the params. So
    # with the allow-list switched off, and in a process that enabled Keras' unsafe
    # deserialization, the planted code still does not run; the weights file's layout refuses it.
    if unsafe:
        request.getfixturevalue("unsafe_keras_process")
    path, marker, network_bytes = lambda_file
    monkeypatch.setattr(persistence._network, "check_network_config", lambda config, **_: None)
    with pytest.raises(ValueError, match="model.weights.h5") as refused:
        load(path)
    assert str(path) in str(refused.value)
    assert not marker.exists()
    # The planted code is real: Keras without safe mode runs it while loading.
    (tmp_path / "unsafe.keras").write_bytes(network_bytes)
    keras.saving.load_model(tmp_path / "unsafe.keras", safe_mode=False)
    assert marker.exists()


@pytest.mark.filterwarnings("ignore:The object being serialized includes a `lambda`")
def test_load_refuses_a_lambda_anywhere_in_the_network(saved_binary, tmp_path):
    # Keras writes a lambda activation in a form it cannot read back; an attacker writes the form
    # that keras.activations.get would rebuild, were safe mode off.
    planted = keras.saving.serialize_keras_object(lambda x: x)
    assert planted["class_name"] == "__lambda__"
    network = _unzip(_unzip(saved_binary)["model.keras"])
    config = json.loads(network["config.json"])
    config["config"]["layers"][1]["config"]["activation"] = planted
    network["config.json"] = json.dumps(config).encode()
    path = tmp_path / "planted.l1l2"
    path.write_bytes(_replace(saved_binary, model=_zip(network)))
    with pytest.raises(ValueError, match="layer 1 has activation .*__lambda__") as refused:
        load(path)
    assert str(path) in str(refused.value)


def _refuse_to_unpickle(*args, **kwargs):
    raise AssertionError("load must not unpickle")


def test_load_never_unpickles(saved_binary, fitted_binary, binary_data, monkeypatch, tmp_path):
    X, _ = binary_data
    path = tmp_path / "model.l1l2"
    path.write_bytes(saved_binary)
    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, _refuse_to_unpickle)
    loaded = load(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted_binary.predict_proba(X))


def test_model_keeps_the_fitted_penalties_after_set_params(fitted_binary, tmp_path):
    # The file held the fitted penalties, but load built model_ with the changed params, where a
    # pickled copy kept the fitted ones.
    changed = pickle.loads(pickle.dumps(fitted_binary)).set_params(l1=0.5, l2=0.25)
    dump(changed, tmp_path / "changed.l1l2")
    loaded = load(tmp_path / "changed.l1l2")
    assert (loaded.l1, loaded.l2) == (0.5, 0.25)
    for copy in (pickle.loads(pickle.dumps(changed)), loaded):
        for layer in copy.model_.layers:
            regularizer = layer.kernel_regularizer
            assert (regularizer.l1, regularizer.l2) == (fitted_binary.l1, fitted_binary.l2)


def test_file_holds_json_and_a_keras_file(saved_binary):
    members = _unzip(saved_binary)
    assert list(members) == ["l1l2-estimator.json", "model.keras"]
    network = _unzip(members["model.keras"])
    assert set(network) == {"metadata.json", "config.json", "model.weights.h5"}
    metadata = json.loads(members["l1l2-estimator.json"])
    assert metadata["format"] == "l1l2-estimator"
    # Format 1: what every version reads (format 2 adds only the regressor's loss="poisson",
    # format 3 only metadata-routing requests, format 4 only params that are not finite).
    assert metadata["format_version"] == 1 and FORMAT_VERSION == 4
    assert metadata["estimator"] == "L1L2Classifier"
    assert metadata["library_version"] == l1l2_estimator.__version__


def test_docstring_examples():
    result = doctest.testmod(persistence, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize("n_outputs", [1, 2])
def test_regressor_round_trip(tmp_path, n_outputs):
    from sklearn.datasets import make_regression

    from l1l2_estimator import L1L2Regressor

    X, y = make_regression(n_samples=80, n_features=4, n_targets=n_outputs, random_state=0)
    reg = L1L2Regressor(hidden_layer_sizes=(8,), epochs=5, random_state=0).fit(X, y / y.std())
    path = tmp_path / "regressor.l1l2"
    dump(reg, path)
    loaded = load(path)
    assert type(loaded) is L1L2Regressor
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))
    assert loaded.predict(X).shape == y.shape
    loaded.partial_fit(X, y / y.std())
    assert loaded.n_iter_ == reg.n_iter_ + 1


def _multilabel_data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    return X, (X + 0.3 * rng.normal(size=(40, 3)) > 0).astype(np.int64)


@pytest.mark.parametrize("dtype", [">i8", ">f8"])
def test_multilabel_indicators_of_another_byte_order_round_trip(dtype, tmp_path):
    """dump wrote '>i8' and load refused its own file: the dtype is stored in this machine's
    byte order (the same values)."""
    X, Y = _multilabel_data()
    clf = L1L2Classifier(**FAST).fit(X, Y.astype(dtype))
    dump(clf, tmp_path / "m.l1l2")
    loaded = load(tmp_path / "m.l1l2")
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    assert loaded.predict(X).dtype == np.dtype(dtype).newbyteorder("=")


def test_dump_refuses_multilabel_targets_load_would_refuse(tmp_path, monkeypatch):
    """Long-double indicators, and more labels than load takes, were written and then refused
    by load; dump refuses them (the label limit lowered here, as 1,000,001 labels take long)."""
    X, Y = _multilabel_data()
    clf = L1L2Classifier(**FAST).fit(X, Y.astype(np.longdouble))
    with pytest.raises(ValueError, match="Cannot save the estimator: its multilabel indicators"):
        dump(clf, tmp_path / "m.l1l2")
    clf = L1L2Classifier(**FAST).fit(X, Y)
    monkeypatch.setattr(persistence._schema, "MAX_LABELS", 2)
    with pytest.raises(ValueError, match="Cannot save the estimator: it has 3 labels"):
        dump(clf, tmp_path / "m.l1l2")
    assert not (tmp_path / "m.l1l2").exists()


def test_dump_refuses_a_network_larger_than_load_reads(fitted_binary, tmp_path, monkeypatch):
    """A first layer of about 90 million weights under Adam (its two slots triple the file) was
    written, 0.9 GiB, and refused by load's 1 GiB limit; dump refuses it (the limit lowered
    here)."""
    monkeypatch.setattr(persistence._network, "MAX_NETWORK_BYTES", 10_000)
    with pytest.raises(ValueError, match="Cannot save the estimator: its network takes"):
        dump(fitted_binary, tmp_path / "m.l1l2")
    assert not (tmp_path / "m.l1l2").exists()


def test_dump_saves_one_fit_while_another_thread_refits(binary_data, tmp_path, monkeypatch):
    """dump read the estimator attribute by attribute: a refit in another thread between the
    reads made a file of one fit's loss curve and another's weights (or one load refused, where
    the refit saw other columns). Here the refit lands, deterministically, between dump's reads
    of the fitted state and of the network."""
    X, y = binary_data
    first = L1L2Classifier(**{**FAST, "epochs": 3}).fit(X, y)
    expected = first.predict_proba(X), list(first.loss_curve_)
    check = persistence.check_params_describe_state

    def refit_meanwhile(estimator, state):
        first.fit(X[:, ::-1], y)  # other data: another fit, published in one step
        return check(estimator, state)

    monkeypatch.setattr(persistence, "check_params_describe_state", refit_meanwhile)
    dump(first, tmp_path / "m.l1l2")
    loaded = load(tmp_path / "m.l1l2")
    np.testing.assert_array_equal(loaded.predict_proba(X), expected[0])
    assert list(loaded.loss_curve_) == expected[1]
    assert not np.array_equal(first.predict_proba(X), expected[0])  # the refit did happen


def test_dump_refuses_a_file_larger_than_load_reads(fitted_binary, tmp_path, monkeypatch):
    """A network just under the 1 GiB that load reads of it, stored uncompressed (it deflated
    more than load takes from a genuine file), made a file over the 1 GiB that load reads at
    all; dump wrote it. (Here the file limit is lowered, so that a small file passes it.)"""
    from l1l2_estimator import persistence

    monkeypatch.setattr(persistence, "MAX_FILE_BYTES", 2000)
    with pytest.raises(ValueError, match=r"its file would take \d+ bytes, more than the 2000 "):
        dump(fitted_binary, tmp_path / "model.l1l2")
    assert not (tmp_path / "model.l1l2").exists()


def test_dump_saves_the_estimators_network_not_a_changed_model_copy(multiclass_data, tmp_path):
    """dump wrote model_, a copy that changing does not change the estimator: after
    model_.set_weights the file held those weights, and after model_.compile with another
    optimizer a file that load refused."""
    X, y = multiclass_data
    for change in ("set_weights", "compile"):
        clf = L1L2Classifier(**{**FAST, "epochs": 3}).fit(X, y)
        expected = clf.predict_proba(X)
        if change == "set_weights":
            clf.model_.set_weights([np.zeros_like(w) for w in clf.model_.get_weights()])
        else:
            clf.model_.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
            clf.model_.fit(X, np.searchsorted(clf.classes_, y), epochs=1, verbose=0)
        np.testing.assert_array_equal(clf.predict_proba(X), expected)
        dump(clf, tmp_path / f"{change}.l1l2")
        loaded = load(tmp_path / f"{change}.l1l2")
        np.testing.assert_array_equal(loaded.predict_proba(X), expected)
        for got, want in zip(loaded._optimizer_state, clf._optimizer_state):
            np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"class_weight": {0: 1.0, 7: 2.0}}, "its class_weight does not fit its classes_"),
        ({"tol": -1.0}, "its params are invalid: The 'tol' parameter"),
        ({"epochs": 0}, "its params are invalid: The 'epochs' parameter"),
        ({"l1": float("inf")}, "its params are invalid"),
    ],
)
def test_dump_refuses_params_set_after_fitting_that_load_would_refuse(
    fitted_multiclass, tmp_path, change, reason
):
    """They were written, and load refused the file: the weights were lost."""
    clf = pickle.loads(pickle.dumps(fitted_multiclass)).set_params(**change)
    with pytest.raises(ValueError, match=rf"Cannot save the estimator \(load would refuse the "
                                         rf"file\): {reason}"):
        dump(clf, tmp_path / "model.l1l2")
    assert not (tmp_path / "model.l1l2").exists()


def test_skops_round_trips_fitted_estimators_trusting_the_types_readme_lists(fitted_binary):
    """README: skops persists a fitted estimator (its state holds no Keras object), trusting
    only the types listed there."""
    import skops.io
    from sklearn.datasets import make_regression

    from l1l2_estimator import L1L2ClassifierCV, L1L2Regressor

    X_r, y_r = make_regression(n_samples=60, n_features=4, random_state=0)
    X, y = X_r, (y_r > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few epochs
        regressor = L1L2Regressor(**FAST).fit(X_r, y_r / y_r.std())
        search = L1L2ClassifierCV(l1s=[0, 1e-3], l2s=[0], cv=2, **FAST).fit(X, y)
    fitted_binary.model_  # built, and still not part of the state
    cases = [
        (fitted_binary, None, ["l1l2_estimator.classifier.L1L2Classifier"]),
        (regressor, X_r, ["l1l2_estimator.regressor.L1L2Regressor", "numpy.dtype",
                          "scikeras.utils.transformers.RegressorTargetEncoder"]),
        (search, X, ["l1l2_estimator._cv.L1L2ClassifierCV",
                     "l1l2_estimator.classifier.L1L2Classifier",
                     "sklearn.metrics._scorer._PassthroughScorer"]),
    ]
    for estimator, rows, trusted in cases:
        data = skops.io.dumps(estimator)
        # Another skops version may trust more by default; scikit-learn 1.7 adds two of its
        # metadata-request classes to a search's (README).
        untrusted = skops.io.get_untrusted_types(data=data)
        assert type(estimator).__module__ + "." + type(estimator).__name__ in untrusted
        assert set(untrusted) - set(trusted) <= {
            "sklearn.utils._metadata_requests.MetadataRequest",
            "sklearn.utils._metadata_requests.MethodMetadataRequest",
        }
        loaded = skops.io.loads(data, trusted=untrusted)
        rows = np.zeros((3, estimator.n_features_in_)) if rows is None else rows
        np.testing.assert_array_equal(loaded.predict(rows), estimator.predict(rows))


def test_assigned_float64_weights_come_back_rounded_to_float32(
    binary_data, fitted_binary, tmp_path
):
    """README: weights are stored in float32, as the network trains them; weights assigned in
    float64 (MLPClassifier's, say) come back rounded to float32, and predict as those."""
    X, _ = binary_data
    clf = _copy(fitted_binary)
    rng = np.random.default_rng(0)
    clf.coefs_ = [c + rng.normal(scale=1e-3, size=c.shape) for c in clf.coefs_]
    clf.intercepts_ = [b + rng.normal(scale=1e-3, size=b.shape) for b in clf.intercepts_]
    loaded = _round_trip(clf, tmp_path)
    for stored, assigned in zip(loaded.coefs_ + loaded.intercepts_, clf.coefs_ + clf.intercepts_):
        np.testing.assert_array_equal(stored, assigned.astype(np.float32))
    clf.coefs_ = [c.astype(np.float32) for c in clf.coefs_]
    clf.intercepts_ = [b.astype(np.float32) for b in clf.intercepts_]
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def _stat(mode, uid):
    return os.stat_result((mode, 0, 0, 0, uid, 0, 0, 0, 0, 0))


def test_links_that_linux_keeps_open_from_following_are_named():
    """fs.protected_symlinks: a link in a sticky, world-writable folder, owned by neither the
    user nor the folder's owner."""
    from l1l2_estimator._files import _guarded

    link, shared = stat.S_IFLNK | 0o777, stat.S_IFDIR | 0o1777
    assert _guarded(_stat(link, 1001), _stat(shared, 0), 1000)
    assert not _guarded(_stat(link, 1000), _stat(shared, 0), 1000)  # the user's own
    assert not _guarded(_stat(link, 0), _stat(shared, 0), 1000)  # the folder owner's
    assert not _guarded(_stat(link, 1001), _stat(stat.S_IFDIR | 0o777, 0), 1000)  # not sticky
    assert not _guarded(_stat(link, 1001), _stat(stat.S_IFDIR | 0o1755, 0), 1000)  # not shared


def test_dump_through_a_guarded_link_writes_as_open_writes(fitted_binary, tmp_path,
                                                          monkeypatch):
    """Through such a link (at the end of the path or in a folder on the way), dump opens the
    path as open does, so that the kernel's guard decides: it had resolved the link itself and
    renamed a new file over whatever file the link named (another user's link in /tmp could
    point a victim's dump at any file the victim may write)."""
    from l1l2_estimator import _files

    target = tmp_path / "target.l1l2"
    target.write_bytes(b"earlier")
    (tmp_path / "link.l1l2").symlink_to(target)
    (tmp_path / "folder").mkdir()
    (tmp_path / "linked").symlink_to(tmp_path / "folder")
    assert not _files._follows_a_guarded_link(tmp_path / "link.l1l2")
    # As if the links were another user's in /tmp (the test cannot own a link as another user).
    monkeypatch.setattr(_files, "_guarded", lambda link, folder, user: True)
    assert _files._follows_a_guarded_link(tmp_path / "link.l1l2")
    assert _files._follows_a_guarded_link(tmp_path / "linked" / "new.l1l2")
    assert not _files._follows_a_guarded_link(tmp_path / "folder" / "new.l1l2")

    def no_new_file(*args, **kwargs):
        raise AssertionError("a new file was made to be renamed over the link's target")

    monkeypatch.setattr(_files.tempfile, "mkstemp", no_new_file)
    dump(fitted_binary, tmp_path / "link.l1l2")
    assert (tmp_path / "link.l1l2").is_symlink()
    np.testing.assert_array_equal(load(target).coefs_[0], fitted_binary.coefs_[0])
