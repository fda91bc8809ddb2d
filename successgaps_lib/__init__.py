"""Success Gaps Workbook: find, measure and act on success gaps in district data."""

import sys as _sys

__version__ = "0.1.0"

# jsonschema, imported by Altair, loads rfc3987_syntax when it is installed (jupyter_events
# brings it), and that module compiles a grammar at import: 0.9 s of every kernel, handout
# and command start, for an "iri" format check nothing here uses. Marked absent, so
# jsonschema skips that one check, unless something in this process has loaded it already.
_sys.modules.setdefault("rfc3987_syntax", None)
