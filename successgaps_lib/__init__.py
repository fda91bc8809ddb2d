"""Success Gaps Workbook: find, measure and act on success gaps in district data."""

__version__ = "0.1.0"
