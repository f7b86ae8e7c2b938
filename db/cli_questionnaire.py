"""Questionnaire commands of ``python -m db`` (问卷设计; see db/cli.py COMMAND_MODULES).

    python -m db questionnaire export CAMPAIGN DIR    # items.csv and scales.csv (bundle format)
    python -m db questionnaire import CAMPAIGN DIR    # replace a draft's questionnaire, all or nothing
    python -m db questionnaire show CAMPAIGN [--unit CODE --group CODE]

An import refused for its content exits 2 with each defect (file, line, column) on
stderr, as ``python -m scoring validate`` reports a bundle; a refusal of the campaign's
state (not a draft, unknown campaign) exits 1.

Services are imported inside the functions, as db/cli.py does, so ``python -m db upgrade``
stays quick."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_commands(sub: Any) -> None:
    """Add ``questionnaire export|import|show`` to ``python -m db``'s subparsers."""
    parser = sub.add_parser("questionnaire", help="export, import or show a campaign's questionnaire (问卷)")
    commands = parser.add_subparsers(dest="questionnaire_command", required=True)
    export = commands.add_parser("export", help="write items.csv and scales.csv (bundle format) into DIR")
    export.add_argument("campaign", metavar="CAMPAIGN")
    export.add_argument("out", metavar="DIR", help="a folder without items.csv or scales.csv")
    imp = commands.add_parser(
        "import", help="replace a draft campaign's questionnaire by DIR's items.csv and scales.csv"
    )
    imp.add_argument("campaign", metavar="CAMPAIGN")
    imp.add_argument("folder", metavar="DIR")
    show = commands.add_parser("show", help="the questions a respondent gets (by unit and group)")
    show.add_argument("campaign", metavar="CAMPAIGN")
    show.add_argument("--unit", metavar="CODE", help="a unit of the campaign (its category's item set)")
    show.add_argument("--group", metavar="CODE", help="a respondent group (its item set)")
    show.add_argument("--lang", choices=["zh", "en"], default="zh")


def run(args: argparse.Namespace) -> int | None:
    """Run a ``questionnaire`` command; None when ``args.command`` is another area's."""
    if args.command != "questionnaire":
        return None
    from db.uow import UnitOfWork
    from services import questionnaire_design as design
    from services.auth import CLI_OPERATOR
    from services.errors import ServiceError
    from services.questionnaire_files import QuestionnaireRejected, read_dir, write_dir

    def uow() -> UnitOfWork:
        return UnitOfWork(actor="cli")

    try:
        if args.questionnaire_command == "export":
            files = design.export_questionnaire(uow(), CLI_OPERATOR, args.campaign)
            written = write_dir(files, args.out)
            print(f"exported the questionnaire of {args.campaign}: {', '.join(str(p) for p in written)}")
            return 0
        if args.questionnaire_command == "import":
            changes = design.import_questionnaire(uow(), CLI_OPERATOR, args.campaign, read_dir(args.folder))
            print(f"imported the questionnaire of {args.campaign} from {args.folder}: {changes} change(s)")
            return 0
        return _show(uow, args)
    except QuestionnaireRejected as exc:
        print(f"{args.campaign}: {len(exc.defects)} defect(s); nothing was changed.", file=sys.stderr)
        for defect in exc.defects:
            print(str(defect), file=sys.stderr)
        return 2
    except (ServiceError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _show(uow: Any, args: argparse.Namespace) -> int:
    """Print the questions of one item set, or the overview of every set."""
    from services import questionnaire_design as design
    from services.auth import CLI_OPERATOR

    if bool(args.unit) != bool(args.group):
        print("error: give both --unit and --group, or neither", file=sys.stderr)
        return 2
    if args.unit:
        seen = design.preview(uow(), CLI_OPERATOR, args.campaign, args.unit, args.group, args.lang)
        print(f"{seen.unit.name} ({seen.unit.code}, {seen.unit.category}) · {seen.group.label(args.lang)}")
        for question in seen.questions:
            options = " / ".join(f"{label} [{code}]" for code, label in question.options)
            print(f"{question.number}. [{question.code}] {question.text}\n   {options}")
        return 0
    overview = design.questionnaire_overview(uow(), CLI_OPERATOR, args.campaign)
    for item_set in overview.sets:
        print(
            f"{item_set.category} × {item_set.group}: survey {', '.join(item_set.survey) or '-'}; "
            f"phone {', '.join(item_set.phone) or '-'}"
        )
    for notice in overview.notices:
        print(f"warning: {notice.english}")
    return 0
