"""Registers the *Risk* sheet with the Excel appendix (imported by the appendix writer).

The sheet itself is written by :mod:`finmodel.io.excel_risk`; this module exists because the
appendix imports ``finmodel.risk.excel_sheets`` (see
:data:`finmodel.io.excel_appendix.APPENDIX_SHEET_MODULES`) before writing.
"""

from finmodel.io.excel_risk import risk_sheet, write_risk_sheet

__all__ = ["risk_sheet", "write_risk_sheet"]
