"""Live figures: every `{{< var a.b >}}` a reviewer cites must name a figure the build writes."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from ..common.errors import RecommendationError
from ..common.mappings import lookup
from .files import Recommendation, _closest, _raise_all


# --------------------------------------------------------------------------------------------
# Live figures
# --------------------------------------------------------------------------------------------
def _leaf_names(variables: Mapping[str, Any], prefix: str = "") -> list[str]:
    names = []
    for key, value in variables.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            names += _leaf_names(value, name + ".")
        else:
            names.append(name)
    return names


def check_variables(recommendations: Iterable[Recommendation], variables: Mapping[str, Any]) -> None:
    """Every `{{< var a.b >}}` must name a figure in `variables` (what the build writes to _variables.yml).

    Raises RecommendationError naming the file, the line of the shortcode and the closest known names.
    """
    leaves = _leaf_names(variables)
    errors = []
    for rec in recommendations:
        for name, line in rec.variables():
            found, value = lookup(variables, name)   # as the renderer will look it up
            if found and not isinstance(value, Mapping):
                continue
            if found:   # names a group, not a figure
                fields = [f"{name}.{k}" for k in value]
                problem = (f"`{{{{< var {name} >}}}}` names a group of figures, not one figure; use one of: "
                           f"{', '.join(fields[:12])}")
            else:
                head = name.split(".")[0]
                if head in variables and isinstance(variables[head], Mapping):   # known measure, unknown field
                    close = [f"{head}.{k}" for k in variables[head]]
                    hint = f" The figures for {head} are: {', '.join(close)}."
                else:
                    close = _closest(name, leaves)
                    hint = f" The closest known names are: {', '.join(close)}." if close else ""
                problem = (f"`{{{{< var {name} >}}}}` names a figure the build does not produce.{hint} "
                           "Figures are written `measure_id.field`, like `neighbourhood_crime.change_vs_baseline`")
            errors.append(RecommendationError(rec.file, line, problem))
    _raise_all(errors)
