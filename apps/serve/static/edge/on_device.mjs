// The demo page's on-device mode: the served version's sentiment phone model
// (saved_models/sentiment/<version>/tflite/sentiment_<variant>.tflite) runs in this
// browser through LiteRT.js (WebAssembly), with the JavaScript word tokenizer: texts never
// leave the page. Every file comes from this server (/edge/..., /litertjs/...).
import { getGlobalLiteRt, loadAndCompile, loadLiteRt, Tensor } from "@litertjs/core";

import { WordTokenizer } from "./word_tokenizer.mjs";

const WASM_DIRECTORY = "/litertjs/core/wasm/";
const SIGNATURE = "serving_default";
const STREAM_SIGNATURE = "stream_step"; // stream-capable runs: one chunk + the state in
const INPUT = "token_ids";
const OUTPUT = "probabilities";
const PAD_ID = 0;
// A stream reads every word of every chunk (no max_length cut, no character cap), as
// shared/edge/sentiment_stream.py does.
const UNLIMITED_LENGTH = Math.floor(Number.MAX_SAFE_INTEGER / 64);
const SHAPE_MISMATCH =
  /type (\w+)\[([-\d, ]*)\] does not match expected ranked tensor type (\w+)\[([-\d, ]*)\]/;

let runtime = null; // the LiteRT.js WebAssembly module, loaded once

/**
 * Whether LiteRT.js can load the export's `variant`: not a fused-LSTM model (LiteRT.js
 * 2.5.3 refuses the variable tensors its state lives in). A fused export also writes an
 * unfused browser model, whose `models` entry says `"fused_lstm": false`.
 */
export function runsInBrowser(metadata, variant) {
  const entry = metadata.models[variant] || {};
  return entry.fused_lstm === false || (entry.fused_lstm === undefined && !metadata.fused_lstm);
}

function browserVariant(metadata) {
  // The default when it runs here, else the browser model (a fused export's).
  const variants = [metadata.default_variant, ...Object.keys(metadata.models)];
  return variants.find((v) => runsInBrowser(metadata, v)) || metadata.default_variant;
}

async function getJson(path) {
  const response = await fetch(path);
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${answer.error || path}`);
  return answer;
}

function fitsDynamicDimensions(message) {
  // Same dtype and rank, and equal sizes wherever the model fixes one (-1: any size).
  const match = SHAPE_MISMATCH.exec(message);
  if (!match) return false;
  const [, dtype, given, expectedDtype, expected] = match;
  const sizes = given.split(",").map(Number);
  const allowed = expected.split(",").map(Number);
  return (
    dtype === expectedDtype &&
    sizes.length === allowed.length &&
    allowed.includes(-1) &&
    sizes.every((size, i) => allowed[i] === -1 || size === allowed[i])
  );
}

function acceptDynamicDimensions() {
  // LiteRT.js 2.5.3 compares an input buffer's shape with the signature's, where a dynamic
  // dimension is -1, so it refuses every text length of a [1, -1] input before running;
  // its C++ CompiledModel resizes the input itself ("Automatically resized input tensor").
  // Accept exactly that case; every other mismatch still fails.
  const wasm = getGlobalLiteRt().liteRtWasm;
  const check = wasm.checkTensorBufferCompatible;
  wasm.checkTensorBufferCompatible = (...args) => {
    try {
      return check(...args);
    } catch (error) {
      if (!fitsDynamicDimensions(String(error.message))) throw error;
      return undefined;
    }
  };
}

async function loadRuntime() {
  if (!runtime) {
    runtime = loadLiteRt(WASM_DIRECTORY).then((liteRt) => {
      acceptDynamicDimensions();
      return liteRt;
    });
    runtime.catch(() => {
      runtime = null; // let a later attempt try again
    });
  }
  return runtime;
}

export class OnDeviceClassifier {
  /**
   * The newest served version's phone model of `variant` (default: the export's, or its
   * browser model when the export's default has the fused LSTM).
   * Throws an Error a person can act on when something is missing.
   */
  static async load(model = "sentiment", variant = null) {
    const listing = await getJson(`/edge/${model}`);
    if (!listing.litertjs) {
      throw new Error("LiteRT.js is not installed on this server: run `make web`.");
    }
    const latest = listing.versions[0];
    if (!latest) {
      throw new Error(
        `No phone models in the served ${model} versions: \`make export\` writes them ` +
          `(saved_models/${model}/<version>/tflite/).`,
      );
    }
    const base = `/edge/${model}/${latest.version}/`;
    const metadata = await getJson(`${base}metadata.json`);
    const tokenizer = WordTokenizer.fromMetadata(metadata);
    variant = variant || browserVariant(metadata);
    if (!metadata.models[variant]) {
      throw new Error(`No ${variant} model in version ${latest.version}.`);
    }
    await loadRuntime();
    const file = metadata.models[variant].file;
    let compiled;
    try {
      compiled = await loadAndCompile(`${base}${file}`, { accelerator: "wasm" });
    } catch (error) {
      if (!runsInBrowser(metadata, variant)) {
        const other = browserVariant(metadata);
        const instead = runsInBrowser(metadata, other)
          ? `Pick the ${other} model (${metadata.models[other].file}, the same export ` +
            "without the fused LSTM)."
          : "Export the run again (`make export` writes a browser model beside the fused " +
            "ones), or with `rnn-sentiment export --no-fused-lstm`.";
        throw new Error(
          `LiteRT.js cannot load ${file}: its fused LSTM keeps its state in variable ` +
            `tensors, which LiteRT.js 2.5.3 does not support yet. ${instead} ` +
            `(${error.message})`,
        );
      }
      throw error;
    }
    return new OnDeviceClassifier(compiled, metadata, tokenizer, {
      model,
      version: latest.version,
      variant,
      file,
      bytes: metadata.models[variant].bytes,
      variants: Object.keys(metadata.models),
      runnable: Object.fromEntries(
        Object.keys(metadata.models).map((v) => [v, runsInBrowser(metadata, v)]),
      ),
    });
  }

  constructor(compiled, metadata, tokenizer, source) {
    this.compiled = compiled;
    this.labels = metadata.labels;
    this.tokenizer = tokenizer;
    this.source = source;
    const length = metadata.signatures[SIGNATURE].inputs[INPUT].shape[1];
    this.fixedLength = length === -1 ? null : length;
    this.queue = Promise.resolve(); // one model call at a time
    // {name: {size, initial}} when the model has `stream_step` (sentiment as you type).
    this.streamState =
      metadata.signatures[STREAM_SIGNATURE] && metadata.stream_state ? metadata.stream_state : null;
    if (this.streamState) {
      const { vocabulary, truncate_from: side, tokenization } = metadata;
      const cap = tokenization.words.chars_per_token_cap;
      this.streamTokenizer = new WordTokenizer(vocabulary, UNLIMITED_LENGTH, side, cap);
    }
  }

  /** Frees the compiled model (WebAssembly memory) once the calls under way are done. */
  close() {
    return this.serialized(async () => this.compiled.delete());
  }

  /** Calls the model one at a time (LiteRT.js runs one call per compiled model). */
  serialized(work) {
    const call = this.queue.then(work);
    this.queue = call.catch(() => undefined);
    return call;
  }

  /** The model input for one text, as our Python runner builds it. */
  tokenIds(text) {
    const ids = this.tokenizer.encode(text);
    if (this.fixedLength !== null) {
      const padded = new Array(this.fixedLength).fill(PAD_ID);
      ids.slice(0, this.fixedLength).forEach((id, i) => {
        padded[i] = id;
      });
      return padded;
    }
    return ids.length ? ids : [PAD_ID]; // an empty text: one [PAD], fully masked
  }

  async run(signature, inputs) {
    const outputs = await this.compiled.run(signature, inputs);
    const values = {};
    for (const [name, tensor] of Object.entries(outputs)) {
      values[name] = Array.from(tensor.toTypedArray());
      tensor.delete();
    }
    return values;
  }

  /** `{label, probabilities, token_count}` for one text, as the REST API answers. */
  classify(text) {
    return this.serialized(async () => {
      const ids = this.tokenIds(text);
      const input = new Tensor(new Int32Array(ids), [1, ids.length]);
      try {
        const probabilities = (await this.run(SIGNATURE, { [INPUT]: input }))[OUTPUT];
        const best = probabilities.indexOf(Math.max(...probabilities));
        return {
          label: this.labels[best],
          probabilities,
          token_count: this.tokenizer.encode(text).length,
        };
      } finally {
        input.delete();
      }
    });
  }

  /** The state of a stream that has read nothing: `{name: Float32Array}`. */
  initialState() {
    const state = {};
    for (const [name, { size, initial }] of Object.entries(this.streamState)) {
      state[name] = new Float32Array(size).fill(initial);
    }
    return state;
  }

  /**
   * Reads one chunk of a text with `stream_step`: `{probabilities, state}`, the
   * probabilities of everything read so far and the state to pass with the next chunk.
   */
  streamStep(chunk, state) {
    return this.serialized(async () => {
      const ids = this.streamTokenizer.encode(chunk);
      if (!ids.length) ids.push(PAD_ID); // an all-padding chunk changes nothing
      const inputs = { [INPUT]: new Tensor(new Int32Array(ids), [1, ids.length]) };
      for (const [name, values] of Object.entries(state)) {
        inputs[name] = new Tensor(Float32Array.from(values), [1, values.length]);
      }
      try {
        const outputs = await this.run(STREAM_SIGNATURE, inputs);
        const next = {};
        for (const name of Object.keys(this.streamState)) next[name] = outputs[name];
        return { probabilities: outputs[OUTPUT], state: next };
      } finally {
        for (const tensor of Object.values(inputs)) tensor.delete();
      }
    });
  }
}
