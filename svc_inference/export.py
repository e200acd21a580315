"""ONNX export: each XGBoost model through onnxmltools, merged into one bundle graph, parity-checked.

The bundle has one input, `features` (float32, N x 21), and one output, `outputs` (float32,
N x len(TARGETS)): column j is TARGETS[j] (the regressors' value, the classifiers' probability
of class 1). One graph means one onnxruntime call per prediction instead of six.

Before anything is registered, every model's ONNX output and the bundle's output are compared
with native XGBoost on the held-out test rows; a max absolute difference at or above the
tolerance refuses the export (ParityError).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from numpy.typing import NDArray
from onnx import TensorProto, compose, helper
from onnxmltools import convert_xgboost
from onnxmltools.convert.common.data_types import FloatTensorType

from svc_inference.labels import TARGETS
from svc_inference.training import TrainedModels, predict_native

TARGET_OPSET = 15
INPUT_NAME = "features"
OUTPUT_NAME = "outputs"


class ParityError(Exception):
    """ONNX predictions differ from native XGBoost by more than the tolerance."""


@dataclass(frozen=True)
class ExportedBundle:
    """The serialized bundle, its sha256 and the parity figures measured on the test part."""

    onnx_bytes: bytes
    sha256: str
    output_names: tuple[str, ...]
    max_abs_diff: dict[str, float]


def to_onnx(model: Any, n_features: int) -> onnx.ModelProto:
    """One XGBoost model as ONNX (opset 15)."""
    initial = [("input", FloatTensorType([None, n_features]))]
    return convert_xgboost(model, initial_types=initial, target_opset=TARGET_OPSET)


def _cpu_session(model_bytes: bytes) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    return ort.InferenceSession(model_bytes, opts, providers=["CPUExecutionProvider"])


def _model_output(proto: onnx.ModelProto, X: NDArray[np.float32]) -> NDArray[np.float64]:
    sess = _cpu_session(proto.SerializeToString())
    outs = sess.run(None, {sess.get_inputs()[0].name: X})
    value = outs[-1] if len(outs) > 1 else outs[0]  # classifiers: (label, probabilities)
    arr = np.asarray(value, dtype=np.float64)
    return arr[:, 1] if len(outs) > 1 else arr.reshape(-1)


def _score_node(prefix: str, proto: onnx.ModelProto, classifier: bool) -> tuple[list[Any], list[Any], str]:
    """Nodes and initializers that turn a prefixed model's output into one (N, 1) column."""
    graph_out = [o.name for o in proto.graph.output]
    col = f"{prefix}col"
    if classifier:
        starts = helper.make_tensor(f"{prefix}starts", TensorProto.INT64, [1], [1])
        ends = helper.make_tensor(f"{prefix}ends", TensorProto.INT64, [1], [2])
        axes = helper.make_tensor(f"{prefix}axes", TensorProto.INT64, [1], [1])
        node = helper.make_node(
            "Slice", [graph_out[-1], f"{prefix}starts", f"{prefix}ends", f"{prefix}axes"], [col]
        )
        return [node], [starts, ends, axes], col
    shape = helper.make_tensor(f"{prefix}shape", TensorProto.INT64, [2], [-1, 1])
    return [helper.make_node("Reshape", [graph_out[0], f"{prefix}shape"], [col])], [shape], col


def merge_bundle(
    protos: dict[str, onnx.ModelProto], classifiers: set[str], n_features: int
) -> onnx.ModelProto:
    """One graph: a shared input, every model's trees, one concatenated output in TARGETS order."""
    nodes: list[Any] = []
    inits: list[Any] = []
    cols: list[str] = []
    opsets: dict[str, int] = {"": TARGET_OPSET}
    for name in [t.name for t in TARGETS]:
        prefix = f"{name}__"
        model = compose.add_prefix(protos[name], prefix)
        old_input = model.graph.input[0].name
        for node in model.graph.node:
            node.input[:] = [INPUT_NAME if i == old_input else i for i in node.input]
        nodes.extend(model.graph.node)
        inits.extend(model.graph.initializer)
        extra_nodes, extra_inits, col = _score_node(prefix, model, name in classifiers)
        nodes.extend(extra_nodes)
        inits.extend(extra_inits)
        cols.append(col)
        for op in model.opset_import:
            opsets[op.domain] = max(opsets.get(op.domain, 0), op.version)
    nodes.append(helper.make_node("Concat", cols, [OUTPUT_NAME], axis=1))
    graph = helper.make_graph(
        nodes,
        "range_tpsl_bundle",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, [None, n_features])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, [None, len(cols)])],
        initializer=inits,
    )
    bundle = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets.items()])
    bundle.ir_version = max(p.ir_version for p in protos.values())
    onnx.checker.check_model(bundle)
    return bundle


def export_bundle(trained: TrainedModels, tolerance: float = 1e-4) -> ExportedBundle:
    """Convert, merge and parity-check; raises ParityError instead of returning a bad bundle."""
    X = trained.X_test
    n_features = X.shape[1]
    protos: dict[str, onnx.ModelProto] = {}
    native: dict[str, NDArray[np.float64]] = {}
    diffs: dict[str, float] = {}
    classifiers = {t.name for t in TARGETS if t.kind == "tpsl"}
    for t in TARGETS:
        model = trained.models[t.name]
        protos[t.name] = to_onnx(model, n_features)
        native[t.name] = predict_native(model, X)
        diffs[t.name] = float(np.max(np.abs(_model_output(protos[t.name], X) - native[t.name])))
    bundle = merge_bundle(protos, classifiers, n_features).SerializeToString()
    merged = _cpu_session(bundle).run(None, {INPUT_NAME: X})[0]
    for j, t in enumerate(TARGETS):
        diffs[f"bundle.{t.name}"] = float(np.max(np.abs(merged[:, j] - native[t.name])))
    worst = max(diffs, key=lambda k: diffs[k])
    if not diffs[worst] < tolerance:
        raise ParityError(f"ONNX differs from XGBoost on {worst}: {diffs[worst]:.3g} >= {tolerance}")
    return ExportedBundle(
        onnx_bytes=bundle,
        sha256=hashlib.sha256(bundle).hexdigest(),
        output_names=tuple(t.name for t in TARGETS),
        max_abs_diff=diffs,
    )
