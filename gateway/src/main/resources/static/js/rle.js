// Masks as the API takes them: COCO RLE at the image's full resolution. The runs go down each column,
// columns left to right (column-major), alternating outside and inside, and the first run counts
// outside pixels (it is 0 when the top-left pixel is inside). `counts` is sent uncompressed.

/** Inside flags (1/0, row-major) of RGBA pixels: a pixel is inside when it is at least half opaque. */
export function insideFromAlpha(rgba, width, height) {
  const inside = new Uint8Array(width * height);
  for (let i = 0; i < inside.length; i++) {
    inside[i] = rgba[4 * i + 3] >= 128 ? 1 : 0;
  }
  return inside;
}

/** Column-major run lengths of `inside` (row-major, non-zero = inside), starting with an outside run. */
export function rleCounts(inside, width, height) {
  const counts = [];
  let value = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let i = x; i < width * height; i += width) {
      const pixel = inside[i] ? 1 : 0;
      if (pixel !== value) {
        counts.push(run);
        value = pixel;
        run = 0;
      }
      run++;
    }
  }
  counts.push(run);
  return counts;
}

/** How many pixels the runs mark inside (every second run, from the second). */
export function rleArea(counts) {
  let area = 0;
  for (let i = 1; i < counts.length; i += 2) {
    area += counts[i];
  }
  return area;
}

/** The API's {size, counts} for a mask drawn on a canvas of the image's size. */
export function canvasRle(context, width, height) {
  const rgba = context.getImageData(0, 0, width, height).data;
  return { size: [height, width], counts: rleCounts(insideFromAlpha(rgba, width, height), width, height) };
}

/**
 * The runs of COCO's compressed counts string (as the API returns masks): each run in 5-bit groups,
 * low bits first, a group's 0x20 bit saying another follows and the last group's 0x10 bit its sign;
 * from the third run on, the value is a difference to the run two before. Plain arithmetic, not bit
 * operators: JavaScript shifts by 32 or more wrap around.
 */
export function countsFromString(text) {
  const counts = [];
  let p = 0;
  while (p < text.length) {
    let value = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= text.length) {
        throw new Error('RLE counts string ends inside a run');
      }
      const c = text.charCodeAt(p) - 48;
      value += (c & 0x1f) * 2 ** (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && (c & 0x10) !== 0) {
        value -= 2 ** (5 * k);
      }
    }
    if (counts.length > 2) {
      value += counts[counts.length - 2];
    }
    counts.push(value);
  }
  return counts;
}

/** Paints the inside pixels of a mask given as column-major runs onto `context` (the image's size) in `colour`. */
export function paintCounts(context, counts, width, height, colour) {
  const rgba = context.getImageData(0, 0, width, height);
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
  let at = 0;
  for (let run = 0; run < counts.length; run++) {
    if (run % 2 === 1) {
      for (let i = at; i < at + counts[run]; i++) {
        // Column-major index i is column i / height, row i % height.
        const pixel = 4 * ((i % height) * width + Math.floor(i / height));
        rgba.data.set([r, g, b, 255], pixel);
      }
    }
    at += counts[run];
  }
  context.putImageData(rgba, 0, 0);
}
