#!/usr/bin/python3
"""threshold_ref.py: Fairlearn 0.9.0's ThresholdOptimizer on ../shared/golden/adult_test_predictions.csv
(the `score` column, label y_true), the reference values pinned in tests/test_threshold.c.

Run once, by hand (the C tests do not need Python):
  PYTHONPATH=../shared/peers/fairlearn-0.9.0 /usr/bin/python3 tests/ref/threshold_ref.py
Prints the C table of tests/test_threshold.c: per configuration (constraint, sensitive column,
objective), x_best and y_best (EO), the expected overall accuracy under the randomised predictor
(_pmf_predict), and per group in Fairlearn's (sorted) order: p0, op0's threshold, p1, op1's
threshold, p_ignore, and the group's expected selection rate, TPR and FPR.
Unweighted, grid_size 1000, flip False. Run with an objective argument (balanced_accuracy_score)
for the EO rows of that objective."""
import os
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

from fairlearn.postprocessing import ThresholdOptimizer

shared = os.environ.get("FAIRC_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
df = pd.read_csv(os.path.join(shared, "golden", "adult_test_predictions.csv"))


class Scores(BaseEstimator, ClassifierMixin):
    """A 'model' whose probability is the score column it is given."""
    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        s = np.asarray(X, dtype=float)[:, 0]
        return np.stack([1 - s, s], 1)


X = df[["score"]].to_numpy()
y = df["y_true"].to_numpy().astype(int)
configs = [("demographic_parity", "accuracy_score"), ("equalized_odds", "accuracy_score"),
           ("equalized_odds", "balanced_accuracy_score")]
def c(v):
    """A float as C source."""
    return "INFINITY" if v == np.inf else "-INFINITY" if v == -np.inf else repr(float(v))


for constraint, objective in configs:
    for col in ("sex", "race"):
        a = df[col].to_numpy()
        est = Scores().fit(X, y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            to = ThresholdOptimizer(estimator=est, constraints=constraint, objective=objective,
                                    prefit=True, predict_method="predict_proba", grid_size=1000)
            to.fit(X, y, sensitive_features=a)
            p = to._pmf_predict(X, sensitive_features=a)[:, 1]
        acc = np.mean(p * y + (1 - p) * (1 - y))
        cons = "FAIRC_THRESHOLD_DP" if constraint == "demographic_parity" else "FAIRC_THRESHOLD_EO"
        obj = ("FAIRC_THRESHOLD_OBJ_ACCURACY" if objective == "accuracy_score"
               else "FAIRC_THRESHOLD_OBJ_BALANCED_ACCURACY")
        yb = to._y_best if constraint == "equalized_odds" else float("nan")
        print(f'    {{{cons}, {obj}, "{col}", {to._x_best!r}, {"NAN" if yb != yb else repr(yb)}, {acc!r}, '
              f'{len(to.interpolated_thresholder_.interpolation_dict)}, {{')
        for g, b in to.interpolated_thresholder_.interpolation_dict.items():
            m = a == g
            print(f'        {{"{col}={g}", {b.p0!r}, {c(b.operation0.threshold)}, {b.p1!r}, '
                  f'{c(b.operation1.threshold)}, {b.get("p_ignore", 0.0)!r}, {p[m].mean()!r}, '
                  f'{p[m & (y == 1)].mean()!r}, {p[m & (y == 0)].mean()!r}}},')
        print('    }},')
