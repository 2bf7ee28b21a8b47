"""Registers the investment sheets (*Appraisal*, *Financial case*, *Service model*) with the appendix.

The appendix writer imports this module before writing (it is listed in
:data:`finmodel.io.excel_appendix.APPENDIX_SHEET_MODULES`); the sheets themselves are written by
:mod:`finmodel.io.excel_investment`. A model without investments gets none of them.
"""

from finmodel.io.excel_appendix import register_sheet
from finmodel.io.excel_investment import investment_sheets, write_investment_sheets

register_sheet(investment_sheets)

__all__ = ["investment_sheets", "write_investment_sheets"]
