"""The docstring examples run."""

import doctest

from l1l2_estimator import classifier


def test_classifier_docstring_examples():
    result = doctest.testmod(classifier, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
