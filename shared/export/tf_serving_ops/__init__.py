"""Which ops a stock TF Serving binary registers, and whether an export keeps to them.

`registered_ops.txt` lists the ops of TF Serving 2.21's stock binary (TensorFlow core
2.21 plus the TensorFlow Text 2.12.1 ops its images embed); `make_op_list.py` made it
from the real packages. `op_check.unregistered_ops` lists what an exported SavedModel
uses beyond that list.
"""
