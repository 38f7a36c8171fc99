"""archivist: a searchable archive of Chinese-language reports.

Data flows one way: archive -> segment -> metadata -> index -> search -> web.
"""

__version__ = "0.1.0"
