"""The documentation: docstring examples run, and the public API's docstrings are numpydoc-valid."""

import doctest
import inspect
import warnings

import numpy as np
import pytest
from numpydoc.docscrape import ClassDoc
from numpydoc.validate import validate
from sklearn.base import is_classifier
from sklearn.exceptions import ConvergenceWarning

import l1l2_estimator
from l1l2_estimator import _cv, classifier, cli, persistence, plots, regressor


@pytest.mark.parametrize("module", [classifier, regressor, persistence, _cv])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


# numpydoc checks that this project does not follow, as scikit-learn does not for methods: an
# extended summary, a See Also and an Examples section everywhere, and a bare type name as the
# first line of Returns.
NOT_FOLLOWED = {"ES01", "SA01", "EX01", "RT02"}


def _own(value):
    """Whether a class member is the package's own: a function, or a property (whose help()
    and tooltip text is its getter's docstring; the fitted attributes had none)."""
    value = value.fget if isinstance(value, property) else value
    return callable(value) and getattr(value, "__module__", "").startswith("l1l2_estimator")


def _public_api():
    """Dotted names of every public function, class, and own public method and property of the
    package."""
    names = []
    for module in (l1l2_estimator, plots, persistence, cli):
        for name in module.__all__:
            names.append(f"{module.__name__}.{name}")
            obj = getattr(module, name)
            if inspect.isclass(obj):
                names.extend(
                    f"{module.__name__}.{name}.{member}"
                    for member, value in inspect.getmembers(obj)
                    if not member.startswith("_") and _own(value)
                )
    return [
        name
        for name in names
        if callable(_resolve(name)) or isinstance(_resolve(name), property)
    ]


def _resolve(dotted):
    module_name, *path = dotted.split(".")
    obj = __import__(module_name)
    for part in dotted.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("name", _public_api())
def test_public_docstrings_are_numpydoc_valid(name):
    errors = [
        f"{code}: {message}"
        for code, message in validate(name)["errors"]
        if code not in NOT_FOLLOWED
    ]
    assert errors == []


# scikeras' own fitted attributes, which its KerasClassifier documents: the package does not
# use them beyond what scikeras does.
SCIKERAS_ATTRIBUTES = {"feature_encoder_", "initialized_", "n_outputs_expected_"}


@pytest.mark.parametrize(
    "estimator",
    [
        l1l2_estimator.L1L2Classifier(hidden_layer_sizes=(4,), epochs=2),
        l1l2_estimator.L1L2Regressor(hidden_layer_sizes=(4,), epochs=2),
        l1l2_estimator.L1L2ClassifierCV(hidden_layer_sizes=(4,), epochs=2, l1s=[0], l2s=[0], cv=2),
        l1l2_estimator.L1L2RegressorCV(hidden_layer_sizes=(4,), epochs=2, l1s=[0], l2s=[0], cv=2),
    ],
    ids=lambda estimator: type(estimator).__name__,
)
def test_every_fitted_attribute_is_documented(estimator):
    """Every public attribute ending in ``_`` that a fit sets, or that a property gives, is in
    the class's Attributes section (``target_encoder_`` and the property-backed ``loss_`` had
    no entry, or no docstring), and every entry exists after a fit on named columns."""
    pandas = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    X = pandas.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "c"])
    y = np.arange(40) % 2 if is_classifier(estimator) else rng.normal(size=40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 2 epochs
        fitted = estimator.fit(X, y)
    documented = {
        name.strip()
        for entry in ClassDoc(type(fitted))["Attributes"]
        for name in entry.name.split(",")
    }
    public = {name for name in vars(fitted) if name.endswith("_") and not name.startswith("_")}
    public |= {
        name
        for name, value in inspect.getmembers(type(fitted))
        if name.endswith("_") and not name.startswith("_") and isinstance(value, property)
    }
    assert public - SCIKERAS_ATTRIBUTES - documented == set()
    assert [name for name in sorted(documented) if not hasattr(fitted, name)] == []
