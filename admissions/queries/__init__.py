"""Questions asked of what was run: why a student got what they got (explain), who moved between two runs (diff)."""
