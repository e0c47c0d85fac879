"""Generated admission rounds of real admission areas (Skolverket's register), in the data contract."""

from admissions.synth.area import DEFAULT_AREA, load_area
from admissions.synth.generate import DEFAULT_SEED, generate_region, write_region

__all__ = ["DEFAULT_AREA", "DEFAULT_SEED", "generate_region", "load_area", "write_region"]
