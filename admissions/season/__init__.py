"""The admission year: a season of rounds recorded in one SQLite file, with the guarantee between rounds."""
