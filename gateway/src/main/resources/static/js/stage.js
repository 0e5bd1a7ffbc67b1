// The image and, over it, the regions: both canvases are the image's full size (the API's width and
// height) and scaled by CSS, so a pointer position maps to image pixels by one factor.

const FILL_ALPHA = 0.4;
const SELECTED_ALPHA = 0.6;

export class Stage {
  regions = null;
  preview = null;
  #pending = false;

  constructor(photo, overlay) {
    this.photo = photo;
    this.overlay = overlay;
    this.context = overlay.getContext('2d');
  }

  /** Shows `bitmap` at width x height (the upload's size, after EXIF orientation). */
  setImage(bitmap, width, height, regions) {
    for (const canvas of [this.photo, this.overlay]) {
      canvas.width = width;
      canvas.height = height;
    }
    this.photo.getContext('2d').drawImage(bitmap, 0, 0, width, height);
    this.regions = regions;
    regions.addEventListener('change', () => this.requestRender());
    this.requestRender();
  }

  /** Image pixel coordinates (fractional) of a pointer event. */
  toImage(event) {
    const rect = this.overlay.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) * this.overlay.width) / rect.width,
      y: ((event.clientY - rect.top) * this.overlay.height) / rect.height,
    };
  }

  /** Image pixels per CSS pixel: keeps lines and labels the same size on screen at any zoom. */
  scale() {
    const rect = this.overlay.getBoundingClientRect();
    return rect.width > 0 ? this.overlay.width / rect.width : 1;
  }

  requestRender() {
    if (!this.#pending) {
      this.#pending = true;
      requestAnimationFrame(() => {
        this.#pending = false;
        this.#render();
      });
    }
  }

  #render() {
    const ctx = this.context;
    ctx.clearRect(0, 0, this.overlay.width, this.overlay.height);
    if (!this.regions) {
      return;
    }
    const scale = this.scale();
    for (const region of this.regions.list) {
      ctx.globalAlpha = region === this.regions.selected ? SELECTED_ALPHA : FILL_ALPHA;
      ctx.drawImage(region.canvas, 0, 0);
    }
    ctx.globalAlpha = 1;
    for (const region of this.regions.list) {
      this.#label(region, scale);
    }
    this.preview?.(ctx, scale);
  }

  #label(region, scale) {
    if (!region.box) {
      return;
    }
    const ctx = this.context;
    const size = 13 * scale;
    ctx.font = `${region === this.regions.selected ? 'bold ' : ''}${size}px system-ui, sans-serif`;
    const width = ctx.measureText(region.name).width + size * 0.6;
    const height = size * 1.4;
    const x = Math.min(region.box.x, this.overlay.width - width);
    const y = region.box.y >= height ? region.box.y - height : region.box.y;
    ctx.fillStyle = region.colour;
    ctx.fillRect(x, y, width, height);
    ctx.fillStyle = '#fff';
    ctx.textBaseline = 'middle';
    ctx.fillText(region.name, x + size * 0.3, y + height / 2);
  }
}
