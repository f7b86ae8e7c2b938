"""The unit register and reorganisations for ``python -m db`` (see db/cli.py COMMAND_MODULES):

    python -m db units import FILE
    python -m db units export FILE [--format csv|xlsx] [--include-retired] [--zh]
    python -m db units add CODE --name N --category C [--district D] [--kind K] ...
    python -m db units edit CODE [--name N] [--head NAME --head-since DATE] ...
    python -m db units retire CODE --on DATE --reason TEXT
    python -m db units reinstate CODE --reason TEXT
    python -m db units list [TEXT] [--category C] [--district D] [--kind K] [--include-retired]
    python -m db reorganise rename CODE NEW_NAME --on DATE --reason TEXT
    python -m db reorganise merge PRED... --principal CODE --into CODE [--name N --category C ...]
        --on DATE --reason TEXT
    python -m db reorganise split CODE --part CODE[:NAME[:CATEGORY]] ... --on DATE --reason TEXT
    python -m db reorganise move CODE CATEGORY --on DATE --reason TEXT
    python -m db reorganise list [CODE]

A file with defects exits 2 and lists each on stderr with its file, line and column; a
refusal (unknown unit, retired unit, a date before the unit's last event...) exits 1.
The operator acts with an admin's rights, audited as ``cli`` (services.auth.CLI_OPERATOR).
Services are imported inside the functions, as db/cli.py does, so ``python -m db upgrade``
stays quick.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

UNIT_FIELDS = ("name", "category", "district", "kind", "department")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD") from None


def _unit_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    for name in UNIT_FIELDS:
        parser.add_argument(f"--{name}", required=required and name in ("name", "category"))
    parser.add_argument("--head", dest="head_name", help="the head (主要负责人)")
    parser.add_argument("--head-since", type=_date, metavar="DATE", help="the date the head took post")


def add_commands(sub: Any) -> None:
    """Add ``units`` and ``reorganise`` to ``python -m db``'s subparsers."""
    units = sub.add_parser(
        "units", help="the unit register (评议对象名录): import, export, add, edit, retire"
    )
    verbs = units.add_subparsers(dest="units_command", required=True)
    imp = verbs.add_parser("import", help="create and update units from a CSV or XLSX file, all or nothing")
    imp.add_argument("file", metavar="FILE")
    exp = verbs.add_parser("export", help="write the register (liaisons masked) to a CSV or XLSX file")
    exp.add_argument("file", metavar="FILE")
    exp.add_argument("--format", choices=["csv", "xlsx"], help="default: from the file's extension")
    exp.add_argument("--include-retired", action="store_true")
    exp.add_argument("--zh", action="store_true", help="Chinese column headers")
    add = verbs.add_parser("add", help="add a unit")
    add.add_argument("code")
    _unit_options(add, required=True)
    add.add_argument("--liaison-name", default="")
    add.add_argument("--liaison-phone", default="")
    edit = verbs.add_parser("edit", help="correct a unit, or record its new head with --head-since")
    edit.add_argument("code")
    _unit_options(edit, required=False)
    edit.add_argument("--liaison-name")
    edit.add_argument("--liaison-phone")
    retire = verbs.add_parser("retire", help="retire a unit by hand (撤销)")
    retire.add_argument("code")
    retire.add_argument("--on", type=_date, required=True, metavar="DATE")
    retire.add_argument("--reason", required=True)
    back = verbs.add_parser("reinstate", help="undo the retirement of a unit retired by hand")
    back.add_argument("code")
    back.add_argument("--reason", required=True)
    listing = verbs.add_parser("list", help="list the units (liaisons masked)")
    listing.add_argument("text", nargs="?", default="")
    for name in ("category", "district", "kind"):
        listing.add_argument(f"--{name}", default="")
    listing.add_argument("--include-retired", action="store_true")

    reorg = sub.add_parser("reorganise", help="reorganisations (机构改革): rename, merge, split, move, list")
    kinds = reorg.add_subparsers(dest="reorg_command", required=True)
    rename = kinds.add_parser("rename", help="the same unit under a new name")
    rename.add_argument("code")
    rename.add_argument("new_name")
    merge = kinds.add_parser("merge", help="several units into one (new with --name/--category, or existing)")
    merge.add_argument("predecessors", nargs="+", metavar="PRED")
    merge.add_argument("--principal", required=True, help="the predecessor whose past the merged unit takes")
    merge.add_argument("--into", required=True, metavar="CODE", help="the merged unit: existing, or new")
    _unit_options(merge, required=False)
    split = kinds.add_parser("split", help="one unit into several parts")
    split.add_argument("code")
    split.add_argument(
        "--part",
        action="append",
        required=True,
        metavar="CODE[:NAME[:CATEGORY]]",
        help="an existing unit (CODE) or a new one (CODE:NAME, category of the unit unless given)",
    )
    move = kinds.add_parser("move", help="the same unit in another category (序列)")
    move.add_argument("code")
    move.add_argument("category")
    for parser in (rename, merge, split, move):
        parser.add_argument(
            "--on", type=_date, required=True, metavar="DATE", help="effective date (生效日期)"
        )
        parser.add_argument("--reason", required=True)
    show = kinds.add_parser("list", help="the reorganisations, newest first")
    show.add_argument("code", nargs="?")


def run(args: argparse.Namespace) -> int | None:
    """Run ``units`` or ``reorganise``; None when ``args.command`` is another command."""
    if args.command not in ("units", "reorganise"):
        return None
    from services.errors import ServiceError
    from services.indicators import ImportRejected

    try:
        if args.command == "units":
            return _units(args)
        return _reorganise(args)
    except ImportRejected as exc:
        for defect in exc.defects:
            print(defect, file=sys.stderr)
        print(f"nothing was imported: {len(exc.defects)} defect(s)", file=sys.stderr)
        return 2
    except ServiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _context() -> tuple[Any, Any]:
    from db.uow import UnitOfWork
    from services.auth import CLI_OPERATOR

    return (lambda: UnitOfWork(actor="cli")), CLI_OPERATOR


def _given(args: argparse.Namespace, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}


def _units(args: argparse.Namespace) -> int:
    from services import units

    uow, me = _context()
    verb = args.units_command
    if verb == "import":
        path = Path(args.file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(f"{path}: cannot be read: {exc.strerror}", file=sys.stderr)
            return 2
        report = units.import_register(uow(), me, data, path.name)
        counts = f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged"
        print(f"{report.rows} rows: {counts}")
        return 0
    if verb == "export":
        path = Path(args.file)
        fmt = args.format or ("xlsx" if path.suffix.lower() == ".xlsx" else "csv")
        data = units.export_register(
            uow(), me, fmt, include_retired=args.include_retired, lang="zh" if args.zh else "en"
        )
        path.write_bytes(data)
        print(f"wrote {path} ({fmt}); liaison names and phones are masked")
        return 0
    if verb == "add":
        fields = ("code", *UNIT_FIELDS, "head_name", "head_since", "liaison_name", "liaison_phone")
        row = units.add_unit(uow(), me, **_given(args, fields))
        print(f"added {row.code} {row.name} ({row.category})")
        return 0
    if verb == "edit":
        changes = _given(args, (*UNIT_FIELDS, "head_name", "head_since", "liaison_name", "liaison_phone"))
        if not changes:
            print("error: nothing to change; give --name, --head ... ", file=sys.stderr)
            return 2
        row = units.edit_unit(uow(), me, args.code, **changes)
        print(f"changed {row.code}: {', '.join(sorted(changes))}")
        return 0
    if verb == "retire":
        row = units.retire_unit(uow(), me, args.code, args.on, args.reason)
        print(f"retired {row.code} on {row.retired_on}")
        return 0
    if verb == "reinstate":
        row = units.reinstate_unit(uow(), me, args.code, args.reason)
        print(f"reinstated {row.code}")
        return 0
    rows = units.search_units(
        uow(), me, args.text, args.category, args.district, args.kind, args.include_retired
    )
    for r in rows:
        state = "" if r.active else f"  retired {r.retired_on}" + (f" → {r.successor}" if r.successor else "")
        print(f"{r.code}\t{r.name}\t{r.category}\t{r.district}\t{r.head_name}\t{r.liaison_phone}{state}")
    print(f"{len(rows)} unit(s)")
    return 0


def _reorganise(args: argparse.Namespace) -> int:
    from services import reorganisations as reorg
    from services import units

    uow, me = _context()
    verb = args.reorg_command
    if verb == "list":
        for event in reorg.list_reorganisations(uow(), me, args.code):
            before = ", ".join(
                f"{u.code} {u.name}" + (" (principal)" if u.principal else "") for u in event.before
            )
            after = ", ".join(f"{u.code} {u.name}" for u in event.after)
            print(f"#{event.id} {event.effective_on} {event.kind.value}: {before} → {after} — {event.reason}")
        return 0
    if verb == "rename":
        result = reorg.rename(uow(), me, args.code, args.new_name, args.on, args.reason)
    elif verb == "move":
        result = reorg.move(uow(), me, args.code, args.category, args.on, args.reason)
    elif verb == "merge":
        into: Any = args.into
        new = _given(args, (*UNIT_FIELDS, "head_name", "head_since"))
        if new:  # --name/--category...: the merged unit is a new one
            into = reorg.NewUnit(code=args.into, **{"name": "", "category": "", **new})
        result = reorg.merge(uow(), me, args.predecessors, args.principal, into, args.on, args.reason)
    else:
        category = units.get_unit(uow(), me, args.code).category
        parts: list[Any] = []
        for spec in args.part:
            code, _, rest = spec.partition(":")
            if not rest:
                parts.append(code)
                continue
            name, _, own = rest.partition(":")
            parts.append(reorg.NewUnit(code=code, name=name, category=own or category))
        result = reorg.split(uow(), me, args.code, parts, args.on, args.reason)
    print(f"recorded {verb} #{result.id}")
    if result.created:
        print(f"created: {', '.join(result.created)}")
    if result.retired:
        print(f"retired: {', '.join(result.retired)}")
    if result.drafts_to_review:
        drafts = ", ".join(result.drafts_to_review)
        print(f"draft campaigns listing a retired unit (choose their units again): {drafts}")
    return 0
