"""Picking the onnxruntime execution provider quietly: CUDA only when it really loads.

onnxruntime-gpu lists CUDAExecutionProvider even on a machine without a GPU or without the CUDA
libraries, and prints errors when asked for it. So before asking, check that the driver answers
with at least one device and that the CUDA provider library and its dependencies load.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import onnxruntime as ort

log = logging.getLogger(__name__)

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"


@dataclass(frozen=True)
class ProviderChoice:
    """The providers to pass to sessions, the one in front, and whether it is a GPU."""

    providers: tuple[str, ...]
    name: str
    gpu: bool
    why: str


def _cuda_devices() -> int:
    try:
        lib = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return 0
    if lib.cuInit(0) != 0:
        return 0
    count = ctypes.c_int(0)
    if lib.cuDeviceGetCount(ctypes.byref(count)) != 0:
        return 0
    return count.value


def _cuda_provider_loads() -> bool:
    capi = Path(ort.__file__).parent / "capi"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        preload = getattr(ort, "preload_dlls", None)
        if preload is not None:
            try:
                preload(directory="")  # CUDA/cuDNN from the nvidia-* wheels when installed
            except Exception:  # no such wheels: the CUDA provider check below decides
                log.debug("CUDA libraries not preloaded", exc_info=True)
    try:
        ctypes.CDLL(str(capi / "libonnxruntime_providers_shared.so"), mode=ctypes.RTLD_GLOBAL)
        ctypes.CDLL(str(capi / "libonnxruntime_providers_cuda.so"))
    except OSError:
        return False
    return True


@functools.cache
def choose_providers(prefer_gpu: bool = True) -> ProviderChoice:
    """CUDA then CPU when CUDA is usable and wanted, else CPU alone (decided once per process)."""
    cpu = ProviderChoice((CPU,), CPU, False, "")
    if not prefer_gpu:
        return ProviderChoice(cpu.providers, CPU, False, "GPU not wanted")
    if CUDA not in ort.get_available_providers():
        return ProviderChoice(cpu.providers, CPU, False, "onnxruntime built without CUDA")
    if _cuda_devices() == 0:
        return ProviderChoice(cpu.providers, CPU, False, "no CUDA device")
    if not _cuda_provider_loads():
        return ProviderChoice(cpu.providers, CPU, False, "CUDA libraries do not load")
    return ProviderChoice((CUDA, CPU), CUDA, True, "CUDA device found")


TREE_ENSEMBLE, TENSOR = "tree_ensemble", "tensor"


def bundle_for(choice: ProviderChoice, onnx_bytes: bytes) -> tuple[bytes, str]:
    """The form of a stored bundle to load with `choice`, and its name.

    The tree-ensemble operators run on the CPU only, so where CUDA really loads the bundle is
    compiled to tensor operations (`tensor_trees`) and checked against the stored form; a bundle
    that cannot be compiled or differs is served as stored. Without CUDA: as stored."""
    if not choice.gpu:
        return onnx_bytes, TREE_ENSEMBLE
    from svc_inference.tensor_trees import compile_bundle

    try:
        tensor, diff = compile_bundle(onnx_bytes)
    except Exception as err:  # parity, an unsupported ensemble, onnx or onnxruntime refusing it
        log.warning("serving the tree-ensemble form on %s: no tensor form (%s)", choice.name, err)
        return onnx_bytes, TREE_ENSEMBLE
    log.info("tensor form for %s, max |diff| %.2g against the stored bundle", choice.name, diff)
    return tensor, TENSOR
