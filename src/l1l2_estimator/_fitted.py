"""A fit's attributes published in one step: a stand-in for scikit-learn's validation to write
to, what it changed, and the swap that publishes them.

A fit writes nothing to its estimator but that last swap, made once training has succeeded, so
a fit that fails leaves the estimator as it was without restoring anything: restoring the
attributes found at the start had undone whatever another thread did meanwhile (its
``set_params``, its whole fit).
"""


def stand_in(estimator):
    """A shallow copy of ``estimator`` for scikit-learn's ``validate_data(..., reset=True)`` to
    write ``n_features_in_`` and ``feature_names_in_`` to: a fit publishes them together with
    the network they describe (``publish``), so that ``predict`` in another thread, or a copy
    taken meanwhile, never sees the new feature count beside the old network."""
    twin = object.__new__(type(estimator))
    vars(twin).update(vars(estimator))
    return twin


_UNSET = object()


def changes(estimator, twin):
    """What ``twin`` (a ``stand_in`` of ``estimator``) has that ``estimator`` does not: the
    attributes it set (``{name: value}``) and the names it removed."""
    before, after = vars(estimator), vars(twin)
    return (
        {name: value for name, value in after.items() if before.get(name, _UNSET) is not value},
        [name for name in before if name not in after],
    )


def publish(estimator, attributes, absent=()):
    """Set ``attributes`` on ``estimator`` and remove the attributes named in ``absent``, in one
    step: the estimator's attribute dict is replaced by an updated copy, so that another thread
    sees either every old attribute or every new one."""
    updated = {**vars(estimator), **attributes}
    for name in absent:
        updated.pop(name, None)
    estimator.__dict__ = updated
