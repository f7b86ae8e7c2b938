"""Invitation tokens (邀请码): the "one service, one rating" way into the survey (一事一评).

Staff issue a batch of single-use tokens for one unit (a window's tickets, a hotline's
case numbers) and print them as a sheet of QR codes or send them by SMS. Each token is
``secrets.token_urlsafe(16)`` (128 random bits); the database keeps only its SHA-256
(:attr:`db.models.Invitation.token_hash`), so a leaked database cannot be turned back
into usable links, and the audit trail records the batch without the tokens.

A citizen's link carries the token; :func:`peek` checks it before the form is shown and
:func:`redeem` (or :func:`claim`, inside the transaction that stores the answer) spends
it. Spending is a conditional ``UPDATE ... WHERE used_at IS NULL`` whose row count
decides: of two concurrent redemptions of one token exactly one succeeds.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final, TypeVar

from sqlalchemy import CursorResult, case, func, select, update
from sqlalchemy.exc import OperationalError

from db import audit
from db.models import Campaign, CampaignStatus, CampaignUnit, Invitation, Unit
from db.uow import UnitOfWork
from services.campaigns import load_campaign
from services.clock import Clock, utcnow
from services.defects import check_label
from services.errors import NotFound, Refused
from services.permissions import CurrentUser, Permission, require

TOKEN_BYTES: Final = 16  # 128 bits of randomness; 22 URL-safe characters
KINDS: Final = frozenset({"ticket", "hotline", "sms"})
MAX_BATCH: Final = 2000
MAX_REFERENCE: Final = 100  # Invitation.reference is String(100)
ISSUE_STATUSES: Final = frozenset({CampaignStatus.draft, CampaignStatus.fieldwork})
LOCK_RETRIES: Final = 5

CJK_FONT_PATH: Final = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CJK_FONT_SC: Final = 2  # index of Noto Sans CJK SC in the collection


class InvitationError(Refused):
    """Base of the refusals of an invitation token."""


class UnknownInvitation(InvitationError, NotFound):
    """No invitation has this token (mistyped, forged or cut off)."""


class InvitationUsed(InvitationError):
    """The token was already spent: one service, one rating."""


class CampaignClosed(InvitationError):
    """The token's campaign is not in fieldwork (not yet open, or closed)."""


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    """A freshly issued token. ``token`` exists only here: print or send it, then drop it."""

    invitation_id: int
    token: str
    campaign_code: str
    unit_code: str
    unit_name: str
    kind: str
    reference: str


@dataclass(frozen=True, slots=True)
class InvitationInfo:
    """What a valid, unspent token opens: the campaign and the preselected unit."""

    invitation_id: int
    campaign_code: str
    unit_code: str
    unit_name: str
    kind: str
    reference: str


def hash_token(token: str) -> str:
    """The stored form of a token: hex SHA-256 of its UTF-8 text."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# Invitations open the light answering routes (ui/survey_routes.py): plain HTML served by
# the same process, about a tenth of the Streamlit page's CPU per answer, so one process holds
# many more people answering at once (bench/load_survey.py; README, "Serving many people").
# Links printed before (``/?t=``) still open the Streamlit survey page.
ANSWER_PATH: Final = "/a"


def survey_link(base_url: str, token: str) -> str:
    """The link printed in the QR code or sent by SMS: ``<base>/a?t=TOKEN``."""
    return f"{base_url.rstrip('/')}{ANSWER_PATH}?t={token}"


# ---------------------------------------------------------------- issuing


def _references(count: int, references: Sequence[str] | None) -> list[str]:
    if references is None:
        return [""] * count
    refs = [str(r).strip() for r in references]
    if len(refs) != count:
        raise Refused(f"{len(refs)} references given for {count} invitations; give one per invitation")
    too_long = [r for r in refs if len(r) > MAX_REFERENCE]
    if too_long:
        raise Refused(f"reference {too_long[0][:20]!r}... is longer than {MAX_REFERENCE} characters")
    for ref in refs:  # printed and written to the links CSV: never a formula
        check_label("reference", ref)
    return refs


def issue_batch(
    uow: UnitOfWork,
    user: CurrentUser | None,
    campaign_code: str,
    unit_code: str,
    count: int,
    kind: str = "ticket",
    references: Sequence[str] | None = None,
) -> list[IssuedInvitation]:
    """Issue ``count`` single-use tokens for one unit of a campaign in draft or fieldwork.

    ``references`` (one per token) are the ticket or hotline case numbers printed next to
    the codes; without them each invitation gets ``<unit>-<id>``. Admins only (the
    campaign-configuration permission). Audited as one entry, without the tokens.
    """
    actor = require(user, Permission.configure_campaign)
    if kind not in KINDS:
        raise Refused(f"unknown invitation kind {kind!r}; use one of {', '.join(sorted(KINDS))}")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_BATCH:
        raise Refused(f"a batch holds 1 to {MAX_BATCH} invitations, not {count!r}")
    refs = _references(count, references)
    with uow:
        uow.actor = actor.username
        session = uow.session
        campaign = load_campaign(uow, campaign_code, for_update=True)
        if CampaignStatus(campaign.status) not in ISSUE_STATUSES:
            raise Refused(
                f"campaign {campaign_code} is {CampaignStatus(campaign.status).value}: "
                "invitations can be issued only in draft or fieldwork"
            )
        row = session.execute(
            select(Unit.id, CampaignUnit.name)
            .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
            .where(Unit.code == unit_code, CampaignUnit.campaign_id == campaign.id)
        ).first()
        if row is None:
            raise NotFound(f"unit {unit_code!r} is not appraised in campaign {campaign_code}")
        unit_id, unit_name = row
        tokens: list[str] = []
        seen: set[str] = set()
        while len(tokens) < count:  # a repeat is astronomically unlikely; never store one
            token = secrets.token_urlsafe(TOKEN_BYTES)
            if token not in seen:
                seen.add(token)
                tokens.append(token)
        rows = [
            Invitation(
                campaign_id=campaign.id,
                unit_id=unit_id,
                token_hash=hash_token(token),
                kind=kind,
                reference=ref,
            )
            for token, ref in zip(tokens, refs, strict=True)
        ]
        session.add_all(rows)
        session.flush()
        for invitation in rows:
            if not invitation.reference:
                invitation.reference = f"{unit_code}-{invitation.id:06d}"
        ids = [invitation.id for invitation in rows]
        audit.record(
            uow,
            "invitation.issue_batch",
            "campaign_unit",
            f"{campaign_code}/{unit_code}",
            None,
            {"kind": kind, "count": count, "invitation_ids": ids},
        )
        uow.commit()
        return [
            IssuedInvitation(
                invitation_id=invitation.id,
                token=token,
                campaign_code=campaign_code,
                unit_code=unit_code,
                unit_name=unit_name,
                kind=kind,
                reference=invitation.reference,
            )
            for invitation, token in zip(rows, tokens, strict=True)
        ]


# ---------------------------------------------------------------- what the issuing page shows


@dataclass(frozen=True, slots=True)
class IssuableCampaign:
    """A campaign in draft or fieldwork, for which invitations can be issued."""

    code: str
    name: str
    year: int
    status: CampaignStatus


@dataclass(frozen=True, slots=True)
class UnitInvitations:
    """One unit of a campaign with the counts of its invitations (issued, and spent)."""

    unit_code: str
    unit_name: str
    category: str
    issued: int
    used: int

    @property
    def unused(self) -> int:
        return self.issued - self.used


def issuable_campaigns(uow: UnitOfWork, user: CurrentUser | None) -> list[IssuableCampaign]:
    """The campaigns in draft or fieldwork: fieldwork first, then the newest year."""
    require(user, Permission.configure_campaign)
    with uow:
        rows = uow.session.execute(
            select(Campaign.code, Campaign.name, Campaign.year, Campaign.status).where(
                Campaign.status.in_(sorted(ISSUE_STATUSES))
            )
        ).all()
    campaigns = [
        IssuableCampaign(code=code, name=name or code, year=year, status=CampaignStatus(status))
        for code, name, year, status in rows
    ]
    return sorted(campaigns, key=lambda c: (c.status != CampaignStatus.fieldwork, -c.year, c.code))


def invitation_summary(
    uow: UnitOfWork, user: CurrentUser | None, campaign_code: str
) -> list[UnitInvitations]:
    """Every unit of the campaign, in the campaign's unit order, with its invitation counts
    (units without invitations too, with zeros)."""
    require(user, Permission.configure_campaign)
    with uow:
        campaign = load_campaign(uow, campaign_code)
        counts = (
            select(
                Invitation.unit_id.label("unit_id"),
                func.count().label("issued"),
                func.sum(case((Invitation.used_at.is_not(None), 1), else_=0)).label("used"),
            )
            .where(Invitation.campaign_id == campaign.id)
            .group_by(Invitation.unit_id)
            .subquery()
        )
        rows = uow.session.execute(
            select(Unit.code, CampaignUnit.name, CampaignUnit.category, counts.c.issued, counts.c.used)
            .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
            .outerjoin(counts, counts.c.unit_id == Unit.id)
            .where(CampaignUnit.campaign_id == campaign.id)
            .order_by(CampaignUnit.position, Unit.code)
        ).all()
    return [
        UnitInvitations(
            unit_code=code, unit_name=name, category=category, issued=int(issued or 0), used=int(used or 0)
        )
        for code, name, category, issued, used in rows
    ]


def links_csv(
    issued: Sequence[IssuedInvitation], base_url: str, header: tuple[str, str] = ("reference", "link")
) -> bytes:
    """The links of a batch as CSV (reference, link), for sending by SMS.

    UTF-8 with a byte-order mark, so that Excel opens Chinese text correctly.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for invitation in issued:
        writer.writerow((invitation.reference, survey_link(base_url, invitation.token)))
    return buffer.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------- redeeming


def _find(uow: UnitOfWork, token: str) -> tuple[Invitation, Campaign]:
    if not isinstance(token, str) or not token.strip() or len(token) > 200:
        raise UnknownInvitation("this invitation code is not valid; check the link or ask for a new one")
    invitation = uow.session.execute(
        select(Invitation).where(Invitation.token_hash == hash_token(token.strip()))
    ).scalar()
    if invitation is None:
        raise UnknownInvitation("this invitation code is not valid; check the link or ask for a new one")
    campaign = uow.session.get(Campaign, invitation.campaign_id)
    assert campaign is not None  # foreign key
    status = CampaignStatus(campaign.status)
    if status != CampaignStatus.fieldwork:
        when = "has not opened yet" if status == CampaignStatus.draft else "is closed"
        raise CampaignClosed(f"the appraisal {campaign.name or campaign.code} {when}: no answers are taken")
    if invitation.used_at is not None:
        raise InvitationUsed("this invitation code has already been used; each service is rated once")
    return invitation, campaign


def _info(uow: UnitOfWork, invitation: Invitation, campaign: Campaign) -> InvitationInfo:
    unit_code, unit_name = uow.session.execute(
        select(Unit.code, CampaignUnit.name)
        .join(CampaignUnit, CampaignUnit.unit_id == Unit.id)
        .where(Unit.id == invitation.unit_id, CampaignUnit.campaign_id == campaign.id)
    ).one()
    return InvitationInfo(
        invitation_id=invitation.id,
        campaign_code=campaign.code,
        unit_code=unit_code,
        unit_name=unit_name,
        kind=invitation.kind,
        reference=invitation.reference,
    )


def peek(uow: UnitOfWork, token: str) -> InvitationInfo:
    """Check a token without spending it (to preselect the unit before the form is shown).

    Raises :class:`UnknownInvitation`, :class:`CampaignClosed` or :class:`InvitationUsed`.
    """
    with uow:
        invitation, campaign = _find(uow, token)
        return _info(uow, invitation, campaign)


def claim(uow: UnitOfWork, token: str, *, clock: Clock = utcnow) -> Invitation:
    """Spend ``token`` inside an already open unit of work, without committing.

    For the code that stores the answer sheet: claim the token and insert the response
    (with ``invitation_id``) in one transaction, so a failed submission leaves the token
    unspent. The conditional update makes a concurrent second claim fail with
    :class:`InvitationUsed` (on PostgreSQL it waits for the first one's transaction).
    """
    invitation, _campaign = _find(uow, token)
    now: datetime = clock()
    result = uow.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    if result.rowcount != 1:
        raise InvitationUsed("this invitation code has already been used; each service is rated once")
    uow.session.refresh(invitation)
    return invitation


_T = TypeVar("_T")


def _retry_locked(attempt_once: Callable[[], _T]) -> _T:
    for attempt in range(LOCK_RETRIES):
        try:
            return attempt_once()
        except OperationalError as exc:
            # SQLite: the write lock was not granted within the busy timeout; nothing was
            # written yet, so trying again is safe (as in services.responses).
            if "database is locked" not in str(exc.orig) or attempt == LOCK_RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def redeem(uow: UnitOfWork, token: str, *, clock: Clock = utcnow) -> Invitation:
    """Spend ``token`` in its own transaction and return its (now used) invitation.

    Raises :class:`UnknownInvitation`, :class:`CampaignClosed` or :class:`InvitationUsed`.
    """

    def once() -> Invitation:
        with uow:
            invitation = claim(uow, token, clock=clock)
            uow.commit()
            return invitation

    return _retry_locked(once)


# ---------------------------------------------------------------- printable sheet

PAGE_W, PAGE_H = 210.0, 297.0  # A4, millimetres
MARGIN = 12.0
COLUMNS, ROWS = 3, 4
QR_SIZE = 40.0
NAME_CHARS = 32  # two lines of Chinese at 9 pt in a 62 mm cell


def _qr_png(data: str) -> io.BytesIO:
    import segno  # imported here, like fpdf below: only the printable sheet needs them

    buffer = io.BytesIO()
    segno.make_qr(data, error="m").save(buffer, kind="png", scale=8, border=4)
    buffer.seek(0)
    return buffer


def _ascii(text: str) -> str:
    return text.encode("ascii", "replace").decode("ascii")


def qr_sheet_pdf(
    issued: Sequence[IssuedInvitation],
    base_url: str,
    title: str,
    *,
    font_path: Path | None = CJK_FONT_PATH,
) -> bytes:
    """A printable A4 PDF: a 3 x 4 grid of QR codes per page, each labelled with the
    unit's name and the invitation's reference, to cut apart and hand out.

    Uses Noto Sans CJK SC when ``font_path`` exists; otherwise a built-in font with
    ASCII-only labels (the unit code stands in for its Chinese name).
    """
    from fpdf import FPDF  # imported here: about a second, and only this download needs it

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(title)
    pdf.set_creator("civic appraisal")
    cjk = font_path is not None and Path(font_path).is_file()
    if cjk:
        pdf.add_font("NotoSansSC", fname=str(font_path), collection_font_number=CJK_FONT_SC)
        family = "NotoSansSC"

        def label(text: str) -> str:
            return text
    else:
        family = "Helvetica"
        label = _ascii
    per_page = COLUMNS * ROWS
    header = 12.0
    cell_w = (PAGE_W - 2 * MARGIN) / COLUMNS
    cell_h = (PAGE_H - 2 * MARGIN - header) / ROWS
    pages = max(1, -(-len(issued) // per_page))
    for page in range(pages):
        pdf.add_page()
        pdf.set_font(family, size=12)
        pdf.set_xy(MARGIN, MARGIN)
        pdf.cell(PAGE_W - 2 * MARGIN, 7, label(title), align="L")
        pdf.set_font(family, size=8)
        pdf.set_xy(MARGIN, MARGIN)
        pdf.cell(PAGE_W - 2 * MARGIN, 7, f"{page + 1}/{pages}", align="R")
        for slot, invitation in enumerate(issued[page * per_page : (page + 1) * per_page]):
            col, row = slot % COLUMNS, slot // COLUMNS
            x = MARGIN + col * cell_w
            y = MARGIN + header + row * cell_h
            pdf.set_draw_color(190)
            pdf.set_line_width(0.2)
            pdf.set_dash_pattern(dash=1.5, gap=1.5)
            pdf.rect(x, y, cell_w, cell_h)  # cutting guide
            pdf.set_dash_pattern()
            pdf.image(
                _qr_png(survey_link(base_url, invitation.token)),
                x + (cell_w - QR_SIZE) / 2,
                y + 2,
                QR_SIZE,
                QR_SIZE,
            )
            name = invitation.unit_name if cjk else invitation.unit_code
            if len(name) > NAME_CHARS:
                name = name[: NAME_CHARS - 1] + "…" if cjk else name[: NAME_CHARS - 3] + "..."
            pdf.set_font(family, size=9)
            pdf.set_xy(x + 2, y + QR_SIZE + 3)
            pdf.multi_cell(cell_w - 4, 4.5, label(name), align="C")
            pdf.set_font(family, size=8)
            pdf.set_xy(x + 2, y + cell_h - 10.5)
            scan = "扫码评价本次服务" if cjk else "Scan to rate this service"
            pdf.cell(cell_w - 4, 4, scan, align="C")
            pdf.set_xy(x + 2, y + cell_h - 6)
            pdf.cell(cell_w - 4, 4, label(f"No. {invitation.reference}"), align="C")
    return bytes(pdf.output())
