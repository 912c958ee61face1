"""The weekly_coverage operator over a weekly service schedule."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checker import timecalc
from checker.compiling import CompileEnv
from checker.context import EvalContext
from checker.findings import Status, Text
from checker.operators.base import JSONPATH, VALUE, Outcome, Rule, args_schema, hours, register
from checker.predicates import MISSING, compile_value

# ------------------------------------------------------------------ weekly coverage


@register(
    "weekly_coverage",
    "A weekly schedule gives at least `min_days` days with at least `min_hours` hours of service each "
    "(union over channels; overnight intervals split at midnight).",
    args_schema({"schedule": JSONPATH, "min_days": VALUE, "min_hours": VALUE,
           "agents": {"type": "array", "items": {"enum": ["human", "bot"]}, "minItems": 1, "uniqueItems": True}},
          ("schedule", "min_days", "min_hours")),
    ("days_meeting", "hours_per_day", "min_days", "min_hours"),
)
def _weekly_coverage(args: Mapping[str, Any], env: CompileEnv, at: tuple[Any, ...]) -> Rule:
    path = env.path(args["schedule"], at + ("schedule",))
    days_of = compile_value(args["min_days"], env, at + ("min_days",))
    hours_of = compile_value(args["min_hours"], env, at + ("min_hours",))
    agents = frozenset(args.get("agents", ["human"]))

    def run(ctx: EvalContext) -> Outcome:
        found = ctx.select(path)
        if ctx.trace is not None and (not found or not isinstance(found[0][1], dict)):
            ctx.trace.read(args["schedule"], found[0][1] if found else MISSING, found[0][0] if found else None)
        if not found or not isinstance(found[0][1], dict):
            return Outcome(
                Status.INSUFFICIENT_EVIDENCE,
                Text(f"证据包中没有服务时间表（{args['schedule']} 缺失）", f"the bundle has no service schedule ({args['schedule']} is missing)"),
            )
        where, schedule = found[0]
        min_days, min_hours = days_of(ctx)(None), hours_of(ctx)(None)
        schedule_tz = timecalc.zone(schedule.get("time_zone") or ctx.tz_name)
        intervals: list[timecalc.Interval] = []
        for entry in schedule.get("schedules", []):
            entry_tz = timecalc.zone(entry["time_zone"]) if entry.get("time_zone") else schedule_tz
            shift = timecalc.zone_shift_minutes(entry_tz, ctx.tz, ctx.period_start)
            for interval in entry["intervals"]:
                if interval.get("agent", "human") in agents:
                    intervals.extend(timecalc.weekly_intervals(interval["days"], interval["start"], interval["end"], shift))
        covered = timecalc.minutes_per_day(intervals)
        per_day = {day: round(minutes / 60, 2) for day, minutes in covered.items()}
        meeting = [day for day, minutes in covered.items() if minutes >= min_hours * 60]
        short = [day for day in timecalc.WEEKDAYS if day not in meeting]
        facts = {"days_meeting": len(meeting), "hours_per_day": per_day, "min_days": min_days, "min_hours": min_hours}
        if ctx.trace is not None:
            ctx.trace.read(args["schedule"], schedule, where, Text(f"计入的服务方：{'、'.join(sorted(agents))}",
                                                                   f"counting {', '.join(sorted(agents))} service"))
            for day in timecalc.WEEKDAYS:
                ctx.trace.compare(f"hours on {day}", per_day[day], ">=", min_hours, day in meeting)
            ctx.trace.compare("days meeting", len(meeting), ">=", min_days, len(meeting) >= min_days)
        table = ", ".join(f"{day} {hours(per_day[day])} h" for day in timecalc.WEEKDAYS)
        zh_days = {"mon": "周一", "tue": "周二", "wed": "周三", "thu": "周四", "fri": "周五", "sat": "周六", "sun": "周日"}
        table_zh = "，".join(f"{zh_days[day]} {hours(per_day[day])} 小时" for day in timecalc.WEEKDAYS)
        message = Text(
            f"每周有 {len(meeting)} 天服务时长不少于 {hours(min_hours)} 小时（要求不少于 {min_days} 天）：{table_zh}",
            f"{len(meeting)} days a week have at least {hours(min_hours)} h of service (required: {min_days}): {table}",
        )
        status = Status.PASS if len(meeting) >= min_days else Status.FAIL
        note = "short days: " + ", ".join(short) if short and status is Status.FAIL else f"{len(meeting)} days meet"
        return Outcome(status, message, facts, [(where, note)])

    return run


