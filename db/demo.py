"""The demo city 临江市: ``python -m db demo`` loads three yearly appraisals (十佳十差评议).

A fictional city of ten districts and about 300 units in four classes (机关处室 ``office``,
基层站所 ``grassroots``, 医疗卫生单位 ``health``, 公共服务企业 ``utility``), appraised in
2022, 2023 and 2024 by one campaign series. It is built so that a newcomer meets every
part of an appraisal at once:

- units renamed in an institutional reform (机构改革) keep their history through
  ``Unit.successor_id``; one of them is unsatisfactory before and after its renaming;
- each year's history (``HistoryEntry``) is the worst lists (十差) of the earlier years,
  computed by the scoring engine itself, so units unsatisfactory two years running
  (连续两年不满意) appear, and their heads are replaced the next year (就地免职);
- surveys of citizens 群众, service recipients 服务对象 and deputies 人大代表/政协委员, with
  comments naming the work-style problems 冷硬推/等靠要/庸懒散/假慢拖 and
  不作为/慢作为/乱作为, and quality problems to review: ballot stuffing from one device
  (刷票), too-fast and straight-lined answer sheets, identical comments, paper forms
  entered twice;
- sampling frames whose names and numbers are encrypted (:mod:`db.crypto`), phone cases
  with AAPOR final dispositions and every call attempt, evening calling hours, one
  caller whose interviews are suspiciously short;
- big-data indicators (办结率, 热线满意率, 超时办结件数, 复议纠错, 违纪案件), bonuses,
  deductions and vetoes (加分/扣分/一票否决) with reasons and document numbers;
- the rectification ledger (整改台账) of earlier worst-list units and appeals (申诉);
- the seeds' registries (:mod:`db.demo_registries`): inspections (明察暗访) with the three
  rates and their findings, accountability cases (问责案件) and typical cases published,
  fault-tolerance applications (容错免责) for overdue approvals, the heads removed from
  post; 2024's deductions from findings and cases are scored with the year.

Every campaign is then scored by the scoring service (``services.scoring``) and its run
stored; 2022 and 2023 are ``final`` and published (公示, with the results snapshot), 2024
is in ``review`` with its quarantined responses still waiting for a decision. A fourth
campaign, 2025, is in fieldwork with no answers yet: the citizen survey (问卷评议) takes
answers for it, by invitation token or verified mobile number, and its sampling frames
(service recipients and hotline callers, with their respondent groups) wait for the phone
sample to be drawn; a short do-not-call list (拒访名单) blocks a few of their numbers.

The fieldwork bulletin (评议通报) of 2024 is public, so a visitor who has not signed in
finds one: the units with the most dissatisfied answers over that year's fieldwork.

Everything is drawn from seeded generators, so every run gives the same city (only
ciphertexts differ: each has a fresh nonce). Rows are written in bulk (:mod:`db.demo_bulk`:
one ``executemany`` per table on SQLite, ``COPY`` on PostgreSQL) in one transaction,
together with (``accounts=True``, as ``python -m db demo`` does) the card cases and the
sign-in accounts: a load that fails or is killed at any point leaves nothing behind,
and ``python -m db demo`` finds the demo "already loaded" only when all of it was committed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import queue
import random
import threading
import time
from bisect import bisect
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import accumulate
from types import TracebackType
from typing import Any, Final

import numpy as np
from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import SessionTransaction

from db import audit, crypto
from db.demo_bulk import insert_ids, insert_keyed, insert_plain
from db.models import (
    Adjustment,
    Appeal,
    CallAttempt,
    Caller,
    Campaign,
    CampaignSeries,
    CampaignStatus,
    CampaignUnit,
    District,
    DoNotCall,
    FrameEntry,
    HistoryEntry,
    Indicator,
    IndicatorValue,
    Item,
    PhoneAnswer,
    PhoneCase,
    Publication,
    RectificationItem,
    RespondentGroup,
    SamplingFrame,
    Scale,
    ScaleOption,
    ScoringRun,
    SurveyAnswer,
    SurveyResponse,
    Unit,
)
from db.uow import UnitOfWork
from scoring.engine import score_campaign
from scoring.inputs import Answers, CampaignInputs
from scoring.params import parse_campaign_toml
from scoring.phone import disposition_class
from services.campaigns import results_snapshot
from services.scoring import freeze_bundle, score_stored_campaign
from survey.problems import DEFAULT_AGE_BANDS, DEFAULT_SEXES

CITY = "临江市"
SERIES_CODE = "lj-shuangping"
SERIES_NAME = "临江市机关和基层单位“十佳十差”评议（双评议）"
YEARS = (2022, 2023, 2024)  # appraised and scored
OPEN_YEAR = 2025  # in fieldwork: the citizen survey takes answers, nothing is scored yet
PUBLIC_BULLETIN_YEAR = 2024  # its fieldwork bulletin (通报) is public: the public page shows it
SEED = 20240101
CST = timezone(timedelta(hours=8))  # China Standard Time: calls and submissions are local


def _utc(at: datetime) -> datetime:
    """Timestamps are stored in UTC: SQLite keeps no offset, so a local time would be read
    back eight hours off by code that (rightly) assumes UTC."""
    return at.astimezone(UTC)


# Sample sizes per unit at scale 1. The eligibility minimums of campaign.toml scale with
# them, so a smaller demo (tests) still ranks nearly every unit.
SURVEY_PER_UNIT = 36
FRAME_PER_UNIT = 56
CASE_SHARE = 0.38  # of a unit's frame entries released in the first batch of phone cases
OPEN_FRAME_PER_UNIT = (30, 60)  # people per unit in the open year's frames, before the draw
OPEN_DO_NOT_CALL = 8  # of the open year's frame numbers on the do-not-call list
OTHER_DO_NOT_CALL = 4  # numbers on the list that are in no frame
DO_NOT_CALL_REASONS = ("本人要求不再来电", "曾投诉骚扰电话", "已注销号码", "单位工作人员，回避")
MIN_SURVEY = 20
MIN_PHONE = 8

CATEGORIES = {
    "office": ("机关处室", "government offices"),
    "grassroots": ("基层站所", "grassroots stations"),
    "health": ("医疗卫生单位", "health institutions"),
    "utility": ("公共服务企业", "public-service companies"),
}
CODE_PREFIX = {"office": "O", "grassroots": "G", "health": "H", "utility": "U"}

# Ten districts, four streets (街道) each; invented names in the style of a Yangtze city.
DISTRICTS = (
    ("江滨区", ("汉兴街", "永清街", "花桥街", "沿江街")),
    ("湖西区", ("湖滨街", "西苑街", "翠微街", "月湖街")),
    ("城南区", ("南湖街", "书院街", "长丰街", "古楼街")),
    ("云台区", ("云台街", "白鹭街", "松岭街", "金桥街")),
    ("新港区", ("新港街", "港湾街", "临港街", "东堤街")),
    ("东湖区", ("东亭街", "磨山街", "梨园街", "清平街")),
    ("龙泉区", ("龙泉街", "凤凰街", "青龙街", "桃源街")),
    ("白沙区", ("白沙街", "沙洲街", "鹦鹉街", "柳林街")),
    ("长乐区", ("长乐街", "安康街", "福寿街", "太平街")),
    ("清河区", ("清河街", "石桥街", "杨柳街", "三眼桥街")),
)
CITY_HOSPITALS = (
    "临江市第一人民医院",
    "临江市第二人民医院",
    "临江市第三人民医院",
    "临江市第四人民医院",
    "临江市中心医院",
    "临江市中医医院",
    "临江市儿童医院",
    "临江市妇幼保健院",
    "临江市精神卫生中心",
    "临江市肺科医院",
)


@dataclass(frozen=True, slots=True)
class Template:
    """A kind of unit: its category, today's name, the name before a renaming (if the kind
    was renamed in the reform), and the kind of its parent office (上级主管部门). Names are
    patterns: ``{d}`` district, ``{s}`` street, ``{stem}`` street without 街."""

    kind: str
    category: str
    name: str
    old_name: str = ""
    parent: str = ""

    def render(self, pattern: str, district: str, street: str) -> str:
        return pattern.format(d=district, s=street, stem=street.removesuffix("街"), city=CITY)


T = Template
OFFICE_FIXED = (
    T("police", "office", "{city}公安局{d}分局"),
    T("market", "office", "{d}市场监督管理局"),
    T("justice", "office", "{d}司法局"),
    T("urban", "office", "{d}城市管理执法局", "{d}城市管理局"),
    T("hr", "office", "{d}人力资源和社会保障局"),
)
OFFICE_OPTIONAL = (
    T("civil", "office", "{d}民政局"),
    T("housing", "office", "{d}住房和城市更新局", "{d}房产管理局"),
    T("land", "office", "{city}自然资源和规划局{d}分局", "{city}国土资源和规划局{d}分局"),
    T("emergency", "office", "{d}应急管理局", "{d}安全生产监督管理局"),
    T("health_bureau", "office", "{d}卫生健康局", "{d}卫生和计划生育委员会"),
    T("approval", "office", "{d}政务服务和大数据管理局", "{d}行政审批局"),
    T("ecology", "office", "{city}生态环境局{d}分局", "{d}环境保护局"),
    T("medical_insurance", "office", "{d}医疗保障局"),
    T("transport", "office", "{d}交通运输局"),
    T("education", "office", "{d}教育局"),
    T("veterans", "office", "{d}退役军人事务局"),
    T("tax", "office", "国家税务总局{city}{d}税务局"),
)
STATIONS = (
    T("police_station", "grassroots", "{s}派出所", parent="police"),
    T("justice_station", "grassroots", "{s}司法所", parent="justice"),
    T("market_station", "grassroots", "{d}市场监督管理局{stem}所", parent="market"),
    T("urban_squad", "grassroots", "{s}城管执法中队", "{s}城管中队", parent="urban"),
    T("service_center", "grassroots", "{s}政务服务中心", "{s}便民服务中心"),
    T("tax_station", "grassroots", "国家税务总局{city}{d}税务局{stem}税务所", parent="tax"),
)
# Eleven stations per district: a police station in every street, the rest spread out.
GRASSROOTS_MIX = (*(["police_station"] * 4), "justice_station", "justice_station", "market_station")
GRASSROOTS_MIX += ("market_station", "urban_squad", "service_center", "tax_station")
HEALTH = (
    T("district_hospital", "health", "{d}人民医院"),
    T("district_tcm", "health", "{d}中医医院"),
    T("maternal", "health", "{d}妇幼保健院"),
    T("cdc", "health", "{d}疾病预防控制中心", parent="health_bureau"),
    T("community", "health", "{s}社区卫生服务中心", "{stem}卫生院", parent="health_bureau"),
)
UTILITY = (
    T("water", "utility", "临江水务集团{d}营业厅", "{city}自来水公司{d}营业厅"),
    T("power", "utility", "国网临江供电公司{d}供电服务中心", "国网临江供电公司{d}供电营业厅"),
    T("gas", "utility", "临江燃气集团{d}客户服务中心"),
    T("bus", "utility", "临江公交集团{d}营运分公司"),
    T("metro", "utility", "临江地铁{stem}站"),
    T("petrol", "utility", "中石化临江{stem}加油站"),
)
TEMPLATES = {t.kind: t for t in (*OFFICE_FIXED, *OFFICE_OPTIONAL, *STATIONS, *HEALTH, *UTILITY)}


def _words(text: str) -> tuple[str, ...]:
    """Space-separated words: long lists of short Chinese names stay compact."""
    return tuple(text.split())


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
)
GIVEN_ONE = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华萍红梅琳鹏辉斌宇浩凯健俊帆旭波宁亮"
GIVEN_TWO = _words(
    "建华 志强 晓东 海燕 建国 丽娟 秀英 桂兰 文博 子涵 欣怡 浩然 俊杰 雨萱 志明 春梅 国庆 红霞 晓燕 建军 "
    "卫东 立新 淑芬 玉梅 文静 佳怡 一鸣 思远 梦琪 家豪 德胜 永刚 秋菊 新民 爱华 汉生"
)
MOBILE_PREFIXES = _words(
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 "
    "166 170 173 175 176 177 178 180 181 182 183 185 186 187 188 189 191 198 199"
)

# ---------------------------------------------------------------- questionnaire

SAT3 = (
    ("satisfied", "满意", "satisfied", 100.0),
    ("basically_satisfied", "基本满意", "basically satisfied", 60.0),
    ("dissatisfied", "不满意", "dissatisfied", 0.0),
    ("dont_know", "不了解", "don't know", None),
)
SAT3_SCORE = {code: score for code, _, _, score in SAT3}
# (code, text_zh, text_en, weight, satisfaction shift of the item)
SURVEY_ITEMS = (
    ("attitude", "工作人员的服务态度", "staff attitude", 1.0, 0.04),
    ("efficiency", "办事效率和办结时限", "efficiency and time limits", 1.0, -0.06),
    ("lawfulness", "依法依规办事、办事公开透明", "lawful and transparent handling", 1.0, 0.0),
    ("integrity", "廉洁自律、不吃拿卡要", "integrity", 1.0, 0.05),
    ("overall", "您对该单位的总体评价", "overall assessment of the unit", 2.0, 0.0),
)
PHONE_ITEMS = (
    ("overall", "您对该单位的总体工作是否满意", "overall satisfaction with the unit", 1.0, 0.0),
    ("resolved", "您办理的事项或反映的问题是否得到解决", "was your matter resolved", 1.0, -0.05),
)
GROUPS = (
    ("citizen", "群众", "citizens"),
    ("service_recipient", "服务对象", "service recipients"),
    ("deputy", "人大代表、政协委员", "deputies and CPPCC members"),
)
# the survey's own categories, so the demo's answers are raked as the page asks for them
AGE_BANDS = DEFAULT_AGE_BANDS
SEXES = DEFAULT_SEXES

# Work-style problems a respondent may name (十二害 grouped in threes, and the three 作为):
# the codes of survey.problems, with the Chinese used in the demo's ledger texts.
PROBLEM_TYPES = {
    "cold_hard_shirking": ("冷硬推", "cold, harsh, passing the buck"),
    "waiting_relying": ("等靠要", "waiting, relying on others, asking for more"),
    "mediocre_lazy_lax": ("庸懒散", "mediocre, lazy, lax"),
    "false_slow_delay": ("假慢拖", "pretence, slowness, procrastination"),
    "inaction": ("不作为", "inaction"),
    "slow_action": ("慢作为", "slow action"),
    "misconduct": ("乱作为", "misconduct"),
}
NEGATIVE_COMMENTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    # (comment, problem types, categories it fits; empty = any)
    ("窗口工作人员态度冷淡，多问两句就不耐烦", ("cold_hard_shirking",), ()),
    ("材料不全也不一次性告知，来回跑了三趟", ("cold_hard_shirking", "false_slow_delay"), ()),
    ("说不归他们管，让我去找别的部门，推来推去", ("cold_hard_shirking",), ()),
    ("反映的问题一直说要等上级批复，没有下文", ("waiting_relying", "inaction"), ("office", "grassroots")),
    ("工作时间窗口没人，工作人员在玩手机", ("mediocre_lazy_lax",), ()),
    ("业务不熟，同一个问题三个人三个说法", ("mediocre_lazy_lax",), ()),
    ("承诺一周办结，拖了一个多月还没办好", ("false_slow_delay", "slow_action"), ()),
    ("回复全是套话，问题根本没有解决", ("false_slow_delay", "inaction"), ()),
    ("举报无证经营多次，一直没人来查", ("inaction",), ("grassroots", "office")),
    ("夜间施工噪音扰民，投诉多次无人处理", ("inaction",), ("grassroots", "office")),
    ("审批材料交了二十多天才有回音", ("slow_action",), ("office", "grassroots")),
    ("执法时态度粗暴，没有出示证件就扣东西", ("misconduct", "cold_hard_shirking"), ("grassroots",)),
    ("要求提供法规没有规定的证明材料", ("misconduct",), ("office", "grassroots")),
    ("户口迁移跑了三趟还没办好", ("slow_action", "false_slow_delay"), ("grassroots",)),
    ("挂号排队两个小时，看病不到五分钟", ("slow_action",), ("health",)),
    ("医生态度生硬，问多了就不耐烦", ("cold_hard_shirking",), ("health",)),
    ("检查项目开得多，费用说不清楚", ("misconduct",), ("health",)),
    ("停水不提前通知，打客服电话也没人接", ("mediocre_lazy_lax", "cold_hard_shirking"), ("utility",)),
    ("燃气报修两天才上门", ("slow_action",), ("utility",)),
    ("营业厅只开一个窗口，排队一个多小时", ("mediocre_lazy_lax",), ("utility",)),
    ("收费标准不公开，多收了费用不给说法", ("misconduct",), ("utility",)),
)
POSITIVE_COMMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("办事效率高，一次就办好了", ()),
    ("工作人员很热情，耐心解释政策", ()),
    ("在家门口就能办，很方便", ("grassroots", "office")),
    ("民警上门帮老人办了身份证，点赞", ("grassroots",)),
    ("医生很负责，护士也很耐心", ("health",)),
    ("抢修很及时，半夜也有人来", ("utility",)),
    ("网上就能预约，不用排队", ()),
)
BURST_COMMENT = "服务热情周到，办事高效，非常满意！"

# ---------------------------------------------------------------- phone fieldwork

# Final AAPOR dispositions (telephone, methodology §3) and base shares before the caller effect.
DISPOSITIONS: tuple[tuple[str, float, str], ...] = (
    ("1.1", 0.44, ""),
    ("1.2", 0.02, "受访者中途挂断，仅完成第1题"),
    ("2.11", 0.08, "受访者表示不愿参加调查"),
    ("2.12", 0.03, "访问开始后受访者拒绝继续"),
    ("2.21", 0.04, "多次约访，受访者始终不方便"),
    ("2.32", 0.01, "受访者听力障碍，无法完成访问"),
    ("2.331", 0.005, "受访者只讲方言，调查员无法沟通"),
    ("3.12", 0.02, ""),
    ("3.13", 0.10, ""),
    ("3.15", 0.05, "号码被手机安全软件标记拦截"),
    ("3.21", 0.03, "接听后未确认身份即挂断"),
    ("3.90", 0.005, "其他原因未能访问"),
    ("4.32", 0.04, "空号"),
    ("4.33", 0.03, "停机"),
    ("4.41", 0.01, "号码已更换机主"),
    ("4.70", 0.04, "受访者表示近一年未到该单位办事"),
)
QUOTA_FILLED = ("4.80", "该单位样本配额已满，未拨打")
DISPOSITION_NOTES = {code: note for code, _, note in DISPOSITIONS} | dict([QUOTA_FILLED])
NO_ANSWER = ("3.13", "3.12", "2.35")  # temporary dispositions of unanswered or postponed calls
CALLERS = tuple(f"K{n:02d}" for n in range(1, 16))
SUSPICIOUS_CALLER = "K07"  # completes far too many interviews, far too quickly

# ---------------------------------------------------------------- indicators and adjustments

# (code, name, direction, weight, method, floor, target, source system, categories with values)
INDICATORS: tuple[tuple[str, str, str, float, str, float | None, float | None, str, tuple[str, ...]], ...] = (
    ("closure", "诉求办结率（%）", "higher", 0.30, "minmax", None, None, "12345市民服务热线工单系统", ()),
    (
        "hotline_satisfaction",
        "热线满意率（%）",
        "higher",
        0.30,
        "target",
        75.0,
        95.0,
        "12345市民服务热线回访系统",
        (),
    ),
    ("overtime", "超时办结件数", "lower", 0.15, "minmax", None, None, "行政审批电子监察系统", ()),
    (
        "reconsideration",
        "行政复议纠错件数",
        "lower",
        0.10,
        "minmax",
        None,
        None,
        "行政复议案件管理系统",
        ("office", "grassroots"),
    ),
    ("discipline", "违纪违法案件数", "lower", 0.15, "minmax", None, None, "纪检监察案件管理系统", ()),
)
BONUS_REASONS = (
    ("拼搏赶超目标全面完成", 3.0),
    ("获评省级文明单位", 2.0),
    ("“放管服”改革创新案例获全市推广", 2.0),
    ("获国务院大督查通报表扬", 5.0),
    ("“一网通办”事项办理量全市第一", 1.5),
)
DEDUCTION_REASONS = (
    ("明察暗访发现工作人员脱岗，全市通报", 2.0),
    ("12345热线投诉核实为不作为", 3.0),
    ("行政审批超时办结被亮红牌", 2.0),
    ("庸懒散问题被区纪委问责", 5.0),
    ("政务公开专项检查不合格", 1.0),
)
VETO_REASONS = ("发生严重违纪违法案件，一票否决", "发生重大安全生产责任事故，一票否决")


# ---------------------------------------------------------------- the city


@dataclass
class Incarnation:
    """A unit's code and name from ``first_year`` on (a renaming starts a new one)."""

    code: str
    name: str
    first_year: int


@dataclass
class Lineage:
    """One appraised unit across its names; ``quality`` drives its satisfaction levels."""

    key: int
    template: Template
    district: int
    street: str
    incarnations: list[Incarnation]
    quality: float
    since: int = YEARS[0]
    parent: int | None = None
    tiny: bool = False  # few service recipients: too few answers to be ranked
    heads: dict[int, str] = field(default_factory=dict)
    quality_by_year: dict[int, float] = field(default_factory=dict)

    @property
    def category(self) -> str:
        return self.template.category

    def at(self, year: int) -> Incarnation:
        """The code and name the unit had in ``year``."""
        return [i for i in self.incarnations if i.first_year <= year][-1]


@dataclass
class City:
    lineages: list[Lineage]

    def active(self, year: int) -> list[Lineage]:
        return [lin for lin in self.lineages if lin.since <= year]


def _rng(seed: int, *stream: object) -> random.Random:
    # Seeding with a string hashes it (SHA-512): stable across Python versions and platforms.
    return random.Random(":".join(str(s) for s in (seed, *stream)))


def person_name(rng: random.Random) -> str:
    """A plausible Chinese name (姓 + 名)."""
    given = rng.choice(GIVEN_TWO) if rng.random() < 0.55 else rng.choice(GIVEN_ONE)
    return rng.choice(SURNAMES) + given


def mobile_number(rng: random.Random) -> str:
    """A random mainland mobile number in E.164 form (not a real subscriber's, hopefully)."""
    return "+86" + rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def build_city(seed: int = SEED) -> City:
    """The units of the city: ~300 lineages in four categories across ten districts."""
    rng = _rng(seed, "city")
    lineages: list[Lineage] = []
    counters: Counter[tuple[int, str]] = Counter()
    used_names: set[str] = set()
    base_quality = {"office": 0.80, "grassroots": 0.78, "health": 0.72, "utility": 0.76}

    def add(d: int, street: str, tpl: Template, since: int = YEARS[0]) -> Lineage | None:
        name = tpl.render(tpl.name, DISTRICTS[d][0], street)
        if name in used_names:
            return None
        used_names.add(name)
        counters[(d, tpl.category)] += 1
        code = f"{CODE_PREFIX[tpl.category]}{d + 1:02d}{counters[(d, tpl.category)]:02d}"
        quality = min(0.97, max(0.45, rng.gauss(base_quality[tpl.category], 0.07)))
        lin = Lineage(len(lineages), tpl, d, street, [Incarnation(code, name, since)], quality, since=since)
        lineages.append(lin)
        return lin

    health = {t.kind: t for t in HEALTH}
    for d, (_district, streets) in enumerate(DISTRICTS):
        first = len(lineages)
        for tpl in (*OFFICE_FIXED, *rng.sample(OFFICE_OPTIONAL, 3)):
            add(d, streets[0], tpl)
        for i, kind in enumerate(GRASSROOTS_MIX):
            street = streets[i % 4] if kind == "police_station" else rng.choice(streets)
            while add(d, street, TEMPLATES[kind]) is None:  # that street has one already
                street = rng.choice(streets)
        add(d, streets[0], T("city_hospital", "health", CITY_HOSPITALS[d]))
        add(d, streets[0], health[rng.choice(("district_hospital", "district_tcm"))])
        add(d, streets[0], health[rng.choice(("maternal", "cdc"))])
        for street in rng.sample(streets, 2):
            add(d, street, health["community"])
        for tpl in UTILITY:
            add(d, rng.choice(streets), tpl)
        # parents: the district office of the right kind, when the district has one
        offices = {lin.template.kind: lin.key for lin in lineages[first:] if lin.category == "office"}
        for lin in lineages[first:]:
            lin.parent = offices.get(lin.template.parent)

    # A new metro line opens in 2024: two stations appraised for the first time (no history).
    for d in (2, 6):
        for street in DISTRICTS[d][1]:
            if add(d, street, TEMPLATES["metro"], since=YEARS[-1]) is not None:
                break

    # Tiny units: too few answers to be ranked (少数单位样本不足).
    for lin in rng.sample(lineages, len(lineages) // 40):
        lin.tiny = True

    # Problem units (persistently poor work style): one per category, plus a renamed one.
    renamable = [lin for lin in lineages if lin.template.old_name and lin.since == YEARS[0] and not lin.tiny]
    chronic = rng.choice([lin for lin in renamable if lin.category == "grassroots"])
    chronic.quality = 0.30
    for category in CATEGORIES:
        pool = [lin for lin in lineages if lin.category == category and lin is not chronic and not lin.tiny]
        rng.choice(pool).quality = rng.uniform(0.34, 0.40)

    # The institutional reform (机构改革) renames units in 2023 and 2024: new code, same history.
    renamed = [chronic, *rng.sample([lin for lin in renamable if lin is not chronic], 8)]
    for n, lin in enumerate(renamed):
        year = YEARS[1] if n < 6 else YEARS[2]
        tpl, current = lin.template, lin.incarnations[0]
        old = Incarnation(
            current.code, tpl.render(tpl.old_name, DISTRICTS[lin.district][0], lin.street), YEARS[0]
        )
        new_code = current.code[:3] + f"{int(current.code[3:]) + 50:02d}"
        lin.incarnations = [old, Incarnation(new_code, current.name, year)]
    return City(lineages)


# ---------------------------------------------------------------- one year's data


@dataclass
class YearData:
    """Everything generated for one campaign, before it is written or scored."""

    year: int
    units: list[Lineage]
    code_of: dict[int, str]  # lineage key -> unit code this year
    toml: str
    responses: list[dict[str, Any]] = field(default_factory=list)
    answers: list[tuple[int, int, str]] = field(default_factory=list)  # (response idx, item idx, code)
    frames: list[tuple[str, str]] = field(default_factory=list)  # (name, source)
    entries: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    phone_answers: list[tuple[int, int, str]] = field(default_factory=list)  # (case idx, item idx, code)
    callers: list[str] = field(default_factory=list)
    values: list[tuple[int, int, float]] = field(default_factory=list)  # (indicator idx, unit pos, value)
    adjustments: list[dict[str, Any]] = field(default_factory=list)
    history: dict[tuple[int, int], bool] = field(default_factory=dict)  # (unit pos, year) -> unsatisfactory
    registries: Any = None  # the year in review's inspections and cases (db.demo_registries.Review)


@dataclass(frozen=True)
class Outcome:
    """What the scoring engine says about one year (lineage keys)."""

    worst: frozenset[int]
    consecutive: frozenset[int]
    carded: frozenset[int]
    n_eligible: int


def campaign_code(year: int) -> str:
    return f"lj-{year}"


def campaign_toml(year: int, scale: float) -> str:
    """``campaign.toml`` of one year; minimum sample sizes follow the demo's scale."""
    min_survey, min_phone = _minimums(scale)
    return f"""[campaign]
id = "{campaign_code(year)}"
name = "{CITY}{year}年度机关和基层单位“十佳十差”评议"
series = "{SERIES_CODE}"
year = {year}

[weights.components]
survey = 0.55
phone = 0.25
bigdata = 0.20

[weights.groups]
citizen = 0.4
service_recipient = 0.4
deputy = 0.2

[weighting.margins.age_band]
"18-34" = 0.32
"35-59" = 0.45
"60+" = 0.23

[weighting.margins.sex]
male = 0.5
female = 0.5

[ranking]
group_by = "category"
top_n = 10
worst_only_below = 75.0

[eligibility]
min_survey = {min_survey}
min_phone = {min_phone}

[uncertainty]
replicates = 1000
seed = {year}1231
"""


def _minimums(scale: float) -> tuple[int, int]:
    return max(3, round(MIN_SURVEY * scale)), max(2, round(MIN_PHONE * scale))


def _p_satisfied(q: float) -> float:
    return min(0.98, max(0.02, q))


def _answer(rng: random.Random, q: float, dont_know: float = 0.04) -> str:
    """One sat3 answer of a person whose chance of 满意 is ``q`` (60:40 基本满意:不满意 otherwise)."""
    u = rng.random()
    if u < dont_know:
        return "dont_know"
    u = (u - dont_know) / (1 - dont_know)
    p = _p_satisfied(q)
    if u < p:
        return "satisfied"
    return "basically_satisfied" if u < p + (1 - p) * 0.6 else "dissatisfied"


def _score(codes: Sequence[tuple[str, float]]) -> float | None:
    """Weighted response score r_i of (code, item weight) pairs (methodology §1)."""
    num = den = 0.0
    for code, weight in codes:
        s = SAT3_SCORE[code]
        if s is not None:
            num += weight * s
            den += weight
    return num / den if den else None


def _stamp(
    rng: random.Random, start: datetime, days: int, hours: tuple[float, float] = (8.0, 22.0)
) -> datetime:
    day = start + timedelta(days=rng.randrange(days))
    return day + timedelta(hours=rng.uniform(*hours))


def simulate_year(city: City, year: int, outcomes: dict[int, Outcome], scale: float, seed: int) -> YearData:
    """Generate one campaign's data; ``outcomes`` are the scored earlier years."""
    data = prepare_year(city, year, outcomes, scale, seed)
    _simulate_surveys(data, _rng(seed, year, "survey"), scale)
    _simulate_phone(data, _rng(seed, year, "phone"), scale)
    _simulate_indicators(data, _rng(seed, year, "indicators"))
    _simulate_adjustments(data, _rng(seed, year, "adjustments"))
    if year == YEARS[-1]:
        from db import demo_registries  # it builds on this module

        demo_registries.simulate_review_year(data, seed)  # its deductions are scored with the year
    return data


def prepare_year(city: City, year: int, outcomes: dict[int, Outcome], scale: float, seed: int) -> YearData:
    """One campaign before its fieldwork: its units, their heads and their history."""
    units = city.active(year)
    data = YearData(year, units, {lin.key: lin.at(year).code for lin in units}, campaign_toml(year, scale))
    rng = _rng(seed, year, "people")
    prev = outcomes.get(year - 1)
    for lin in units:
        # Quality drifts; a unit carded last year has rectified (整改) and improves.
        if year == lin.since:
            q = lin.quality
        else:
            q = lin.quality_by_year[year - 1] + rng.gauss(0.0, 0.03)
            if prev is not None and lin.key in prev.carded:
                q += 0.06
        lin.quality_by_year[year] = min(0.97, max(0.2, q))
        # Heads: removed from post after two unsatisfactory years (就地免职), otherwise some turnover.
        if year == lin.since or (prev is not None and lin.key in prev.consecutive) or rng.random() < 0.07:
            lin.heads[year] = person_name(rng)
        else:
            lin.heads[year] = lin.heads[year - 1]
    for pos, lin in enumerate(units):
        for earlier in YEARS:
            if lin.since <= earlier < year:
                data.history[(pos, earlier)] = lin.key in outcomes[earlier].worst
    return data


def _pick_comment(
    rng: random.Random, category: str, negative: bool, used: set[str] | None = None
) -> tuple[str, list[str]]:
    """A stock comment for a unit of ``category``; with ``used``, none the unit already got
    (people do not write word-for-word the same sentence about one unit; only the
    ballot-stuffing bursts do), and no comment once the unit's pool is used up."""
    taken = used if used is not None else set()
    if negative:
        pool = [c for c in NEGATIVE_COMMENTS if (not c[2] or category in c[2]) and c[0] not in taken]
        if not pool:
            return "", []
        text, types, _ = rng.choice(pool)
        taken.add(text)
        return text, list(types)
    texts = [c for c, cats in POSITIVE_COMMENTS if (not cats or category in cats) and c not in taken]
    if not texts:
        return "", []
    text = rng.choice(texts)
    taken.add(text)
    return text, []


class _Weighted:
    """A weighted draw exactly as ``rng.choices(population, weights)[0]`` makes it (one
    ``random()`` placed among the running sums of the weights), with the sums added up
    once instead of at every draw: the demo makes some 400,000 such draws."""

    __slots__ = ("cum", "hi", "population", "total")

    def __init__(self, population: Sequence[Any], weights: Sequence[float]) -> None:
        self.population = tuple(population)
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1] + 0.0
        self.hi = len(self.cum) - 1

    def draw(self, rng: random.Random) -> Any:
        return self.population[bisect(self.cum, rng.random() * self.total, 0, self.hi)]


# a respondent's channel and age band (deputies answer mostly on paper), and sex
DEPUTY_CHANNEL = _Weighted(("paper", "web"), (0.6, 0.4))
DEPUTY_AGE = _Weighted((0, 1, 2), (0.1, 0.7, 0.2))
CHANNEL = _Weighted(("wechat", "sms", "web", "kiosk", "paper"), (0.40, 0.25, 0.12, 0.13, 0.10))
AGE = _Weighted((0, 1, 2), (0.40, 0.43, 0.17))
SEX = _Weighted((0, 1), (0.44, 0.56))


def _simulate_surveys(data: YearData, rng: random.Random, scale: float) -> None:
    year, in_review = data.year, data.year == YEARS[-1]
    start = datetime(year, 11, 1, tzinfo=CST)
    n_items = len(SURVEY_ITEMS)
    # Ballot stuffing (刷票): staff of a few weak units submit bursts from one phone.
    weak = sorted(data.units, key=lambda lin: lin.quality_by_year[year])[:40]
    stuffers = {lin.key for lin in rng.sample(weak, 5)}
    seen_phones: set[tuple[int, str]] = set()

    def add(pos: int, **row: Any) -> int:
        row.setdefault("comment", "")
        row.setdefault("problem_types", [])
        row.setdefault("quality_flags", [])
        row.setdefault("review_note", "")
        row.setdefault("respondent_hash", None)
        row.setdefault("respondent_name_enc", None)
        row["unit_pos"] = pos
        row["code"] = f"R{year % 100:02d}{len(data.responses) + 1:06d}"
        data.responses.append(row)
        return len(data.responses) - 1

    for pos, lin in enumerate(data.units):
        q_unit = lin.quality_by_year[year]
        n = round(scale * SURVEY_PER_UNIT * rng.lognormvariate(0.0, 0.25) * (0.25 if lin.tiny else 1.0))
        group_draw = _Weighted((0, 1, 2), (0.55, 0.42, 0.12 if lin.category == "office" else 0.03))
        last_paper: int | None = None
        comments_used: set[str] = set()
        for _ in range(max(2, n)):
            g = group_draw.draw(rng)
            if g == 2:
                channel = DEPUTY_CHANNEL.draw(rng)
                age = DEPUTY_AGE.draw(rng)
            else:
                channel = CHANNEL.draw(rng)
                age = AGE.draw(rng)
            sex = SEX.draw(rng)
            mood = q_unit + (0.0, 0.03, 0.05)[g] + (-0.04, 0.0, 0.05)[age] + rng.gauss(0.0, 0.12)
            codes = [_answer(rng, mood + it[4]) for it in SURVEY_ITEMS]
            attrs = {"age_band": AGE_BANDS[age], "sex": SEXES[sex], "district": DISTRICTS[lin.district][0]}
            if rng.random() < 0.03:
                del attrs[rng.choice(("age_band", "sex"))]  # the respondent skipped the question
            row: dict[str, Any] = {
                "group": g,
                "channel": channel,
                "submitted_at": _stamp(rng, start, 40).isoformat(timespec="seconds"),
                "status": "valid",
                "attributes": attrs,
                "duration_seconds": None if channel == "paper" else round(math.exp(rng.gauss(4.5, 0.45)), 1),
            }
            if channel != "paper":
                # One answer per verified number per unit (SMS code or WeChat binding).
                phone = mobile_number(rng)
                while (pos, phone) in seen_phones:
                    phone = mobile_number(rng)
                seen_phones.add((pos, phone))
                row["respondent_hash"] = phone
                row["device_hash"] = f"device-{rng.getrandbits(64):016x}"
                row["network_hash"] = f"net-{rng.getrandbits(32):08x}"
            if g == 2:
                row["respondent_name_enc"] = person_name(rng)  # deputies sign their forms
            r = _score([(c, it[3]) for c, it in zip(codes, SURVEY_ITEMS, strict=True)])
            if r is not None and r < 60 and rng.random() < 0.55:
                row["comment"], row["problem_types"] = _pick_comment(rng, lin.category, True, comments_used)
            elif r is not None and r >= 90 and rng.random() < 0.12:
                row["comment"], _ = _pick_comment(rng, lin.category, False, comments_used)
            flags = []
            if row["duration_seconds"] is not None and row["duration_seconds"] < 25:
                flags.append("too_fast")
            if len(set(codes)) == 1 and (row["duration_seconds"] or 99.0) < 45:
                flags.append("straight_lining")  # the same answer everywhere, and quickly
            row["quality_flags"] = flags
            if "too_fast" in flags:
                # Too fast to have read the questions: held back for review. Reviewed in final years.
                if in_review:
                    row["status"] = "quarantined"
                elif rng.random() < 0.6:
                    row["review_note"] = "人工复核：回访确认为本人真实评价，恢复有效"
                else:
                    row["status"] = "quarantined"
                    row["review_note"] = "人工复核：回访无法确认，不计入统计"
            if channel == "paper" and last_paper is not None and rng.random() < 0.03:
                # The same paper form keyed in twice (纸质问卷重复录入).
                twin = data.responses[last_paper]
                row.update(
                    {
                        k: twin[k]
                        for k in ("group", "attributes", "comment", "problem_types", "respondent_name_enc")
                    },
                    status="duplicate",
                    review_note=f"与{twin['code']}为同一张纸质问卷，重复录入",
                )
                codes = [c for _, _, c in data.answers[twin["first_answer"] : twin["first_answer"] + n_items]]
            elif rng.random() < 0.003:
                row["status"] = "withdrawn"
                row["review_note"] = "评议人申请撤回"
            row["first_answer"] = len(data.answers)
            idx = add(pos, **row)
            data.answers.extend((idx, j, c) for j, c in enumerate(codes))
            if channel == "paper":
                last_paper = idx

        if lin.key in stuffers:
            k = rng.randint(8, 14)
            at = _stamp(rng, start, 40, (12.0, 13.0))
            device, network = f"device-{rng.getrandbits(64):016x}", f"net-{rng.getrandbits(32):08x}"
            for i in range(k):
                phone = mobile_number(rng)
                while (pos, phone) in seen_phones:
                    phone = mobile_number(rng)
                seen_phones.add((pos, phone))
                same_comment = i % 2 == 0
                flags = ["device_burst", "too_fast", "straight_lining"]
                if same_comment:
                    flags.append("identical_comment")
                idx = add(
                    pos,
                    group=1,
                    channel="wechat",
                    submitted_at=(at + timedelta(seconds=95 * i + rng.randrange(60))).isoformat(
                        timespec="seconds"
                    ),
                    status="quarantined",
                    attributes={
                        "age_band": "35-59",
                        "sex": SEXES[i % 2],
                        "district": DISTRICTS[lin.district][0],
                    },
                    duration_seconds=round(rng.uniform(6, 18), 1),
                    respondent_hash=phone,
                    device_hash=device,
                    network_hash=network,
                    comment=BURST_COMMENT if same_comment else "",
                    quality_flags=flags,
                    review_note=""
                    if in_review
                    else "复核：同一设备午间集中提交，认定为组织刷票，不计入统计，已移交纪检部门",
                    first_answer=len(data.answers),
                )
                data.answers.extend((idx, j, "satisfied") for j in range(n_items))


def _simulate_phone(data: YearData, rng: random.Random, scale: float) -> None:
    year = data.year
    data.callers = sorted(
        rng.sample(CALLERS[:-3], 9) + list(CALLERS[-3:]) if year == YEARS[-1] else CALLERS[:12]
    )
    if SUSPICIOUS_CALLER not in data.callers:
        data.callers = sorted([*data.callers[:-1], SUSPICIOUS_CALLER])
    skill = {c: rng.uniform(0.8, 1.2) for c in data.callers}
    skill[SUSPICIOUS_CALLER] = 1.6
    load = [rng.uniform(0.7, 1.3) for _ in data.callers]
    codes = [d[0] for d in DISPOSITIONS]
    caller_draw = _Weighted(data.callers, load)
    disposition_draw = {
        caller: _Weighted(codes, [w * (skill[caller] if c == "1.1" else 1.0) for c, w, _ in DISPOSITIONS])
        for caller in data.callers
    }
    data.frames = [
        (f"{year}年度政务服务办件服务对象", "临江市政务服务一体化平台办件库"),
        (f"{year}年度医疗与公共服务用户回访名单", "各单位报送名单及12345市民服务热线工单"),
    ]
    field_start = datetime(year, 11, 10, tzinfo=CST)
    quota = _minimums(scale)[1] + max(2, round(4 * scale))  # completes wanted per unit
    for pos, lin in enumerate(data.units):
        frame = 0 if lin.category in ("office", "grassroots") else 1
        n_frame = max(4, round(scale * FRAME_PER_UNIT * rng.lognormvariate(0.0, 0.2)))
        phones: set[str] = set()
        first_entry = len(data.entries)
        for _ in range(n_frame):
            phone = mobile_number(rng)
            while phone in phones:
                phone = mobile_number(rng)
            phones.add(phone)
            served = date(year, 1, 1) + timedelta(days=rng.randrange(300))
            prefix = {"office": "LJZW", "grassroots": "LJZW", "health": "MZ", "utility": "GD"}[lin.category]
            data.entries.append(
                {
                    "frame": frame,
                    "unit_pos": pos,
                    "name": person_name(rng),
                    "phone": phone,
                    "service_date": served,
                    "case_number": f"{prefix}{served:%Y%m%d}{rng.randrange(10**5):05d}",
                }
            )
        # Replicates are released in batches (分批释放样本): the first batch for every unit, a
        # second one where the first fell short of the quota; cases still open when the quota
        # is met are closed unworked (4.80).
        order = rng.sample(range(first_entry, len(data.entries)), n_frame)
        first_batch = max(2, round(CASE_SHARE * n_frame))
        completes = 0
        for i, entry in enumerate(order):
            batch = 1 if i < first_batch else 2
            if batch == 2 and (completes >= quota or i >= 2 * first_batch):
                break
            caller = caller_draw.draw(rng)
            disposition = QUOTA_FILLED[0] if completes >= quota else disposition_draw[caller].draw(rng)
            case = {
                "code": f"C{year % 100:02d}{len(data.cases) + 1:06d}",
                "unit_pos": pos,
                "entry": entry,
                "caller": caller,
                "disposition": disposition,
                "batch": batch,
            }
            case["attempts"] = _simulate_attempts(data, rng, case, field_start)
            if case["attempts"] == 0:
                case["caller"] = None
            data.cases.append(case)
            idx = len(data.cases) - 1
            q = lin.quality_by_year[year] - 0.03 + rng.gauss(0.0, 0.12)
            if disposition == "1.1":
                completes += 1
                data.phone_answers.extend(
                    (idx, j, _answer(rng, q + it[4], 0.03)) for j, it in enumerate(PHONE_ITEMS)
                )
            elif disposition == "1.2":
                data.phone_answers.append((idx, 0, _answer(rng, q, 0.03)))


def _simulate_open_frames(data: YearData, rng: random.Random, scale: float) -> None:
    """The open year's sampling frames, before any draw: for each unit 30–60 people (at
    scale 1) who were served at its counters (服务对象) or called the hotline about it
    (群众), with their respondent group, so a supervisor can preview and draw a sample."""
    year = data.year
    data.frames = [
        (f"{year}年度政务服务办件服务对象", "临江市政务服务一体化平台办件库"),
        (f"{year}年度12345热线来电市民", "12345市民服务热线工单系统"),
    ]
    low, high = OPEN_FRAME_PER_UNIT
    for pos in range(len(data.units)):
        n_frame = max(4, round(scale * rng.randint(low, high)))
        phones: set[str] = set()
        for _ in range(n_frame):
            phone = mobile_number(rng)
            while phone in phones:
                phone = mobile_number(rng)
            phones.add(phone)
            frame = 0 if rng.random() < 0.7 else 1
            served = date(year, 1, 1) + timedelta(days=rng.randrange(280))
            prefix = "LJZW" if frame == 0 else "RX"
            data.entries.append(
                {
                    "frame": frame,
                    "unit_pos": pos,
                    "name": person_name(rng),
                    "phone": phone,
                    "service_date": served,
                    "case_number": f"{prefix}{served:%Y%m%d}{rng.randrange(10**5):05d}",
                    "respondent_group": ("service_recipient", "citizen")[frame],
                }
            )


def do_not_call_list(data: YearData, rng: random.Random) -> list[tuple[str, str]]:
    """(number, reason) of the do-not-call list (拒访名单): a few people of the open year's
    frames who asked not to be called again, and a few numbers in no frame."""
    listed = [e["phone"] for e in rng.sample(data.entries, min(OPEN_DO_NOT_CALL, len(data.entries)))]
    framed = {e["phone"] for e in data.entries}
    while len(listed) < min(OPEN_DO_NOT_CALL, len(data.entries)) + OTHER_DO_NOT_CALL:
        phone = mobile_number(rng)
        if phone not in framed and phone not in listed:
            listed.append(phone)
    return [(phone, rng.choice(DO_NOT_CALL_REASONS)) for phone in listed]


def _write_do_not_call(
    conn: Connection, listed: list[tuple[str, str]], keyring: crypto.Keyring, rows: Counter[str]
) -> None:
    """The list keeps only keyed hashes: the numbers themselves are never stored."""
    insert_plain(
        conn,
        DoNotCall,
        [{"phone_hash": keyring.keyed_hash(phone), "reason": reason} for phone, reason in listed],
        rows,
    )


def _simulate_attempts(data: YearData, rng: random.Random, case: dict[str, Any], start: datetime) -> int:
    """The call attempts of a case, ending in its final disposition; returns how many.

    Calls are placed on weekday evenings, 18:00–20:30 local time, as residents are home."""
    disposition, caller = case["disposition"], case["caller"]
    note = DISPOSITION_NOTES[disposition]
    if disposition == QUOTA_FILLED[0]:
        return 0  # the unit's quota was met before this case was dialled
    if disposition in ("3.13", "3.12", "2.21"):
        n = rng.randint(4, 6)  # the callback rule: at least four attempts on different evenings
    elif disposition.startswith("4."):
        n = rng.randint(1, 2)
    else:
        n = 1 + min(4, int(rng.expovariate(1.2)))
    suspicious = caller == SUSPICIOUS_CALLER
    day = start + timedelta(days=rng.randrange(25))
    for k in range(n):
        last = k == n - 1
        while day.weekday() >= 5:  # no calls at weekends
            day += timedelta(days=1)
        at = day + timedelta(hours=18 + rng.uniform(0, 2.5))
        day += timedelta(days=2)  # the next attempt on another evening
        if last:
            temp = disposition
        elif disposition == "3.12":
            temp = "3.12"
        elif disposition == "3.13":
            temp = "3.13"
        else:
            temp = rng.choice(NO_ANSWER)
        talked = temp in ("1.1", "1.2", "2.11", "2.12", "2.32", "2.331", "3.21", "4.70")
        if temp == "1.1":
            seconds = rng.uniform(40, 70) if suspicious else rng.uniform(150, 420)
        elif talked:
            seconds = rng.uniform(15, 120)
        else:
            seconds = rng.uniform(20, 45) if temp in ("3.13", "2.35") else rng.uniform(1, 5)
        text = note if last else ("受访者正在开车，约晚上再打" if temp == "2.35" else "")
        if last and temp == "1.1" and suspicious and data.year == YEARS[-1]:
            text = "录音抽检：访问时长明显偏短，待复核"
        data.attempts.append(
            {
                "case": len(data.cases),
                "caller": caller,
                "started_at": at,
                "duration_seconds": round(seconds, 1),
                "disposition": temp,
                "call_sid": "CA" + rng.getrandbits(128).to_bytes(16, "big").hex(),
                "recording_url": f"recordings/{data.year}/{case['code']}-{k + 1}.mp3" if talked else "",
                "note": text,
            }
        )
    return n


def _simulate_indicators(data: YearData, rng: random.Random) -> None:
    for pos, lin in enumerate(data.units):
        q = lin.quality_by_year[data.year]
        missing = rng.random() < 0.015  # a unit whose systems reported nothing
        for k, (code, *_rest, categories) in enumerate(INDICATORS):
            if missing or (categories and lin.category not in categories) or rng.random() < 0.02:
                continue
            if code == "closure":
                value = round(min(100.0, 80 + 20 * q + rng.gauss(0, 2.5)), 2)
            elif code == "hotline_satisfaction":
                value = round(min(100.0, max(40.0, 55 + 42 * q + rng.gauss(0, 4))), 2)
            elif code == "overtime":
                value = float(_poisson(rng, 18 * (1 - q) + 0.5))
            elif code == "reconsideration":
                value = float(_poisson(rng, 2.5 * (1 - q)))
            else:
                value = float(_poisson(rng, 0.6 * (1 - q)))
            data.values.append((k, pos, value))


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method: small means only, and stable across Python versions.
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _simulate_adjustments(data: YearData, rng: random.Random) -> None:
    year = data.year
    order = sorted(range(len(data.units)), key=lambda p: data.units[p].quality_by_year[year])
    good, weak = order[-120:], order[:80]
    for pos in sorted(rng.sample(good, 16)):
        for _ in range(2 if rng.random() < 0.2 else 1):  # some units hit the bonus cap
            reason, points = rng.choice(BONUS_REASONS)
            data.adjustments.append(
                {"unit_pos": pos, "kind": "bonus", "points": points, "reason": reason, "doc": "临评办"}
            )
    for pos in sorted(rng.sample(weak, 12)):
        reason, points = rng.choice(DEDUCTION_REASONS)
        data.adjustments.append(
            {"unit_pos": pos, "kind": "deduction", "points": points, "reason": reason, "doc": "临纪通"}
        )
    for pos in sorted(rng.sample(order[:150], 1 if year != YEARS[1] else 2)):
        data.adjustments.append(
            {
                "unit_pos": pos,
                "kind": "veto",
                "points": None,
                "reason": rng.choice(VETO_REASONS),
                "doc": "临纪发",
            }
        )
    for n, adj in enumerate(data.adjustments):
        adj["evidence_name"] = f"{adj.pop('doc')}〔{year}〕{n + 3}号.pdf"


# ---------------------------------------------------------------- scoring a year in memory


def score_year(data: YearData) -> Outcome:
    """Score the generated year with the engine itself (no bootstrap) to learn its worst
    lists, so that next year's history is what the published results said."""
    info, params, defects = parse_campaign_toml(data.toml)
    if info is None or defects:
        raise RuntimeError(f"the demo's campaign.toml is invalid: {defects}")
    params = dataclasses.replace(params, replicates=0)
    n_units = len(data.units)
    survey_weights = np.array([it[3] for it in SURVEY_ITEMS])
    phone_weights = np.array([it[3] for it in PHONE_ITEMS])

    def answers(rows: list[tuple[int, int, str]], weights: np.ndarray) -> Answers:
        owner = np.array([r[0] for r in rows], dtype=np.int64)
        item = np.array([r[1] for r in rows], dtype=np.int64)
        score = np.array([np.nan if SAT3_SCORE[r[2]] is None else SAT3_SCORE[r[2]] for r in rows])
        return Answers(owner, weights[item].astype(np.float64), score.astype(np.float64))

    margins = {var: tuple(shares) for var, shares in params.margins.items()}
    response_vars = {
        var: np.array(
            [
                cats.index(r["attributes"][var]) if r["attributes"].get(var) in cats else -1
                for r in data.responses
            ],
            dtype=np.int64,
        )
        for var, cats in margins.items()
    }
    callers = tuple(data.callers)
    n_ind = len(INDICATORS)
    value = np.full((n_units, n_ind), np.nan)
    for k, pos, v in data.values:
        value[pos, k] = v
    bonus, deduction, vetoed = np.zeros(n_units), np.zeros(n_units), np.zeros(n_units, dtype=bool)
    for adj in data.adjustments:
        if adj["kind"] == "bonus":
            bonus[adj["unit_pos"]] += adj["points"]
        elif adj["kind"] == "deduction":
            deduction[adj["unit_pos"]] += adj["points"]
        else:
            vetoed[adj["unit_pos"]] = True
    inputs = CampaignInputs(
        unit_ids=tuple(data.code_of[lin.key] for lin in data.units),
        unit_names=tuple(lin.at(data.year).name for lin in data.units),
        unit_categories=tuple(lin.category for lin in data.units),
        unit_heads=tuple(lin.heads[data.year] for lin in data.units),
        response_unit=np.array([r["unit_pos"] for r in data.responses], dtype=np.int64),
        response_group=np.array([r["group"] for r in data.responses], dtype=np.int64),
        response_valid_status=np.array([r["status"] == "valid" for r in data.responses]),
        group_names=tuple(g[0] for g in GROUPS),
        response_vars=response_vars,
        var_categories=margins,
        survey_answers=answers(data.answers, survey_weights),
        case_unit=np.array([c["unit_pos"] for c in data.cases], dtype=np.int64),
        case_class=np.array([disposition_class(c["disposition"]) for c in data.cases], dtype=np.int64),
        case_caller=np.array(
            [callers.index(c["caller"]) if c["caller"] else -1 for c in data.cases], dtype=np.int64
        ),
        caller_ids=callers,
        phone_answers=answers(data.phone_answers, phone_weights),
        indicator_ids=tuple(k[0] for k in INDICATORS),
        indicator_weight=np.array([k[3] for k in INDICATORS]),
        indicator_higher=np.array([k[2] == "higher" for k in INDICATORS]),
        indicator_target_method=np.array([k[4] == "target" for k in INDICATORS]),
        indicator_floor=np.array([np.nan if k[5] is None else k[5] for k in INDICATORS]),
        indicator_target=np.array([np.nan if k[6] is None else k[6] for k in INDICATORS]),
        indicator_value=value,
        bonus_points=bonus,
        deduction_points=deduction,
        vetoed=vetoed,
        history=data.history,
    )
    result = score_campaign(inputs, params, year=data.year, threads=1)
    keys = [lin.key for lin in data.units]

    def pick(mask: np.ndarray) -> frozenset[int]:
        return frozenset(keys[i] for i in np.flatnonzero(mask))

    return Outcome(
        worst=pick(result.standing.worst),
        consecutive=pick(result.standing.consecutive),
        carded=pick(np.array([c != "" for c in result.standing.card], dtype=bool)),
        n_eligible=int(result.eligibility.eligible.sum()),
    )


# ---------------------------------------------------------------- writing


@dataclass
class DemoSummary:
    """What ``load_demo`` did; ``already_loaded`` means it found the demo and changed nothing."""

    already_loaded: bool = False
    units: int = 0
    campaigns: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    outcomes: dict[int, Outcome] = field(default_factory=dict)
    scored: list[str] = field(default_factory=list)
    cards: int = 0  # card cases opened (with ``accounts``)
    accounts: list[str] = field(default_factory=list)  # sign-in accounts made (with ``accounts``)
    seconds: float = 0.0

    def describe(self) -> str:
        if self.already_loaded:
            if self.cards or self.accounts:
                return (
                    f"the demo city {CITY} is already loaded (campaign series {SERIES_CODE}); "
                    "made what an interrupted load had left out"
                )
            return f"the demo city {CITY} is already loaded (campaign series {SERIES_CODE}); nothing changed"
        total = sum(self.rows.values())
        lines = [
            f"loaded the demo city {CITY}: {self.units} units in {len(CATEGORIES)} categories and "
            f"{len(DISTRICTS)} districts, {self.campaigns} campaigns "
            f"({', '.join(map(str, (*YEARS, OPEN_YEAR)))}), "
            f"{total:,} rows in {self.seconds:.1f} s"
        ]
        for year, o in self.outcomes.items():
            lines.append(
                f"  {year}: {o.n_eligible} units ranked, {len(o.worst)} in the worst lists (十差), "
                f"{len(o.consecutive)} unsatisfactory two years running"
            )
        lines += [f"  {name:22s} {n:>9,d}" for name, n in self.rows.items()]
        if self.scored:
            lines.append(f"  scored: {', '.join(self.scored)}")
        return "\n".join(lines)


class DemoConflict(RuntimeError):
    """The database holds units with the demo's codes but not the demo itself."""


class _Within(UnitOfWork):
    """A unit of work inside ``outer``'s open transaction, for services that open and
    commit their own: their ``commit`` releases a savepoint, a failure rolls back to it,
    and nothing is durable until ``outer`` commits."""

    def __init__(self, outer: UnitOfWork, actor: str) -> None:  # no session factory of its own
        self._outer = outer
        self.actor = actor
        self.committed = False

    def __enter__(self) -> _Within:
        self.session = self._outer.session
        self._savepoint: SessionTransaction = self.session.begin_nested()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._savepoint.is_active:
            self._savepoint.rollback()

    def commit(self) -> None:
        self._savepoint.commit()
        self.committed = True

    def rollback(self) -> None:
        self._savepoint.rollback()


def _cards_and_accounts(uow: UnitOfWork) -> tuple[int, list[str]]:
    """Open the card cases and create the sign-in accounts inside ``uow``'s transaction.

    The services that do it commit their own units of work: here those commit to
    savepoints of this transaction, durable only when ``uow`` commits. Then the
    registries' steps that need them (:func:`db.demo_registries.finish`): the inspector
    assigned to the rounds, the heads of escalated cards' units recorded as removed."""
    from db import demo_registries

    made = create_demo_cards(lambda: _Within(uow, "cli")), create_demo_accounts(lambda: _Within(uow, "cli"))
    demo_registries.finish(uow)
    return made


def complete_demo(uow: UnitOfWork) -> tuple[int, list[str]]:
    """Finish a loaded demo that lacks card cases or accounts (one loaded before the load
    was a single transaction, and killed between the two), in one transaction; returns
    what was made: nothing when the demo is complete."""
    with uow:
        if not is_loaded(uow):
            return 0, []
        made = _cards_and_accounts(uow)
        uow.commit()
        return made


def is_loaded(uow: UnitOfWork) -> bool:
    """True when the demo's campaign series exists."""
    return (
        uow.session.execute(select(CampaignSeries.id).where(CampaignSeries.code == SERIES_CODE)).first()
        is not None
    )


def is_empty(uow: UnitOfWork) -> bool:
    """True when the database holds no unit and no campaign (a fresh installation)."""
    s = uow.session
    return (
        s.execute(select(Unit.id).limit(1)).first() is None
        and s.execute(select(Campaign.id).limit(1)).first() is None
    )


def load_demo(
    uow: UnitOfWork,
    *,
    scale: float = 1.0,
    seed: int = SEED,
    score: bool = True,
    accounts: bool = False,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Load the demo city into the database of ``uow`` and commit; a second call finds it
    and changes nothing. ``scale`` multiplies the per-unit sample sizes (tests use less).

    With ``score`` (the default) every campaign is then scored by the scoring service
    and its run stored; the history is already what those runs say. With ``accounts``
    (``python -m db demo``) the card cases of the published years are opened and the
    sign-in accounts created too. All of it is one transaction: nothing is committed
    before the last step, so a load that dies half-way leaves the database as it was.
    """
    began = time.perf_counter()
    say = progress or (lambda _msg: None)
    if is_loaded(uow):
        return DemoSummary(already_loaded=True)
    city = build_city(seed)
    codes = [inc.code for lin in city.lineages for inc in lin.incarnations]
    clash = uow.session.execute(select(Unit.code).where(Unit.code.in_(codes)).limit(3)).scalars().all()
    if clash:
        raise DemoConflict(
            f"the database already has units with the demo's codes ({', '.join(clash)}) but not the demo; "
            "load the demo into an empty database"
        )
    conn = uow.session.connection()
    keyring = crypto.default_keyring()
    rows: Counter[str] = Counter()

    # The years are simulated in a thread of their own while this one writes the years
    # already simulated: writing waits on the database most of the time (SQLite's inserts
    # and PostgreSQL's COPY let go of the GIL), simulating is pure Python. Each year needs
    # the outcome of the one before, so the years come one by one, in order. Only this
    # thread touches the database, and it writes every table's rows in the same order as
    # before, so every id is the same.
    outcomes: dict[int, Outcome] = {}
    simulated = _Simulation(city, outcomes, scale, seed, say)
    simulated.start()
    try:
        series_id = insert_ids(conn, CampaignSeries, [{"code": SERIES_CODE, "name": SERIES_NAME}], rows)[0]
        say("writing units")
        unit_ids = _insert_units(conn, city, rows)
        caller_ids = _insert_callers(conn, seed, rows)
        for _year in YEARS:
            data = simulated.next()
            say(f"writing {data.year}")
            _write_year(conn, data, series_id, unit_ids, caller_ids, outcomes, keyring, rows, seed)
        open_data = simulated.next()
        say(f"writing {OPEN_YEAR} (fieldwork)")
        _write_year(conn, open_data, series_id, unit_ids, caller_ids, outcomes, keyring, rows, seed)
    finally:
        simulated.stop()
    # the units' heads, parents and successors as of their last year: known now that every
    # year is simulated
    _update_units(conn, city, unit_ids)
    _write_do_not_call(conn, do_not_call_list(open_data, _rng(seed, "do-not-call")), keyring, rows)
    summary = DemoSummary(
        units=len(city.active(YEARS[-1])),
        campaigns=len(YEARS) + 1,
        rows=dict(sorted(rows.items())),
        outcomes=outcomes,
    )
    if score:
        summary.scored = _score_stored(uow, say)
    if accounts:
        say("opening card cases and creating sign-in accounts")
        summary.cards, summary.accounts = _cards_and_accounts(uow)
    # 留痕: one entry for the whole load (who ran it, with which seed and scale, what it made)
    audit.record(
        uow,
        "demo.load",
        "campaign_series",
        SERIES_CODE,
        None,
        {
            "city": CITY,
            "seed": seed,
            "scale": scale,
            "campaigns": [campaign_code(y) for y in (*YEARS, OPEN_YEAR)],
            "public_bulletin": [campaign_code(PUBLIC_BULLETIN_YEAR)],
            "rows": summary.rows,
        },
    )
    uow.commit()
    summary.seconds = time.perf_counter() - began
    return summary


def _score_stored(uow: UnitOfWork, say: Callable[[str], None]) -> list[str]:
    """Score each campaign with the platform's scoring service and store the runs, as an
    administrator does after fieldwork (计分); the final years also get their publication
    (公示): the run approved by a second admin, with the frozen snapshot of its results."""
    done = []
    for year in YEARS:
        code = campaign_code(year)
        say(f"scoring {code}")
        run = score_stored_campaign(uow, code)
        campaign = uow.session.execute(select(Campaign).where(Campaign.code == code)).scalar_one()
        if campaign.status == CampaignStatus.final:
            # the snapshot in the publication service's own format, so that it verifies alike
            snapshot = results_snapshot(uow, campaign, run)
            bundle = freeze_bundle(uow, code)  # what the run scored: anyone can recompute it
            uow.session.add(
                Publication(
                    campaign_id=campaign.id,
                    run_id=run.id,
                    requested_by="admin",
                    approved_by="admin2",
                    snapshot=snapshot,
                    snapshot_sha256=hashlib.sha256(snapshot).hexdigest(),
                    bundle=bundle.data,
                    bundle_sha256=bundle.sha256,
                    published_at=campaign.published_at,
                )
            )
        done.append(code)
    uow.session.flush()
    return done


# The register's columns (评议对象名录) of the demo's units: the kind of body (性质) and the
# department it answers to (主管部门) by category; grassroots stations answer to their parent.
KIND: Final = {"office": "行政机关", "grassroots": "行政机关", "health": "事业单位", "utility": "国有企业"}
DEPARTMENT: Final = {
    "office": f"{CITY}人民政府",
    "grassroots": f"{CITY}人民政府",
    "health": f"{CITY}卫生健康委员会",
    "utility": f"{CITY}国有资产监督管理委员会",
}


def _head_since(lin: Lineage, end: int) -> date | None:
    """When the head of ``end`` took post: 1 March of the first year of their unbroken run
    (the demo knows heads by year only)."""
    head = lin.heads.get(end)
    if not head:
        return None
    first = end
    while lin.heads.get(first - 1) == head:
        first -= 1
    return date(first, 3, 1)


def _insert_units(conn: Connection, city: City, rows: Counter[str]) -> dict[str, int]:
    """The districts and units (every incarnation is a unit); their heads, parents and
    successors come later (:func:`_update_units`), when every year is simulated."""
    district_ids = insert_ids(conn, District, [{"name": name} for name, _ in DISTRICTS], rows)
    incs = [(lin, inc) for lin in city.lineages for inc in lin.incarnations]
    ids = insert_ids(
        conn,
        Unit,
        [
            {
                "code": inc.code,
                "name": inc.name,
                "category": lin.category,
                "district_id": district_ids[lin.district],
                "head_name": "",
                "active": inc is lin.incarnations[-1],  # renamed ones are inactive
            }
            for lin, inc in incs
        ],
        rows,
    )
    return {inc.code: i for (_, inc), i in zip(incs, ids, strict=True)}


def _insert_callers(conn: Connection, seed: int, rows: Counter[str]) -> dict[str, int]:
    callers = [{"code": c, "name": person_name(_rng(seed, "caller", c))} for c in CALLERS]
    return dict(zip(CALLERS, insert_ids(conn, Caller, callers, rows), strict=True))


def _update_units(conn: Connection, city: City, unit_ids: dict[str, int]) -> None:
    """Each unit's head, register columns and parent as of its incarnation's last year, and
    the successor of a renamed one."""
    last = YEARS[-1]
    by_key = {lin.key: lin for lin in city.lineages}
    table = Unit.__table__
    # one executemany per set of columns (a unit may have no parent, no successor), not one
    # UPDATE per unit: a round trip each is most of this step on PostgreSQL
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for lin in city.lineages:
        for n, inc in enumerate(lin.incarnations):
            end = lin.incarnations[n + 1].first_year - 1 if n + 1 < len(lin.incarnations) else last
            values: dict[str, Any] = {
                "head_name": lin.heads.get(end, ""),
                "head_since": _head_since(lin, end),
                "kind": KIND[lin.category],
                "department": by_key[lin.parent].at(end).name
                if lin.parent is not None
                else DEPARTMENT[lin.category],
            }
            if lin.parent is not None:
                values["parent_id"] = unit_ids[by_key[lin.parent].at(end).code]
            if n + 1 < len(lin.incarnations):
                values["successor_id"] = unit_ids[lin.incarnations[n + 1].code]
            updates.setdefault(tuple(values), []).append({"unit_pk": unit_ids[inc.code], **values})
    for params in updates.values():  # SET: the columns the parameters name
        conn.execute(table.update().where(table.c.id == bindparam("unit_pk")), params)


class _Simulation:
    """The appraised years simulated and scored in memory one after the other, then the
    open year prepared, in a thread beside the one that writes them (see :func:`load_demo`).
    :meth:`next` hands them over in order and raises what the simulation raised."""

    def __init__(
        self,
        city: City,
        outcomes: dict[int, Outcome],
        scale: float,
        seed: int,
        say: Callable[[str], None],
    ) -> None:
        self._city, self._outcomes, self._scale, self._seed, self._say = city, outcomes, scale, seed, say
        self._ready: queue.Queue[YearData | BaseException] = queue.Queue()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-simulation", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        city, outcomes, scale, seed = self._city, self._outcomes, self._scale, self._seed
        try:
            for year in YEARS:
                if self._stopped.is_set():
                    return
                self._say(f"simulating {year}")
                data = simulate_year(city, year, outcomes, scale, seed)
                outcomes[year] = score_year(data)  # before the writer gets the year: it needs it
                self._ready.put(data)
            open_data = prepare_year(city, OPEN_YEAR, outcomes, scale, seed)
            _simulate_open_frames(open_data, _rng(seed, OPEN_YEAR, "frames"), scale)
            self._ready.put(open_data)
        except BaseException as exc:  # handed to the writer, which raises it
            self._ready.put(exc)

    def next(self) -> YearData:
        item = self._ready.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def stop(self) -> None:
        """Wait for the thread (it stops after the year it is on if the writer failed)."""
        self._stopped.set()
        self._thread.join()


def _write_year(
    conn: Connection,
    data: YearData,
    series_id: int,
    unit_ids: dict[str, int],
    caller_ids: dict[str, int],
    outcomes: dict[int, Outcome],
    keyring: crypto.Keyring,
    rows: Counter[str],
    seed: int,
) -> None:
    from db import demo_registries  # it builds on this module

    year = data.year
    final = year < YEARS[-1]
    if final:
        status = CampaignStatus.final
    else:
        status = CampaignStatus.review if year in YEARS else CampaignStatus.fieldwork
    published = datetime(year + 1, 1, 16, 10, 0, tzinfo=CST) if final else None
    campaign_id = insert_ids(
        conn,
        Campaign,
        [
            {
                "code": campaign_code(year),
                "series_id": series_id,
                "year": year,
                "name": f"{CITY}{year}年度机关和基层单位“十佳十差”评议",
                "status": status,
                "method_version": "1",
                "method_toml": data.toml,
                "notice_days": 7,
                "public_bulletin": year == PUBLIC_BULLETIN_YEAR,
                "design": demo_registries.design(year),
                "published_at": _utc(published) if published else None,
                "notice_ends_at": _utc(published + timedelta(days=7)) if published else None,
            }
        ],
        rows,
    )[0]
    uid = [unit_ids[data.code_of[lin.key]] for lin in data.units]
    by_key = {lin.key: lin for lin in data.units}
    insert_plain(
        conn,
        CampaignUnit,
        [
            {
                "campaign_id": campaign_id,
                "unit_id": uid[pos],
                "position": pos,
                "name": lin.at(year).name,
                "category": lin.category,
                "head_name": lin.heads[year],
                "head_since": _head_since(lin, year),
                "parent_code": by_key[lin.parent].at(year).code if lin.parent in by_key else "",
            }
            for pos, lin in enumerate(data.units)
        ],
        rows,
    )
    insert_plain(
        conn,
        HistoryEntry,
        [
            {"campaign_id": campaign_id, "unit_id": uid[pos], "year": y, "unsatisfactory": unsat}
            for (pos, y), unsat in sorted(data.history.items())
        ],
        rows,
    )

    # questionnaire: the sat3 scale, the items of both instruments, respondent groups
    scale_row = {"campaign_id": campaign_id, "code": "sat3", "builtin": True}
    scale_id = insert_ids(conn, Scale, [scale_row], rows)[0]
    insert_plain(
        conn,
        ScaleOption,
        [
            # the built-in sat3 (Scale.builtin), so an exported bundle relies on it too
            {"scale_id": scale_id, "code": c, "label_zh": zh, "label_en": en, "score": s, "position": i}
            for i, (c, zh, en, s) in enumerate(SAT3)
        ],
        rows,
    )
    item_ids = insert_ids(
        conn,
        Item,
        [
            {
                "campaign_id": campaign_id,
                "instrument": instrument,
                "code": code,
                "scale_id": scale_id,
                "text_zh": zh,
                "text_en": en,
                "weight": w,
                "position": i,
            }
            for instrument, items in (("survey", SURVEY_ITEMS), ("phone", PHONE_ITEMS))
            for i, (code, zh, en, w, _) in enumerate(items)
        ],
        rows,
    )
    survey_item_ids, phone_item_ids = item_ids[: len(SURVEY_ITEMS)], item_ids[len(SURVEY_ITEMS) :]
    group_ids = insert_ids(
        conn,
        RespondentGroup,
        [{"campaign_id": campaign_id, "code": c, "label_zh": zh, "label_en": en} for c, zh, en in GROUPS],
        rows,
    )

    # survey responses: verified numbers and devices only as keyed hashes, deputies' names encrypted
    response_ids = insert_keyed(
        conn,
        SurveyResponse,
        [
            {
                "campaign_id": campaign_id,
                "code": r["code"],
                "unit_id": uid[r["unit_pos"]],
                "group_id": group_ids[r["group"]],
                "channel": r["channel"],
                "submitted_at": r["submitted_at"],
                "status": r["status"],
                "attributes": r["attributes"],
                "respondent_hash": keyring.keyed_hash(r["respondent_hash"]) if r["respondent_hash"] else None,
                "respondent_name_enc": keyring.encrypt(r["respondent_name_enc"])
                if r["respondent_name_enc"]
                else None,
                "device_hash": keyring.keyed_hash(r["device_hash"], "device")
                if r.get("device_hash")
                else None,
                "network_hash": keyring.keyed_hash(r["network_hash"], "network")
                if r.get("network_hash")
                else None,
                "duration_seconds": r["duration_seconds"],
                "comment": r["comment"],
                "problem_types": r["problem_types"],
                "quality_flags": r["quality_flags"],
                "review_note": r["review_note"],
            }
            for r in data.responses
        ],
        rows,
        SurveyResponse.campaign_id == campaign_id,
    )
    insert_plain(
        conn,
        SurveyAnswer,
        [
            {"response_id": response_ids[i], "item_id": survey_item_ids[j], "option_code": c}
            for i, j, c in data.answers
        ],
        rows,
    )

    # phone sampling: frames (encrypted), cases, every attempt, answers
    frame_ids = insert_ids(
        conn,
        SamplingFrame,
        [{"campaign_id": campaign_id, "name": name, "source": source} for name, source in data.frames],
        rows,
    )
    entry_ids = insert_keyed(
        conn,
        FrameEntry,
        [
            {
                "frame_id": frame_ids[e["frame"]],
                "unit_id": uid[e["unit_pos"]],
                "name_enc": keyring.encrypt(e["name"]),
                "phone_enc": keyring.encrypt(e["phone"]),
                "phone_hash": keyring.keyed_hash(e["phone"]),
                "service_date": e["service_date"],
                "case_number": e["case_number"],
                "respondent_group": e.get("respondent_group", ""),
            }
            for e in data.entries
        ],
        rows,
        FrameEntry.frame_id.in_(frame_ids),
    )
    case_ids = insert_keyed(
        conn,
        PhoneCase,
        [
            {
                "campaign_id": campaign_id,
                "code": c["code"],
                "unit_id": uid[c["unit_pos"]],
                "frame_entry_id": entry_ids[c["entry"]],
                "caller_id": caller_ids[c["caller"]] if c["caller"] else None,
                "disposition": c["disposition"],
                "attempts": c["attempts"],
                "batch": c["batch"],
            }
            for c in data.cases
        ],
        rows,
        PhoneCase.campaign_id == campaign_id,
    )
    insert_plain(
        conn,
        CallAttempt,
        [
            {
                "case_id": case_ids[a["case"]],
                "caller_id": caller_ids[a["caller"]],
                "started_at": _utc(a["started_at"]),
                "duration_seconds": a["duration_seconds"],
                "disposition": a["disposition"],
                "call_sid": a["call_sid"],
                "recording_url": a["recording_url"],
                "note": a["note"],
            }
            for a in data.attempts
        ],
        rows,
    )
    insert_plain(
        conn,
        PhoneAnswer,
        [
            {"case_id": case_ids[i], "item_id": phone_item_ids[j], "option_code": c}
            for i, j, c in data.phone_answers
        ],
        rows,
    )

    # big data and adjustments
    indicator_ids = insert_ids(
        conn,
        Indicator,
        [
            {
                "campaign_id": campaign_id,
                "code": code,
                "name": name,
                "direction": direction,
                "weight": weight,
                "method": method,
                "floor": floor,
                "target": target,
                "source_system": source,
                "freeze_date": date(year, 12, 20),
                "position": k,
            }
            for k, (code, name, direction, weight, method, floor, target, source, _) in enumerate(INDICATORS)
        ],
        rows,
    )
    insert_plain(
        conn,
        IndicatorValue,
        [
            {
                "indicator_id": indicator_ids[k],
                "unit_id": uid[pos],
                "value": v,
                "source_system": INDICATORS[k][7],
            }
            for k, pos, v in data.values
        ],
        rows,
    )
    insert_plain(
        conn,
        Adjustment,
        [
            {
                "campaign_id": campaign_id,
                "unit_id": uid[a["unit_pos"]],
                "kind": a["kind"],
                "points": a["points"],
                "reason": a["reason"],
                "evidence_name": a["evidence_name"],
                "evidence": a.get("evidence"),
                "position": n,
                "source": a.get("source", ""),
            }
            for n, a in enumerate(data.adjustments)
        ],
        rows,
    )
    if data.registries is not None:
        demo_registries.write_review_year(conn, data, campaign_id, uid, keyring, rows)
    if year in outcomes:  # the open year has no results yet, hence no ledger and no appeals
        _write_follow_up(conn, data, campaign_id, uid, outcomes[year], rows, _rng(seed, year, "follow-up"))
    else:
        _write_overdue_cases(conn, data, campaign_id, uid, rows, _rng(seed, year, "overdue"))
        demo_registries.write_open_round(conn, data, campaign_id, uid, rows, _rng(seed, year, "inspections"))


def _write_overdue_cases(
    conn: Connection,
    data: YearData,
    campaign_id: int,
    uid: list[int],
    rows: Counter[str],
    rng: random.Random,
) -> None:
    """Online approvals finished late (超时办结) in the open year, case by case, for the
    overtime indicator to be computed from, in the Jixi shape (seed 003): 59 of them, 40
    exempted through the fault-tolerance procedure (容错免责), the 19 others counted at 9
    units (:func:`db.demo_registries.write_overdue_cases`)."""
    from db import demo_registries

    demo_registries.write_overdue_cases(conn, data, campaign_id, uid, rows, rng)


def _write_follow_up(
    conn: Connection,
    data: YearData,
    campaign_id: int,
    uid: list[int],
    outcome: Outcome,
    rows: Counter[str],
    rng: random.Random,
) -> None:
    """The rectification ledger (整改台账) of a final year's worst units, and appeals (申诉)."""
    year = data.year
    pos_of = {lin.key: pos for pos, lin in enumerate(data.units)}
    worst = sorted(pos_of[k] for k in outcome.worst)
    complaints: dict[int, Counter[str]] = {}
    for r in data.responses:
        if r["status"] == "valid" and r["problem_types"]:
            complaints.setdefault(r["unit_pos"], Counter()).update(r["problem_types"])
    if year != YEARS[-1]:
        ledger = []
        deadline = date(year + 1, 4, 30)
        statuses = (
            # "overdue" is not a status: an item past its deadline and not done is overdue
            ("done", "done", "done", "in_progress", "in_progress")
            if year == YEARS[0]
            else (
                "done",
                "in_progress",
                "in_progress",
                "open",
                "open",
            )
        )
        for pos in worst:
            lin = data.units[pos]
            top = [t for t, _ in complaints.get(pos, Counter()).most_common(2)] or ["mediocre_lazy_lax"]
            for t in top:
                zh = PROBLEM_TYPES[t][0]
                ledger.append(
                    {
                        "campaign_id": campaign_id,
                        "unit_id": uid[pos],
                        "source": "survey",
                        "description": f"群众反映“{zh}”问题突出：制定专项整改方案，逐条整改，结果向群众公开",
                        "deadline": deadline,
                        "status": rng.choice(statuses),
                    }
                )
            if lin.key in outcome.consecutive:
                ledger.append(
                    {
                        "campaign_id": campaign_id,
                        "unit_id": uid[pos],
                        "source": "card",
                        "description": "连续两年不满意（红牌）：主要负责人已就地免职，新任负责人牵头整改",
                        "deadline": date(year + 1, 2, 28),
                        "status": "done",
                    }
                )
        insert_plain(conn, RectificationItem, ledger, rows)
    appeals = []
    for n, pos in enumerate(rng.sample(worst, min(3, len(worst)))):
        negative = [r for r in data.responses if r["unit_pos"] == pos and r["problem_types"]]
        if n == 0 and negative:
            target, ref = "response", rng.choice(negative)["code"]
            reasons = "该评价人近一年未到我单位办理业务，评价与我单位职责无关，申请核实后剔除"
        elif n == 1:
            target, ref = "indicator_value", "overtime"
            reasons = "超时办结件数中有3件系审批系统故障导致，已附系统运维单位证明，申请核减"
        else:
            target, ref = "result", ""
            reasons = "我单位年内整改成效明显，申请复核第三方电话抽访样本来源"
        row: dict[str, Any] = {
            "campaign_id": campaign_id,
            "unit_id": uid[pos],
            "target": target,
            "target_ref": ref,
            "reasons": reasons,
            "status": "open",
        }
        if year != YEARS[-1]:
            upheld = n == 1
            row.update(
                status="upheld" if upheld else "rejected",
                decision="经核实情况属实，核减超时办结件数3件"
                if upheld
                else "经核实申诉理由不成立，维持原评议结果",
                decided_by="admin",
                decided_at=_utc(datetime(year + 1, 1, 12, 15, 0, tzinfo=CST)),
            )
        appeals.append(row)
    insert_plain(conn, Appeal, appeals, rows)


def response_counts(uow: UnitOfWork) -> dict[str, int]:
    """Responses per campaign code and status, e.g. ``{"lj-2024/valid": 9876}`` (for checks)."""
    rows = uow.session.execute(
        select(Campaign.code, SurveyResponse.status, func.count())
        .join(Campaign, Campaign.id == SurveyResponse.campaign_id)
        .group_by(Campaign.code, SurveyResponse.status)
    ).all()
    return {f"{code}/{status}": n for code, status, n in sorted(rows)}


def fingerprint(uow: UnitOfWork) -> str:
    """SHA-256 over the demo's unit codes, names and campaign units, to compare two loads."""
    h = hashlib.sha256()
    for row in uow.session.execute(
        select(Unit.code, Unit.name, Unit.category, Unit.active, Unit.head_name).order_by(Unit.code)
    ):
        h.update(repr(tuple(row)).encode())
    for row in uow.session.execute(
        select(Campaign.code, CampaignUnit.position, CampaignUnit.name, CampaignUnit.head_name)
        .join(Campaign, Campaign.id == CampaignUnit.campaign_id)
        .order_by(Campaign.code, CampaignUnit.position)
    ):
        h.update(repr(tuple(row)).encode())
    return h.hexdigest()


# Sign-in accounts of the demo city, one per role. The password is public (README):
# these accounts exist only in a database that holds the demo, never in a real one.
DEMO_PASSWORD = "linjiang-demo"
DEMO_CALLER_PHONE = "13800138000"  # a number reserved for tests and examples in China
DEMO_ACCOUNTS = (
    ("admin", "admin", "组织部管理员"),
    ("admin2", "admin", "组织部复核管理员"),
    ("supervisor", "supervisor", "调查督导"),
    ("caller", "caller", "调查员"),
    ("liaison", "liaison", "单位联络员"),
    ("inspector1", "inspector", "暗访组检查员"),
)


def create_demo_accounts(make_uow: Callable[[], UnitOfWork]) -> list[str]:
    """Create the demo's sign-in accounts (skipping any that exist); the liaison belongs to
    the first unit of the newest campaign's worst list, so it has a result to look at."""
    from services.auth import CLI_OPERATOR, create_user
    from services.errors import Refused

    with make_uow() as uow:
        newest = campaign_code(YEARS[-1])
        run = (
            uow.session.execute(
                select(ScoringRun)
                .join(Campaign)
                .where(Campaign.code == newest)
                .order_by(ScoringRun.id.desc())
            )
            .scalars()
            .first()
        )
        liaison_unit = None
        if run is not None:
            worst = [g["worst"] for g in run.summary.get("groups", []) if g.get("worst")]
            liaison_unit = worst[0][0]["unit_id"] if worst else None
        if liaison_unit is None:
            liaison_unit = uow.session.execute(select(Unit.code).order_by(Unit.code)).scalars().first()
    made = []
    for username, role, display in DEMO_ACCOUNTS:
        try:
            create_user(
                make_uow(),
                CLI_OPERATOR,
                username,
                DEMO_PASSWORD,
                role,
                unit_code=liaison_unit if role == "liaison" else None,
                display_name=display,
                # the demo caller's own phone, rung first by (simulated) click-to-call
                phone=DEMO_CALLER_PHONE if role == "caller" else None,
                # the public demo password is refused everywhere else (services/passwords.py)
                public_demo=True,
            )
            made.append(username)
        except Refused:
            continue  # taken already: a second run changes nothing
    return made


def create_demo_cards(make_uow: Callable[[], UnitOfWork]) -> int:
    """Open the card cases (红黄牌) of the demo's published years, as an admin does after
    publication, so the cards page has cases to follow; returns how many were opened
    (none on a second run)."""
    from services.auth import CLI_OPERATOR
    from services.cards import issue_cards
    from services.errors import Refused

    opened = 0
    for year in YEARS[:-1]:  # the final, published years
        try:
            report = issue_cards(make_uow(), CLI_OPERATOR, campaign_code(year))
        except Refused:
            continue  # loaded without scoring (load_demo(score=False)): nothing published
        opened += len(report.created)
    return opened
