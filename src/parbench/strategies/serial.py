"""Serial: every call inline in the calling thread; the baseline every speedup divides."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from typing import Any

from parbench.data.results import BASELINE
from parbench.strategies import PoolSpec, Strategy


class InlineExecutor(Executor):
    """An executor that runs each call at once, in the caller's thread.

    ``map`` is a plain loop with no future per item, so the baseline carries no
    bookkeeping that the article's ``for`` loop does not.
    """

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future

    def map(
        self,
        fn: Callable[..., Any],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[Any]:
        return map(fn, *iterables)


def _make(spec: PoolSpec) -> Executor:
    return InlineExecutor()


STRATEGY = Strategy(
    name=BASELINE,
    summary="one call after another in the main thread",
    make_executor=_make,
    parallel=False,
)
