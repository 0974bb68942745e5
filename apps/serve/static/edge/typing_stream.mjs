// Sentiment as you type, with a phone model's `stream_step`: each new complete word is
// read once, the model's state carried from call to call, so a keystroke costs a chunk of
// words, not the whole text. A word is complete when whitespace follows it (so a chunk
// never splits a word, and splitting the text into chunks there gives the ids of the
// whole text); the word being typed is read from the carried state without keeping the
// state. A text edited other than by appending is read again from the initial state.
const WHITESPACE = /[\t\n\v\f\r ]/; // tf.strings.split's: where the tokenizer splits
// An HTML line break still being typed ("<br /" has a space in it): never cut inside one.
const OPEN_LINE_BREAK = /<[\t\n\f\r ]*(?:br[\t\n\f\r ]*(?:\/[\t\n\f\r ]*)?)?$/i;

function afterLastWhitespace(text) {
  for (let i = text.length - 1; i >= 0; i -= 1) {
    if (WHITESPACE.test(text[i])) return i + 1;
  }
  return 0;
}

/** How much of `text` is complete words: up to its last whitespace outside a `<br />`. */
function completeLength(text) {
  let end = afterLastWhitespace(text);
  let open = OPEN_LINE_BREAK.exec(text.slice(0, end));
  while (end > 0 && open) {
    end = afterLastWhitespace(text.slice(0, open.index));
    open = OPEN_LINE_BREAK.exec(text.slice(0, end));
  }
  return end;
}

export class TypingStream {
  /** @param classifier an OnDeviceClassifier whose model has `stream_step`. */
  constructor(classifier) {
    this.classifier = classifier;
    this.restarts = 0; // texts read again from the start after an edit
    this.begin();
  }

  begin() {
    this.read = ""; // the text whose words the state has read
    this.state = this.classifier.initialState();
    this.probabilities = null; // after `read`
    this.chunks = []; // what was read, in order, since the text began
  }

  restart() {
    this.restarts += 1;
    this.begin();
  }

  /** The probabilities of `text`, reading only what was not read before. */
  async update(text) {
    if (!text.startsWith(this.read)) this.restart();
    const complete = this.read.length + completeLength(text.slice(this.read.length));
    if (complete > this.read.length) {
      const chunk = text.slice(this.read.length, complete);
      const { probabilities, state } = await this.classifier.streamStep(chunk, this.state);
      Object.assign(this, { state, probabilities, read: this.read + chunk });
      this.chunks.push(chunk);
    }
    const typing = text.slice(this.read.length);
    if (!typing && this.probabilities) return this.probabilities;
    return (await this.classifier.streamStep(typing, this.state)).probabilities;
  }
}
