"""OUT is written whole or not at all, never into the input folder, never over a folder we did not write."""

import json
import os
import stat

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from admissions.errors import OutputError
from admissions.io.atomic import MANIFEST, foreign_entry, output_folder


def earlier_output(out, files=None):
    """An OUT written by this tool (through output_folder), holding ``files`` (name -> text)."""
    with output_folder(out) as staging:
        for name, text in (files or {"run.json": "old"}).items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_text(text)


def test_success_creates_the_folder(tmp_path):
    out = tmp_path / "out"
    with output_folder(out) as staging:
        (staging / "run.json").write_text("{}")
        assert not out.exists()
    assert (out / "run.json").read_text() == "{}"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_an_earlier_output_is_replaced_whole(tmp_path):
    out = tmp_path / "out"
    earlier_output(out, {"run.json": "old", "stale.csv": "x", "sub/part.csv": "y"})
    with output_folder(out) as staging:
        (staging / "run.json").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "run.json"]
    assert (out / "run.json").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_failure_leaves_the_earlier_output_as_it_was(tmp_path):
    out = tmp_path / "out"
    earlier_output(out)
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
    with pytest.raises(OutputError, match="holds thesis.docx, and no manifest.json says this tool wrote it"):
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


def test_a_folder_that_merely_holds_a_run_json_is_refused_and_kept(tmp_path):
    # Issue 13: `match --out DIR` replaced any folder with a file called run.json, deleting the rest.
    out = tmp_path / "documents"
    (out / "data").mkdir(parents=True)
    (out / "run.json").write_text("{}")
    (out / "thesis.docx").write_text("precious")
    (out / "data" / "elevregister.xlsx").write_text("register")
    with pytest.raises(OutputError, match="holds data, and no manifest.json"):
        with output_folder(out) as staging:
            (staging / "run.json").write_text("new")
    assert (out / "thesis.docx").read_text() == "precious"
    assert (out / "data" / "elevregister.xlsx").read_text() == "register"


@pytest.mark.parametrize("added, named", [
    ("thesis.docx", "thesis.docx, which this tool did not write"),
    ("sub/notes.txt", "sub/notes.txt, which this tool did not write"),
    ("empty-folder/", "empty-folder, which this tool did not write"),
])
def test_a_file_added_to_an_earlier_output_is_named_and_kept(tmp_path, added, named):
    out = tmp_path / "out"
    earlier_output(out, {"run.json": "old", "sub/part.csv": "y"})
    os.chmod(out, 0o700)
    if added.endswith("/"):
        (out / added).mkdir()
    else:
        (out / added).write_text("mine")
    with pytest.raises(OutputError, match=named):
        with output_folder(out):
            pass
    assert (out / added).exists()


def test_a_changed_output_file_is_refused(tmp_path):
    out = tmp_path / "out"
    earlier_output(out, {"run.json": "old", "placements.csv": "a\n"})
    (out / "placements.csv").write_text("a\nedited in Excel\n")
    with pytest.raises(OutputError, match="placements.csv, changed since this tool wrote it"):
        with output_folder(out):
            pass
    assert (out / "placements.csv").read_text() == "a\nedited in Excel\n"


def test_a_file_put_into_out_while_the_run_writes_is_kept(tmp_path):
    # The ownership is checked again just before the swap.
    out = tmp_path / "out"
    earlier_output(out)
    with pytest.raises(OutputError, match="late.txt, which this tool did not write"):
        with output_folder(out) as staging:
            (staging / "run.json").write_text("new")
            (out / "late.txt").write_text("mine")
    assert (out / "late.txt").read_text() == "mine"
    assert (out / "run.json").read_text() == "old"


def test_a_symlink_in_out_is_foreign(tmp_path):
    out = tmp_path / "out"
    earlier_output(out)
    (out / "link").symlink_to(tmp_path)
    assert foreign_entry(out) == "link, which this tool did not write"


def test_the_manifest_lists_every_file_with_its_sha256(tmp_path):
    import hashlib

    out = tmp_path / "out"
    earlier_output(out, {"run.json": "{}", "sub/a.csv": "x"})
    listed = json.loads((out / MANIFEST).read_text())["files"]
    assert listed == {"run.json": hashlib.sha256(b"{}").hexdigest(), "sub/a.csv": hashlib.sha256(b"x").hexdigest()}


def test_the_input_folder_inside_out_is_refused(tmp_path):
    # Issue 13: `match results/input --out results` deleted the input folder with the old OUT.
    results = tmp_path / "results"
    earlier_output(results)
    inputs = results / "input"
    os.chmod(results, 0o700)
    inputs.mkdir()
    (inputs / "students.csv").write_text("student_id\n")
    with pytest.raises(OutputError, match="may not hold the input folder"):
        with output_folder(results, inputs=inputs):
            pass
    assert (inputs / "students.csv").read_text() == "student_id\n"


def test_containment_is_checked_after_resolving_symlinks(tmp_path):
    inputs = tmp_path / "input"
    inputs.mkdir()
    (tmp_path / "alias").symlink_to(inputs)
    with pytest.raises(OutputError, match="may not be the input folder or inside it"):
        with output_folder(tmp_path / "alias" / "out", inputs=inputs):
            pass
    (tmp_path / "outer").symlink_to(tmp_path)
    with pytest.raises(OutputError, match="may not hold the input folder"):
        with output_folder(tmp_path, inputs=tmp_path / "outer" / "input"):
            pass


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
@pytest.mark.parametrize("shared, folder_mode", [(False, 0o700), (True, 0o755)])
def test_created_folders_have_their_mode_whatever_the_umask(tmp_path, umask, shared, folder_mode):
    out = tmp_path / "a" / "b" / "out"
    old = os.umask(umask)
    try:
        with output_folder(out, shared=shared) as staging:
            (staging / "run.json").write_text("{}")
    finally:
        os.umask(old)
    for folder in (tmp_path / "a", tmp_path / "a" / "b", out):
        assert stat.S_IMODE(folder.stat().st_mode) == folder_mode


names = st.text(alphabet="abcXY_.-", min_size=1, max_size=6).filter(lambda n: n not in (".", "..", MANIFEST))


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ours=st.dictionaries(names, st.binary(max_size=20), min_size=1, max_size=4),
       theirs=st.one_of(st.none(), st.tuples(names, st.binary(max_size=20))),
       change=st.booleans())
def test_ownership_over_random_folders(tmp_path_factory, ours, theirs, change):
    """Whatever an earlier output holds, it is replaced only when it holds exactly what its manifest lists."""
    out = tmp_path_factory.mktemp("own") / "out"
    with output_folder(out) as staging:
        for name, data in ours.items():
            (staging / name).write_bytes(data)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    foreign = False
    if theirs is not None and theirs[0] not in ours:
        (out / theirs[0]).write_bytes(theirs[1])
        before[theirs[0]] = theirs[1]
        foreign = True
    first = sorted(ours)[0]
    if change:
        (out / first).write_bytes(ours[first] + b"!")
        before[first] = ours[first] + b"!"
        foreign = True
    if foreign:
        with pytest.raises(OutputError, match="nothing was changed"):
            with output_folder(out) as staging:
                (staging / "run.json").write_text("new")
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    else:
        with output_folder(out) as staging:
            (staging / "run.json").write_text("new")
        assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "run.json"]
