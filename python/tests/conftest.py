"""For pytest (python/tests also runs without it, through run.py): import fairc from python/."""
import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir)))
