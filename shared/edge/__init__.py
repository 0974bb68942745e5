"""On-device (phone-like) runners: pure Python, numpy and LiteRT, never TensorFlow."""
