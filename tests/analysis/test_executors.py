"""The same outputs whichever executor runs the tasks: in-process, local process pool, Dask LocalCluster."""

import multiprocessing
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from admissions.analysis.executors import default_workers, executor_name, run_all
from admissions.analysis.lottery import run_lottery
from admissions.analysis.whatif import run_whatif
from admissions.errors import ConfigError, InvalidArgument

from .conftest import write_scenarios

distributed = pytest.importorskip("distributed")

COMPARED = {
    "whatif": ("scenarios.csv", "programme_changes.csv", "whatif.html"),
    "lottery": ("lottery_students.csv", "lottery_programmes.csv"),
}


def _square_plus(shared, task):
    return shared["offset"] + task * task


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as c:
        yield c


@pytest.fixture(scope="module")
def scenarios(large_region, tmp_path_factory):
    ids = pd.read_csv(large_region / "programmes.csv", dtype=str)["programme_id"].tolist()
    lines = ["scenario,programme_id,seats,added"]
    lines += [f"s{i},{pid},{'+10' if i % 2 else '0'}," for i, pid in enumerate(ids[:12])]
    return write_scenarios(tmp_path_factory.mktemp("scenarios") / "scenarios.csv", "\n".join(lines) + "\n")


@pytest.mark.parametrize("workers", [1, 2])
def test_run_all_keeps_task_order(workers):
    seen = []
    results = run_all(_square_plus, {"offset": 1}, list(range(20)), workers=workers,
                      progress=lambda done, total: seen.append((done, total)))
    assert results == [1 + t * t for t in range(20)]
    assert seen[0] == (0, 20) and seen[-1] == (20, 20)


def _nap(shared, task):
    """Mark the task as started (a file in the folder ``shared[0]``); tasks 0 and 1 return at once,
    every later one sleeps ``shared[1]`` s."""
    folder, seconds = shared
    (folder / f"{task}").touch()
    if task >= 2:
        time.sleep(seconds)
    return task


def _sigint_handler(shared, task):
    return signal.getsignal(signal.SIGINT) == signal.SIG_IGN


def test_ctrl_c_stops_the_pool_without_running_its_queued_tasks(tmp_path):
    """Ctrl-C while a pool runs: the command stops now. The pool's own exit waited for every task
    still queued (lottery --draws 100000: 2,000 tasks of 50 draws, minutes; found by a black-box run),
    and a worker took Ctrl-C as its task's result and went on to the next task. Judged by the tasks
    that started, not by the clock: the two done and the two the workers then run, which last 5 s,
    far longer than the interrupt takes to come, so no other can start however loaded the machine
    (at most the three in the pool's call queue besides); never the hundreds still queued."""
    def interrupt(done, total):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_all(_nap, (tmp_path, 5.0), list(range(400)), workers=2, progress=interrupt)
    assert multiprocessing.active_children() == []
    started = sorted(int(p.name) for p in tmp_path.iterdir())
    assert started[:2] == [0, 1] and len(started) <= 2 + 2 + 3
    # Workers leave Ctrl-C to the pool's owner (the terminal sends it to every process of the group).
    assert run_all(_sigint_handler, None, [0, 1], workers=2) == [True, True]


# Run in a child interpreter: a hang there is a failed exit status, not a hung test run (no pytest-timeout).
_INTERRUPT_WHILE_RESULTS_STREAM = """
import multiprocessing, sys
import numpy as np
from admissions.analysis.executors import run_all

def big(shared, task):
    return np.full(2_000_000, task, dtype=np.float64)  # 16 MB: its trip back through the pool's pipe is long

def interrupt(done, total):
    if done == 1:
        raise KeyboardInterrupt

if __name__ == "__main__":
    for attempt in range(int(sys.argv[1])):
        try:
            run_all(big, None, list(range(40)), workers=2, progress=interrupt)
        except KeyboardInterrupt:
            print("interrupted", attempt, [p.pid for p in multiprocessing.active_children()], flush=True)
"""


@pytest.mark.slow
def test_ctrl_c_while_large_results_stream_back_ends_every_worker(tmp_path):
    """Ctrl-C while 16 MB results stream back: a worker ended halfway through sending its result
    left the pool's manager thread waiting for the rest of that message for ever, and the stop
    joined that thread with no limit (hung 6/6; lottery --draws 100000 --workers 2, Ctrl-C at
    11-20 s: 2/11). Every attempt raises KeyboardInterrupt with no worker left, and the child
    interpreter exits (its exit joins the pool's manager thread too)."""
    script = tmp_path / "interrupt.py"
    script.write_text(_INTERRUPT_WHILE_RESULTS_STREAM)
    done = subprocess.run([sys.executable, str(script), "6"], capture_output=True, text=True, timeout=300)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [f"interrupted {attempt} []" for attempt in range(6)]


@pytest.mark.slow
def test_run_all_on_a_cluster_keeps_task_order(cluster):
    assert run_all(_square_plus, {"offset": 2}, list(range(20)), scheduler=cluster.scheduler_address) == [
        2 + t * t for t in range(20)]


def test_executor_names_and_bad_settings(monkeypatch):
    monkeypatch.setattr("admissions.analysis.executors.CONNECT_TIMEOUT", "0.2s")  # refused at once; no need to wait
    assert executor_name(1, None) == "in-process"
    assert executor_name(2, None) == "local"
    assert executor_name(None, "tcp://x:1") == "dask"
    assert default_workers() >= 1
    with pytest.raises(InvalidArgument, match="workers == -1, must be a whole number >= 1"):
        run_all(_square_plus, {"offset": 0}, [1], workers=-1)
    with pytest.raises(ConfigError, match="scheduler == 'nowhere', cannot connect: missing port number"):
        run_all(_square_plus, {"offset": 0}, [1], scheduler="nowhere")
    with pytest.raises(ConfigError, match="scheduler == 'tcp://127.0.0.1:1', cannot connect"):
        run_all(_square_plus, {"offset": 0}, [1], scheduler="tcp://127.0.0.1:1")


def _outputs(folder, names):
    return {name: (folder / name).read_bytes() for name in names}


@pytest.mark.slow
def test_whatif_is_identical_on_every_executor(large_region, scenarios, cluster, tmp_path):
    outputs = {}
    for label, kwargs in (("in-process", {"workers": 1}), ("local", {"workers": 2}),
                          ("dask", {"scheduler": cluster.scheduler_address})):
        run_whatif(large_region, scenarios, tmp_path / label, **kwargs)
        outputs[label] = _outputs(tmp_path / label, COMPARED["whatif"])
    assert outputs["local"] == outputs["in-process"]
    assert outputs["dask"] == outputs["in-process"]


@pytest.mark.slow
def test_lottery_is_identical_on_every_executor(large_region, cluster, tmp_path):
    outputs = {}
    for label, kwargs in (("in-process", {"workers": 1}), ("local", {"workers": 2}),
                          ("dask", {"scheduler": cluster.scheduler_address})):
        run_lottery(large_region, tmp_path / label, draws=120, seed=4, **kwargs)
        outputs[label] = _outputs(tmp_path / label, COMPARED["lottery"])
    assert outputs["local"] == outputs["in-process"]
    assert outputs["dask"] == outputs["in-process"]


@pytest.mark.slow
def test_whatif_on_a_cluster_of_processes(large_region, scenarios, tmp_path):
    """Workers in their own processes: the shared market is pickled and scattered to them."""
    run_whatif(large_region, scenarios, tmp_path / "ref", workers=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c:
        run_whatif(large_region, scenarios, tmp_path / "dask", scheduler=c.scheduler_address)
    assert _outputs(tmp_path / "dask", COMPARED["whatif"]) == _outputs(tmp_path / "ref", COMPARED["whatif"])


@pytest.mark.slow
def test_cli_takes_a_scheduler(cluster, tmp_path):
    from typer.testing import CliRunner

    from admissions.cli import app

    from .conftest import TIES

    result = CliRunner().invoke(app, ["lottery", str(TIES), "--draws", "60", "--out", str(tmp_path / "dask"),
                                      "--scheduler", cluster.scheduler_address, "-q"])
    assert result.exit_code == 0, result.output
    reference = CliRunner().invoke(app, ["lottery", str(TIES), "--draws", "60", "--out", str(tmp_path / "ref"),
                                         "--workers", "1", "-q"])
    assert reference.exit_code == 0, reference.output
    assert _outputs(tmp_path / "dask", COMPARED["lottery"]) == _outputs(tmp_path / "ref", COMPARED["lottery"])
    assert '"executor": "dask"' in (tmp_path / "dask" / "run.json").read_text()
