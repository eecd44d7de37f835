"""The one repair to scikeras that a subclass cannot make.

scikeras 0.13 predates scikit-learn's tag API: ``BaseWrapper`` still defines ``_more_tags``, which
scikit-learn >= 1.6 ignores, and ``check_estimator_tags_renamed`` rejects every class whose MRO holds
a class defining ``_more_tags`` without ``__sklearn_tags__``. ``BaseWrapper`` already inherits
``__sklearn_tags__`` from ``BaseEstimator``; declaring that same function on ``BaseWrapper`` changes no
behaviour of any scikeras class and tells the check that the class speaks the new API. The tags that
matter are set by ``L1L2Classifier.__sklearn_tags__``.
"""

from scikeras.wrappers import BaseWrapper
from sklearn.base import BaseEstimator

if "__sklearn_tags__" not in vars(BaseWrapper):
    BaseWrapper.__sklearn_tags__ = BaseEstimator.__sklearn_tags__
