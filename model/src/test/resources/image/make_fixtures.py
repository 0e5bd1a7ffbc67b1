"""Writes the image decoding fixtures of dev.osprey.model.image and Pillow's RGB for each.

Run from this folder with a Python that has Pillow:  python3 make_fixtures.py
(these were made with Debian 12's python3-pil 9.4.0 on libjpeg-turbo 2.1.5; fixtures.json records
the version). Pillow 9.4 reproduces every file of the golden Pillow 12.3 resize set byte for byte.
The JPEG kinds Pillow cannot write come from cjpeg (Debian's libjpeg-turbo-progs).
PNG files are written byte by byte here (zlib + struct) so that each one has exactly the colour
type, bit depth and chunks it is named after; JPEG files are written by Pillow. The expected RGB of
every fixture is Pillow's own `Image.open(f).convert('RGB')` (after `ImageOps.exif_transpose` for
the Exif ones); for PNG the script also derives it from the documented rules and checks that both
agree, so the rules in ImageDecoder's Javadoc are checked against Pillow, not just written down.
"""
import io
import json
import random
import struct
import subprocess
import zlib

from PIL import Image, ImageCms, ImageOps

W, H = 7, 5
rnd = random.Random(7)


def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))


def png(w, h, depth, color_type, rows, before_idat=b'', after_idat=b'', interlace=0):
    """A PNG whose IDAT holds `rows` (already serialised scanlines, one filter byte 0 added here)."""
    raw = b''.join(b'\x00' + r for r in rows)
    header = chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, color_type, 0, 0, interlace))
    return (b'\x89PNG\r\n\x1a\n' + header + before_idat + chunk(b'IDAT', zlib.compress(raw))
            + after_idat + chunk(b'IEND', b''))


def pack_bits(values, depth):
    """Packs samples of `depth` < 8 bits, most significant first, padding the last byte."""
    out, acc, n = bytearray(), 0, 0
    for v in values:
        acc = (acc << depth) | v
        n += depth
        if n == 8:
            out.append(acc)
            acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


def be16(values):
    return b''.join(struct.pack('>H', v) for v in values)


def adam7_rows(w, h, pixel, serialise):
    """Scanlines of the seven Adam7 passes; pixel(x, y) gives a pixel's samples."""
    rows = []
    for x0, y0, dx, dy in ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)):
        xs = range(x0, w, dx)
        if not xs:
            continue
        for y in range(y0, h, dy):
            rows.append(serialise([s for x in xs for s in pixel(x, y)]))
    return rows


def grid(w, h, make):
    return [[make() for _ in range(w)] for _ in range(h)]


def srgb_profile():
    # lcms stamps the creation time into bytes 24..35 of the header: zero it so that reruns are identical.
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile('sRGB')).tobytes())
    profile[24:36] = bytes(12)
    return bytes(profile)


SRGB = srgb_profile()
GAMA = chunk(b'gAMA', struct.pack('>I', 45455))
ICCP = chunk(b'iCCP', b'sRGB\x00\x00' + zlib.compress(SRGB))

fixtures = {}


def add_png(name, data, rule_rgb, note):
    im = Image.open(io.BytesIO(data))
    pillow = im.convert('RGB').tobytes()
    assert pillow == bytes(rule_rgb), name + ': the documented rule disagrees with Pillow'
    save(name + '.png', data, im.size, pillow, im.mode, note)


def save(file, data, size, rgb, mode, note):
    with open(file, 'wb') as f:
        f.write(data)
    if rgb:
        with open('expected/' + file.rsplit('.', 1)[0] + '.rgb', 'wb') as f:
            f.write(rgb)
    fixtures[file] = {'width': size[0], 'height': size[1], 'pillow_mode': mode, 'note': note}


def flat(pixels, to_rgb):
    return [c for row in pixels for p in row for c in to_rgb(p)]


# --- grey, 1/2/4/8/16 bits: L replicated; sub-byte depths scaled to 0..255 as Pillow unpacks them
for depth in (1, 2, 4):
    px = grid(W, H, lambda: rnd.randrange(1 << depth))
    scale = 255 // ((1 << depth) - 1)
    add_png('png_grey%d' % depth, png(W, H, depth, 0, [pack_bits(r, depth) for r in px]),
            flat(px, lambda v: [v * scale] * 3), 'grey %d-bit: v * 255 / (2^%d - 1), replicated' % (depth, depth))

px = grid(W, H, lambda: rnd.randrange(256))
add_png('png_grey8', png(W, H, 8, 0, [bytes(r) for r in px], before_idat=GAMA + ICCP),
        flat(px, lambda v: [v] * 3), 'grey 8-bit with gAMA and iCCP, both ignored')
add_png('png_grey8_trns', png(W, H, 8, 0, [bytes(r) for r in px], before_idat=chunk(b'tRNS', struct.pack('>H', px[0][0]))),
        flat(px, lambda v: [v] * 3), 'grey 8-bit with a tRNS colour key: ignored')

px16 = grid(W, H, lambda: rnd.choice([0, 1, 200, 255, 256, 300, 4095, 32768, 65280, 65535, rnd.randrange(65536)]))
add_png('png_grey16', png(W, H, 16, 0, [be16(r) for r in px16]),
        flat(px16, lambda v: [min(v, 255)] * 3), 'grey 16-bit: min(v, 255) (Pillow mode I or I;16, clipped to L)')
add_png('png_grey16_trns', png(W, H, 16, 0, [be16(r) for r in px16], before_idat=chunk(b'tRNS', struct.pack('>H', px16[1][1]))),
        flat(px16, lambda v: [min(v, 255)] * 3), 'grey 16-bit with a tRNS colour key: clipped, key ignored')

# --- grey + alpha: alpha dropped, never composited; 16-bit takes the high byte (Pillow's LA;16B -> RGBA)
pxa = grid(W, H, lambda: (rnd.randrange(256), rnd.choice([0, 0, 128, 255])))
add_png('png_greyalpha8', png(W, H, 8, 4, [bytes(s for p in r for s in p) for r in pxa]),
        flat(pxa, lambda p: [p[0]] * 3), 'grey+alpha 8-bit: alpha dropped (alpha 0 keeps its grey)')
pxa16 = grid(W, H, lambda: (rnd.randrange(65536), rnd.choice([0, 65535, rnd.randrange(65536)])))
add_png('png_greyalpha16', png(W, H, 16, 4, [be16([s for p in r for s in p]) for r in pxa16]),
        flat(pxa16, lambda p: [p[0] >> 8] * 3), 'grey+alpha 16-bit: v >> 8, alpha dropped')

# --- RGB and RGBA
prgb = grid(W, H, lambda: tuple(rnd.randrange(256) for _ in range(3)))
add_png('png_rgb8', png(W, H, 8, 2, [bytes(s for p in r for s in p) for r in prgb], before_idat=GAMA + ICCP),
        flat(prgb, list), 'RGB 8-bit with gAMA and iCCP, both ignored')
add_png('png_rgb8_trns', png(W, H, 8, 2, [bytes(s for p in r for s in p) for r in prgb],
                             before_idat=chunk(b'tRNS', be16(prgb[2][3]))),
        flat(prgb, list), 'RGB 8-bit with a tRNS colour key: ignored')
prgb16 = grid(W, H, lambda: tuple(rnd.randrange(65536) for _ in range(3)))
add_png('png_rgb16', png(W, H, 16, 2, [be16([s for p in r for s in p]) for r in prgb16]),
        flat(prgb16, lambda p: [s >> 8 for s in p]), 'RGB 16-bit: v >> 8')
prgba = grid(W, H, lambda: tuple(rnd.randrange(256) for _ in range(3)) + (rnd.choice([0, 0, 77, 255]),))
add_png('png_rgba8', png(W, H, 8, 6, [bytes(s for p in r for s in p) for r in prgba]),
        flat(prgba, lambda p: p[:3]), 'RGBA 8-bit: alpha dropped, not composited (alpha 0 keeps its colour)')
prgba16 = grid(W, H, lambda: tuple(rnd.randrange(65536) for _ in range(4)))
add_png('png_rgba16', png(W, H, 16, 6, [be16([s for p in r for s in p]) for r in prgba16]),
        flat(prgba16, lambda p: [s >> 8 for s in p[:3]]), 'RGBA 16-bit: v >> 8, alpha dropped')

# --- palette: through the palette; tRNS (palette alpha) dropped
for depth in (1, 2, 4, 8):
    entries = min(1 << depth, 11)
    palette = [tuple(rnd.randrange(256) for _ in range(3)) for _ in range(entries)]
    idx = grid(W, H, lambda: rnd.randrange(entries))
    rows = [pack_bits(r, depth) if depth < 8 else bytes(r) for r in idx]
    plte = chunk(b'PLTE', bytes(c for p in palette for c in p))
    trns = chunk(b'tRNS', bytes(rnd.choice([0, 90, 255]) for _ in range(max(1, entries - 2)))) if depth in (4, 8) else b''
    add_png('png_palette%d' % depth, png(W, H, depth, 3, rows, before_idat=plte + trns),
            flat(idx, lambda i: palette[i]),
            'palette %d-bit, %d entries%s' % (depth, entries, ', tRNS alpha dropped' if trns else ''))

# --- Adam7 interlacing, byte-sized and packed samples
IW, IH = 13, 11
prgbi = grid(IW, IH, lambda: tuple(rnd.randrange(256) for _ in range(3)))
add_png('png_rgb8_adam7', png(IW, IH, 8, 2, adam7_rows(IW, IH, lambda x, y: prgbi[y][x], bytes), interlace=1),
        flat(prgbi, list), 'RGB 8-bit, Adam7 interlaced')
pal4 = [tuple(rnd.randrange(256) for _ in range(3)) for _ in range(16)]
idxi = grid(IW, IH, lambda: rnd.randrange(16))
add_png('png_palette4_adam7', png(IW, IH, 4, 3, adam7_rows(IW, IH, lambda x, y: [idxi[y][x]], lambda s: pack_bits(s, 4)),
                                  before_idat=chunk(b'PLTE', bytes(c for p in pal4 for c in p)), interlace=1),
        flat(idxi, lambda i: pal4[i]), 'palette 4-bit, Adam7 interlaced')


# --- Exif orientation: PNG eXIf (before and after IDAT); rotation applied as ImageOps.exif_transpose
def tiff_orientation(value, big_endian):
    e = '>' if big_endian else '<'
    return (b'MM' if big_endian else b'II') + struct.pack(e + 'HIH', 42, 8, 1) + struct.pack(e + 'HHIHH', 0x0112, 3, 1, value, 0) + struct.pack(e + 'I', 0)


EW, EH = 5, 3
pe = grid(EW, EH, lambda: tuple(rnd.randrange(256) for _ in range(3)))
for k in range(1, 9):
    exif = chunk(b'eXIf', tiff_orientation(k, k % 2 == 0))
    data = png(EW, EH, 8, 2, [bytes(s for p in r for s in p) for r in pe],
               before_idat=exif if k < 8 else b'', after_idat=exif if k == 8 else b'')
    im = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    save('png_exif%d.png' % k, data, im.size, im.convert('RGB').tobytes(), 'RGB',
         'eXIf orientation %d (%s-endian%s), applied like ImageOps.exif_transpose'
         % (k, 'big' if k % 2 == 0 else 'little', ', chunk after IDAT' if k == 8 else ''))

# --- JPEG, written by Pillow; expected = Pillow's decode (libjpeg-turbo, default IDCT and upsampling)
JW, JH = 37, 29  # not a multiple of the 16x16 MCU: partial blocks and edge upsampling
photo = Image.new('RGB', (JW, JH))
photo.putdata([(int(255 * x / JW), int(255 * y / JH), (x * y * 7 + rnd.randrange(60)) % 256) for y in range(JH) for x in range(JW)])


def add_jpeg(name, image, note, **options):
    buf = io.BytesIO()
    image.save(buf, 'JPEG', **options)
    add_jpeg_bytes(name, buf.getvalue(), note)


def add_cjpeg(name, image, note, *args):
    """A JPEG that Pillow cannot write (4:4:0, 4:1:1, RGB), from libjpeg-turbo's own cjpeg."""
    ppm = io.BytesIO()
    image.save(ppm, 'PPM')
    add_jpeg_bytes(name, subprocess.run(['cjpeg', '-quality', '90', *args], input=ppm.getvalue(),
                                        capture_output=True, check=True).stdout, note)


def add_jpeg_bytes(name, data, note):
    im = Image.open(io.BytesIO(data))
    rgb = b'' if im.mode == 'CMYK' else ImageOps.exif_transpose(im).convert('RGB').tobytes()
    size = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).size
    save(name + '.jpg', data, size, rgb, im.mode, note)


add_jpeg('jpeg_420', photo, 'baseline, 4:2:0', quality=90, subsampling=2)
add_jpeg('jpeg_422', photo, 'baseline, 4:2:2', quality=90, subsampling=1)
add_jpeg('jpeg_444', photo, 'baseline, 4:4:4', quality=90, subsampling=0)
add_jpeg('jpeg_progressive', photo, 'progressive, 4:2:0', quality=85, subsampling=2, progressive=True)
add_cjpeg('jpeg_440', photo, '4:4:0 (half-height chroma): libjpeg-turbo filters it, libjpeg 6b repeats rows', '-sample', '1x2')
add_cjpeg('jpeg_411', photo, '4:1:1 (quarter-width chroma)', '-sample', '4x1')
add_cjpeg('jpeg_rgb', photo, 'RGB components (Adobe transform 0): no YCbCr conversion', '-rgb')
add_jpeg('jpeg_grey', photo.convert('L'), 'greyscale (one component): L replicated', quality=90)
add_jpeg('jpeg_icc', photo, 'baseline 4:2:0 with an sRGB ICC profile (APP2): ignored', quality=90, subsampling=2, icc_profile=SRGB)
add_jpeg('jpeg_cmyk', photo.convert('CMYK'), 'CMYK (Adobe APP14): rejected', quality=90)
exif6 = Image.Exif()
exif6[0x0112] = 6
add_jpeg('jpeg_exif6', photo, 'Exif orientation 6 written by Pillow (little-endian TIFF)', quality=90, exif=exif6.tobytes())

# A small untagged JPEG; the Java test inserts its own APP1 with each orientation. Its expected
# RGB per orientation is Pillow's decode of the same insertion (APP1 right after SOI).
base = io.BytesIO()
Image.frombytes('RGB', (EW, EH), bytes(s for r in pe for p in r for s in p)).save(base, 'JPEG', quality=95, subsampling=0)
base = base.getvalue()
save('jpeg_exif_base.jpg', base, (EW, EH), Image.open(io.BytesIO(base)).convert('RGB').tobytes(), 'RGB',
     'untagged 4:4:4 JPEG; ImageDecoderExifTest inserts a big-endian APP1 with each orientation')
for k in range(1, 9):
    app1 = b'Exif\x00\x00' + tiff_orientation(k, True)
    tagged = base[:2] + b'\xff\xe1' + struct.pack('>H', len(app1) + 2) + app1 + base[2:]
    im = ImageOps.exif_transpose(Image.open(io.BytesIO(tagged)))
    with open('expected/jpeg_exif_base_orientation%d.rgb' % k, 'wb') as f:
        f.write(im.convert('RGB').tobytes())

# --- Pillow BICUBIC resizes whose axes go opposite ways (the golden set only has same-direction ones)
RW, RH = 61, 23
resize_input = Image.new('RGB', (RW, RH))
resize_input.putdata([tuple(rnd.randrange(256) for _ in range(3)) for _ in range(RW * RH)])
resize_input.save('resize_input.png')
resizes = {}
for w, h in ((17, 50), (200, 9), (61, 5), (3, 23)):
    with open('expected/resize_%dx%d.rgb' % (w, h), 'wb') as f:
        f.write(resize_input.resize((w, h), Image.BICUBIC).tobytes())

with open('fixtures.json', 'w') as f:
    json.dump({'made_with': 'Pillow ' + Image.__version__, 'fixtures': fixtures}, f, indent=1, sort_keys=True)
    f.write('\n')
