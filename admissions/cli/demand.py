"""`admissions demand`: estimate the demand model (rank-ordered logit) from the round's ranked lists."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from admissions.cli._options import FolderArgument, QuietOption, SharedOutputOption, output_options
from admissions.cli._output import failures_reported
from admissions.cli._summary import counted, data_console, percent, progress_printer
from admissions.io.contract import SEED_LIMIT

#: Parameters printed on the terminal besides the offers' attractiveness (parameters.csv has all).
SHOWN = ("distance_per_km", "home_municipality")


def demand(
    folder: FolderArgument,
    out: Annotated[Path, typer.Option("--out", help="MODEL_DIR to write; replaced whole when the run succeeds.")],
    holdout: Annotated[float, typer.Option("--holdout", help="Share of students held out of the estimation to measure the fit (0 to 0.9).")] = 0.2,
    seed: Annotated[int, typer.Option("--seed", min=0, max=SEED_LIMIT - 1, help="Seed of the held-out sample and of the simulated lists.")] = 0,
    quiet: QuietOption = False,
    shared_output: SharedOutputOption = False,
) -> None:
    """Estimate a demand model from the students' ranked lists, and measure how well it fits.

    A rank-ordered (exploded) logit: each offer's attractiveness, the distance from the student
    to the school (coordinates where students.csv or programmes.csv have latitude and longitude,
    else the municipality's centre), the offer being in the student's home municipality, and the
    merit value per programme code; by maximum likelihood (scipy) on all but --holdout of the
    students. The held-out students measure the fit against a popularity-only baseline:
    log-likelihood per student, share of first choices predicted, and applicants per offer
    observed against predicted; the offers, programmes and municipalities where it fits badly are
    named. Writes MODEL_DIR/parameters.csv (parameter, estimate, std_error), fit.json,
    demand_fit.csv (per offer), offers.csv and model.json (what whatif --model needs) and
    run.json. No student-level data is written.

    Example: admissions demand data/samples/skane-2000 --out model
    """
    from admissions.analysis.demand import run_demand

    console = Console(stderr=True, highlight=False)
    with failures_reported(folder), output_options(False, None, shared_output):
        result = run_demand(folder, out, holdout=holdout, seed=seed,
                            progress=None if quiet else progress_printer(console))
    if quiet:
        return
    fit = result.fit
    params = result.parameters.set_index("parameter")
    table = Table(title=f"Demand model written to {out}", title_justify="left")
    table.add_column("")
    table.add_column("model", justify="right")
    table.add_column("popularity only", justify="right")
    if fit["holdout_loglik_per_student"] is not None:
        table.add_row("held-out log-likelihood per student", f"{fit['holdout_loglik_per_student']:.3f}",
                      f"{fit['baseline_loglik_per_student']:.3f}")
        table.add_row("held-out first choice predicted", percent(fit['holdout_first_choice_share']),
                      percent(fit['baseline_first_choice_share']))
        table.add_row("applicants per offer, absolute error", percent(fit['holdout_applicants_abs_error_share']),
                      percent(fit['baseline_applicants_abs_error_share']))
    for name in SHOWN:
        table.add_row(name, f"{params.loc[name, 'estimate']:.4f} ± {params.loc[name, 'std_error']:.4f}", "")
    out_console = data_console()
    out_console.print(table)
    bad = fit.get("fits_badly", {})
    if bad.get("offers_count"):
        names = ", ".join(o["programme_id"] for o in bad["offers"][:8]) + (", ..." if bad["offers_count"] > 8 else "")
        out_console.print(f"Fits badly at {counted(bad['offers_count'], 'offer')} ({bad['rule']}): {names}",
                          markup=False)
    for key, label in (("programme_codes", "programme codes"), ("municipalities", "municipalities")):
        if bad.get(key):
            names = ", ".join(str(next(iter(g.values()))) for g in bad[key][:8])
            out_console.print(f"Fits badly for {label}: {names}", markup=False)
    if not fit["converged"]:
        out_console.print(f"Warning: the optimiser did not converge ({fit['optimizer_message']})", markup=False)
    if fit["parameters_undetermined"]:
        out_console.print(
            f"Warning: the estimation sample leaves {counted(fit['parameters_undetermined'], 'parameter')} of the "
            f"model's {fit['parameters_free']:,} undetermined, so their standard errors mean nothing: it takes more "
            "students' lists", markup=False)
