"""Makes matching_instances importable: no __init__.py here, or this folder would shadow the PyPI ``matching`` package."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
