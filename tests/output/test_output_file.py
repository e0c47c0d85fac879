"""A single output file (answers --out, diff --csv, validate --problems-csv): symlinks, the check
just before the rename, and what the command reads compared as the file system finds files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from admissions.errors import OutputError
from admissions.io.atomic import check_output_file, output_file


def leftovers(*folders: Path) -> list[str]:
    return sorted(p.name for folder in folders for p in folder.iterdir() if ".tmp-" in p.name)


def test_a_symlink_is_replaced_itself_and_its_target_never_written(tmp_path):
    """With --force through a symlink the temporary file was made beside the link's target and renamed
    onto the link ('Invalid cross-device link' when the target was on another file system)."""
    (tmp_path / "elsewhere").mkdir()
    target = tmp_path / "elsewhere" / "mine.csv"
    target.write_text("mine\n", encoding="utf-8")
    link = tmp_path / "out.csv"
    link.symlink_to(target)
    with pytest.raises(OutputError) as error:
        check_output_file(link)
    assert str(error.value) == f"{link}: exists; nothing was changed. Give a new file name, or force to replace it"
    with output_file(link, force=True) as temporary:
        assert temporary.parent == tmp_path  # beside the link, not beside its target
        temporary.write_text("new\n", encoding="utf-8")
    assert not link.is_symlink() and link.read_text(encoding="utf-8") == "new\n"
    assert target.read_text(encoding="utf-8") == "mine\n"
    assert leftovers(tmp_path, tmp_path / "elsewhere") == []


def test_a_dangling_symlink_is_replaced_and_no_folder_made_for_its_target(tmp_path):
    link = tmp_path / "out.csv"
    link.symlink_to(tmp_path / "missing" / "deeper" / "x.csv")
    with output_file(link, force=True) as temporary:
        temporary.write_text("new\n", encoding="utf-8")
    assert not link.is_symlink() and link.read_text(encoding="utf-8") == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_a_symlink_to_what_the_command_reads_is_refused_even_with_force(tmp_path):
    database = tmp_path / "season" / "season.sqlite"
    database.parent.mkdir()
    database.write_bytes(b"db")
    link = tmp_path / "out.csv"
    link.symlink_to(database)
    with pytest.raises(OutputError) as error:
        check_output_file(link, (database,), force=True)
    assert str(error.value) == (f"{link}: is season.sqlite ({database}), which this command reads; nothing was "
                                "changed. Give another file name")
    assert link.is_symlink() and database.read_bytes() == b"db"


def test_the_check_is_made_again_just_before_the_rename(tmp_path):
    """Something put at the path while the command worked is not replaced without force, nor a
    symlink to what the command reads even with it; the temporary file is removed."""
    path = tmp_path / "out.csv"
    with pytest.raises(OutputError) as error:
        with output_file(path) as temporary:
            temporary.write_text("new\n", encoding="utf-8")
            path.write_text("theirs\n", encoding="utf-8")
    assert str(error.value) == f"{path}: exists; nothing was changed. Give a new file name, or force to replace it"
    assert path.read_text(encoding="utf-8") == "theirs\n" and leftovers(tmp_path) == []
    path.unlink()
    database = tmp_path / "season.sqlite"
    database.write_bytes(b"db")
    with pytest.raises(OutputError) as error:
        with output_file(path, reads=(database,), force=True) as temporary:
            temporary.write_text("new\n", encoding="utf-8")
            path.symlink_to(database)
    assert str(error.value) == (f"{path}: is season.sqlite ({database}), which this command reads; nothing was "
                                "changed. Give another file name")
    assert database.read_bytes() == b"db" and path.is_symlink() and leftovers(tmp_path) == []


def test_what_the_command_reads_is_found_as_the_file_system_finds_it(tmp_path):
    """The checks compared resolved paths exactly: on macOS or Windows Season.sqlite is season.sqlite
    (shown here by a hard link: one file, two names), and Season.sqlite-WAL its journal."""
    database = tmp_path / "season.sqlite"
    database.write_bytes(b"db")
    other = tmp_path / "Season.sqlite"
    os.link(database, other)
    with pytest.raises(OutputError) as error:
        check_output_file(other, (database,), force=True)
    assert str(error.value) == (f"{other}: is season.sqlite ({database}), which this command reads; nothing was "
                                "changed. Give another file name")
    with pytest.raises(OutputError) as error:
        check_output_file(tmp_path / "Season.sqlite-WAL", (database,), force=True)
    assert str(error.value) == (f"{tmp_path / 'Season.sqlite-WAL'}: is the journal of season.sqlite ({database}), "
                                "which this command reads; nothing was changed. Give another file name")
    check_output_file(tmp_path / "seasons.sqlite", (database,))  # another name: written
