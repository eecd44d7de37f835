"""Sparse X: a 200,000 × 50,000 CSR matrix at 0.05% density trains in bounded memory.

Each estimator runs in a fresh process that builds the matrix (5 million nonzeros; 40 GB as a
dense float32 array), then fits and predicts, and reports its wall times and the peak resident
memory (its own, ``VmHWM``: ``ru_maxrss`` would start at the parent's) once the data is
built, and its peak during fit and predict: ours (``L1L2Classifier``, which gathers each
mini-batch's rows from the CSR matrix and multiplies them by the first kernel as a sparse
product) and ``MLPClassifier`` (which takes sparse X too), same hidden layer, batch size and
epochs. ``--blas-threads`` (default 1) limits OpenBLAS / OpenMP threads (threadpoolctl) in each
child, as the other scripts do for MLPClassifier.

    python benchmarks/bench_sparse.py [--quick] [--rows 200000] [--features 50000]
        [--density 0.0005] [--epochs 2] [--hidden 64] [--blas-threads 1]
"""

import _common as c  # noqa: I001  (first: imports l1l2_estimator before keras)

import argparse
import json

PROCESS = c.MEMORY + r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np
import scipy.sparse
settings = json.loads(sys.argv[1])
kind = sys.argv[2]
if kind == "ours":
    from l1l2_estimator import L1L2Classifier
else:
    from sklearn.neural_network import MLPClassifier
# BLAS / OpenMP threads in this process (0: the libraries' own choice); after the imports, as
# threadpoolctl limits only the libraries loaded so far.
if int(sys.argv[3]):
    from threadpoolctl import threadpool_limits
    threadpool_limits(limits=int(sys.argv[3]))
rng = np.random.default_rng(0)
n, d = settings["rows"], settings["features"]
per_row = max(1, round(d * settings["density"]))
# Nonzeros of each row at random columns (duplicates summed): about n * per_row of them.
X = scipy.sparse.csr_matrix(
    (rng.normal(size=n * per_row).astype(np.float32), rng.integers(0, d, n * per_row),
     np.arange(0, n * per_row + 1, per_row)),
    shape=(n, d),
)
X.sum_duplicates()
informative = rng.normal(size=d) * (rng.random(d) < 0.2)
y = (X @ informative > 0).astype(int)
train, test = slice(0, n * 4 // 5), slice(n * 4 // 5, n)
ready_mib = rss_mib()  # the data and the imports, held from here on
reset_peak()  # the peak from here: fit and predict (building the data had temporaries)
network = dict(hidden_layer_sizes=(settings["hidden"],), batch_size=200, random_state=0)
if kind == "ours":
    model = L1L2Classifier(**network, epochs=settings["epochs"], tol=0.0)
else:
    model = MLPClassifier(**network, max_iter=settings["epochs"], tol=0.0)
start = time.perf_counter()
model.fit(X[train], y[train])
fit_seconds = time.perf_counter() - start
start = time.perf_counter()
accuracy = model.score(X[test], y[test])
predict_seconds = time.perf_counter() - start
from threadpoolctl import threadpool_info
blas = sorted({f"{i['internal_api']}={i['num_threads']}" for i in threadpool_info()})
print(json.dumps({
    "blas": ", ".join(blas) or "none loaded",
    "nnz": int(X.nnz),
    "csr_mib": (X.data.nbytes + X.indices.nbytes + X.indptr.nbytes) / 2**20,
    "ready_mib": ready_mib,
    "peak_mib": peak_mib(),
    "fit_seconds": fit_seconds,
    "predict_seconds": predict_seconds,
    "accuracy": accuracy,
    "epochs": int(getattr(model, "n_iter_", 0)),
}))
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true",
        help="20,000 rows × 5,000 features at density 0.005 (25 nonzeros a row, as the default)",
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=50_000)
    parser.add_argument("--density", type=float, default=0.0005)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="limit BLAS and OpenMP threads (threadpoolctl) in each child process, as the other "
        "scripts do for MLPClassifier; 0: the libraries' own choice; default: 1",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.features, args.density = 20_000, 5_000, 0.005
    c.quiet()
    settings = dict(rows=args.rows, features=args.features, density=args.density,
                    epochs=args.epochs, hidden=args.hidden)
    dense_gib = args.rows * args.features * 4 / 2**30
    rows = []
    blas = {}  # the BLAS / OpenMP threads each child reported
    for kind, name in (("ours", "L1L2Classifier (ours)"), ("mlp", "sklearn MLPClassifier")):
        c.progress(f"{name} ...")
        result = c.python_json(
            PROCESS, [json.dumps(settings), kind, args.blas_threads or 0], timeout=3600
        )
        blas[name] = result["blas"]
        rows.append([
            name,
            f"{result['epochs']}",
            c.fmt_seconds(result["fit_seconds"]),
            c.fmt_seconds(result["predict_seconds"]),
            f"{result['accuracy']:.3f}",
            f"{result['ready_mib']:.0f} MiB",
            f"{result['peak_mib']:.0f} MiB",
            f"+{result['peak_mib'] - result['ready_mib']:.0f} MiB",
        ])
    limit = args.blas_threads or "the libraries' own choice"
    c.emit(c.machine_header())
    c.emit()
    c.emit(
        f"CSR X of {args.rows:,} × {args.features:,} at density {args.density:g} "
        f"({result['nnz']:,} nonzeros, {result['csr_mib']:.0f} MiB as CSR, {dense_gib:.1f} GiB "
        f"as a dense float32 array); 80/20 split; hidden ({args.hidden},), batch 200, "
        f"{args.epochs} epochs; each estimator in a fresh process, BLAS / OpenMP threads there: "
        f"{limit} (--blas-threads; as reported: "
        + "; ".join(f"{name} {threads}" for name, threads in blas.items())
        + ")"
    )
    c.emit(
        c.markdown_table(
            ["estimator", "epochs", "fit", "predict (test rows)", "accuracy",
             "RSS once the data is built", "peak RSS in fit and predict", "growth"],
            rows,
        )
    )


if __name__ == "__main__":
    main()
