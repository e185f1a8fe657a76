"""Draws Unmask's toolbar and notification icons (a red-rimmed mask shape on transparency) as PNGs, with no image
library: run once, the PNGs are committed under public/icons. python3 scripts/make-icons.py"""
import math, struct, zlib, os

def png(size, pixels):
    raw = b''.join(b'\x00' + bytes(pixels[y * size * 4:(y + 1) * size * 4]) for y in range(size))
    chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', size, size, 8, 6, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b'')

def icon(size):
    px = [0] * (size * size * 4)
    ss = 4  # supersampling for smooth edges
    for y in range(size):
        for x in range(size):
            cover = [0, 0]  # [face, eye]
            for sy in range(ss):
                for sx in range(ss):
                    u = (x + (sx + .5) / ss) / size * 2 - 1
                    v = (y + (sy + .5) / ss) / size * 2 - 1
                    # Face: an ellipse; eyes: two slanted slits that cut through it.
                    if (u / .86) ** 2 + (v / .96) ** 2 <= 1:
                        eye = any(((u - cx) / .26) ** 2 + ((v + .12 - (u - cx) * .25 * (1 if cx < 0 else -1)) / .11) ** 2 <= 1 for cx in (-.38, .38))
                        cover[1 if eye else 0] += 1
            n = ss * ss
            a = cover[0] / n
            i = (y * size + x) * 4
            px[i:i + 4] = [217, 48, 37, round(255 * a)]
    return png(size, px)

out = os.path.join(os.path.dirname(__file__), '..', 'public', 'icons')
os.makedirs(out, exist_ok=True)
for s in (16, 32, 48, 128):
    with open(os.path.join(out, f'icon-{s}.png'), 'wb') as f:
        f.write(icon(s))
