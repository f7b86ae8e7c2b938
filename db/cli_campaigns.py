"""Campaign set-up commands of ``python -m db`` (see db/cli.py COMMAND_MODULES):
``campaign create|rollover|show|set|units|margins|open-fieldwork|return-to-draft``.

Each runs the designer's services (services/designer.py, services/design_rollover.py,
services/campaigns.py) as the command-line operator, audited. Bad input exits 2 with
every defect on stderr by file, line and column; a refusal exits 1 with its message.
Services are imported inside the functions, as db/cli.py does, so ``python -m db
upgrade`` stays quick."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ACTIONS = ("create", "rollover", "show", "set", "units", "margins", "open-fieldwork", "return-to-draft")


def add_commands(sub: Any) -> None:
    """Add ``campaign ...`` to ``python -m db``'s subparsers."""
    campaign = sub.add_parser(
        "campaign", help="design campaigns: create, next year, method, units, lifecycle"
    )
    actions = campaign.add_subparsers(dest="campaign_action", required=True)
    create = actions.add_parser("create", help="create a draft campaign, blank or as a copy of another")
    create.add_argument("code", metavar="CODE", help="the campaign's id ([campaign] id of its bundle)")
    create.add_argument("--series", required=True, help="the series code (created if new)")
    create.add_argument("--series-name", default="", help="the name of a new series")
    create.add_argument("--year", required=True, type=int)
    create.add_argument("--name", required=True)
    create.add_argument("--copy-from", metavar="CODE", help="copy method, groups, questionnaire and units")
    roll = actions.add_parser("rollover", help="next year in one step: a new campaign from the previous one")
    roll.add_argument("previous", metavar="PREVIOUS")
    roll.add_argument("--code", required=True)
    roll.add_argument("--year", required=True, type=int)
    roll.add_argument("--name", required=True)
    show = actions.add_parser("show", help="print the campaign's design as campaign.toml text")
    show.add_argument("code", metavar="CODE")
    apply = actions.add_parser(
        "set", help="apply a campaign.toml-style file of method settings and [platform]"
    )
    apply.add_argument("code", metavar="CODE")
    apply.add_argument("file", metavar="FILE.toml")
    units = actions.add_parser("units", help="choose the campaign's units from the register")
    units.add_argument("code", metavar="CODE")
    for flag in ("category", "district", "kind", "include", "exclude"):
        units.add_argument(f"--{flag}", nargs="+", default=[], metavar="VALUE")
    units.add_argument("--dry-run", action="store_true", help="show the counts, change nothing")
    margins = actions.add_parser(
        "margins", help="import raking margins (variable,category,share; CSV or XLSX)"
    )
    margins.add_argument("code", metavar="CODE")
    margins.add_argument("file", metavar="FILE.csv")
    opening = actions.add_parser("open-fieldwork", help="draft → fieldwork (locks the method)")
    opening.add_argument("code", metavar="CODE")
    back = actions.add_parser("return-to-draft", help="back to draft to change the method (reason recorded)")
    back.add_argument("code", metavar="CODE")
    back.add_argument("--reason", required=True)


def run(args: argparse.Namespace) -> int | None:
    """Run ``campaign ...``; None when ``args.command`` is another area's."""
    if args.command != "campaign":
        return None
    from scoring.errors import BundleError
    from services.design_method import DesignRefused
    from services.errors import ServiceError
    from services.indicators import ImportRejected

    try:
        return _COMMANDS[args.campaign_action](args)
    except DesignRefused as exc:
        print(f"{len(exc.defects)} defect(s); nothing was changed.", file=sys.stderr)
        print(BundleError(exc.defects).render(max_per_problem=0), file=sys.stderr)
        return 2
    except ImportRejected as exc:
        print(f"{len(exc.defects)} defect(s); nothing was imported.", file=sys.stderr)
        for defect in exc.defects:
            print(str(defect), file=sys.stderr)
        return 2
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _uow() -> Any:
    from db.uow import UnitOfWork

    return UnitOfWork(actor="cli")


def _operator() -> Any:
    from services.auth import CLI_OPERATOR

    return CLI_OPERATOR


def _create(args: argparse.Namespace) -> int:
    from services import designer

    campaign = designer.create_campaign(
        _uow(),
        _operator(),
        series_code=args.series,
        series_name=args.series_name,
        code=args.code,
        name=args.name,
        year=args.year,
        copy_from=args.copy_from,
    )
    made = f"a copy of {args.copy_from}" if args.copy_from else "blank"
    print(f"created draft campaign {campaign.code} ({args.year}, series {args.series}), {made}")
    return 0


def _rollover(args: argparse.Namespace) -> int:
    from services.design_rollover import new_campaign_from

    result = new_campaign_from(
        _uow(), _operator(), args.previous, code=args.code, name=args.name, year=args.year
    )
    print(f"created draft campaign {result.code} from {args.previous} with {len(result.units)} unit(s)")
    for before, after in result.mapped:
        if after != (before,):
            print(f"  {before} → {', '.join(after)}")
    print("still to do:")
    for number, todo in enumerate(result.todo, start=1):
        print(f"  {number}. {todo.english}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from services import designer

    sys.stdout.write(designer.describe(_uow(), _operator(), args.code))
    return 0


def _read(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        print(f"error: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return None


def _set(args: argparse.Namespace) -> int:
    from scoring.csvfile import decode_bundle_bytes
    from services import designer

    raw = _read(args.file)
    if raw is None:
        return 2
    try:
        text = decode_bundle_bytes(raw)[0].decode("utf-8")
    except (UnicodeDecodeError, ValueError):
        print(f"{args.file}: the file is neither UTF-8 nor GBK/GB18030 text", file=sys.stderr)
        return 2
    design = designer.apply_toml(_uow(), _operator(), args.code, text)
    print(f"campaign {args.code}: method and settings set ({len(design.groups)} respondent group(s))")
    return 0


def _units(args: argparse.Namespace) -> int:
    from services import designer

    call = designer.preview_units if args.dry_run else designer.choose_units
    selection = call(
        _uow(),
        _operator(),
        args.code,
        categories=args.category,
        districts=args.district,
        kinds=args.kind,
        include=args.include,
        exclude=args.exclude,
    )
    verb = "would take" if args.dry_run else "takes"
    print(f"campaign {args.code} {verb} {len(selection.units)} unit(s)")
    for title, counts in (
        ("category", selection.by_category),
        ("district", selection.by_district),
        ("kind", selection.by_kind),
    ):
        shown = ", ".join(f"{k or '-'}: {n}" for k, n in counts.items())
        print(f"  by {title}: {shown}")
    return 0


def _margins(args: argparse.Namespace) -> int:
    from services import designer

    raw = _read(args.file)
    if raw is None:
        return 2
    design = designer.import_margins(_uow(), _operator(), args.code, Path(args.file).name, raw)
    tables = design.margin_tables()
    print(f"campaign {args.code}: margins of {', '.join(tables) or 'no variable'} set")
    return 0


def _open(args: argparse.Namespace) -> int:
    from services import campaigns

    status = campaigns.open_fieldwork(_uow(), _operator(), args.code)
    print(f"campaign {args.code} is now {status.value}")
    return 0


def _back(args: argparse.Namespace) -> int:
    from services import campaigns

    status = campaigns.return_to_draft(_uow(), _operator(), args.code, args.reason)
    print(f"campaign {args.code} is now {status.value}")
    return 0


_COMMANDS = {
    "create": _create,
    "rollover": _rollover,
    "show": _show,
    "set": _set,
    "units": _units,
    "margins": _margins,
    "open-fieldwork": _open,
    "return-to-draft": _back,
}
