// The regions drawn on the current image. Each region is a mask the size of the image (a canvas whose
// opaque pixels are inside), with a colour and a name that questions use as <name>.
import { NAME } from './conversation.js';
import { canvasRle } from './rle.js';

const COLOURS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#bfef45', '#fabed4', '#469990'];

/** Whether `other` is `<base><M>` and `name` is `<base><N>` with M > N. */
function laterInSeries(other, name) {
  const a = /^(.*?)(\d+)$/.exec(other);
  const b = /^(.*?)(\d+)$/.exec(name);
  return a !== null && b !== null && a[1] === b[1] && Number(a[2]) > Number(b[2]);
}

export class Regions extends EventTarget {
  list = [];
  selected = null;

  constructor(width, height) {
    super();
    this.width = width;
    this.height = height;
  }

  /** A new empty region, selected: named `name`, by default region<N> with the lowest free N. */
  create(name = this.freeNames('region', 1)[0]) {
    const used = new Set(this.list.map((r) => r.colour));
    const colour = COLOURS.find((c) => !used.has(c)) ?? COLOURS[this.list.length % COLOURS.length];
    const canvas = document.createElement('canvas');
    canvas.width = this.width;
    canvas.height = this.height;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    const region = { name, colour, canvas, context, area: 0, box: null };
    // Regions named in series (object1, object2, ...) list in their order, whatever order they come in.
    const later = this.list.findIndex((r) => laterInSeries(r.name, name));
    this.list.splice(later < 0 ? this.list.length : later, 0, region);
    this.select(region);
    return region;
  }

  /** `count` names <base><N> that no region has, lowest N first. */
  freeNames(base, count) {
    const names = [];
    for (let n = 1; names.length < count; n++) {
      if (!this.byName(`${base}${n}`)) {
        names.push(`${base}${n}`);
      }
    }
    return names;
  }

  byName(name) {
    return this.list.find((r) => r.name === name) ?? null;
  }

  names() {
    return this.list.map((r) => r.name);
  }

  select(region) {
    this.selected = region;
    this.#changed();
  }

  remove(region) {
    this.list = this.list.filter((r) => r !== region);
    if (this.selected === region) {
      this.selected = null;
    }
    this.#changed();
  }

  /** Renames a region; throws an Error saying why a name cannot be used. */
  rename(region, name) {
    if (!NAME.test(name)) {
      throw new Error(`"${name}" cannot name a region: use a letter, then letters, digits, _ or - (at most 32)`);
    }
    const other = this.byName(name);
    if (other && other !== region) {
      throw new Error(`another region is already named ${name}`);
    }
    const old = region.name;
    region.name = name;
    this.dispatchEvent(new CustomEvent('rename', { detail: { oldName: old, newName: name } }));
    this.#changed();
  }

  /** Call after drawing on a region's mask: recounts its area and bounding box. */
  painted(region) {
    const rgba = region.context.getImageData(0, 0, this.width, this.height).data;
    let area = 0;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -1;
    let y1 = -1;
    for (let y = 0, i = 3; y < this.height; y++) {
      for (let x = 0; x < this.width; x++, i += 4) {
        if (rgba[i] >= 128) {
          area++;
          x0 = Math.min(x0, x);
          x1 = Math.max(x1, x);
          y0 = Math.min(y0, y);
          y1 = y;
        }
      }
    }
    region.area = area;
    region.box = area > 0 ? { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 } : null;
    this.#changed();
  }

  /** The topmost region with a pixel inside at (x, y), or null. */
  at(x, y) {
    const px = Math.floor(x);
    const py = Math.floor(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) {
      return null;
    }
    for (let i = this.list.length - 1; i >= 0; i--) {
      if (this.list[i].context.getImageData(px, py, 1, 1).data[3] >= 128) {
        return this.list[i];
      }
    }
    return null;
  }

  /** The API's region objects for `names`, in that order; throws an Error for an empty one. */
  apiRegions(names) {
    return names.map((name) => {
      const region = this.byName(name);
      if (region.area === 0) {
        throw new Error(`${name} is empty: draw on it or delete it`);
      }
      return { rle: canvasRle(region.context, this.width, this.height) };
    });
  }

  #changed() {
    this.dispatchEvent(new Event('change'));
  }
}
