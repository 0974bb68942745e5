// The sentiment model's word tokenizer in JavaScript: text -> ids, as the exported graph
// (`WordVectorizer`) and our Python port (shared/edge/tokenizers.py WordTokenizer) do.
// Checked against every row of an export's golden.json (tests/apps/serve/test_js_tokenizer.py,
// node) and in the browser (tests/apps/serve/test_on_device.py). Runs in browsers and node.
//
// Steps, as metadata.json's `tokenization` spec states them:
// 1. keep max_length * chars_per_token_cap characters (code points): the first ones
//    (truncate_from=end) or the last ones (start); a lone surrogate is invalid UTF-8 to
//    the graph and becomes three U+FFFD, as the graph decodes its bytes;
// 2. ICU NFKC_Casefold: each character as NFKC(c).toLowerCase() less the default-ignorable
//    characters, or its entry in CASE_FOLD_EXCEPTIONS (generated from the Python tokenizer:
//    ß -> ss, ς -> σ, ...), then NFC of the whole text;
// 3. the RE2 replacements: `<\s*br\s*/?\s*>` -> " ", `[‘’ʼ]` -> "'", where RE2's \s is
//    ASCII [\t\n\f\r ] (no \v);
// 4. every character that is not a letter, digit, mark, RE2 space or apostrophe becomes a
//    word of its own (`[^\p{L}\p{N}\p{M}\s']` with the u flag), then split on ASCII
//    whitespace \t\n\v\f\r and space, as tf.strings.split does;
// 5. keep max_length words (the first or the last ones), look each up ([UNK] = 1).
// The browser's own Unicode version does not leak in: code points unassigned in Unicode
// 15.0 (RE2's; UNASSIGNED) are never letters and never folded, except where
// CASE_FOLD_EXCEPTIONS says (ICU 16.0 mappings). Residual difference, as in the Python
// tokenizer: NFC composes marks of scripts newer than the browser's Unicode differently.
import { CASE_FOLD_EXCEPTIONS, DEFAULT_IGNORABLE, UNASSIGNED } from "./unicode_tables.mjs";

export const TOKENIZATION_SPEC_VERSION = 1;
// The RE2 patterns this port implements, as metadata.json spells them: a model whose
// metadata says otherwise is refused rather than tokenized differently.
export const RE2_PATTERNS = {
  htmlLineBreak: "<\\s*br\\s*/?\\s*>",
  typographicApostrophes: "[\u2018\u2019\u02bc]",
  punctuation: "([^\\p{L}\\p{N}\\p{M}\\s'])",
  splitOn: "\t\n\v\f\r ",
};

const HTML_LINE_BREAK = /<[\t\n\f\r ]*br[\t\n\f\r ]*\/?[\t\n\f\r ]*>/g;
const TYPOGRAPHIC_APOSTROPHES = /[\u2018\u2019\u02bc]/g;
// RE2's class, plus the code points a newer browser knows as letters and RE2 does not.
const PUNCTUATION = new RegExp(`[^\\p{L}\\p{N}\\p{M}\\t\\n\\f\\r ']|${UNASSIGNED.source}`, "gu");
const IGNORABLE = new RegExp(DEFAULT_IGNORABLE.source, "u");
const SPLIT_WHITESPACE = /[\t\n\v\f\r ]/;
const ASCII = /^[\x00-\x7f]*$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function asText(text) {
  // Python encodes a lone surrogate as 3 bytes (surrogatepass), which decode to 3 U+FFFD.
  return text.replace(LONE_SURROGATE, "\ufffd\ufffd\ufffd");
}

function foldCharacter(character) {
  const exception = CASE_FOLD_EXCEPTIONS.get(character.codePointAt(0));
  if (exception !== undefined) return exception;
  if (IGNORABLE.test(character)) return "";
  // Unknown to Unicode 15.0 (and to the Python tokenizer): a newer browser must not fold it.
  if (UNASSIGNED.test(character)) return character;
  return character.normalize("NFKC").toLowerCase().replace(DEFAULT_IGNORABLE, "");
}

/** NFKC_Casefold, then the HTML line break and apostrophe replacements. */
export function normalize(text) {
  text = asText(text);
  if (ASCII.test(text)) {
    text = text.toLowerCase();
  } else {
    let folded = "";
    for (const character of text) folded += foldCharacter(character);
    text = folded.normalize("NFC");
  }
  return text.replace(HTML_LINE_BREAK, " ").replace(TYPOGRAPHIC_APOSTROPHES, "'");
}

/** Words of a normalized text: punctuation isolated, split on ASCII whitespace. */
export function splitWords(normalized) {
  return normalized
    .replace(PUNCTUATION, " $& ")
    .split(SPLIT_WHITESPACE)
    .filter((word) => word !== "");
}

function sameSpec(tokenization) {
  const { normalize: steps, split_words: split } = tokenization;
  return (
    tokenization.version === TOKENIZATION_SPEC_VERSION &&
    steps.lowercase === "ICU NFKC_Casefold" &&
    JSON.stringify(steps.then_replace) ===
      JSON.stringify([
        [RE2_PATTERNS.htmlLineBreak, " "],
        [RE2_PATTERNS.typographicApostrophes, "'"],
      ]) &&
    JSON.stringify(split.isolate) === JSON.stringify([RE2_PATTERNS.punctuation, " \\1 "]) &&
    split.split_on === RE2_PATTERNS.splitOn
  );
}

export class WordTokenizer {
  /**
   * @param {string[]} vocabulary all tokens in id order, "[PAD]" and "[UNK]" first.
   * @param {number} maxLength ids per text.
   * @param {"end"|"start"} truncateFrom "end" keeps the first words, "start" the last.
   * @param {number} charsPerTokenCap characters kept per id before normalizing.
   */
  constructor(vocabulary, maxLength, truncateFrom = "end", charsPerTokenCap = 32) {
    if (vocabulary[0] !== "[PAD]" || vocabulary[1] !== "[UNK]") {
      throw new Error(
        `Expected a vocabulary starting with [PAD], [UNK]. Received: ${vocabulary.slice(0, 2)}`,
      );
    }
    if (truncateFrom !== "end" && truncateFrom !== "start") {
      throw new Error(`Expected truncateFrom "end" or "start". Received: ${truncateFrom}`);
    }
    this.maxLength = maxLength;
    this.truncateFrom = truncateFrom;
    this.maxChars = maxLength * charsPerTokenCap;
    this.ids = new Map();
    vocabulary.forEach((word, id) => {
      if (id > 1) this.ids.set(word, id);
    });
  }

  /** The tokenizer a sentiment export's metadata.json describes (refused if it differs). */
  static fromMetadata(metadata) {
    if (!sameSpec(metadata.tokenization)) {
      throw new Error(
        "Expected the tokenization this page implements (spec version " +
          `${TOKENIZATION_SPEC_VERSION}). Received another in metadata.json: ` +
          "update apps/serve/static/edge/word_tokenizer.mjs to it.",
      );
    }
    return new WordTokenizer(
      metadata.vocabulary,
      metadata.max_length,
      metadata.truncate_from,
      metadata.tokenization.words.chars_per_token_cap,
    );
  }

  /** Normalized words after the character cap, before truncation to maxLength. */
  tokenize(text) {
    // As the Python tokenizer: "start" decodes before it cuts, "end" after.
    if (this.truncateFrom === "start") text = asText(text);
    if (text.length > this.maxChars) {
      const characters = Array.from(text);
      if (characters.length > this.maxChars) {
        text = (
          this.truncateFrom === "end"
            ? characters.slice(0, this.maxChars)
            : characters.slice(-this.maxChars)
        ).join("");
      }
    }
    return splitWords(normalize(text));
  }

  /** The words the ids stand for: tokenize, truncated to maxLength. */
  keptWords(text) {
    const words = this.tokenize(text);
    return this.truncateFrom === "end"
      ? words.slice(0, this.maxLength)
      : words.slice(Math.max(0, words.length - this.maxLength));
  }

  /** Word ids, truncated to maxLength, not padded ([UNK] = 1 for unknown words). */
  encode(text) {
    return this.keptWords(text).map((word) => this.ids.get(word) ?? 1);
  }
}
