# -*- Python -*-
# lit configuration for the recur test suite.

import os
import subprocess

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "RECUR"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.recur_obj_root, "test")

config.environment["FILECHECK_OPTS"] = "-enable-var-scope"
llvm_config.use_default_substitutions()

# Python tooling runs under Debian's interpreter, which has NumPy.
python = "/usr/bin/python3"
config.environment["PYTHONPATH"] = os.path.join(config.recur_src_root, "python")
config.substitutions.append(("%python", python))
# The tools python/recur/runner.py compiles and links with.
config.environment["RECUR_COMPILE"] = os.path.join(config.recur_tools_dir,
                                                   "recur-compile")
config.environment["RECUR_CC"] = config.c_compiler
# What linking the runtime library (build/runtime) needs beyond the library:
# the sanitizers' runtimes in the sanitizer build.
config.environment["RECUR_RUNTIME_LDFLAGS"] = config.runtime_link_flags
if config.runtime_link_flags:
    # The sanitizer build (scripts/sanitize.sh).
    config.available_features.add("sanitizers")
config.substitutions.append(("%cc", config.c_compiler))
# What an object from recur-compile links with (python/recur/runner.py).
config.substitutions.append(("%recur_libs", "-lomp -lm"))
config.substitutions.append(("%recur_src", config.recur_src_root))
config.substitutions.append(("%recur_obj", config.recur_obj_root))

llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
tool_dirs = [config.recur_tools_dir, config.llvm_tools_dir]
tools = ["recur-opt", "recur-compile", "recur-safetensors"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
# Upstream's tools, for tests that write SPIR-V kernels themselves.
llvm_config.add_tool_substitutions(["mlir-opt", "mlir-translate"],
                                   [config.llvm_tools_dir])

# The Vulkan runtime (runtime/vulkan.c): what a program links for it, and
# the `vulkan` feature when the library was built and Vulkan has a device
# (lavapipe, mesa-vulkan-drivers, where there is no GPU). The probe creates
# an instance in a child process, so that no driver is loaded into lit.
VULKAN_PROBE = """
import ctypes, sys
try:
    vk = ctypes.CDLL("libvulkan.so.1")
except OSError:
    sys.exit(1)
class InstanceCreateInfo(ctypes.Structure):
    _fields_ = [("sType", ctypes.c_int), ("pNext", ctypes.c_void_p),
                ("flags", ctypes.c_uint32), ("app", ctypes.c_void_p),
                ("layers", ctypes.c_uint32), ("layer_names", ctypes.c_void_p),
                ("extensions", ctypes.c_uint32),
                ("extension_names", ctypes.c_void_p)]
instance, count = ctypes.c_void_p(), ctypes.c_uint32(0)
info = InstanceCreateInfo(sType=1)  # VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO
if vk.vkCreateInstance(ctypes.byref(info), None, ctypes.byref(instance)):
    sys.exit(1)
vk.vkEnumeratePhysicalDevices(instance, ctypes.byref(count), None)
vk.vkDestroyInstance(instance, None)
sys.exit(0 if count.value else 1)
"""


def vulkan_available():
    library = config.vulkan_link_flags.split()[:1]
    if not library or not os.path.exists(library[0]):
        return False
    try:
        return subprocess.run([python, "-c", VULKAN_PROBE],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL,
                              timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


config.substitutions.append(
    ("%recur_vulkan_libs",
     f"{config.vulkan_link_flags} {config.runtime_link_flags}"))
# What python/recur/runtime.py links a vulkan-target object with.
config.environment["RECUR_VULKAN_LDFLAGS"] = (
    f"{config.vulkan_link_flags} {config.runtime_link_flags}")
config.environment["RECUR_RUNTIME_INCLUDE"] = os.path.join(
    config.recur_src_root, "runtime", "include")
if vulkan_available():
    config.available_features.add("vulkan")

# The CUDA runtime (runtime/cuda.c): what a program links for it, the
# `cuda-toolkit` feature when the library was built (with the toolkit's
# headers, for the tests' fake driver, and its ptxas, `cuda-ptxas`), and
# the `cuda-driver` feature when `nvidia-smi -L` lists a GPU.
def cuda_toolkit_available():
    library = config.cuda_link_flags.split()[:1]
    return bool(library) and os.path.exists(library[0])


def cuda_driver_available():
    try:
        listed = subprocess.run(["nvidia-smi", "-L"], capture_output=True,
                                text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return listed.returncode == 0 and "GPU " in listed.stdout


config.substitutions.append(
    ("%recur_cuda_libs",
     f"{config.cuda_link_flags} {config.runtime_link_flags}"))
config.substitutions.append(("%cuda_include", config.cuda_include_dir))
config.substitutions.append(("%ptxas", config.cuda_ptxas))
# What python/recur/runtime.py may link a cuda-target object with.
config.environment["RECUR_CUDA_LDFLAGS"] = (
    f"{config.cuda_link_flags} {config.runtime_link_flags}")
if cuda_toolkit_available():
    config.available_features.add("cuda-toolkit")
if config.cuda_ptxas and os.path.exists(config.cuda_ptxas):
    config.available_features.add("cuda-ptxas")
if cuda_driver_available():
    config.available_features.add("cuda-driver")
