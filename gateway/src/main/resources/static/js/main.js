// The demo page: open an image, draw regions (or click them with Segment Anything), ask, watch the
// answers stream; or have every object segmented and described.
import { segment, streamChat, streamDescribeAll, uploadImage } from './api.js';
import { errorNode, TurnView } from './chat-view.js';
import { Conversation, taskRequest, TASKS } from './conversation.js';
import { renderRegionList } from './region-list.js';
import { Regions } from './regions.js';
import { countsFromString, paintCounts } from './rle.js';
import { SegmentTool } from './segment-tool.js';
import { Stage } from './stage.js';
import { clientStats, usageStats } from './stats.js';
import { TOOLS, Tools } from './tools.js';

const $ = (id) => document.getElementById(id);
const stage = new Stage($('photo'), $('overlay'));
const segmenter = new SegmentTool({
  request: (body, signal) => segment({ image_id: image.image_id, ...body }, { signal, apiKey: apiKey() }),
  failed: (failure) => noticeError(failure),
  changed: () => stage.requestRender(),
});
const tools = new Tools(stage, (message) => notice(message), segmenter);
const conversation = new Conversation();
let image = null; // {image_id, width, height} from the upload
let regions = null;
let asking = null; // the AbortController of the answer streaming now

function notice(message, kind = 'info') {
  $('notice').className = `notice ${kind}`;
  $('notice').textContent = message;
}

function noticeError(failure) {
  $('notice').className = 'notice';
  $('notice').replaceChildren(errorNode(failure));
}

function apiKey() {
  return $('api-key').value.trim() || null;
}

// ---- the image

async function open(file) {
  if (!file) {
    return;
  }
  notice(`uploading ${file.name}…`);
  try {
    const uploaded = await uploadImage(file, { apiKey: apiKey() });
    // Displayed as the server reads it: EXIF orientation applied.
    const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
    stop();
    tools.cancel();
    image = uploaded;
    regions = new Regions(uploaded.width, uploaded.height);
    regions.addEventListener('change', showRegions);
    regions.addEventListener('rename', (e) => conversation.rename(e.detail.oldName, e.detail.newName));
    stage.setImage(bitmap, uploaded.width, uploaded.height, regions);
    conversation.clear();
    $('turns').replaceChildren();
    $('stage').hidden = false;
    $('drop-hint').hidden = true;
    showRegions();
    if (bitmap.width !== uploaded.width || bitmap.height !== uploaded.height) {
      notice(`this browser shows the image as ${bitmap.width}×${bitmap.height}, the server reads it as `
        + `${uploaded.width}×${uploaded.height}: masks are sent at the server's size`, 'warning');
    } else {
      notice(`${file.name}: ${uploaded.width}×${uploaded.height}. Draw a region, then ask.`);
    }
  } catch (failure) {
    noticeError(failure.name === 'ApiError' ? failure : new Error(`cannot show ${file.name}: ${failure.message}`));
  }
}

$('file').addEventListener('change', (e) => {
  open(e.target.files[0]);
  // Choosing the same file again (say, after entering an API key) must upload it again.
  e.target.value = '';
});
$('drop').addEventListener('dragover', (e) => {
  e.preventDefault();
  $('drop').classList.add('over');
});
$('drop').addEventListener('dragleave', () => $('drop').classList.remove('over'));
$('drop').addEventListener('drop', (e) => {
  e.preventDefault();
  $('drop').classList.remove('over');
  open(e.dataTransfer.files[0]);
});

// ---- tools and regions

function showTool() {
  for (const button of document.querySelectorAll('[data-tool]')) {
    button.setAttribute('aria-pressed', String(button.dataset.tool === tools.tool));
  }
}

for (const button of document.querySelectorAll('[data-tool]')) {
  button.addEventListener('click', () => tools.use(button.dataset.tool));
}
tools.addEventListener('tool', showTool);
showTool();

$('brush-size').addEventListener('input', (e) => {
  tools.brushSize = Number(e.target.value);
  $('brush-size-value').textContent = `${tools.brushSize} px`;
});

function colourOf(name) {
  return regions?.byName(name)?.colour ?? null;
}

function showRegions() {
  renderRegionList($('region-list'), regions, {
    ask: insertReference,
    renamed: (failure) => (failure ? notice(failure.message, 'error') : notice('')),
  });
}

function insertReference(name) {
  $('task').value = 'prompt';
  showPrompt();
  const prompt = $('prompt');
  const at = prompt.selectionStart ?? prompt.value.length;
  prompt.value = `${prompt.value.slice(0, at)}<${name}>${prompt.value.slice(prompt.selectionEnd ?? at)}`;
  prompt.focus();
}

document.addEventListener('keydown', (e) => {
  if (e.target.closest('input, textarea, select') || e.ctrlKey || e.metaKey || e.altKey) {
    return;
  }
  const shortcut = { p: 'polygon', r: 'box', s: 'segment', b: 'brush', e: 'eraser', v: 'select' }[e.key.toLowerCase()];
  if (shortcut && TOOLS.includes(shortcut)) {
    tools.use(shortcut);
  } else if (e.key === 'Enter') {
    tools.finish(e.shiftKey);
  } else if (e.key === 'Escape') {
    // Nothing to drop: deselect, so that the next brush stroke starts a new region.
    if (!tools.cancel() && regions) {
      regions.select(null);
    }
  } else if ((e.key === 'Delete' || e.key === 'Backspace') && regions?.selected) {
    regions.remove(regions.selected);
  } else {
    return;
  }
  e.preventDefault();
});

// ---- asking

function showPrompt() {
  $('prompt').hidden = $('task').value !== 'prompt';
}
$('task').addEventListener('change', showPrompt);

/** The generation settings that are filled in, as the API names them. */
function generation() {
  return filledNumbers([['max-new-tokens', 'max_new_tokens', true], ['temperature', 'temperature', false],
    ['top-k', 'top_k', true], ['top-p', 'top_p', false], ['seed', 'seed', true]]);
}

/** {field: number} of the inputs [id, field, integer] that are filled in; throws an Error naming one that is not a number. */
function filledNumbers(inputs) {
  const settings = {};
  for (const [id, field, integer] of inputs) {
    const text = $(id).value.trim();
    if (text === '') {
      continue;
    }
    const value = Number(text);
    if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
      throw new Error(`${id.replaceAll('-', ' ')} must be ${integer ? 'a whole number' : 'a number'}, got "${text}"`);
    }
    settings[field] = value;
  }
  return settings;
}

/** {body, question, labels, record} for the form as it is filled in; throws an Error saying what is missing. */
function question() {
  if (!image) {
    throw new Error('open an image first');
  }
  const task = $('task').value;
  if (task === 'prompt') {
    const prompt = $('prompt').value.trim();
    if (!prompt) {
      throw new Error('type a question; refer to regions as <region1>, <region2>, …');
    }
    const { body, names } = conversation.promptRequest(prompt, regions.names());
    return { body, names, question: prompt, labels: [null], record: (answers) => conversation.add(prompt, answers[0]) };
  }
  const { body, names } = taskRequest(task, regions.names());
  return {
    body, names, question: `${TASKS[task].label} of ${names.map((n) => `<${n}>`).join(', ')}`, labels: names,
    record: (answers) => names.forEach((name, i) => conversation.add(TASKS[task].question(`<${name}>`), answers[i])),
  };
}

async function ask(event) {
  event.preventDefault();
  if (asking) {
    return;
  }
  let request;
  let body;
  try {
    request = question();
    body = { image_id: image.image_id, regions: regions.apiRegions(request.names), ...request.body, ...generation() };
  } catch (failure) {
    notice(failure.message, 'error');
    return;
  }
  notice('');
  const view = new TurnView($('turns'), request.question, request.labels, colourOf);
  const controller = new AbortController();
  asking = controller;
  busy(true);
  const sentAt = performance.now();
  const timing = request.labels.map(() => ({ first: null, last: null, tokens: 0, done: null }));
  try {
    await streamChat(body, {
      answers: request.labels.length, signal: controller.signal, apiKey: apiKey(),
      onPiece: (piece) => {
        const t = timing[piece.index];
        t.last = performance.now();
        t.first ??= t.last;
        t.tokens += piece.token_ids.length;
        view.append(piece.index, piece.text);
        view.stats(piece.index, clientStats(sentAt, t.first, t.last, t.tokens), null);
      },
      onDone: (done) => {
        timing[done.index].done = done;
        view.stats(done.index, usageStats(done.usage), done.finish_reason);
      },
    });
    request.record(timing.map((t) => t.done.text));
  } catch (failure) {
    if (failure.name === 'AbortError') {
      timing.forEach((t, i) => t.done || view.stats(i, clientStats(sentAt, t.first, t.last, t.tokens), 'stopped'));
    } else {
      view.error(failure);
    }
  } finally {
    asking = null;
    busy(false);
  }
}

function busy(streaming) {
  $('send').disabled = streaming;
  $('describe-all').disabled = streaming;
  $('stop').disabled = !streaming;
}

// ---- describe everything

/** The automatic generator's settings that are filled in, and the mask cap, as the API names them. */
function automatic() {
  const params = filledNumbers([['points-per-side', 'points_per_side', true], ['pred-iou-thresh', 'pred_iou_thresh', false],
    ['stability-score-thresh', 'stability_score_thresh', false], ['crop-n-layers', 'crop_n_layers', true]]);
  const cap = filledNumbers([['max-masks', 'max_masks', true]]);
  return { ...(Object.keys(params).length > 0 ? { params } : {}), ...cap };
}

/**
 * Segments everything and shows each mask as a region (object1, object2, ...) with its short
 * description, as they come; the descriptions join the conversation, so follow-ups can name them.
 */
async function describeEverything() {
  if (asking) {
    return;
  }
  let body;
  try {
    if (!image) {
      throw new Error('open an image first');
    }
    body = { image_id: image.image_id, ...automatic(), ...generation() };
  } catch (failure) {
    notice(failure.message, 'error');
    return;
  }
  notice('segmenting everything…');
  const controller = new AbortController();
  asking = controller;
  busy(true);
  const sentAt = performance.now();
  let view = null;
  let names = [];
  const texts = [];
  try {
    const count = await streamDescribeAll(body, {
      signal: controller.signal, apiKey: apiKey(),
      onMask: (described) => {
        if (!view) {
          names = regions.freeNames('object', described.count);
          view = new TurnView($('turns'), `Describe everything: ${described.count} of ${described.found} masks`, names, colourOf);
          notice('');
        }
        const region = regions.create(names[described.index]);
        paintCounts(region.context, countsFromString(described.mask.counts), regions.width, regions.height, region.colour);
        regions.painted(region);
        view.paint(described.index, region.colour);
        view.append(described.index, described.text);
        view.stats(described.index, usageStats(described.usage), described.finish_reason);
        texts[described.index] = described.text;
      },
    });
    if (count === 0) {
      notice('Segment Anything found no masks in this image: lower its thresholds in the settings', 'warning');
    } else {
      names.forEach((name, i) => conversation.add(TASKS.short.question(`<${name}>`), texts[i]));
    }
  } catch (failure) {
    if (failure.name === 'AbortError') {
      names.forEach((_, i) => texts[i] === undefined && view.stats(i, clientStats(sentAt, null, null, 0), 'stopped'));
    } else if (view) {
      view.error(failure);
    } else {
      noticeError(failure);
    }
  } finally {
    asking = null;
    busy(false);
  }
}

$('describe-all').addEventListener('click', describeEverything);

function stop() {
  asking?.abort();
}

$('ask').addEventListener('submit', ask);
$('stop').addEventListener('click', stop);
$('new-conversation').addEventListener('click', () => {
  stop();
  conversation.clear();
  $('turns').replaceChildren();
});
$('prompt').addEventListener('keydown', (e) => {
  // Enter asks, Shift+Enter starts a new line.
  if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    $('ask').requestSubmit();
  }
});
