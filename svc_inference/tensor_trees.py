"""The models as tensor operations, a form onnxruntime's CUDA provider runs on the GPU.

onnxruntime's `TreeEnsembleRegressor/Classifier` operators have CPU kernels only, so a bundle made
of them runs on the CPU even inside a CUDA session. This module compiles the same trees into plain
tensor operations, all with CUDA kernels (the GEMM strategy of Hummingbird, written directly with
`onnx.helper`). For each ensemble of T trees, padded to I internal nodes and L leaves each:

    V = Gather(X, node_feature)                      (N, T*I)  the feature each node tests
    V = Where(IsNaN(V), missing_fill, V)                       NaN -> -FLT_MAX where the node sends
                                                               missing values left, +FLT_MAX where right
    S = Cast(Less(V, threshold)) -> (T, N, I)                  1 where the row goes left (x < threshold)
    P = MatMul(S, path)                              (T, N, L)  path[t, i, l] = +1 if leaf l lies left of
                                                               node i, -1 if right, 0 if not below it
    H = Cast(Equal(P, lefts))                                  lefts[t, l] = left turns on l's path:
                                                               1 exactly at the leaf the row reaches
    y = ReduceSum(MatMul(H, leaf_value), trees) + base         (N, 1), then Sigmoid for classifiers

XGBoost's rule is the one reproduced: go left when x < threshold, missing values follow the node's
default direction. Trees are read from a fitted XGBoost model (`from_xgboost`) or from the
tree-ensemble bundle the registry stores (`from_tree_ensemble`), so a served model needs nothing
more than its artifact. Every compilation is checked against its source (max |diff| < 1e-4, else
ParityError).

Memory: the (T, N, I) and (T, N, L) intermediates grow with rows x trees; `score_in_chunks` bounds
large batches.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from numpy.typing import NDArray
from onnx import TensorProto, helper, numpy_helper

from svc_inference.export import INPUT_NAME, OUTPUT_NAME, TARGET_OPSET, ParityError

FLT_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class Tree:
    """One binary tree: children -1 at leaves; `value` is the leaf value (unused at branches)."""

    feature: NDArray[np.int64]
    threshold: NDArray[np.float32]
    left: NDArray[np.int64]
    right: NDArray[np.int64]
    missing_left: NDArray[np.bool_]
    value: NDArray[np.float32]

    def walk(self) -> tuple[list[int], list[tuple[int, list[tuple[int, bool]]]]]:
        """Internal nodes (in visiting order) and each leaf with its path [(node, went_left)]."""
        internal: list[int] = []
        leaves: list[tuple[int, list[tuple[int, bool]]]] = []
        stack: list[tuple[int, list[tuple[int, bool]]]] = [(0, [])]
        while stack:
            node, path = stack.pop()
            if self.left[node] < 0:
                leaves.append((node, path))
                continue
            internal.append(node)
            stack.append((int(self.right[node]), [*path, (node, False)]))
            stack.append((int(self.left[node]), [*path, (node, True)]))
        return internal, leaves


@dataclass(frozen=True)
class Ensemble:
    trees: tuple[Tree, ...]
    base: float  # added to the sum of the leaves (the margin for classifiers)
    logistic: bool


def _model_json(model: Any) -> dict[str, Any]:
    booster = model.get_booster() if hasattr(model, "get_booster") else model
    data: dict[str, Any] = json.loads(booster.save_raw("json"))
    return data


def _base_score(learner: dict[str, Any]) -> float:
    raw = learner["learner_model_param"]["base_score"]
    return float(raw.strip("[]").split(",")[0])


def from_xgboost(model: Any) -> Ensemble:
    """The trees prediction uses (up to the early-stopping best iteration) of a fitted XGBoost model."""
    learner = _model_json(model)["learner"]
    objective = learner["objective"]["name"]
    if objective not in ("reg:squarederror", "binary:logistic"):
        raise ValueError(f"no tensor form for objective {objective}")
    gb = learner["gradient_booster"]
    if gb["name"] != "gbtree":
        raise ValueError(f"no tensor form for booster {gb['name']}")
    trees = gb["model"]["trees"]
    try:
        trees = trees[: int(model.best_iteration) + 1]
    except AttributeError:
        pass
    out = []
    for t in trees:
        left = np.asarray(t["left_children"], dtype=np.int64)
        out.append(
            Tree(
                feature=np.asarray(t["split_indices"], dtype=np.int64),
                threshold=np.asarray(t["split_conditions"], dtype=np.float32),
                left=left,
                right=np.asarray(t["right_children"], dtype=np.int64),
                missing_left=np.asarray(t["default_left"], dtype=bool),
                value=np.asarray(t["split_conditions"], dtype=np.float32),
            )
        )
    base = _base_score(learner)
    logistic = objective == "binary:logistic"
    if logistic:
        base = math.log(base / (1.0 - base))
    return Ensemble(tuple(out), base, logistic)


def _attrs(node: onnx.NodeProto) -> dict[str, Any]:
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def from_tree_ensemble(node: onnx.NodeProto) -> Ensemble:
    """The trees of one `TreeEnsembleRegressor` or binary `TreeEnsembleClassifier` (BRANCH_LT only)."""
    a = _attrs(node)
    modes = [m.decode() for m in a["nodes_modes"]]
    if set(modes) - {"BRANCH_LT", "LEAF"}:
        raise ValueError(f"unsupported node modes {set(modes)}")
    classifier = node.op_type == "TreeEnsembleClassifier"
    prefix = "class" if classifier else "target"
    if classifier and set(a["class_ids"]) != {0}:
        raise ValueError("only binary classifiers with one score are supported")
    post = a.get("post_transform", b"NONE").decode()
    if post not in ("NONE", "LOGISTIC") or (post == "LOGISTIC") != classifier:
        raise ValueError(f"unsupported post_transform {post}")
    tree_ids = np.asarray(a["nodes_treeids"])
    node_ids = np.asarray(a["nodes_nodeids"])
    weights: dict[tuple[int, int], float] = {}
    for t, n, w in zip(a[f"{prefix}_treeids"], a[f"{prefix}_nodeids"], a[f"{prefix}_weights"], strict=True):
        weights[(t, n)] = weights.get((t, n), 0.0) + w
    trees = []
    for t in np.unique(tree_ids):
        rows = np.nonzero(tree_ids == t)[0]
        size = int(node_ids[rows].max()) + 1
        feature, left, right = (
            np.zeros(size, np.int64),
            np.full(size, -1, np.int64),
            np.full(size, -1, np.int64),
        )
        threshold, value = np.zeros(size, np.float32), np.zeros(size, np.float32)
        missing = np.zeros(size, bool)
        for r in rows:
            n = int(node_ids[r])
            if modes[r] == "LEAF":
                value[n] = weights.get((int(t), n), 0.0)
                continue
            feature[n], threshold[n] = a["nodes_featureids"][r], a["nodes_values"][r]
            left[n], right[n] = a["nodes_truenodeids"][r], a["nodes_falsenodeids"][r]
            missing[n] = bool(a["nodes_missing_value_tracks_true"][r])
        trees.append(Tree(feature, threshold, left, right, missing, value))
    base = float(a.get("base_values", [0.0])[0])
    return Ensemble(tuple(trees), base, classifier)


@dataclass(frozen=True)
class Matrices:
    """The ensemble padded to (T trees, I internal nodes, L leaves)."""

    feature: NDArray[np.int64]  # (T*I,)
    threshold: NDArray[np.float32]  # (T*I,)
    missing_fill: NDArray[np.float32]  # (T*I,)
    path: NDArray[np.float32]  # (T, I, L)
    lefts: NDArray[np.float32]  # (T, 1, L)
    leaf_value: NDArray[np.float32]  # (T, L, 1)


def matrices(ens: Ensemble) -> Matrices:
    walked = [tree.walk() for tree in ens.trees]
    T = len(ens.trees)
    I = max(1, max(len(internal) for internal, _ in walked))  # noqa: E741
    L = max(len(leaves) for _, leaves in walked)
    feature = np.zeros((T, I), np.int64)
    threshold = np.zeros((T, I), np.float32)
    fill = np.zeros((T, I), np.float32)
    path = np.zeros((T, I, L), np.float32)
    lefts = np.full((T, 1, L), -1.0, np.float32)  # padded leaves: never reached (and worth 0)
    value = np.zeros((T, L, 1), np.float32)
    for t, (tree, (internal, leaves)) in enumerate(zip(ens.trees, walked, strict=True)):
        slot = {node: i for i, node in enumerate(internal)}
        for i, node in enumerate(internal):
            feature[t, i] = tree.feature[node]
            threshold[t, i] = tree.threshold[node]
            fill[t, i] = -FLT_MAX if tree.missing_left[node] else FLT_MAX
        for k, (leaf, steps) in enumerate(leaves):
            for node, went_left in steps:
                path[t, slot[node], k] = 1.0 if went_left else -1.0
            lefts[t, 0, k] = sum(went_left for _, went_left in steps)
            value[t, k, 0] = tree.value[leaf]
    return Matrices(feature.reshape(-1), threshold.reshape(-1), fill.reshape(-1), path, lefts, value)


def ensemble_nodes(
    ens: Ensemble, prefix: str, x: str
) -> tuple[list[onnx.NodeProto], list[onnx.TensorProto], str]:
    """Nodes and initializers computing `ens` on input `x` (N, F) into one (N, 1) column."""
    m = matrices(ens)
    T, I, _ = m.path.shape  # noqa: E741

    def name(s: str) -> str:
        return f"{prefix}{s}"

    inits = [
        numpy_helper.from_array(m.feature, name("feature")),
        numpy_helper.from_array(m.threshold, name("threshold")),
        numpy_helper.from_array(m.missing_fill, name("missing_fill")),
        numpy_helper.from_array(m.path, name("path")),
        numpy_helper.from_array(m.lefts, name("lefts")),
        numpy_helper.from_array(m.leaf_value, name("leaf_value")),
        numpy_helper.from_array(np.array([0, T, I], np.int64), name("shape_nti")),
        numpy_helper.from_array(np.array([0], np.int64), name("axis0")),
        numpy_helper.from_array(np.array([ens.base], np.float32), name("base")),
    ]
    nodes = [
        helper.make_node("Gather", [x, name("feature")], [name("v")], axis=1),
        helper.make_node("IsNaN", [name("v")], [name("nan")]),
        helper.make_node("Where", [name("nan"), name("missing_fill"), name("v")], [name("v2")]),
        helper.make_node("Less", [name("v2"), name("threshold")], [name("goes_left")]),
        helper.make_node("Cast", [name("goes_left")], [name("s_flat")], to=TensorProto.FLOAT),
        helper.make_node("Reshape", [name("s_flat"), name("shape_nti")], [name("s_nti")]),
        helper.make_node("Transpose", [name("s_nti")], [name("s")], perm=[1, 0, 2]),
        helper.make_node("MatMul", [name("s"), name("path")], [name("p")]),
        helper.make_node("Equal", [name("p"), name("lefts")], [name("hit")]),
        helper.make_node("Cast", [name("hit")], [name("onehot")], to=TensorProto.FLOAT),
        helper.make_node("MatMul", [name("onehot"), name("leaf_value")], [name("per_tree")]),
        helper.make_node("ReduceSum", [name("per_tree"), name("axis0")], [name("sum")], keepdims=0),
        helper.make_node("Add", [name("sum"), name("base")], [name("margin")]),
    ]
    if ens.logistic:
        nodes.append(helper.make_node("Sigmoid", [name("margin")], [name("col")]))
    else:
        nodes.append(helper.make_node("Identity", [name("margin")], [name("col")]))
    return nodes, inits, name("col")


def bundle_model(ensembles: Sequence[Ensemble], n_features: int) -> onnx.ModelProto:
    """One graph over the shared `features` input: each ensemble a column of `outputs`, in order."""
    nodes: list[onnx.NodeProto] = []
    inits: list[onnx.TensorProto] = []
    cols = []
    for j, ens in enumerate(ensembles):
        n, i, col = ensemble_nodes(ens, f"m{j}__", INPUT_NAME)
        nodes += n
        inits += i
        cols.append(col)
    nodes.append(helper.make_node("Concat", cols, [OUTPUT_NAME], axis=1))
    graph = helper.make_graph(
        nodes,
        "tensor_trees_bundle",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, [None, n_features])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, [None, len(cols)])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", TARGET_OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def ensembles_of_bundle(bundle: onnx.ModelProto) -> list[Ensemble]:
    """The tree ensembles of an export bundle, in the order of its output columns."""
    producers = {out: node for node in bundle.graph.node for out in node.output}
    concat = producers[OUTPUT_NAME]
    out = []
    for col in concat.input:
        node = producers[col]
        while node.domain != "ai.onnx.ml":  # Slice / Reshape back to the ensemble
            node = producers[node.input[0]]
        out.append(from_tree_ensemble(node))
    return out


def cpu_session(
    model_bytes: bytes, providers: Sequence[str] = ("CPUExecutionProvider",)
) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    return ort.InferenceSession(model_bytes, opts, providers=list(providers))


def probe_rows(
    ensembles: Sequence[Ensemble], n_features: int, rows: int = 512, seed: int = 0
) -> NDArray[np.float32]:
    """Rows that sit on, just below and just above the thresholds, with some missing values."""
    rng = np.random.default_rng(seed)
    by_feature: list[list[float]] = [[] for _ in range(n_features)]
    for ens in ensembles:
        for tree in ens.trees:
            for f, thr, left in zip(tree.feature, tree.threshold, tree.left, strict=True):
                if left >= 0:
                    by_feature[int(f)].append(float(thr))
    X = rng.standard_normal((rows, n_features)).astype(np.float32)
    for f, values in enumerate(by_feature):
        if not values:
            continue
        picked = np.asarray(values, np.float32)[rng.integers(0, len(values), rows)]
        nudge = rng.integers(-1, 2, rows)
        picked = np.where(
            nudge < 0,
            np.nextafter(picked, -np.inf),
            np.where(nudge > 0, np.nextafter(picked, np.inf), picked),
        )
        X[:, f] = picked
    X[rng.random(X.shape) < 0.05] = np.nan
    return X


def check_parity(
    tensor: bytes, reference: NDArray[np.float64], X: NDArray[np.float32], tolerance: float = 1e-4
) -> float:
    """Max |tensor form - reference| on X; ParityError at or above `tolerance`."""
    got = cpu_session(tensor).run([OUTPUT_NAME], {INPUT_NAME: X})[0]
    diff = float(np.max(np.abs(got - reference))) if X.shape[0] else 0.0
    if not diff < tolerance:
        raise ParityError(f"tensor form differs by {diff:.3g} >= {tolerance}")
    return diff


def compile_xgboost(
    models: Sequence[Any], X: NDArray[np.float32], tolerance: float = 1e-4
) -> tuple[bytes, float]:
    """The tensor bundle of fitted XGBoost models (one column each), parity-checked on X."""
    from svc_inference.training import predict_native

    bundle = bundle_model([from_xgboost(m) for m in models], X.shape[1]).SerializeToString()
    reference = np.column_stack([predict_native(m, X) for m in models])
    return bundle, check_parity(bundle, reference, X, tolerance)


def compile_bundle(onnx_bytes: bytes, tolerance: float = 1e-4) -> tuple[bytes, float]:
    """The tensor form of a tree-ensemble export bundle, checked against it on probe rows."""
    source = onnx.load_from_string(onnx_bytes)
    n_features = int(source.graph.input[0].type.tensor_type.shape.dim[1].dim_value)
    ensembles = ensembles_of_bundle(source)
    bundle = bundle_model(ensembles, n_features).SerializeToString()
    X = probe_rows(ensembles, n_features)
    reference = cpu_session(onnx_bytes).run([OUTPUT_NAME], {INPUT_NAME: X})[0]
    return bundle, check_parity(bundle, reference, X, tolerance)


def score_in_chunks(
    session: ort.InferenceSession, X: NDArray[np.float32], chunk: int = 8192
) -> NDArray[np.float32]:
    """Run a large batch in slices of `chunk` rows (bounds the (trees, rows, nodes) intermediates)."""
    parts = [
        session.run([OUTPUT_NAME], {INPUT_NAME: X[i : i + chunk]})[0] for i in range(0, X.shape[0], chunk)
    ]
    return np.concatenate(parts) if parts else np.zeros((0, 0), np.float32)
