"""NJ-ECCS table A.1 and A.2 indicators, computed from the bundle.

Every indicator is recomputed from counts and records, never copied from a
ratio the enterprise states, and carries the inputs it used (JSON paths) so
a reader can redo the arithmetic by hand. Values are exact fractions;
bands (checker.scoring) are assigned on the exact value, and the value is
shown rounded half to even (GB/T 8170) to the indicator's precision
(INT-047). Nothing here reads files or the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from checker import timecalc
from checker.context import EvalContext
from checker.findings import Text
from checker.paths import PathTuple

if TYPE_CHECKING:  # the engines are imported when a figure is first measured, not with the CLI
    from checker import measures

HIGHER, LOWER = "higher", "lower"


@dataclass(frozen=True)
class Indicator:
    """One indicator's value and how it was obtained.

    `state` is "ok" (value computed), "missing" (the bundle lacks what it
    needs), "empty" (nothing to measure: a zero denominator) or
    "not_comparable" (measured on a basis the standard's figures do not use,
    e.g. bot replies included).
    """

    id: str
    table: str
    name: Text
    unit: str
    better: str
    state: str
    value: Fraction | None = None
    formula: str = ""
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    inputs: tuple[tuple[PathTuple, str], ...] = ()
    notes: tuple[Text, ...] = ()
    reason: Text | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def places(self) -> int:
        return PLACES.get(self.id, 2)

    def shown(self) -> Decimal | None:
        """The value rounded half to even to the indicator's precision (INT-047)."""
        if self.value is None:
            return None
        return rounded(self.value, self.places)


PLACES = {"complaint_rate": 4, "online_disputes": 0}

NAMES: dict[str, tuple[str, Text, str, str]] = {
    # id: (table, name, unit, better)
    "target_achievement": ("A.1", Text("目标达成率", "target achievement"), "%", HIGHER),
    "first_response_time": ("A.1", Text("首次响应时间（FRT）", "first response time (FRT)"), "s", LOWER),
    "average_response_time": ("A.1", Text("平均响应时间（PT）", "average response time (PT)"), "s", LOWER),
    "conversion_rate": ("A.1", Text("询单转化率", "consultation conversion rate"), "%", HIGHER),
    "satisfaction_rate": ("A.1", Text("客户满意度", "customer satisfaction"), "%", HIGHER),
    "reply_rate": ("A.1", Text("回复率", "reply rate"), "%", HIGHER),
    "complaint_rate": ("A.1", Text("客户投诉率", "complaint rate"), "%", LOWER),
    "negative_review_rate": ("A.2", Text("商品差评率", "negative review rate"), "%", LOWER),
    "feedback_handling_rate": ("A.2", Text("客户反馈处理率", "feedback handling rate"), "%", HIGHER),
    "refund_duration": ("A.2", Text("退款退货时长", "refund duration"), "h", LOWER),
    "platform_help_rate": ("A.2", Text("平台求助率", "platform help rate"), "%", LOWER),
    "online_disputes": ("A.2", Text("在线争议发生量", "online disputes"), "count", LOWER),
    "ai_answer_accuracy": ("A.2", Text("AI客服系统应答准确率", "AI answer accuracy"), "%", HIGHER),
}
A1 = tuple(k for k, v in NAMES.items() if v[0] == "A.1")
A2 = tuple(k for k, v in NAMES.items() if v[0] == "A.2")


def rounded(value: Fraction, places: int) -> Decimal:
    """`value` rounded half to even (GB/T 8170) to `places` decimals, exactly."""
    scaled = value * 10**places
    quotient, remainder = divmod(scaled.numerator, scaled.denominator)
    twice = 2 * remainder
    if twice > scaled.denominator or (twice == scaled.denominator and quotient % 2 == 1):
        quotient += 1
    return Decimal(quotient).scaleb(-places)


def exact(number: int | float | Decimal) -> Fraction:
    """A bundle number as an exact fraction: floats by their shortest decimal text (1234.56 is 123456/100)."""
    if isinstance(number, float):
        return Fraction(Decimal(repr(number)))
    return Fraction(number)


def decimal(number: int | float) -> Decimal:
    """A bundle number as an exact Decimal (floats by their shortest decimal text)."""
    return Decimal(repr(number)) if isinstance(number, float) else Decimal(number)


def _get(data: Any, path: PathTuple) -> Any:
    node = data
    for step in path:
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return None
        elif not isinstance(node, dict):
            return None
        node = node[step] if isinstance(step, int) else node.get(step)
        if node is None:
            return None
    return node


def _base(code: str, state: str, **kw: Any) -> Indicator:
    table, name, unit, better = NAMES[code]
    return Indicator(code, table, name, unit, better, state, **kw)


def _missing(code: str, what: Text, inputs: Iterable[tuple[PathTuple, str]] = ()) -> Indicator:
    return _base(code, "missing", reason=what, inputs=tuple(inputs))


def _ratio(code: str, data: Any, num_path: PathTuple, den_path: PathTuple, formula: str, percent: bool = True,
           notes: tuple[Text, ...] = ()) -> Indicator:
    num, den = _get(data, num_path), _get(data, den_path)
    inputs = ((num_path, "numerator"), (den_path, "denominator"))
    if num is None or den is None:
        absent = [p for p, v in ((num_path, num), (den_path, den)) if v is None]
        names = ", ".join(".".join(map(str, p)) for p in absent)
        return _missing(code, Text(f"证据包缺少 {names}", f"the bundle lacks {names}"), inputs)
    if den == 0:
        return _base(code, "empty", formula=formula, numerator=decimal(num), denominator=decimal(den), inputs=inputs,
                     reason=Text("分母为0，无可计算的数据", "the denominator is 0; there is nothing to measure"))
    value = exact(num) / exact(den) * (100 if percent else 1)
    return _base(code, "ok", value=value, formula=formula, numerator=decimal(num), denominator=decimal(den), inputs=inputs, notes=notes)


def _in_period(ctx: EvalContext, text: str | None) -> bool:
    if not text:
        return False
    moment = ctx.instants.temporal(text)
    day = ctx.instants.local_date(moment) if isinstance(moment, dt.datetime) else moment
    return ctx.period_start <= day <= ctx.period_end


# ------------------------------------------------------------------ A.1


def target_achievement(ctx: EvalContext) -> Indicator:
    return _ratio("target_achievement", ctx.data, ("performance", "sales", "actual_amount"),
                  ("performance", "sales", "target_amount"), "actual_amount / target_amount × 100")


def _response_basis(ctx: EvalContext) -> tuple[str, bool, Mapping[str, str] | None, tuple[Text, ...]]:
    rt = _get(ctx.data, ("performance", "response_times")) or {}
    unit = rt.get("unit", "session")
    bots_out = rt.get("bot_replies_excluded", True)
    window = rt.get("off_hours_excluded")
    notes = [Text(f"平均单位：{'每会话' if unit == 'session' else '每条消息'}", f"averaged per {unit}"),
             Text("已剔除机器人回复" if bots_out else "含机器人回复", "bot replies excluded" if bots_out else "bot replies included")]
    if window:
        notes.append(Text(f"剔除 {window['start']}-{window['end']} 时段的咨询", f"consultations in {window['start']}-{window['end']} excluded"))
    else:
        notes.append(Text("未剔除任何时段", "no off-hours window excluded"))
    return unit, bots_out, window, tuple(notes)


def measures_basis(ctx: EvalContext) -> measures.Basis:
    """The declared response-time basis as the engines take it (defaults: INT-042, INT-090)."""
    unit, bots_out, window, _ = _response_basis(ctx)
    cap = (_get(ctx.data, ("performance", "response_times")) or {}).get("cap_seconds")
    minutes = (timecalc.parse_clock(window["start"]), timecalc.parse_clock(window["end"])) if window else None
    cap_us = None if cap is None else int(exact(cap) * 1_000_000)
    from checker import measures

    return measures.Basis(unit, bots_out, minutes, cap_us)


def _not_comparable(indicator: Indicator) -> Indicator:
    return Indicator(indicator.id, indicator.table, indicator.name, indicator.unit, indicator.better, "not_comparable",
                     indicator.value, indicator.formula, indicator.numerator, indicator.denominator, indicator.inputs,
                     indicator.notes, Text("数据含机器人回复，而表A.1的指标针对人工客服（INT-042），不能定级",
                                           "the figures include bot replies, while table A.1 is for human agents (INT-042); no band"),
                     indicator.extra)


def _duration(code: str, ctx: EvalContext, key: str) -> Indicator:
    unit, bots_out, window, notes = _response_basis(ctx)
    path = ("performance", "response_times", key)
    block = _get(ctx.data, path)
    if block is not None:
        found = _base(code, "ok", value=exact(block["total_seconds"]) / exact(block["count"]),
                      formula="total_seconds / count", numerator=decimal(block["total_seconds"]), denominator=decimal(block["count"]),
                      inputs=((path + ("total_seconds",), "numerator"), (path + ("count",), "denominator")), notes=notes)
        return found if bots_out else _not_comparable(found)
    if has_section(ctx, ("chats", "messages")):
        return _durations_from_messages(code, ctx, key, notes)
    if key == "first_response":
        return _frt_from_records(ctx, bots_out, window, notes)
    return _missing(code, Text(f"证据包缺少 performance.response_times.{key}", f"the bundle lacks performance.response_times.{key}"),
                    [(path, "missing")])


def has_section(ctx: EvalContext, section: tuple[str, ...]) -> bool:
    """The bundle gives this record list, inline or in a record file."""
    return _get(ctx.data, section) is not None or (ctx.records is not None and section in ctx.records.files)


def engine(ctx: EvalContext) -> measures.Measures:
    """The measuring engine of this evaluation, chosen once (checker.measures.engine_for)."""
    if ctx.measures is None:
        from checker import measures

        ctx.measures = measures.engine_for(ctx)
    return ctx.measures


def _seconds(us: int) -> Decimal:
    """Microseconds as exact seconds without trailing zeros or an exponent: 1200000000 -> 1200, 1500 -> 0.0015."""
    value = Decimal(us).scaleb(-6)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _durations_from_messages(code: str, ctx: EvalContext, key: str, notes: tuple[Text, ...]) -> Indicator:
    basis = measures_basis(ctx)
    figures = engine(ctx).responses(basis)
    assert figures is not None
    inputs = ((("chats", "messages"), "records"),)
    cap_note = (Text(f"每次回复最多计 {basis.cap_us / 1_000_000:g} 秒", f"each reply counted at most {basis.cap_us / 1_000_000:g} s"),) \
        if basis.cap_us is not None else ()
    if key == "first_response":
        total, count = figures.first_total_us, figures.first_count
        formula = "Σ(first counted reply − first customer message) / answered sessions"
        what = Text("由聊天消息逐条计算：每个会话首条顾客消息到首次回复", "computed from the chat messages: first customer message to first reply, per session")
        slowest = figures.slowest_first
        value = Fraction(total, 1_000_000 * count) if count else None
        numerator, denominator = _seconds(total), Decimal(count)
    else:
        what = Text("由聊天消息逐条计算：顾客每轮提问到首次回复", "computed from the chat messages: each customer turn to its first reply")
        slowest = figures.slowest_turns
        if basis.unit == "message":
            total, count = figures.turn_total_us, figures.turn_count
            formula = "Σ(reply − customer turn) / turns"
            value = Fraction(total, 1_000_000 * count) if count else None
            numerator, denominator = _seconds(total), Decimal(count)
        else:
            count = sum(sessions for _, _, sessions in figures.session_groups)
            formula = "Σ over sessions of (Σ(reply − customer turn) / turns) / sessions"
            per_session = sum((Fraction(t, 1_000_000 * n) for n, t, _ in figures.session_groups), Fraction(0))
            value = per_session / count if count else None
            numerator, denominator = Decimal(str(rounded(per_session, 6))), Decimal(count)
    extra = {"slowest": [{"id": rid, "seconds": str(_seconds(us))} for rid, us in slowest],
             "unanswered_sessions": figures.unanswered}
    notes = notes + (what,) + cap_note
    if value is None:
        return _base(code, "empty", formula=formula, inputs=inputs, notes=notes, extra=extra,
                     reason=Text("评价期内没有得到回复的咨询", "no answered consultation in the period"))
    found = _base(code, "ok", value=value, formula=formula, numerator=numerator, denominator=denominator,
                  inputs=inputs, notes=notes, extra=extra)
    return found if basis.bots_excluded else _not_comparable(found)


def _frt_from_records(ctx: EvalContext, bots_out: bool, window: Mapping[str, str] | None, notes: tuple[Text, ...]) -> Indicator:
    code = "first_response_time"
    records = _get(ctx.data, ("enquiries", "records"))
    path = ("enquiries", "records")
    if records is None:
        return _missing(code, Text("证据包既无 performance.response_times.first_response 也无 enquiries.records",
                                   "the bundle has neither performance.response_times.first_response nor enquiries.records"))
    total = Fraction(0)
    count = 0
    unknown: list[str] = []
    lo = timecalc.parse_clock(window["start"]) if window else None
    hi = timecalc.parse_clock(window["end"]) if window else None
    for record in records:
        if not _in_period(ctx, record.get("received_at")):
            continue
        received = ctx.instants.parse(record["received_at"])
        if lo is not None and hi is not None:
            local = received.astimezone(ctx.tz)
            minute = local.hour * 60 + local.minute
            inside = lo <= minute < hi if lo < hi else (minute >= lo or minute < hi)
            if inside:
                continue
        by = record.get("first_reply_by")
        if bots_out and by == "bot":
            continue
        if record.get("first_reply_at") is None or (bots_out and by is None):
            unknown.append(record["id"])
            continue
        seconds = (ctx.instants.parse(record["first_reply_at"]) - received).total_seconds()
        total += exact(seconds)
        count += 1
    inputs = ((path, "records"),)
    notes = notes + (Text("由咨询记录逐条计算（每会话）", "computed from the enquiry records (per session)"),)
    if unknown:
        shown = ", ".join(unknown[:5])
        return _missing(code, Text(f"{len(unknown)} 条咨询缺少首次人工回复时间或回复者：{shown}",
                                   f"{len(unknown)} enquiries lack the first human reply time or who replied: {shown}"), inputs)
    if count == 0:
        return _base(code, "empty", formula="Σ(first_reply_at − received_at) / n", inputs=inputs, notes=notes,
                     reason=Text("评价期内没有人工回复的咨询", "no human-answered enquiry in the period"))
    found = _base(code, "ok", value=total / count, formula="Σ(first_reply_at − received_at) / n",
                  numerator=Decimal(total.numerator) / Decimal(total.denominator), denominator=Decimal(count),
                  inputs=inputs, notes=notes)
    return found if bots_out else _not_comparable(found)


def first_response_time(ctx: EvalContext) -> Indicator:
    return _duration("first_response_time", ctx, "first_response")


def average_response_time(ctx: EvalContext) -> Indicator:
    return _duration("average_response_time", ctx, "average_response")


CHATS = ("chats", "messages")


def _consultations(ctx: EvalContext) -> measures.Consultations | None:
    return engine(ctx).consultations() if has_section(ctx, CHATS) else None


def _from_consultations(code: str, ctx: EvalContext, part: str, formula: str, section: tuple[str, ...], what: Text,
                        notes: tuple[Text, ...] = ()) -> Indicator | None:
    """A rate over the consultations (chat sessions) of the period, or None when the bundle has no chat messages."""
    figures = _consultations(ctx)
    if figures is None:
        return None
    numerator = getattr(figures, part)
    inputs = ((CHATS, "records"),) + (((section, "records"),) if section != CHATS else ())
    if numerator is None:
        return _missing(code, Text(f"证据包缺少 {'.'.join(section)}", f"the bundle lacks {'.'.join(section)}"), inputs)
    notes = notes + (what,)
    extra = {"unreplied": list(figures.unreplied)} if part == "replied_by_human" else {}
    if figures.total == 0:
        return _base(code, "empty", formula=formula, inputs=inputs, notes=notes, extra=extra,
                     reason=Text("评价期内没有咨询会话", "no consultation in the period"))
    return _base(code, "ok", value=Fraction(numerator * 100, figures.total), formula=formula, numerator=Decimal(numerator),
                 denominator=Decimal(figures.total), inputs=inputs, notes=notes, extra=extra)


def conversion_rate(ctx: EvalContext) -> Indicator:
    industry = ctx.data["organization"].get("industry")
    note = Text(f"行业：{industry}", f"industry: {industry}") if industry else Text("未声明行业", "no industry declared")
    found = _ratio("conversion_rate", ctx.data, ("performance", "consultations", "orders"),
                   ("performance", "consultations", "total"), "orders / consultations × 100", notes=(note,))
    if found.state == "missing":
        return _from_consultations("conversion_rate", ctx, "converted", "consultations with an order / consultations × 100",
                                   ("orders", "records"), Text("由聊天会话和订单记录计算（INT-092）",
                                                               "computed from the chat sessions and the orders naming them (INT-092)"),
                                   (note,)) or found
    return found


SATISFIED = ("consumer_rating", "consumer_survey")


def satisfaction_rate(ctx: EvalContext) -> Indicator:
    code = "satisfaction_rate"
    evaluations = ctx.data.get("satisfaction_evaluations")
    satisfied = responses = 0
    inputs = []
    for index, item in enumerate(evaluations or ()):
        covers = item["covers"]
        if item["method"] not in SATISFIED:
            continue
        if ctx.instants.date(covers["end"]) < ctx.period_start or ctx.instants.date(covers["start"]) > ctx.period_end:
            continue
        satisfied += item["satisfied"]
        responses += item["responses"]
        inputs.append((("satisfaction_evaluations", index), item["id"]))
    if not inputs:
        figures = _consultations(ctx) if has_section(ctx, ("chats", "sessions")) else None
        if figures is not None and figures.rated:
            return _base(code, "ok", value=Fraction(figures.satisfied * 100, figures.rated),
                         formula="(very satisfied + satisfied) / rated sessions × 100", numerator=Decimal(figures.satisfied),
                         denominator=Decimal(figures.rated), inputs=((("chats", "sessions"), "records"), (CHATS, "records")),
                         notes=(Text("由会话评价计算（INT-092）", "computed from the sessions' ratings (INT-092)"),))
        if evaluations is None:
            return _missing(code, Text("证据包缺少 satisfaction_evaluations", "the bundle lacks satisfaction_evaluations"))
        return _missing(code, Text("评价期内没有顾客评价（consumer_rating/consumer_survey）",
                                   "no consumer rating or survey covers the period"))
    if responses == 0:
        return _base(code, "empty", formula="(very satisfied + satisfied) / ratings × 100", inputs=tuple(inputs),
                     reason=Text("顾客评价总数为0", "no ratings were given"))
    return _base(code, "ok", value=Fraction(satisfied * 100, responses), formula="(very satisfied + satisfied) / ratings × 100",
                 numerator=Decimal(satisfied), denominator=Decimal(responses), inputs=tuple(inputs))


def reply_rate(ctx: EvalContext) -> Indicator:
    found = _ratio("reply_rate", ctx.data, ("performance", "consultations", "replied_by_human"),
                   ("performance", "consultations", "total"), "human-replied consultations / consultations × 100")
    if found.state == "missing":
        return _from_consultations("reply_rate", ctx, "replied_by_human", "consultations a human replied to / consultations × 100",
                                   CHATS, Text("由聊天消息计算：首条顾客消息之后有人工回复的会话",
                                               "computed from the chat messages: sessions with a human reply after the first customer message")) or found
    return found


def complaint_count(ctx: EvalContext) -> tuple[int | None, tuple[PathTuple, str] | None]:
    given = _get(ctx.data, ("performance", "complaints"))
    if given is not None:
        return given, (("performance", "complaints"), "numerator")
    if not has_section(ctx, ("complaints",)):
        return None, None
    return engine(ctx).complaints(), (("complaints",), "numerator (counted)")


def complaint_rate(ctx: EvalContext) -> Indicator:
    code = "complaint_rate"
    count, source = complaint_count(ctx)
    transactions = _get(ctx.data, ("performance", "transactions"))
    den = (("performance", "transactions"), "denominator")
    notes: tuple[Text, ...] = ()
    if transactions is None and has_section(ctx, ("orders", "records")):
        transactions = engine(ctx).transactions()
        den = (("orders", "records"), "denominator (paid orders not cancelled, counted)")
        notes = (Text("总交易数量由订单记录计算：评价期内下单、已付款且未取消的订单（INT-092）",
                      "transactions counted from the order records: placed in the period, paid and not cancelled (INT-092)"),)
    if count is None or transactions is None:
        what = "performance.transactions" if transactions is None else "complaints / performance.complaints"
        return _missing(code, Text(f"证据包缺少 {what}", f"the bundle lacks {what}"), [den] + ([source] if source else []))
    assert source is not None
    if transactions == 0:
        return _base(code, "empty", formula="complaints / transactions × 100", inputs=(source, den), notes=notes,
                     reason=Text("总交易数量为0", "there were no transactions"))
    return _base(code, "ok", value=Fraction(count * 100, transactions), formula="complaints / transactions × 100 (a percentage, INT-041)",
                 numerator=Decimal(count), denominator=Decimal(transactions), inputs=(source, den), notes=notes)


# ------------------------------------------------------------------ A.2


def negative_review_rate(ctx: EvalContext) -> Indicator:
    code = "negative_review_rate"
    found = _ratio(code, ctx.data, ("performance", "reviews", "negative"), ("performance", "reviews", "total"),
                   "negative reviews / reviews × 100")
    if found.state != "missing" or not has_section(ctx, ("reviews",)):
        return found
    figures = engine(ctx).reviews()
    assert figures is not None
    inputs = ((("reviews",), "records"),)
    if figures.total == 0:
        return _base(code, "empty", formula="negative reviews / reviews × 100", inputs=inputs,
                     reason=Text("评价期内没有商品评价", "no review was posted in the period"))
    return _base(code, "ok", value=Fraction(figures.negative * 100, figures.total), formula="negative reviews / reviews × 100",
                 numerator=Decimal(figures.negative), denominator=Decimal(figures.total), inputs=inputs,
                 notes=(Text("由评价记录计算", "computed from the review records"),))


def feedback_handling_rate(ctx: EvalContext) -> Indicator:
    code = "feedback_handling_rate"
    if not has_section(ctx, ("feedback",)):
        return _missing(code, Text("证据包缺少 feedback", "the bundle lacks feedback"))
    figures = engine(ctx).feedback()
    assert figures is not None
    inputs = ((("feedback",), "records"),)
    extra = {"open": list(figures.open)}
    if not figures.total:
        return _base(code, "empty", formula="fed-back feedback / feedback × 100", inputs=inputs,
                     reason=Text("评价期内没有顾客反馈", "no customer feedback in the period"), extra=extra)
    return _base(code, "ok", value=Fraction(figures.handled * 100, figures.total), formula="fed-back feedback / feedback × 100",
                 numerator=Decimal(figures.handled), denominator=Decimal(figures.total), inputs=inputs, extra=extra)


def refund_duration(ctx: EvalContext) -> Indicator:
    code = "refund_duration"
    if not has_section(ctx, ("refunds",)):
        return _missing(code, Text("证据包缺少 refunds", "the bundle lacks refunds"))
    default = _get(ctx.data, ("refund_policy", "platform_default_hours"))
    figures = engine(ctx).refunds(default)
    assert figures is not None
    inputs = ((("refunds",), "records"),) + (((("refund_policy", "platform_default_hours"), "default limit"),) if default is not None else ())
    total = Fraction(figures.total_us, 3_600_000_000)
    extra = {"late": [rid for rid, _ in figures.late], "late_hours": [str(rounded(Fraction(us, 3_600_000_000), 2)) for _, us in figures.late],
             "late_count": figures.late_count, "undecided": list(figures.undecided), "undecided_count": figures.undecided_count,
             "max_hours": str(rounded(Fraction(figures.longest_us, 3_600_000_000), 2)) if figures.count else None,
             "within_limit": not figures.late_count and not figures.undecided_count}
    if figures.count == 0:
        return _base(code, "empty", formula="Σ(refunded_at − start) / n, hours", inputs=inputs, extra=extra,
                     reason=Text("评价期内没有已完成的退款", "no completed refund in the period"))
    return _base(code, "ok", value=total / figures.count, formula="Σ(refunded_at − start) / n, hours",
                 numerator=Decimal(str(rounded(total, 6))), denominator=Decimal(figures.count), inputs=inputs, extra=extra)


def platform_help_rate(ctx: EvalContext) -> Indicator:
    code = "platform_help_rate"
    disputes = ctx.data.get("disputes")
    if disputes is None:
        return _missing(code, Text("证据包缺少 disputes", "the bundle lacks disputes"))
    chosen = [d for d in disputes if _in_period(ctx, d.get("received_at"))]
    helped = sum(1 for d in chosen if d.get("platform_assisted"))
    inputs = ((("disputes",), "records"),)
    if not chosen:
        return _base(code, "empty", formula="platform-assisted disputes / disputes × 100", inputs=inputs,
                     reason=Text("评价期内没有争议", "no dispute in the period"))
    return _base(code, "ok", value=Fraction(helped * 100, len(chosen)), formula="platform-assisted disputes / disputes × 100",
                 numerator=Decimal(helped), denominator=Decimal(len(chosen)), inputs=inputs)


def online_disputes(ctx: EvalContext) -> Indicator:
    code = "online_disputes"
    disputes = ctx.data.get("disputes")
    if disputes is None:
        return _missing(code, Text("证据包缺少 disputes", "the bundle lacks disputes"))
    n = sum(1 for d in disputes if _in_period(ctx, d.get("received_at")))
    return _base(code, "ok", value=Fraction(n), formula="number of disputes in the period", numerator=Decimal(n),
                 inputs=((("disputes",), "records"),))


def ai_answer_accuracy(ctx: EvalContext) -> Indicator:
    return _ratio("ai_answer_accuracy", ctx.data, ("performance", "ai_answers", "accurate"), ("performance", "ai_answers", "total"),
                  "accurate bot answers / bot answers × 100")


COMPUTE: dict[str, Callable[[EvalContext], Indicator]] = {
    "target_achievement": target_achievement,
    "first_response_time": first_response_time,
    "average_response_time": average_response_time,
    "conversion_rate": conversion_rate,
    "satisfaction_rate": satisfaction_rate,
    "reply_rate": reply_rate,
    "complaint_rate": complaint_rate,
    "negative_review_rate": negative_review_rate,
    "feedback_handling_rate": feedback_handling_rate,
    "refund_duration": refund_duration,
    "platform_help_rate": platform_help_rate,
    "online_disputes": online_disputes,
    "ai_answer_accuracy": ai_answer_accuracy,
}


def compute(ctx: EvalContext, codes: Iterable[str] | None = None) -> dict[str, Indicator]:
    """The indicators named (default: all of A.1 and A.2), in table order."""
    wanted = list(COMPUTE) if codes is None else [c for c in COMPUTE if c in set(codes)]
    return {code: COMPUTE[code](ctx) for code in wanted}
