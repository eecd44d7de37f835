"""What the command line's parts share: its fixed settings and its error type."""

PROG = "l1l2-estimator"

# The values --grid tries for each penalty: none, light, moderate.
L1_GRID = (0.0, 1e-4, 1e-3)
L2_GRID = (0.0, 1e-4, 1e-3)
CV_FOLDS = 3

# The l1 values of --plot's regularization path: few, as each is one more fit of the whole model.
PLOT_L1_VALUES = (0.0, 1e-4, 1e-3, 1e-2)

# Defaults of the flags that only make sense for simulated data; they are None in the parser so
# that giving one together with --csv can be reported instead of silently ignored.
SIMULATION_DEFAULTS = {"samples": 1000, "features": 20, "classes": 2}

# The classic recipe's network, two hidden layers; the estimator's own default is one of 100 units.
DEFAULT_HIDDEN = "64,32"

# The estimators' defaults that --help shows, written here so that --help needs no TensorFlow;
# tests/test_cli.py checks that they equal the estimators' own.
ESTIMATOR_DEFAULTS = {"l1": 1e-5, "l2": 1e-4, "epochs": 1000}


class UsageError(Exception):
    """A problem with the user's input; reported as one line on stderr with exit code 2."""
