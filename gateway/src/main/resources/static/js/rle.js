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
