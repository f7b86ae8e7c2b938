"""Generate a deterministic, city-scale campaign bundle (评议数据包) for the benchmark.

    python bench/generate_bundle.py OUT_DIR [--units 5000] [--responses 1000000]
                                    [--cases 250000] [--seed 1] [--replicates 1000]

The bundle follows ``bundle.md`` exactly and is valid: every referenced unit,
response, case, item and option code exists. Data are synthetic but shaped like a
real 十佳十差 campaign: units of four categories with different satisfaction levels,
skewed respondent demographics (so raking has work to do), a minority of non-valid
responses, realistic AAPOR phone dispositions that differ by caller, big-data
indicators with gaps, adjustments with a few vetoes, and two years of history.

Everything is drawn from one seeded ``numpy`` generator in a fixed order, and written
with ``pyarrow``, so the same arguments always give byte-identical files.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

DEFAULT_UNITS = 5000
DEFAULT_RESPONSES = 1_000_000
DEFAULT_CASES = 250_000
DEFAULT_SEED = 1
DEFAULT_REPLICATES = 1000
YEAR = 2017

# (category id, label, share of units)
CATEGORIES: tuple[tuple[str, str, float], ...] = (
    ("office", "机关处室", 0.30),
    ("grassroots", "基层站所", 0.35),
    ("health", "医疗卫生", 0.15),
    ("utility", "公共服务", 0.20),
)

# (item_id, text_zh, text_en, weight, satisfaction shift of the item)
SURVEY_ITEMS: tuple[tuple[str, str, str, float, float], ...] = (
    ("attitude", "服务态度", "service attitude", 1.0, 0.04),
    ("efficiency", "办事效率", "efficiency", 1.0, -0.05),
    ("integrity", "廉洁自律", "integrity", 1.0, 0.02),
    ("openness", "政务公开", "openness", 1.0, -0.02),
    ("overall", "总体评价", "overall assessment", 2.0, 0.0),
)
# "overall" deliberately repeats a survey item id: items are keyed by (instrument, item_id).
PHONE_ITEMS: tuple[tuple[str, str, str, float, float], ...] = (
    ("overall", "总体是否满意", "overall satisfaction", 1.0, 0.0),
    ("handling", "诉求办理是否满意", "handling of the request", 1.0, -0.04),
)
CODES = ("satisfied", "basically_satisfied", "dissatisfied", "dont_know")

# Respondent groups: deputy (人大代表/政协委员) is in the data but weighs 0 in campaign.toml.
GROUPS = ("citizen", "service_recipient", "deputy")
GROUP_SHARES = (0.60, 0.35, 0.05)
GROUP_SHIFT = (0.0, 0.03, 0.05)
CHANNELS = ("web", "wechat", "sms", "paper", "kiosk")
CHANNEL_SHARES = (0.35, 0.40, 0.10, 0.10, 0.05)
STATUSES = ("valid", "", "duplicate", "quarantined", "withdrawn")
STATUS_SHARES = (0.915, 0.03, 0.03, 0.015, 0.01)
# Sample shares are skewed away from the raking margins (young and female over-represented).
AGE_BANDS = ("18-34", "35-59", "60+")
AGE_SAMPLE = (0.42, 0.41, 0.17)
AGE_MARGIN = (0.30, 0.45, 0.25)
AGE_SHIFT = (-0.04, 0.0, 0.05)
SEXES = ("male", "female")
SEX_SAMPLE = (0.43, 0.57)
SEX_MARGIN = (0.49, 0.51)

# Final AAPOR dispositions and their base shares (before the caller effect).
DISPOSITIONS = ("1.1", "1.2", "2.11", "2.12", "2.21", "2.31", "3.13", "3.21", "3.90", "4.31", "4.80")
DISPOSITION_SHARES = (0.33, 0.03, 0.08, 0.04, 0.06, 0.01, 0.12, 0.15, 0.03, 0.07, 0.08)
N_CALLERS = 100

# (indicator_id, name, direction, weight, method, floor, target)
INDICATORS: tuple[tuple[str, str, str, float, str, float | None, float | None], ...] = (
    ("closure", "诉求办结率", "higher", 0.30, "", None, None),
    ("hotline", "热线回访满意率", "higher", 0.25, "target", 0.6, 0.95),
    ("overtime", "超时办结件数", "lower", 0.20, "", None, None),
    ("reversed", "行政复议被纠错件数", "lower", 0.15, "minmax", None, None),
    ("online", "网上办理率", "higher", 0.10, "minmax", None, None),
)


def _words(text: str) -> tuple[str, ...]:
    """Space-separated name parts (keeps long lists of Chinese words compact)."""
    return tuple(text.split())


DISTRICTS = _words(
    "江岸区 江汉区 硚口区 汉阳区 武昌区 青山区 洪山区 东西湖区 蔡甸区 江夏区 黄陂区 新洲区 汉南区"
)
PLACE_A = tuple("东西南北中新长青白金花古永和福兴安龙凤沙")
PLACE_B = tuple("湖山桥港园岭台河湾林坪塘口店庙洲埠街坡岗")
BUREAUS = _words(
    "发展改革委 教育局 公安局 民政局 司法局 财政局 人社局 自然资源局 生态环境局 住建局 交通局 水务局 "
    "农业农村局 商务局 文旅局 卫健委 应急局 审计局 市场监管局 城管委"
)
DIVISIONS = _words("办公室 综合处 法规处 规划处 审批处 执法监督处 财务处 人事处 信访办 政策研究室")
UNIT_TYPES = {
    "grassroots": _words("街道派出所 司法所 税务所 市场监管所 交通中队 城管执法中队 财政所 国土所"),
    "health": _words("社区卫生服务中心 卫生院 妇幼保健站"),
    "utility": _words("供电营业厅 自来水营业所 燃气服务站 公交站务中心 政务服务窗口"),
}
SURNAMES = tuple("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗")
GIVEN = _words("伟 芳 娜 敏 静 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 桂英 建华 志强 晓东 海燕 丽 平 刚")
BONUS_REASONS = ("拼搏目标完成", "创新案例获评", "省级表彰", "重点工作超额完成")
DEDUCTION_REASONS = ("不作为问责", "慢作为问责", "热线投诉核实", "明察暗访通报")
VETO_REASONS = ("严重违纪一票否决", "重大安全事故一票否决")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Column = pa.Array | npt.NDArray[np.generic] | Sequence[object]


# ---------------------------------------------------------------------------- writing


def _column(values: Column) -> pa.Array:
    """Arrow array of a column; NaN floats become nulls so they are written as empty cells."""
    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return pa.array(values, mask=np.isnan(values))
    return pa.array(values)


def write_csv(path: Path, columns: Mapping[str, Column]) -> int:
    """Write ``columns`` as a UTF-8 CSV with an unquoted header; return the row count.

    pyarrow quotes every string by default; with ``quoting_style="none"`` it writes
    plain cells (it refuses values that would need quoting, and ours never do) and
    nulls as empty cells.
    """
    table = pa.table({name: _column(values) for name, values in columns.items()})
    with path.open("wb") as f:
        f.write((",".join(columns) + "\n").encode("utf-8"))
        if table.num_rows:
            pacsv.write_csv(table, f, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return table.num_rows


def make_ids(prefix: str, n: int, width: int) -> pa.Array:
    """``prefix`` + 1-based zero-padded number, e.g. ``U00001``, built without a Python loop."""
    width = max(width, len(str(n)))
    numbers = pc.cast(pa.array(np.arange(1, n + 1, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(numbers, width=width, padding="0"), "")


def _take(
    labels: Sequence[str], index: npt.NDArray[np.integer], missing: npt.NDArray[np.bool_] | None = None
) -> pa.Array:
    """Labels picked by index (vectorized); entries flagged ``missing`` become empty cells."""
    idx = pa.array(np.asarray(index, dtype=np.int64), mask=missing)
    return pc.take(pa.array(list(labels), pa.string()), idx)


def _draw(rng: np.random.Generator, n: int, shares: Sequence[float]) -> IntArray:
    p = np.asarray(shares, dtype=np.float64)
    return rng.choice(len(p), size=n, p=p / p.sum()).astype(np.int64)


def _answer_codes(rng: np.random.Generator, q: FloatArray, dont_know: float) -> IntArray:
    """Index into CODES for answers whose probability of 满意 (given a known answer) is ``q``.

    Among the not-satisfied, 60% say 基本满意 and 40% 不满意.
    """
    u = rng.random(q.shape)
    known = 1.0 - dont_know
    sat_end = dont_know + known * q
    basic_end = sat_end + known * (1.0 - q) * 0.6
    code = np.where(u < dont_know, 3, np.where(u < sat_end, 0, np.where(u < basic_end, 1, 2)))
    return code.astype(np.int64)


# ---------------------------------------------------------------------------- content


def campaign_toml(replicates: int) -> str:
    """``campaign.toml``: default component weights, a zero-weight deputy group, two raking margins."""
    age = "\n".join(f'"{b}" = {s}' for b, s in zip(AGE_BANDS, AGE_MARGIN, strict=True))
    sex = "\n".join(f"{b} = {s}" for b, s in zip(SEXES, SEX_MARGIN, strict=True))
    return f"""[campaign]
id = "city-{YEAR}"
name = "某市{YEAR}年度机关和基层站所十佳十差评议 (synthetic benchmark)"
series = "city"
year = {YEAR}

[weights.components]
survey = 0.55
phone = 0.25
bigdata = 0.20

[weights.groups]
citizen = 0.5
service_recipient = 0.5
deputy = 0.0

[weighting.margins.age_band]
{age}

[weighting.margins.sex]
{sex}

[ranking]
group_by = "category"
top_n = 10

[uncertainty]
replicates = {replicates}
"""


def _unit_names(rng: np.random.Generator, category: IntArray) -> tuple[list[str], list[str | None]]:
    """Chinese-looking unit names and heads (a few heads unknown)."""
    n = len(category)
    district = rng.integers(0, len(DISTRICTS), n)
    place_a = rng.integers(0, len(PLACE_A), n)
    place_b = rng.integers(0, len(PLACE_B), n)
    bureau = rng.integers(0, len(BUREAUS), n)
    division = rng.integers(0, len(DIVISIONS), n)
    kind = rng.integers(0, 1 << 30, n)
    surname = rng.integers(0, len(SURNAMES), n)
    given = rng.integers(0, len(GIVEN), n)
    no_head = rng.random(n) < 0.02
    names: list[str] = []
    heads: list[str | None] = []
    for i in range(n):  # 5000 short strings: a plain loop is fast enough and clearer
        cat = CATEGORIES[category[i]][0]
        if cat == "office":
            names.append(f"{DISTRICTS[district[i]]}{BUREAUS[bureau[i]]}{DIVISIONS[division[i]]}")
        else:
            types = UNIT_TYPES[cat]
            place = PLACE_A[place_a[i]] + PLACE_B[place_b[i]]
            names.append(f"{DISTRICTS[district[i]]}{place}{types[kind[i] % len(types)]}")
        heads.append(None if no_head[i] else SURNAMES[surname[i]] + GIVEN[given[i]])
    return names, heads


def _unit_sizes(
    rng: np.random.Generator, n_units: int, sigma: float, tiny_share: float, tiny_factor: float
) -> FloatArray:
    """Relative sample sizes per unit: lognormal, with a few tiny units that end up ineligible."""
    w = rng.lognormal(0.0, sigma, n_units)
    w *= np.where(rng.random(n_units) < tiny_share, tiny_factor, 1.0)
    return w / w.sum()


def generate(
    out_dir: Path | str,
    units: int = DEFAULT_UNITS,
    responses: int = DEFAULT_RESPONSES,
    cases: int = DEFAULT_CASES,
    seed: int = DEFAULT_SEED,
    replicates: int = DEFAULT_REPLICATES,
) -> dict[str, int]:
    """Write the bundle into ``out_dir`` (created if needed); return rows written per file."""
    if units < 1 or responses < 0 or cases < 0:
        raise ValueError("need units >= 1 and non-negative responses and cases")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rows: dict[str, int] = {}

    (out / "campaign.toml").write_text(campaign_toml(replicates), encoding="utf-8")

    # --- units: category, latent quality (drives every satisfaction level of the unit)
    unit_ids = make_ids("U", units, 5)
    category = _draw(rng, units, [c[2] for c in CATEGORIES])
    quality = rng.beta(8.0, 2.5, units)
    names, heads = _unit_names(rng, category)
    rows["units.csv"] = write_csv(
        out / "units.csv",
        {
            "unit_id": unit_ids,
            "name": names,
            "category": _take([c[0] for c in CATEGORIES], category),
            "parent_id": pa.nulls(units, pa.string()),
            "head_name": pa.array(heads, pa.string()),
        },
    )

    rows["items.csv"] = write_csv(
        out / "items.csv",
        {
            "instrument": ["survey"] * len(SURVEY_ITEMS) + ["phone"] * len(PHONE_ITEMS),
            "item_id": [it[0] for it in SURVEY_ITEMS + PHONE_ITEMS],
            "scale_id": ["sat3"] * (len(SURVEY_ITEMS) + len(PHONE_ITEMS)),
            "text_zh": [it[1] for it in SURVEY_ITEMS + PHONE_ITEMS],
            "text_en": [it[2] for it in SURVEY_ITEMS + PHONE_ITEMS],
            "weight": np.array([it[3] for it in SURVEY_ITEMS + PHONE_ITEMS]),
        },
    )

    # --- survey responses, in submission order (units interleaved, as a real export is)
    resp_unit = rng.choice(units, size=responses, p=_unit_sizes(rng, units, 0.5, 0.02, 0.1)).astype(np.int64)
    group = _draw(rng, responses, GROUP_SHARES)
    channel = _draw(rng, responses, CHANNEL_SHARES)
    status = _draw(rng, responses, STATUS_SHARES)
    age = _draw(rng, responses, AGE_SAMPLE)
    age_missing = rng.random(responses) < 0.03
    sex = _draw(rng, responses, SEX_SAMPLE)
    sex_missing = rng.random(responses) < 0.02
    start = np.datetime64(f"{YEAR}-11-01T00:00:00", "s").astype(np.int64)
    end = np.datetime64(f"{YEAR}-12-16T00:00:00", "s").astype(np.int64)
    submitted = rng.integers(start, end, responses)
    order = np.argsort(submitted, kind="stable")
    resp_unit, group, channel, status = resp_unit[order], group[order], channel[order], status[order]
    age, age_missing, sex, sex_missing = age[order], age_missing[order], sex[order], sex_missing[order]
    submitted = submitted[order]
    resp_ids = make_ids("R", responses, 7)
    stamps = pc.strftime(pa.array(submitted.astype("datetime64[s]")), format="%Y-%m-%dT%H:%M:%S")
    rows["survey_responses.csv"] = write_csv(
        out / "survey_responses.csv",
        {
            "response_id": resp_ids,
            "unit_id": pc.take(unit_ids, pa.array(resp_unit)),
            "group": _take(GROUPS, group),
            "channel": _take(CHANNELS, channel),
            "submitted_at": stamps,
            "status": _take(STATUSES, status, status == STATUSES.index("")),
            "age_band": _take(AGE_BANDS, age, age_missing),
            "sex": _take(SEXES, sex, sex_missing),
        },
    )

    # --- survey answers: one row per item; a per-response mood correlates a response's items
    n_items = len(SURVEY_ITEMS)
    q_resp = (
        quality[resp_unit]
        + np.asarray(GROUP_SHIFT)[group]
        + np.asarray(AGE_SHIFT)[age]
        + rng.normal(0.0, 0.12, responses)
    )
    item_shift = np.array([it[4] for it in SURVEY_ITEMS])
    q_ans = np.clip(q_resp[:, None] + item_shift[None, :], 0.02, 0.98)
    codes = _answer_codes(rng, q_ans, dont_know=0.04).ravel()
    del q_ans
    rows["survey_answers.csv"] = write_csv(
        out / "survey_answers.csv",
        {
            "response_id": pc.take(
                resp_ids, pa.array(np.repeat(np.arange(responses, dtype=np.int64), n_items))
            ),
            "item_id": _take([it[0] for it in SURVEY_ITEMS], np.tile(np.arange(n_items), responses)),
            "code": _take(CODES, codes),
        },
    )
    del codes

    # --- phone cases: callers differ in how often they get a complete interview
    case_unit = rng.choice(units, size=cases, p=_unit_sizes(rng, units, 0.25, 0.02, 0.15)).astype(np.int64)
    caller_load = rng.lognormal(0.0, 0.3, N_CALLERS)
    caller = rng.choice(N_CALLERS, size=cases, p=caller_load / caller_load.sum()).astype(np.int64)
    share = np.tile(np.asarray(DISPOSITION_SHARES), (N_CALLERS, 1))
    # caller skill: a caller completes 0.75-1.25 times the base share of 1.1; the rest rescales
    share[:, 0] *= rng.uniform(0.75, 1.25, N_CALLERS)
    share /= share.sum(axis=1, keepdims=True)
    cdf = np.cumsum(share, axis=1)
    disp = np.minimum((rng.random(cases)[:, None] >= cdf[caller]).sum(axis=1), len(DISPOSITIONS) - 1)
    disp_class = np.array([d.split(".")[0] + ("." + d.split(".")[1][0]) for d in DISPOSITIONS])[disp]
    # Numbers screened out before dialling (not eligible, 4.x) often have no caller.
    is_ne = np.char.startswith(disp_class, "4")
    no_caller = is_ne & (rng.random(cases) < 0.3)
    noncontact = np.isin(disp_class, ["2.2", "3.1", "3.2", "3.9"])
    attempts = np.where(noncontact, 3 + rng.poisson(1.5, cases), 1 + rng.poisson(0.7, cases))
    attempts = np.where(is_ne, 1 + rng.poisson(0.3, cases), attempts)
    case_ids = make_ids("C", cases, 7)
    caller_ids = make_ids("K", N_CALLERS, 3)
    rows["phone_cases.csv"] = write_csv(
        out / "phone_cases.csv",
        {
            "case_id": case_ids,
            "unit_id": pc.take(unit_ids, pa.array(case_unit)),
            "disposition": _take(DISPOSITIONS, disp),
            "caller_id": pc.take(caller_ids, pa.array(caller, mask=no_caller)),
            "attempts": np.minimum(attempts, 10).astype(np.int64),
        },
    )

    # --- phone answers: complete interviews (1.1) answer both items, partials (1.2) only the first
    full = np.flatnonzero(disp == DISPOSITIONS.index("1.1"))
    partial = np.flatnonzero(disp == DISPOSITIONS.index("1.2"))
    n_pi = len(PHONE_ITEMS)
    owner = np.concatenate([np.repeat(full, n_pi), partial])
    item = np.concatenate([np.tile(np.arange(n_pi), len(full)), np.zeros(len(partial), np.int64)])
    order = np.argsort(owner * n_pi + item, kind="stable")
    owner, item = owner[order], item[order]
    q_case = quality[case_unit] - 0.03 + rng.normal(0.0, 0.12, cases)
    q_pa = np.clip(q_case[owner] + np.array([it[4] for it in PHONE_ITEMS])[item], 0.02, 0.98)
    rows["phone_answers.csv"] = write_csv(
        out / "phone_answers.csv",
        {
            "case_id": pc.take(case_ids, pa.array(owner)),
            "item_id": _take([it[0] for it in PHONE_ITEMS], item),
            "code": _take(CODES, _answer_codes(rng, q_pa, dont_know=0.03)),
        },
    )

    # --- big-data indicators (大数据指标), values correlated with quality, some gaps
    rows["indicators.csv"] = write_csv(
        out / "indicators.csv",
        {
            "indicator_id": [k[0] for k in INDICATORS],
            "name": [k[1] for k in INDICATORS],
            "direction": [k[2] for k in INDICATORS],
            "weight": np.array([k[3] for k in INDICATORS]),
            "method": pa.array([k[4] or None for k in INDICATORS], pa.string()),
            "floor": np.array([np.nan if k[5] is None else k[5] for k in INDICATORS]),
            "target": np.array([np.nan if k[6] is None else k[6] for k in INDICATORS]),
        },
    )
    noise = rng.normal(0.0, 1.0, (units, len(INDICATORS)))
    values = np.column_stack(
        [
            np.round(np.clip(0.70 + 0.25 * quality + 0.05 * noise[:, 0], 0.0, 1.0), 4),
            np.round(np.clip(0.50 + 0.45 * quality + 0.06 * noise[:, 1], 0.0, 1.0), 4),
            rng.poisson(20.0 * (1.0 - quality) + 1.0).astype(np.float64),
            rng.poisson(3.0 * (1.0 - quality)).astype(np.float64),
            np.round(np.clip(0.3 + 0.6 * rng.random(units) + 0.02 * noise[:, 4], 0.0, 1.0), 4),
        ]
    )
    present = (rng.random(values.shape) < 0.96) & (rng.random(units) >= 0.01)[:, None]
    vu, vk = np.nonzero(present)  # row-major: unit by unit, indicators in file order
    rows["indicator_values.csv"] = write_csv(
        out / "indicator_values.csv",
        {
            "unit_id": pc.take(unit_ids, pa.array(vu.astype(np.int64))),
            "indicator_id": _take([k[0] for k in INDICATORS], vk),
            "value": values[vu, vk],
        },
    )

    # --- adjustments: bonuses (some units twice, to hit the cap), deductions, a few vetoes
    bonus_units = np.flatnonzero(rng.random(units) < 0.06)
    bonus_units = np.sort(np.concatenate([bonus_units, bonus_units[rng.random(len(bonus_units)) < 0.25]]))
    deduction_units = np.flatnonzero(rng.random(units) < 0.05)
    n_veto = max(1, round(0.003 * units)) if units >= 10 else 0
    veto_units = np.sort(rng.choice(units, size=n_veto, replace=False))
    adj_unit = np.concatenate([bonus_units, deduction_units, veto_units]).astype(np.int64)
    adj_kind = np.repeat([0, 1, 2], [len(bonus_units), len(deduction_units), len(veto_units)])
    adj_points = np.concatenate(
        [
            rng.choice([0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0], len(bonus_units)),
            rng.choice([0.5, 1.0, 2.0, 3.0, 5.0, 8.0], len(deduction_units)),
            np.full(len(veto_units), np.nan),  # a veto carries no points
        ]
    )
    reason_pick = rng.integers(0, 1 << 30, len(adj_unit))
    reason_lists = (BONUS_REASONS, DEDUCTION_REASONS, VETO_REASONS)
    reasons = [reason_lists[k][r % len(reason_lists[k])] for k, r in zip(adj_kind, reason_pick, strict=True)]
    order = np.argsort(adj_unit, kind="stable")
    rows["adjustments.csv"] = write_csv(
        out / "adjustments.csv",
        {
            "unit_id": pc.take(unit_ids, pa.array(adj_unit[order])),
            "kind": _take(("bonus", "deduction", "veto"), adj_kind[order]),
            "points": adj_points[order],
            "reason": [reasons[i] for i in order],
        },
    )

    # --- history of the series: the two previous years for about 60% of units
    hist_units = np.flatnonzero(rng.random(units) < 0.6)
    weak = quality < np.quantile(quality, 0.1)
    h_unit = np.repeat(hist_units, 2)
    h_year = np.tile(np.array([YEAR - 2, YEAR - 1], dtype=np.int64), len(hist_units))
    h_unsat = rng.random(len(h_unit)) < np.where(weak[h_unit], 0.35, 0.04)
    rows["history.csv"] = write_csv(
        out / "history.csv",
        {
            "unit_id": pc.take(unit_ids, pa.array(h_unit.astype(np.int64))),
            "year": h_year,
            "unsatisfactory": _take(("false", "true"), h_unsat.astype(np.int64)),
        },
    )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: generate a bundle and print the rows written per file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--units", type=int, default=DEFAULT_UNITS)
    parser.add_argument("--responses", type=int, default=DEFAULT_RESPONSES)
    parser.add_argument("--cases", type=int, default=DEFAULT_CASES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--replicates",
        type=int,
        default=DEFAULT_REPLICATES,
        help="uncertainty.replicates written into campaign.toml",
    )
    args = parser.parse_args(argv)
    rows = generate(args.out_dir, args.units, args.responses, args.cases, args.seed, args.replicates)
    for name, n in rows.items():
        print(f"{name:24s} {n:>10,d} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
