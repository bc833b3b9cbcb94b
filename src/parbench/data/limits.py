"""Upper bounds of what a run can be made with: the options refuse more, and a saved run
holding more is refused as it is read. A module of its own, so that declaring the options
(which every pytest run with parbench installed does) does not load the saved format."""

#: Each process worker costs about 20 MiB and a quarter of a CPU second to start (spawn).
MAX_WORKERS = 256
#: Every task of the sleep and download workloads waits it: 16 minutes a serial round.
MAX_LATENCY_S = 60
#: Every process that serves the network keeps each of the download's bodies in memory.
MAX_BODY_BYTES = 128 * 1024**2
#: Each workload's time for its paired rounds: an hour settles all but a case that never
#: will.
MAX_BUDGET_S = 3600.0
