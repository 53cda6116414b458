"""Vietnam time: every date shown to users or exported is the calendar day in Asia/Ho_Chi_Minh."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import overload
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@overload
def vn_day(moment: datetime) -> date: ...
@overload
def vn_day(moment: None) -> None: ...
@overload
def vn_day(moment: datetime | None) -> date | None: ...
def vn_day(moment: datetime | None) -> date | None:
    """The Vietnam calendar day of a stored timestamp (naive values are UTC, as the database keeps them)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VN_TZ).date()


def today_vn() -> date:
    """The calendar date in Vietnam (the default year of the registers and reports)."""
    return datetime.now(VN_TZ).date()
