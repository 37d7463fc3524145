"""fairc: fairness metrics and fair classifiers, with the C library libfairc underneath.

    from fairc.metrics import audit                      # MetricFrame-like, NumPy/pandas in
    fairc.LogisticRegression(C=1.0).fit(X, y)            # scikit-learn estimators
    fairc.MLPClassifier(hidden=(64,), epochs=20).fit(X, y)
    fairc.LinearRegression(alpha=1.0).fit(X, y_numeric)   # ridge regression, in C
    fairc.ExponentiatedGradient(fairc.LogisticRegression(), constraint="dp", eps=0.01)
    fairc.GridSearch(fairc.MLPClassifier(), constraint="eo", grid_size=20)    # reductions
    fairc.ExponentiatedGradient(fairc.LinearRegression(), constraint="bounded_group_loss",
                                upper_bound=0.5).fit(X, y_numeric, sensitive_features=s)
    fairc.ThresholdOptimizer(constraint="eo").fit(scores, y, sensitive_features=s)
    fairc.preprocessing.reweigh(y, sensitive_features=s)  # Reweighing's weights
    fairc.CorrelationRemover(sensitive_feature_ids=["sex"]).fit_transform(df)
    from fairc.torch import DemographicParityLoss        # FairTorch's losses, corrected

The package is a ctypes binding (no compiled extension): it loads libfairc.so (see fairc._lib
for where it looks) and refuses a library of another version.
"""
__version__ = "0.1.0"

from . import _lib

if (_found := _lib.version()) != __version__:
    raise ImportError(f"libfairc {_found} loaded from {_lib.library_path}; python/fairc "
                      f"{__version__} needs the same version")

from ._lib import FaircError  # noqa: E402
from .estimators import LinearRegression, LogisticRegression, MLPClassifier  # noqa: E402
from . import metrics  # noqa: E402
from .metrics import audit  # noqa: E402
from .postprocessing import ThresholdOptimizer  # noqa: E402
from .preprocessing import CorrelationRemover, Reweighing  # noqa: E402
from .reductions import ExponentiatedGradient, GridSearch  # noqa: E402

library_path = _lib.library_path

__all__ = ["__version__", "FaircError", "LogisticRegression", "MLPClassifier", "LinearRegression",
           "ExponentiatedGradient", "GridSearch", "ThresholdOptimizer", "Reweighing",
           "CorrelationRemover", "audit", "metrics", "library_path"]
