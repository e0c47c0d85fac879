"""OUT is written whole or not at all, never into the input folder, never over a folder we did not write."""

import pytest

from admissions.errors import OutputError
from admissions.io.output import output_folder


def test_success_creates_the_folder(tmp_path):
    out = tmp_path / "out"
    with output_folder(out) as staging:
        (staging / "run.json").write_text("{}")
        assert not out.exists()
    assert (out / "run.json").read_text() == "{}"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_an_earlier_output_is_replaced_whole(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "run.json").write_text("old")
    (out / "stale.csv").write_text("x")
    with output_folder(out) as staging:
        (staging / "run.json").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["run.json"]
    assert (out / "run.json").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_failure_leaves_the_earlier_output_as_it_was(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "run.json").write_text("old")
    with pytest.raises(RuntimeError):
        with output_folder(out) as staging:
            (staging / "run.json").write_text("half")
            raise RuntimeError("disk full")
    assert (out / "run.json").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_folder_this_tool_did_not_write_is_refused(tmp_path):
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    with pytest.raises(OutputError, match="holds no run.json"):
        with output_folder(out):
            pass
    assert (out / "thesis.docx").read_text() == "precious"


def test_the_input_folder_and_folders_inside_it_are_refused(tmp_path):
    with pytest.raises(OutputError, match="may not be the input folder or inside it"):
        with output_folder(tmp_path, inputs=tmp_path):
            pass
    with pytest.raises(OutputError, match="may not be the input folder or inside it"):
        with output_folder(tmp_path / "results", inputs=tmp_path):
            pass
    assert list(tmp_path.iterdir()) == []


def test_output_folder_is_readable_by_the_owner_only(tmp_path):
    out = tmp_path / "out"
    with output_folder(out) as staging:
        (staging / "run.json").write_text("{}")
    assert out.stat().st_mode & 0o777 == 0o700
