"""Seeded synthetic bundles for benchmarks: many complaints, a realistic staff list."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

TZ = dt.timezone(dt.timedelta(hours=8))


def bundle(complaints: int, staff: int = 400, seed: int = 20251231) -> dict[str, Any]:
    rng = random.Random(seed)
    start = dt.datetime(2025, 1, 1, tzinfo=TZ)
    rows = []
    for i in range(complaints):
        received = start + dt.timedelta(seconds=rng.randrange(0, 364 * 86400))
        row: dict[str, Any] = {
            "id": f"C-{i:07d}",
            "category": "service" if rng.random() < 0.7 else "product",
            "received_at": received.isoformat(),
        }
        if rng.random() < 0.4:
            row["resolved_at_first_contact"] = True
        else:
            hours = rng.expovariate(1 / 6) if rng.random() < 0.98 else 24 + rng.random() * 20
            row["solution_fed_back_at"] = (received + dt.timedelta(hours=hours)).replace(microsecond=0).isoformat()
            if row["solution_fed_back_at"] > "2025-12-31T23":
                row["solution_fed_back_at"] = received.isoformat()
        rows.append(row)
    people = []
    for i in range(staff):
        hired = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(0, 2000))
        duty = hired + dt.timedelta(days=rng.randrange(3, 15))
        assessed = duty - dt.timedelta(days=rng.randrange(0, 3)) if rng.random() < 0.99 else duty + dt.timedelta(days=2)
        people.append({
            "id": f"S-{i:05d}",
            "name": f"客服{i:05d}",
            "roles": [rng.choice(["pre_sales", "in_sales", "after_sales"])],
            "hired_on": hired.isoformat(),
            "first_duty_on": duty.isoformat(),
            "pre_job_training": {"completed_on": assessed.isoformat(),
                                 "topics": ["product_knowledge", "customer_service", "ecommerce", "laws_regulations", "business_processes"]},
            "pre_job_assessment": {"date": assessed.isoformat(), "passed": True, "score": 80 + rng.randrange(20)},
            "trainings": [{"date": f"2025-{m:02d}-15", "topic": "业务提升"} for m in (4, 10)],
        })
    week = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return {
        "schema_version": "1.0",
        "organization": {"name": "杭州基准测试电子商务有限公司", "unified_social_credit_code": "91330106MA2B3C4D5E",
                         "role": "operator", "time_zone": "Asia/Shanghai"},
        "period": {"start": "2025-01-01", "end": "2025-12-31"},
        "channels": [{"id": "CH-CHAT", "type": "online_text", "name": "在线客服", "human_agents": True},
                     {"id": "CH-TEL", "type": "phone", "name": "客服热线", "human_agents": True}],
        "service_hours": {"schedules": [
            {"channel": "CH-CHAT", "intervals": [{"days": week, "start": "08:00", "end": "24:00"}]},
            {"channel": "CH-TEL", "intervals": [{"days": week[:5], "start": "09:00", "end": "18:00"},
                                                {"days": week, "start": "22:00", "end": "02:00", "agent": "bot"}]},
        ]},
        "staff": people,
        "complaints": rows,
    }
