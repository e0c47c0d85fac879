"""An interrupted run leaves the previous complete OUT (or none), never a mix; the input folder is never written."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from admissions.errors import OutputError
from admissions.io import atomic, write
from admissions.io.atomic import MANIFEST, output_folder, remove_stale_staging
from admissions.match import MATCH_FILES

from .conftest import ROOT, SAMPLE, read_text_csv, run

N_STUDENTS = 2000
N_APPLICATIONS = len(read_text_csv(SAMPLE / "applications.csv"))
#: run.json differs between runs of the same seed only in these keys.
VOLATILE = ("started_at", "timings_s")


def fingerprint(out: Path) -> dict[str, str]:
    """sha256 of every file of OUT; of run.json, of its stable keys only."""
    prints = {}
    for path in sorted(out.iterdir()):
        if path.name == MANIFEST:
            continue  # lists run.json's sha256, which differs with its started_at
        if path.name == "run.json":
            record = json.loads(path.read_text(encoding="utf-8"))
            stable = {k: v for k, v in record.items() if k not in VOLATILE}
            prints[path.name] = hashlib.sha256(json.dumps(stable, sort_keys=True).encode()).hexdigest()
        else:
            prints[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return prints


def assert_complete(out: Path, references: dict[int, dict[str, str]],
                    rows: tuple[int, int] = (N_STUDENTS, N_APPLICATIONS)) -> int:
    """OUT holds every file of one complete run, equal file for file to the reference of its seed; returns the seed.

    ``rows``: the students and applications of the input (default the sample's).
    """
    assert sorted(p.name for p in out.iterdir()) == sorted(MATCH_FILES)
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    seed = record["seed"]
    assert fingerprint(out) == references[seed], f"files of different runs mixed (seed {seed})"
    assert len(read_text_csv(out / "placements.csv")) == rows[0]
    assert len(read_text_csv(out / "applications.csv")) == rows[1]
    with zipfile.ZipFile(out / "report.xlsx") as archive:
        assert archive.testzip() is None
    return seed


def reference_runs(folder: Path, tmp_path_factory) -> tuple[dict[int, dict[str, str]], dict[int, Path]]:
    """Complete outputs of ``folder`` with seeds 1 and 2: their fingerprints and their folders (read them only)."""
    prints, outs = {}, {}
    for seed in (1, 2):
        out = outs[seed] = tmp_path_factory.mktemp(f"reference{seed}") / "out"
        result = run("match", folder, "--out", out, "--seed", seed, "--quiet")
        assert result.exit_code == 0, result.output
        prints[seed] = fingerprint(out)
    assert prints[1]["placements.csv"] != prints[2]["placements.csv"]
    return prints, outs


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    """The sample's reference fingerprints (the slow tests kill runs of the sample: it takes long enough to write)."""
    return reference_runs(SAMPLE, tmp_path_factory)[0]


@pytest.fixture(scope="module")
def region_references(region, tmp_path_factory):
    """The small region's reference fingerprints, its (students, applications) and the reference OUTs."""
    rows = (len(read_text_csv(region / "students.csv")), len(read_text_csv(region / "applications.csv")))
    prints, outs = reference_runs(region, tmp_path_factory)
    return prints, rows, outs


def start_match(out: Path, seed: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "admissions", "match", str(SAMPLE), "--out", str(out), "--seed", str(seed), "--quiet"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def staging_of(out: Path) -> list[Path]:
    return [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.tmp-")]


def wait_for_staging(process: subprocess.Popen, out: Path, n_files: int, timeout: float = 60) -> bool:
    """Poll until the run's temporary folder holds ``n_files`` files; False when the run ended first."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and process.poll() is None:
        for folder in staging_of(out):
            try:
                if len(os.listdir(folder)) >= n_files:
                    return True
            except FileNotFoundError:
                pass
        time.sleep(0.001)
    return False


@pytest.mark.slow
def test_sigkill_at_any_moment_leaves_a_complete_out(tmp_path, references):
    out = tmp_path / "out"
    assert run("match", SAMPLE, "--out", out, "--seed", "1", "--quiet").exit_code == 0
    assert assert_complete(out, references) == 1
    seen_staging = 0
    rng = random.Random(20260601)
    # Killed while the temporary folder is being filled (after 0, 3 and 6 files), then at random times.
    moments = [("files", 0), ("files", 3), ("files", 6),
               ("time", rng.uniform(0.2, 2.5)), ("time", rng.uniform(0.2, 2.5))]
    for kind, value in moments:
        process = start_match(out, seed=2)
        try:
            if kind == "files":
                seen_staging += wait_for_staging(process, out, value)
            else:
                time.sleep(value)
            process.send_signal(signal.SIGKILL)
        finally:
            process.wait(timeout=60)
        assert_complete(out, references)
    assert seen_staging >= 2, "the kills missed the writing phase"
    # The next run removes the temporary folders the killed runs left, and writes OUT whole.
    result = run("match", SAMPLE, "--out", out, "--seed", "2", "--quiet")
    assert result.exit_code == 0, result.output
    assert assert_complete(out, references) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.slow
def test_ctrl_c_while_writing_leaves_the_previous_out(tmp_path, references):
    out = tmp_path / "out"
    assert run("match", SAMPLE, "--out", out, "--seed", "1", "--quiet").exit_code == 0
    process = start_match(out, seed=2)
    caught = wait_for_staging(process, out, 1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert caught, "the run ended before it wrote anything"
    assert "Traceback" not in stderr.decode()
    # Interrupted while writing: the previous output (or, if the swap was already done, the new one).
    assert assert_complete(out, references) in (1, 2)
    assert process.returncode != 0 or json.loads((out / "run.json").read_text())["seed"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # its temporary folder removed on the way out


def test_stale_temporary_folders_of_dead_runs_are_removed(tmp_path):
    out = tmp_path / "out"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".out.tmp-{dead.pid}-abc"
    stale_old = tmp_path / f".out.old-{dead.pid}-def"
    alive = tmp_path / f".out.tmp-{os.getppid()}-ghi"  # a running process: perhaps still writing
    other = tmp_path / f".other.tmp-{dead.pid}-jkl"
    for folder in (stale, stale_old, alive, other):
        folder.mkdir()
    assert sorted(p.name for p in remove_stale_staging(out)) == sorted([stale.name, stale_old.name])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, other.name])


def test_a_full_disk_is_a_clean_error_and_out_is_untouched(region, tmp_path, monkeypatch, region_references):
    references, rows, outs = region_references
    out = tmp_path / "out"
    shutil.copytree(outs[1], out)  # the complete OUT of `match --seed 1`

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "applications.csv")

    monkeypatch.setattr(write, "write_frame_csv", full)
    result = run("match", region, "--out", out, "--seed", "2", "--quiet")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {out}: cannot write the outputs (applications.csv: No space left on device); nothing was "
        "changed, the previous output (if any) is still there\n")
    assert assert_complete(out, references, rows) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.slow
def test_a_real_full_disk_small_tmpfs(tmp_path, references):
    """OUT on a 2 MB tmpfs: the first run fits, the second (old and new side by side) does not."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        out = disk / "out"
        first = run("match", SAMPLE, "--out", out, "--seed", "1", "--quiet")
        assert first.exit_code == 0, first.output
        second = run("match", SAMPLE, "--out", out, "--seed", "2", "--quiet")
        assert second.exit_code == 1
        assert second.stderr.startswith(f"Error: {out}: cannot write the outputs (")
        assert "No space left on device); nothing was changed" in second.stderr
        assert "Traceback" not in second.output
        assert assert_complete(out, references) == 1
        assert sorted(p.name for p in disk.iterdir()) == ["out"]
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_an_exception_in_the_rename_leaves_the_previous_out(tmp_path, monkeypatch):
    out = tmp_path / "out"
    with output_folder(out) as staging:
        (staging / "run.json").write_text("old")

    def refuse(a, b):
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), str(b))

    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    monkeypatch.setattr(atomic.os, "rename", refuse)
    with pytest.raises(OutputError, match=r"cannot write the outputs .*Invalid cross-device link"):
        with output_folder(out) as staging:
            (staging / "run.json").write_text("new")
    monkeypatch.undo()
    assert (out / "run.json").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("stopped_at", [1, 2])
def test_ctrl_c_between_the_two_renames_puts_the_previous_out_back(tmp_path, monkeypatch, stopped_at):
    """Where folders cannot be exchanged, OUT is moved aside to a hidden .OUT.old- folder, then the
    new one moved in: Ctrl-C at the second rename left the previous OUT only in the hidden folder."""
    out = tmp_path / "out"
    with output_folder(out) as staging:
        (staging / "run.json").write_text("old")
        (staging / "sub").mkdir()
        (staging / "sub" / "x.csv").write_bytes(b"a,b\n1,2\n")
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    real_rename = os.rename
    calls = []

    def rename(a, b):
        calls.append((Path(a).name, Path(b).name))
        if len(calls) == stopped_at:
            raise KeyboardInterrupt
        real_rename(a, b)

    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    monkeypatch.setattr(atomic.os, "rename", rename)
    with pytest.raises(KeyboardInterrupt):
        with output_folder(out) as staging:
            (staging / "run.json").write_text("new")
    monkeypatch.undo()
    # Stopped at the first rename: nothing moved. At the second: OUT moved back from the hidden folder.
    assert [b for _, b in calls] == {1: ["out"], 2: ["out", "out", "out"]}[stopped_at]
    after = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert after == before
    assert after["run.json"] == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_the_input_folder_is_never_written(region_copy, tmp_path):
    def state():
        return {p.name: (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest()) for p in region_copy.iterdir()}

    before = state()
    assert run("match", region_copy, "--out", tmp_path / "out", "--quiet").exit_code == 0
    assert run("round", "final", region_copy, "--season", tmp_path / "season", "--out", tmp_path / "final",
               "--quiet").exit_code == 0
    assert run("validate", region_copy).exit_code == 0
    inside = run("match", region_copy, "--out", region_copy / "out")
    assert inside.exit_code == 1
    assert "the output folder may not be the input folder or inside it" in inside.stderr
    assert state() == before
