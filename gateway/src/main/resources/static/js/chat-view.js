// The conversation as shown: each turn's question, then one answer per region asked about (a task)
// or one answer (a prompt), filling in as pieces stream, with its speed figures or its error.
import { formatStats } from './stats.js';

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/** The question's text with each <name> of a region shown in that region's colour. */
function questionNode(text, colourOf) {
  const node = element('p', 'question');
  let end = 0;
  for (const match of text.matchAll(/<([A-Za-z][\w-]*)>/g)) {
    node.append(text.slice(end, match.index));
    const chip = element('span', 'chip', match[1]);
    const colour = colourOf(match[1]);
    if (colour) {
      chip.style.background = colour;
    }
    node.append(chip);
    end = match.index + match[0].length;
  }
  node.append(text.slice(end));
  return node;
}

/** One question and its answers. */
export class TurnView {
  /** `labels`: a name per answer (the regions a task describes), or [null] for a prompt's one answer. */
  constructor(list, question, labels, colourOf) {
    this.node = element('li', 'turn');
    this.node.append(questionNode(question, colourOf));
    this.answers = labels.map((label) => {
      const node = element('div', 'answer streaming');
      if (label) {
        const chip = element('span', 'chip', label);
        chip.style.background = colourOf(label) ?? '';
        node.append(chip);
      }
      const text = element('p', 'answer-text');
      const stats = element('p', 'answer-stats', 'waiting for the first token…');
      node.append(text, stats);
      this.node.append(node);
      return { node, text, stats };
    });
    this.list = list;
    list.append(this.node);
    list.scrollTop = list.scrollHeight;
  }

  /** Colours answer `index`'s label chip (for a region made after the turn began). */
  paint(index, colour) {
    const chip = this.answers[index].node.querySelector('.chip');
    if (chip) {
      chip.style.background = colour;
    }
  }

  append(index, text) {
    this.#following(() => {
      this.answers[index].text.textContent += text;
    });
  }

  // Keeps the newest text in view, unless the reader has scrolled up to read something else.
  #following(change) {
    const atBottom = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40;
    change();
    if (atBottom) {
      this.list.scrollTop = this.list.scrollHeight;
    }
  }

  /** Shows an answer's figures; `finish` says how it ended (stop, length, stopped…), null while streaming. */
  stats(index, stats, finish) {
    const answer = this.answers[index];
    this.#following(() => {
      answer.stats.textContent = formatStats(stats) + (finish ? ` · ${finish}` : '');
    });
    if (finish) {
      answer.node.classList.remove('streaming');
      answer.node.dataset.finish = finish;
    }
  }

  /** Shows an API error (status, code, message, request id) or a page-side error below the answers. */
  error(failure) {
    for (const answer of this.answers) {
      answer.node.classList.remove('streaming');
      if (answer.text.textContent === '') {
        answer.stats.textContent = 'no answer';
      }
    }
    this.#following(() => this.node.append(errorNode(failure)));
  }
}

/** An error as the user sees it: everything the API said, so that nothing fails silently. */
export function errorNode(failure) {
  const node = element('div', 'error');
  node.setAttribute('role', 'alert');
  if (failure.name === 'ApiError') {
    // Mid-stream, the HTTP status (200) says nothing about the failure.
    const where = failure.midStream ? 'The answer stream failed: ' : '';
    const status = failure.status && !failure.midStream ? `${failure.status} ` : '';
    node.append(element('strong', null, `${where}${status}${failure.code}`), ` ${failure.message}`);
    if (failure.requestId) {
      node.append(element('span', 'request-id', ` (request ${failure.requestId})`));
    }
  } else {
    node.append(element('strong', null, 'Error'), ` ${failure.message}`);
  }
  return node;
}
