"""Synthetic admission rounds for Skåne and western Blekinge, written in the data contract."""

from admissions.synth.generate import DEFAULT_N_STUDENTS, DEFAULT_SEED, generate_region, write_region

__all__ = ["DEFAULT_N_STUDENTS", "DEFAULT_SEED", "generate_region", "write_region"]
