"""SavedModel -> builtins-only `.tflite` phone models, in three precisions, verified.

The converted models run on LiteRT alone (no Flex, no custom ops), so a phone needs no
TensorFlow. One export, whichever the app (`phone_export.write_phone_export`, driven by a
small `PhoneExportSpec` from `apps/<app>/tflite.py`):
save endpoints -> convert every variant -> verify -> common tensor names -> metadata ->
embed its fingerprint -> verify again -> write. The modules, in that order:
- `converter`: `save_endpoints` (an ExportArchive SavedModel, so the weights come along)
  and `convert_saved_model` (converter settings per variant, fused-LSTM clipping removed);
- `fused_lstm`: the shared BiLSTM encoder on TFLite's fused LSTM op (4-5x faster than the
  `WHILE` loop a Keras 3 LSTM converts to), computing exactly what Keras computes;
- `state_zeroing`: the fused op's variable states zeroed inside every call, so no model
  carries state from one call to the next and no runner needs a reset;
- `verification`: what every converted model must pass (builtins only, weights present,
  outputs within `PROBE_TOLERANCE` of TensorFlow on probes, unchanged by the fingerprint);
- `loop_signatures`: the checks of whole-loop decoding signatures (`greedy`,
  `beam_search`) against TensorFlow and against the phone runner's numpy decoding;
- `variants`: `convert_variants`, `embed_fingerprint`, `write_variants`;
- `phone_export`: the orchestration above and the spec an app fills in.
Two failure modes of the converter are checked rather than trusted: a model that needs
non-builtin ops, and a model converted without its weights (which the converter produces
without any error from a bare `tf.Module` holding Keras 3 layers).
Variant names, file names and signature names come from the TensorFlow-free runners
(`shared.edge`), so the exporter and the runners cannot disagree on them.
"""


class TFLiteExportError(RuntimeError):
    """A conversion failed, needs non-builtin ops, or gives outputs unlike TensorFlow's."""
