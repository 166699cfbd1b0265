"""What ends a deployment early: SIGINT, SIGTERM, or its wall-clock deadline (``--timeout``).

Each becomes :class:`Stopped`, raised where the run is (a blocked socket read included: the
signal interrupts it), so that the deployer can record what it knows before it exits. While
evidence is being written, a signal is held and reported once the file is whole.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any


class Stopped(BaseException):
    """The run was told to stop; ``reason`` is ``SIGINT``, ``SIGTERM`` or ``deadline``.

    A BaseException, as KeyboardInterrupt: no ``except Exception`` of a library swallows it.
    """

    def __init__(self, reason: str, exit_code: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.exit_code = exit_code

    @property
    def by_signal(self) -> bool:
        """A signal, not the deadline."""
        return self.reason != "deadline"


class StopSwitch:
    """Signal handlers and the deadline's alarm for one run (main thread only: elsewhere,
    Python delivers no signals, and botocore's timeouts are the only bound)."""

    def __init__(self) -> None:
        self.held: Stopped | None = None
        self._holding = False

    def _raise(self, stop: Stopped) -> None:
        if self._holding:
            self.held = self.held or stop
            return
        raise stop

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._raise(Stopped(signal.Signals(signum).name, 128 + signum))

    def _on_alarm(self, _signum: int, _frame: FrameType | None) -> None:
        self._raise(Stopped("deadline", 1))

    @contextmanager
    def armed(self, deadline_seconds: float) -> Iterator[StopSwitch]:
        """Handlers installed and the alarm set for the block; the previous ones restored."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous: dict[int, Any] = {
            signal.SIGINT: signal.signal(signal.SIGINT, self._on_signal),
            signal.SIGTERM: signal.signal(signal.SIGTERM, self._on_signal),
            signal.SIGALRM: signal.signal(signal.SIGALRM, self._on_alarm),
        }
        signal.setitimer(signal.ITIMER_REAL, deadline_seconds)
        try:
            yield self
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    @contextmanager
    def held_back(self) -> Iterator[None]:
        """No :class:`Stopped` inside the block (writing evidence); one that came is kept in
        :attr:`held`."""
        holding, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = holding
