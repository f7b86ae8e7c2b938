"""The campaign designer (services/designer.py, services/design_method.py): creating a
campaign, setting its method, choosing its units, importing margins, and the lifecycle
steps it adds (opening fieldwork needs dates and a method; returning to draft needs a
reason). Every refusal, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from db.models import (
    AuditEntry,
    Campaign,
    CampaignStatus,
    CampaignUnit,
    Item,
    RespondentGroup,
    Role,
    Unit,
)
from scoring.errors import Defect
from scoring.params import CampaignInfo, parse_campaign_toml
from services import campaigns, designer
from services.design_method import (
    CampaignDesign,
    DesignRefused,
    GradeBand,
    GroupSetting,
    MarginShare,
    design_from_toml,
    design_to_toml,
    field_of,
    validate,
    worded,
)
from services.errors import NotFound, Refused
from services.indicators import ImportRejected
from services.permissions import CurrentUser, PermissionDenied
from tests.db.kit import MakeUow, add_register_unit, add_user, campaign_status, seed_campaign, set_status
from ui.messages import t

S = CampaignStatus
DATES = {"fieldwork_opens": date(2026, 5, 1), "fieldwork_closes": date(2026, 6, 30)}


@pytest.fixture
def admin(make_uow: MakeUow) -> CurrentUser:
    return add_user(make_uow, "admin1", Role.admin)


def create(make_uow: MakeUow, admin: CurrentUser, code: str = "lj-2026", **kw: object) -> Campaign:
    args: dict[str, object] = {
        "series_code": "lj",
        "series_name": "临江市",
        "name": "2026年度评议",
        "year": 2026,
    }
    args.update(kw)
    return designer.create_campaign(make_uow(), admin, code=code, **args)  # type: ignore[arg-type]


def stored(make_uow: MakeUow, code: str) -> Campaign:
    with make_uow() as uow:
        campaign = uow.session.execute(select(Campaign).where(Campaign.code == code)).scalar_one()
        uow.session.expunge(campaign)
        return campaign


def audits(make_uow: MakeUow, action: str) -> list[AuditEntry]:
    with make_uow() as uow:
        rows = list(uow.session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars())
        for row in rows:
            uow.session.expunge(row)
        return rows


def keys(exc: DesignRefused) -> set[str]:
    return {d.column or "" for d in exc.defects}


# ---------------------------------------------------------------- create


def test_a_blank_campaign_has_the_default_method_and_the_two_groups(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    create(make_uow, admin)

    campaign = stored(make_uow, "lj-2026")
    info, params, defects = parse_campaign_toml(campaign.method_toml)
    assert defects == []
    assert info == CampaignInfo("lj-2026", 2026, "2026年度评议", "lj")
    assert dict(params.group_weights) == {"citizen": 0.5, "service_recipient": 0.5}
    assert S(campaign.status) == S.draft
    with make_uow() as uow:
        groups = uow.session.execute(select(RespondentGroup.code, RespondentGroup.label_zh)).all()
    assert sorted(groups) == [("citizen", "群众"), ("service_recipient", "服务对象")]
    [entry] = audits(make_uow, "campaign.create")
    assert entry.actor == "admin1" and entry.after["series"] == "lj" and entry.before is None


@pytest.mark.parametrize(
    ("kw", "key"),
    [
        ({"code": " lj-2026"}, "campaign.id"),
        ({"code": ""}, "campaign.id"),
        ({"name": "=HYPERLINK(1)"}, "campaign.name"),
        ({"name": ""}, "campaign.name"),
        ({"year": 1999}, "campaign.year"),
        ({"year": 2101}, "campaign.year"),
        ({"series_code": "lj "}, "campaign.series"),
        ({"code": "x" * 65}, "campaign.id"),
    ],
)
def test_a_campaign_with_a_bad_code_name_series_or_year_is_refused_naming_the_key(
    make_uow: MakeUow, admin: CurrentUser, kw: dict[str, object], key: str
) -> None:
    kw = dict(kw)  # the parameter is shared by both databases' runs
    code = str(kw.pop("code", "lj-2026"))
    with pytest.raises(DesignRefused) as refused:
        create(make_uow, admin, code, **kw)

    assert key in keys(refused.value)
    with make_uow() as uow:
        assert uow.session.execute(select(Campaign)).first() is None


def test_a_code_differing_only_by_case_or_width_is_taken(make_uow: MakeUow, admin: CurrentUser) -> None:
    create(make_uow, admin, "lj-2026")

    with pytest.raises(DesignRefused, match="is taken"):
        create(make_uow, admin, "ＬＪ-2026")


def test_only_admins_create_campaigns(make_uow: MakeUow) -> None:
    supervisor = add_user(make_uow, "sup", Role.supervisor)

    with pytest.raises(PermissionDenied):
        create(make_uow, supervisor)


def test_a_copy_takes_method_groups_questionnaire_and_units_but_not_dates(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    seed_campaign(make_uow, "c1")
    with make_uow() as uow:
        item = uow.session.execute(select(Item).where(Item.code == "q2")).scalar_one()
        item.unit_categories, item.respondent_groups = ["站所"], ["client"]
        uow.commit()
    design = replace(
        designer.load_design(make_uow(), admin, "c1"),
        groups=(GroupSetting("public", "群众", "Public", 0.7), GroupSetting("client", "服务对象", "", 0.3)),
        **DATES,
    )
    designer.update_design(make_uow(), admin, "c1", design)

    create(make_uow, admin, "c2", copy_from="c1")

    copy = designer.load_design(make_uow(), admin, "c2")
    assert copy == replace(design, fieldwork_opens=None, fieldwork_closes=None)
    with make_uow() as uow:
        c2 = uow.session.execute(select(Campaign.id).where(Campaign.code == "c2")).scalar_one()
        items = uow.session.execute(
            select(Item.code, Item.unit_categories, Item.respondent_groups).where(Item.campaign_id == c2)
        ).all()
        units = uow.session.execute(
            select(Unit.code)
            .join(CampaignUnit)
            .where(CampaignUnit.campaign_id == c2)
            .order_by(CampaignUnit.position)
        ).scalars()
        assert sorted(items) == [("q1", [], []), ("q2", ["站所"], ["client"])]
        assert list(units) == ["u1", "u2", "u3"]


def test_copying_an_unknown_campaign_is_reported(make_uow: MakeUow, admin: CurrentUser) -> None:
    with pytest.raises(NotFound):
        create(make_uow, admin, copy_from="nope")


# ---------------------------------------------------------------- the method


def test_weights_that_do_not_add_up_are_refused_naming_the_components_field(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    create(make_uow, admin)
    before = stored(make_uow, "lj-2026").method_toml
    design = replace(designer.load_design(make_uow(), admin, "lj-2026"), survey_weight=0.5)

    with pytest.raises(DesignRefused) as refused:
        designer.update_design(make_uow(), admin, "lj-2026", design)

    [defect] = refused.value.defects
    assert defect.column == "weights.components" and "add up to" in defect.message
    assert field_of(defect.column) == "components"
    assert stored(make_uow, "lj-2026").method_toml == before


def test_every_setting_is_stored_and_read_back_and_audited(make_uow: MakeUow, admin: CurrentUser) -> None:
    create(make_uow, admin)
    design = CampaignDesign(
        groups=(
            GroupSetting("citizen", "群众", "Citizens", 0.6),
            GroupSetting("deputy", "代表", "Deputies", 0.4),
        ),
        survey_weight=0.6,
        phone_weight=0.2,
        bigdata_weight=0.2,
        min_survey=20,
        min_phone=5,
        top_n=5,
        worst_only_below=75.0,
        custom_grades=True,
        grades=(GradeBand("excellent", 90.0, "优秀", "Excellent"), GradeBand("pass", 60.0, "合格", "Pass")),
        red_below=50.0,
        consecutive_years=3,
        margins=(MarginShare("sex", "male", 0.5), MarginShare("sex", "female", 0.5)),
        replicates=200,
        seed=7,
        public_bulletin=True,
        notice_days=10,
        **DATES,
    )

    designer.update_design(make_uow(), admin, "lj-2026", design)

    assert designer.load_design(make_uow(), admin, "lj-2026") == design
    campaign = stored(make_uow, "lj-2026")
    assert campaign.design == {
        "grade_labels": {"excellent": {"zh": "优秀", "en": "Excellent"}, "pass": {"zh": "合格", "en": "Pass"}}
    }
    assert (campaign.public_bulletin, campaign.notice_days) == (True, 10)
    [entry] = audits(make_uow, "campaign.design")
    assert "method_toml" in entry.before and "method_toml" in entry.after
    assert entry.after["groups"] == [["citizen", "群众", "Citizens"], ["deputy", "代表", "Deputies"]]


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"custom_grades": True, "grades": (GradeBand("Excellent", 90.0),)}, "grades.Excellent"),
        ({"custom_grades": True, "grades": (GradeBand("a", 90.0), GradeBand("b", 90.0))}, "grades.b"),
        ({"groups": (GroupSetting(" citizen", weight=1.0),)}, "weights.groups. citizen"),
        ({"groups": (GroupSetting("a", weight=0.5), GroupSetting("A", weight=0.5))}, "weights.groups.A"),
        ({"replicates": 20_000}, "uncertainty.replicates"),
        (
            {"fieldwork_opens": date(2026, 7, 1), "fieldwork_closes": date(2026, 6, 1)},
            "platform.fieldwork_closes",
        ),
        ({"margins": (MarginShare("sex", "m", 0.4),)}, "weighting.margins.sex"),
        ({"notice_days": 0}, "platform.notice_days"),
    ],
)
def test_a_bad_setting_is_refused_by_the_readers_rules_naming_its_key(
    make_uow: MakeUow, admin: CurrentUser, change: dict[str, object], key: str
) -> None:
    create(make_uow, admin)
    design = replace(designer.load_design(make_uow(), admin, "lj-2026"), **change)

    with pytest.raises(DesignRefused) as refused:
        designer.update_design(make_uow(), admin, "lj-2026", design)

    assert key in keys(refused.value)
    assert audits(make_uow, "campaign.design") == []


def test_the_method_is_locked_once_fieldwork_opens(make_uow: MakeUow, admin: CurrentUser) -> None:
    create(make_uow, admin)
    set_status(make_uow, "lj-2026", S.fieldwork)
    design = replace(designer.load_design(make_uow(), admin, "lj-2026"), top_n=3)

    with pytest.raises(designer.NotDraft, match="locked once fieldwork opens"):
        designer.update_design(make_uow(), admin, "lj-2026", design)


def test_a_group_with_answers_cannot_be_taken_out(make_uow: MakeUow, admin: CurrentUser) -> None:
    from services.responses import submit_response

    seed_campaign(make_uow, "c1", status=S.fieldwork)
    submit_response(make_uow(), "c1", "u1", "public", {"q1": "s"})
    set_status(make_uow, "c1", S.draft)
    design = replace(
        designer.load_design(make_uow(), admin, "c1"), groups=(GroupSetting("client", weight=1.0),)
    )

    with pytest.raises(Refused, match="group public of campaign c1 has 1 answer sheet"):
        designer.update_design(make_uow(), admin, "c1", design)


def test_a_campaign_toml_file_is_applied_with_its_platform_table(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    create(make_uow, admin)
    text = (
        "[weights.groups]\ncitizen = 1.0\n\n[grades]\nexcellent = 90.0\npass = 60.0\n\n"
        "[platform]\nfieldwork_opens = 2026-05-01\nfieldwork_closes = 2026-06-30\n\n"
        '[platform.grade_labels.excellent]\nzh = "优秀"\nen = "Excellent"\n'
    )

    design = designer.apply_toml(make_uow(), admin, "lj-2026", text)

    assert [g.code for g in design.groups] == ["citizen", "service_recipient"]
    assert [g.weight for g in design.groups] == [1.0, 0.0]
    assert design.custom_grades and design.grades[0] == GradeBand("excellent", 90.0, "优秀", "Excellent")
    assert design.fieldwork_opens == date(2026, 5, 1)


def test_a_campaign_toml_file_with_defects_is_refused_by_line(make_uow: MakeUow, admin: CurrentUser) -> None:
    create(make_uow, admin)

    with pytest.raises(DesignRefused) as refused:
        designer.apply_toml(make_uow(), admin, "lj-2026", '[campaign]\nid = "other"\nyear = 2026\n')
    assert "campaign.id" in keys(refused.value)

    with pytest.raises(DesignRefused) as refused:
        designer.apply_toml(make_uow(), admin, "lj-2026", "[ranking]\ntop_n = 10\n\n[grades]\npass = 120\n")
    [defect] = refused.value.defects
    assert (defect.line, defect.column) == (5, "grades.pass")


# ---------------------------------------------------------------- units


@pytest.fixture
def register(make_uow: MakeUow) -> None:
    add_register_unit(make_uow, "a1", "office", district="东区", kind="行政机关")
    add_register_unit(make_uow, "a2", "office", district="西区", kind="事业单位")
    add_register_unit(make_uow, "b1", "grassroots", district="东区", kind="行政机关", head_name="王五")
    add_register_unit(make_uow, "b2", "grassroots", district="西区", kind="行政机关")
    add_register_unit(make_uow, "z9", "grassroots", district="西区", active=False)


def test_units_are_chosen_by_filters_with_counts_and_copied_from_the_register(
    make_uow: MakeUow, admin: CurrentUser, register: None
) -> None:
    create(make_uow, admin)

    preview = designer.preview_units(make_uow(), admin, "lj-2026", districts=["东区"], include=["b2"])
    assert preview.codes == ("a1", "b1", "b2")
    assert preview.by_category == {"grassroots": 2, "office": 1}
    assert preview.by_district == {"东区": 2, "西区": 1}
    assert preview.by_kind == {"行政机关": 3}

    chosen = designer.choose_units(
        make_uow(),
        admin,
        "lj-2026",
        kinds=["行政机关"],
        categories=["grassroots"],
        exclude=["b2"],
        include=["a2"],
    )

    assert chosen.codes == ("a2", "b1")
    rows = designer.campaign_units(make_uow(), admin, "lj-2026")
    assert [(r.code, r.category, r.head_name) for r in rows] == [
        ("a2", "office", ""),
        ("b1", "grassroots", "王五"),
    ]
    [entry] = audits(make_uow, "campaign.units")
    assert entry.before == {"units": []} and entry.after["units"] == ["a2", "b1"]


def test_choosing_units_refuses_unknown_codes_an_empty_choice_and_a_campaign_in_fieldwork(
    make_uow: MakeUow, admin: CurrentUser, register: None
) -> None:
    create(make_uow, admin)

    with pytest.raises(NotFound, match="z9"):
        designer.choose_units(make_uow(), admin, "lj-2026", include=["z9"])
    with pytest.raises(Refused, match="choose no unit"):
        designer.choose_units(make_uow(), admin, "lj-2026", categories=["health"])
    set_status(make_uow, "lj-2026", S.fieldwork)
    with pytest.raises(designer.NotDraft, match="units are locked"):
        designer.choose_units(make_uow(), admin, "lj-2026", categories=["office"])


# ---------------------------------------------------------------- margins


def test_margins_are_imported_from_a_gbk_csv(make_uow: MakeUow, admin: CurrentUser) -> None:
    create(make_uow, admin)
    raw = "variable,category,share\nsex,男,0.48\nsex,女,52%\nage_band,18-34,0.3\nage_band,35+,0.7\n".encode(
        "gbk"
    )

    design = designer.import_margins(make_uow(), admin, "lj-2026", "margins.csv", raw)

    assert design.margin_tables() == {"sex": {"男": 0.48, "女": 0.52}, "age_band": {"18-34": 0.3, "35+": 0.7}}


def test_margins_from_xlsx(make_uow: MakeUow, admin: CurrentUser) -> None:
    import io

    from openpyxl import Workbook

    create(make_uow, admin)
    book = Workbook()
    sheet = book.active
    for row in (("variable", "category", "share"), ("sex", "m", 0.5), ("sex", "f", 0.5)):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)

    design = designer.import_margins(make_uow(), admin, "lj-2026", "m.xlsx", buffer.getvalue())

    assert design.margins == (MarginShare("sex", "m", 0.5), MarginShare("sex", "f", 0.5))


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("variable,category\nsex,m\n", (1, "share")),
        ("variable,category,share\nsex,m,lots\nsex,f,0.5\n", (2, "share")),
        ("variable,category,share\nsex,m,1.5\n", (2, "share")),
        ("variable,category,share\nsex,,0.5\nsex,f,0.5\n", (2, "category")),
        ("variable,category,share\nsex,m,0.5\nsex,M,0.5\n", (3, "category")),
        ("variable,category,share\nsex,m,0.4\nsex,f,0.5\n", (2, "share")),
        ("variable,category,share\n=cmd,m,1\n", (2, "variable")),
        ("variable,category,share\nsex ,m,1\n", (2, "variable")),
    ],
)
def test_a_bad_margins_file_is_refused_by_line_and_column_and_nothing_changes(
    make_uow: MakeUow, admin: CurrentUser, text: str, where: tuple[int, str]
) -> None:
    create(make_uow, admin)

    with pytest.raises(ImportRejected) as refused:
        designer.import_margins(make_uow(), admin, "lj-2026", "m.csv", text.encode())

    assert where in [(d.line, d.column) for d in refused.value.defects]
    assert designer.load_design(make_uow(), admin, "lj-2026").margins == ()


# ---------------------------------------------------------------- lifecycle


def ready(make_uow: MakeUow, admin: CurrentUser) -> None:
    seed_campaign(make_uow, "c1")
    design = replace(
        designer.load_design(make_uow(), admin, "c1"),
        groups=(GroupSetting("public", weight=0.5), GroupSetting("client", weight=0.5)),
        **DATES,
    )
    designer.update_design(make_uow(), admin, "c1", design)


def test_a_designed_campaign_opens_fieldwork(make_uow: MakeUow, admin: CurrentUser) -> None:
    ready(make_uow, admin)

    assert campaigns.open_fieldwork(make_uow(), admin, "c1") == S.fieldwork


def test_opening_fieldwork_names_missing_dates_and_a_method_that_does_not_parse(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    seed_campaign(make_uow, "c1")

    with pytest.raises(Refused) as refused:
        campaigns.open_fieldwork(make_uow(), admin, "c1")

    message = str(refused.value)
    assert "no fieldwork dates" in message
    assert "a method that does not parse (campaign: the [campaign] table is missing)" in message
    assert campaign_status(make_uow, "c1") == S.draft


def test_opening_fieldwork_names_item_sets_that_ask_a_category_or_group_the_campaign_lacks(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    ready(make_uow, admin)
    with make_uow() as uow:
        item = uow.session.execute(select(Item).order_by(Item.id).limit(1)).scalar_one()
        item.unit_categories = ["police"]
        item.respondent_groups = ["deputy"]
        uow.commit()

    with pytest.raises(Refused) as refused:
        campaigns.open_fieldwork(make_uow(), admin, "c1")

    assert f"survey item {item.code} asked of police, deputy, which the campaign does not have" in str(
        refused.value
    )
    assert campaign_status(make_uow, "c1") == S.draft


def test_return_to_draft_records_its_reason_and_unlocks_the_method(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    ready(make_uow, admin)
    campaigns.open_fieldwork(make_uow(), admin, "c1")

    assert campaigns.return_to_draft(make_uow(), admin, "c1", "  漏选了两个单位 ") == S.draft

    entry = audits(make_uow, "campaign.transition")[-1]
    assert entry.before == {"status": "fieldwork"}
    assert entry.after == {"status": "draft", "step": "return_to_draft", "reason": "漏选了两个单位"}
    design = replace(designer.load_design(make_uow(), admin, "c1"), top_n=3)
    assert designer.update_design(make_uow(), admin, "c1", design).top_n == 3


@pytest.mark.parametrize("status", [S.draft, S.published, S.final])
def test_return_to_draft_is_refused_from_draft_published_and_final(
    make_uow: MakeUow, admin: CurrentUser, status: CampaignStatus
) -> None:
    seed_campaign(make_uow, "c1", status=status)

    with pytest.raises(Refused, match="cannot return to draft"):
        campaigns.return_to_draft(make_uow(), admin, "c1", "改权重")
    assert campaign_status(make_uow, "c1") == status


@pytest.mark.parametrize(
    ("reason", "match"), [("  ", "give the reason"), ("=1+1", "formula"), ("x" * 501, "at most")]
)
def test_return_to_draft_needs_a_plain_reason(
    make_uow: MakeUow, admin: CurrentUser, reason: str, match: str
) -> None:
    seed_campaign(make_uow, "c1", status=S.fieldwork)

    with pytest.raises(Refused, match=match):
        campaigns.return_to_draft(make_uow(), admin, "c1", reason)
    assert campaign_status(make_uow, "c1") == S.fieldwork


# ---------------------------------------------------------------- the one set of rules (no database)

codes = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
labels = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40), max_size=4)
unit_share = st.integers(0, 100).map(lambda n: n / 100)


@st.composite
def designs(draw: st.DrawFn) -> CampaignDesign:
    names = draw(
        st.lists(codes.filter(lambda c: c not in ("dissatisfied",)), min_size=1, max_size=3, unique=True)
    )
    group_codes = draw(st.lists(codes, min_size=1, max_size=3, unique=True))
    first = draw(unit_share)
    weights = [first, *([0.0] * (len(group_codes) - 1))]
    weights[-1] += 1.0 - math_fsum(weights)
    custom = draw(st.booleans()) and not set(names) & {"satisfied", "fairly_satisfied", "basically_satisfied"}
    bounds = draw(st.lists(st.integers(0, 100), min_size=len(names), max_size=len(names), unique=True))
    grades = (
        tuple(GradeBand(n, float(b), draw(labels), "") for n, b in zip(names, bounds, strict=True))
        if custom
        else tuple(
            GradeBand(n, b)
            for n, b in (("satisfied", 85.0), ("fairly_satisfied", 75.0), ("basically_satisfied", 60.0))
        )
    )
    return CampaignDesign(
        groups=tuple(GroupSetting(c, draw(labels), "", w) for c, w in zip(group_codes, weights, strict=True)),
        min_survey=draw(st.integers(0, 100)),
        top_n=draw(st.integers(0, 20)),
        worst_only_below=draw(st.none() | st.floats(0, 100)),
        red_below=draw(st.none() | st.floats(0, 100)),
        satisfied_at=draw(st.floats(0, 100)),
        custom_grades=custom,
        grades=grades,
        consecutive_years=draw(st.integers(1, 5)),
        replicates=draw(st.integers(0, 10_000)),
        seed=draw(st.integers(0, 2**31)),
        fieldwork_opens=draw(st.none() | st.dates(date(2000, 1, 1), date(2100, 1, 1))),
        public_bulletin=draw(st.booleans()),
        notice_days=draw(st.integers(1, 90)),
    )


def math_fsum(values: list[float]) -> float:
    import math

    return math.fsum(values)


@settings(max_examples=60, deadline=None)
@given(designs())
def test_a_valid_design_survives_toml_and_the_reader_unchanged(design: CampaignDesign) -> None:
    info = CampaignInfo("x-1", 2026, "评议", "s")
    text = design_to_toml(info, design)

    read_info, read, defects = design_from_toml(text)

    assert defects == []
    assert read_info == info
    assert read == design


# ---------------------------------------------------------------------------- the grade scheme's own refusals


@pytest.mark.parametrize(
    ("grades", "key", "wording"),
    [
        ((), "grades", "designer.defect.no_bands"),
        (
            (GradeBand("satisfied", 85.0), GradeBand("basically_satisfied", 60.0)),
            "grades",
            "designer.defect.default_band_names",
        ),
        ((GradeBand("excellent", math.nan, "优秀"),), "grades.excellent", "designer.defect.band_bound"),
    ],
)
def test_a_custom_scheme_without_bands_of_its_own_is_refused_naming_the_grades_field(
    make_uow: MakeUow, admin: CurrentUser, grades: tuple[GradeBand, ...], key: str, wording: str
) -> None:
    """An empty ``[grades]`` (or one with only the default names) would read back as the
    default scheme: the switch "the campaign's own bands" would be lost without a word."""
    create(make_uow, admin)
    design = replace(designer.load_design(make_uow(), admin, "lj-2026"), custom_grades=True, grades=grades)

    with pytest.raises(DesignRefused) as refused:
        designer.update_design(make_uow(), admin, "lj-2026", design)

    [defect] = [d for d in refused.value.defects if d.column == key]
    assert field_of(defect.column) == "grades"
    assert worded(defect) is not None and worded(defect)[0] == wording  # type: ignore[index]
    assert audits(make_uow, "campaign.design") == []
    assert not designer.load_design(make_uow(), admin, "lj-2026").custom_grades


def test_a_band_of_its_own_name_under_the_default_scheme_is_refused(
    make_uow: MakeUow, admin: CurrentUser
) -> None:
    create(make_uow, admin)
    design = replace(
        designer.load_design(make_uow(), admin, "lj-2026"),
        custom_grades=False,
        grades=(GradeBand("excellent", 90.0),),
    )

    with pytest.raises(DesignRefused) as refused:
        designer.update_design(make_uow(), admin, "lj-2026", design)

    assert [worded(d) for d in refused.value.defects if d.column == "grades.excellent"] == [
        ("designer.defect.own_band_names", {"name": "excellent"})
    ]


def test_the_grade_refusals_are_worded_in_both_languages_as_the_command_line_says_them() -> None:
    info = CampaignInfo("x-1", 2026, "评议", "s")
    [defect] = validate(info, CampaignDesign(custom_grades=True, grades=()))
    key, params = worded(defect)  # type: ignore[misc]
    assert t(key, "en", **params) == defect.message
    assert "至少填写一档" in t(key, "zh", **params)
    assert worded(Defect("campaign.toml", None, "grades", "something the reader said")) is None


DEFAULT_NAMES = ("satisfied", "fairly_satisfied", "basically_satisfied")
band_names = st.sampled_from([*DEFAULT_NAMES, "excellent", "good", "top"])


@settings(max_examples=40, deadline=None)
@given(names=st.lists(band_names, max_size=4, unique=True), custom=st.booleans())
def test_a_scheme_is_accepted_only_if_it_reads_back_as_the_scheme_meant(
    names: list[str], custom: bool
) -> None:
    """Whatever bands and switch a page sends, either the design is refused, or the reader
    reads back the very same switch and bands (never the default scheme in disguise).
    Under the default scheme the page always sends the three default bands, and perhaps
    bands of other names typed into them."""
    info = CampaignInfo("x-1", 2026, "评议", "s")
    if not custom:
        names = [*DEFAULT_NAMES, *(n for n in names if n not in DEFAULT_NAMES)]
    bands = tuple(GradeBand(n, float(90 - 10 * i)) for i, n in enumerate(names))
    design = CampaignDesign(custom_grades=custom, grades=bands)

    if validate(info, design):
        return
    _info, read, defects = design_from_toml(design_to_toml(info, design))
    assert defects == []
    assert (read.custom_grades, read.grades) == (custom, bands)
