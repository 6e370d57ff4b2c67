import pytest
import shapely
from shapely.geometry import LineString, Polygon, box

from territory_desktop.geo import polygons
from territory_desktop.geo.polygons import GeometryError

# A ~1 km square grid near Baltimore (lon, lat).
X0, Y0, D = -76.62, 39.29, 0.01


def cell(i: int, j: int, n: int = 1) -> Polygon:
    return box(X0 + i * D, Y0 + j * D, X0 + (i + n) * D, Y0 + (j + n) * D)


def test_repair_fixes_bowtie_and_reports_reason():
    bowtie = Polygon([(X0, Y0), (X0 + D, Y0 + D), (X0 + D, Y0), (X0, Y0 + D)])
    assert not bowtie.is_valid
    fixed, note = polygons.repair(bowtie)
    assert fixed.is_valid
    assert fixed.geom_type == "MultiPolygon"
    assert note is not None and "Self-intersection" in note
    assert fixed.area == pytest.approx(D * D / 2)


def test_repair_refuses_degenerate_polygon():
    flat = Polygon([(X0, Y0), (X0 + D, Y0), (X0 + 2 * D, Y0)])
    with pytest.raises(GeometryError, match=r"no usable area|empty"):
        polygons.repair(flat)
    with pytest.raises(GeometryError, match="polygon"):
        polygons.repair(LineString([(0, 0), (1, 1)]))


def test_fit_among_clips_new_polygon_when_existing_keeps_area():
    existing = {"a": cell(0, 0)}
    new, changed = polygons.fit_among(cell(0, 0, 2), existing, keep="existing")
    assert changed == {}
    assert new.intersection(existing["a"]).area == pytest.approx(0, abs=1e-12)
    assert new.area == pytest.approx(3 * D * D, rel=1e-6)
    # no gap: the union is the full 2x2 block
    assert shapely.union_all([new, existing["a"]]).area == pytest.approx(4 * D * D, rel=1e-6)


def test_fit_among_cuts_neighbours_when_new_keeps_area():
    existing = {"a": cell(0, 0, 2)}
    new, changed = polygons.fit_among(cell(1, 1, 2), existing, keep="new")
    assert set(changed) == {"a"}
    assert changed["a"].area == pytest.approx(3 * D * D, rel=1e-6)
    assert new.area == pytest.approx(4 * D * D, rel=1e-6)
    assert changed["a"].intersection(new).area == pytest.approx(0, abs=1e-12)


def test_new_polygon_inside_existing_is_refused():
    with pytest.raises(GeometryError, match="entirely inside"):
        polygons.fit_among(cell(0, 0), {"a": cell(0, 0, 3)}, keep="existing")


def test_snapping_closes_small_gap_to_neighbour():
    neighbour = cell(0, 0)
    gap = D / 200  # ~5 m, inside the 25 m tolerance
    drawn = box(X0 + D + gap, Y0, X0 + 2 * D, Y0 + D)
    new, _ = polygons.fit_among(drawn, {"a": neighbour})
    assert new.distance(neighbour) == pytest.approx(0, abs=1e-12)
    shared = new.intersection(neighbour)
    assert shared.length == pytest.approx(D, rel=1e-6)


def test_split_gives_two_pieces_covering_original():
    square = cell(0, 0, 2)
    line = LineString([(X0 + D, Y0), (X0 + D, Y0 + 2 * D)])  # drawn exactly border to border
    a, b = polygons.split(square, line)
    assert a.area + b.area == pytest.approx(square.area, rel=1e-9)
    assert a.area == pytest.approx(b.area, rel=1e-6)


def test_split_line_must_cross():
    with pytest.raises(GeometryError):
        polygons.split(cell(0, 0), LineString([(X0 + 5 * D, Y0), (X0 + 6 * D, Y0)]))
    with pytest.raises(GeometryError, match="border to border"):
        polygons.split(cell(0, 0, 4), LineString([(X0 + D, Y0 + D), (X0 + 2 * D, Y0 + 2 * D)]))


def test_merge_unions_neighbours():
    merged = polygons.merge([cell(0, 0), cell(1, 0)])
    assert merged.geom_type == "Polygon"
    assert merged.area == pytest.approx(2 * D * D, rel=1e-9)
    apart = polygons.merge([cell(0, 0), cell(5, 0)])
    assert apart.geom_type == "MultiPolygon"


def test_voronoi_refuses_two_seeds_at_one_place():
    from territory_desktop.geo.seed import voronoi_cells

    with pytest.raises(ValueError, match="same place"):
        voronoi_cells([(X0, Y0), (X0, Y0)], [(X0 + D, Y0 + D)])
    cells = voronoi_cells([(X0, Y0), (X0 + 2 * D, Y0)], [(X0 + D, Y0 + D)])
    assert cells[0].intersection(cells[1]).area == pytest.approx(0, abs=1e-12)
