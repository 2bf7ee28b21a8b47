"""Layout of the budget template, shared by its writer and its reader.

Every table sheet has a title on row 1, guidance on row 2, column headers on row 4 and data
from row 5. Table sheets (Partners, Funding, Costs) have one row per item and fixed columns;
year sheets (Assumptions, Drivers, Control totals, Rate overrides) have key columns, a source,
an *All years* value and then one column per projected year. The reader checks the headers, so
columns must not be inserted or moved.

>>> [c.header for c in FUNDING_COLUMNS][:4]
['Partner id', 'Stream id', 'Name', 'Base-year outturn £k']
>>> OVERRIDES.all_years_col, OVERRIDES.first_year_col
(4, 5)
"""

from __future__ import annotations

from dataclasses import dataclass

#: Header row and first data row (0-based) of every table sheet.
HEADER_ROW, FIRST_ROW = 3, 4
#: Rows offered for data (validation ranges are bounded to these).
MAX_ROWS = 500
#: Rates a cost line can set for itself, and a funding stream's.
LINE_RATES = ("demand_growth", "non_demographic_growth", "inflation", "efficiency")
STREAM_RATES = ("funding_growth",)
ASSUMPTION_KEYS = (
    "demand_growth",
    "inflation",
    "efficiency",
    "funding_growth",
    "non_demographic_growth",
    "qipp",
    "cip_planned",
    "cip_delivered",
    "cip_recurrent",
)
#: Assumptions that are shares (100% is a valid value, unlike a rate a year).
SHARE_ASSUMPTIONS = ("cip_delivered", "cip_recurrent")
#: Keys of the model file the tables do not hold; kept as YAML on "Other settings".
OTHER_KEYS = ("tariff", "price_series", "scenarios", "investments", "uncertainty")
YES, NO = "Yes", "No"


@dataclass(frozen=True)
class Column:
    """A column of a table sheet: the model field it holds, its header and what it takes."""

    field: str
    header: str
    kind: str  # text | id | money | rate | share | yesno | citation
    width: int
    guidance: str


PARTNER_COLUMNS = (
    Column(
        "id",
        "Partner id",
        "id",
        14,
        "Short id: a letter, then letters, digits or _ (used for payees)",
    ),
    Column("name", "Name", "text", 36, "The organisation's name"),
    Column("kind", "Kind", "text", 16, "commissioner, provider, local_authority, vcfse or other"),
    Column("place", "Place", "text", 20, "The place (sub-system partnership) it belongs to"),
    Column(
        "in_control_total",
        "In control total",
        "yesno",
        14,
        "Yes for NHS bodies; councils usually No (blank = Yes)",
    ),
    Column(
        "risk_share",
        "Fixed risk share",
        "share",
        14,
        "Only with the fixed_shares method: its share (shares sum to 100%)",
    ),
    Column("source", "Source", "citation", 40, "Where the partner's figures come from"),
    Column(
        "illustrative",
        "Illustrative figures",
        "yesno",
        14,
        "Yes when the partner's figures are invented: every output labels them (blank = No)",
    ),
    # optional, last: a template from before them (without these columns) still reads
    Column(
        "cip.planned",
        "Own CIP planned",
        "rate",
        13,
        "A provider's own CIP planned a year, share of its own costs, all years (blank = the "
        "assumptions; year by year or with a source on Rate overrides)",
    ),
    Column(
        "cip.delivered",
        "Own CIP delivered",
        "share",
        13,
        "Share of its own planned CIP delivered (blank = the assumptions)",
    ),
    Column(
        "cip.recurrent",
        "Own CIP recurrent",
        "share",
        13,
        "Share of its own delivered CIP that is recurrent (blank = the assumptions)",
    ),
    Column("cip.source", "Own CIP source", "citation", 40, "Where its own CIP plan comes from"),
    Column(
        "qipp",
        "Own QIPP",
        "rate",
        12,
        "A commissioner's own QIPP a year, all years (blank = the assumptions; year by year "
        "on Rate overrides)",
    ),
)
#: A partner's own rates (its CIP plan's and its QIPP), settable year by year on Rate overrides
#: with the line left blank; the shares among them may be 100%.
PARTNER_RATES = ("cip.planned", "cip.delivered", "cip.recurrent", "qipp")
PARTNER_SHARES = ("cip.delivered", "cip.recurrent")


def _item_columns(id_header: str, name_guidance: str, baseline_what: str) -> tuple[Column, ...]:
    """The leading columns of a sheet of a partner's items (funding streams, cost lines)."""
    return (
        Column("partner", "Partner id", "id", 14, "A partner id from the Partners sheet"),
        Column("id", id_header, "id", 16, "Short id, unique within the partner"),
        Column("name", "Name", "text", 32, name_guidance),
        Column(
            "baseline",
            "Base-year outturn £k",
            "money",
            18,
            f"Base-year (outturn) {baseline_what} in £ thousands",
        ),
    )


def _rate_column(field: str, header: str, width: int, guidance: str) -> Column:
    return Column(field, header, "rate", width, guidance)


_BASELINE_SOURCE = Column(
    "source", "Source", "citation", 40, "Where the base-year figure comes from"
)

FUNDING_COLUMNS = (
    *_item_columns("Stream id", "What the funding is", "amount"),
    _rate_column(
        "funding_growth",
        "Funding growth",
        14,
        "Growth a year, all years (blank = system assumption)",
    ),
    _BASELINE_SOURCE,
    # optional, last: a template from before them (without these columns) still reads
    Column(
        "convergence.fair_share",
        "Fair share £k",
        "money",
        14,
        "Convergence: the base-year fair-share target allocation (blank = no convergence)",
    ),
    Column(
        "convergence.pace",
        "Convergence pace",
        "share",
        12,
        "Convergence: share of the distance from target closed each year",
    ),
    Column(
        "convergence.source",
        "Convergence source",
        "citation",
        40,
        "Where the fair-share target and pace come from",
    ),
)
COST_COLUMNS = (
    *_item_columns("Line id", "What the money is spent on", "cost"),
    Column(
        "payee",
        "Payee",
        "id",
        14,
        "The partner paid (a contract inside the system); blank if paid outside",
    ),
    Column(
        "demand_driver",
        "Demand driver",
        "id",
        14,
        "A driver id from Drivers (instead of demand growth)",
    ),
    _rate_column(
        "demand_growth", "Demand growth", 13, "Volume growth a year, all years (blank = system)"
    ),
    _rate_column(
        "non_demographic_growth",
        "Non-demographic growth",
        13,
        "With a driver: growth on top of it (blank = system)",
    ),
    _rate_column("inflation", "Inflation", 12, "Inflation a year, all years (blank = system)"),
    _rate_column(
        "efficiency", "Efficiency", 12, "Cost improvement a year, all years (blank = system)"
    ),
    _BASELINE_SOURCE,
    # optional, last: a template from before them (without these columns) still reads
    Column(
        "basis",
        "Payment basis",
        "text",
        14,
        "A contract's payment basis with the tariff: tariff, block or cost_and_volume",
    ),
    Column(
        "price_series",
        "Price series",
        "id",
        14,
        "A series from the tariff's price series (pay, drugs, non_pay) for its inflation",
    ),
    Column(
        "ring_fence",
        "Ring-fence",
        "id",
        14,
        "A ring-fence the spend counts towards, e.g. mental_health",
    ),
)
#: Columns a template may lack (added later, at the end of their sheet).
OPTIONAL_FIELDS = (
    "basis",
    "price_series",
    "ring_fence",
    "convergence.fair_share",
    "convergence.pace",
    "convergence.source",
    "cip.planned",
    "cip.delivered",
    "cip.recurrent",
    "cip.source",
    "qipp",
)


@dataclass(frozen=True)
class YearTable:
    """A sheet of year-varying values: key columns, a source, an all-years value, then years."""

    sheet: str
    keys: tuple[Column, ...]

    @property
    def source_col(self) -> int:
        return len(self.keys)

    @property
    def all_years_col(self) -> int:
        return len(self.keys) + 1

    @property
    def first_year_col(self) -> int:
        return len(self.keys) + 2


ASSUMPTIONS = YearTable(
    "Assumptions",
    (
        Column("key", "Assumption", "id", 24, "Which system assumption"),
        Column("label", "Description", "text", 44, "What it is"),
    ),
)
DRIVERS = YearTable(
    "Drivers",
    (
        Column("id", "Driver id", "id", 16, "Short id used by cost lines"),
        Column("name", "Name", "text", 44, "What the series is"),
    ),
)
CONTROL_TOTALS = YearTable(
    "Control totals",
    (
        Column("partner", "Partner id", "id", 14, "A partner in the control total"),
        Column("label", "Partner name (for reading)", "text", 30, "Not read back"),
    ),
)
NON_RECURRENT = YearTable(
    "Non-recurrent",
    (
        Column("partner", "Partner id", "id", 14, "A partner id from the Partners sheet"),
        Column("id", "Item id", "id", 16, "Short id, unique within the partner"),
        Column("name", "Name", "text", 32, "What the item is, e.g. deficit support 2019/20"),
        Column(
            "kind",
            "Kind",
            "text",
            18,
            "deficit_support, winter_funding, one_off_grant, non_recurrent_cip or one_off_cost",
        ),
        Column("base_year", "Base year", "money", 12, "Amount in the base year (outturn), £k"),
        Column(
            "taper_to_zero_by",
            "Taper to zero by",
            "text",
            14,
            'Optional year, e.g. "2026/27": the base-year amount tapers to zero by then '
            "(projected amounts then 0)",
        ),
    ),
)
#: Kinds of non-recurrent item the Non-recurrent sheet's drop-down offers.
NON_RECURRENT_KINDS = (
    "deficit_support",
    "winter_funding",
    "one_off_grant",
    "non_recurrent_cip",
    "one_off_cost",
)
OVERRIDES = YearTable(
    "Rate overrides",
    (
        Column("partner", "Partner id", "id", 14, "The partner of the line or stream"),
        Column(
            "line",
            "Line or stream id",
            "id",
            18,
            "A cost line (Costs) or funding stream (Funding); blank for the partner's own CIP "
            "or QIPP",
        ),
        Column(
            "rate",
            "Rate",
            "id",
            22,
            "demand_growth, non_demographic_growth, inflation, efficiency or funding_growth; "
            "with no line: cip.planned, cip.delivered, cip.recurrent or qipp",
        ),
    ),
)
#: Rows of the Model sheet: (label in column A, key, guidance).
MODEL_ROWS = (
    ("Name", "name", "The model's name"),
    ("Description", "description", "What the model represents (optional)"),
    ("Base year", "timeline.base_year", 'The outturn year, written as text: "2019/20"'),
    (
        "Horizon (years)",
        "timeline.horizon",
        "How many years to project after the base year (1 to 50)",
    ),
    ("Units", "units", "gbp_thousands: money in £ thousands (the only unit supported)"),
    (
        "Risk-share method",
        "risk_share.method",
        "proportional_to_baseline_expenditure, fixed_shares or none",
    ),
    ("Risk-share source", "risk_share.source", "Where the risk-share agreement comes from"),
    (
        "Assumptions source",
        "assumptions.source",
        "Where the system assumptions come from, as a whole",
    ),
)
ASSUMPTION_LABELS = {
    "demand_growth": "Demand growth (activity volume) a year",
    "inflation": "Inflation (pay and prices) a year",
    "efficiency": "Efficiency (cost improvement) a year",
    "funding_growth": "Funding growth a year",
    "non_demographic_growth": "Growth on top of a demand driver, a year",
    "qipp": "Commissioner QIPP a year (with the tariff)",
    "cip_planned": "Provider CIP planned a year, share of own costs (with the tariff)",
    "cip_delivered": "Share of planned CIP delivered (with the tariff)",
    "cip_recurrent": "Share of delivered CIP that is recurrent (with the tariff)",
}
