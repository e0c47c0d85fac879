"""How much of a student's result is luck: the round matched under many lottery draws.

The library behind ``admissions lottery``. Each student's HMAC-SHA256 word under the seed is
computed once per run (:func:`admissions.matching.lottery_words`); draw ``d`` (0, 1, ...) numbers
the students by :func:`admissions.matching.draw_numbers`, the SplitMix64 finaliser of that word XOR
the word of the label ``"draw d"``, 53 bits (:mod:`admissions.matching.lottery` gives the
standard-library recipe), vectorised: about a millisecond per draw at 55,000 students where an
HMAC per student and draw cost 0.16 s. Any single draw is reproduced on its own by ``admissions
match`` on the input whose students.csv gives the draw's numbers as its lottery column. A lottery
column in students.csv is ignored for the draws (it is one fixed draw; this command asks what other
draws would give).

What depends on the lottery is rebuilt per draw, nothing else. The lottery only decides between
applications that tie on everything before it in the tie-break chain (tier, score and any keys
before ``lottery``) at the same (sub-)programme, so the order of the applications without the
lottery is sorted once (:func:`lottery_context`) and each draw re-sorts only inside those tie
groups, by the draw's lottery numbers. That gives exactly the priority matrix
:func:`admissions.matching.build_priority` builds with that lottery (tests/analysis/test_lottery.py
checks it), at a fraction of the cost of the full sort. The core's keys of the applications are their positions
in that order, so the market is not ranked again either (:func:`direct_prepared`, used once it is
verified to equal :func:`admissions.matching.prepare` on the round; otherwise each draw runs
``prepare``). Then the offers with quotas choose as in a single round.

Outputs: per student, the probability of each placement (share of the draws, long format: one
row per student and placement with a non-zero probability, unplaced as an empty programme_id);
per offer, the spread of the cut-off over the draws.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from admissions import __version__
from admissions.arguments import check_count, check_seed
from admissions.analysis.executors import TaskProgress, check_workers, executor_name, run_all
from admissions.analysis.market import CutoffLookup, cutoff_lookup, offer_cutoffs, placed_columns
from admissions.io.write import write_csv
from admissions.matching import (
    TIE_BREAK,
    PreparedMarket,
    TieBreakSources,
    draw_numbers,
    id_ranks,
    lottery_words,
    prepare,
    tie_break_arrays,
    tie_break_order_keys,
)
from admissions.job import start_job
from admissions.round import Progress, RoundResult, prepare_round
from admissions.rules.market import tie_break_sources
from admissions.rules.quota_game import match_quotas
from admissions.reports.language import Texts, check_chosen_language
from admissions.reports.lottery import programmes_table, students_table
from admissions.rules.quotas import Market
from admissions.wording import counted

MAX_DRAWS = 1_000_000
#: Draws per task: large enough that a task's result (counts per student) is worth sending.
DRAWS_PER_TASK = 50

LOTTERY_FILES = ("lottery_students.csv", "lottery_programmes.csv", "lottery.html", "run.json")


@dataclass(frozen=True, eq=False)
class LotteryContext:
    """The lottery-independent part of the round, built once and sent once to every worker.

    Applications are the market's non-padding entries in row-major order (A of them).
    ``base_order`` (A,) sorts them by sub-programme, then tier, score and the chain keys before the
    lottery; ``tied_at`` (T,) are the positions in it that lie in a tie group of two or more, and
    ``tied_group`` (T,) their group; ``rank_at`` (A,) the priority (rank form) of the application
    at each position. ``template`` is the round's own PreparedMarket when :func:`direct_prepared`
    was verified to equal :func:`admissions.matching.prepare` on this market, else None.
    """

    market: Market
    app_student: np.ndarray
    base_order: np.ndarray
    tied_at: np.ndarray
    tied_group: np.ndarray
    rank_at: np.ndarray
    lookup: CutoffLookup
    n_offers: int
    n_columns: int
    seed: int
    words: np.ndarray  # (n,) uint64 each student's HMAC word under the seed: each draw's numbers come from them
    sources: TieBreakSources | None = None  # the round's (with id_rank), for the table's lottery key (draw_places)
    template: PreparedMarket | None = None


def lottery_context(r: RoundResult, seed: int) -> LotteryContext:
    """Sort the round's applications once without the lottery and find the groups it decides."""
    market, sel = r.market, r.selection
    present = market.choices >= 0
    n = market.choices.shape[0]
    app_student = np.repeat(np.arange(n, dtype=np.int64), present.sum(axis=1))
    sub = market.choices[present].astype(np.int64)
    keys = [sub, market.tier[present], -market.score[present]]
    chain = tuple(r.config.tie_break)
    before_lottery = chain[: chain.index("lottery")] if "lottery" in chain else chain
    # The keys before the lottery exactly as build_priority builds and orients them (one table).
    sources = tie_break_sources(r.encoded, sel, market, r.lottery)
    keys += tie_break_order_keys(tie_break_arrays(sources, before_lottery), before_lottery, present, app_student)
    order = np.lexsort(keys[::-1])
    n_apps = len(order)
    same = np.ones(max(n_apps - 1, 0), dtype=bool)
    for key in keys:
        ordered = key[order]
        same &= ordered[1:] == ordered[:-1]
    # Group id per position; a position is tied when it equals a neighbour.
    group = np.concatenate(([0], np.cumsum(~same))) if n_apps else np.zeros(0, dtype=np.int64)
    tied = np.zeros(n_apps, dtype=bool)
    tied[:-1] |= same
    tied[1:] |= same
    counts = np.bincount(sub, minlength=len(market.seats))
    offset = np.concatenate(([0], np.cumsum(counts)))
    position = np.arange(n_apps, dtype=np.int64) - offset[sub[order]]
    rank_at = (counts[sub[order]] - 1 - position).astype(np.float64)
    tied_at = np.flatnonzero(tied)
    context = LotteryContext(
        market=market,
        app_student=app_student,
        base_order=order,
        tied_at=tied_at,
        tied_group=group[tied_at].astype(np.int64),
        rank_at=rank_at,
        lookup=cutoff_lookup(market, r.priority),
        n_offers=r.encoded.n_programmes,
        n_columns=int(r.encoded.choices.shape[1]),
        seed=seed,
        words=lottery_words(r.encoded.student_ids, seed),
        # The ids are put in order once; each draw orders only its numbers (ties by that order).
        sources=dataclasses.replace(sources, id_rank=id_ranks(r.encoded.student_ids)),
    )
    return _with_verified_template(context, r.prepared)


def draw_places(context: LotteryContext, draw: int) -> np.ndarray:
    """(n,) float64 what the priority compares in draw ``draw``: the tie-break table's lottery key
    built from the draw's numbers (:func:`admissions.matching.draw_numbers`), as ``match`` builds it
    from a lottery column holding them (a permutation of 1 .. n, n for the winner)."""
    numbers = draw_numbers(context.words, context.seed, draw)
    return TIE_BREAK["lottery"].build(dataclasses.replace(context.sources, lottery=numbers))


def lottery_rank(lottery: np.ndarray) -> np.ndarray:
    """(n,) int64 place of each student in the lottery, 0 for the highest number (who wins ties)."""
    n = len(lottery)
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(-lottery, kind="stable")] = np.arange(n, dtype=np.int64)
    return rank


def draw_order(context: LotteryContext, rank: np.ndarray) -> np.ndarray:
    """(A,) the applications in priority order when students win ties in ``rank`` order (n,), 0 first.

    By sub-programme, best first: the order without the lottery, re-sorted inside each tie group.
    """
    order = context.base_order
    if len(context.tied_at):
        order = order.copy()
        apps = order[context.tied_at]
        # Groups stay where they are (they are contiguous); inside one, the better rank first.
        key = context.tied_group * (len(rank) + 1) + rank[context.app_student[apps]]
        order[context.tied_at] = apps[np.argsort(key, kind="stable")]
    return order


def draw_priority(context: LotteryContext, lottery: np.ndarray) -> np.ndarray:
    """(n, w) priority of the market under ``lottery`` (n,), higher wins: equal to build_priority's."""
    return _priority(context, draw_order(context, lottery_rank(lottery)))


def _priority(context: LotteryContext, order: np.ndarray) -> np.ndarray:
    app_priority = np.empty(len(order), dtype=np.float64)
    app_priority[order] = context.rank_at
    market = context.market
    priority = np.full(market.choices.shape, -np.inf)
    priority[market.choices >= 0] = app_priority
    return priority


def direct_prepared(template: PreparedMarket, present: np.ndarray, order: np.ndarray) -> PreparedMarket:
    """``prepare(choices, priority)`` for the priority whose order is ``order``, without re-ranking.

    In a PreparedMarket only the key of each application depends on the priority (the programmes,
    offsets and counts do not), and the key is the application's position in the programme-major,
    best-first order: ``order`` itself. ``template`` is a PreparedMarket of the same choices.
    This leans on the core's layout (``key``: (n, k + 1), A at padding), so it is used only after
    :func:`_with_verified_template` found it equal to :func:`prepare` on the market at hand.
    """
    key_flat = np.empty(len(order), dtype=template.key.dtype)
    key_flat[order] = np.arange(len(order), dtype=template.key.dtype)
    key = template.key.copy()
    key[:, : present.shape[1]][present] = key_flat
    return dataclasses.replace(template, key=key)


def _same_prepared(a: PreparedMarket, b: PreparedMarket) -> bool:
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray) and x.dtype == y.dtype
                    and np.array_equal(x, y)):
                return False
        elif x != y:
            return False
    return True


def _with_verified_template(context: LotteryContext, template: PreparedMarket) -> LotteryContext:
    """The context with ``template`` set when direct_prepared equals prepare on one draw of it.

    The check guards against a change of the core's internal layout: then every draw simply runs
    :func:`prepare` (slower, same result).
    """
    n = context.market.choices.shape[0]
    present = context.market.choices >= 0
    order = draw_order(context, n - draw_places(context, 0).astype(np.int64))
    expected = prepare(context.market.choices, _priority(context, order))
    try:
        ok = _same_prepared(direct_prepared(template, present, order), expected)
    except (AttributeError, TypeError, ValueError, IndexError):
        ok = False
    return dataclasses.replace(context, template=template if ok else None)


@dataclass(frozen=True)
class DrawsResult:
    """The draws of one task: ``counts`` (n, k + 1) of each placement column (k = unplaced) and per
    draw (d, p) ``cutoff`` (NaN: not oversubscribed) and ``admitted``."""

    counts: np.ndarray
    cutoff: np.ndarray
    admitted: np.ndarray


def run_draws(context: LotteryContext, draws: tuple[int, int]) -> DrawsResult:
    """Match the round under draws ``start .. stop - 1``."""
    start, stop = draws
    market = context.market
    n = market.choices.shape[0]
    k1 = context.n_columns + 1
    counts = np.zeros(n * k1, dtype=np.int64)
    cutoffs = np.empty((stop - start, context.n_offers))
    admitted = np.empty((stop - start, context.n_offers), dtype=np.int64)
    rows = np.arange(n, dtype=np.int64) * k1
    present = market.choices >= 0
    for i, d in enumerate(range(start, stop)):
        # Places are a permutation of 1 .. n: the rank in the lottery (0 wins) is n - place.
        rank = n - draw_places(context, d).astype(np.int64)
        order = draw_order(context, rank)
        if context.template is not None:
            # The priority matrix only serves to prepare the market, which direct_prepared does.
            result = match_quotas(market, direct_prepared(context.template, present, order), market.seats)
        else:
            priority = _priority(context, order)
            result = match_quotas(market, prepare(market.choices, priority), market.seats)
        column = placed_columns(market, result.choice_index)
        counts += np.bincount(rows + np.where(column >= 0, column, context.n_columns), minlength=n * k1)
        cutoffs[i] = offer_cutoffs(market, context.lookup, result.cutoff, result.admitted, column, context.n_offers)
        admitted[i] = np.bincount(market.parent, weights=result.admitted, minlength=context.n_offers)
    dtype = np.uint16 if stop - start < 1 << 16 else np.int64
    return DrawsResult(counts.reshape(n, k1).astype(dtype), cutoffs, admitted)


@dataclass(frozen=True)
class LotteryResult:
    """All draws: ``counts`` (n, k + 1) int64 and per draw (D, p) ``cutoff`` and ``admitted``."""

    round: RoundResult
    draws: int
    seed: int
    counts: np.ndarray
    cutoff: np.ndarray
    admitted: np.ndarray
    executor: str
    timings: dict[str, float]
    direct: bool = False  # draws ranked by direct_prepared


def run_lottery_draws(
    r: RoundResult,
    draws: int,
    seed: int,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    task_progress: TaskProgress | None = None,
) -> LotteryResult:
    """Match the prepared round under ``draws`` lotteries drawn from ``seed``."""
    draws = check_count("draws", draws, high=MAX_DRAWS)
    seed = check_seed(seed)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    if progress is not None:
        progress("sort applications without the lottery")
    context = lottery_context(r, seed)
    timings["sort without lottery"] = round(time.perf_counter() - started, 4)
    tasks = [(start, min(start + DRAWS_PER_TASK, draws)) for start in range(0, draws, DRAWS_PER_TASK)]
    if progress is not None:
        progress(f"match {counted(draws, 'draw')} ({executor_name(workers, scheduler)})")
    started = time.perf_counter()
    parts = run_all(run_draws, context, tasks, workers=workers, scheduler=scheduler, progress=task_progress)
    timings["match draws"] = round(time.perf_counter() - started, 4)
    counts = np.zeros(parts[0].counts.shape, dtype=np.int64)
    for part in parts:
        counts += part.counts
    return LotteryResult(
        round=r,
        draws=draws,
        seed=seed,
        counts=counts,
        cutoff=np.concatenate([part.cutoff for part in parts]),
        admitted=np.concatenate([part.admitted for part in parts]),
        executor=executor_name(workers, scheduler),
        timings=timings,
        direct=context.template is not None,
    )


def _lottery_meta(r: RoundResult, record: dict, _: Texts) -> str:
    from admissions.reports.analysis_pages import lottery_meta

    folder = Path(r.data.folder).name if getattr(r.data, "folder", None) else "input"
    return lottery_meta(folder, record["draws"], record["seed"], __version__, _)


def run_lottery(
    folder: Path,
    out: Path | None,
    *,
    draws: int = 1000,
    seed: int = 0,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    task_progress: TaskProgress | None = None,
    language: str | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Match the round in ``folder`` under ``draws`` lotteries and write lottery_students.csv,
    lottery_programmes.csv, lottery.html (the page: admissions.reports.analysis_pages.lottery_html,
    in ``language``, default admissions.toml's, else Swedish) and run.json to ``out`` (nothing when
    ``out`` is None). Returns the programmes table and the record."""
    from admissions.analysis.whatif import page_texts

    job = start_job("lottery", folder, out)
    check_workers(workers)  # before the work, so a wrong option fails fast
    check_chosen_language(language)
    r = prepare_round(folder, seed=seed, progress=progress, language=language)
    _ = page_texts(r)
    result = run_lottery_draws(r, draws, seed, workers=workers, scheduler=scheduler, progress=progress,
                               task_progress=task_progress)
    programmes = programmes_table(result)
    k = r.encoded.choices.shape[1]
    certain = int((result.counts.max(axis=1) == draws).sum())
    record = job.record(
        r,
        seed=seed,
        draws=draws,
        draw_numbers=f"draw d (0-based): each student's number is the SplitMix64 finaliser of the first 64 bits"
                     f" of HMAC-SHA256 under seed {seed} of the student's id XOR those of the label 'draw d',"
                     " shifted right by 11 bits (admissions.matching.lottery)",
        lottery="drawn per draw; a lottery column in the input is ignored"
                + (" (the input has one)" if r.lottery_source == "input" else ""),
        executor=result.executor,
        language=_.language,
        ranking="keys from each draw's order (verified against prepare)" if result.direct else "prepare per draw",
        settings={"workers": workers, "scheduler": scheduler},
        counts={
            "students": r.encoded.n_students,
            "programmes": r.encoded.n_programmes,
            "students_certain": certain,
            "students_uncertain": r.encoded.n_students - certain,
            "students_sometimes_unplaced": int(((result.counts[:, k] > 0) & (result.counts[:, k] < draws)).sum()),
            "programmes_ever_oversubscribed": int((~np.isnan(result.cutoff)).any(axis=0).sum()),
            "programmes_cutoff_varies": int((programmes["cutoff_min"] < programmes["cutoff_max"]).fillna(False).sum()),
        },
        timings_s={**r.timings.steps, **result.timings},
        outputs=list(LOTTERY_FILES) if out is not None else [],
    )

    def files(staging: Path) -> None:
        write_csv(students_table(result), staging / "lottery_students.csv")
        write_csv(programmes, staging / "lottery_programmes.csv")
        (staging / "lottery.html").write_text(lottery_html(programmes, record, _lottery_meta(r, record, _), _),
                                              encoding="utf-8")

    from admissions.reports.analysis_pages import lottery_html

    return programmes, job.write(record, files, progress)
