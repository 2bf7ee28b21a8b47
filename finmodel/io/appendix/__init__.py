"""The Excel business-case appendix: live formulas a reviewer can audit, flex and print.

:mod:`finmodel.io.appendix.writer` (``write_appendix``) lays out the sheets from the modules of
this package; see its docstring for the sheet order and what the context offers.
"""
