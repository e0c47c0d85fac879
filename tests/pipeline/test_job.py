"""The job skeleton every command that writes a folder runs: check OUT first, write whole or nothing."""

import json

import pytest

from admissions.errors import OutputError
from admissions.job import start_job


def test_a_wrong_out_fails_before_any_work(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    with pytest.raises(OutputError, match="may not be the input folder or inside it"):
        start_job("match", inputs, inputs / "out")


def test_write_puts_the_files_and_run_json_last_and_returns_the_record(tmp_path):
    job = start_job("lists", tmp_path / "in", tmp_path / "out")
    record = job.record(None, counts=None)
    assert list(record) == ["tool", "version", "command", "started_at", "counts"]
    assert record["command"] == "lists"
    seen = []

    def files(staging):
        (staging / "a.csv").write_text("x\n", encoding="utf-8")
        record["counts"] = {"files": 1}

    returned = job.write(record, files, then=lambda staging: seen.append(sorted(p.name for p in staging.iterdir())))
    assert returned is record
    assert seen == [["a.csv", "run.json"]]
    assert json.loads((tmp_path / "out" / "run.json").read_text())["counts"] == {"files": 1}
    assert (tmp_path / "out" / "a.csv").read_text() == "x\n"


def test_without_out_nothing_is_written_unless_then_needs_the_files(tmp_path):
    job = start_job("lottery", tmp_path / "in", None)
    assert job.write({"a": 1}, lambda staging: pytest.fail("no files without OUT")) == {"a": 1}
    kept = []
    job.write({"a": 1}, lambda staging: (staging / "f").write_text("y"), then=lambda staging: kept.append(
        (staging, (staging / "f").read_text())))
    assert kept[0][1] == "y" and not kept[0][0].exists()  # a temporary folder, removed afterwards
    assert list(tmp_path.iterdir()) == []
