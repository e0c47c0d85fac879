"""Import paths for this folder's tests.

``matching_instances`` (this folder: it has no __init__.py, or it would shadow the PyPI
``matching`` package) and ``benchmarks.instances`` (the repository root: the realistic instances
the 55,000-student test shares with the benchmarks).
"""

import sys
from pathlib import Path

here = Path(__file__).resolve().parent
sys.path.insert(0, str(here))
sys.path.append(str(here.parents[1]))
