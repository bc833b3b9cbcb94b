"""Known answer: work already parallel inside. numpy's matrix product runs on a
multithreaded BLAS that keeps every core busy by itself: more workers have nothing left
to gain from."""

import functools

import numpy

KIND = "cpu"
SIZES = {"quick": 4, "default": 16, "article": 16}
N = 220


@functools.cache
def _matrix() -> numpy.ndarray:
    return numpy.random.default_rng(7).random((N, N))


def tasks(size: int) -> list[int]:
    return list(range(size))


def run(seed: int) -> float:
    a = _matrix() + seed
    return float((a @ a @ a).trace())


def check(tasks: list[int], results: list[float]) -> None:
    expected = [float(((_matrix() + s) @ (_matrix() + s) @ (_matrix() + s)).trace()) for s in tasks]
    assert all(abs(r - e) <= 1e-6 * abs(e) for r, e in zip(results, expected, strict=True))
