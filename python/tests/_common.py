"""Helpers shared by the Python tests: where ../shared is, and imports that skip (never pass)
when a package or a peer is absent."""
import importlib
import os
import subprocess
import sys
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
SHARED = os.environ.get("FAIRC_SHARED", os.path.join(ROOT, os.pardir, "shared"))
PEERS = {"fairlearn": "fairlearn-0.9.0", "fairtorch": "fairtorch-0.1.2"}
FAIRC_BIN = os.path.join(ROOT, "bin", "fairc")


def shared(*parts):
    """Path of a file under ../shared, or SkipTest when it is absent."""
    path = os.path.join(SHARED, *parts)
    if not os.path.exists(path):
        raise unittest.SkipTest(f"{os.path.join('../shared', *parts)} is absent")
    return path


def require(module):
    """Imports module, or SkipTest naming it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise unittest.SkipTest(f"{module} is not installed ({e})") from None


def peer(name):
    """Imports a peer library from ../shared/peers (fairlearn, fairtorch), or SkipTest."""
    path = os.path.join(SHARED, "peers", PEERS[name])
    if os.path.isdir(path) and path not in sys.path:
        sys.path.append(path)
    try:
        return importlib.import_module(name)
    except ImportError as e:
        raise unittest.SkipTest(f"peer {name} does not import ({e})") from None


NUMERIC = ["age", "education-num", "capital-gain", "capital-loss", "hours-per-week"]
_ADULT = {}


def adult():
    """SPEC §12.2's Adult setup: (X_train, y_train, X_test, y_test, train, test) with the 107
    encoded features (numbers standardised with the training mean and population sd, every
    other column but fnlwgt one-hot on the training categories, `?` a category) as float64
    arrays, labels 0/1, and the raw frames. SkipTest when ../shared/data/adult is absent."""
    if not _ADULT:
        pd = require("pandas")
        np = require("numpy")
        frames = [pd.read_csv(shared("data", "adult", f), skipinitialspace=True, dtype=str,
                              na_filter=False) for f in ("adult.data", "adult.test")]
        train, test = frames
        categorical = [c for c in train.columns if c not in NUMERIC + ["fnlwgt", "Y"]]

        def encode(df):
            cols = []
            for c in NUMERIC:
                ref = train[c].astype(float)
                cols.append((df[c].astype(float) - ref.mean()) / ref.std(ddof=0))
            for c in categorical:
                for level in sorted(train[c].unique()):
                    cols.append((df[c] == level).astype(float).rename(f"{c}={level}"))
            return pd.concat(cols, axis=1).to_numpy()

        _ADULT["v"] = (encode(train), train["Y"].str.startswith(">50K").to_numpy(np.int64),
                       encode(test), test["Y"].str.startswith(">50K").to_numpy(np.int64),
                       train, test)
    return _ADULT["v"]


def run_cli(test, *cmds):
    """Runs bin/fairc commands (argument lists); skips the test when bin/fairc is not built, and
    fails it, with fairc's message, when a command fails."""
    if not os.access(FAIRC_BIN, os.X_OK):
        test.skipTest("bin/fairc is not built")
    for cmd in cmds:
        r = subprocess.run([FAIRC_BIN, *cmd], capture_output=True, text=True)
        if r.returncode != 0:
            test.fail(f"bin/fairc {cmd[0]} failed ({r.returncode}): {r.stderr.strip()}")


def write_x_csv(path, X):
    """X as the CSV a model trained on arrays reads (columns x0..x{D-1}, float32 exactly)."""
    pd = require("pandas")
    import numpy as np
    pd.DataFrame(np.asarray(X, dtype=np.float32),
                 columns=[f"x{j}" for j in range(X.shape[1])]).to_csv(
        path, index=False, float_format="%.9g")
