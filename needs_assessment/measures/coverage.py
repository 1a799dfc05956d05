"""Records that count in the force total but in no district, in words.

Apart from the engine (which counts them: `engine.district_coverage`) so that the methods appendix's
notebook kernel can say it without importing the engine's statistics (scipy).
"""

from __future__ import annotations


def coverage_sentences(coverage: dict[str, dict], force: str) -> list[str]:
    """`district_coverage` in words, one sentence per dataset with records outside the districts."""
    sentences = []
    for name, c in coverage.items():
        outside, no_lsoa, unknown = c["outside_districts"], c["no_lsoa"], c["unknown_authority"]
        if not (outside or no_lsoa or unknown):
            continue
        parts = []
        if outside:
            named = ", ".join(f"{k} {v:,}" for k, v in list(c["other_authorities"].items())[:8])
            more = len(c["other_authorities"]) - 8
            parts.append(f"{outside:,} in neighbourhoods (LSOAs) of {len(c['other_authorities'])} other "
                         f"local authorit{'y' if len(c['other_authorities']) == 1 else 'ies'} ({named}"
                         + (f" and {more} more" if more > 0 else "") + ")")
        if unknown:
            parts.append(f"{unknown:,} in LSOAs whose local authority no lookup names")
        if no_lsoa:
            parts.append(f"{no_lsoa:,} with no LSOA (no location)")
        joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        sentences.append(f"{name}: of {c['records']:,} {c['what']} for {force}, {joined}; "
                         "they count in the force total but in no district.")
    return sentences
