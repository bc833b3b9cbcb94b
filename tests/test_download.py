"""The download workload: safe names, whole files, and no stray files on failure."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import responses

from parbench import network
from parbench.workloads import download


def task(url: str, folder: Path | str, **limits: float) -> download.Download:
    """A download task with the network's default limits, or those given."""
    defaults = network.NetworkSettings()
    return download.Download(
        url,
        str(folder),
        limits.get("timeout", defaults.timeout),
        int(limits.get("max_bytes", defaults.max_body_bytes)),
        network.DIGEST_HEADER,
    )


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (
            "https://images.unsplash.com/photo-1509718443690-d8e2fb3474b7",
            "photo-1509718443690-d8e2fb3474b7.jpg",
        ),
        ("https://example.test/../../etc/passwd", "passwd.jpg"),
        ("https://example.test/a/b.c?x=1", "b.c.jpg"),
    ],
)
def test_file_name_is_the_last_segment(url: str, name: str) -> None:
    assert download.file_name(url) == name


@pytest.mark.parametrize(
    "url",
    [
        "https://example.test/x%2F..%2F..%2Fetc",
        "https://example.test/a%5C..%5Cb",
        "https://example.test/nul%00byte",
        "https://example.test/" + "n" * 5000,
        "https://example.test/spaces and/slashes\\here",
    ],
)
def test_file_name_never_holds_a_separator_or_escapes(url: str, tmp_path: Path) -> None:
    name = download.file_name(url)
    assert "/" not in name and "\\" not in name and "\0" not in name
    assert len(name) < 200
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()


@pytest.mark.parametrize(
    "url", ["https://example.test/", "https://example.test/..", "https://example.test/a/."]
)
def test_url_without_a_usable_name_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="no last path segment"):
        download.file_name(url)


def test_names_that_clean_alike_stay_apart() -> None:
    assert download.file_name("https://x.test/a b") != download.file_name("https://x.test/a_b")
    assert download.file_name("https://x.test/a b") != download.file_name("https://x.test/a!b")


def test_traversal_url_writes_inside_the_batch_folder(
    mock_network: network.NetworkSettings,
) -> None:
    with network.workload_context() as context:
        folder = Path(download.tasks(1, context)[0].folder)
        traversal = task("https://example.test/../../etc/passwd", folder)
        result = download.run(traversal)
        download.check([traversal], [result])
        assert sorted(p.name for p in folder.iterdir()) == ["passwd.jpg"]


def test_duplicates_fetched_at_once_leave_whole_files(
    mock_network: network.NetworkSettings,
) -> None:
    with network.workload_context() as context:
        for _ in range(5):
            tasks = download.tasks(2, context)
            with ThreadPoolExecutor(16) as pool:
                results = list(pool.map(download.run, tasks))
            download.check(tasks, results)
            folder = Path(tasks[0].folder)
            assert len(list(folder.iterdir())) == 6
            download.cleanup(tasks)
            assert not folder.exists()


def test_failed_download_leaves_no_partial_file(tmp_path: Path) -> None:
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, "https://example.test/broken", status=500)
        with pytest.raises(Exception, match="500"):
            download.run(task("https://example.test/broken", tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_body_cut_short_leaves_no_partial_file(tmp_path: Path) -> None:
    def cut(request):
        raise ConnectionResetError("peer went away mid-body")

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, "https://example.test/cut", callback=cut)
        with pytest.raises(ConnectionResetError):
            download.run(task("https://example.test/cut", tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_every_request_has_a_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}

    def fake_get(url: str, **kwargs: object) -> object:
        seen.update(kwargs)
        raise RuntimeError("stop here")

    monkeypatch.setattr(download.requests, "get", fake_get)
    with pytest.raises(RuntimeError):
        download.run(task("https://example.test/x", tmp_path, timeout=3.5))
    assert seen["timeout"] == 3.5 and seen["stream"] is True


def test_check_catches_a_wrong_body(mock_network: network.NetworkSettings) -> None:
    with network.workload_context() as context:
        tasks = download.tasks(1, context)[:1]
        results = [download.run(tasks[0])]
        Path(results[0].path).write_bytes(b"x" * mock_network.body_bytes)
        with pytest.raises(AssertionError, match="differ from what the server sent"):
            download.check(tasks, results)


def test_live_mode_downloads_over_loopback(live_network: network.NetworkSettings) -> None:
    with network.workload_context() as context:
        tasks = download.tasks(1, context)
        assert all(task.url.startswith("http://127.0.0.1:") for task in tasks)
        with ThreadPoolExecutor(12) as pool:
            results = list(pool.map(download.run, tasks))
        download.check(tasks, results)
        assert {r.written for r in results} == {live_network.body_bytes}


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.test/a",
        "gopher://x/y",
        "//example.test/a",
        "example.test/a",
    ],
)
def test_only_http_and_https_are_fetched(url: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(download.requests, "get", lambda *a, **k: pytest.fail("a request was made"))
    with pytest.raises(ValueError, match="only http and https URLs are fetched"):
        download.run(task(url, tmp_path))


def test_a_body_over_the_limit_is_refused_and_not_written(
    mock_network: network.NetworkSettings, tmp_path: Path
) -> None:
    url = "https://example.test/big"
    with pytest.raises(download.BodyTooLarge, match="over the 1000 allowed"):
        download.run(task(url, tmp_path, max_bytes=1000))
    assert list(tmp_path.iterdir()) == []


def test_a_body_without_length_is_cut_off_at_the_limit(tmp_path: Path) -> None:
    def unsized(request):
        return 200, {"Transfer-Encoding": "chunked"}, b"x" * 5000

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, "https://example.test/unsized", callback=unsized)
        with pytest.raises(download.BodyTooLarge):
            download.run(task("https://example.test/unsized", tmp_path, max_bytes=2048))
    assert list(tmp_path.iterdir()) == []


def test_tasks_take_the_serving_networks_limits_and_folder() -> None:
    settings = network.NetworkSettings(timeout=2.5, max_body_bytes=4096, latency=0.0)
    with network.serving(settings), network.workload_context() as context:
        tasks = download.tasks(1, context)
        assert {(t.timeout, t.max_bytes) for t in tasks} == {(2.5, 4096)}
        assert {Path(t.folder).parent for t in tasks} == {Path(context.output_dir)}
        assert context.routed == len(tasks)
        download.cleanup(tasks)
    assert not Path(context.output_dir).exists()
