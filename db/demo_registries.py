"""The demo city's registries (:mod:`db.demo`): inspections (明察暗访), accountability cases
(问责案件), fault-tolerance applications (容错免责) and what was done about heads (主要负责人).

Shaped on the two seeds and scaled to the demo's ~300 units (about 80 of them offices,
机关处室); the counts do not depend on the demo's sample ``scale``, which only sizes the
surveys and phone samples:

- Jixi (seed 003). In the year in review (2024) a full-coverage round of announced
  inspections (明察) and two rounds of unannounced ones (暗访) visit every office once
  each; the head counts give the three rates (出勤率/到岗率、在岗率、专注率), which track
  each unit's latent quality (announced visits look a little better). Findings are typed
  with the twelve harms: staff away from their posts (散) or on their phones (懒) when the
  counts show it, other harms more often at weaker units. The seven weakest offices have
  prominent problems in June's round, whose bulletin (通报) is public; 41 people at 33
  offices are named for meeting discipline (会风会纪, one finding each, at the announced
  round). The campaign's rule turns verified findings into deductions exactly as
  ``services.inspection_rates.feed_finding_deductions`` does: one per office,
  ``finding_deductions(count, 0.5, cap)``, source ``inspections:2024-01-01..2024-12-31``,
  the findings as a CSV. In the open year (2025) an unannounced round is active, assigned
  to ``inspector1``, with a few visits recorded (not yet verified) and most offices still
  to visit. Of the open year's online approvals 59 were finished late (超时办结); the 40
  under 24 hours late with an objective reason were exempted through a granted
  application (容错免责 and the decision's number), the 19 others count, at 9 units;
  three more applications show the procedure: one accepted, one verified, one refused
  for an excluded situation (food safety).
- Datong (seed 002, 483 cases, 704 people, 95 disciplinary sanctions, 189 organisational
  measures, 12 county-level cadres, nine typical cases published over two days), at a
  tenth: 48 cases of 2024 (不作为/慢作为/乱作为, the thirteen sub-types) with 70 people
  handled, 10 disciplinary sanctions (党纪政务处分), 19 organisational measures (组织处理),
  41 other measures and one county-level cadre (县处级); nine published as typical cases
  (典型问题通报) on 18 and 19 December with a public summary without names. Decided cases
  propose deductions under the campaign's rule (``case_deduction``: 1 / 0.5 / 2 points for
  inaction / slowness / misconduct); 38 are confirmed (an adjustment with the case as
  evidence, as ``services.accountability_deductions.confirm_deduction`` writes it), 3 wait for an
  admin (proposed), and one case is exempt through a granted application, made before
  its decision.

The deductions are added to the year's data before it is scored (:func:`simulate_review_year`
from ``db.demo.simulate_year``), so the 2024 results, its bundle and the offline
recomputation include them. Each part draws from its own seeded stream, so the rest of
the city is what it was. Names of people handled are stored only encrypted.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Connection

from db import audit, crypto
from db.demo import (
    CST,
    DISTRICTS,
    OPEN_YEAR,
    YEARS,
    YearData,
    _poisson,
    _rng,
    _utc,
    campaign_code,
    person_name,
)
from db.demo_bulk import insert_ids, insert_keyed, insert_plain
from db.models import Adjustment, Campaign, CampaignUnit, CardCase, OverdueCase, Unit, User
from db.models_registries import (
    AccountabilityCase,
    AccountabilityPerson,
    FaultToleranceApplication,
    HeadAction,
    InspectionFinding,
    InspectionRound,
    InspectionRoundInspector,
    InspectionRoundUnit,
    InspectionVisit,
)
from db.uow import UnitOfWork
from scoring.params import parse_campaign_toml
from scoring.registries import CASE_SUBTYPES, HARMS, case_deduction, check_head_counts, finding_deductions
from services.accountability_deductions import case_evidence
from services.inspection_rates import deduction_reason, findings_csv_rows

REVIEW_YEAR: Final = YEARS[-1]
INSPECTOR: Final = "inspector1"
VERIFIER: Final = "admin"
BODY: Final = "临江市纪委监委"  # the discipline inspection body: cases and fault tolerance
HEADS_BODY: Final = "临江市委组织部"
POINTS_PER_FINDING: Final = 0.5
CASE_POINTS: Final = {"inaction": 1.0, "slow": 0.5, "misconduct": 2.0}

# (code, name, mode, first day, last day, month whose bulletin is public)
ROUNDS: Final = (
    ("2024-MC-1", "2024年“三率”全覆盖明察", "open", date(2024, 4, 8), date(2024, 4, 26)),
    ("2024-AF-1", "2024年第一轮作风暗访", "covert", date(2024, 6, 3), date(2024, 6, 28)),
    ("2024-AF-2", "2024年第二轮作风暗访", "covert", date(2024, 9, 9), date(2024, 9, 27)),
)
PUBLIC_MONTH: Final = "2024-06"  # the bulletin naming the seven offices with prominent problems
PROMINENT: Final = 7
MEETING_UNITS, MEETING_PEOPLE = 33, 41
OPEN_ROUND: Final = ("2025-AF-1", "2025年第一轮作风暗访（三率）", date(2025, 10, 8), date(2025, 12, 31))
OPEN_ROUND_UNITS, OPEN_ROUND_VISITED = 18, 6

# Jixi: 59 overdue approvals, 40 exempted (objective reasons, under 24 hours), 19 at 9 units
OVERDUE_COUNTED: Final = (4, 3, 3, 2, 2, 2, 1, 1, 1)
OVERDUE_EXEMPT, OVERDUE_EXEMPT_UNITS = 40, 22

# Datong at a tenth
N_CASES: Final = 48
CASE_TYPES: Final = ("inaction",) * 18 + ("slow",) * 20 + ("misconduct",) * 10
CASE_STATUSES: Final = ("published",) * 9 + ("decided",) * 33 + ("investigated",) * 4 + ("opened",) * 2
N_PROPOSED: Final = 3
SANCTIONS: Final = (
    ("disciplinary_sanction",) * 10
    + ("admonition_talk",) * 9
    + ("transfer",) * 4
    + ("suspension",) * 2
    + ("demotion",) * 2
    + ("removal", "ordered_resignation")
    + ("notified_criticism",) * 18
    + ("written_self_criticism",) * 17
    + ("ordered_apology",) * 6
)
ORGANISATIONAL: Final = frozenset(
    {"admonition_talk", "suspension", "transfer", "demotion", "removal", "ordered_resignation"}
)
SANCTION_ZH: Final = {
    "disciplinary_sanction": "党纪政务处分",
    "admonition_talk": "诫勉谈话",
    "suspension": "停职检查",
    "transfer": "调离岗位",
    "demotion": "降职",
    "removal": "免职",
    "ordered_resignation": "责令辞职",
    "notified_criticism": "通报批评",
    "written_self_criticism": "书面检查",
    "ordered_apology": "责令公开道歉",
}
SEVERITY: Final = {s: n for n, s in enumerate(SANCTION_ZH)}  # most severe first
TYPE_ZH: Final = {"inaction": "不作为", "slow": "慢作为", "misconduct": "乱作为"}
FACTS: Final = {
    "self_willed": "对市委、市政府部署的{task}工作我行我素，未按要求落实",
    "lax_untruthful": "在{task}工作中报送情况不实，检查走过场",
    "idle": "工作人员在{task}工作时间多次无故脱岗，群众办事找不到人",
    "timid": "对群众反映的{task}问题怕担责任、不敢决断，久拖不办",
    "clean_but_idle": "负责人满足于不出事，{task}工作长期没有进展",
    "slack_inefficient": "办理{task}事项消极懈怠，超过承诺时限{days}天仍未办结",
    "indifferent_perfunctory": "对群众多次反映的{task}问题敷衍应付，答复避重就轻",
    "uncoordinated_unimplemented": "对需要协调的{task}事项不协调、不落实，致使工作滞后",
    "obstructing_passing": "在{task}事项办理中层层设卡、推诿扯皮，群众往返{days}次",
    "ignoring_procedure": "办理{task}事项时不按规定程序审批",
    "ignoring_principle": "在{task}工作中优亲厚友、违反原则",
    "ignoring_rules": "违反工作纪律，在{task}中违规收取费用",
    "ignoring_law": "在{task}中滥用职权，违法实施行政处罚",
}
TASKS: Final = {
    "office": ("企业开办审批", "建设项目审批", "惠企政策兑现", "信访事项办理"),
    "grassroots": ("窗口业务办理", "群众投诉处理", "证明材料开具", "上门服务"),
    "health": ("医保报销", "预约诊疗", "检查结果查询"),
    "utility": ("报装接入", "故障抢修", "收费争议处理"),
}
POSTS: Final = {
    "office": ("科长", "副科长", "科员", "窗口工作人员", "办公室主任", "副局长"),
    "grassroots": ("所长", "副所长", "中队长", "执法队员", "窗口工作人员", "辅警"),
    "health": ("科主任", "护士长", "医保办主任", "医生"),
    "utility": ("营业厅经理", "客服专员", "抢修班长", "副经理"),
}
HEADS_POST: Final = {"office": "局长", "grassroots": "所长", "health": "院长", "utility": "经理"}
SOURCES: Final = (
    ("hotline",) * 7 + ("survey_comment",) * 5 + ("inspection",) * 4 + ("appeal", "appeal", "media")
)
FINDINGS: Final = {
    "冷": "窗口人员对办事群众态度冷漠，询问时不抬头、不回应",
    "硬": "工作人员答复生硬，未按首问负责制引导办理",
    "推": "群众咨询业务被以“不归我们管”为由推给其他科室",
    "等": "上级交办事项逾期未推进，称“等文件、等通知”",
    "靠": "应由本单位核实的材料要求群众自行到其他部门开具证明",
    "要": "要求办事群众提供法规未规定的额外材料",
    "庸": "窗口人员对业务规定不熟悉，无法解答常见问题",
    "懒": "工作时间{n}名工作人员玩手机、看视频",
    "散": "工作时间{n}名工作人员脱岗，去向不明",
    "假": "考勤记录与实际到岗情况不符，存在代签到",
    "慢": "办件积压，多件事项超过承诺时限未办结",
    "拖": "群众反映的事项超过两周未答复",
}
OTHER_HARMS: Final = tuple(h for h in HARMS if h not in ("懒", "散"))
MEETING: Final = "会风会纪：1名干部在全市卫生与健康大会期间玩手机，全市通报"
OBJECTIVE_REASONS: Final = (
    "审批系统升级停机，当日无法出件",
    "电子证照库接口故障，证照无法生成",
    "上级部门数据共享接口中断，核验结果延迟返回",
    "暴雨红色预警，全市停工停课",
    "申请人补正材料在途，系统未暂停计时",
    "现场勘验需申请人到场，申请人临时改期",
)


def _cap(data: YearData) -> float:
    """The method's deduction cap of the year (``[adjustments] deduction_cap``)."""
    _info, params, _defects = parse_campaign_toml(data.toml)
    return float(params.deduction_cap)


def design(year: int) -> dict[str, Any]:
    """``Campaign.design`` of a demo year: the registries' rules of the year in review.

    The open year has no rule: its indicators (hotline and approval figures) include no
    rate a visit measures, so there is nothing the three rates could feed."""
    if year != REVIEW_YEAR:
        return {}
    return {
        "inspections": {
            "feed": "deductions",
            "points_per_finding": POINTS_PER_FINDING,
            "public_months": [PUBLIC_MONTH],
        },
        "accountability": {"points": dict(CASE_POINTS)},
    }


def _weekday(rng: random.Random, first: date, last: date) -> date:
    while True:
        day = first + timedelta(days=rng.randrange((last - first).days + 1))
        if day.weekday() < 5:
            return day


def _office_hours(rng: random.Random, day: date) -> datetime:
    start = rng.choice((9.0, 14.5))
    moment = datetime(day.year, day.month, day.day, tzinfo=CST) + timedelta(hours=start + rng.uniform(0, 2.5))
    return moment.replace(microsecond=0, second=0)


def _binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(rng.random() < p for _ in range(n))


# ---------------------------------------------------------------- the year in review: simulated


@dataclass
class Review:
    """The registries of the year in review, before they are written (unit positions)."""

    visits: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    prominent: list[int] = field(default_factory=list)


def simulate_review_year(data: YearData, seed: int) -> None:
    """Inspections and cases of the year in review, and their deductions added to
    ``data.adjustments`` (so that the year is scored with them)."""
    review = Review()
    cap = _cap(data)
    _simulate_visits(data, review, _rng(seed, data.year, "inspections"))
    _simulate_cases(data, review, _rng(seed, data.year, "accountability"), cap)
    data.registries = review
    start = len(data.adjustments)
    data.adjustments.extend(_inspection_deductions(data, review, cap))
    data.adjustments.extend(c["adjustment"] for c in review.cases if c.get("adjustment"))
    assert all(a.get("source") for a in data.adjustments[start:])


def _offices(data: YearData) -> list[int]:
    return [pos for pos, lin in enumerate(data.units) if lin.category == "office"]


def _head_counts(rng: random.Random, staff: int, q: float, covert: bool) -> tuple[int, int, int, int]:
    dip = 0.03 if covert else 0.0  # unannounced visits find what announced ones do not
    expected = max(3, staff - rng.randint(0, 2))  # some are on leave or travel, approved
    present = _binomial(rng, expected, min(0.995, 0.78 + 0.22 * q - dip))
    on_post = _binomial(rng, present, min(0.995, 0.80 + 0.20 * q - dip))
    focused = _binomial(rng, on_post, min(0.99, 0.68 + 0.30 * q - dip))
    assert check_head_counts(expected, present, on_post, focused) is None
    return expected, present, on_post, focused


def _simulate_visits(data: YearData, review: Review, rng: random.Random) -> None:
    year = data.year
    offices = _offices(data)
    quality = {pos: data.units[pos].quality_by_year[year] for pos in offices}
    staff = {pos: rng.randint(10, 40) for pos in offices}
    review.prominent = sorted(sorted(offices, key=lambda p: quality[p])[:PROMINENT])
    meeting_units = sorted(rng.sample(sorted(offices, key=lambda p: quality[p])[:60], MEETING_UNITS))
    meeting_people = dict.fromkeys(meeting_units, 1)
    for pos in rng.sample(meeting_units, MEETING_PEOPLE - MEETING_UNITS):
        meeting_people[pos] += 1
    for r, (_code, _name, mode, first, last) in enumerate(ROUNDS):
        covert = mode == "covert"
        for pos in offices:
            q = quality[pos]
            again = r == 2 and pos == offices[len(offices) // 2]  # see below
            day = _weekday(rng, first, first + timedelta(days=4) if again else last)
            expected, present, on_post, focused = _head_counts(rng, staff[pos], q, covert)
            findings: list[tuple[str, str]] = []
            if covert and expected - present >= max(2, round(0.1 * expected)):
                findings.append(("散", FINDINGS["散"].format(n=expected - present)))
            if on_post - focused >= max(2, round(0.12 * on_post)):
                findings.append(("懒", FINDINGS["懒"].format(n=on_post - focused)))
            lam = max(0.0, 0.74 - q) * (4.0 if covert else 1.5)
            for _ in range(_poisson(rng, lam)):
                harm = rng.choice(OTHER_HARMS)
                findings.append((harm, FINDINGS[harm]))
            if r == 1:  # June: the seven offices with prominent problems, and only they
                if pos in review.prominent:
                    while len(findings) < 3:
                        harm = rng.choice(OTHER_HARMS)
                        findings.append((harm, FINDINGS[harm]))
                else:
                    findings = findings[:2]
            if r == 0:
                findings += [("散", MEETING)] * meeting_people.get(pos, 0)
            visit = {
                "round": r,
                "unit_pos": pos,
                "visited_at": _office_hours(rng, day),
                "counts": (expected, present, on_post, focused),
                "findings": findings,
                "status": "verified",
                "note": "",
                "verify_note": "",
            }
            if again:
                # one visit rejected by the verifying admin (the photo showed another office),
                # and the office visited again
                rejected = dict(
                    visit,
                    findings=[],
                    status="rejected",
                    verify_note="现场照片与被检查单位不符，退回重新检查",
                )
                review.visits.append(rejected)
                visit["visited_at"] += timedelta(days=2 if day.weekday() < 3 else 4)
            review.visits.append(visit)
    for visit in review.visits:
        visit["verified_at"] = visit["visited_at"] + timedelta(days=rng.randint(1, 3), hours=1)


def inspection_period(year: int = REVIEW_YEAR) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _inspection_deductions(data: YearData, review: Review, cap: float) -> list[dict[str, Any]]:
    """One deduction per office with verified findings over the year (the rule's feed)."""
    starts_on, ends_on = inspection_period(data.year)
    by_unit: dict[int, list[dict[str, Any]]] = {}
    for v in review.visits:
        if v["status"] == "verified" and v["findings"]:
            by_unit.setdefault(v["unit_pos"], []).append(v)
    units = sorted(by_unit)
    counts = np.array([sum(len(v["findings"]) for v in by_unit[pos]) for pos in units])
    points = finding_deductions(counts, POINTS_PER_FINDING, cap)
    out = []
    for pos, p in zip(units, points, strict=True):
        visits = sorted(by_unit[pos], key=lambda v: v["visited_at"])
        harms = Counter(h for h in HARMS for v in visits for harm, _ in v["findings"] if harm == h)
        code = data.code_of[data.units[pos].key]
        rows = [
            (v["visited_at"].date(), ROUNDS[v["round"]][0], harm, text)
            for v in visits
            for harm, text in v["findings"]
        ]
        out.append(
            {
                "unit_pos": pos,
                "kind": "deduction",
                "points": float(p),
                "reason": deduction_reason(harms, starts_on, ends_on, POINTS_PER_FINDING),
                "evidence_name": f"inspections-{code}-{starts_on}-{ends_on}.csv",
                "evidence": findings_csv_rows(rows),
                "source": f"inspections:{starts_on}..{ends_on}",
            }
        )
    return out


def _simulate_cases(data: YearData, review: Review, rng: random.Random, cap: float) -> None:
    year = data.year
    units = data.units
    weights = [(1.05 - lin.quality_by_year[year]) ** 2 for lin in units]
    types = list(CASE_TYPES)
    rng.shuffle(types)
    opened = sorted(date(year, 2, 1) + timedelta(days=rng.randrange(250)) for _ in range(N_CASES))
    comments: dict[int, list[str]] = {}
    for r in data.responses:
        if r["status"] == "valid" and r["problem_types"]:
            comments.setdefault(r["unit_pos"], []).append(r["code"])
    # the early cases are decided (and the published ones among them), the last still open
    decided_slots = [s for s in CASE_STATUSES if s in ("published", "decided")]
    rng.shuffle(decided_slots)
    statuses = decided_slots + ["investigated"] * 4 + ["opened"] * 2
    for n in range(N_CASES):
        pos = rng.choices(range(len(units)), weights)[0]
        lin = units[pos]
        case_type = types[n]
        subtype = rng.choice(CASE_SUBTYPES[case_type])
        source = rng.choice(SOURCES)
        if source == "survey_comment" and not comments.get(pos):
            source = "hotline"
        if source == "inspection" and lin.category != "office":
            source = "hotline"
        ref = {
            "hotline": f"12345-{opened[n]:%Y%m%d}{rng.randrange(10**4):04d}",
            "survey_comment": rng.choice(comments.get(pos, [""])),
            "inspection": ROUNDS[rng.randrange(1, 3)][0],
            "appeal": f"XF-{year}-{rng.randrange(10**4):04d}",
            "media": f"临江日报 {opened[n] - timedelta(days=rng.randint(1, 5)):%Y-%m-%d}",
        }[source]
        status = statuses[n]
        investigated = opened[n] + timedelta(days=rng.randint(10, 30)) if status != "opened" else None
        decided = (
            min(investigated + timedelta(days=rng.randint(10, 40)), date(year, 12, 10))
            if investigated is not None and status in ("decided", "published")
            else None
        )
        task, days = rng.choice(TASKS[lin.category]), rng.randint(3, 30)
        facts = FACTS[subtype].format(task=task, days=days)
        review.cases.append(
            {
                "number": f"LJ-{year}-{n + 1:03d}",
                "unit_pos": pos,
                "case_type": case_type,
                "subtype": subtype,
                "facts": f"{lin.at(year).name}{facts}。",
                "task": task,
                "source": source,
                "source_ref": ref,
                "body": BODY
                if lin.category in ("office", "utility")
                else f"{DISTRICTS[lin.district][0]}纪委监委",
                "status": status,
                "opened_on": opened[n],
                "investigated_on": investigated,
                "decided_on": decided,
                "persons": [],
            }
        )
    decided_cases = [c for c in review.cases if c["decided_on"] is not None]
    # one case exempt through fault tolerance (容错免责): slow, applied for before its decision
    exempt = next(c for c in decided_cases if c["case_type"] == "slow" and c["status"] == "decided")
    exempt["exempt"] = True
    exempt["subtype"] = "slack_inefficient"  # late through no fault of its own: what was exempted
    exempt_unit = units[exempt["unit_pos"]].at(year).name
    exempt["facts"] = f"{exempt_unit}{FACTS['slack_inefficient'].format(task=exempt['task'], days=3)}。"
    exempt["decided_on"] = max(exempt["decided_on"], exempt["opened_on"] + timedelta(days=16))
    handled = [c for c in decided_cases if c is not exempt]
    # 70 people over the 41 other decided cases; the severest measures to misconduct first
    people = [1] * len(handled)
    for k in rng.sample(range(len(handled) * 3), len(SANCTIONS) - len(handled)):
        people[k % len(handled)] += 1
    rank = {"misconduct": 0, "inaction": 1, "slow": 2}
    slots = sorted(
        ((c, i) for c, k in zip(handled, people, strict=True) for i in range(k)),
        key=lambda ci: rank[ci[0]["case_type"]] + rng.uniform(0, 1.6),
    )
    for (case, i), sanction in zip(slots, sorted(SANCTIONS, key=SEVERITY.__getitem__), strict=True):
        lin = units[case["unit_pos"]]
        case["persons"].append(
            {
                "position": i,
                "name": person_name(rng),
                "post": rng.choice(POSTS[lin.category]),
                "level": "乡科级" if rng.random() < 0.35 else "一般干部",
                "sanction": sanction,
            }
        )
    # one county-level cadre (县处级): the head of a unit, under an organisational measure
    # (an office's head where one is), as the Tianzhen health bureau's head was admonished
    chiefs = [
        (units[c["unit_pos"]], p)
        for c in sorted(handled, key=lambda c: units[c["unit_pos"]].category != "office")
        for p in c["persons"]
        if p["sanction"] in ORGANISATIONAL
    ]
    lin, chief = chiefs[0]
    chief.update(post=HEADS_POST[lin.category], level="县处级", name=lin.heads[year])
    for c in handled:
        c["persons"].sort(key=lambda p: p["position"])
        for k, p in enumerate(c["persons"]):
            p["position"] = k
    # decisions, the deductions and their state
    latest = sorted((c for c in handled if c["status"] == "decided"), key=lambda c: c["decided_on"])
    proposed = {c["number"] for c in latest[-N_PROPOSED:]}
    published_days = (date(year, 12, 18), date(year, 12, 19))
    n_published = 0
    for c in review.cases:
        lin = units[c["unit_pos"]]
        c["updated"] = c["decided_on"] or c["investigated_on"] or c["opened_on"]
        if c["decided_on"] is None:
            continue
        if c.get("exempt"):
            c["decision"] = (
                "经容错免责程序认定：延误系上级业务系统切换等客观原因所致，当事人依法履职、"
                "未谋取私利，予以免责，不作问责处理"
            )
            continue
        measures = Counter(SANCTION_ZH[p["sanction"]] for p in c["persons"])
        c["decision"] = (
            "经调查核实，对" + "；".join(f"{k}名责任人给予{m}" for m, k in measures.items()) + "。"
        )
        c["points"] = case_deduction(c["case_type"], CASE_POINTS, cap)
        if c["status"] == "published":
            c["published_on"] = published_days[n_published % 2]
            c["updated"] = c["published_on"]
            n_published += 1
            c["summary"] = (
                f"{lin.at(year).name}{c['facts'].removeprefix(lin.at(year).name).rstrip('。')}"
                f"（{TYPE_ZH[c['case_type']]}）。"
                + (f"{len(c['persons'])}名当事人分别受到" if len(c["persons"]) > 1 else "当事人受到")
                + "、".join(measures)
                + "处理。"
            )
        if c["number"] in proposed:
            c["deduction_status"] = "proposed"
            continue
        c["deduction_status"] = "confirmed"
        code = data.code_of[lin.key]
        c["adjustment"] = {
            "unit_pos": c["unit_pos"],
            "kind": "deduction",
            "points": c["points"],
            "reason": f"问责案件 {c['number']}: {c['case_type']}/{c['subtype']}",
            "evidence_name": f"accountability-case-{c['number']}.txt",
            "evidence": case_evidence(
                number=c["number"],
                unit_name=lin.at(year).name,
                unit_code=code,
                case_type=c["case_type"],
                subtype=c["subtype"],
                source=c["source"],
                source_ref=c["source_ref"],
                body=c["body"],
                opened_on=c["opened_on"],
                investigated_on=c["investigated_on"],
                decided_on=c["decided_on"],
                facts=c["facts"],
                decision=c.get("decision", ""),
                persons=[(p["post"], p["level"], p["sanction"]) for p in c["persons"]],
            ).encode("utf-8"),
            "source": f"accountability_case:{c['number']}",
        }


def _at(day: date, hour: float) -> datetime:
    return _utc(datetime(day.year, day.month, day.day, tzinfo=CST) + timedelta(hours=hour))


def write_review_year(
    conn: Connection,
    data: YearData,
    campaign_id: int,
    uid: list[int],
    keyring: crypto.Keyring,
    rows: Counter[str],
) -> None:
    """Write the registries :func:`simulate_review_year` made (its adjustments are written
    with the year's others, before this)."""
    review: Review = data.registries
    year = data.year
    offices = _offices(data)
    round_ids = insert_ids(
        conn,
        InspectionRound,
        [
            {
                "campaign_id": campaign_id,
                "code": code,
                "name": name,
                "mode": mode,
                "starts_on": first,
                "ends_on": last,
                "status": "closed",
                "notes": _round_notes(data, review, r),
                "created_by": "admin",
                "created_at": _at(first - timedelta(days=14), 9.5),
            }
            for r, (code, name, mode, first, last) in enumerate(ROUNDS)
        ],
        rows,
    )
    insert_plain(
        conn,
        InspectionRoundUnit,
        [{"round_id": rid, "unit_id": uid[pos]} for rid in round_ids for pos in offices],
        rows,
    )
    _write_visits(conn, review.visits, round_ids, uid, rows)
    case_ids = insert_ids(
        conn,
        AccountabilityCase,
        [
            {
                "number": c["number"],
                "campaign_id": campaign_id,
                "unit_id": uid[c["unit_pos"]],
                "case_type": c["case_type"],
                "subtype": c["subtype"],
                "facts": c["facts"],
                "source": c["source"],
                "source_ref": c["source_ref"],
                "disciplinary_body": c["body"],
                "status": c["status"],
                "opened_on": c["opened_on"],
                "investigated_on": c["investigated_on"],
                "decided_on": c["decided_on"],
                "published_on": c.get("published_on"),
                "decision": c.get("decision", ""),
                "for_publication": c["status"] == "published",
                "public_summary": c.get("summary", ""),
                "exempt": bool(c.get("exempt")),
                "deduction_points": c.get("points"),
                "deduction_status": c.get("deduction_status", ""),
                "adjustment_id": None,
                "created_by": "admin",
                "created_at": _at(c["opened_on"], 9.0),
                "updated_at": _at(c["updated"], 16.0),
            }
            for c in review.cases
        ],
        rows,
    )
    adjustments = dict(
        conn.execute(
            select(Adjustment.source, Adjustment.id).where(
                Adjustment.campaign_id == campaign_id, Adjustment.source.like("accountability_case:%")
            )
        ).all()
    )
    table = AccountabilityCase.__table__
    for case_id, c in zip(case_ids, review.cases, strict=True):
        if c.get("adjustment"):
            conn.execute(
                table.update()
                .where(table.c.id == case_id)
                .values(adjustment_id=adjustments[c["adjustment"]["source"]])
            )
    insert_plain(
        conn,
        AccountabilityPerson,
        [
            {
                "case_id": case_id,
                "position": p["position"],
                "name_enc": keyring.encrypt(p["name"]),
                "post": p["post"],
                "level": p["level"],
                "sanction": p["sanction"],
                "sanctioned_on": c["decided_on"],
            }
            for case_id, c in zip(case_ids, review.cases, strict=True)
            for p in c["persons"]
        ],
        rows,
    )
    (case_id, c) = next((i, c) for i, c in zip(case_ids, review.cases, strict=True) if c.get("exempt"))
    applied = c["opened_on"] + timedelta(days=3)
    unit = data.units[c["unit_pos"]].at(year).name
    insert_plain(
        conn,
        FaultToleranceApplication,
        [
            _granted(
                subject="accountability_case",
                accountability_case_id=case_id,
                applicant=unit,
                reasons="延误发生在上级业务系统切换期间，系统停机三天，本单位已启用纸质登记并逐一告知办事群众；"
                "当事人依法履职、未谋取私利",
                applied=applied,
                document=f"临纪容〔{year}〕7号",
                decided=c["decided_on"] - timedelta(days=3),
            )
        ],
        rows,
    )


def _round_notes(data: YearData, review: Review, r: int) -> str:
    if r == 0:
        meeting = f"{MEETING_UNITS}个单位{MEETING_PEOPLE}人全市通报"
        return f"“三率”全覆盖检查；全市卫生与健康大会会风会纪检查：{meeting}"
    if r == 1:
        names = "、".join(data.units[pos].at(data.year).name for pos in review.prominent)
        return f"全市通报作风问题比较突出的{PROMINENT}个单位：{names}"
    return "对出勤率、在岗率、专注率不高的单位主要领导进行约谈"


def _write_visits(
    conn: Connection,
    visits: Sequence[dict[str, Any]],
    round_ids: list[int],
    uid: list[int],
    rows: Counter[str],
) -> None:
    visit_ids = insert_keyed(
        conn,
        InspectionVisit,
        [
            {
                "round_id": round_ids[v["round"]],
                "unit_id": uid[v["unit_pos"]],
                "inspector": INSPECTOR,
                "visited_at": _utc(v["visited_at"]),
                "staff_expected": v["counts"][0],
                "staff_present": v["counts"][1],
                "staff_on_post": v["counts"][2],
                "staff_focused": v["counts"][3],
                "notes": v["note"],
                "status": v["status"],
                "verified_by": VERIFIER if v["status"] != "recorded" else None,
                "verified_at": _utc(v["verified_at"]) if v["status"] != "recorded" else None,
                "verify_note": v["verify_note"],
                "created_at": _utc(v["visited_at"]),
            }
            for v in visits
        ],
        rows,
        InspectionVisit.round_id.in_(round_ids),
    )
    insert_plain(
        conn,
        InspectionFinding,
        [
            {"visit_id": vid, "harm": harm, "description": text}
            for vid, v in zip(visit_ids, visits, strict=True)
            for harm, text in v["findings"]
        ],
        rows,
    )


def _granted(*, applied: date, document: str, decided: date, **fields: Any) -> dict[str, Any]:
    """A granted application (受理 → 核实 → 免责), row values; ``fields`` name its subject."""
    accepted = applied + timedelta(days=2)
    verified = accepted + timedelta(days=4)
    decided = max(decided, verified + timedelta(days=2))
    return _application(
        status="granted",
        applied=applied,
        accepted=accepted,
        verified=verified,
        decided=decided,
        document=document,
        verification_note="经核实：超时系客观原因所致，当事人依法履职、未谋取私利，未造成不良后果",
        decision_note="予以免责",
        **fields,
    )


def _application(
    *,
    status: str,
    applied: date,
    accepted: date | None = None,
    verified: date | None = None,
    decided: date | None = None,
    document: str = "",
    verification_note: str = "",
    decision_note: str = "",
    consequence: str = "none",
    overdue_case_id: int | None = None,
    accountability_case_id: int | None = None,
    subject: str,
    applicant: str,
    reasons: str,
) -> dict[str, Any]:
    return {
        "subject": subject,
        "overdue_case_id": overdue_case_id,
        "accountability_case_id": accountability_case_id,
        "applicant": applicant,
        "reasons": reasons,
        "consequence": consequence,
        "evidence_name": "情况说明.txt",
        "evidence": f"情况说明\n{applicant}\n{reasons}\n".encode(),
        "status": status,
        "accepted_by": "admin2" if accepted else None,
        "accepted_at": _at(accepted, 10.0) if accepted else None,
        "acceptance_note": "材料齐全，予以受理" if accepted else "",
        "verified_by": "admin2" if verified else None,
        "verified_at": _at(verified, 15.0) if verified else None,
        "verification_note": verification_note,
        "decision_body": BODY if decided else "",
        "decision_document": document,
        "decision_note": decision_note,
        "decided_by": "admin" if decided else None,
        "decided_at": _at(decided, 11.0) if decided else None,
        "created_at": _at(applied, 9.5),
    }


# ---------------------------------------------------------------- the open year


def write_overdue_cases(
    conn: Connection,
    data: YearData,
    campaign_id: int,
    uid: list[int],
    rows: Counter[str],
    rng: random.Random,
) -> None:
    """The open year's online approvals finished late (超时办结) in the Jixi shape: 59, of
    which the 40 under 24 hours late with an objective reason were exempted through a
    granted application, the 19 others counted at 9 units; three more applications are
    under way or refused."""
    year = data.year
    candidates = [pos for pos, lin in enumerate(data.units) if lin.category in ("office", "grassroots")]
    weak = sorted(candidates, key=lambda p: data.units[p].quality_by_year[year])[:40]
    counted_units = rng.sample(weak, len(OVERDUE_COUNTED))
    per_unit = list(OVERDUE_COUNTED)
    rng.shuffle(per_unit)
    exempt_units = rng.sample(candidates, OVERDUE_EXEMPT_UNITS)
    exempt_per_unit = Counter(exempt_units)
    for pos in rng.choices(exempt_units, k=OVERDUE_EXEMPT - OVERDUE_EXEMPT_UNITS):
        exempt_per_unit[pos] += 1
    # (unit, how late: "objective" under 24 h with an objective reason, "short" under 24 h
    # without one, "long" a day or more)
    lateness = ["short"] * 3 + ["long"] * (sum(OVERDUE_COUNTED) - 3)
    rng.shuffle(lateness)
    planned: list[tuple[int, str]] = []
    for pos, k in zip(counted_units, per_unit, strict=True):
        planned += [(pos, lateness.pop()) for _ in range(k)]
    planned += [(pos, "objective") for pos in exempt_units for _ in range(exempt_per_unit[pos])]
    cases: list[dict[str, Any]] = []
    reasons: list[str] = []
    numbers: Counter[int] = Counter()
    for pos, how in sorted(planned):
        if how == "objective":
            hours = round(rng.uniform(1.0, 23.5), 1)
            reasons.append(rng.choice(OBJECTIVE_REASONS))
        else:
            hours = round(rng.uniform(2.0, 22.0) if how == "short" else rng.uniform(26.0, 24.0 * 12), 1)
            reasons.append("")
        promised = datetime(year, rng.randint(1, 7), rng.randint(1, 28), 17, 30, tzinfo=CST)
        n = numbers[pos]
        numbers[pos] += 1
        cases.append(
            {
                "campaign_id": campaign_id,
                "unit_id": uid[pos],
                "case_number": f"SP{year}{pos:04d}{n:02d}",
                "promised_at": _utc(promised),
                "completed_at": _utc(promised + timedelta(hours=hours)),
                "source_system": "行政审批电子监察系统",
                "exempt": how == "objective",
                "exempt_reason": "",
                "exempted_by": None,
                "exempted_at": None,
                "_unit": pos,
                "_promised": promised,
            }
        )
    applications: list[dict[str, Any]] = []
    doc = 0
    for c, why in zip(cases, reasons, strict=True):
        if not why:
            continue
        doc += 1
        completed = (c["_promised"] + (c["completed_at"] - c["promised_at"])).date()
        app = _granted(
            subject="overdue_case",
            applicant=data.units[c["_unit"]].at(year).name,
            reasons=f"{why}；超时{(c['completed_at'] - c['promised_at']).total_seconds() / 3600:.1f}小时办结",
            applied=completed + timedelta(days=rng.randint(2, 8)),
            document=f"临纪容〔{year}〕{doc}号",
            decided=date(year, 8, 20),
        )
        c.update(
            exempt_reason=f"容错免责 {app['decision_document']}",
            exempted_by=app["decided_by"],
            exempted_at=app["decided_at"],
        )
        applications.append(app)
    # the procedure under way: one accepted, one verified, and one refused (food safety)
    long_late = [
        c
        for c, why in zip(cases, reasons, strict=True)
        if not why and c["completed_at"] - c["promised_at"] >= timedelta(hours=24)
    ]
    pending = rng.sample(long_late, 3)
    ids = insert_ids(
        conn, OverdueCase, [{k: v for k, v in c.items() if not k.startswith("_")} for c in cases], rows
    )
    id_of = {c["case_number"]: i for c, i in zip(cases, ids, strict=True)}
    for app, c in zip(applications, [c for c, why in zip(cases, reasons, strict=True) if why], strict=True):
        app["overdue_case_id"] = id_of[c["case_number"]]
    steps = (
        ("accepted", "审批系统与电子证照库对接调试，证照生成延迟，已提供运维单位证明", "none"),
        ("verified", "申请人补正材料邮寄在途，系统未暂停计时", "none"),
        (
            "refused",
            "申请人称延误系等待食品抽检结果；延误期间该批次食品发生食品安全事故",
            "food_safety",
        ),
    )
    for c, (status, why, consequence) in zip(pending, steps, strict=True):
        applied = date(year, 10, 9) + timedelta(days=rng.randint(0, 10))
        applications.append(
            _application(
                subject="overdue_case",
                overdue_case_id=id_of[c["case_number"]],
                applicant=data.units[c["_unit"]].at(year).name,
                reasons=why,
                consequence=consequence,
                status=status,
                applied=applied,
                accepted=applied + timedelta(days=2),
                verified=applied + timedelta(days=6) if status != "accepted" else None,
                decided=applied + timedelta(days=9) if status == "refused" else None,
                document=f"临纪容〔{year}〕{doc + 1}号" if status == "refused" else "",
                verification_note="核实中"
                if status == "verified"
                else ("经核实：延误造成食品安全事故，属不予容错免责情形" if status == "refused" else ""),
                decision_note="属不予容错免责情形（食品安全事故），不予免责" if status == "refused" else "",
            )
        )
    insert_plain(conn, FaultToleranceApplication, applications, rows)


def write_open_round(
    conn: Connection,
    data: YearData,
    campaign_id: int,
    uid: list[int],
    rows: Counter[str],
    rng: random.Random,
) -> None:
    """The open year's active unannounced round (暗访): offices to visit, a few visits
    recorded on the inspector's phone and not yet verified. Its inspector is assigned
    once the accounts exist (:func:`finish`)."""
    year = data.year
    code, name, first, last = OPEN_ROUND
    offices = sorted(rng.sample(_offices(data), OPEN_ROUND_UNITS))
    round_id = insert_ids(
        conn,
        InspectionRound,
        [
            {
                "campaign_id": campaign_id,
                "code": code,
                "name": name,
                "mode": "covert",
                "starts_on": first,
                "ends_on": last,
                "status": "active",
                "notes": "随机抽取机关处室，不打招呼、直奔现场，检查“三率”和作风问题",
                "created_by": "admin",
                "created_at": _at(first - timedelta(days=7), 9.5),
            }
        ],
        rows,
    )[0]
    insert_plain(
        conn, InspectionRoundUnit, [{"round_id": round_id, "unit_id": uid[pos]} for pos in offices], rows
    )
    visits = []
    for pos in rng.sample(offices, OPEN_ROUND_VISITED):
        q = data.units[pos].quality_by_year[year]
        counts = _head_counts(rng, rng.randint(10, 40), q, True)
        findings = []
        if counts[0] - counts[1] >= 2:
            findings.append(("散", FINDINGS["散"].format(n=counts[0] - counts[1])))
        visits.append(
            {
                "round": 0,
                "unit_pos": pos,
                "visited_at": _office_hours(rng, _weekday(rng, date(year, 10, 13), date(year, 11, 21))),
                "counts": counts,
                "findings": findings,
                "status": "recorded",
                "note": "",
                "verify_note": "",
            }
        )
    visits.sort(key=lambda v: v["visited_at"])
    _write_visits(conn, visits, [round_id], uid, rows)


# ---------------------------------------------------------------- after the accounts and cards


def finish(uow: UnitOfWork) -> tuple[int, int]:
    """Inside the load's transaction, once the accounts and card cases exist: assign
    ``inspector1`` to the demo's rounds, and record the removal (免职) of the head of each
    escalated card's unit whom the demo replaced the next year. Returns (rounds assigned,
    head actions recorded); a second call does nothing."""
    return _assign_inspector(uow), _head_actions(uow)


def _assign_inspector(uow: UnitOfWork) -> int:
    s = uow.session
    user_id = s.scalar(select(User.id).where(User.username == INSPECTOR))
    if user_id is None:
        return 0
    codes = [campaign_code(y) for y in (*YEARS, OPEN_YEAR)]
    rounds = s.scalars(
        select(InspectionRound)
        .join(Campaign, Campaign.id == InspectionRound.campaign_id)
        .where(Campaign.code.in_(codes))
        .order_by(InspectionRound.id)
    ).all()
    done = 0
    for rnd in rounds:
        if any(i.user_id == user_id for i in rnd.inspectors):
            continue
        rnd.inspectors.append(InspectionRoundInspector(user_id=user_id))
        s.flush()
        audit.record(
            uow,
            "inspection_round.update",
            "inspection_round",
            rnd.id,
            {"inspectors": []},
            {"inspectors": [INSPECTOR]},
        )
        done += 1
    return done


def _head_actions(uow: UnitOfWork) -> int:
    s = uow.session
    cards = s.execute(
        select(CardCase, Campaign)
        .join(Campaign, Campaign.id == CardCase.campaign_id)
        .outerjoin(HeadAction, HeadAction.card_id == CardCase.id)
        .where(
            CardCase.status == "escalated",
            CardCase.head_removal_recommended,
            HeadAction.id.is_(None),
            Campaign.code.in_([campaign_code(y) for y in YEARS]),
        )
        .order_by(Campaign.year, CardCase.id)
    ).all()
    made = 0
    for card, campaign in cards:
        head = s.scalar(
            select(CampaignUnit.head_name).where(
                CampaignUnit.campaign_id == campaign.id, CampaignUnit.unit_id == card.unit_id
            )
        )
        following = _next_year_post(uow, campaign, card.unit_id)
        if not head or following is None or following[0] == head:
            continue  # the demo kept the head: the removal waits for an admin (pending)
        new_head, new_since = following
        if new_since is None or new_since.year != campaign.year + 1:
            continue
        made += 1
        action = HeadAction(
            card_id=card.id,
            unit_id=card.unit_id,
            outcome="removed",
            head_name=head,
            decided_on=new_since - timedelta(days=5 + 3 * (made % 4)),
            decision_body=HEADS_BODY,
            document_number=f"临组干〔{campaign.year + 1}〕{10 + made}号",
            reason="",
            new_head_name=new_head,
            new_head_since=new_since,
            recorded_by="admin",
            recorded_at=_at(new_since - timedelta(days=7), 10.0),
        )
        s.add(action)
        s.flush()
        unit_code = s.scalar(select(Unit.code).where(Unit.id == card.unit_id))
        audit.record(
            uow,
            "head_action.record",
            "head_action",
            action.id,
            None,
            {
                "card": card.id,
                "campaign": campaign.code,
                "unit": unit_code,
                "outcome": action.outcome,
                "head_name": head,
                "decided_on": action.decided_on.isoformat() if action.decided_on else None,
                "decision_body": action.decision_body,
                "document_number": action.document_number,
                "new_head_name": new_head,
                "new_head_since": new_since.isoformat(),
            },
        )
    return made


def _next_year_post(uow: UnitOfWork, campaign: Campaign, unit_id: int) -> tuple[str, Any] | None:
    """The head of the unit (or its successor) in the next year's campaign, and since when."""
    s = uow.session
    following = s.scalar(
        select(Campaign.id).where(
            Campaign.series_id == campaign.series_id, Campaign.year == campaign.year + 1
        )
    )
    if following is None:
        return None
    seen: set[int] = set()
    current: int | None = unit_id
    while current is not None and current not in seen:
        seen.add(current)
        row = s.execute(
            select(CampaignUnit.head_name, CampaignUnit.head_since).where(
                CampaignUnit.campaign_id == following, CampaignUnit.unit_id == current
            )
        ).first()
        if row is not None:
            return row[0], row[1]
        current = s.scalar(select(Unit.successor_id).where(Unit.id == current))
    return None
