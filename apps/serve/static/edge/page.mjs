// Wires the on-device mode into the demo page: the "Run the model" choice, the model's
// status line, `window.onDevice` (which demo.js calls instead of the REST API), and, for
// a model with `stream_step`, the sentiment updated as you type.
import { TypingStream } from "./typing_stream.mjs";

const mode = document.getElementById("sentiment-mode");
const variants = document.getElementById("on-device-variant");
const status = document.getElementById("on-device-status");
const review = document.getElementById("review");
const live = document.getElementById("sentiment-live");
let classifier = null;
let loading = null;
let typing = null; // a TypingStream while the loaded model can read as you type
let typed = null; // the latest text not read yet
let reading = false;

function show(state, text) {
  status.dataset.state = state;
  status.textContent = text;
  status.hidden = false;
}

function offerVariants(source) {
  if (variants.options.length === 0) {
    for (const variant of source.variants) {
      const label = source.runnable[variant]
        ? variant
        : `${variant} (fused LSTM: not in a browser)`;
      variants.add(new Option(label, variant));
    }
  }
  variants.value = source.variant;
  variants.hidden = false;
}

function showLive(text, probabilities, stream) {
  const best = probabilities.indexOf(Math.max(...probabilities));
  const words = classifier.streamTokenizer.encode(text).length;
  const row = { label: classifier.labels[best], probabilities };
  window.showSentiment(row, "on-device-stream", `(${words} words, read as you type)`);
  document.getElementById("sentiment-answer").hidden = false;
  document.getElementById("sentiment-error").hidden = true;
  document.getElementById("sentiment-result").dataset.state = "done";
  Object.assign(live.dataset, {
    state: "done",
    text,
    restarts: String(stream.restarts),
    chunks: JSON.stringify(stream.chunks),
  });
  live.textContent =
    `As you type (stream_step): ${stream.chunks.length} chunk(s) of new words read, ` +
    `the model's state carried between them; read again from the start ${stream.restarts} ` +
    "time(s) after edits other than appending.";
}

async function readTyped() {
  // One model call chain at a time; a burst of keystrokes reads only the latest text.
  reading = true;
  try {
    while (typed !== null && typing) {
      const [text, stream] = [typed, typing];
      typed = null;
      if (!text.trim()) {
        // Nothing to judge: no answer, and the next text starts from the initial state.
        if (stream.read) stream.restart();
        document.getElementById("sentiment-answer").hidden = true;
        Object.assign(live.dataset, { state: "idle", text });
        continue;
      }
      try {
        const probabilities = await stream.update(text);
        if (stream === typing) showLive(text, probabilities, stream);
      } catch (error) {
        if (stream !== typing) continue; // the model was replaced meanwhile
        live.dataset.state = "error";
        live.textContent = error.message;
        stream.restart(); // its state may be half-updated: start the next text afresh
      }
    }
  } finally {
    reading = false;
  }
}

function startTyping() {
  typing = classifier && classifier.streamState ? new TypingStream(classifier) : null;
  live.hidden = !typing;
  if (typing) {
    live.textContent = "Type a review: the sentiment follows as you type (stream_step).";
    typed = review.value;
    if (!reading) readTyped();
  }
}

review.addEventListener("input", () => {
  if (!typing || mode.value !== "on-device") return;
  typed = review.value;
  if (!reading) readTyped();
});

async function load(variant) {
  if (classifier) classifier.close(); // another variant: free the one loaded
  classifier = null;
  typing = null;
  live.hidden = true;
  show("loading", "Loading LiteRT.js and the phone model…");
  // Imported on first use: the page works in server mode on a server without LiteRT.js.
  loading = import("./on_device.mjs").then(
    ({ OnDeviceClassifier }) => OnDeviceClassifier.load("sentiment", variant || null),
    () => {
      throw new Error("LiteRT.js could not be loaded from this server: run `make web`.");
    },
  );
  try {
    classifier = await loading;
    const source = classifier.source;
    offerVariants(source);
    status.dataset.version = String(source.version);
    status.dataset.variant = source.variant;
    show(
      "ready",
      `On-device: sentiment version ${source.version}, ${source.file} ` +
        `(${Math.round(source.bytes / 1024)} KB) in LiteRT.js (WebAssembly). ` +
        "Texts stay in this browser.",
    );
    startTyping();
  } catch (error) {
    show("error", error.message);
  }
}

mode.addEventListener("change", () => {
  if (mode.value === "on-device") {
    load(variants.value);
  } else {
    status.hidden = true;
    variants.hidden = true;
    typing = null;
    live.hidden = true;
  }
});
variants.addEventListener("change", () => load(variants.value));

window.onDevice = {
  active: () => mode.value === "on-device",
  classify: async (text) => {
    if (!classifier && loading) await loading.catch(() => undefined);
    if (!classifier) throw new Error(status.textContent || "The on-device model is not loaded.");
    return classifier.classify(text);
  },
};

// /?mode=on-device opens the page in on-device mode.
if (new URLSearchParams(window.location.search).get("mode") === "on-device") {
  mode.value = "on-device";
  mode.dispatchEvent(new Event("change"));
}
