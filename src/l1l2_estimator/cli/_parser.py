"""The flags of ``l1l2-estimator``."""

import argparse

from ..classifier import L1L2Classifier
from ._settings import (
    CV_FOLDS,
    DEFAULT_HIDDEN,
    L1_GRID,
    L2_GRID,
    PLOT_L1_VALUES,
    PROG,
    SIMULATION_DEFAULTS,
)


def build_parser():
    """The argument parser of ``l1l2-estimator``."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Fit StandardScaler + L1L2Classifier (an L1-L2-regularized Keras network) on a "
            "stratified training split and report accuracy, the confusion matrix and "
            "per-class precision/recall on the held-out split."
        ),
        epilog=(
            "Without --csv the data are simulated by sklearn's make_classification. "
            "Exit codes: 0 success, 2 usage or input error."
        ),
    )
    data = parser.add_argument_group("data")
    data.add_argument(
        "--csv",
        metavar="PATH",
        help="read the data from this CSV file (header row required; feature columns numeric)",
    )
    data.add_argument(
        "--target",
        metavar="COLUMN",
        help="the CSV column holding the class labels (or the numeric target with --task "
        "regression)",
    )
    data.add_argument(
        "--task",
        choices=("classification", "regression"),
        default="classification",
        help="classification (L1L2Classifier, the default) or regression (L1L2Regressor: "
        "simulated by make_regression, target standardized, scored by R²)",
    )
    data.add_argument(
        "--samples",
        type=int,
        metavar="N",
        help=f"simulated samples (default {SIMULATION_DEFAULTS['samples']})",
    )
    data.add_argument(
        "--features",
        type=int,
        metavar="N",
        help=f"simulated features (default {SIMULATION_DEFAULTS['features']})",
    )
    data.add_argument(
        "--classes",
        type=int,
        metavar="N",
        help=f"simulated classes (default {SIMULATION_DEFAULTS['classes']})",
    )
    data.add_argument(
        "--seed",
        type=int,
        metavar="N",
        default=0,
        help="seeds the simulation, the split and the network (default 0)",
    )
    data.add_argument(
        "--test-size",
        type=float,
        metavar="FRACTION",
        default=0.25,
        help="fraction of samples held out for evaluation (default 0.25)",
    )

    model = parser.add_argument_group("model")
    model.add_argument(
        "--hidden",
        type=_layer_sizes,
        default=_layer_sizes(DEFAULT_HIDDEN),
        metavar="SIZES",
        help=f"comma-separated hidden layer sizes (default {DEFAULT_HIDDEN})",
    )
    defaults = L1L2Classifier().get_params()
    model.add_argument(
        "--l1", type=float, metavar="FACTOR", help=f"L1 penalty factor (default {defaults['l1']:g})"
    )
    model.add_argument(
        "--l2", type=float, metavar="FACTOR", help=f"L2 penalty factor (default {defaults['l2']:g})"
    )
    model.add_argument(
        "--epochs",
        type=int,
        metavar="N",
        help=f"maximum training epochs (default {defaults['epochs']}; training stops earlier "
        "once the loss stops improving)",
    )
    model.add_argument(
        "--grid",
        action="store_true",
        help=f"choose l1 in {_grid_text(L1_GRID)} and l2 in {_grid_text(L2_GRID)} by "
        f"{CV_FOLDS}-fold cross-validation on the training split",
    )

    output = parser.add_argument_group("output")
    output.add_argument("--save", metavar="PATH", help="write the fitted pipeline with joblib")
    output.add_argument(
        "--plot",
        metavar="DIR",
        help="write confusion_matrix.png, loss_curve.png and regularization_path.png to this "
        f"folder (created if missing); the path refits the model for l1 in "
        f"{_grid_text(PLOT_L1_VALUES)}; needs matplotlib",
    )
    output.add_argument(
        "--verbose", action="store_true", help="show Keras' progress bar for each epoch"
    )
    return parser


def _layer_sizes(text):
    """Parse ``"64,32"`` into ``(64, 32)``; whether the sizes are valid is the estimator's call."""
    try:
        return tuple(int(size) for size in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers such as 64,32, got {text!r}"
        ) from None


def _grid_text(values):
    return "{" + ", ".join(f"{value:g}" for value in values) + "}"
