"""How the documents name a season, however it is given."""

from pathlib import Path

from admissions.reports.run_folder import season_label


def test_a_season_has_one_name_however_it_is_given(tmp_path):
    """--season S and --season S/season.sqlite named it 'S' and 'season' (lists and statistics of
    the same season differed in their bytes); a database of another name is named by its stem."""
    folder = tmp_path / "ht 2027"
    folder.mkdir()
    (folder / "season.sqlite").write_bytes(b"")
    (tmp_path / "vt2028.db").write_bytes(b"")
    assert [season_label(folder), season_label(folder / "season.sqlite"), season_label(Path(f"{folder}/")),
            season_label(tmp_path / "vt2028.db"), season_label(tmp_path / "new")] == [
        "ht 2027", "ht 2027", "ht 2027", "vt2028", "new"]
