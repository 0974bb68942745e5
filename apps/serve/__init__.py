"""A local serving endpoint speaking TensorFlow Serving's REST API, with a demo page.

    python -m apps.serve [--model-root saved_models] [--port 8501]

Serves the latest version of every model under `saved_models/` (TF Serving's layout) on
127.0.0.1:8501 with TF Serving's REST API: `GET /v1/models/{name}[/versions/{v}]`
(status), `.../metadata` (signatures) and `POST .../{name}[/versions/{v}]:predict`
(`instances` or `inputs`, optional `signature_name`). New versions are loaded and warmed
up in the background and switched to without a restart; concurrent requests are merged
into batches; `/` is a demo page. See `apps/serve/README.md`.

Files, one responsibility each:
    config.py        ServeConfig: every setting and its default
    signatures.py    SignatureDefs read from saved_model.pb (metadata, input specs)
    json_inputs.py   TF Serving's JSON to arrays: row/columnar bodies, b64, type checks
    json_outputs.py  arrays to TF Serving's JSON: predictions/outputs, float digits
    limits.py        caps on instances and text length
    servable.py      one loaded version: load, replay warmup (progress), call a signature
    manager.py       which version serves; polling, background loads, atomic switch
    version_folder.py  is a version folder complete (settled, whole SavedModel)?
    connections.py   header timeout, per-address and overall limits on idle connections
    request_merging.py  per-signature queues, merged calls on worker threads
    api.py           the /v1/ routes, TF Serving's paths and error words
    app.py           the Starlette app: API, demo page, /debug/stats (batching, loads)
    loadtest.py      `python -m apps.serve.loadtest`: bounded concurrent load test
    coldstart.py     `python -m apps.serve.coldstart`: seconds to AVAILABLE per model
    static/          the demo page (HTML, CSS, JS; nothing loaded from elsewhere)

Differences from TF Serving that remain (a client written against this server works
against TF Serving, except where it relies on the first two):

- `:predict` and `:classify` (on a signature whose method_name is classify, e.g.
  sentiment's `classification`: `{"signature_name": "classification", "examples":
  [{"text": "..."}]}`); `:regress` answers 400 (or 404 for an unknown model) without
  reading the body (no export has a regress signature). No version labels
  (`/labels/...` answers 400 "Unrecognized servable version label"), no gRPC, no
  `/monitoring/prometheus`, no model config file: every folder of the model root holding
  an integer version is a model, served with the `latest { num_versions: 1 }` policy.
- Caps TF Serving does not have: request body (413), instances per request and characters
  per string (400); each error names the limit and its flag.
- Stricter: unknown names in a columnar `inputs` object, and inputs whose rank does not
  match the signature, are refused before the model runs (TF Serving ignores the first
  and fails the second inside TensorFlow, with its own message).
- Answers are compact JSON (TF Serving pretty-prints); keys of an output object are
  sorted. Floats carry the same digits TF Serving writes, except that Python writes
  `9e+06` as `9000000.0` (the same number). A string output that is not valid UTF-8 is
  written with U+FFFD replacements (TF Serving would write the raw bytes).
- Batching: requests over `--max-batch-size` rows are split into several calls (TF
  Serving refuses them unless `enable_large_batch_splitting`); a failed merged batch is
  retried request by request, so one bad request does not fail the others; rows of
  different shapes are never padded together (TF Serving's `pad_variable_length_inputs`
  is off by default too).
- At startup TF Serving keeps its ports closed until every model has loaded, and
  refuses to start when one fails (after its load retries: "N servable(s) did not become
  available"). This server listens at once and reports each version LOADING in the
  status API until it is warmed up (predict: TF Serving's 404 "Servable not found for
  request"), serves the models that load, and reports a failed version (state END, the
  error); a version is AVAILABLE after one warmup shape per signature, the others are
  replayed while it serves (`--warmup-before-available all`: TF Serving's way), and a
  corrupt newest version leaves the newest older one that loads serving. A
  failed version, at startup or later, is retried at the first poll after its files
  change, or else every `--load-retry-interval-seconds` up to `--max-load-retries` times
  (TF Serving retries only on its interval); the previous version keeps serving meanwhile.
- Back-pressure: `--max-enqueued-batches` is counted per queue as TF Serving does, and
  answered with its UNAVAILABLE words (503); uvicorn's `--limit-concurrency` also bounds
  the requests in progress (its 503 is plain text, not `{"error": ...}`).
- XLA: the SavedModels' XLA-compiled functions run here as they are; TF Serving needs
  `--xla_cpu_compilation_enabled=true` for them (see the top-level README, "Deploy").
- TF Serving's error texts are reproduced where a client might match on them (not found,
  parse and type errors); TensorFlow runtime errors are passed on without Python's
  "Graph execution error" preamble.
"""
