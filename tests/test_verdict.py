"""Verdicts from saved measurements: speedups, efficiency, kinds, and no winner on noise."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from parbench import render, results, verdict

from helpers import benchmark_entry as entry
from helpers import run_document


def judge(*entries: dict) -> list[verdict.WorkloadVerdict]:
    return verdict.judge(results.from_json(run_document(*entries), "run.json").measurements)


def test_io_workload_winner_speedup_and_efficiency() -> None:
    [found] = judge(
        entry("download", "serial", 0.64, kind="io", tasks=12, cpu_share=0.04),
        entry("download", "threads", 0.08, workers=16, kind="io", tasks=12),
        entry("download", "processes", 0.065, workers=16, kind="io", tasks=12),
        entry("download", "threads", 0.33, workers=2, kind="io", tasks=12),
    )
    assert found.kind == "I/O-bound"
    best = found.rows[0]
    assert (best.label, best.ideal) == ("processes x16", 12)
    assert best.speedup == pytest.approx(0.64 / 0.065)
    assert best.efficiency == pytest.approx(0.64 / 0.065 / 12)
    assert best.versus_serial == verdict.FASTER
    assert best.interval[0] < best.speedup < best.interval[1]
    assert found.text == (
        "download (I/O-bound): processes x16 fastest, 9.8x over serial (82% of ideal); "
        "threads x16 8.0x; serial 640 ms"
    )


def test_cpu_ideal_is_capped_by_usable_cpus() -> None:
    [found] = judge(
        entry("pure_python", "serial", 0.08),
        entry("pure_python", "processes", 0.042, workers=8),
    )
    assert found.kind == "CPU-bound"
    assert found.rows[0].ideal == 2
    assert found.rows[0].efficiency == pytest.approx(0.08 / 0.042 / 2)


def test_serial_wins_and_per_task_overhead_is_named() -> None:
    [found] = judge(
        entry("factorial", "serial", 0.0016, tasks=10_000),
        entry("factorial", "processes", 1.0, workers=2, tasks=10_000),
        entry("factorial", "processes", 0.0048, workers=2, tasks=10_000, chunksize=1250),
    )
    assert found.text.startswith("factorial (CPU-bound): serial fastest (1.6 ms); processes x2 ")
    assert "chunksize 1 is 625x slower: per-task overhead dwarfs the work" in found.text
    assert [row.label for row in found.rows] == [
        "serial",
        "processes x2 chunksize auto",
        "processes x2 chunksize 1",
    ]


def test_threads_keeping_several_cpus_busy_release_the_gil() -> None:
    [found] = judge(
        entry("gil_releasing", "serial", 0.075),
        entry(
            "gil_releasing", "threads", 0.038, workers=2, cpu_per_wall=1.96, runnable_per_wall=2.0
        ),
    )
    assert found.kind == "CPU-bound, releases the GIL"
    assert "evidence: threads x2 kept 1.96 CPUs busy: its threads run in parallel" in found.notes
    [free] = judge(
        entry("pure_python", "serial", 0.075, gil_enabled=False),
        entry(
            "pure_python",
            "threads",
            0.038,
            workers=2,
            gil_enabled=False,
            cpu_per_wall=1.9,
            runnable_per_wall=2.0,
        ),
    )
    assert free.kind == "CPU-bound, threads scale"


def test_a_speedup_over_a_disturbed_baseline_is_no_evidence_of_parallel_threads() -> None:
    # The failure seen on a shared 16-CPU machine: serial's rounds were slowed by a
    # neighbour, so threads x4 looked 1.57x faster on work that holds the GIL.
    [found] = judge(
        entry("mine", "serial", 0.144, kind="io", cpu_share=1.0, usable_cpus=16, physical_cores=8),
        entry(
            "mine",
            "threads",
            0.0917,
            workers=4,
            kind="io",
            usable_cpus=16,
            physical_cores=8,
            cpu_per_wall=1.01,
            runnable_per_wall=1.06,
        ),
    )
    assert found.kind == "CPU-bound, holds the GIL"
    assert found.text.startswith("mine (CPU-bound, holds the GIL; declared I/O-bound)")
    assert any("kept 1.01 CPUs busy of 16 usable: one thread runs" in n for n in found.notes)


def test_threads_held_back_by_a_busy_machine_leave_the_gil_question_open() -> None:
    [found] = judge(
        entry("pure_python", "serial", 0.08),
        entry("pure_python", "threads", 0.081, workers=2, cpu_per_wall=0.98, runnable_per_wall=1.7),
    )
    assert found.kind == "CPU-bound"
    assert any("the machine was busy" in note for note in found.notes)
    [one_cpu] = judge(
        entry("pure_python", "serial", 0.08, usable_cpus=1),
        entry("pure_python", "threads", 0.08, workers=2, usable_cpus=1, cpu_per_wall=1.0),
    )
    assert one_cpu.kind == "CPU-bound"
    assert any("parallel threads cannot show" in note for note in one_cpu.notes)


def test_baseline_drift_makes_ranges_and_no_figure_beyond_physics() -> None:
    # Serial measured at 144 ms before the other cases and at 90.6 ms after them.
    entries = [
        entry("mine", "serial", 0.144, usable_cpus=16, physical_cores=8),
        entry("mine", "processes", 0.0537, workers=2, usable_cpus=16, physical_cores=8),
        entry("mine", "processes", 0.0321, workers=4, usable_cpus=16, physical_cores=8),
        entry("mine", "serial", 0.0906, usable_cpus=16, physical_cores=8, baseline_pass="after"),
    ]
    [found] = judge(*entries)
    assert found.baseline.drift.startswith("serial took 144 ms before the other cases and 90.6 ms")
    assert any(n.startswith("disturbed: serial took 144 ms") for n in found.notes)
    for row in found.rows:
        assert row.is_baseline or row.efficiency <= 1 + 1e-9, row
        low, high = row.span
        if not row.is_baseline:
            assert low == pytest.approx(0.0906 / row.measurement.median)
            assert high == pytest.approx(0.144 / row.measurement.median)
    assert not re.search(r"\(1\d\d% of ideal\)", found.text)
    assert "x to " in found.text  # the winner's speedup is given as a range
    # Without the second pass, the figure beyond physics still bounds the baseline.
    [one_pass] = judge(*entries[:3])
    assert one_pass.baseline.drift.startswith(
        "processes x2 beat serial by more than the 2x physics allows (withheld below), "
        "so serial could have taken as little as 107 ms"
    )
    assert one_pass.baseline.low == pytest.approx(2 * 0.0537)


def test_a_speedup_beyond_its_ceiling_is_withheld_as_disturbed() -> None:
    # A task that prints 10 MB: serial, in the main process, writes into pytest's capture.
    [found] = judge(
        entry("noisy", "serial", 0.325, spread=0.002),
        entry("noisy", "processes", 0.05, workers=2, spread=0.002),
        entry("noisy", "threads", 0.30, workers=2, spread=0.002),
    )
    [row] = [r for r in found.rows if r.measurement.strategy == "processes"]
    assert row.impossible and row.versus_serial == verdict.DISTURBED
    assert row.ceiling == 2
    assert "processes" not in found.text
    assert any(n.startswith("withheld: processes x2 measured 6.5x") for n in found.notes)
    text = render.render([found])
    assert "650%" not in text and "325%" not in text
    assert not re.search(r"\b6\.5x? ", text.split("withheld")[0])


def test_a_speedup_just_above_its_ceiling_within_noise_is_shown_at_the_ceiling() -> None:
    [found] = judge(
        entry("sleep", "serial", 0.8, kind="io", spread=0.05),
        entry("sleep", "threads", 0.0495, workers=16, kind="io", spread=0.05),
    )
    row = found.rows[0]
    assert row.speedup > 16 and not row.impossible
    assert row.shown == 16 and row.efficiency == 1
    assert row.note.startswith("at the ceiling")


def test_a_starved_case_gets_a_range_and_no_claim_the_starvation_could_explain() -> None:
    [found] = judge(
        entry("pure_python", "serial", 0.08, cpu_per_wall=1.0, runnable_per_wall=1.0),
        # Wanted two CPUs, got one: half of what it could have had, so it looks slower.
        # Something else kept a whole CPU busy meanwhile.
        entry(
            "pure_python",
            "processes",
            0.09,
            workers=2,
            cpu_per_wall=1.0,
            runnable_per_wall=2.0,
            others_per_wall=1.0,
        ),
    )
    row = found.rows[-1]
    assert row.disturbance.starved == pytest.approx(0.5)
    assert row.span == pytest.approx((0.08 / 0.09, 0.08 / 0.045))
    # Significantly slower as measured, but the starvation could explain it: no claim.
    assert row.p_value < 0.05 and row.versus_serial == verdict.UNCLEAR
    assert any("processes x2 got less CPU than they wanted" in n for n in found.notes)


def test_a_pool_waiting_for_its_own_threads_is_not_disturbed() -> None:
    # Sixteen threads waking at once queue for two CPUs; nothing else was running.
    [found] = judge(
        entry("sleep", "serial", 0.8, kind="io", others_per_wall=0.0),
        entry(
            "sleep",
            "threads",
            0.051,
            workers=16,
            kind="io",
            cpu_per_wall=0.04,
            runnable_per_wall=0.09,
            others_per_wall=0.01,
        ),
    )
    assert found.rows[0].disturbance.starved is None and found.notes == ()
    assert found.rows[0].versus_serial == verdict.FASTER


def test_a_starved_baseline_makes_no_win_it_could_explain() -> None:
    [found] = judge(
        # Serial got 60% of the one CPU it wanted: its 80 ms could have been 48 ms.
        entry(
            "pure_python",
            "serial",
            0.08,
            cpu_per_wall=0.6,
            runnable_per_wall=1.0,
            others_per_wall=1.4,
        ),
        entry(
            "pure_python", "processes", 0.05, workers=2, cpu_per_wall=1.95, runnable_per_wall=2.0
        ),
    )
    assert found.baseline.low == pytest.approx(0.048)
    assert found.rows[0].versus_serial == verdict.UNCLEAR
    assert any("serial got 60% of the CPU it wanted" in n for n in found.notes)


def test_hardware_threads_raise_the_ceiling_but_not_the_ideal() -> None:
    [found] = judge(
        entry("gil_releasing", "serial", 0.8, tasks=64, usable_cpus=16, physical_cores=8),
        entry(
            "gil_releasing",
            "processes",
            0.088,
            workers=16,
            tasks=64,
            usable_cpus=16,
            physical_cores=8,
        ),
    )
    row = found.rows[0]
    assert (row.ideal, row.ceiling) == (8, 16)
    assert not row.impossible and row.efficiency == pytest.approx(0.8 / 0.088 / 8)
    assert "machine: 8 cores, 16 hardware threads, 16 usable" in render.render([found])


def test_measured_kind_differing_from_declared_is_said() -> None:
    [found] = judge(
        entry("mine", "serial", 0.5, kind="cpu", cpu_share=0.01),
        entry("mine", "threads", 0.1, workers=8, kind="cpu"),
    )
    assert found.text.startswith("mine (I/O-bound; declared CPU-bound):")


def test_overlapping_rounds_are_no_clear_difference() -> None:
    [found] = judge(
        entry("sleep", "serial", 0.100, kind="io", spread=0.05),
        entry("sleep", "threads", 0.099, workers=2, kind="io", spread=0.05),
    )
    assert found.rows[0].versus_serial == verdict.UNCLEAR
    assert "no strategy is clearly faster than serial" in found.text


def test_too_few_rounds_are_never_a_win() -> None:
    [found] = judge(
        entry("sleep", "serial", 0.8, kind="io", rounds=3),
        entry("sleep", "threads", 0.05, workers=16, kind="io", rounds=3),
    )
    assert found.rows[0].versus_serial == verdict.UNCLEAR
    assert "too few rounds to tell: 3" in found.text


def test_groups_without_serial_are_left_out() -> None:
    assert judge(entry("sleep", "threads", 0.05, workers=16, kind="io")) == []


def test_every_format_carries_the_rows() -> None:
    found = judge(
        entry("sleep", "serial", 0.8, kind="io", cpu_share=0.0),
        entry("sleep", "threads", 0.05, workers=16, kind="io"),
    )
    text = render.render(found, "text")
    assert text.splitlines()[0].startswith("CPython 3.11.7, GIL enabled; machine: ")
    assert "threads x16" in text and "faster" in text
    markdown = render.render(found, "markdown")
    assert "### sleep" in markdown and "| threads x16 | 50 ms | 16x |" in markdown
    rows = list(csv.DictReader(io.StringIO(render.render(found, "csv"))))
    assert [(r["strategy"], r["versus_serial"]) for r in rows] == [
        ("threads", "faster"),
        ("serial", "no clear difference"),
    ]
    [document] = json.loads(render.render(found, "json"))
    assert document["workloads"][0]["verdict"] == found[0].text
    assert document["workloads"][0]["rows"][0]["speedup"] == pytest.approx(16)


def test_results_reject_what_is_not_a_parbench_run() -> None:
    with pytest.raises(results.RunError, match=r"x\.json: not a pytest-benchmark file"):
        results.from_json({"nothing": []}, "x.json")
    with pytest.raises(results.RunError, match=r"x\.json: holds no parbench benchmarks"):
        results.from_json({"benchmarks": [{"name": "other", "stats": {}}]}, "x.json")


def test_a_significant_but_tiny_difference_is_not_called() -> None:
    [found] = judge(
        entry("factorial", "serial", 0.00100, rounds=200, spread=0.001),
        entry("factorial", "processes", 0.00102, workers=2, rounds=200, spread=0.001),
    )
    assert found.rows[-1].p_value < 0.001
    assert found.rows[-1].versus_serial == verdict.UNCLEAR


def test_start_methods_are_named_where_several_were_measured() -> None:
    [found] = judge(
        entry("sleep", "serial", 0.8, kind="io"),
        entry("sleep", "processes", 0.2, workers=4, kind="io"),
        entry("sleep", "processes", 0.21, workers=4, kind="io", start_method="spawn"),
    )
    assert [row.label for row in found.rows[:2]] == ["processes x4 fork", "processes x4 spawn"]


def test_a_quota_below_one_cpu_bounds_speedups_relative_to_serial() -> None:
    # Under a quota of half a CPU, serial gets half a CPU too: 1x from two threads is
    # no figure beyond physics.
    [found] = judge(
        entry("pure_python", "serial", 0.16, usable_cpus=0.5, logical_cpus=4),
        entry("pure_python", "threads", 0.16, workers=2, usable_cpus=0.5, logical_cpus=4),
    )
    row = found.rows[-1] if found.rows[-1].measurement.strategy == "threads" else found.rows[0]
    assert not row.impossible and row.ceiling == 1


def test_no_gil_claim_where_no_two_threads_could_run_at_once() -> None:
    [found] = judge(
        entry("mine", "serial", 0.08, tasks=1),
        entry("mine", "threads", 0.08, workers=4, tasks=1, cpu_per_wall=1.0, runnable_per_wall=1.0),
    )
    assert found.kind == "CPU-bound"


def test_a_case_that_got_no_cpu_at_all_is_judged_without_dividing_by_zero() -> None:
    [found] = judge(
        entry("pure_python", "serial", 0.08),
        entry(
            "pure_python",
            "processes",
            0.05,
            workers=2,
            cpu_per_wall=0.0,
            runnable_per_wall=2.0,
            others_per_wall=2.0,
        ),
    )
    row = found.rows[0]
    # It could have been any amount faster; that it was faster still holds.
    assert row.disturbance.starved == 0 and row.span[1] > 100 * row.speedup
    assert row.versus_serial == verdict.FASTER
    assert "x to " in render.render([found])


def test_drift_is_found_in_runs_saved_without_rounds() -> None:
    def bare(document_entry: dict) -> dict:
        document_entry["stats"].pop("data")
        return document_entry

    [found] = judge(
        bare(entry("mine", "serial", 1.0)),
        bare(entry("mine", "processes", 0.3, workers=4, usable_cpus=4)),
        bare(entry("mine", "serial", 2.0, baseline_pass="after")),
    )
    assert found.baseline.drift.startswith("serial took 1 s before the other cases and 2 s")
    assert found.rows[0].span == pytest.approx((1 / 0.3, 2 / 0.3))


def test_serial_is_called_fastest_only_when_every_other_case_is_slower() -> None:
    [found] = judge(
        entry("factorial", "serial", 0.0016, tasks=10_000),
        entry("factorial", "processes", 1.0, workers=2, tasks=10_000),
        entry("factorial", "threads", 0.00161, workers=2, tasks=10_000, spread=0.2),
    )
    assert found.text.startswith("factorial (CPU-bound): nothing is clearly faster than serial")
    assert "processes x2 is 625x slower" in found.text


def test_a_case_beyond_physics_bounds_every_other_speedup() -> None:
    # Serial slowed by a neighbour without waiting for a CPU (a shared core): one worker
    # doing the same work looks 1.46x faster, and two workers' 1.84x rests on the same
    # slowed baseline.
    [found] = judge(
        entry("pure_python", "serial", 0.148, spread=0.01),
        entry("pure_python", "processes", 0.102, workers=1, spread=0.01),
        entry("pure_python", "processes", 0.0804, workers=2, chunksize=4, spread=0.01),
    )
    two = next(r for r in found.rows if r.measurement.workers == 2)
    assert two.span == pytest.approx((0.102 / 0.0804, 0.148 / 0.0804))
    assert "1.3x to 1.8x over serial" in found.text
    assert any("serial could have taken as little as 102 ms" in n for n in found.notes)


def _slowed_one_worker(reference: float) -> list[verdict.WorkloadVerdict]:
    # Seen beside a busy neighbour: one thread doing serial's work took 146 ms against
    # 108 ms, with every CPU it wanted granted (no wait), while the reference loop timed
    # before its rounds took ``reference`` against serial's 0.5 ms.
    return judge(
        entry("pure_python", "serial", 0.108, cpu_per_wall=1.0, reference_loop_s=5e-4),
        entry(
            "pure_python",
            "threads",
            0.146,
            cpu_per_wall=1.0,
            runnable_per_wall=1.0,
            others_per_wall=1.0,
            reference_loop_s=reference,
        ),
    )


def test_a_case_on_a_slowed_cpu_gets_a_range_and_no_claim_the_slowdown_could_explain() -> None:
    [found] = _slowed_one_worker(reference=6.6e-4)
    row = found.rows[-1]
    assert row.disturbance.starved is None and row.disturbance.slowed == pytest.approx(1.32)
    assert row.span == pytest.approx((0.108 / 0.146, 0.108 * 1.32 / 0.146))
    assert row.p_value < 0.05 and row.versus_serial == verdict.UNCLEAR
    assert found.text.startswith("pure_python (CPU-bound): no strategy is clearly faster")
    assert any("threads x1 (1.32x) ran on a CPU slower" in n for n in found.notes)
    assert "ran on a CPU 1.32x slower than serial did" in row.note


def test_the_same_slowdown_at_the_same_cpu_speed_is_a_finding() -> None:
    # The control for the test above: the CPU ran as fast for both, so the 1.35x is real.
    [found] = _slowed_one_worker(reference=5.1e-4)
    row = found.rows[-1]
    assert not row.disturbance.material and found.notes == ()
    assert row.versus_serial == verdict.SLOWER
    assert "threads x1 is 1.4x slower" in found.text


def test_a_baseline_on_a_slowed_cpu_makes_no_win_it_could_explain() -> None:
    # Serial ran while its CPU was 1.4x slower than when the pools ran: two workers that
    # gained nothing look 1.4x faster, and four look 1.75x faster where 1.25x is real.
    [found] = judge(
        entry("pure_python", "serial", 0.14, cpu_per_wall=1.0, reference_loop_s=7e-4),
        entry("pure_python", "threads", 0.1, workers=2, cpu_per_wall=1.0, reference_loop_s=5e-4),
        entry("pure_python", "processes", 0.08, workers=4, cpu_per_wall=2.0, reference_loop_s=5e-4),
    )
    threads, processes = (next(r for r in found.rows if r.label.startswith(s)) for s in ("t", "p"))
    assert threads.versus_serial == verdict.UNCLEAR
    assert processes.span == pytest.approx((0.1 / 0.08, 0.14 / 0.08))
    assert "processes x4 fastest, 1.2x to 1.8x over serial" in found.text
    assert "serial ran on a CPU 1.40x slower than this did" in processes.note
    assert any(
        n.startswith("disturbed: serial ran on a CPU slower than processes x4 (1.40x), threads")
        for n in found.notes
    )


def test_a_slowed_cpu_disturbs_work_only_as_much_as_it_computes() -> None:
    # Sleeping threads keep 0.6 of 16 CPUs busy: a CPU 1.5x slower could have cost them
    # 1.3%, too little to name, though their range takes it in. Threads that compute
    # half of the time could have been 1.2x faster.
    [found] = judge(
        entry("sleep", "serial", 0.8, kind="io", reference_loop_s=5e-4),
        entry(
            "sleep",
            "threads",
            0.053,
            workers=16,
            kind="io",
            cpu_per_wall=0.6,
            reference_loop_s=7.5e-4,
        ),
        entry(
            "sleep", "threads", 0.4, workers=2, kind="io", cpu_per_wall=1.0, reference_loop_s=7.5e-4
        ),
    )
    sixteen, two = found.rows[0], found.rows[1]
    assert sixteen.disturbance.slowed == pytest.approx(1.5) and not sixteen.disturbance.material
    assert sixteen.span[1] / sixteen.span[0] == pytest.approx(1 / (1 - 0.6 / 16 / 3))
    assert sixteen.versus_serial == verdict.FASTER
    assert two.disturbance.share == pytest.approx(1 - 0.5 * (1 - 1 / 1.5))
    assert [n for n in found.notes if "ran on a CPU slower" in n] == [
        "disturbed: threads x2 (1.50x) ran on a CPU slower than serial did (a neighbour on a "
        "shared core, or a lower clock); their speedups are ranges"
    ]


def test_a_cpu_speed_change_too_small_to_explain_a_claim_is_not_a_disturbance() -> None:
    [found] = judge(
        entry("pure_python", "serial", 0.1, reference_loop_s=5e-4),
        entry("pure_python", "processes", 0.052, workers=2, reference_loop_s=5.2e-4),
    )
    assert not found.rows[0].disturbance.material and found.notes == ()
    assert found.rows[0].versus_serial == verdict.FASTER


def test_serial_cpu_share_comes_from_each_rounds_own_ratio_on_a_busy_machine() -> None:
    # Seen beside two busy neighbours: serial factorial's median round took 6.4 ms, its
    # median CPU time was 2.26 ms and its median wait for a CPU 53% of a round, so the
    # medians, taken from different rounds, made CPU work look mixed. Each round's own
    # CPU time over its unqueued time was 1.
    blurred = entry(
        "factorial", "serial", 0.0064, cpu_share=0.00226 / 0.0064, wait_share=0.53, cpu_per_wall=0.4
    )
    [found] = judge(blurred)
    assert found.kind == "mixed"
    blurred["extra_info"]["cpu_per_unqueued_wall"] = 0.998
    [found] = judge(blurred)
    assert found.kind == "CPU-bound"


def test_the_least_disturbed_serial_pass_says_how_cpu_bound_the_work_is() -> None:
    # Beside two busy neighbours, serial's first pass computed 60% of its unqueued time
    # (the rest lost to neither computing nor waiting), its second 93%: the work is CPU
    # work, since no disturbance makes work compute more than it does.
    [found] = judge(
        entry("busy_io", "serial", 0.35, kind="io", cpu_per_unqueued_wall=0.6),
        entry(
            "busy_io", "serial", 0.29, kind="io", cpu_per_unqueued_wall=0.93, baseline_pass="after"
        ),
    )
    assert found.kind == "CPU-bound"


def test_a_cold_pool_on_a_busy_machine_is_taken_to_want_every_cpu_it_could_use() -> None:
    # Seen beside busy neighbours: a cold pool of two processes kept half a CPU busy while
    # others kept 1.8 busy, and looked 2.3x slower than serial. Its workers took their
    # run-queue waits with them, so it is taken to have wanted both CPUs.
    [found] = judge(
        entry("busy_io", "serial", 0.09, cpu_per_wall=1.0, runnable_per_wall=1.0),
        entry(
            "busy_io",
            "processes",
            0.207,
            workers=2,
            pool="cold",
            cpu_per_wall=0.5,
            others_per_wall=1.8,
        ),
    )
    cold = found.rows[-1]
    assert cold.disturbance.starved == pytest.approx(0.25)
    assert cold.p_value < 0.05 and cold.versus_serial == verdict.UNCLEAR
    assert "got 25% of the CPUs it could have used" in cold.note


def test_waiting_for_a_cpu_and_a_slowed_cpu_cost_different_parts_of_the_time() -> None:
    # One thread got 70% of the CPU it wanted and ran on a CPU 1.3x slower: its 0.2 s
    # could have been 0.2 x 0.7 / 1.3 = 0.108 s, no slower than serial's 0.105 s.
    [found] = judge(
        entry("pure_python", "serial", 0.105, cpu_per_wall=1.0, reference_loop_s=5e-4),
        entry(
            "pure_python",
            "threads",
            0.2,
            cpu_per_wall=0.7,
            runnable_per_wall=1.0,
            others_per_wall=1.0,
            reference_loop_s=6.5e-4,
        ),
    )
    row = found.rows[-1]
    assert row.disturbance.share == pytest.approx(1 - 0.3 - 0.7 * (1 - 1 / 1.3))
    assert row.span[1] == pytest.approx(0.105 / (0.2 * 0.7 / 1.3))
    assert row.versus_serial == verdict.UNCLEAR


def test_a_slowdown_too_small_to_name_still_blocks_a_claim_it_could_explain() -> None:
    # Serial's CPU ran 4.5% slower than the pool's: the pool's 8% is 3.3% once that is
    # taken out, short of the 5% a claim needs.
    [found] = judge(
        entry("pure_python", "serial", 0.108, cpu_per_wall=1.0, reference_loop_s=5.225e-4),
        entry("pure_python", "processes", 0.1, workers=2, cpu_per_wall=1.0, reference_loop_s=5e-4),
    )
    row = found.rows[0]
    assert row.p_value < 0.05 and row.speedup == pytest.approx(1.08)
    assert row.versus_serial == verdict.UNCLEAR and found.notes == ()


def test_unknown_demand_is_bounded_by_what_others_could_have_taken() -> None:
    # Eight threads on GIL-bound work kept one CPU busy, on a platform without run-queue
    # waits, while others kept 0.3 busy: they could have used at most 1.3 CPUs.
    [found] = judge(
        entry("pure_python", "serial", 0.1, cpu_per_wall=1.0),
        entry("pure_python", "threads", 0.1, workers=8, cpu_per_wall=1.0, others_per_wall=0.3),
    )
    row = next(r for r in found.rows if not r.is_baseline)
    assert row.disturbance.estimated
    assert row.disturbance.starved == pytest.approx(1 / 1.3)
    assert row.note == "" and not any("disturbed" in n for n in found.notes)


def test_the_kind_comes_from_the_serial_pass_whose_cpu_ran_fastest() -> None:
    # A slowed CPU stretches only the computing of mixed work, so the slowed pass
    # looks more CPU-bound than the work is.
    [found] = judge(
        entry("mixed_work", "serial", 0.1, cpu_per_unqueued_wall=0.9, reference_loop_s=1e-3),
        entry(
            "mixed_work",
            "serial",
            0.1,
            cpu_per_unqueued_wall=0.6,
            reference_loop_s=5e-4,
            baseline_pass="after",
        ),
    )
    assert found.kind == "mixed"
