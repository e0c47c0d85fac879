"""Where many independent matchings run: in this process, on a pool of local processes, or on a Dask cluster.

Every analysis (what-ifs, sweeps, lottery draws) is a list of small *tasks* and one large *shared*
object (the prepared market: validated input, priorities, ranks), built once. :func:`run_all` sends
the shared object to each worker once and runs ``function(shared, task)`` for every task:

- ``workers == 1``: in this process, one task after the other (no pickling; handy in tests);
- local (the default): a :class:`concurrent.futures.ProcessPoolExecutor` with ``workers``
  processes (default: the cores this process may use); the shared object reaches each worker
  once, through the pool's initializer;
- Dask (``scheduler`` given, the ``cluster`` extra): a ``distributed.Client`` connected to that
  scheduler; the shared object is scattered once to every worker (``broadcast=True``), and the
  tasks are submitted against it. Workers need the ``admissions`` package installed.

Results come back in task order whatever the executor and whatever order tasks finish in, so the
outputs of a run do not depend on where it ran (tests/analysis/test_executors.py checks that on a
real ``distributed.LocalCluster``).
"""

from __future__ import annotations

import gc

import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from admissions.arguments import check_count
from admissions.errors import AdmissionsError, ConfigError

T = TypeVar("T")
R = TypeVar("R")

#: progress(done, total): called after each finished task.
TaskProgress = Callable[[int, int], None]

#: How long to wait for a Dask scheduler before giving up.
CONNECT_TIMEOUT = "10s"

# The shared object of the pool's worker process, set once by the initializer.
_SHARED: Any = None


def default_workers() -> int:
    """The number of cores this process may run on (its CPU affinity where the OS tells it)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - macOS and Windows have no sched_getaffinity
        return max(os.cpu_count() or 1, 1)


def executor_name(workers: int | None, scheduler: str | None) -> str:
    """'dask', 'in-process' or 'local': where :func:`run_all` runs with these settings."""
    if scheduler:
        return "dask"
    return "in-process" if check_workers(workers) == 1 else "local"


def run_all(
    function: Callable[[Any, T], R],
    shared: Any,
    tasks: Sequence[T],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: TaskProgress | None = None,
) -> list[R]:
    """Run ``function(shared, task)`` for every task and return the results in task order.

    Parameters
    ----------
    function : callable
        A module-level function (it is pickled by reference for the process pool and Dask).
    shared : object
        Sent once to each worker; must be picklable.
    tasks : sequence
        Small picklable arguments, one per call.
    workers : int, optional
        Processes of the local pool (default :func:`default_workers`); 1 runs in this process.
        Ignored when ``scheduler`` is given (the cluster has its own workers).
    scheduler : str, optional
        Address of a Dask scheduler, e.g. ``tcp://10.0.0.5:8786``.
    progress : callable, optional
        ``progress(done, total)`` after each finished task (and once with 0 before the first).

    Raises
    ------
    InvalidArgument
        ``workers`` < 1.
    ConfigError
        ``scheduler`` given without dask.distributed installed or unreachable.
    """
    tasks = list(tasks)
    total = len(tasks)
    if progress is not None:
        progress(0, total)
    if scheduler:
        return _run_dask(function, shared, tasks, scheduler, progress)
    n_workers = min(check_workers(workers), max(total, 1))
    if n_workers == 1:
        results = []
        for done, task in enumerate(tasks, 1):
            results.append(function(shared, task))
            if progress is not None:
                progress(done, total)
        return results
    return _run_pool(function, shared, tasks, n_workers, progress)


def check_workers(workers: int | None) -> int:
    """The number of local workers to use: ``workers``, or :func:`default_workers` when None."""
    if workers is None:
        return default_workers()
    return check_count("workers", workers)


def _init_worker(shared: Any) -> None:
    global _SHARED
    _SHARED = shared
    # Ctrl-C reaches every process of the terminal's group: the pool's owner stops the run
    # (_run_pool); a worker interrupted in its task would hand the pool a KeyboardInterrupt as
    # that task's result and take the next one, and one interrupted while idle dies with a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _call_with_shared(function: Callable[[Any, T], R], task: T) -> R:
    return function(_SHARED, task)


#: What a worker process that stopped mid-task means, in words (it leaves no exception of its own).
WORKER_STOPPED = ("a worker process stopped before its task was done, most often because the system ran out of "
                  "memory (a task too large for it); {workers} == {n}: try fewer, or a smaller task")


def _run_pool(function, shared, tasks, n_workers: int, progress: TaskProgress | None) -> list:
    results: list = [None] * len(tasks)
    pool = ProcessPoolExecutor(max_workers=n_workers, initializer=_init_worker, initargs=(shared,))
    try:
        futures = {pool.submit(_call_with_shared, function, task): i for i, task in enumerate(tasks)}
        for done, future in enumerate(as_completed(futures), 1):
            results[futures[future]] = future.result()
            if progress is not None:
                progress(done, len(tasks))
    except BrokenProcessPool:
        _stop(pool)
        # A worker killed (the kernel's out-of-memory killer, a signal) breaks the whole pool:
        # one line for the command, not the pool's traceback.
        raise AdmissionsError(WORKER_STOPPED, parameters=("workers",), values={"n": n_workers}) from None
    except BaseException:
        # Ctrl-C or a failed task: the pool's own exit would wait for every task still queued
        # (a million lottery draws: hours); the results are not wanted any more.
        _stop(pool)
        raise
    pool.shutdown()
    return results


#: How long a stop waits for a terminated worker, then for a killed one, then for the pool's manager thread.
STOP_WAIT_SECONDS = 2.0


def _stop(pool: ProcessPoolExecutor) -> None:
    """Drop the pool's queued tasks and end its workers now, without waiting for their tasks.

    Never waits without a limit: a worker ended halfway through sending its result back leaves the
    pool's manager thread reading the rest of that message for ever (16 MB lottery results; Ctrl-C
    hung the command). Once every worker is gone, this process's own end of the result pipe is
    closed, the last writer, so that read ends (end of file) and the thread winds the pool up as
    broken; interpreter exit joins that thread too, so it must end, not only be left behind.
    """
    # No public way before Python 3.14 (terminate_workers); shutdown forgets these, so read them first.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)
    result_queue = getattr(pool, "_result_queue", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(STOP_WAIT_SECONDS)
    for process in processes:
        if process.is_alive():  # pragma: no cover - SIGTERM ends a worker; SIGKILL if it did not
            process.kill()
            process.join(STOP_WAIT_SECONDS)
    writer = getattr(result_queue, "_writer", None)
    if writer is not None:
        writer.close()
    if manager is not None:
        manager.join(STOP_WAIT_SECONDS)  # it sees its workers gone and reaps them; a pool abandoned if not


def _run_dask(function, shared, tasks, scheduler: str, progress: TaskProgress | None) -> list:
    try:
        from distributed import Client, as_completed as dask_as_completed
    except ImportError:
        raise ConfigError(
            "{scheduler} needs dask.distributed: pip install 'admissions[cluster]'", parameters=("scheduler",)
        ) from None
    failure = None
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        failure = {"value": scheduler, "error": exc}
    if failure is not None:
        # The half-made Client is closed by its __del__; collected at some later moment, that ran
        # inside the next Client's start and deadlocked on its loop runner. Collect it here.
        gc.collect()
        raise ConfigError("{scheduler} == {value!r}, cannot connect: {error}", parameters=("scheduler",), values=failure)
    with client, client.as_current():
        [shared_future] = client.scatter([shared], broadcast=True, hash=False)
        futures = [client.submit(function, shared_future, task, pure=False) for task in tasks]
        index = {future.key: i for i, future in enumerate(futures)}
        results: list = [None] * len(tasks)
        for done, future in enumerate(dask_as_completed(futures), 1):
            results[index[future.key]] = future.result()
            if progress is not None:
                progress(done, len(tasks))
        client.cancel([shared_future])
    return results
