"""The seed recipe, end to end: simulated data, a stratified 75/25 split, standardized features
and an L1-L2-regularized network in one pipeline, and its confusion matrix and accuracy on the
held-out quarter, printed as text.

Run it with ``python examples/seed_recipe.py``; it takes about ten seconds, most of
it importing TensorFlow.
"""

from sklearn.datasets import make_classification
from sklearn.metrics import accuracy_score, confusion_matrix
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from l1l2_estimator import L1L2Classifier

X, y = make_classification(
    n_samples=1000, n_features=20, n_informative=10, n_redundant=5, random_state=42
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=42, stratify=y
)
print(f"{len(X_train)} training samples, {len(X_test)} test samples")

# l1 pushes weights of uninformative inputs towards zero; l2 keeps the others small. The scaler
# learns the training quarter's means and spreads only, inside the pipeline.
network = L1L2Classifier(hidden_layer_sizes=(64, 32), l1=1e-5, l2=1e-4, random_state=0)
clf = make_pipeline(StandardScaler(), network)
clf.fit(X_train, y_train)
y_pred = clf.predict(X_test)

matrix = confusion_matrix(y_test, y_pred, labels=clf.classes_)
print("\nConfusion matrix (rows: true class, columns: predicted class):")
print("true \\ predicted" + "".join(f"{label:>8}" for label in clf.classes_))
for label, row in zip(clf.classes_, matrix):
    print(f"{label!s:<16}" + "".join(f"{count:>8d}" for count in row))

print(f"\nAccuracy: {accuracy_score(y_test, y_pred):.3f}")
print(f"Epochs trained: {network.n_iter_}, final training loss: {network.loss_curve_[-1]:.4f}")
