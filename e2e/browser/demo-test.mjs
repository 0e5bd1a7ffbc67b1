// Uses the web demo as a person would, in Chromium, against a running gateway, and writes what it saw
// to result.json for WebDemoIT to check: the requests the page sent, the answers it showed, its speed
// figures, its error messages, the page logic's outputs, and a screenshot.
//
//   node demo-test.mjs --gateway http://127.0.0.1:8080 --golden testdata/golden --golden-sam testdata/golden-sam \
//       --oriented model/src/test/resources/image --out DIR
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { launch } from './launch.mjs';
import { decodeGoldenRle, encodeGoldenMasks, parseSseCases } from './page-logic.mjs';

const { values: args } = parseArgs({ options: { gateway: { type: 'string' }, golden: { type: 'string' }, 'golden-sam': { type: 'string' },
  oriented: { type: 'string' }, out: { type: 'string' } } });
// Images with each EXIF orientation; png_exif8's eXIf chunk comes after the pixels, where the server
// still reads it and Chromium does not.
const ORIENTED = ['png_exif1.png', 'png_exif2.png', 'png_exif3.png', 'png_exif4.png', 'png_exif5.png', 'png_exif6.png',
  'png_exif7.png', 'png_exif8.png', 'jpeg_exif6.jpg'];
const ANSWER_TIMEOUT = 120_000;
const result = { pageErrors: [] };
const chatRequests = [];
const segmentRequests = [];
const describeRequests = [];

await mkdir(args.out, { recursive: true });
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
try {
  page.on('pageerror', (error) => result.pageErrors.push(String(error)));
  page.on('request', (request) => {
    const sent = { '/v1/chat': chatRequests, '/v1/segment': segmentRequests, '/v1/describe-all': describeRequests }[new URL(request.url()).pathname];
    if (request.method() === 'POST' && sent) {
      sent.push(JSON.parse(request.postData()));
    }
  });
  const response = await page.goto(`${args.gateway}/`);
  result.page = { status: response.status(), title: await page.title() };

  result.rle = await encodeGoldenMasks(page, path.join(args.golden, 'inputs/masks'));
  result.sse = await parseSseCases(page);
  result.rleDecoded = await decodeGoldenRle(page, path.join(args.golden, 'inputs/masks'),
    path.join(args['golden-sam'], 'automatic/amg_crop1.json'));

  await upload(page, path.join(args.golden, 'inputs/images/s1_img0.png'));
  result.notice = await page.textContent('#notice');
  const polygon = JSON.parse(await readFile(path.join(args.golden, 'inputs/masks/s1_img0_m0.poly.json'), 'utf8'));
  result.drawnPolygon = polygon.segmentation[0];
  await drawPolygon(page, result.drawnPolygon);
  result.regionNames = await page.$$eval('.region-name', (inputs) => inputs.map((input) => input.value));

  await page.click('.sampling summary');
  await page.fill('#temperature', '0');
  await page.fill('#max-new-tokens', '24');
  await page.selectOption('#task', 'short');
  result.first = await ask(page, { watch: true });

  await page.selectOption('#task', 'prompt');
  await page.fill('#prompt', 'What is <region1> made of?');
  result.followUp = await ask(page);

  // Long enough to still be streaming when Stop is pressed.
  await page.fill('#max-new-tokens', '700');
  await page.fill('#prompt', 'Tell me everything about <region1>.');
  result.stopped = await ask(page, { stopAfterFirstPiece: true });

  // Over the context limit: the API refuses with 400 before streaming.
  await page.fill('#max-new-tokens', '1024');
  result.refused = await ask(page);

  // A failure after the stream started, as the gateway reports it: an 'error' event.
  await page.route('**/v1/chat', (route) => route.fulfill({
    status: 200, contentType: 'text/event-stream',
    body: 'event:piece\ndata:{"index":0,"text":"Half","token_ids":[1]}\n\n'
      + 'event:error\ndata:{"error":{"code":"unavailable","message":"llm-service is unavailable","request_id":"r-42"}}\n\n',
  }));
  await page.fill('#max-new-tokens', '24');
  result.midStream = await ask(page);
  await page.unroute('**/v1/chat');

  // A reference to a region that does not exist is caught in the page.
  await page.fill('#prompt', 'Is <region7> bigger than <region1>?');
  await page.click('#send');
  result.unknownRegionNotice = await page.textContent('#notice');

  // The other tools: a box becomes region2, renamed "box"; after deselecting, the brush paints a new
  // region (region2 again: the lowest free name) and the eraser takes part of it back.
  await page.click('[data-tool="box"]');
  result.drawnBox = [420, 60, 180, 140];
  await drag(page, [[420, 60], [600, 200]]);
  await page.fill('.region:nth-child(2) .region-name', 'box');
  await page.press('.region:nth-child(2) .region-name', 'Enter');
  await page.click('[data-tool="select"]');
  await page.keyboard.press('Escape');
  await page.click('[data-tool="brush"]');
  await drag(page, [[60, 300], [200, 330], [260, 420]]);
  result.brushedArea = await areaOf(page, 3);
  await page.click('[data-tool="eraser"]');
  await drag(page, [[180, 250], [200, 450]]);
  result.erasedArea = await areaOf(page, 3);
  result.regionNamesAfterTools = await page.$$eval('.region-name', (inputs) => inputs.map((input) => input.value));

  await page.selectOption('#task', 'category');
  result.everyRegion = await ask(page);
  result.screenshot = path.join(args.out, 'web-demo.png');
  await page.screenshot({ path: result.screenshot, fullPage: true });

  // Named by the page's names, sent as the API numbers masks: <box> is the first mask sent.
  await page.click('#new-conversation');
  await page.selectOption('#task', 'prompt');
  await page.fill('#prompt', 'Is <box> above <region1>?');
  result.byName = await ask(page);

  // Segment Anything: a click's mask previews at once, a right click takes a spot out, Enter keeps the
  // mask as a region; a box dragged with the segment tool is a box prompt.
  await page.click('#new-conversation');
  await page.click('[data-tool="segment"]');
  result.segmentPreview = [];
  result.segmentPreview.push(await segmentAt(page, () => clickAt(page, [174.19, 293.5], 'left')));
  result.segmentPreview.push(await segmentAt(page, () => clickAt(page, [576, 48], 'right')));
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('.region').length === 4);
  result.keptPreviewPixels = await page.evaluate(previewPixels);
  result.segmentPreview.push(await segmentAt(page, () => drag(page, [[40, 40], [300, 250]])));
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelectorAll('.region').length === 5);
  result.regionNamesAfterSegment = await page.$$eval('.region-name', (inputs) => inputs.map((input) => input.value));
  result.segmentRequests = segmentRequests.slice();
  await page.selectOption('#task', 'category');
  result.segmented = await ask(page);

  // Describe everything, on the golden automatic image with its reference parameters.
  await upload(page, path.join(args['golden-sam'], 'inputs/images/s1_objects0.png'));
  await page.click('.automatic summary');
  await page.fill('#points-per-side', '8');
  await page.fill('#pred-iou-thresh', '0.1701');
  await page.fill('#stability-score-thresh', '0.0079');
  await page.fill('#crop-n-layers', '1');
  await page.fill('#max-new-tokens', '12');
  result.describeAll = await describeEverything(page);
  result.describeAll.sent = describeRequests.slice();
  result.describeAll.regionNames = await page.$$eval('.region-name', (inputs) => inputs.map((input) => input.value));
  result.describeAll.areas = await page.$$eval('.region .area', (areas) => areas.map((a) => Number(a.textContent.replace(/[^0-9]/g, ''))));
  result.describeScreenshot = path.join(args.out, 'describe-everything.png');
  await page.screenshot({ path: result.describeScreenshot, fullPage: true });

  // Shown as the server reads them, so that masks drawn on them line up.
  result.oriented = [];
  for (const name of ORIENTED) {
    await upload(page, path.join(args.oriented, name));
    result.oriented.push({ name, notice: await page.textContent('#notice'), ...await page.$eval('#photo', photoRgb) });
  }
} catch (failure) {
  // What the page looked like when a step failed, for the person reading the failure.
  await page.screenshot({ path: path.join(args.out, 'failure.png'), fullPage: true }).catch(() => {});
  throw failure;
} finally {
  await writeFile(path.join(args.out, 'result.json'), JSON.stringify(result, null, 2));
  await browser.close();
}

async function upload(page, image) {
  await page.setInputFiles('#file', image);
  await page.waitForSelector('#stage:not([hidden])');
  await page.waitForFunction((name) => document.querySelector('#notice').textContent.startsWith(`${name}: `)
    || document.querySelector('#notice').textContent.startsWith('this browser shows'), path.basename(image));
}

function pressStopOnFirstText(turn) {
  return new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (document.querySelectorAll('#turns > li')[turn]?.querySelector('.answer-text').textContent) {
        observer.disconnect();
        document.querySelector('#stop').click();
        resolve();
      }
    });
    observer.observe(document.querySelector('#turns'), { subtree: true, childList: true, characterData: true });
  });
}

/** The photo canvas's size and pixels (RGB, base64). */
function photoRgb(canvas) {
  const rgba = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const rgb = rgba.filter((_, i) => i % 4 !== 3);
  return { width: canvas.width, height: canvas.height, rgb: btoa(String.fromCharCode(...rgb)) };
}

/** Clicks the polygon's vertices (image pixels) where they are on screen, then closes it with Enter. */
async function drawPolygon(page, xy) {
  await page.click('[data-tool="polygon"]');
  const box = await page.locator('#overlay').boundingBox();
  const size = await page.$eval('#overlay', (canvas) => ({ width: canvas.width, height: canvas.height }));
  for (let i = 0; i < xy.length; i += 2) {
    await page.mouse.click(box.x + (xy[i] * box.width) / size.width, box.y + (xy[i + 1] * box.height) / size.height);
  }
  await page.keyboard.press('Enter');
  await page.waitForSelector('.region');
}

/** Where image pixel [x, y] is on screen. */
async function onScreen(page, [x, y]) {
  const box = await page.locator('#overlay').boundingBox();
  const size = await page.$eval('#overlay', (canvas) => ({ width: canvas.width, height: canvas.height }));
  return [box.x + (x * box.width) / size.width, box.y + (y * box.height) / size.height];
}

async function clickAt(page, point, button) {
  const [x, y] = await onScreen(page, point);
  await page.mouse.click(x, y, { button });
}

/** Does `action` with the segment tool and waits for its mask: the answer, and the preview's pixels on the stage two frames later. */
async function segmentAt(page, action) {
  const answered = page.waitForResponse((response) => new URL(response.url()).pathname === '/v1/segment', { timeout: ANSWER_TIMEOUT });
  await action();
  const response = await answered;
  const answer = await response.json();
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  return { status: response.status(), answer, previewPixels: await page.evaluate(previewPixels) };
}

/** Stage pixels in the preview's colour (#00b4d8 at half opacity, where no region lies under it). */
function previewPixels() {
  const canvas = document.querySelector('#overlay');
  const rgba = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let count = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i] < 8 && Math.abs(rgba[i + 1] - 180) < 8 && Math.abs(rgba[i + 2] - 216) < 8 && Math.abs(rgba[i + 3] - 128) < 4) {
      count++;
    }
  }
  return count;
}

/** Presses Describe everything and waits until every mask's answer has finished; what the turn showed. */
async function describeEverything(page) {
  const turns = await page.locator('#turns > li').count();
  await page.click('#describe-all');
  const turn = page.locator('#turns > li').nth(turns);
  await turn.waitFor({ timeout: ANSWER_TIMEOUT });
  await page.waitForFunction((n) => {
    const answers = document.querySelectorAll(`#turns > li:nth-child(${n + 1}) .answer`);
    return answers.length > 0 && [...answers].every((answer) => answer.dataset.finish);
  }, turns, { timeout: ANSWER_TIMEOUT });
  return {
    question: await turn.locator('.question').textContent(),
    labels: await turn.locator('.answer .chip').allTextContents(),
    texts: await turn.locator('.answer-text').allTextContents(),
    finish: await turn.locator('.answer').evaluateAll((answers) => answers.map((a) => a.dataset.finish ?? null)),
    notice: await page.textContent('#notice'),
  };
}

/** Presses, moves through `points` (image pixels) and releases the mouse on the stage. */
async function drag(page, points) {
  const box = await page.locator('#overlay').boundingBox();
  const size = await page.$eval('#overlay', (canvas) => ({ width: canvas.width, height: canvas.height }));
  const screen = ([x, y]) => [box.x + (x * box.width) / size.width, box.y + (y * box.height) / size.height];
  await page.mouse.move(...screen(points[0]));
  await page.mouse.down();
  for (const point of points.slice(1)) {
    await page.mouse.move(...screen(point), { steps: 8 });
  }
  await page.mouse.up();
}

/** The area (pixels) the region list shows for the n-th region. */
async function areaOf(page, n) {
  return Number((await page.textContent(`.region:nth-child(${n}) .area`)).replace(/[^0-9]/g, ''));
}

/** Presses Ask and waits for the new turn to end: the bodies sent, what the turn showed, and the answer's text as it grew. */
async function ask(page, { watch = false, stopAfterFirstPiece = false } = {}) {
  const turns = await page.locator('#turns > li').count();
  if (watch) {
    await page.evaluate(() => {
      window.seenTexts = [];
      new MutationObserver(() => {
        const text = document.querySelector('#turns > li:last-child .answer-text')?.textContent ?? '';
        if (text !== '' && window.seenTexts.at(-1) !== text) {
          window.seenTexts.push(text);
        }
      }).observe(document.querySelector('#turns'), { subtree: true, childList: true, characterData: true });
    });
  }
  const requests = chatRequests.length;
  // Stop is pressed from inside the page the moment the first text shows: a click through Playwright
  // can take longer than the tiny model needs for the whole answer.
  const stopping = stopAfterFirstPiece ? page.evaluate(pressStopOnFirstText, turns) : null;
  await page.click('#send');
  const turn = page.locator('#turns > li').nth(turns);
  await stopping;
  await turn.locator('.answer[data-finish], .error').first().waitFor({ timeout: ANSWER_TIMEOUT });
  return {
    sent: chatRequests.slice(requests),
    texts: await turn.locator('.answer-text').allTextContents(),
    stats: await turn.locator('.answer-stats').allTextContents(),
    finish: await turn.locator('.answer').evaluateAll((answers) => answers.map((a) => a.dataset.finish ?? null)),
    error: await turn.locator('.error').count() > 0 ? await turn.locator('.error').textContent() : null,
    seenTexts: watch ? await page.evaluate(() => window.seenTexts) : undefined,
  };
}
