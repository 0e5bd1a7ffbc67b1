// Click to segment: the prompt the segment tool builds (foreground and background points, a box) and
// the mask Segment Anything makes of it, fetched from POST /v1/segment after every change and shown
// over the image until it is kept as a region or dropped. A response to an older prompt is ignored.
import { countsFromString, paintCounts } from './rle.js';

const PREVIEW = '#00b4d8';
const PREVIEW_ALPHA = 0.5;
const POINT_PX = 5;

export class SegmentTool extends EventTarget {
  points = [];
  box = null;
  /** The mask of the current prompt: {counts, area} (column-major runs), or null while there is none. */
  mask = null;
  #canvas = null;
  #asking = null;
  #generation = 0;

  /**
   * `request(body, signal)` resolves to POST /v1/segment's answer for {points, box} (the image id and
   * key are the caller's); `failed(error)` reports a failure; `changed()` asks for a new frame.
   */
  constructor({ request, failed, changed }) {
    super();
    this.request = request;
    this.failed = failed;
    this.changed = changed;
  }

  /** Adds a point in image pixels: label 1 on the object (left click), 0 off it (right click). */
  add(point, label) {
    this.points.push({ x: point.x, y: point.y, label });
    this.#segment();
  }

  /** Sets the box prompt {x, y, width, height} in image pixels. */
  setBox(box) {
    this.box = box;
    this.#segment();
  }

  /** Drops the prompt and its mask; false when there was none. */
  clear() {
    const had = this.points.length > 0 || this.box !== null;
    this.#asking?.abort();
    this.#asking = null;
    this.#generation++;
    this.points = [];
    this.box = null;
    this.mask = null;
    this.#canvas = null;
    this.changed();
    return had;
  }

  /** The current mask's runs, clearing the prompt; null when there is no mask (yet). */
  take() {
    const mask = this.mask;
    if (mask) {
      this.clear();
    }
    return mask;
  }

  /** The body POST /v1/segment gets for the current prompt (without image_id). */
  body() {
    const body = { points: this.points.map((p) => [p.x, p.y, p.label]) };
    if (this.box) {
      body.box = [this.box.x, this.box.y, this.box.width, this.box.height];
    }
    return body;
  }

  async #segment() {
    const generation = ++this.#generation;
    this.#asking?.abort();
    const controller = new AbortController();
    this.#asking = controller;
    this.changed();
    try {
      const answer = await this.request(this.body(), controller.signal);
      if (generation !== this.#generation) {
        return;
      }
      const [height, width] = answer.masks[0].mask.size;
      const counts = countsFromString(answer.masks[0].mask.counts);
      this.mask = { counts, area: answer.masks[0].area, score: answer.masks[0].score };
      this.#canvas = new OffscreenCanvas(width, height);
      paintCounts(this.#canvas.getContext('2d'), counts, width, height, PREVIEW);
      this.dispatchEvent(new CustomEvent('segmented', { detail: answer }));
    } catch (failure) {
      if (failure.name !== 'AbortError' && generation === this.#generation) {
        this.mask = null;
        this.#canvas = null;
        this.failed(failure);
      }
    } finally {
      if (generation === this.#generation) {
        this.#asking = null;
      }
      this.changed();
    }
  }

  /** Draws the mask, the box and the points (green on the object, red off it) on the stage's context. */
  draw(ctx, scale) {
    ctx.save();
    if (this.#canvas) {
      ctx.globalAlpha = PREVIEW_ALPHA;
      ctx.drawImage(this.#canvas, 0, 0);
      ctx.globalAlpha = 1;
    }
    ctx.lineWidth = 2 * scale;
    if (this.box) {
      ctx.strokeStyle = '#fff';
      ctx.setLineDash([6 * scale, 4 * scale]);
      ctx.strokeRect(this.box.x, this.box.y, this.box.width, this.box.height);
      ctx.setLineDash([]);
    }
    for (const p of this.points) {
      ctx.fillStyle = p.label === 1 ? '#2dc653' : '#e5383b';
      ctx.strokeStyle = '#fff';
      ctx.beginPath();
      ctx.arc(p.x, p.y, POINT_PX * scale, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
    ctx.restore();
  }
}
