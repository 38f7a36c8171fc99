"""A small cache shared by the server's threads: the last few values, each built once."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class RecentCache(Generic[V]):
    """The values of the last ``size`` keys used; thread-safe, each value built once (other
    threads wait while it is built)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], V]) -> V:
        """The value of ``key``, built by ``build()`` if it is not kept."""
        with self._lock:
            value = self._values.get(key)
            if value is None:
                value = self._values[key] = build()
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
            self._values.move_to_end(key)
            return value

    def forget(self, key: Hashable) -> None:
        """Drop one key's value (if kept)."""
        with self._lock:
            self._values.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
