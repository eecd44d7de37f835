"""The file names that ``plots.save_plots`` writes, by plot: a module of its own so that the command
line can check its output paths against them before it imports scikit-learn or matplotlib."""

FILE_NAMES = {
    "confusion_matrix": "confusion_matrix.png",
    "prediction_error": "prediction_error.png",
    "loss_curve": "loss_curve.png",
    "regularization_path": "regularization_path.png",
}


def written_by_save_plots(regression):
    """The names of the files ``save_plots`` writes for a regressor or a classifier."""
    first = "prediction_error" if regression else "confusion_matrix"
    return [FILE_NAMES[name] for name in (first, "loss_curve", "regularization_path")]
