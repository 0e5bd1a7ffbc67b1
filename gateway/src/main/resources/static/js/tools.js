// Drawing on the stage. Polygon: click the vertices, then Enter, a double-click or a click on the
// first vertex closes it; or press and drag a freehand lasso. Box: drag a corner to the opposite one.
// Segment: left-click a point on an object, right-click one off it, or drag a box around it; Segment
// Anything's mask previews at once, and Enter keeps it. Polygon, box and segment make a new region,
// or with Shift add to the selected one. Brush paints into the selected region (a new one if none is
// selected); eraser clears from it. Select: click a region.
import { paintCounts } from './rle.js';

const CLOSE_PX = 8; // a click this close (on screen) to the first vertex closes the polygon
const DRAG_PX = 4; // a press that moves this far (on screen) is a lasso or a drag, not a click

export const TOOLS = ['polygon', 'box', 'segment', 'brush', 'eraser', 'select'];

export class Tools extends EventTarget {
  tool = 'polygon';
  brushSize = 16;
  #points = [];
  #press = null;
  #hover = null;

  /** `report(message)` tells the user why an action did nothing; `segmenter` is the segment tool's {@link SegmentTool}. */
  constructor(stage, report, segmenter) {
    super();
    this.stage = stage;
    this.report = report;
    this.segmenter = segmenter;
    stage.preview = (ctx, scale) => this.#drawPreview(ctx, scale);
    const overlay = stage.overlay;
    overlay.addEventListener('pointerdown', (e) => this.#down(e));
    overlay.addEventListener('pointermove', (e) => this.#move(e));
    overlay.addEventListener('pointerup', (e) => this.#up(e));
    overlay.addEventListener('pointercancel', () => this.cancel());
    overlay.addEventListener('pointerleave', () => {
      this.#hover = null;
      stage.requestRender();
    });
    overlay.addEventListener('dblclick', (e) => {
      e.preventDefault();
      this.closePolygon(e.shiftKey);
    });
    // A right click is a background point for the segment tool, not a menu.
    overlay.addEventListener('contextmenu', (e) => {
      if (this.tool === 'segment') {
        e.preventDefault();
      }
    });
  }

  get regions() {
    return this.stage.regions;
  }

  use(tool) {
    this.cancel();
    this.tool = tool;
    this.dispatchEvent(new Event('tool'));
  }

  /** Drops a shape or a segment prompt in progress; false when there was none. */
  cancel() {
    const dropped = this.#points.length > 0 || this.#press !== null;
    this.#points = [];
    this.#press = null;
    const prompt = this.segmenter.clear();
    this.stage.requestRender();
    return dropped || prompt;
  }

  /** Enter: closes the polygon, or keeps the segment tool's mask as a region. */
  finish(addToSelected) {
    if (this.tool !== 'segment') {
      this.closePolygon(addToSelected);
      return;
    }
    const mask = this.segmenter.take();
    if (!mask) {
      this.report(this.segmenter.points.length > 0 || this.segmenter.box ? 'the mask is still on its way'
        : 'click an object (right-click: not this), or drag a box around it, then press Enter');
      return;
    }
    const region = addToSelected && this.regions.selected ? this.regions.selected : this.regions.create();
    paintCounts(region.context, mask.counts, this.regions.width, this.regions.height, region.colour);
    this.regions.painted(region);
  }

  /** Ends the polygon in progress (Enter, double-click). */
  closePolygon(addToSelected) {
    const points = this.#points.filter((p, i, all) => i === 0 || p.x !== all[i - 1].x || p.y !== all[i - 1].y);
    this.#points = [];
    if (points.length < 3) {
      this.report(points.length === 0 ? '' : 'a polygon needs at least 3 vertices');
      this.stage.requestRender();
      return;
    }
    this.#fill(addToSelected, (ctx) => {
      ctx.beginPath();
      ctx.moveTo(points[0].x, points[0].y);
      for (const p of points.slice(1)) {
        ctx.lineTo(p.x, p.y);
      }
      ctx.closePath();
      ctx.fill();
    });
  }

  #fill(addToSelected, draw) {
    const region = addToSelected && this.regions.selected ? this.regions.selected : this.regions.create();
    region.context.globalCompositeOperation = 'source-over';
    region.context.fillStyle = region.colour;
    draw(region.context);
    this.regions.painted(region);
  }

  #down(event) {
    if (!this.regions || !(event.button === 0 || (event.button === 2 && this.tool === 'segment'))) {
      return;
    }
    const p = this.stage.toImage(event);
    const press = { start: p, screen: { x: event.clientX, y: event.clientY }, mode: 'click', last: p, region: null, button: event.button };
    if (this.tool === 'brush' || this.tool === 'eraser') {
      press.region = this.regions.selected ?? (this.tool === 'brush' ? this.regions.create() : null);
      if (!press.region) {
        this.report('select a region to erase from');
        return;
      }
      press.mode = 'paint';
      this.#paint(press.region, p, p);
    } else if (this.tool === 'select') {
      this.regions.select(this.regions.at(p.x, p.y));
      return;
    }
    this.#press = press;
    this.stage.overlay.setPointerCapture(event.pointerId);
  }

  #move(event) {
    const p = this.stage.toImage(event);
    this.#hover = p;
    const press = this.#press;
    if (press) {
      const moved = Math.hypot(event.clientX - press.screen.x, event.clientY - press.screen.y) > DRAG_PX;
      if (press.mode === 'paint') {
        this.#paint(press.region, press.last, p);
      } else if (press.mode === 'click' && moved && this.tool === 'polygon' && this.#points.length === 0) {
        press.mode = 'lasso';
        this.#points = [press.start];
      } else if (press.mode === 'click' && moved && (this.tool === 'box' || (this.tool === 'segment' && press.button === 0))) {
        press.mode = 'box';
      }
      if (press.mode === 'lasso') {
        this.#points.push(p);
      }
      press.last = p;
    }
    this.stage.requestRender();
  }

  #up(event) {
    const press = this.#press;
    this.#press = null;
    if (!press) {
      return;
    }
    const p = this.stage.toImage(event);
    if (press.mode === 'paint') {
      this.regions.painted(press.region);
    } else if (press.mode === 'lasso') {
      this.closePolygon(event.shiftKey);
    } else if (press.mode === 'box' && this.tool === 'segment') {
      this.#segmentBox(press.start, p);
    } else if (press.mode === 'box') {
      this.#box(press.start, p, event.shiftKey);
    } else if (this.tool === 'segment') {
      this.segmenter.add(this.#inside(p), press.button === 2 ? 0 : 1);
    } else if (this.tool === 'polygon') {
      this.#click(p, event);
    }
    this.stage.requestRender();
  }

  #click(p, event) {
    const first = this.#points[0];
    if (first && this.#points.length >= 3) {
      const distance = Math.hypot(p.x - first.x, p.y - first.y) / this.stage.scale();
      if (distance <= CLOSE_PX) {
        this.closePolygon(event.shiftKey);
        return;
      }
    }
    this.#points.push(p);
  }

  #box(a, b, addToSelected) {
    const x = Math.min(a.x, b.x);
    const y = Math.min(a.y, b.y);
    const width = Math.abs(a.x - b.x);
    const height = Math.abs(a.y - b.y);
    if (width < 1 || height < 1) {
      this.report('drag from one corner of the box to the opposite one');
      return;
    }
    this.#fill(addToSelected, (ctx) => ctx.fillRect(x, y, width, height));
  }

  // A point on the image's last pixel edge is still inside it.
  #inside(p) {
    return { x: Math.min(Math.max(p.x, 0), this.regions.width - 0.01), y: Math.min(Math.max(p.y, 0), this.regions.height - 0.01) };
  }

  #segmentBox(a, b) {
    const from = this.#inside({ x: Math.min(a.x, b.x), y: Math.min(a.y, b.y) });
    const to = this.#inside({ x: Math.max(a.x, b.x), y: Math.max(a.y, b.y) });
    if (to.x - from.x < 1 || to.y - from.y < 1) {
      this.report('drag from one corner of the box to the opposite one');
      return;
    }
    this.segmenter.setBox({ x: from.x, y: from.y, width: to.x - from.x, height: to.y - from.y });
  }

  #paint(region, from, to) {
    const ctx = region.context;
    ctx.globalCompositeOperation = this.tool === 'eraser' ? 'destination-out' : 'source-over';
    ctx.strokeStyle = region.colour;
    ctx.lineWidth = this.brushSize;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    // A press without movement still leaves a round dot.
    ctx.lineTo(to.x + (from.x === to.x && from.y === to.y ? 0.01 : 0), to.y);
    ctx.stroke();
    this.stage.requestRender();
  }

  #drawPreview(ctx, scale) {
    this.segmenter.draw(ctx, scale);
    ctx.save();
    ctx.lineWidth = 2 * scale;
    ctx.strokeStyle = '#fff';
    ctx.shadowColor = '#000';
    ctx.shadowBlur = 2 * scale;
    const points = this.#points;
    if (points.length > 0) {
      ctx.beginPath();
      ctx.moveTo(points[0].x, points[0].y);
      for (const p of points.slice(1)) {
        ctx.lineTo(p.x, p.y);
      }
      if (this.#hover && !this.#press) {
        ctx.lineTo(this.#hover.x, this.#hover.y);
      }
      ctx.stroke();
      ctx.fillStyle = '#fff';
      ctx.beginPath();
      ctx.arc(points[0].x, points[0].y, (points.length >= 3 ? CLOSE_PX : 3) * scale, 0, 2 * Math.PI);
      ctx.stroke();
    }
    if (this.#press?.mode === 'box') {
      const { start, last } = this.#press;
      ctx.setLineDash([6 * scale, 4 * scale]);
      ctx.strokeRect(Math.min(start.x, last.x), Math.min(start.y, last.y), Math.abs(start.x - last.x), Math.abs(start.y - last.y));
    }
    if ((this.tool === 'brush' || this.tool === 'eraser') && this.#hover) {
      ctx.beginPath();
      ctx.arc(this.#hover.x, this.#hover.y, this.brushSize / 2, 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.restore();
  }
}
