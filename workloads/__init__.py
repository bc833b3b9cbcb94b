"""Built-in workloads: one module each, every one following the workload contract.

The contract (see ``parbench.contract.workload``): ``KIND``, ``tasks(size)``, ``run(task)``, and the
optional ``check(tasks, results)``, ``setup()`` and ``cleanup(tasks)``.
"""
