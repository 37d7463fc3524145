"""ctypes declarations for libfairc.so: where the library is found, the structs the Python side
fills (mirrored field by field and checked against the library's own sizes at import), argtypes
and restype for every function used, and `call`, which turns a failed fairc_status into a Python
exception carrying fairc's message.

Library search order: the FAIRC_LIB environment variable (a path to the .so); libfairc.so.0 or
libfairc.so next to this package (where `make install` puts a link); ../build/libfairc.so of an
in-tree checkout; then the system's linker path (ctypes.util.find_library).
"""
import ctypes
import ctypes.util
import os

__all__ = ["lib", "call", "Status", "AuditOptions", "TrainOptions", "TrainInfo", "ReductionOptions",
           "ReductionInfo", "PredictOptions", "FaircError",
           "library_path", "take_string", "take_bytes"]

# Status codes (include/fairc.h).
OK, EPARSE, EIO, ENOMEM, EINVAL, ELIMIT, ECANCEL = range(7)

LEARNER_LOGISTIC, LEARNER_LINEAR, LEARNER_MLP = 1, 2, 3
CONSTRAINTS = {"dp": 1, "eo": 2, "tpr": 3, "fpr": 4, "error_rate": 5}
# The reductions also take bounded group loss (FAIRC_CONSTRAINT_BGL), a regression constraint.
CONSTRAINT_BGL = 6
REDUCTION_CONSTRAINTS = {**CONSTRAINTS, "bounded_group_loss": CONSTRAINT_BGL}
BGL_LOSS = {"square": 1, "absolute": 2, "zero_one": 3}
MITIGATE = {None: 0, "penalty": 1, "constrained": 2}
MITIGATE_EXPGRAD, MITIGATE_GRIDSEARCH = 3, 4
SELECT = {"best": 0, "last": 1}
DUAL_SIGNAL = {"hard": 0, "soft": 1}
GRID_ORDER = {"lattice": 0, "norm": 1}
# fairc_reduction_options.group_order: which group GridSearch leaves out of its basis. "size" is
# FAIRC_ORDER_SIZE (groups by decreasing weight), refused by a library that predates it.
GROUP_ORDER = {"sorted": 0, "appearance": 1, "size": 2}
TASK_CLASSIFICATION, TASK_REGRESSION = 0, 1
MAX_HIDDEN = 16


class FaircError(RuntimeError):
    """A fairc failure that is neither bad input (ValueError), I/O (OSError) nor memory."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


c_char_pp = ctypes.POINTER(ctypes.c_char_p)
c_double_p = ctypes.POINTER(ctypes.c_double)
c_float_p = ctypes.POINTER(ctypes.c_float)
c_uint8_p = ctypes.POINTER(ctypes.c_uint8)
c_int32_p = ctypes.POINTER(ctypes.c_int32)
PROGRESS_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_double, ctypes.c_char_p)


class Status(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("line", ctypes.c_long), ("col", ctypes.c_long),
                ("message", ctypes.c_char * 512)]


class AuditOptions(ctypes.Structure):
    _fields_ = [
        ("label", ctypes.c_char_p),
        ("pos_labels", c_char_pp),
        ("n_pos_labels", ctypes.c_size_t),
        ("pred", ctypes.c_char_p),
        ("score", ctypes.c_char_p),
        ("threshold", ctypes.c_double),
        ("weight", ctypes.c_char_p),
        ("sensitive", c_char_pp),
        ("n_sensitive", ctypes.c_size_t),
        ("groups", ctypes.c_int),
        ("group_order", ctypes.c_int),
        ("all_combinations", ctypes.c_int),
        ("sensitive_missing", ctypes.c_int),
        ("drop_missing_label", ctypes.c_int),
        ("min_group_size", ctypes.c_long),
        ("bootstrap", ctypes.c_size_t),
        ("ci", ctypes.c_double),
        ("bootstrap_strata", ctypes.c_int),
        ("seed", ctypes.c_uint64),
        ("max_groups", ctypes.c_size_t),
        ("model", ctypes.c_void_p),
        ("model_name", ctypes.c_char_p),
        ("progress", PROGRESS_FN),
        ("progress_user", ctypes.c_void_p),
    ]


class TrainOptions(ctypes.Structure):
    _fields_ = [
        ("label", ctypes.c_char_p),
        ("pos_labels", c_char_pp),
        ("n_pos_labels", ctypes.c_size_t),
        ("task", ctypes.c_int),
        ("weight", ctypes.c_char_p),
        ("sensitive", c_char_pp),
        ("n_sensitive", ctypes.c_size_t),
        ("drop", c_char_pp),
        ("n_drop", ctypes.c_size_t),
        ("drop_missing_label", ctypes.c_int),
        ("learner", ctypes.c_int),
        ("hidden", ctypes.c_size_t * MAX_HIDDEN),
        ("n_hidden", ctypes.c_size_t),
        ("C", ctypes.c_double),
        ("alpha", ctypes.c_double),
        ("epochs", ctypes.c_size_t),
        ("batch", ctypes.c_size_t),
        ("lr", ctypes.c_double),
        ("beta1", ctypes.c_double),
        ("beta2", ctypes.c_double),
        ("adam_eps", ctypes.c_double),
        ("weight_decay", ctypes.c_double),
        ("seed", ctypes.c_uint64),
        ("threads", ctypes.c_int),
        ("command", ctypes.c_char_p),
        ("progress", PROGRESS_FN),
        ("progress_user", ctypes.c_void_p),
        ("mitigate", ctypes.c_int),
        ("constraint", ctypes.c_int),
        ("groups", ctypes.c_int),
        ("eps", ctypes.c_double),
        ("ratio_bound", ctypes.c_double),
        ("ratio_slack", ctypes.c_double),
        ("fair_alpha", ctypes.c_double),
        ("p_norm", ctypes.c_double),
        ("tol", ctypes.c_double),
        ("momentum", ctypes.c_double),
        ("dual_lr", ctypes.c_double),
        ("lambda_max", ctypes.c_double),
        ("select", ctypes.c_int),
        ("dual_signal", ctypes.c_int),
        ("group_ids", c_int32_p),
        ("n_group_ids", ctypes.c_size_t),
        ("group_names", c_char_pp),
        ("fit_intercept", ctypes.c_int),
    ]


class TrainInfo(ctypes.Structure):
    _fields_ = [
        ("rows", ctypes.c_uint64),
        ("dropped", ctypes.c_uint64),
        ("features", ctypes.c_size_t),
        ("iterations", ctypes.c_int),
        ("converged", ctypes.c_int),
        ("train_loss", ctypes.c_double),
        ("objective", ctypes.c_double),
        ("train_accuracy", ctypes.c_double),
        ("n_constraints", ctypes.c_size_t),
        ("violation", ctypes.c_double),
        ("violation_soft", ctypes.c_double),
        ("disparity", ctypes.c_double),
        ("penalty", ctypes.c_double),
        ("selected_epoch", ctypes.c_size_t),
        ("nonfinite_batches", ctypes.c_uint64),
    ]


class ThresholdOptions(ctypes.Structure):
    _fields_ = [("constraint", ctypes.c_int), ("objective", ctypes.c_int), ("tol", ctypes.c_double),
                ("grid_size", ctypes.c_size_t), ("flip", ctypes.c_int), ("unseen", ctypes.c_int)]


class ThresholdInfo(ctypes.Structure):
    _fields_ = [("rows", ctypes.c_uint64), ("groups", ctypes.c_size_t),
                ("objective", ctypes.c_double), ("disparity", ctypes.c_double),
                ("x_best", ctypes.c_double), ("y_best", ctypes.c_double)]


class ReductionOptions(ctypes.Structure):
    _fields_ = [
        ("eg_eps", ctypes.c_double),
        ("max_iter", ctypes.c_size_t),
        ("eta0", ctypes.c_double),
        ("nu", ctypes.c_double),
        ("run_lp", ctypes.c_int),
        ("deterministic", ctypes.c_int),
        ("keep_all", ctypes.c_int),
        ("warm_epochs", ctypes.c_size_t),
        ("warm_start", ctypes.c_int),
        ("cache", ctypes.c_int),
        ("cost_fp", ctypes.c_double),
        ("cost_fn", ctypes.c_double),
        ("grid_size", ctypes.c_size_t),
        ("grid_limit", ctypes.c_double),
        ("grid_order", ctypes.c_int),
        ("grid_offset", c_double_p),
        ("n_grid_offset", ctypes.c_size_t),
        ("constraint_weight", ctypes.c_double),
        ("group_order", ctypes.c_int),
        ("loss", ctypes.c_int),
        ("upper_bound", ctypes.c_double),
        ("loss_min", ctypes.c_double),
        ("loss_max", ctypes.c_double),
    ]


class ReductionInfo(ctypes.Structure):
    _fields_ = [
        ("method", ctypes.c_int),
        ("iterations", ctypes.c_size_t),
        ("best_iter", ctypes.c_size_t),
        ("best_gap", ctypes.c_double),
        ("nu", ctypes.c_double),
        ("oracle_calls", ctypes.c_uint64),
        ("learner_fits", ctypes.c_uint64),
        ("dummy_calls", ctypes.c_uint64),
        ("cache_hits", ctypes.c_uint64),
        ("candidates", ctypes.c_size_t),
        ("members", ctypes.c_size_t),
        ("selected", ctypes.c_size_t),
        ("err", ctypes.c_double),
        ("violation", ctypes.c_double),
        ("disparity", ctypes.c_double),
        ("det_err", ctypes.c_double),
        ("det_violation", ctypes.c_double),
        ("seconds", ctypes.c_double),
        ("fit_seconds", ctypes.c_double),
        ("constant", ctypes.c_int),
    ]


class PredictOptions(ctypes.Structure):
    _fields_ = [
        ("keep", c_char_pp),
        ("n_keep", ctypes.c_size_t),
        ("seed", ctypes.c_uint64),
        ("randomize", ctypes.c_int),
        ("id", ctypes.c_char_p),
        ("unseen", ctypes.c_int),
        ("expected", ctypes.c_int),
        ("mixture_scores", ctypes.c_int),
    ]


_MIRRORED = {"fairc_status": Status, "fairc_audit_options": AuditOptions,
             "fairc_train_options": TrainOptions, "fairc_train_info": TrainInfo}

_V = ctypes.c_void_p
_PV = ctypes.POINTER(ctypes.c_void_p)
_PS = ctypes.POINTER(Status)
_SZ = ctypes.c_size_t
_INT = ctypes.c_int

# Functions and structs of parts of libfairc that may be absent from an older or partial build:
# a missing one disables only the classes that need it (`require` says which), never the import.
_OPTIONAL_STRUCTS = {"fairc_threshold_options": ThresholdOptions,
                     "fairc_threshold_info": ThresholdInfo,
                     "fairc_reduction_options": ReductionOptions,
                     "fairc_reduction_info": ReductionInfo,
                     "fairc_predict_options": PredictOptions}

# name: (restype, argtypes). Every function the package calls is declared here.
_SIGNATURES = {
    "fairc_version": (ctypes.c_char_p, []),
    "fairc_free": (None, [_V]),
    "fairc_sizeof": (_SZ, [ctypes.c_char_p]),
    "fairc_audit_options_init": (None, [ctypes.POINTER(AuditOptions)]),
    "fairc_audit_arrays": (_INT, [_SZ, c_uint8_p, c_uint8_p, c_double_p, c_double_p, c_int32_p,
                                  _SZ, c_char_pp, ctypes.POINTER(AuditOptions), _INT, _PV, _PS]),
    "fairc_audit_report_json": (_INT, [_V, _PV, _PS]),
    "fairc_audit_report_free": (None, [_PV]),
    "fairc_train_options_init": (None, [ctypes.POINTER(TrainOptions)]),
    "fairc_train_options_check": (ctypes.c_char_p, [ctypes.POINTER(TrainOptions)]),
    "fairc_train_arrays": (_INT, [c_float_p, _SZ, _SZ, c_double_p, c_double_p,
                                  ctypes.POINTER(TrainOptions), _PV, ctypes.POINTER(TrainInfo),
                                  _PS]),
    "fairc_predictor_predict": (_INT, [_V, c_float_p, _SZ, c_double_p, _PS]),
    "fairc_predictor_decision": (_INT, [_V, c_float_p, _SZ, c_double_p, _PS]),
    "fairc_predictor_params": (_INT, [_V, ctypes.POINTER(c_double_p), ctypes.POINTER(_SZ), _PS]),
    "fairc_predictor_width": (_SZ, [_V]),
    # data pointers as plain addresses: fairc.torch passes tensor.data_ptr() (the cheapest way
    # across ctypes, for calls made once per mini-batch)
    "fairc_batch_penalty": (_INT, [_INT, _SZ, _V, _V, _V, _V, _SZ, ctypes.c_double,
                                   ctypes.c_double, ctypes.c_double, ctypes.c_double, _V, _INT,
                                   c_double_p, _V, _PS]),
    "fairc_batch_moment": (_INT, [_INT, _SZ, _V, _V, _V, _V, _SZ, _V, _V, _V, _V, _V, _PS]),
    "fairc_predictor_serialize": (_INT, [_V, _PV, ctypes.POINTER(_SZ), _PS]),
    "fairc_predictor_load_memory": (_INT, [ctypes.c_char_p, _SZ, ctypes.c_char_p, _PV, _PS]),
    "fairc_predictor_save": (_INT, [_V, ctypes.c_char_p, _PS]),
    "fairc_predictor_load": (_INT, [ctypes.c_char_p, _PV, _PS]),
    "fairc_predictor_describe": (_INT, [_V, _INT, _PV, _PS]),
    "fairc_predictor_free": (None, [_PV]),
}

_OPTIONAL = {
    "fairc_threshold_options_init": (None, [ctypes.POINTER(ThresholdOptions)]),
    "fairc_threshold_options_check": (ctypes.c_char_p, [ctypes.POINTER(ThresholdOptions)]),
    "fairc_threshold_fit_arrays": (_INT, [_SZ, c_double_p, c_uint8_p, c_double_p, c_int32_p, _SZ,
                                          c_char_pp, ctypes.POINTER(ThresholdOptions), _PV,
                                          ctypes.POINTER(ThresholdInfo), _PS]),
    "fairc_predictor_predict_groups": (_INT, [_V, c_float_p, c_int32_p, c_double_p, _SZ,
                                              c_double_p, _PS]),
    "fairc_predictor_randomized": (_INT, [_V]),
    "fairc_predictor_ngroups": (_SZ, [_V]),
    "fairc_predictor_group_name": (ctypes.c_char_p, [_V, _SZ]),
    "fairc_decision_uniform": (ctypes.c_double, [ctypes.c_char_p, _SZ, ctypes.c_uint64]),
    "fairc_rng_seed": (None, [_V, ctypes.c_uint64, ctypes.c_char_p]),
    "fairc_rng_uniform": (ctypes.c_double, [_V]),
    "fairc_reweigh_arrays": (_INT, [_SZ, c_uint8_p, c_double_p, c_int32_p, _SZ, c_double_p, _PS]),
    "fairc_predictor_n_constraints": (_SZ, [_V]),
    "fairc_predictor_constraint": (_INT, [_V, _SZ, c_char_pp, c_double_p, c_double_p, _PS]),
    "fairc_reduction_options_init": (None, [ctypes.POINTER(ReductionOptions)]),
    "fairc_reduction_options_check": (ctypes.c_char_p, [ctypes.POINTER(ReductionOptions)]),
    "fairc_train_reduction_arrays": (_INT, [c_float_p, _SZ, _SZ, c_double_p, c_double_p,
                                            ctypes.POINTER(TrainOptions),
                                            ctypes.POINTER(ReductionOptions), _PV,
                                            ctypes.POINTER(TrainInfo),
                                            ctypes.POINTER(ReductionInfo), _PS]),
    "fairc_decision_uniform_rows": (_INT, [c_float_p, _SZ, _SZ, ctypes.c_char_p, _SZ,
                                           ctypes.c_uint64, c_double_p, _PS]),
    "fairc_predict_options_init": (None, [ctypes.POINTER(PredictOptions)]),
    "fairc_predictor_predict_opt": (_INT, [_V, c_float_p, c_int32_p, c_double_p, c_double_p, _SZ,
                                           ctypes.POINTER(PredictOptions), c_double_p, _PS]),
    "fairc_decorrelate_arrays": (_INT, [_SZ, _SZ, c_double_p, _SZ, c_double_p, c_double_p,
                                        ctypes.c_double, _PS]),
}


def _candidates():
    env = os.environ.get("FAIRC_LIB")
    if env:
        return [env], True
    here = os.path.dirname(os.path.abspath(__file__))
    paths = [os.path.join(here, "libfairc.so.0"), os.path.join(here, "libfairc.so"),
             os.path.join(here, os.pardir, os.pardir, "build", "libfairc.so")]
    found = ctypes.util.find_library("fairc")
    if found:
        paths.append(found)
    return paths, False


def _load():
    paths, explicit = _candidates()
    errors = []
    for path in paths:
        if not explicit and os.sep in path and not os.path.exists(path):
            continue
        try:
            return ctypes.CDLL(path), os.path.realpath(path) if os.sep in path else path
        except OSError as e:
            errors.append(f"{path}: {e}")
    where = "; ".join(errors) if errors else "none of " + ", ".join(paths) + " exists"
    raise ImportError("fairc: cannot load libfairc.so (" + where + "). Build it with `make` in "
                      "the fairc tree, install it with `make install`, or set FAIRC_LIB to its path")


lib, library_path = _load()

for _name, (_res, _args) in _SIGNATURES.items():
    try:
        _fn = getattr(lib, _name)
    except AttributeError:
        raise ImportError(f"fairc: {library_path} has no {_name}: it is older than this Python "
                          "package; rebuild or reinstall libfairc") from None
    _fn.restype, _fn.argtypes = _res, _args

_missing = {}
for _name, (_res, _args) in _OPTIONAL.items():
    _fn = getattr(lib, _name, None)
    if _fn is None:
        _missing[_name] = f"{library_path} has no {_name}"
    else:
        _fn.restype, _fn.argtypes = _res, _args
for _type_name, _struct in _OPTIONAL_STRUCTS.items():
    _size = lib.fairc_sizeof(_type_name.encode())
    if _size != ctypes.sizeof(_struct):
        _missing[_type_name] = (f"{library_path} has sizeof({_type_name}) = {_size}; the Python "
                                f"package mirrors {ctypes.sizeof(_struct)} bytes")


def require(*names):
    """Raises NotImplementedError unless the optional functions and structs `names` are usable
    in the loaded library."""
    why = [_missing[n] for n in names if n in _missing]
    if why:
        raise NotImplementedError("this part of fairc is not in the loaded libfairc (" +
                                  "; ".join(why) + "): rebuild it from a tree that has it")


for _type_name, _struct in _MIRRORED.items():
    _size = lib.fairc_sizeof(_type_name.encode())
    if _size != ctypes.sizeof(_struct):
        raise ImportError(f"fairc: {library_path} has sizeof({_type_name}) = {_size}, the Python "
                          f"package mirrors {ctypes.sizeof(_struct)} bytes; the two are from "
                          "different versions of fairc")


def version():
    return lib.fairc_version().decode()


def raise_status(code, st):
    """Raises the Python exception for a fairc status code and its message."""
    msg = st.message.decode("utf-8", "replace") or f"fairc error {code}"
    if code in (EINVAL, EPARSE, ELIMIT):
        raise ValueError(msg)
    if code == EIO:
        raise OSError(msg)
    if code == ENOMEM:
        raise MemoryError(msg)
    if code == ECANCEL:
        raise KeyboardInterrupt(msg)
    raise FaircError(code, msg)


def call(fn, *args):
    """Calls fn(*args, &status) and raises on a non-zero return."""
    st = Status()
    rc = fn(*args, ctypes.byref(st))
    if rc != OK:
        raise_status(rc, st)
    return rc


def take_string(ptr):
    """The NUL-terminated text at a library-allocated pointer, which is then freed."""
    try:
        return ctypes.string_at(ptr).decode("utf-8")
    finally:
        lib.fairc_free(ptr)


def take_bytes(ptr, n):
    """n bytes at a library-allocated pointer, which is then freed."""
    try:
        return ctypes.string_at(ptr, n)
    finally:
        lib.fairc_free(ptr)


def addr(array):
    """The address of a C-contiguous NumPy array's data, or None."""
    return None if array is None else array.ctypes.data


def ptr(array, ctype):
    """A typed pointer to a NumPy array's data (None stays None). The array must stay alive."""
    if array is None:
        return None
    return array.ctypes.data_as(ctypes.POINTER(ctype))
