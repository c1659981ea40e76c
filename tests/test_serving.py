"""The service judges a member on the kiosk's own calendar day, not on UTC's."""

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from kiosk.cache import Cache
from kiosk.serving import MemberView
from kiosk.standing import evaluate
from tests.conftest import new_key
from tests.kiosk_ui import build_kiosk, local_time_is_wib


@pytest.fixture(autouse=True)
def wib() -> Iterator[None]:
    yield from local_time_is_wib()


def test_a_member_verified_just_after_local_midnight_is_judged_on_the_local_day(
    tmp_path: Path,
) -> None:
    """00:30 WIB on 16 December is still the 15th in UTC; on the 16th November falls due."""
    kiosk = build_kiosk(tmp_path, new_key())
    person = kiosk.people["active"]
    kiosk.clock.now = datetime(2026, 12, 15, 17, 30, tzinfo=UTC)
    view = kiosk.service().verify(person.nik, person.mother)
    assert isinstance(view, MemberView)
    with Cache.open(kiosk.path, kiosk.key) as cache:
        member = cache.get(person.nik)
    assert member is not None
    local, utc = (evaluate(member, day, "•") for day in (date(2026, 12, 16), date(2026, 12, 15)))
    assert local != utc, "the two days must differ for this member, or the test proves nothing"
    assert view.standing == local
