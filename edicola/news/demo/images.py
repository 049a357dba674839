"""Pictures for the demo site, drawn locally with Pillow: article photos, avatars and the logo.

Nothing is downloaded. Each picture is a colour gradient with a simple motif (a phone, a row of
phones, a chart, a shop, a price tag, earbuds) and one word, so pages look like a news site while
the files stay small. Functions return encoded bytes; saving them as Wagtail images is the
builder's job.
"""

import io
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

DESIGN_SIZE = (2000, 1500)
PHOTO_SIZE = DESIGN_SIZE
AVATAR_SIZE = (400, 400)
LOGO_SIZE = (480, 120)
JPEG_QUALITY = 80
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

Color = tuple[int, int, int]


@dataclass(frozen=True)
class Picture:
    """What a demo photo shows: a motif, a word drawn on it, two gradient colours, alt text."""

    motif: str
    word: str
    top: Color
    bottom: Color
    description: str


@cache
def font(size: int, *, bold: bool = True) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """DejaVu Sans when the system has it, Pillow's bundled font otherwise."""
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def gradient(size: tuple[int, int], top: Color, bottom: Color) -> Image.Image:
    """A vertical gradient from `top` to `bottom`, built at 256 px and stretched (fast)."""
    mask = Image.linear_gradient("L").resize(size, Image.Resampling.BILINEAR)
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)


def _shade(color: Color, factor: float) -> Color:
    return tuple(max(0, min(255, round(channel * factor))) for channel in color)


def _phone(draw: ImageDraw.ImageDraw, box, body: Color, screen: Color | None, *, back=False):
    """A phone silhouette: rounded body and either a screen (front) or a camera module (back)."""
    left, top, right, bottom = box
    width = right - left
    radius = width // 7
    shadow = (left + 18, top + 24, right + 18, bottom + 24)
    draw.rounded_rectangle(shadow, radius, fill=(0, 0, 0, 70))
    draw.rounded_rectangle(box, radius, fill=body)
    if back:
        module = (left + width // 10, top + width // 10, left + width // 2, top + width // 2)
        draw.rounded_rectangle(module, width // 12, fill=_shade(body, 0.7))
        lens = width // 9
        for cx, cy in ((0.2, 0.2), (0.4, 0.2), (0.2, 0.4)):
            x, y = left + int(width * cx), top + int(width * cy)
            draw.ellipse((x - lens, y - lens, x + lens, y + lens), fill=(20, 22, 28))
            draw.ellipse(
                (x - lens // 2, y - lens // 2, x + lens // 2, y + lens // 2), fill=(60, 70, 90)
            )
        return
    inset = width // 22
    screen_box = (left + inset, top + inset, right - inset, bottom - inset)
    screen = screen or (30, 34, 44)
    draw.rounded_rectangle(screen_box, radius - inset, fill=screen)
    camera = width // 28
    cx = (left + right) // 2
    draw.ellipse(
        (cx - camera, top + inset * 2, cx + camera, top + inset * 2 + 2 * camera), fill=(0, 0, 0)
    )
    # A few "app" tiles on the screen.
    tile = width // 6
    gap = (screen_box[2] - screen_box[0] - 4 * tile) // 5
    for row in range(3):
        for column in range(4):
            x = screen_box[0] + gap + column * (tile + gap)
            y = screen_box[1] + tile * 2 + row * (tile + gap)
            draw.rounded_rectangle((x, y, x + tile, y + tile), tile // 4, fill=_shade(screen, 1.6))


def _motif(image: Image.Image, picture: Picture) -> None:
    width, height = image.size
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    light = (255, 255, 255, 60)
    # Soft circles in the background, like out-of-focus lights.
    for index in range(6):
        radius = 90 + 40 * index
        x = width * (index + 1) // 7
        y = height // 3 + (index % 3) * 120
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(255, 255, 255, 18))
    accent = _shade(picture.top, 0.55)
    if picture.motif in {"phone", "back"}:
        box = (width // 2 + 80, 180, width // 2 + 620, 1280)
        _phone(draw, box, (28, 30, 36), picture.bottom, back=picture.motif == "back")
    elif picture.motif == "phones":
        colors = [(28, 30, 36), (226, 228, 232), _shade(picture.bottom, 0.8)]
        for index, color in enumerate(colors):
            left = width // 2 - 200 + index * 330
            _phone(
                draw,
                (left, 260 + index * 40, left + 440, 1180 + index * 40),
                color,
                None,
                back=True,
            )
    elif picture.motif == "chart":
        base = height - 330
        for index, value in enumerate((0.25, 0.35, 0.3, 0.5, 0.62, 0.8)):
            left = width // 2 - 100 + index * 160
            draw.rounded_rectangle(
                (left, base - int(900 * value), left + 110, base), 16, fill=(255, 255, 255, 200)
            )
        draw.line((width // 2 - 140, base + 10, width - 120, base + 10), fill=light, width=8)
    elif picture.motif == "store":
        left, top, right = width // 2 - 150, 380, width - 180
        draw.rectangle((left, top + 160, right, height - 260), fill=(250, 250, 250, 220))
        stripes = 9
        stripe = (right - left) // stripes
        for index in range(stripes):
            color = accent + (255,) if index % 2 else (255, 255, 255, 255)
            draw.rectangle(
                (left + index * stripe, top, left + (index + 1) * stripe, top + 160), fill=color
            )
        draw.rectangle((left + 80, top + 260, left + 420, height - 260), fill=accent + (230,))
        draw.rectangle((left + 520, top + 260, right - 80, top + 620), fill=(40, 44, 56, 200))
    elif picture.motif == "tag":
        left, top = width // 2 - 60, 420
        draw.polygon(
            [
                (left, top + 280),
                (left + 260, top),
                (left + 1120, top),
                (left + 1120, top + 560),
                (left + 260, top + 560),
            ],
            fill=(255, 255, 255, 230),
        )
        draw.ellipse((left + 150, top + 240, left + 230, top + 320), fill=picture.top + (255,))
        draw.text((left + 330, top + 120), "-30%", font=font(260), fill=accent + (255,))
    elif picture.motif == "buds":
        case = (width // 2 + 40, 520, width // 2 + 760, 1120)
        draw.rounded_rectangle(case, 260, fill=(245, 245, 247, 240))
        draw.line((case[0] + 40, 760, case[2] - 40, 760), fill=(180, 184, 192, 255), width=6)
        for x in (width // 2 + 200, width // 2 + 560):
            draw.ellipse((x - 110, 260, x + 110, 480), fill=(255, 255, 255, 255))
            draw.rounded_rectangle((x - 35, 420, x + 35, 680), 30, fill=(255, 255, 255, 255))
    image.paste(layer, (0, 0), layer)


def _word(image: Image.Image, word: str) -> None:
    draw = ImageDraw.Draw(image)
    text_font = font(150)
    x, y = 300, image.height - 430
    draw.text((x + 6, y + 6), word, font=text_font, fill=(0, 0, 0))
    draw.text((x, y), word, font=text_font, fill=(255, 255, 255))


def _encode(image: Image.Image, kind: str) -> bytes:
    buffer = io.BytesIO()
    if kind == "PNG":
        image.save(buffer, "PNG", optimize=True)
    else:
        image.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()


def photo(picture: Picture, size: tuple[int, int] | None = None) -> bytes:
    """A JPEG "photo" for an article (PHOTO_SIZE unless told): gradient, motif and word.

    Drawn at the 2000×1500 design size, then scaled when another size is asked for.
    """
    size = size or PHOTO_SIZE
    image = gradient(DESIGN_SIZE, picture.top, picture.bottom)
    _motif(image, picture)
    _word(image, picture.word)
    if size != DESIGN_SIZE:
        image = image.resize(size, Image.Resampling.BILINEAR)
    return _encode(image, "JPEG")


def avatar(initials: str, top: Color, bottom: Color) -> bytes:
    """A square JPEG portrait placeholder: a gradient disc with the author's initials."""
    image = Image.new("RGB", AVATAR_SIZE, (240, 241, 244))
    disc = gradient(AVATAR_SIZE, top, bottom)
    mask = Image.new("L", AVATAR_SIZE, 0)
    ImageDraw.Draw(mask).ellipse((0, 0, AVATAR_SIZE[0] - 1, AVATAR_SIZE[1] - 1), fill=255)
    image.paste(disc, (0, 0), mask)
    draw = ImageDraw.Draw(image)
    center = (AVATAR_SIZE[0] // 2, AVATAR_SIZE[1] // 2)
    draw.text(center, initials, font=font(160), fill=(255, 255, 255), anchor="mm")
    return _encode(image, "JPEG")


def logo(name: str, accent: Color = (198, 53, 27), ink: Color = (27, 29, 33)) -> bytes:
    """A transparent PNG logo: a small phone mark and the site name."""
    image = Image.new("RGBA", LOGO_SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((14, 12, 70, 108), 12, fill=accent)
    draw.rounded_rectangle((21, 20, 63, 92), 6, fill=(255, 255, 255))
    draw.ellipse((38, 96, 46, 104), fill=(255, 255, 255))
    size = 64
    text_font = font(size)
    while size > 20 and draw.textlength(name, font=text_font) > LOGO_SIZE[0] - 100:
        size -= 4
        text_font = font(size)
    draw.text((88, LOGO_SIZE[1] // 2), name, font=text_font, fill=ink, anchor="lm")
    return _encode(image, "PNG")


def size_of(data: bytes) -> tuple[int, int]:
    """Width and height of an encoded picture, read from its header without decoding it."""
    with Image.open(io.BytesIO(data)) as image:
        return image.size
