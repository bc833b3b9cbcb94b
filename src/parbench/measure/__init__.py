"""Measuring: everything that runs inside pytest or reads the machine (/proc, psutil):
the plugin, its options, the matrix of cases, the rounds that time them, the machine's
facts and the saving of a run. The strategies, the network and the latency suite are
measuring code too, in sub-packages of their own."""
