"""Design tables (CSV, TSV, FASTA, Parquet) read and validated into `OfflineData`.

A .csv may be separated by commas, semicolons (then decimal commas are read) or tabs; a file
whose first bytes give away another kind (a workbook renamed .csv) is named as what it is.
Text is UTF-8, else Windows-1252 (Excel's 'CSV' on Windows) with a warning; '#' comment lines
above a table's header and rows of separators only (',,,') are skipped with a note.

Every problem is raised as one `DataError` naming the file, the offending rows as the user
counts them (rows from 1 below the header, blank lines counted as an editor shows them; FASTA
records by id and line) and the problem.
Nothing is dropped silently: duplicated designs are merged, their values averaged, with a
`DataWarning` that the report keeps too; values piled at their best (a plateau) get one as
well. How many measurements stand behind each kept value travels with the data (an optional
`measurements` column, written back by `to_frame`), so a merged table merged again still weighs
every measurement alike. The CLI and the dashboard share this one path.
"""

from braid_core.data.combining import combine_designs, options_like
from braid_core.data.loading import FORMATS, file_bytes
from braid_core.data.numeric import BRAID_COLUMNS
from braid_core.data.offline import COUNT_COLUMN, OfflineData
from braid_core.data.plateau import (
    PLATEAU_ABOVE,
    PLATEAU_ROWS,
    PLATEAU_SHARE,
    Plateau,
    find_plateau,
)
from braid_core.data.reading import (
    check_designs,
    check_designs_bytes,
    read_designs,
    read_designs_bytes,
)
from braid_core.data.report import (
    DataError,
    DataReport,
    DataWarning,
    DuplicateGroup,
    of_file,
    space_mismatch,
)
from braid_core.data.writing import (
    blank_invalid_scores,
    float32_text,
    write_designs_csv,
    write_table,
)

__all__ = [
    "BRAID_COLUMNS",
    "COUNT_COLUMN",
    "FORMATS",
    "PLATEAU_ABOVE",
    "PLATEAU_ROWS",
    "PLATEAU_SHARE",
    "DataError",
    "DataReport",
    "DataWarning",
    "DuplicateGroup",
    "OfflineData",
    "Plateau",
    "check_designs",
    "check_designs_bytes",
    "combine_designs",
    "file_bytes",
    "find_plateau",
    "of_file",
    "options_like",
    "read_designs",
    "read_designs_bytes",
    "space_mismatch",
    "blank_invalid_scores",
    "float32_text",
    "write_designs_csv",
    "write_table",
]
