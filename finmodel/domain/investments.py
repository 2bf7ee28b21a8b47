"""Investment cases in the model file (SPEC section 5).

Placeholder until the investment issue lands: an investment is accepted as a mapping and not
yet projected or appraised.
"""

from __future__ import annotations

from typing import Any

Investment = dict[str, Any]
