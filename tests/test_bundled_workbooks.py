"""The budget templates shipped in the package (``workbooks/`` in a checkout) stay in step with
the default model."""

from __future__ import annotations

import numpy as np

from finmodel import load_model, project
from finmodel.resources import default_model, template


def test_prefilled_template_projects_like_the_default_model():
    from_workbook = project(load_model(template("prefilled")))
    from_yaml = project(load_model(default_model()))
    np.testing.assert_allclose(
        from_workbook.arrays.surplus, from_yaml.arrays.surplus, rtol=1e-12, atol=1e-6
    )
    np.testing.assert_allclose(
        from_workbook.arrays.system_surplus, from_yaml.arrays.system_surplus, rtol=1e-12
    )


def test_blank_template_is_not_yet_a_model_and_says_what_is_missing():
    import pytest

    from finmodel.errors import InputError

    with pytest.raises(InputError) as err:
        load_model(template("blank"))
    assert any("partners" in str(problem) for problem in err.value.problems)


def test_prefilled_template_keeps_the_support_and_the_illustrative_labels():
    """The trusts' 2019/20 PSF/FRF (Non-recurrent sheet) and their `illustrative` flags
    (Partners sheet) survive the workbook: reported and underlying both match the YAML."""
    from_workbook = project(load_model(template("prefilled")))
    from_yaml = project(load_model(default_model()))
    np.testing.assert_allclose(
        from_workbook.arrays.underlying_surplus, from_yaml.arrays.underlying_surplus, rtol=1e-12
    )
    assert from_workbook.arrays.non_recurrent[:, 0].sum() > 0
    assert [p.illustrative for p in from_workbook.model.partners] == [
        p.illustrative for p in from_yaml.model.partners
    ]
    assert [p.non_recurrent for p in from_workbook.model.partners] == [
        p.non_recurrent for p in from_yaml.model.partners
    ]
