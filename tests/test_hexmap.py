"""The point-density (hexagon) map: counts per hexagon checked against an independent binning,
small hexagons left out, and alt text saying where the most records are."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from needs_assessment.content import charts as C

try:
    from tests import measure_fixtures as mf
except ImportError:   # tests/ is not a package: pytest puts it on sys.path
    import measure_fixtures as mf


def _cluster(rng, n, lon, lat, spread, lsoa, name, district):
    return pd.DataFrame({"longitude": rng.normal(lon, spread, n), "latitude": rng.normal(lat, spread * 0.6, n),
                         "lsoa_code": lsoa, "lsoa_name": name, "district": district})


def located_result(threshold: int = 5):
    """Neighbourhood crime with 300 records in Brookmere's town centre, 120 in Ashby Vale and
    three lone records far apart in Dunmoor (each alone in its hexagon: below the threshold), and six
    records outside the force's districts, which are not mapped."""
    rng = np.random.default_rng(12)
    frame = pd.concat([
        _cluster(rng, 300, -1.570, 54.770, 0.012, "E01000001", "Brookmere 001A", "Brookmere"),
        _cluster(rng, 120, -1.720, 54.860, 0.020, "E01000050", "Ashby Vale 004C", "Ashby Vale"),
        pd.DataFrame({"longitude": [-1.30, -1.95, -1.42], "latitude": [54.60, 54.98, 55.02],
                      "lsoa_code": ["E01000090", "E01000091", "E01000092"],
                      "lsoa_name": ["Dunmoor 001A", "Dunmoor 002A", "Dunmoor 003A"], "district": "Dunmoor"}),
        # police.uk places a few records far outside the force: 200 km away, in no district of the force
        pd.DataFrame({"longitude": [-4.5] * 6, "latitude": [53.2] * 6, "lsoa_code": "W01000001",
                      "lsoa_name": "Elsewhere 001A", "district": None}),
    ], ignore_index=True)
    r = mf.neighbourhood_crime()
    r.suppression_threshold = threshold
    r.extras["locations"] = frame
    return r


def independent_counts(frame: pd.DataFrame, width: float, anchor: tuple[float, float]) -> pd.Series:
    """Records per hexagon from first principles: project (equirectangular, x scaled by cos of the
    mean latitude), then put each point in the nearer of the two rectangular lattices' cells whose
    union is the hexagonal lattice of centres (`anchor` is one centre), counted with numpy."""
    lat0 = math.radians(frame["latitude"].mean())
    x = 6371.0088 * np.radians(frame["longitude"].to_numpy()) * math.cos(lat0)
    y = 6371.0088 * np.radians(frame["latitude"].to_numpy())
    sx, sy = width, width * math.sqrt(3)
    u, v = (x - anchor[0]) / sx, (y - anchor[1]) / sy
    a_i, a_j = np.round(u), np.round(v)                     # lattice A: the anchor's
    b_i, b_j = np.round(u - 0.5) + 0.5, np.round(v - 0.5) + 0.5   # lattice B: offset by half a cell
    # distance in km (hexagons are regular): the nearer centre is the point's hexagon
    in_a = ((u - a_i) * sx) ** 2 + ((v - a_j) * sy) ** 2 <= ((u - b_i) * sx) ** 2 + ((v - b_j) * sy) ** 2
    ci, cj = np.where(in_a, a_i, b_i), np.where(in_a, a_j, b_j)
    keys, counts = np.unique(np.stack([ci * 2, cj * 2]).T.astype(int), axis=0, return_counts=True)
    return pd.Series(counts, index=pd.MultiIndex.from_arrays([keys[:, 0], keys[:, 1]]))


def test_hexagon_counts_equal_an_independent_binning(tmp_path):
    r = located_result()
    chart = C.hexagon_map(r, tmp_path / "hex.png")
    data = chart.data
    width = float(data["hexagon_width_km"].iloc[0])
    anchor = (float(data["x_km"].iloc[0]), float(data["y_km"].iloc[0]))
    located = r.extras["locations"]
    expected = independent_counts(located[located["district"].notna()], width, anchor)
    assert expected.sum() == 423
    published = expected[expected >= 5]
    keys = pd.MultiIndex.from_arrays([np.round((data["x_km"] - anchor[0]) / width * 2).astype(int),
                                      np.round((data["y_km"] - anchor[1]) / (width * math.sqrt(3)) * 2).astype(int)])
    got = pd.Series(data["count"].to_numpy(), index=keys)
    assert got.sort_index().to_dict() == published.sort_index().to_dict()
    # the three lone records (and any other hexagon under 5) are not drawn and not in the data
    assert (data["count"] >= 5).all() and data["main_district"].notna().all()
    assert width == 2.0 and data["longitude"].min() > -2.1   # the outside records neither stretch nor appear
    assert (expected < 5).sum() >= 3 and data["count"].sum() == published.sum() < 423
    with Image.open(chart.path) as im:
        assert im.format == "PNG" and abs(im.size[0] - 16 / 2.54 * 150) <= 2
        assert im.info.get("Description") == chart.alt_text


def test_small_hexagons_are_suppressed_and_the_caption_says_so(tmp_path, monkeypatch):
    from matplotlib.axes import Axes
    drawn = []
    real_hexbin = Axes.hexbin

    def recording_hexbin(self, *args, **kwargs):
        drawn.append(real_hexbin(self, *args, **kwargs))
        return drawn[-1]
    monkeypatch.setattr(Axes, "hexbin", recording_hexbin)
    r = located_result(threshold=10)
    chart = C.hexagon_map(r, tmp_path / "hex.png")
    # what matplotlib drew (the last hexbin) is exactly the published hexagons: none under 10
    assert sorted(np.asarray(drawn[-1].get_array()).tolist()) == sorted(chart.data["count"].tolist())
    assert (chart.data["count"] >= 10).all()
    assert "Hexagons with fewer than 10 records are not drawn" in " ".join(chart.notes)
    assert "records placed outside Demoshire's districts are not mapped" in " ".join(chart.notes)
    assert "equirectangular" in " ".join(chart.notes)
    assert chart.data["records_class"].iloc[-1].startswith("10")      # the lowest class starts at the threshold
    # a threshold above every hexagon: nothing to draw, so no map is offered
    high = located_result(threshold=10_000)
    assert "hexmap" not in C.available_charts(high)
    with pytest.raises(C.ChartDataError):
        C.hexagon_map(high, tmp_path / "none.png")


def test_alt_text_says_where_the_most_records_are(tmp_path):
    r = located_result()
    alt = C.hexagon_map(r, tmp_path / "hex.png").alt_text
    assert alt.startswith("Map of neighbourhood crime in Demoshire")
    assert "423 records with a location in its districts" in alt
    # by district, from the records: 300 of 423 in Brookmere
    assert f"Most records are in Brookmere (300, {100 * 300 / 423:.0f}%), then Ashby Vale (120, 28%)" in alt
    # the busiest hexagon is in Brookmere's town centre; the hotspots table's LSOAs are named
    assert "The hexagons with the most records:" in alt and "around Brookmere 001A in Brookmere" in alt
    assert "Brookmere 001A in Brookmere (96)" in alt
    # Dunmoor's three records are fewer than the threshold: no number is given for it
    assert "Dunmoor" not in alt
    assert "fewer than 5 records are not drawn" in alt
    assert C.headline_for_hexmap(r) == "Records of neighbourhood crime are most concentrated around Brookmere 001A in Brookmere"


def test_available_only_with_locations():
    assert "hexmap" not in C.available_charts(mf.neighbourhood_crime())
    assert "hexmap" in C.available_charts(located_result())


def test_each_hexagons_main_lsoa_and_district_equal_a_count_by_hand():
    """The LSOA and district most of a hexagon's records are in (ties: the first in sorted order;
    missing codes not counted) and that LSOA's name (its first record's that has one), against a
    plain count per hexagon: each record put in the hexagon of the nearest centre."""
    from collections import Counter

    rng = np.random.default_rng(7)
    n = 1500
    frame = pd.DataFrame({
        "longitude": rng.uniform(-1.60, -1.52, n), "latitude": rng.uniform(54.75, 54.79, n),
        "lsoa_code": rng.choice(["E01000003", "E01000001", "E01000002", None], n, p=[0.3, 0.3, 0.3, 0.1]),
        "district": rng.choice(["Brookmere", "Ashby Vale"], n)})
    frame["lsoa_name"] = [None if c is None or rng.random() < 0.2 else f"{c} name {rng.integers(2)}"
                          for c in frame["lsoa_code"]]
    r = mf.neighbourhood_crime()
    r.suppression_threshold = 1          # every hexagon published, so each record's hexagon is in the data
    r.extras["locations"] = frame
    data = C.hexmap_data(r)
    assert len(data) > 20 and data["count"].sum() == n

    lat0 = math.radians(frame["latitude"].mean())
    x = 6371.0088 * np.radians(frame["longitude"].to_numpy()) * math.cos(lat0)
    y = 6371.0088 * np.radians(frame["latitude"].to_numpy())
    distance = np.hypot(x[:, None] - data["x_km"].to_numpy(), y[:, None] - data["y_km"].to_numpy())
    nearest, second = np.argsort(distance, axis=1)[:, :2].T
    # the data's centres are rounded to the metre: a hexagon with a record within 2 m of its edge is not checked
    rows = np.arange(n)
    edge = distance[rows, second] - distance[rows, nearest] < 0.002
    unsure = set(nearest[edge]) | set(second[edge])

    def main(values):
        counts = Counter(v for v in values if pd.notna(v))
        return min(counts, key=lambda v: (-counts[v], v)) if counts else None

    def text(value):
        return value if isinstance(value, str) else None

    ties = checked = 0
    for i, row in data.iterrows():
        if i in unsure:
            continue
        checked += 1
        records = frame[nearest == i]
        assert len(records) == row["count"]
        code = main(records["lsoa_code"])
        counts = sorted(Counter(v for v in records["lsoa_code"] if pd.notna(v)).values(), reverse=True)
        ties += len(counts) > 1 and counts[0] == counts[1]
        assert text(row["main_lsoa_code"]) == code
        names = [v for c, v in zip(records["lsoa_code"], records["lsoa_name"]) if c == code and pd.notna(v)]
        assert text(row["main_lsoa_name"]) == (names[0] if names else None)
        assert text(row["main_district"]) == main(records["district"])
    assert checked > 0.9 * len(data)
    assert ties > 10    # the frame has hexagons with a tie, so the tie rule is checked
