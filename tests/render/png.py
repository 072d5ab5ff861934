#!/usr/bin/python3
"""Counts pixels of a PNG (8-bit RGB or RGBA, not interlaced) for
tests/render: Python's standard library only.

usage: png.py FILE < QUERIES
A line of output per query line (the image is decoded once):
  size                                  width and height
  nonwhite                              pixels not pure white
  count #rrggbb X0 Y0 X1 Y1 [TOLERANCE]  pixels in the box [X0, X1) x
      [Y0, Y1) within TOLERANCE (default 24) of the colour in every channel"""
import struct
import sys
import zlib


def read(path):
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        sys.exit(f'{path}: not a PNG')
    pos, idat, hdr = 8, b'', None
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            hdr = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        sys.exit(f'{path}: not 8-bit RGB(A) without interlace')
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else
                                      b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def answer(w, h, bpp, rows, q):
    if q[0] == 'size':
        return f'{w} {h}'
    if q[0] == 'nonwhite':
        return str(sum(1 for r in rows for x in range(w)
                       if r[x * bpp:x * bpp + 3] != b'\xff\xff\xff'))
    if q[0] == 'count':
        col = q[1].lstrip('#')
        want = [int(col[i:i + 2], 16) for i in (0, 2, 4)]
        x0, y0, x1, y1 = (int(v) for v in q[2:6])
        tol = int(q[6]) if len(q) > 6 else 24
        n = 0
        for y in range(max(y0, 0), min(y1, h)):
            r = rows[y]
            for x in range(max(x0, 0), min(x1, w)):
                if all(abs(r[x * bpp + k] - want[k]) <= tol for k in range(3)):
                    n += 1
        return str(n)
    sys.exit(__doc__)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    image = read(sys.argv[1])
    for line in sys.stdin:
        if line.strip():
            print(answer(*image, line.split()))


main()
