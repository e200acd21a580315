from __future__ import annotations

from dataclasses import replace

import numpy as np
import onnx
import pytest
import xgboost as xgb
from onnx import TensorProto, helper

from svc_inference.export import INPUT_NAME, OUTPUT_NAME, ExportedBundle, ParityError
from svc_inference.providers import (
    CPU,
    CUDA,
    TENSOR,
    TREE_ENSEMBLE,
    ProviderChoice,
    bundle_for,
    choose_providers,
)
from svc_inference.tensor_trees import (
    bundle_model,
    check_parity,
    compile_bundle,
    compile_xgboost,
    cpu_session,
    from_xgboost,
    score_in_chunks,
)
from svc_inference.training import TrainedModels, predict_native

# every op the tensor form may use has a CUDA kernel in onnxruntime
CUDA_OPS = {"Gather", "IsNaN", "Where", "Less", "Cast", "Reshape", "Transpose", "MatMul", "Equal",
            "ReduceSum", "Add", "Sigmoid", "Identity", "Concat"}  # fmt: skip
GPU = ProviderChoice((CUDA, CPU), CUDA, True, "as if CUDA loaded")
NO_GPU = ProviderChoice((CPU,), CPU, False, "no CUDA device")


def _data(seed: int, rows: int = 500, missing: float = 0.15) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, 6)).astype(np.float32)
    y = X[:, 0] * 2 + X[:, 1] ** 2 - X[:, 2] * X[:, 3] + 0.1 * rng.standard_normal(rows)
    X[rng.random(X.shape) < missing] = np.nan  # XGBoost sends these the node's default way
    return X, y


@pytest.mark.parametrize("depth", [1, 3, 6])
def test_tensor_form_matches_xgboost_for_regressors_and_classifiers(depth: int) -> None:
    X, y = _data(depth)
    reg = xgb.XGBRegressor(n_estimators=30, max_depth=depth, random_state=1, n_jobs=1).fit(X, y)
    clf = xgb.XGBClassifier(n_estimators=30, max_depth=depth, random_state=1, n_jobs=1).fit(X, y > 1)
    X_new, _ = _data(100 + depth)
    bundle, diff = compile_xgboost([reg, clf], X_new)
    assert diff < 1e-5
    out = cpu_session(bundle).run([OUTPUT_NAME], {INPUT_NAME: X_new})[0]
    assert np.isnan(X_new).any()
    assert np.abs(out[:, 0] - reg.predict(X_new)).max() < 1e-4
    assert np.abs(out[:, 1] - clf.predict_proba(X_new)[:, 1]).max() < 1e-4
    assert {node.op_type for node in onnx.load_from_string(bundle).graph.node} <= CUDA_OPS


def test_early_stopped_models_keep_only_their_best_trees(trained: TrainedModels) -> None:
    models = list(trained.models.values())
    X = trained.X_test.copy()
    X[::7, 3] = np.nan
    _, diff = compile_xgboost(models, X)
    assert diff < 1e-4
    for model in models:
        assert len(from_xgboost(model).trees) == model.best_iteration + 1 <= model.n_estimators


def test_the_stored_bundle_compiles_to_the_same_outputs(
    bundle: ExportedBundle, trained: TrainedModels
) -> None:
    tensor, diff = compile_bundle(bundle.onnx_bytes)
    assert diff < 1e-4
    out = cpu_session(tensor).run([OUTPUT_NAME], {INPUT_NAME: trained.X_test})[0]
    native = np.column_stack([predict_native(m, trained.X_test) for m in trained.models.values()])
    assert np.abs(out - native).max() < 1e-4
    assert not [n for n in onnx.load_from_string(tensor).graph.node if n.domain == "ai.onnx.ml"]
    chunked = score_in_chunks(cpu_session(tensor), trained.X_test, chunk=33)
    assert np.array_equal(chunked, out)


def test_a_tree_that_is_a_single_leaf() -> None:
    X = np.random.default_rng(0).standard_normal((50, 3)).astype(np.float32)
    model = xgb.XGBRegressor(n_estimators=3, max_depth=3).fit(X, np.full(50, 2.5))
    ens = from_xgboost(model)
    assert all(tree.left[0] < 0 for tree in ens.trees)
    assert compile_xgboost([model], X)[1] < 1e-5


def test_a_form_that_differs_is_refused() -> None:
    X, y = _data(3)
    model = xgb.XGBRegressor(n_estimators=10, max_depth=3, n_jobs=1).fit(X, y)
    ens = from_xgboost(model)
    first = ens.trees[0]
    wrong = replace(ens, trees=(replace(first, threshold=first.threshold + 0.5), *ens.trees[1:]))
    bundle = bundle_model([wrong], X.shape[1]).SerializeToString()
    with pytest.raises(ParityError):
        check_parity(bundle, model.predict(X)[:, None].astype(np.float64), X)


def test_without_cuda_the_stored_form_is_served(bundle: ExportedBundle) -> None:
    assert bundle_for(NO_GPU, bundle.onnx_bytes) == (bundle.onnx_bytes, TREE_ENSEMBLE)
    choice = choose_providers(True)  # this machine: CUDA only if the driver and libraries really load
    _, form = bundle_for(choice, bundle.onnx_bytes)
    assert form == (TENSOR if choice.gpu else TREE_ENSEMBLE)


def test_with_cuda_the_tensor_form_is_chosen_and_a_bundle_it_cannot_compile_is_served_as_stored(
    bundle: ExportedBundle, trained: TrainedModels
) -> None:
    tensor, form = bundle_for(GPU, bundle.onnx_bytes)
    assert form == TENSOR
    stored = cpu_session(bundle.onnx_bytes).run([OUTPUT_NAME], {INPUT_NAME: trained.X_test})[0]
    assert (
        np.abs(cpu_session(tensor).run([OUTPUT_NAME], {INPUT_NAME: trained.X_test})[0] - stored).max() < 1e-4
    )
    graph = helper.make_graph(
        [helper.make_node("Identity", [INPUT_NAME], [OUTPUT_NAME])],
        "no_trees",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, [None, 2])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, [None, 2])],
    )
    odd = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)]).SerializeToString()
    assert bundle_for(GPU, odd) == (odd, TREE_ENSEMBLE)
