// The conversation and the /v1/chat bodies it makes. On the page, questions name regions as <name>
// (region1, or whatever a region was renamed to); the API numbers masks instead: <region1> is the
// first mask sent. So each request sends the masks that the conversation names, in the order they are
// first named, and rewrites the questions' references to match.

/** The API's tasks, with the question each one asks (the reference's wording), for the history. */
export const TASKS = {
  short: { label: 'Short description', question: (ref) => `Please give me a short description of ${ref}. Using a short phrase.` },
  detailed: { label: 'Detailed description', question: (ref) => `Can you give me a detailed description of ${ref}?` },
  category: { label: 'Category', question: (ref) => `What is the category of ${ref}? Using only one word or phrase.` },
};

const REFERENCE = /<([A-Za-z][\w-]*)>/g;

/** Region names: a letter, then letters, digits, _ or -; they appear in questions as <name>. */
export const NAME = /^[A-Za-z][\w-]{0,31}$/;

/** The region names `texts` refer to, in order of first mention. */
export function referencedNames(texts) {
  const names = [];
  for (const text of texts) {
    for (const match of text.matchAll(REFERENCE)) {
      if (!names.includes(match[1])) {
        names.push(match[1]);
      }
    }
  }
  return names;
}

/** `text` with each <name> of `order` written as the API's <regionK> (K from 1, in that order). */
export function numbered(text, order) {
  return text.replace(REFERENCE, (whole, name) => {
    const k = order.indexOf(name);
    return k < 0 ? whole : `<region${k + 1}>`;
  });
}

/** Earlier exchanges {question, answer}, questions written with the page's region names. */
export class Conversation {
  turns = [];

  clear() {
    this.turns = [];
  }

  add(question, answer) {
    this.turns.push({ question, answer });
  }

  /** Keeps the questions' references pointing at a region that was renamed. */
  rename(oldName, newName) {
    for (const turn of this.turns) {
      turn.question = turn.question.replaceAll(`<${oldName}>`, `<${newName}>`);
    }
  }

  /**
   * The body for a free prompt after this conversation: {body, names} with the masks of `names` to
   * send, or throws an Error naming a reference to a region that does not exist.
   */
  promptRequest(prompt, regionNames) {
    const names = referencedNames([...this.turns.map((t) => t.question), prompt]);
    const missing = names.filter((name) => !regionNames.includes(name));
    if (missing.length > 0) {
      const known = regionNames.length > 0 ? regionNames.join(', ') : 'none yet';
      throw new Error(`no region is named ${missing.map((n) => `<${n}>`).join(', ')}`
        + `${this.turns.length > 0 ? ' (in the question or the conversation so far)' : ''}; the regions are: ${known}`);
    }
    const history = this.turns.flatMap((turn) => [
      { role: 'user', content: numbered(turn.question, names) },
      { role: 'assistant', content: turn.answer },
    ]);
    return { body: { prompt: numbered(prompt, names), ...(history.length > 0 ? { history } : {}) }, names };
  }
}

/** The body for a task over every region (the API asks a task on its own, without history). */
export function taskRequest(task, regionNames) {
  if (!TASKS[task]) {
    throw new Error(`unknown task ${task}`);
  }
  if (regionNames.length === 0) {
    throw new Error('draw a region first: a task describes each region');
  }
  return { body: { task }, names: [...regionNames] };
}
