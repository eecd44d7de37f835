"""The estimators' parameter and attribute descriptions, written once for both estimators.

Each class docstring is composed by :func:`compose` from its own summary, its own Examples and the
shared entries below, in the order of the class's ``__init__`` signature; a parameter without an
entry here fails at import. Words in braces (``{score}``, ``{target_attributes}``, ...) are
filled in per estimator.
"""

import inspect

PARAMETERS = {
    "hidden_layer_sizes": """\
hidden_layer_sizes : array-like of int or int, default=(100,)
    Units of each hidden layer; the i-th element is the i-th hidden layer.""",
    "loss": """\
loss : {{"squared_error", "poisson"}}, default="squared_error"
    What the network minimizes (plus the penalty): Keras' mean squared error with a linear
    output layer, or, for counts and rates (``y >= 0``), Keras' Poisson loss
    ``mean(y_pred - y * log(y_pred + 1e-7))`` with an exponential output layer (a log link, as
    ``MLPRegressor(loss="poisson")`` has). Continued training (``warm_start``, ``partial_fit``)
    and ``dump`` refuse a loss changed after fitting.""",
    "activation": """\
activation : str, default="relu"
    Hidden-layer activation: "relu", "tanh", "sigmoid" (alias "logistic"), "linear" (alias
    "identity"), "elu", "selu", "gelu", "softplus" or "silu".""",
    "l1": """\
l1 : float, default=1e-5
    L1 penalty factor: ``l1 * sum(|W|)`` over every kernel is added to the mini-batch loss.""",
    "l2": """\
l2 : float, default=1e-4
    L2 penalty factor: ``l2 * sum(W ** 2)`` over every kernel is added to the mini-batch loss.
    {alpha_mapping}""",
    "optimizer": """\
optimizer : str or keras.optimizers.Optimizer, default="adam"
    A Keras optimizer name, lowercase or as Keras names the class (``"adam"`` or ``"Adam"``),
    or an optimizer instance whose configuration is copied on each fit.
    Optimizer arguments can be routed as ``optimizer__<name>``, e.g. ``optimizer__beta_1``.""",
    "learning_rate": """\
learning_rate : float, default=3e-3
    Learning rate of an optimizer given by name (``optimizer__learning_rate`` wins if set).
    An optimizer instance keeps its own learning rate, unless ``optimizer__learning_rate`` is
    set. The default, three times Keras' and MLPClassifier's, lets small data sets (a few
    batches per epoch) converge in a few hundred epochs.""",
    "epochs": """\
epochs : int, default=1000
    Maximum number of passes over the training data (MLPClassifier's ``max_iter``). Training
    usually stops earlier, by the ``tol`` rule; the cap leaves room for the slow tail that a strong
    L1 penalty gives under Adam.""",
    "batch_size": """\
batch_size : int or "auto", default="auto"
    Mini-batch size; "auto" means ``min(200, n_samples)``, as in MLPClassifier.""",
    "tol": """\
tol : float, default=1e-4
    Training stops once the epoch loss has not improved by at least ``tol`` for more than
    ``n_iter_no_change`` consecutive epochs (with ``early_stopping``, the validation {score}).
    Set ``tol=0`` and ``n_iter_no_change=epochs`` to always train all epochs.""",
    "n_iter_no_change": """\
n_iter_no_change : int or np.inf, default=10
    Number of epochs without ``tol`` improvement tolerated before stopping; ``np.inf``: the
    rule never stops training.""",
    "shuffle": """\
shuffle : bool, default=True
    Whether to shuffle the samples at each epoch.""",
    "early_stopping": """\
early_stopping : bool, default=False
    Hold out ``validation_fraction`` of the training rows{stratified} and stop once their
    {score} has not improved by ``tol`` for more than ``n_iter_no_change`` epochs; the weights of
    the best epoch are kept. As in scikit-learn's MLP estimators, only ``fit`` uses it:
    ``partial_fit`` refuses ``early_stopping=True`` with a ValueError.""",
    "validation_fraction": """\
validation_fraction : float, default=0.1
    Fraction of the training rows held out when ``early_stopping=True``; in (0, 1). The rows
    held out (``ceil(validation_fraction * n_samples)``, counting only rows of nonzero
    ``sample_weight``) must be at least 2, with at least one left to train on; else ``fit``
    raises a ValueError.""",
    "proximal_l1": """\
proximal_l1 : bool, default=False
    Apply the L1 penalty by a proximal step (soft-thresholding every kernel by
    ``step * l1`` after each optimizer step, where ``step`` is the optimizer's own step size)
    instead of through its gradient. Plain L1 under Adam only shrinks weights towards zero; the
    proximal step sets them exactly to zero, so unused features drop out (see
    ``{sparsity}`` and ``feature_importances_``).""",
    "class_weight": """\
class_weight : dict, "balanced" or None, default=None
    Weights associated with classes, multiplied into ``sample_weight``. ``"balanced"`` weights
    each class by the inverse of its total ``sample_weight`` (its row count without
    ``sample_weight``), as ``LogisticRegression`` does, so that every class weighs as much in
    all.{class_weight_partial_fit}""",
    "warm_start": """\
warm_start : bool, default=False
    When True, ``fit`` continues training the current network instead of building a new one.""",
    "random_state": """\
random_state : int, RandomState instance or None, default=None
    Seeds weight initialization, shuffling and the ``early_stopping`` split. An int gives
    identical results on every fit, in any process on the same machine with the same library
    versions and ``TF_ENABLE_ONEDNN_OPTS`` (oneDNN's kernels and Eigen's round
    differently).""",
    "callbacks": """\
callbacks : list of keras.callbacks.Callback instances or classes, default=None
    Keras callbacks: instances, or classes built on each fit with the routed
    ``callbacks__<name>`` arguments. They receive train and epoch events
    (``logs={{"loss": ...}}``, with ``"validation_score"`` under ``early_stopping``) and may
    stop training through ``model.stop_training``; batch and test events are not sent (a
    ``ModelCheckpoint`` or ``BackupAndRestore`` whose integer ``save_freq`` counts batches is
    refused, and a callback that handles those events, ``TerminateOnNaN`` among them, is warned
    of). A learning rate a callback sets lasts for that fit.""",
    "verbose": """\
verbose : int, default=0
    0 is silent; 1 reports every epoch: with Keras' progress bar on a terminal or in a notebook,
    else (a file, a pipe, a CI log) with ``MLPClassifier``'s lines, ``Iteration 12, loss =
    0.33120000`` (and ``Validation score: ...`` with ``early_stopping``).""",
    "kwargs": """\
**kwargs
    Routed arguments ``optimizer__<name>`` and ``callbacks__<name>``.""",
}

ATTRIBUTES = """\
{target_attributes}
target_encoder_ : sklearn.base.TransformerMixin
    scikeras' fitted target encoder: {target_encoder}.
n_features_in_ : int
    Number of features seen during ``fit``.
feature_names_in_ : ndarray of shape (n_features_in_,)
    Names of features seen during ``fit``, when X has string column names.
model_ : keras.Sequential
    The fitted network as a compiled Keras model: a copy, built the first time it is asked for
    and again after ``coefs_`` or ``intercepts_`` change. Changing it (``model_.fit``,
    ``set_weights``) does not change ``predict``, pickles or files; continue training with
    ``partial_fit``. Keras' own ``fit`` and ``evaluate`` on it take
    ``target_encoder_.transform(y)``{model_outputs}.
coefs_ : list of ndarray
    Kernel of each Dense layer (float64 copy taken at the end of ``fit``; predictions use it).
intercepts_ : list of ndarray
    Bias of each Dense layer, likewise.
out_activation_ : str
    Keras name of the output layer's activation: {out_activation}.
loss_curve_ : list of float
    Mean training loss (penalty included) of each epoch.
loss_ : float
    Last value of ``loss_curve_`` (the loss of the last epoch), as ``MLPClassifier``'s.
n_layers_ : int
    Number of layers, input and output included (``len(hidden_layer_sizes) + 2``), as
    ``MLPClassifier``'s.
best_loss_ : float or None
    Lowest value of ``loss_curve_`` since the current training's loss rule started (a
    ``warm_start`` fit starts a new one after a fit the rule stopped or after an
    ``early_stopping`` training, and a ``warm_start`` fit or ``partial_fit`` under other ``l1``
    or ``l2`` does too: a loss under other penalties cannot be compared); None after a fit
    with ``early_stopping=True`` (see ``best_validation_score_``; also once ``partial_fit``
    continues it), as in scikit-learn's MLP estimators.
validation_scores_ : list of float or None
    Held-out {score} after each epoch of a ``fit`` with ``early_stopping=True``, else None, as
    in scikit-learn's MLP estimators (whose ``partial_fit`` refuses ``early_stopping=True``, as
    this one's does). Under ``warm_start`` it holds the epochs of the current training (the
    warm fits whose held-out rule carried over), while ``loss_curve_`` holds every fit's.
best_validation_score_ : float or None
    Best of ``validation_scores_``, whose weights the estimator keeps; None without
    ``early_stopping``.
feature_importances_ : ndarray of shape (n_features_in_,)
    L2 norm of each feature's row of the first-layer kernel; use with ``SelectFromModel``.
sparsity_ : list of float
    Fraction of exactly-zero kernel weights in each Dense layer.
n_iter_ : int
    Number of epochs trained (cumulative under ``warm_start`` and ``partial_fit``).
history_ : dict
    scikeras' training history: ``{{"loss": loss_curve_}}``.
feature_encoder_ : sklearn.preprocessing.FunctionTransformer
    scikeras' fitted feature encoder: the identity (the estimator validates X itself).
n_outputs_expected_ : int
    scikeras' count of the network's output tensors: 1 (one output layer).
initialized_ : bool
    scikeras' flag that the network exists: True once fitted."""


SEARCH_PARAMETERS = {
    "loss": """\
loss : {{"squared_error", "poisson"}}, default="squared_error"
    What every member and the refit minimize (plus the penalty): Keras' mean squared error
    with a linear output layer, or, for counts and rates (``y >= 0``), Keras' Poisson loss
    ``mean(y_pred - y * log(y_pred + 1e-7))`` with an exponential output layer (a log link).""",
    "hidden_layer_sizes": """\
hidden_layer_sizes : array-like of int, int, or list of those, default=(100,)
    One architecture (as for the single estimator), or a list of architectures, e.g.
    ``[(32,), (64, 32)]``: each is searched with the whole penalty grid, as its own ensemble. A
    list of ints alone is one architecture (``[64, 32]``: two layers); in a list that holds a
    sequence, an int is an architecture of one layer (``[(64, 32), 16]``).""",
    "l1s": """\
l1s : array-like of float, default={default_penalties}
    The values of ``l1`` to try, each >= 0.{default_reason}""",
    "l2s": """\
l2s : array-like of float, default={default_penalties}
    The values of ``l2`` to try, each >= 0; every ``(l1, l2)`` pair is trained on every fold.""",
    "cv": """\
cv : int, cross-validation generator or iterable, default=5
    As for ``GridSearchCV``: an int is ``{splitter}`` with that many folds (no
    shuffling).{fold_rule}""",
    "scoring": """\
scoring : str, callable, list, tuple, dict or None, default=None
    How a fold's held-out rows are scored: any scikit-learn scorer; None is the estimator's
    ``score`` ({score}). As in ``GridSearchCV``, ``sample_weight`` weights the scores too when
    the scorer accepts it. Several metrics, as ``GridSearchCV`` takes them: a list or tuple of
    scorer names, a dict of names to scorers, or a callable that returns a dict; each gets
    its own ``cv_results_`` columns (``mean_test_<name>``, ...), and ``refit`` names the one
    that chooses the pair.""",
    "refit": """\
refit : bool, str or callable, default=True
    Refit the best pair on the whole data as ``best_estimator_``, through which ``predict``
    works. As in ``GridSearchCV``, a callable chooses the pair instead of the best mean score:
    it takes ``cv_results_`` and returns the index of the chosen row (for instance the largest
    ``l1`` whose mean score is within one standard deviation of the best, for a sparser
    network);
    that pair is refitted, and ``best_score_`` is then not set. With several metrics in
    ``scoring``, a str names the metric whose best mean score chooses the pair (``True`` is
    refused); ``False`` then chooses none (no ``best_*``, ``l1_``, ``l2_``).""",
    "return_train_score": """\
return_train_score : bool, default=False
    Also score every member on its own training fold, as ``GridSearchCV`` does with it:
    ``cv_results_`` then has ``split<k>_train_score``, ``mean_train_score`` and
    ``std_train_score``. Scoring the training rows takes time; the training itself is the
    same.""",
    "error_score": """\
error_score : 'raise' or float, default=np.nan
    The score of a member fit that failed, as in ``GridSearchCV``: one that diverged (its loss,
    weights or optimizer state became infinite or NaN), one whose training fold is empty, has
    only rows of weight 0 or is refused by the single fit (a classifier's: one class, a
    ``class_weight`` that does not fit its classes), or one whose scorer raised (then for that
    metric). Failed fits are summed up in a ``FitFailedWarning`` and scorer errors in a
    ``UserWarning``; a search whose fits all failed is refused. ``'raise'`` stops the search
    at the first failure with its error: a failing training fold before anything trains, then
    the first diverged member or scorer error in ``GridSearchCV``'s order (by pair, then by
    fold).""",
    "verbose": """\
verbose : int, default=0
    0 is silent. 1 prints, as ``GridSearchCV`` does, ``Fitting 5 folds for each of 16
    candidates, totalling 80 fits``, then a line for each architecture once its members are
    trained (their number, the time, the fewest and most epochs, and how many reached
    ``epochs``), the chosen pair with its mean score, and the refit. 2 also prints the epoch
    and how many members are still training every time the ensemble's compiled training
    returns (about every half second, and at its end). The members and the refit themselves
    train silently.""",
    "tol": """\
tol : float, default=1e-4
    Each member stops training once its epoch loss has not improved by at least ``tol`` for
    more than ``n_iter_no_change`` consecutive epochs, as its single fit would. Set ``tol=0``
    and ``n_iter_no_change=epochs`` to always train all epochs.""",
    "random_state": """\
random_state : int, RandomState instance or None, default=None
    Seeds every member's weight initialization and shuffling, and the refit's, as it would
    seed each fit of ``GridSearchCV`` over the single estimator. None draws one seed for the
    whole search (every member and the refit), so that the pairs are compared from the same
    initial weights.""",
    "kwargs": """\
**kwargs
    Routed arguments ``optimizer__<name>``.""",
}

SEARCH_ATTRIBUTES = """\
l1_, l2_ : float
    The chosen penalties, as floats (``cv_results_["params"]`` keeps them as given): the pair
    with the best mean cross-validated score (the first of equals, in ``cv_results_`` order;
    with several metrics, of the one ``refit`` names), or the one a callable ``refit`` chose.
    Not set by a multi-metric search with ``refit=False``, nor are ``hidden_layer_sizes_`` and
    the ``best_*`` attributes.
hidden_layer_sizes_ : tuple of int
    The chosen architecture.
best_score_ : float
    Its mean cross-validated score (not set when ``refit`` is a callable).
best_index_ : int
    Its row in ``cv_results_``.
best_params_ : dict
    Its parameters, as ``GridSearchCV`` names them.
cv_results_ : dict of ndarray
    As ``GridSearchCV``'s: ``params``, ``param_l1``, ``param_l2`` (and
    ``param_hidden_layer_sizes`` for several architectures), ``split<k>_test_score``,
    ``mean_test_score``, ``std_test_score``, ``rank_test_score``, ``mean_fit_time`` /
    ``std_fit_time`` (each ensemble's training time shared evenly by its members),
    ``mean_score_time`` / ``std_score_time``, the training scores with
    ``return_train_score=True``, and ``mean_n_iter``, the mean number of epochs each pair
    trained; ``pandas.DataFrame(cv_results_)`` works. With several metrics, each has its own
    columns, ``score`` in their names replaced by the metric's name.
best_estimator_ : {estimator}
    The best pair refitted on the whole data (with ``refit=True``).
refit_time_ : float
    Seconds the refit took.
n_splits_ : int
    Number of folds.
scorer_ : callable or dict
    The scorer, or a dict of the scorers of several metrics given as a list or dict.
multimetric_ : bool
    Whether the search scored several metrics.
{target_attributes}
n_features_in_ : int
    Number of features seen during ``fit``.
feature_names_in_ : ndarray of shape (n_features_in_,)
    Names of features seen during ``fit``, when X has string column names.
feature_importances_ : ndarray of shape (n_features_in_,)
    ``best_estimator_.feature_importances_`` (needs ``refit``): the L2 norm of each feature's
    row of the first-layer kernel; use with ``SelectFromModel``."""


def compose(summary, cls_init, *, see_also, notes, examples, search=False, **words):
    """A numpydoc class docstring: ``summary``, Parameters in ``cls_init``'s signature order,
    Attributes, See Also, Notes and Examples, with ``words`` filled into the shared entries.
    ``search`` composes a cross-validated estimator's (its own entries win)."""
    names = [name for name in inspect.signature(cls_init).parameters if name != "self"]
    entries = {**PARAMETERS, **SEARCH_PARAMETERS} if search else PARAMETERS
    parameters = "\n".join(entries[name].format(**words) for name in names)
    attributes = SEARCH_ATTRIBUTES if search else ATTRIBUTES
    sections = [
        summary.strip("\n"),
        "Parameters\n----------\n" + parameters,
        # (an empty ``target_attributes`` leaves no blank line)
        "Attributes\n----------\n" + attributes.format(**words).replace("\n\n", "\n"),
        "See Also\n--------\n" + see_also.strip("\n"),
        "Notes\n-----\n" + notes.strip("\n"),
        "Examples\n--------\n" + examples.strip("\n"),
    ]
    return "\n\n".join(sections) + "\n"
