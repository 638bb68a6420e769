#!/usr/bin/env python3
"""Generate Waymark's PWA icons into public/icons/.

The motif is a simple white signpost (a "waymark") on the theme teal #0b5d63.
Shapes are drawn at SS x the target size and downsampled with a Lanczos filter
for smooth edges, then quantised to a small palette so the PNGs stay tiny.

Pillow is the only dependency. It is deliberately NOT a project dependency:
the generated PNGs are committed. To regenerate:

    python3 -m venv /tmp/iconvenv && /tmp/iconvenv/bin/pip install pillow
    /tmp/iconvenv/bin/python tools/make-icons.py

public/icons/favicon.svg is hand-written from the same geometry (see MOTIF
below; there the motif is drawn 1.05x larger so it stays legible at 16 px)
and is not touched by this script.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw

TEAL = (0x0B, 0x5D, 0x63)
WHITE = (0xFF, 0xFF, 0xFF)
SS = 8  # supersampling factor

OUT = Path(__file__).resolve().parent.parent / "public" / "icons"

# Motif geometry, in a 100 x 100 design box (y down). Each shape is a convex
# polygon that is "inflated" by ROUND units (Minkowski sum with a disc), which
# gives it evenly rounded corners. The favicon.svg uses the same points with
# stroke-width = 2 * ROUND and stroke-linejoin="round".
ROUND = 3.0
MOTIF = [
    # post
    [(46, 16), (54, 16), (54, 84), (46, 84)],
    # upper board, pointing right
    [(22, 24), (68, 24), (77, 32), (68, 40), (22, 40)],
    # lower board, pointing left
    [(32, 50), (76, 50), (76, 64), (32, 64), (24, 57)],
    # footing (a degenerate polygon: a stroke with round ends)
    [(36, 86), (64, 86)],
]
# The area of the design box the motif covers (including ROUND), used to
# centre it.
MOTIF_BOX = (19.0, 13.0, 81.0, 89.0)  # x0, y0, x1, y1


def inflated_polygon(draw: ImageDraw.ImageDraw, pts, r: float, fill) -> None:
    """Fill the polygon `pts` grown by radius r (rounded corners)."""
    draw.polygon(pts, fill=fill)
    n = len(pts)
    for i in range(n):
        (x0, y0), (x1, y1) = pts[i], pts[(i + 1) % n]
        dx, dy = x1 - x0, y1 - y0
        length = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / length * r, dx / length * r
        draw.polygon(
            [(x0 + nx, y0 + ny), (x1 + nx, y1 + ny), (x1 - nx, y1 - ny), (x0 - nx, y0 - ny)],
            fill=fill,
        )
        draw.ellipse([x0 - r, y0 - r, x0 + r, y0 + r], fill=fill)


def draw_motif(draw: ImageDraw.ImageDraw, size_px: float, motif_height: float, fill) -> None:
    """Draw the motif centred in a size_px square canvas, motif_height px tall."""
    bx0, by0, bx1, by1 = MOTIF_BOX
    scale = motif_height / (by1 - by0)
    cx = (bx0 + bx1) / 2
    cy = (by0 + by1) / 2
    ox = size_px / 2 - cx * scale
    oy = size_px / 2 - cy * scale
    for shape in MOTIF:
        pts = [(ox + x * scale, oy + y * scale) for x, y in shape]
        inflated_polygon(draw, pts, ROUND * scale, fill)


def motif_radius(motif_height: float) -> float:
    """Largest distance of any motif pixel from the canvas centre, in px."""
    bx0, by0, bx1, by1 = MOTIF_BOX
    scale = motif_height / (by1 - by0)
    cx, cy = (bx0 + bx1) / 2, (by0 + by1) / 2
    far = max(math.hypot(x - cx, y - cy) for shape in MOTIF for x, y in shape)
    return (far + ROUND) * scale


def render(size: int, *, motif_frac: float, corner_frac: float | None) -> Image.Image:
    """corner_frac=None: opaque full-bleed square; else rounded square on transparent."""
    big = size * SS
    img = Image.new("RGBA", (big, big), TEAL + (255,) if corner_frac is None else (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if corner_frac is not None:
        d.rounded_rectangle([0, 0, big - 1, big - 1], radius=round(big * corner_frac), fill=TEAL + (255,))
    draw_motif(d, big, big * motif_frac, WHITE + (255,))
    return img.resize((size, size), Image.Resampling.LANCZOS)


def _snap(c: tuple[int, ...], target: tuple[int, ...], tol: int) -> tuple[int, ...]:
    return target if all(abs(a - b) <= tol for a, b in zip(c, target)) else c


def save_small(img: Image.Image, path: Path, colours: int = 32) -> None:
    """Save as an optimised indexed PNG (alpha kept via tRNS when needed).

    The anti-aliased edges only need a handful of intermediate shades, so a
    small palette is visually lossless here. Palette entries that landed next
    to the two flat colours (or to fully opaque / fully transparent) are snapped
    back so the large areas keep the exact theme colour.
    """
    opaque = img.getextrema()[3][0] == 255
    if opaque:
        pal = img.convert("RGB").quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        flat = pal.getpalette("RGB")
        entries = [tuple(flat[i : i + 3]) for i in range(0, len(flat), 3)]
        entries = [_snap(_snap(c, TEAL, 3), WHITE, 3) for c in entries]
        pal.putpalette([v for c in entries for v in c], "RGB")
    else:
        pal = img.quantize(colors=colours, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        flat = pal.getpalette("RGBA")
        entries = [tuple(flat[i : i + 4]) for i in range(0, len(flat), 4)]
        fixed = []
        for r, g, b, a in entries:
            a = 255 if a >= 250 else 0 if a <= 5 else a
            if a == 0:
                r = g = b = 0
            elif a == 255:
                r, g, b = _snap(_snap((r, g, b), TEAL, 3), WHITE, 3)
            fixed.append((r, g, b, a))
        pal.putpalette([v for c in fixed for v in c], "RGBA")
    pal.save(path, optimize=True)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    jobs = [
        # name, size, motif height as fraction of canvas, corner radius fraction
        ("icon-192.png", 192, 0.62, 0.22),
        ("icon-512.png", 512, 0.62, 0.22),
        # maskable: the motif must sit inside the central circle of radius 40%.
        ("maskable-512.png", 512, 0.56, None),
        ("apple-touch-icon.png", 180, 0.60, None),
    ]
    for name, size, frac, corner in jobs:
        if name.startswith("maskable"):
            # W3C maskable safe zone: a centred circle with radius 40% of the size.
            assert motif_radius(size * frac) <= 0.40 * size, "motif leaves the maskable safe zone"
        path = OUT / name
        save_small(render(size, motif_frac=frac, corner_frac=corner), path)
        print(f"{path.relative_to(OUT.parent.parent)}: {size}x{size}, {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
