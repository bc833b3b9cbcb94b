"""The report: every word, label and unit (text, Markdown, CSV, JSON, HTML, charts) and the
command line that reads saved runs. No pytest, no psutil, no measuring code."""
