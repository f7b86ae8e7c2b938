"""The offline scorer: ``python -m scoring score BUNDLE_DIR --out RESULTS_DIR``.

Anyone holding a published bundle can recompute its results with this command;
the platform runs the same engine functions.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from scoring.bundle import load_bundle
from scoring.csvfile import MAX_LINE_BYTES
from scoring.engine import score_campaign
from scoring.errors import BundleError
from scoring.output import write_results
from scoring.params import MAX_REPLICATES, METHOD_VERSION, YEAR_RANGE, replicates_problem
from scoring.resample import preload_kernel

EXIT_OK = 0
EXIT_BAD_INPUT = 2

DESCRIPTION = f"""\
Score a ten-best / ten-worst appraisal (十佳十差评议) from its bundle, with
methodology version {METHOD_VERSION}: survey, phone and big-data components, adjustments,
eligibility, ranking within groups, lists, grades, red/yellow cards (红黄牌),
the two-years-running rule and bootstrap uncertainty.

A bundle is a folder of CSV files and campaign.toml (see bundle.md). Files may be
UTF-8 (with or without BOM) or GBK/GB18030. Every defect is reported with its
file, line and column, and the exit status is then 2; nothing is written.

Also refused: a file that is a symbolic link or not a regular file; a line longer
than {MAX_LINE_BYTES:,} bytes; text that is not plausibly Chinese when read as GBK (Shift-JIS,
Big5: save such files as UTF-8); old Mac OS (CR-only) line endings; NUL characters;
names, labels and ids beginning with =, +, -, @, a tab or a carriage return (a
spreadsheet would run them as formulas); ids with spaces around them; unit or
indicator ids that differ only by case, width or spaces; years outside {YEAR_RANGE[0]}..{YEAR_RANGE[-1]};
more than {MAX_REPLICATES:,} bootstrap replicates.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scoring",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{score,validate}")
    score = sub.add_parser(
        "score",
        help="score a bundle and write results.csv, fieldwork.csv and summary.json",
        description="Score BUNDLE_DIR and write results.csv, fieldwork.csv and summary.json into "
        "RESULTS_DIR (created if needed; the three files are replaced whole, or not at all).",
    )
    score.add_argument("bundle", metavar="BUNDLE_DIR", type=Path, help="the campaign bundle folder")
    score.add_argument(
        "--out", metavar="RESULTS_DIR", type=Path, required=True, help="where to write results"
    )
    score.add_argument(
        "--replicates",
        metavar="N",
        type=int,
        help="bootstrap replicates, overriding [uncertainty] replicates (0 = no uncertainty columns; "
        f"at most {MAX_REPLICATES:,})",
    )
    score.add_argument(
        "--threads", metavar="T", type=int, help="threads for the bootstrap (results do not depend on it)"
    )
    score.add_argument(
        "--max-errors",
        metavar="K",
        type=int,
        default=20,
        help="lines shown per kind of defect (default 20; 0 shows every one)",
    )
    validate = sub.add_parser(
        "validate",
        help="check a bundle without scoring it",
        description="Check BUNDLE_DIR against bundle.md and report every defect; "
        "exit 0 when it can be scored.",
    )
    validate.add_argument("bundle", metavar="BUNDLE_DIR", type=Path, help="the campaign bundle folder")
    validate.add_argument(
        "--max-errors", metavar="K", type=int, default=20, help="lines shown per kind of defect"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    replicates = getattr(args, "replicates", None)
    problem = None if replicates is None else replicates_problem(replicates)
    if problem is not None:
        print(f"error: --replicates {args.replicates} {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    started = time.perf_counter()
    if args.command == "score" and (replicates is None or replicates > 0):
        # The bootstrap will (most likely: campaign.toml may still say 0) draw: load numba
        # while the bundle is read. Never with --replicates 0, which must not load numba.
        preload_kernel()
    try:
        bundle = load_bundle(args.bundle)
    except BundleError as exc:
        print(f"{args.bundle}: {len(exc.defects)} defect(s); nothing was scored.", file=sys.stderr)
        print(exc.render(max_per_problem=max(args.max_errors, 0)), file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.command == "validate":
        inp = bundle.inputs
        print(
            f"{args.bundle}: valid bundle for campaign {bundle.info.id} ({bundle.info.year}): "
            f"{inp.n_units} units, {inp.response_unit.size} survey responses, "
            f"{inp.case_unit.size} phone cases"
        )
        return EXIT_OK
    params = bundle.params
    if args.replicates is not None:
        params = dataclasses.replace(params, replicates=args.replicates)
    result = score_campaign(bundle.inputs, params, year=bundle.info.year, threads=args.threads)
    write_results(result, bundle.info, bundle.file_sha256, args.out)
    ranked = int((result.standing.rank > 0).sum())
    print(
        f"scored campaign {bundle.info.id}: {bundle.inputs.n_units} units, {ranked} ranked in "
        f"{len(result.groups.names)} group(s), {params.replicates} replicates, "
        f"{time.perf_counter() - started:.1f} s; results in {args.out}"
    )
    return EXIT_OK
