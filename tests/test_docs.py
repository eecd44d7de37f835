"""The docstring examples run."""

import doctest

import pytest

from l1l2_estimator import classifier, persistence, regressor


@pytest.mark.parametrize("module", [classifier, regressor, persistence])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
