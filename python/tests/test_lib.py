"""The binding itself: finding and checking libfairc.so, struct layouts, errors."""
import ctypes
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

from _common import ROOT

import fairc
from fairc import _lib

PYTHON_DIR = os.path.join(ROOT, "python")


def run_python(code, env_extra=None, pythonpath=PYTHON_DIR):
    env = dict(os.environ, PYTHONPATH=pythonpath, **(env_extra or {}))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)


class TestLibrary(unittest.TestCase):
    def test_versions_agree(self):
        with open(os.path.join(ROOT, "include", "fairc.h")) as f:
            header = re.search(r'#define FAIRC_VERSION "([^"]+)"', f.read()).group(1)
        self.assertEqual(fairc.__version__, header)
        self.assertEqual(_lib.version(), fairc.__version__)

    def test_library_found(self):
        self.assertTrue(os.path.exists(fairc.library_path), fairc.library_path)

    def test_version_mismatch_is_import_error_naming_both(self):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(os.path.join(PYTHON_DIR, "fairc"), os.path.join(tmp, "fairc"),
                            ignore=shutil.ignore_patterns("__pycache__", "*.so*"))
            init = os.path.join(tmp, "fairc", "__init__.py")
            with open(init) as f:
                text = f.read()
            with open(init, "w") as f:
                f.write(text.replace(f'__version__ = "{fairc.__version__}"', '__version__ = "9.9.9"'))
            r = run_python("import fairc", {"FAIRC_LIB": fairc.library_path}, tmp)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ImportError", r.stderr)
        self.assertIn(f"libfairc {fairc.__version__}", r.stderr)
        self.assertIn("9.9.9", r.stderr)

    def test_missing_library_is_import_error(self):
        r = run_python("import fairc", {"FAIRC_LIB": "/nonexistent/libfairc.so"})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ImportError", r.stderr)
        self.assertIn("FAIRC_LIB", r.stderr)

    def test_every_mirrored_struct_has_the_library_size(self):
        for name, struct in _lib._MIRRORED.items():
            self.assertEqual(_lib.lib.fairc_sizeof(name.encode()), ctypes.sizeof(struct), name)
        self.assertEqual(_lib.lib.fairc_sizeof(b"no_such_struct"), 0)

    def test_audit_options_defaults_land_in_the_right_fields(self):
        o = _lib.AuditOptions()
        _lib.lib.fairc_audit_options_init(ctypes.byref(o))
        self.assertEqual(o.min_group_size, 30)
        self.assertEqual(o.ci, 0.95)
        self.assertTrue(math.isnan(o.threshold))
        self.assertEqual((o.bootstrap, o.seed, o.max_groups), (0, 0, 0))

    def test_train_options_defaults_land_in_the_right_fields(self):
        o = _lib.TrainOptions()
        _lib.lib.fairc_train_options_init(ctypes.byref(o))
        self.assertEqual((o.C, o.epochs, o.batch, o.lr), (1.0, 20, 256, 1e-3))
        self.assertEqual((o.beta1, o.beta2, o.adam_eps, o.weight_decay), (0.9, 0.999, 1e-8, 0.0))
        self.assertEqual((o.seed, o.threads, o.n_hidden), (0, 0, 0))

    def test_every_declared_function_has_types(self):
        for name in _lib._SIGNATURES:
            fn = getattr(_lib.lib, name)
            self.assertIsNotNone(fn.argtypes, name)

    def test_status_codes_map_to_python_exceptions(self):
        st = _lib.Status()
        st.message = b"data.csv:3:1: bad"
        for code, exc in [(_lib.EINVAL, ValueError), (_lib.EPARSE, ValueError),
                          (_lib.ELIMIT, ValueError), (_lib.EIO, OSError),
                          (_lib.ENOMEM, MemoryError), (99, fairc.FaircError)]:
            with self.assertRaises(exc) as cm:
                _lib.raise_status(code, st)
            self.assertEqual(str(cm.exception), "data.csv:3:1: bad")

    def test_c_error_message_reaches_python(self):
        from fairc._predictor import Predictor
        with self.assertRaises(ValueError) as cm:
            Predictor.from_bytes(b"not a model file", "junk.fairc")
        self.assertIn("junk.fairc", str(cm.exception))

    def test_io_error_is_oserror(self):
        from fairc._predictor import Predictor
        with self.assertRaises(OSError):
            Predictor.load("/nonexistent/dir/model.fairc")


if __name__ == "__main__":
    unittest.main()
