// The demo page: calls TF Serving's REST API on this server, as any client would.
"use strict";

const MODELS = ["sentiment", "translation"];
const VERSION_RETRY_MS = 2000; // how often a LOADING version is looked at again

async function callApi(path, body) {
  // Returns the parsed JSON answer; throws an Error carrying the server's message.
  let response;
  try {
    response = await fetch(path, body === undefined ? {} : {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new Error(`Could not reach the server: ${error.message}`);
  }
  let answer;
  try {
    answer = await response.json();
  } catch (error) {
    throw new Error(`HTTP ${response.status}: the answer was not JSON`);
  }
  if (!response.ok) {
    throw new Error(`HTTP ${response.status}: ${answer.error || JSON.stringify(answer)}`);
  }
  return answer;
}

async function showServedVersions() {
  // A version still warming up (server just started): look again until it is served.
  let retryLater = false;
  for (const model of MODELS) {
    const item = document.getElementById(`version-${model}`);
    try {
      const status = await callApi(`/v1/models/${model}`);
      const rows = status.model_version_status.filter((s) => s.state === "AVAILABLE");
      const loading = status.model_version_status.filter((s) => s.state === "LOADING");
      item.textContent = rows.length
        ? `${model}: version ${rows.map((s) => s.version).join(", ")} (AVAILABLE)`
        : loading.length
          ? `${model}: version ${loading[0].version} LOADING (warming up; checking again)`
          : `${model}: no version available`;
      item.dataset.version = rows.map((s) => s.version).join(",");
      item.dataset.state = rows.length ? "available" : loading.length ? "loading" : "error";
      if (!rows.length && loading.length) retryLater = true;
    } catch (error) {
      item.textContent = `${model}: not served (${error.message})`;
      item.dataset.state = "error";
    }
  }
  if (retryLater) setTimeout(showServedVersions, VERSION_RETRY_MS);
}

function wire({ input, button, result, answer, error, run }) {
  // One form: send the text, show the answer or the error, never both.
  const box = document.getElementById(input);
  const go = document.getElementById(button);
  const resultBox = document.getElementById(result);
  const answerBox = document.getElementById(answer);
  const errorBox = document.getElementById(error);
  async function submit() {
    const text = box.value.trim() ? box.value : box.placeholder;
    box.value = text;
    go.disabled = true;
    resultBox.dataset.state = "pending";
    errorBox.hidden = true;
    try {
      await run(text);
      answerBox.hidden = false;
      resultBox.dataset.state = "done";
    } catch (failure) {
      answerBox.hidden = true;
      errorBox.textContent = failure.message;
      errorBox.hidden = false;
      resultBox.dataset.state = "error";
    } finally {
      go.disabled = false;
    }
  }
  go.addEventListener("click", submit);
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) submit();
  });
}

function showSentiment(row, source, detail) {
  // The answer box; also filled as you type in on-device mode (edge/page.mjs).
  document.getElementById("sentiment-result").dataset.source = source;
  const labelIndex = row.probabilities.indexOf(Math.max(...row.probabilities));
  const probability = row.probabilities[labelIndex];
  document.getElementById("sentiment-label").textContent = row.label;
  const shown = document.getElementById("sentiment-probability");
  shown.textContent = `${(probability * 100).toFixed(1)}%`;
  shown.dataset.probability = String(probability);
  shown.dataset.probabilities = JSON.stringify(row.probabilities);
  document.getElementById("sentiment-tokens").textContent = detail;
}

wire({
  input: "review", button: "classify", result: "sentiment-result",
  answer: "sentiment-answer", error: "sentiment-error",
  run: async (text) => {
    // On-device mode (edge/page.mjs): the model runs in this browser; nothing is sent.
    const onDevice = Boolean(window.onDevice && window.onDevice.active());
    const row = onDevice
      ? await window.onDevice.classify(text)
      : (await callApi("/v1/models/sentiment:predict", { instances: [text] })).predictions[0];
    showSentiment(row, onDevice ? "on-device" : "server",
      `(${row.token_count} words${onDevice ? ", computed in this browser" : ""})`);
  },
});

wire({
  input: "spanish", button: "translate", result: "translation-result",
  answer: "translation-answer", error: "translation-error",
  run: async (text) => {
    const signature = document.getElementById("decoding").value;
    const answer = await callApi("/v1/models/translation:predict", {
      signature_name: signature, instances: [text],
    });
    const row = answer.predictions[0];
    document.getElementById("translation-output").textContent = row.translation;
    const note = document.getElementById("translation-note");
    note.dataset.sourceTokenCount = String(row.source_token_count);
    note.textContent = (row.translation ? "" : "The model returned an empty translation. ")
      + `${row.source_token_count} source subword tokens; ${signature}.`;
  },
});

showServedVersions();
