// The page's pure logic run in the page itself, through its own ES modules: the RLE encoder on the
// golden masks (WebDemoIT compares the runs with the golden .rle.json files) and the SSE parser on
// streams cut at awkward places.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** The page's RLE of every golden PNG mask, from its inside flags and from a canvas drawn with them. */
export async function encodeGoldenMasks(page, masksDir) {
  const names = (await readdir(masksDir)).filter((name) => name.endsWith('.png')).sort();
  const results = [];
  for (const name of names) {
    const png = (await readFile(path.join(masksDir, name))).toString('base64');
    results.push({ name, ...await page.evaluate(encodeInPage, png) });
  }
  return results;
}

async function encodeInPage(png) {
  const { canvasRle, rleCounts } = await import('./js/rle.js');
  const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }),
    { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0);
  const pixels = context.getImageData(0, 0, width, height);
  // A mask PNG is grey: non-zero is inside.
  const inside = new Uint8Array(width * height);
  for (let i = 0; i < inside.length; i++) {
    inside[i] = pixels.data[4 * i] !== 0 ? 1 : 0;
  }
  // The page's masks are canvases whose opaque pixels are inside: the same mask drawn that way.
  const drawn = new ImageData(width, height);
  for (let i = 0; i < inside.length; i++) {
    drawn.data[4 * i + 3] = inside[i] ? 255 : 0;
  }
  context.putImageData(drawn, 0, 0);
  return { size: [height, width], counts: rleCounts(inside, width, height), canvasRle: canvasRle(context, width, height) };
}

const PIECE = 'event:piece\ndata:{"index":0,"text":"ภé ok","token_ids":[31070]}\n\n';
const DONE = 'event:done\ndata:{"index":0,"finish_reason":"stop"}\n\n';

/** Streams with the events each must give; `cuts` are the byte offsets where chunks end. */
const SSE_CASES = [
  {
    name: 'one byte at a time, a character split across chunks', stream: PIECE + DONE, cuts: 'every byte',
    expected: [{ event: 'piece', data: '{"index":0,"text":"ภé ok","token_ids":[31070]}' }, { event: 'done', data: '{"index":0,"finish_reason":"stop"}' }],
  },
  {
    name: 'CRLF split between CR and LF, comments, a space after the colon, multi-line data',
    stream: ': keep-alive\r\nevent: piece\r\ndata: a\r\ndata:b\r\n\r\nevent:error\rdata:{}\r\r', cuts: [13, 27, 36, 44, 46, 59, 67],
    expected: [{ event: 'piece', data: 'a\nb' }, { event: 'error', data: '{}' }],
  },
  {
    name: 'no data: nothing; unnamed: message; an event cut off by the end: dropped',
    stream: 'event:piece\n\ndata:x\n\nevent:done\ndata:late', cuts: [3],
    expected: [{ event: 'message', data: 'x' }],
  },
];

/** Each case's expected and actual events, as the page's sseEvents gives them. */
export async function parseSseCases(page) {
  return page.evaluate(async (cases) => {
    const { sseEvents } = await import('./js/sse.js');
    const results = [];
    for (const { name, stream, cuts, expected } of cases) {
      const bytes = new TextEncoder().encode(stream);
      const ends = cuts === 'every byte' ? bytes.map((_, i) => i + 1) : [...cuts, bytes.length];
      const chunks = [];
      let start = 0;
      for (const end of ends) {
        chunks.push(bytes.slice(start, end));
        start = end;
      }
      const body = new ReadableStream({
        start(controller) {
          chunks.forEach((chunk) => controller.enqueue(chunk));
          controller.close();
        },
      });
      const actual = [];
      for await (const event of sseEvents(body)) {
        actual.push(event);
      }
      results.push({ name, expected, actual });
    }
    return results;
  }, SSE_CASES);
}

/** The page's runs of the COCO compressed counts of every golden .rle.json mask and of the golden automatic masks. */
export async function decodeGoldenRle(page, masksDir, automaticFile) {
  const texts = [];
  for (const name of (await readdir(masksDir)).filter((file) => file.endsWith('.rle.json')).sort()) {
    texts.push({ name, counts: JSON.parse(await readFile(path.join(masksDir, name), 'utf8')).counts });
  }
  const automatic = JSON.parse(await readFile(automaticFile, 'utf8'));
  automatic.annotations.forEach((annotation, k) => texts.push({ name: `automatic ${k}`, counts: annotation.segmentation.counts }));
  return page.evaluate(async (masks) => {
    const { countsFromString } = await import('./js/rle.js');
    return masks.map(({ name, counts }) => ({ name, text: counts, runs: countsFromString(counts) }));
  }, texts);
}
