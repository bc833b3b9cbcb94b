"""The repository's benchmarks run through the parbench pytest plugin, which the install
(``pip install -e .``) registers as the ``parbench`` entry point: nothing to wire here."""
