"""What a user's workload sees: the workload's contract (``workload``) and the context
each task is given (``context``). Imports nothing of the measuring code."""
