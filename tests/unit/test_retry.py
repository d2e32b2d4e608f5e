"""The one backoff: full jitter under a cap, and a server's Retry-After honoured in both of its
forms (seconds and HTTP date), capped, with anything else falling back to the backoff."""

from __future__ import annotations

import pytest

from arbiter_app.retry import Backoff, retry_after

NOW = 1_445_412_470.0  # Wed, 21 Oct 2015 07:27:50 GMT


@pytest.mark.parametrize(("header", "seconds"), [
    ("120", 120.0), ("0", 0.0), (" 7 ", 7.0),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 10.0), ("Wed, 21 Oct 2015 07:00:00 GMT", 0.0),
    (None, None), ("", None), ("soon", None), ("-5", None), ("1.5", None),
    ("Wed, 21 Oct 2015 07:28:00", None),
], ids=["seconds", "zero", "padded", "http-date", "http-date-past", "absent", "empty",
        "word", "negative", "fraction", "date-without-zone"])
def test_retry_after_reads_seconds_and_http_dates(header: str | None,
                                                  seconds: float | None) -> None:
    assert retry_after(header, now=NOW) == seconds


def test_the_wait_is_full_jitter_under_the_cap_or_the_servers_word_capped() -> None:
    backoff = Backoff(attempts=6, base=1.0, cap=3.0)
    assert [backoff.delay(n, rng=lambda: 0.5) for n in range(4)] == [0.5, 1.0, 1.5, 1.5]
    assert backoff.delay(0, 2.0, rng=lambda: 0.99) == 2.0
    assert backoff.delay(0, 3600.0) == 3.0  # a server cannot park the app for an hour
