"""Writing outputs whole: every file goes into a temporary folder beside OUT, moved into place only when all succeeded."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from admissions.errors import OutputError
from admissions.io.policy import PRIVATE_FILE, SHARED_FILE, current_policy, make_folders, remove_made_folders, set_modes

#: The file that lists every file of an output folder with its sha256: a folder is replaced by a
#: new run only when it holds exactly what its manifest lists (check_output_folder).
MANIFEST = "manifest.json"


def check_output_folder(out: Path, inputs: Path | tuple[Path, ...] | None = None,
                        season_database: Path | None = None) -> None:
    """Refuse an OUT that would lose something the user gave when it is replaced.

    Refused: OUT and an input folder (``inputs``: one, or every folder the command reads) are the
    same or one holds the other (after resolving symlinks); OUT holds the season database the command reads or records into (or will create:
    ``--out`` given the season's folder); OUT exists and is not a folder; OUT is a non-empty folder that this tool did not
    write whole, as its MANIFEST tells (:func:`foreign_entry`): the message names the first
    entry that is not this tool's.
    """
    given = Path(out)
    out = given.resolve()
    if season_database is not None and out in Path(season_database).resolve().parents:
        raise OutputError(f"{given}: the output folder may not hold the season database ({season_database}); "
                          "replacing it would delete the season. Give another folder")
    for folder in (() if inputs is None else (inputs,) if isinstance(inputs, (str, os.PathLike)) else inputs):
        folder = Path(folder).resolve()
        if out == folder or folder in out.parents:
            raise OutputError(f"{given}: the output folder may not be the input folder or inside it ({folder})")
        if out in folder.parents:
            raise OutputError(f"{given}: the output folder may not hold the input folder ({folder}); "
                              "replacing it would delete the input")
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputError(f"{given}: exists and is not a folder")
    check_writable(given)
    if out.exists():
        try:
            foreign = foreign_entry(out)
        except OSError as exc:
            raise OutputError(f"{given}: cannot read the output folder: {exc.strerror or exc}") from exc
        if foreign is not None:
            raise OutputError(
                f"{given}: holds {foreign}; nothing was changed. Choose a new folder "
                "(only a folder this tool wrote, unchanged, is replaced)"
            )


def check_writable(out: Path) -> None:
    """Refuse, before any work, an OUT whose temporary folder cannot be made beside it (a read-only
    folder or file system, no permission): the command would compute everything and then fail.

    Tried for real (a folder made in OUT's nearest existing parent and removed at once): the
    permission bits do not tell a read-only mount, an immutable folder or an ACL.
    """
    target = Path(out).resolve()
    nearest = target.parent
    while not nearest.exists() and nearest != nearest.parent:
        nearest = nearest.parent
    try:
        os.rmdir(tempfile.mkdtemp(prefix=f"{_staging_prefix(target)}{os.getpid()}-", dir=nearest))
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the output folder: {exc.strerror or exc}") from exc


def foreign_entry(folder: Path) -> str | None:
    """The first entry of ``folder`` (in sorted order) that this tool did not write, and why; None when there is none.

    A folder is this tool's when it is empty, or when it holds MANIFEST and every other entry is a
    regular file listed there with the same sha256 (or a folder on the way to one). A changed file
    (opened and saved in Excel, say) counts as foreign too: replacing it would lose the change.
    """
    folder = Path(folder)
    entries = sorted(_entries(folder))
    if not entries:
        return None
    manifest = folder / MANIFEST
    try:
        listed = json.loads(manifest.read_text(encoding="utf-8"))["files"]
        if not isinstance(listed, dict):
            raise TypeError
    except FileNotFoundError:
        return f"{entries[0]}, and no {MANIFEST} says this tool wrote it"
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return f"a {MANIFEST} this tool did not write"
    parents = {str(Path(name).parent) for name in listed}
    parents = {str(p) for name in parents for p in [Path(name), *Path(name).parents]}
    for entry in entries:
        if entry == MANIFEST:
            continue
        path = folder / entry
        if path.is_symlink() or (path.is_dir() and entry not in parents) or (
                not path.is_dir() and entry not in listed):
            return f"{entry}, which this tool did not write"
        if not path.is_dir() and _sha256(path) != listed[entry]:
            return f"{entry}, changed since this tool wrote it"
    return None


def _entries(folder: Path) -> Iterator[str]:
    """Every entry below ``folder`` as a relative POSIX path; symlinks are not followed."""
    for root, folders, files in os.walk(folder):
        base = Path(root).relative_to(folder)
        for name in folders + files:
            yield (base / name).as_posix()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def changed_since_written(folder: Path, name: str) -> bool:
    """The file ``name`` of an output folder differs from what its MANIFEST lists (it was edited,
    or cut short, since this tool wrote it). False when there is no manifest (a folder of an earlier
    version) or it does not list the file: then nothing says what the file held."""
    try:
        listed = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))["files"]
        recorded = listed[name] if isinstance(listed, dict) else None
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return isinstance(recorded, str) and _sha256(Path(folder) / name) != recorded


def write_manifest(folder: Path) -> None:
    """Write MANIFEST into ``folder``: every file in it (relative path -> sha256), flushed to disk."""
    files = {}
    for entry in sorted(_entries(folder)):
        path = folder / entry
        if path.is_file() and not path.is_symlink() and entry != MANIFEST:
            files[entry] = _sha256(path)
    data = {"tool": "admissions", "files": files}
    (folder / MANIFEST).write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                   encoding="utf-8")


def _new_staging(out: Path, target: Path, shared: bool) -> tuple[Path, list[Path]]:
    """A new private temporary folder beside ``target`` (stale ones of killed runs removed first),
    and the missing parents of ``target`` made for it, outermost first: removed again
    (:func:`remove_made_folders`) when the command fails or is interrupted, as a refused command makes none.

    Missing parents of ``target`` are created 0700 (0755 when ``shared``) whatever the umask.
    """
    def staging() -> Path:
        remove_stale_staging(target)
        return Path(tempfile.mkdtemp(prefix=f"{_staging_prefix(target)}{os.getpid()}-", dir=target.parent))

    return _made_with(target.parent, shared, staging,
                      lambda exc: f"{out}: cannot create the output folder: {exc.strerror}")


def _made_with(folder: Path, shared: bool, make: Callable[[], Path],
               failure: Callable[[OSError], str]) -> tuple[Path, list[Path]]:
    """``make()`` (a temporary file or folder in ``folder``) after ``folder``'s missing parents are
    made (:func:`make_folders`), and those parents, outermost first. When either step fails or is
    interrupted (Ctrl-C too) the folders made for it go again (:func:`remove_made_folders`); an
    OSError is an OutputError of ``failure(exc)``."""
    try:
        made = make_folders(folder, shared)  # removes what it made itself when it fails
    except OSError as exc:
        raise OutputError(failure(exc)) from exc
    try:
        return make(), made
    except BaseException as exc:
        remove_made_folders(made)
        if isinstance(exc, OSError):
            raise OutputError(failure(exc)) from exc
        raise


@contextmanager
def output_folder(out: Path, inputs: Path | None = None, *, shared: bool | None = None) -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; on success it replaces ``out`` whole.

    The temporary folder is ``.OUT.tmp-PID-XXXX`` beside OUT, private (0700) from its creation.
    When the block succeeded, every file in it is made private (0600; with ``shared``, 0644 and
    folders 0755) and flushed to disk, and the folder takes the place of ``out`` in one atomic
    exchange (Linux ``renameat2``; elsewhere two renames, and a stop between them leaves no OUT).
    So a run that is interrupted (an exception, Ctrl-C, a kill, a full disk) leaves the previous
    complete ``out`` or none, never a mix of old and new files. On an exception the temporary
    folder is removed; an OSError (a full disk) becomes an OutputError. Temporary folders left by
    a killed run (their PID no longer running) are removed by the next run writing the same OUT.
    ``shared`` defaults to the output policy's (admissions.io.policy.output_policy).
    """
    shared = current_policy().shared if shared is None else shared
    out = Path(out)
    check_output_folder(out, inputs)
    target = out.resolve()
    staging, made = _new_staging(out, target, shared)
    try:
        try:
            yield staging
            write_manifest(staging)
            set_modes(staging, shared)
            _sync(staging)
            check_output_folder(out, inputs)  # again: something may have been put there meanwhile
            _replace(staging, target)
        except OSError as exc:
            where = exc.filename or out
            raise OutputError(
                f"{out}: cannot write the outputs ({where}: {exc.strerror or exc}); "
                "nothing was changed, the previous output (if any) is still there"
            ) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        remove_made_folders(made)
        raise


#: Files SQLite keeps beside a database (its journal): part of the database as much as the file itself.
DATABASE_COMPANIONS = ("-journal", "-wal", "-shm")


def same_file(a: Path, b: Path) -> bool:
    """Whether the paths ``a`` and ``b`` name one file as the file system finds it: where both exist, the
    same file (device and inode: a hard link, a name differing in case on macOS or Windows); else the
    same path as the system compares paths (``os.path.normcase``), or two names that differ only in
    case in one folder (on a file system that compares names without case, one would be the other)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        if os.path.normcase(str(a)) == os.path.normcase(str(b)):
            return True
        return (a.name.casefold() == b.name.casefold() and a.parent.exists() and b.parent.exists()
                and os.path.samefile(a.parent, b.parent))
    except OSError:
        return False


def check_output_file(path: Path, reads: Iterable[Path | None] = (), force: bool = False) -> None:
    """Refuse a single output file (``answers --out``, ``diff --csv``, ``validate --problems-csv``)
    that would replace something the user has; every command writing one calls this before any work.

    Refused, even with ``force``, what the command reads (``reads``): in a folder read as a round's
    input, every name its reader takes (:data:`admissions.io.contract.INPUT_FILE_NAMES`: a round
    file in any case as .csv, .xlsx or .parquet, admissions.toml, programme_types.toml), whether it
    is there or not (``inp/STUDENTS.csv`` beside students.csv broke the next read); a file (the
    season database: neither it nor its journal). Both where the file goes and, for a symlink,
    where it points are compared, as the file system finds files (:func:`same_file`). Refused too: a
    folder, and any other existing file (or symlink) unless ``force`` (a file of the input folder
    the reader does not take, such as problems.csv, too). An output folder is replaced only when its
    manifest says this tool wrote it, unchanged (:func:`check_output_folder`); a single file carries
    no manifest, so nothing tells a file this tool wrote from the user's own (an answers.csv of real
    answers has the same columns as a synthetic one): it is replaced only when asked, as ``generate``
    writes into a folder that is not empty only with ``force``. Raises OutputError naming the path.
    """
    from admissions.io.contract import INPUT_FILE_NAMES

    given = Path(path)
    if given.is_dir():
        raise OutputError("{path}: is a folder; nothing was changed. Give a file name", values={"path": given})
    located = given.parent.resolve() / given.name  # where the file goes: a symlink there is replaced
    places = (located, given.resolve())  # and, for a symlink, what it points to
    for read in reads:
        if read is None:
            continue
        source = Path(read).resolve()
        if source.is_dir():
            for place in places:
                what = INPUT_FILE_NAMES.get(place.name.lower())
                if what is not None and same_file(place.parent, source):
                    raise OutputError("{path}: is taken as {what} of the input folder {folder}, which is only read; "
                                      "nothing was changed. Give another file name",
                                      values={"path": given, "what": what, "folder": source})
            continue
        for companion in (source, *(source.with_name(source.name + end) for end in DATABASE_COMPANIONS)):
            if any(same_file(place, companion) for place in places):
                what = source.name if companion == source else f"the journal of {source.name}"
                raise OutputError("{path}: is {what} ({source}), which this command reads; nothing was changed. "
                                  "Give another file name", values={"path": given, "what": what, "source": source})
    if not force and (given.exists() or given.is_symlink()):
        raise OutputError("{path}: exists; nothing was changed. Give a new file name, or {force} to replace it",
                          parameters=("force",), values={"path": given})


@contextmanager
def output_file(path: Path, *, shared: bool | None = None, reads: Iterable[Path | None] = (),
                force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` for a single output file; on success it replaces ``path``.

    The same guarantees as :func:`output_folder` for one file (``--csv`` of diff, ``--problems-csv``
    of validate, ``--out`` of answers): the file is private (0600) unless ``shared`` (default: the
    output policy's), ``path`` is never half-written, it never replaces what the command reads
    (``reads``) and replaces an existing file only with ``force`` (:func:`check_output_file`,
    checked again when the file is in place, as something may have been put there meanwhile).

    A symlink at ``path`` (with ``force``) is replaced by the file itself: what it points to is never
    written. The temporary file is made in ``path``'s own folder, so the rename stays in one folder
    (made beside a link's target, it failed with 'Invalid cross-device link' when the target was on
    another file system, and a dangling link had the target's missing folders made).
    """
    shared = current_policy().shared if shared is None else shared
    path = Path(path)
    check_output_file(path, reads, force)
    folder = path.parent.resolve()

    def temporary_file() -> Path:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-{os.getpid()}-", dir=folder)
        os.close(handle)
        return Path(name)

    temporary, made = _made_with(folder, shared, temporary_file,
                                 lambda exc: f"{path}: cannot write: {exc.strerror or exc}")
    try:
        try:
            yield temporary
            os.chmod(temporary, SHARED_FILE if shared else PRIVATE_FILE)
            check_output_file(path, reads, force)
            os.replace(temporary, folder / path.name)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write ({exc.strerror or exc}); nothing was changed") from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        remove_made_folders(made)
        raise


@contextmanager
def output_files(out: Path, *, shared: bool | None = None) -> Iterator[Path]:
    """Yield a temporary folder beside ``out`` whose files are moved into ``out`` when the block succeeded.

    For a folder that may hold other files (``generate --force``): when ``out`` does not exist the
    temporary folder becomes it in one rename; otherwise each file replaces its namesake in
    ``out`` in one rename (a stop between two files leaves some files new, none half-written).
    Modes, clean-up and errors as :func:`output_folder`.
    """
    shared = current_policy().shared if shared is None else shared
    out = Path(out)
    target = out.resolve()
    if target.exists() and not target.is_dir():
        raise OutputError(f"{out}: exists and is not a folder")
    staging, made = _new_staging(out, target, shared)
    try:
        try:
            yield staging
            set_modes(staging, shared)
            _sync(staging)
            if not target.exists():
                os.rename(staging, target)
            else:
                for path in sorted(staging.iterdir()):
                    os.replace(path, target / path.name)
                staging.rmdir()
            _sync_folder(target.parent)
        except OSError as exc:
            where = exc.filename or out
            raise OutputError(f"{out}: cannot write the outputs ({where}: {exc.strerror or exc})") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        remove_made_folders(made)
        raise


def _staging_prefix(out: Path) -> str:
    return f".{out.name}.tmp-"


def remove_stale_staging(out: Path) -> list[Path]:
    """Remove the temporary folders of ``out`` left by runs that were killed; returns those removed.

    A folder ``.OUT.tmp-PID-XXXX`` or ``.OUT.old-PID-XXXX`` beside ``out`` is stale when no process
    PID is running (a folder of a run still writing is left alone).
    """
    import re

    out = Path(out)
    removed = []
    if not out.parent.is_dir():
        return removed
    pattern = re.compile(re.escape(f".{out.name}.") + r"(?:tmp|old)-(\d+)-")
    for candidate in out.parent.iterdir():
        found = pattern.match(candidate.name)
        if found is None or not candidate.is_dir() or process_running(int(found.group(1))):
            continue
        shutil.rmtree(candidate, ignore_errors=True)
        removed.append(candidate)
    return removed


def process_running(pid: int) -> bool:
    """Whether process ``pid`` still runs (another user's counts as running)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # somebody else's process
    except OverflowError:
        return False
    return True


def _sync(folder: Path) -> None:
    """Flush every file of ``folder`` to disk, so a power cut after the rename cannot leave empty files."""
    for root, _, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where that is not available."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    errno = ctypes.get_errno()
    if errno in (22, 38, 95):  # EINVAL, ENOSYS, EOPNOTSUPP: the file system cannot exchange
        return False
    raise OSError(errno, os.strerror(errno), str(b))


def _replace(staging: Path, out: Path) -> None:
    if out.exists() and _exchange(staging, out):
        # staging now holds the previous output.
        shutil.rmtree(staging, ignore_errors=True)
        _sync_folder(out.parent)
        return
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{os.getpid()}-", dir=out.parent))
    try:
        if old is not None:
            os.rename(out, old / out.name)
        os.rename(staging, out)
    except BaseException:
        # An error or Ctrl-C between the two renames: the previous output goes back to OUT (not left
        # in the hidden folder, as the message says nothing was changed), the new one back to staging.
        if old is not None:
            _put_back(staging, out, old)
        raise
    _sync_folder(out.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _put_back(staging: Path, out: Path, old: Path) -> None:
    """Undo whichever of :func:`_replace`'s two renames were done: OUT the previous output again, ``old`` removed."""
    if (old / out.name).exists():
        if not staging.exists() and out.exists():
            os.rename(out, staging)  # the new output was moved in already
        os.rename(old / out.name, out)
    old.rmdir()


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
