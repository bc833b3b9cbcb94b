"""The download workload: safe names, whole files, and no stray files on failure."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import responses

from parbench import network
from workloads import download


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
    with download.setup():
        folder = Path(download.tasks(1)[0].folder)
        task = download.Download("https://example.test/../../etc/passwd", str(folder))
        result = download.run(task)
        download.check([task], [result])
        assert sorted(p.name for p in folder.iterdir()) == ["passwd.jpg"]


def test_duplicates_fetched_at_once_leave_whole_files(
    mock_network: network.NetworkSettings,
) -> None:
    with download.setup():
        for _ in range(5):
            tasks = download.tasks(2)
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
            download.run(download.Download("https://example.test/broken", str(tmp_path)))
    assert list(tmp_path.iterdir()) == []


def test_body_cut_short_leaves_no_partial_file(tmp_path: Path) -> None:
    def cut(request):
        raise ConnectionResetError("peer went away mid-body")

    with responses.RequestsMock() as mock:
        mock.add_callback(responses.GET, "https://example.test/cut", callback=cut)
        with pytest.raises(ConnectionResetError):
            download.run(download.Download("https://example.test/cut", str(tmp_path)))
    assert list(tmp_path.iterdir()) == []


def test_every_request_has_a_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = {}

    def fake_get(url: str, **kwargs: object) -> object:
        seen.update(kwargs)
        raise RuntimeError("stop here")

    monkeypatch.setattr(download.requests, "get", fake_get)
    with pytest.raises(RuntimeError):
        download.run(download.Download("https://example.test/x", str(tmp_path)))
    assert seen["timeout"] == download.TIMEOUT_S and seen["stream"] is True


def test_check_catches_a_wrong_body(mock_network: network.NetworkSettings) -> None:
    with download.setup():
        tasks = download.tasks(1)[:1]
        results = [download.run(tasks[0])]
        Path(results[0].path).write_bytes(b"x" * mock_network.body_bytes)
        with pytest.raises(AssertionError, match="differ from what the server sent"):
            download.check(tasks, results)


def test_live_mode_downloads_over_loopback(live_network: network.NetworkSettings) -> None:
    with download.setup():
        tasks = download.tasks(1)
        assert all(task.url.startswith("http://127.0.0.1:") for task in tasks)
        with ThreadPoolExecutor(12) as pool:
            results = list(pool.map(download.run, tasks))
        download.check(tasks, results)
        assert {r.written for r in results} == {live_network.body_bytes}
