// The list of regions beside the image: colour, name (edit it to rename), area, ask, delete; a click
// selects.

/** Shows `regions` in `list`; `ask(name)` puts <name> in the question, `renamed(error or null)` reports a rename. */
export function renderRegionList(list, regions, { ask, renamed }) {
  list.replaceChildren(...regions.list.map((region) => {
    const item = document.createElement('li');
    item.className = `region${region === regions.selected ? ' selected' : ''}`;
    item.addEventListener('click', () => regions.select(region));
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = region.colour;
    const name = document.createElement('input');
    name.className = 'region-name';
    name.value = region.name;
    name.setAttribute('aria-label', `name of ${region.name}`);
    name.addEventListener('change', () => {
      try {
        regions.rename(region, name.value.trim());
        renamed(null);
      } catch (failure) {
        name.value = region.name;
        renamed(failure);
      }
    });
    const area = document.createElement('span');
    area.className = 'area';
    area.textContent = `${region.area.toLocaleString('en')} px`;
    const remove = button('×', `Delete ${region.name}`, () => regions.remove(region));
    remove.classList.add('delete');
    item.append(swatch, name, area, button('Ask', `Ask about <${region.name}>`, () => ask(region.name)), remove);
    return item;
  }));
}

function button(label, title, action) {
  const node = document.createElement('button');
  node.type = 'button';
  node.textContent = label;
  node.title = title;
  node.setAttribute('aria-label', title);
  node.addEventListener('click', (e) => {
    // Not a click on the item as well: that would select.
    e.stopPropagation();
    action();
  });
  return node;
}
