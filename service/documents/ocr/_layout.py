"""Reading order for OCR lines on a page that may be scanned slightly askew."""
from __future__ import annotations

import math
import statistics

Box = list[list[float]]


def reading_order(lines: list[dict]) -> list[dict]:
    """Lines sorted top to bottom, and left to right within a row, allowing for page tilt."""
    if not lines:
        return []
    angle = _skew(lines)
    cos, sin = math.cos(-angle), math.sin(-angle)
    # un-rotate each line's centre so that two cells of one tilted row share a height again
    placed = []
    for line in lines:
        cx, cy = _centre(line["box"])
        placed.append((cx * sin + cy * cos, cx * cos - cy * sin, _height(line["box"]), line))
    placed.sort(key=lambda item: item[0])
    rows: list[list[tuple]] = []
    for item in placed:
        if rows and abs(item[0] - rows[-1][0][0]) < 0.5 * max(item[2], rows[-1][0][2]):
            rows[-1].append(item)
        else:
            rows.append([item])
    return [item[3] for row in rows for item in sorted(row, key=lambda item: item[1])]


def _skew(lines: list[dict]) -> float:
    """The page's tilt in radians: the median slope of the top edges of the wide boxes."""
    slopes = []
    for line in lines:
        (x0, y0), (x1, y1) = line["box"][0], line["box"][1]
        if x1 - x0 > 2 * _height(line["box"]):
            slopes.append(math.atan2(y1 - y0, x1 - x0))
    return statistics.median(slopes) if slopes else 0.0


def _centre(box: Box) -> tuple[float, float]:
    return sum(p[0] for p in box) / 4, sum(p[1] for p in box) / 4


def _height(box: Box) -> float:
    return max(1.0, math.dist(box[0], box[3]))
