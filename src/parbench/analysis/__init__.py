"""Pure analysis: values in, values out. No pytest, no psutil, no /proc, no measuring code
(``tests/test_layers.py`` keeps it so)."""
