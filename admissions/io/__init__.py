"""Reading, validating, encoding and writing round data (pandas and pydantic live here)."""
