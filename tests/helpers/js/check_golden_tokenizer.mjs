// node check_golden_tokenizer.mjs EXPORT_DIR: the demo page's JavaScript word tokenizer
// over every row of EXPORT_DIR/golden.json (tokenizer built from EXPORT_DIR/metadata.json).
// Prints one JSON line {"rows", "mismatches": [{"case", "field", "expected", "received"}]}
// and exits 1 when a row differs.
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { WordTokenizer } from "../../../apps/serve/static/edge/word_tokenizer.mjs";

const directory = process.argv[2];
const read = (name) => JSON.parse(readFileSync(join(directory, name), "utf8"));
const tokenizer = WordTokenizer.fromMetadata(read("metadata.json"));
const golden = read("golden.json");
const mismatches = [];
for (const row of golden.rows) {
  const received = { words: tokenizer.keptWords(row.text), ids: tokenizer.encode(row.text) };
  for (const field of ["words", "ids"]) {
    if (JSON.stringify(received[field]) !== JSON.stringify(row[field])) {
      mismatches.push({ case: row.case, field, expected: row[field], received: received[field] });
    }
  }
}
console.log(JSON.stringify({ rows: golden.rows.length, mismatches }));
process.exitCode = mismatches.length ? 1 : 0;
