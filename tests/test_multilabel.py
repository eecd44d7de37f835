"""Multilabel targets, as MLPClassifier takes them: a 0/1 indicator matrix, one sigmoid output
per label, binary cross-entropy, indicator predictions."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
from sklearn.base import clone
from sklearn.datasets import make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.metrics import accuracy_score, hamming_loss
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import LabelBinarizer

from l1l2_estimator import L1L2Classifier, L1L2ClassifierCV, dump, load
from l1l2_estimator.classifier import Multilabel, label_encoder

from .conftest import FAST
from .crafting import rebuild


@pytest.fixture(scope="module")
def labels():
    X, Y = make_multilabel_classification(
        n_samples=400, n_features=12, n_classes=4, random_state=0
    )
    return train_test_split(X, Y, test_size=0.25, random_state=0)


@pytest.fixture(scope="module")
def fitted(labels):
    X_train, _, Y_train, _ = labels
    return L1L2Classifier(hidden_layer_sizes=(32,), random_state=0).fit(X_train, Y_train)


def test_outputs_like_mlp(labels, fitted):
    X_train, X_test, Y_train, Y_test = labels
    assert fitted.classes_.tolist() == [0, 1, 2, 3]
    assert fitted.n_outputs_ == 4
    assert fitted.out_activation_ == "sigmoid"
    assert fitted.coefs_[-1].shape[1] == 4
    predicted = fitted.predict(X_test)
    assert predicted.shape == Y_test.shape and predicted.dtype == Y_test.dtype
    assert set(np.unique(predicted)) <= {0, 1}
    proba = fitted.predict_proba(X_test)
    assert proba.shape == Y_test.shape and np.all((proba >= 0) & (proba <= 1))
    # predict thresholds each label's probability at 0.5.
    np.testing.assert_array_equal(predicted, (proba > 0.5).astype(Y_test.dtype))
    # score is the subset accuracy, as ClassifierMixin's for MLPClassifier.
    assert fitted.score(X_test, Y_test) == accuracy_score(Y_test, predicted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPClassifier(hidden_layer_sizes=(32,), random_state=0).fit(X_train, Y_train)
    # Labels right, as a share of all (row, label) cells: the subset accuracy of 100 test rows
    # moves by several rows with the seed or the kernel library, for both estimators.
    ours, theirs = (1 - hamming_loss(Y_test, m.predict(X_test)) for m in (fitted, mlp))
    majority = 1 - hamming_loss(Y_test, np.broadcast_to(Y_train.mean(0) > 0.5, Y_test.shape))
    assert ours >= theirs - 0.05 and ours > majority + 0.1
    # The loss is Keras' binary cross-entropy: the mean over the labels of each row.
    assert fitted.model_.loss == "binary_crossentropy"


def test_the_label_encoder_is_fitted_as_on_y_in_memory_linear_in_the_labels(labels, fitted):
    """``load`` builds this state for a file's classifier of up to 1,000,000 labels: fitting
    the encoder on an identity matrix of them took 7 TiB."""
    _, _, Y_train, _ = labels
    expected = vars(LabelBinarizer().fit(Y_train))
    assert vars(fitted.target_encoder_).keys() == expected.keys()
    for name, value in expected.items():
        np.testing.assert_array_equal(vars(fitted.target_encoder_)[name], value)
    encoder = label_encoder(Multilabel(n_labels=1_000_000, dtype=np.dtype(int)))
    np.testing.assert_array_equal(encoder.classes_, np.arange(1_000_000))


@pytest.mark.parametrize("dtype", [bool, np.int32, np.float64])
def test_indicator_dtype_is_kept(labels, dtype):
    X_train, X_test, Y_train, _ = labels
    clf = L1L2Classifier(**FAST).fit(X_train, Y_train.astype(dtype))
    assert clf.predict(X_test).dtype == np.dtype(dtype)


def test_float16_indicators_predict_float32_that_the_metrics_take(labels):
    # scikit-learn's metrics refuse float16 ("scipy.sparse does not support dtype float16"), so
    # predictions in it could not be scored against any y, nor a search score its folds.
    X_train, X_test, Y_train, Y_test = labels
    clf = L1L2Classifier(**FAST).fit(X_train, Y_train.astype(np.float16))
    predicted = clf.predict(X_test)
    assert predicted.dtype == np.float32
    np.testing.assert_array_equal(predicted, (clf.predict_proba(X_test) > 0.5))
    assert clf.score(X_test, Y_test) == accuracy_score(Y_test, predicted)
    # float16 truth too: held-out scores, score and a search's folds (MLPClassifier.score fails).
    Y16 = Y_test.astype(np.float16)
    assert clf.score(X_test, Y16) == accuracy_score(Y_test, predicted)
    assert clf.score(X_test, pd.DataFrame(Y16)) == accuracy_score(Y_test, predicted)
    stopped = L1L2Classifier(**FAST, early_stopping=True).fit(X_train, Y_train.astype(np.float16))
    assert np.isfinite(stopped.validation_scores_).all()
    search = L1L2ClassifierCV(**FAST, l1s=[0], l2s=[0], cv=2).fit(X_train,
                                                                   Y_train.astype(np.float16))
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_sparse_indicator_and_sparse_X(labels):
    X_train, X_test, Y_train, Y_test = labels
    dense = L1L2Classifier(**FAST).fit(X_train, Y_train)
    sparse = L1L2Classifier(**FAST).fit(
        scipy.sparse.csr_matrix(X_train), scipy.sparse.csr_matrix(Y_train)
    )
    np.testing.assert_allclose(
        sparse.predict_proba(X_test), dense.predict_proba(X_test), atol=1e-5
    )


def test_a_sparse_indicator_is_predicted_sparse_like_mlp_classifier(labels, tmp_path):
    X_train, X_test, Y_train, Y_test = labels
    Y_sparse = scipy.sparse.csr_matrix(Y_train)
    clf = L1L2Classifier(**FAST).fit(X_train, Y_sparse)
    mlp = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X_train, Y_sparse)
    ours, theirs = clf.predict(X_test), mlp.predict(X_test)
    assert scipy.sparse.issparse(ours) and scipy.sparse.issparse(theirs)
    assert ours.format == "csr" and ours.shape == Y_test.shape and ours.dtype == Y_train.dtype
    dense = L1L2Classifier(**FAST).fit(X_train, Y_train)
    np.testing.assert_array_equal(ours.toarray(), dense.predict(X_test))
    assert clf.score(X_test, scipy.sparse.csr_matrix(Y_test)) == dense.score(X_test, Y_test)
    clf.partial_fit(X_train, Y_sparse)  # continued training keeps the kind
    assert scipy.sparse.issparse(clf.predict(X_test))
    dump(clf, tmp_path / "sparse.l1l2")
    loaded = load(tmp_path / "sparse.l1l2")
    assert scipy.sparse.issparse(loaded.predict(X_test))
    np.testing.assert_array_equal(loaded.predict(X_test).toarray(), clf.predict(X_test).toarray())
    # Early stopping scores the held-out rows, dense, whatever the kind of y.
    L1L2Classifier(**FAST, early_stopping=True).fit(X_train, Y_sparse)


def test_a_dataframe_of_sparse_indicator_columns_is_predicted_sparse_like_mlp(labels):
    """MLPClassifier predicts a sparse matrix for a pandas DataFrame of sparse indicator columns,
    which validation turns into one; ours predicted a dense array there."""
    X_train, X_test, Y_train, _ = labels
    frame = pd.DataFrame.sparse.from_spmatrix(scipy.sparse.csr_matrix(Y_train))
    mlp = MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X_train, frame)
    assert scipy.sparse.issparse(mlp.predict(X_test))
    for estimator in (L1L2Classifier(**FAST), L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, **FAST)):
        ours = estimator.fit(X_train, frame).predict(X_test)
        assert scipy.sparse.issparse(ours) and ours.format == "csr"
        np.testing.assert_array_equal(
            ours.toarray(), clone(estimator).fit(X_train, Y_train).predict(X_test)
        )


def test_continued_training_keeps_the_labels(labels):
    X_train, _, Y_train, _ = labels
    clf = L1L2Classifier(**FAST).fit(X_train, Y_train)
    iterations = clf.n_iter_
    clf.partial_fit(X_train, Y_train)
    assert clf.n_iter_ == iterations + 1
    before = clf.predict_proba(X_train)
    with pytest.raises(ValueError, match="has 3 labels, but this L1L2Classifier was fitted"):
        clf.partial_fit(X_train, Y_train[:, :3])
    with pytest.raises(ValueError, match="fitted on multilabel targets"):
        clf.partial_fit(X_train, Y_train[:, 0])
    np.testing.assert_array_equal(clf.predict_proba(X_train), before)
    single = L1L2Classifier(**FAST, warm_start=True).fit(X_train, Y_train[:, 0])
    with pytest.raises(ValueError, match="fitted on single-label targets"):
        single.fit(X_train, Y_train)
    # A fresh fit may change kind: the output layer is built anew.
    single.set_params(warm_start=False).fit(X_train, Y_train)
    assert single.predict(X_train).shape == Y_train.shape
    single.fit(X_train, Y_train[:, 0])
    assert single.predict(X_train).shape == (len(X_train),)


def test_early_stopping_and_class_weight(labels):
    X_train, _, Y_train, _ = labels
    stopped = L1L2Classifier(**{**FAST, "epochs": 300}, early_stopping=True).fit(X_train, Y_train)
    assert stopped.n_iter_ < 300
    assert 0 < stopped.best_validation_score_ <= 1
    balanced = L1L2Classifier(**FAST, class_weight="balanced").fit(X_train, Y_train)
    assert balanced.predict(X_train).shape == Y_train.shape
    with pytest.raises(ValueError, match="class_weight as a dict .* use class_weight='balanced'"):
        L1L2Classifier(**FAST, class_weight={0: 1, 1: 2}).fit(X_train, Y_train)


def test_partial_fit_classes_are_the_label_columns(labels):
    X_train, _, Y_train, _ = labels
    n_labels = Y_train.shape[1]
    clf = L1L2Classifier(**FAST).partial_fit(X_train, Y_train, classes=list(range(n_labels)))
    np.testing.assert_array_equal(clf.classes_, np.arange(n_labels))
    for classes in (["a", "b", "c", "d"], [0, 1]):
        # (Named as given: it had said [np.int64(0), np.int64(1)].)
        with pytest.raises(ValueError, match=re.escape(f"classes={classes!r} does not fit y's 4 "
                                                       "label columns")):
            L1L2Classifier(**FAST).partial_fit(X_train, Y_train, classes=classes)
    with pytest.raises(ValueError, match="is not the same as the classes_ this"):
        clf.partial_fit(X_train, Y_train, classes=[0, 1])


def test_dump_and_load(labels, fitted, tmp_path):
    _, X_test, Y_test, _ = labels
    dump(fitted, tmp_path / "labels.l1l2")
    loaded = load(tmp_path / "labels.l1l2")
    np.testing.assert_array_equal(loaded.predict_proba(X_test), fitted.predict_proba(X_test))
    np.testing.assert_array_equal(loaded.predict(X_test), fitted.predict(X_test))
    assert loaded.predict(X_test).dtype == fitted.predict(X_test).dtype
    assert loaded.classes_.tolist() == fitted.classes_.tolist()


def test_cross_validated_multilabel_equals_grid_search(labels):
    X_train, _, Y_train, _ = labels
    network = dict(hidden_layer_sizes=(8,), epochs=40, learning_rate=0.01, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = L1L2ClassifierCV(l1s=[0, 1e-3], l2s=[0, 1e-3], cv=3, **network).fit(
            X_train, Y_train
        )
        theirs = GridSearchCV(
            L1L2Classifier(**network), {"l1": [0, 1e-3], "l2": [0, 1e-3]}, cv=3
        ).fit(X_train, Y_train)
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"], atol=1e-6
    )
    assert ours.best_params_ == theirs.best_params_
    assert ours.classes_.tolist() == [0, 1, 2, 3]
    assert ours.predict(X_train).shape == Y_train.shape


@pytest.mark.parametrize(
    "multilabel, reason",
    [
        ({"n_labels": 3, "indicator_dtype": "<i8"}, "units"),
        ({"n_labels": "4", "indicator_dtype": "<i8"}, "n_labels must be an integer"),
        ({"n_labels": 10**9, "indicator_dtype": "<i8"}, "n_labels must be an integer"),
        ({"n_labels": 4, "indicator_dtype": "<U1000000"}, "indicator_dtype must be one of"),
        ({"n_labels": 4, "indicator_dtype": "O"}, "indicator_dtype must be one of"),
        ({"n_labels": 4, "indicator_dtype": "<i8", "classes": [1]}, "exactly n_labels and"),
        ({"n_labels": 4, "indicator_dtype": "<i8", "sparse_indicator": False},
         "sparse_indicator must be true when present"),
        ({"n_labels": 4, "indicator_dtype": "<i8", "sparse_indicator": 1},
         "sparse_indicator must be true when present"),
        ([4, "<i8"], "multilabel"),
    ],
)
def test_load_checks_the_stored_labels(labels, multilabel, reason, tmp_path):
    """A crafted multilabel description is refused before anything is built from it."""
    X_train, _, Y_train, _ = labels
    clf = L1L2Classifier(**{**FAST, "epochs": 2}).fit(X_train, Y_train)
    dump(clf, tmp_path / "good.l1l2")
    data = rebuild((tmp_path / "good.l1l2").read_bytes(), metadata=_set_multilabel(multilabel))
    (tmp_path / "crafted.l1l2").write_bytes(data)
    with pytest.raises(ValueError, match=f"Cannot load .*{reason}"):
        load(tmp_path / "crafted.l1l2")


def test_a_file_lacking_its_labels_names_both_kinds(labels, tmp_path):
    """A multilabel file without its 'multilabel' key was refused for lacking 'classes_', which
    only a single-label classifier's file holds."""
    X_train, _, Y_train, _ = labels
    dump(L1L2Classifier(**{**FAST, "epochs": 2}).fit(X_train, Y_train), tmp_path / "good.l1l2")
    data = rebuild((tmp_path / "good.l1l2").read_bytes(),
                   metadata=lambda content: content.pop("multilabel"))
    (tmp_path / "crafted.l1l2").write_bytes(data)
    with pytest.raises(ValueError, match=r"lacks 'classes_' \(a classifier's labels\) or "
                                         r"'multilabel' \(a multilabel classifier's\)\.$"):
        load(tmp_path / "crafted.l1l2")


def _set_multilabel(value):
    def edit(content):
        content["multilabel"] = value

    return edit


def test_a_frame_of_a_categorical_and_a_nullable_label_column_is_scored(labels):
    X, _, Y, _ = labels
    frame = pd.DataFrame({"a": pd.Categorical(Y[:, 0]), "b": pd.array(Y[:, 1], dtype="Int64")})
    model = L1L2Classifier(**{**FAST, "epochs": 3}).fit(X, frame)
    assert model.score(X, frame) == accuracy_score(Y[:, :2], model.predict(X))


@pytest.mark.parametrize("dtype", ["Int64", "boolean", "bool beside int64"])
def test_a_frame_of_nullable_label_columns_is_scored_and_searched(labels, dtype):
    """fit and predict took it, but score failed inside scikit-learn's accuracy_score ("scipy.
    sparse does not support dtype object"), and L1L2ClassifierCV scored every member NaN and
    refit l1=0, l2=0 with a warning: for pandas' nullable columns, and for NumPy columns of
    different dtypes."""
    X, _, Y, _ = labels
    if dtype == "bool beside int64":
        frame = pd.DataFrame(Y).astype({0: bool})
        assert {str(d) for d in frame.dtypes} == {"bool", "int64"}
    else:
        frame = pd.DataFrame(Y).astype(dtype)
    params = {**FAST, "epochs": 5}
    model = L1L2Classifier(**params).fit(X, frame)
    assert model.score(X, frame) == accuracy_score(Y, model.predict(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("error", message="Scoring failed")
        search = L1L2ClassifierCV(**params, l1s=[0, 1e-2], l2s=[0], cv=2).fit(X, frame)
        expected = L1L2ClassifierCV(**params, l1s=[0, 1e-2], l2s=[0], cv=2).fit(X, Y)
    np.testing.assert_array_equal(
        search.cv_results_["mean_test_score"], expected.cv_results_["mean_test_score"]
    )
    assert search.score(X, frame) == expected.score(X, Y)


def test_a_frame_of_one_numpy_dtype_reaches_a_scorer_as_a_frame(labels):
    """Only a frame NumPy would make an object array is converted for the metrics: a scorer
    reading a column by name gets the frame, as GridSearchCV hands it."""
    X, _, Y, _ = labels
    frame = pd.DataFrame(Y, columns=[f"label{k}" for k in range(Y.shape[1])])
    seen = []

    def scorer(estimator, X_, y_):
        seen.append(type(y_))
        return float(np.mean(estimator.predict(X_)[:, 0] == y_["label0"]))

    search = L1L2ClassifierCV(**{**FAST, "epochs": 2}, l1s=[0], l2s=[0], cv=2, scoring=scorer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, frame)
    assert set(seen) == {pd.DataFrame} and np.isfinite(search.best_score_)


@pytest.mark.parametrize("dtype", ["str", "string", "category"])
def test_a_one_column_frame_of_text_labels_is_scored_as_labels(dtype):
    """Converting frames of pandas' own column types to numbers (for nullable indicators) had
    taken a column of text labels along: score, L1L2ClassifierCV and GridSearchCV failed with
    "could not convert string to float"."""
    X, y = make_multilabel_classification(n_samples=120, n_features=6, n_classes=2,
                                          random_state=0)
    labels = pd.DataFrame({"t": np.array(["a", "b"])[y[:, 0]]}).astype(dtype)
    params = {**FAST, "epochs": 3}
    with warnings.catch_warnings():
        # A column of labels: scikit-learn's column-vector warning, as MLPClassifier gives it.
        warnings.simplefilter("ignore", DataConversionWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = L1L2Classifier(**params).fit(X, labels)
        assert clf.score(X, labels) == accuracy_score(labels["t"].astype(str), clf.predict(X))
        search = L1L2ClassifierCV(**params, l1s=[0, 1e-3], l2s=[0], cv=2).fit(X, labels)
        grid = GridSearchCV(L1L2Classifier(**params), {"l1": [0, 1e-3]}, cv=2).fit(X, labels)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    np.testing.assert_array_equal(
        search.cv_results_["mean_test_score"], grid.cv_results_["mean_test_score"]
    )


@pytest.mark.parametrize("dtype", [">i8", ">f8"])
def test_a_big_endian_indicator_predicts_native_indicators(dtype, labels, tmp_path):
    """Single-label big-endian labels gave native classes_; a big-endian indicator matrix kept
    its byte order in predict, whose indicators scikit-learn's metrics refuse ("scipy.sparse
    does not support dtype >i8"): score, accuracy_score and every fit with early_stopping
    failed, and dump and load changed predict's dtype. MLPClassifier predicts native ones."""
    X_train, X_test, Y_train, Y_test = labels
    swapped = Y_train.astype(dtype)
    clf = L1L2Classifier(**{**FAST, "epochs": 2}).fit(X_train, swapped)
    predicted = clf.predict(X_test)
    assert predicted.dtype == np.dtype(dtype).newbyteorder("=")
    assert clf.score(X_test, Y_test) == accuracy_score(Y_test, predicted)
    assert clf.score(X_test, Y_test.astype(dtype)) == accuracy_score(Y_test, predicted)
    assert clf.score(X_test, pd.DataFrame(Y_test.astype(dtype))) == clf.score(X_test, Y_test)
    # The search takes a big-endian frame, whose rows pandas cannot take (GridSearchCV fails).
    search = L1L2ClassifierCV(l1s=[0], l2s=[0], cv=2, **{**FAST, "epochs": 2})
    frame = search.fit(X_train, pd.DataFrame(swapped)).cv_results_["mean_test_score"]
    native = search.fit(X_train, Y_train).cv_results_["mean_test_score"]
    np.testing.assert_array_equal(frame, native)
    dump(clf, tmp_path / "big.l1l2")
    assert load(tmp_path / "big.l1l2").predict(X_test).dtype == predicted.dtype
    early = L1L2Classifier(**{**FAST, "epochs": 3}, early_stopping=True).fit(X_train, swapped)
    assert len(early.validation_scores_) == early.n_iter_
