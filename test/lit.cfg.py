# -*- Python -*-
# lit configuration for the recur test suite.

import os

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
config.substitutions.append(("%cc", config.c_compiler))
# What an object from recur-compile links with (python/recur/runner.py).
config.substitutions.append(("%recur_libs", "-lomp -lm"))
config.substitutions.append(("%recur_src", config.recur_src_root))

llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
tool_dirs = [config.recur_tools_dir, config.llvm_tools_dir]
tools = ["recur-opt", "recur-compile", "recur-safetensors"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
