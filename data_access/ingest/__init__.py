"""Ingest the files users really have: ACE Reports CSV/TXT/Excel exports, ITRAC Access CDs.

`ingest(lake, files, principal=, mapping=, progress=)` loads them in one lake
transaction and returns one `FileResult` per file; `itrac ingest` and the Data page
call it.
"""

from data_access.ingest.load import FileResult, ingest
from data_access.ingest.mapping import MappingError, load_mapping
from data_access.ingest.readers import ReadError

__all__ = ["FileResult", "MappingError", "ReadError", "ingest", "load_mapping"]
