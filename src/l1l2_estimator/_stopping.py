"""When training stops: MLPClassifier's two rules, on the training loss or on held-out data.

``train`` calls ``update`` after every epoch and ``finish`` once at the end; a rule that returns
True from ``update`` has converged. Both rules count the epochs without an improvement of at least
``tol`` and stop once that count exceeds ``n_iter_no_change``.
"""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class StoppingRule:
    """MLPClassifier's rule: stop once the loss has not improved by ``tol`` for
    more than ``n_iter_no_change`` consecutive epochs."""

    tol: float
    n_iter_no_change: int
    best_loss: float = np.inf
    no_improvement_count: int = 0

    def update(self, loss, model):
        """Record one epoch's loss; return True when training should stop."""
        if loss > self.best_loss - self.tol:
            self.no_improvement_count += 1
        else:
            self.no_improvement_count = 0
        self.best_loss = min(self.best_loss, loss)
        return self.no_improvement_count > self.n_iter_no_change

    def finish(self, model):
        """Called once training ends; the loss rule keeps the last weights."""


@dataclass
class ValidationStoppingRule:
    """MLPClassifier's ``early_stopping``: stop once ``score(model)`` on held-out data has not
    improved by ``tol`` for more than ``n_iter_no_change`` epochs, and keep the best weights."""

    score: object  # callable: model -> float, higher is better
    tol: float
    n_iter_no_change: int
    scores: list = field(default_factory=list)
    best_score: float = -np.inf
    best_weights: list = None
    no_improvement_count: int = 0

    def update(self, loss, model):
        score = self.score(model)
        self.scores.append(score)
        if score < self.best_score + self.tol:
            self.no_improvement_count += 1
        else:
            self.no_improvement_count = 0
        if score > self.best_score:
            self.best_score = score
            self.best_weights = model.get_weights()
        return self.no_improvement_count > self.n_iter_no_change

    def finish(self, model):
        if self.best_weights is not None:
            model.set_weights(self.best_weights)
