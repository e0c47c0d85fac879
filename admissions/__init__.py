"""Upper-secondary admissions matching for the joint admission area of Skåne and western Blekinge."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("admissions")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
