"""The SMPP throttle: no more submits waiting for an answer than the window, starts spaced by the pace."""

from __future__ import annotations

from handlers.smpp.throttle import Throttle


class FakeTime:
    def __init__(self) -> None:
        self.now, self.slept = 100.0, []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_the_window_bounds_the_submits_in_flight() -> None:
    clock = FakeTime()
    throttle = Throttle(2, 0, monotonic=clock.monotonic, sleep=clock.sleep)
    assert throttle.acquire(0.01) and throttle.acquire(0.01)
    assert not throttle.acquire(0.01)  # the window is full until an answer comes
    throttle.release()
    assert throttle.acquire(0.01)
    assert clock.slept == []  # no pace set: no waiting


def test_starts_are_spaced_to_the_pace() -> None:
    clock = FakeTime()
    throttle = Throttle(10, 4, monotonic=clock.monotonic, sleep=clock.sleep)
    for _ in range(3):
        assert throttle.acquire(1)
        throttle.release()
    assert clock.slept == [0.25, 0.25]  # 4 a second: a quarter of a second apart
    clock.now += 5  # idle a while: the next one goes at once
    assert throttle.acquire(1)
    assert clock.slept == [0.25, 0.25]
