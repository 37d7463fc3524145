#!/usr/bin/python3
"""Runs fairc's Python tests (python/tests/test_*.py) with unittest, so that pytest is not needed
(pytest runs the same files too). Usage: run.py [SUBSTRING ...] keeps the tests whose id
(module.Class.test) contains one of the substrings. Prints the skip reasons, then a last line
"N passed, N failed, N skipped"; exits 1 when a test failed or errored.

The package is imported from python/ of this tree; libfairc.so is found as fairc._lib says
(`make python-test` sets FAIRC_LIB to the library of its build).
"""
import collections
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)


def _flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _flatten(t)
        else:
            yield t


def main(argv):
    tests = list(_flatten(unittest.TestLoader().discover(HERE, pattern="test_*.py",
                                                         top_level_dir=HERE)))
    if argv:
        tests = [t for t in tests if any(a in t.id() for a in argv)]
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=1, warnings="ignore")
    result = runner.run(unittest.TestSuite(tests))
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped) + len(result.expectedFailures)
    passed = result.testsRun - failed - skipped
    reasons = collections.Counter(reason for _, reason in result.skipped)
    for reason, n in sorted(reasons.items()):
        print(f"skipped {n}: {reason}")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
