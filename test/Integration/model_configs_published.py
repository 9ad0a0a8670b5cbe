# The model front end (`python3 -m recur.models`) on configs as Hugging
# Face and the model authors publish them: every family's example config
# with the fields published config.json files carry beyond the
# configuration class (what saved it, training and initialization
# settings, token ids, flags of features left off: null or false) is
# accepted, and --verbose lists each ignored field; fields outside the
# class with a value that may change the computation are all named in one
# error, and so are values of known fields that the model does not
# support; a config of another model_type is refused; RecurrentGemma's
# block_types saved as `_block_types` (as Hugging Face writes it) is read,
# and a disagreeing pair refused; every whole model's directory (build
# --verbose) likewise, RWKV-6's rescale_every and Nemotron-3's rotary
# fields listed as ignored; Kimi
# Linear's unsupported MLA and MoE values named in one message. Nothing is compiled.
#
# RUN: rm -rf %t && mkdir -p %t && %python %s %t %recur_src

import contextlib
import io
import json
import os
import sys

from recur.models import FAMILIES, whole
from recur.models.__main__ import main

WORK, SRC = sys.argv[1], sys.argv[2]
CONFIGS = os.path.join(SRC, "examples", "configs")

# Fields of published config.json files outside the configuration classes.
PUBLISHED_EXTRAS = {
    "_name_or_path": "org/model-7b",
    "transformers_version": "4.57.1",
    "torch_dtype": "bfloat16",
    "initializer_range": 0.02,
    "use_cache": True,
    "bos_token_id": 0,
    "eos_token_id": [1, 2],
    "time_step_scale": 1.0,
    "use_sliding_window": False,
    "quantization": None,
    "sliding_window_pattern": None,
}


def run(args):
    """(status, stderr lines) of python3 -m recur.models ARGS."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(args)
    return status, err.getvalue().splitlines()


def write(name: str, fields) -> str:
    path = os.path.join(WORK, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(fields, f)
    return path


def example(family: str):
    with open(os.path.join(CONFIGS, f"{family}-tiny.json")) as f:
        return json.load(f)


def expect(condition, what):
    if not condition:
        sys.exit(f"FAIL: {what}")


def published(family: str) -> None:
    fields = {**example(family), **PUBLISHED_EXTRAS}
    # Fields of the class itself stay what the example has.
    fields.update({k: v for k, v in example(family).items()})
    path = write(f"{family}/published.json", fields)
    out = os.path.join(WORK, family, "out.mlir")
    status, lines = run([family, "--config", path, "-o", out, "--verbose"])
    expect(status == 0, f"{family}: published config refused: {lines}")
    ignored = [line for line in lines if line.startswith("ignored field")]
    for name in ("_name_or_path", "use_sliding_window", "quantization"):
        expect(any(line.startswith(f"ignored field {name}:")
                   for line in ignored), f"{family}: {name} not listed "
               f"as ignored: {ignored}")
    expect("ignored field use_sliding_window: is false" in ignored,
           f"{family}: {ignored}")
    status, lines = run([family, "--config", path, "-o", out])
    expect(status == 0 and not any(line.startswith("ignored")
                                   for line in lines),
           f"{family}: ignored fields listed without --verbose")
    print(f"ok {family}: published fields accepted, {len(ignored)} "
          "ignored")

    # Fields outside the class that may change the computation: one
    # message naming every one of them.
    odd = {**fields, "attention_scaling": 2.0, "use_fancy_norm": True,
           "rope_scaling_type": "yarn"}
    status, lines = run([family, "--config",
                         write(f"{family}/odd.json", odd), "-o", out])
    expect(status == 1 and len(lines) == 1 and all(
        f"'{name}'" in lines[0] for name in
        ("attention_scaling", "use_fancy_norm", "rope_scaling_type")),
        f"{family}: {status} {lines}")
    print(f"ok {family}: {lines[0]}")

    # A config of another model.
    other = {**fields, "model_type": "llama"}
    status, lines = run([family, "--config",
                         write(f"{family}/other.json", other), "-o", out])
    expect(status == 1 and len(lines) == 1 and "model_type" in lines[0] and
           "llama" in lines[0], f"{family}: {status} {lines}")


def block_types() -> None:
    """RecurrentGemma's block_types under the name Hugging Face saves."""
    fields = example("recurrent_gemma_hybrid")
    types = fields.pop("block_types", ["recurrent", "recurrent", "attention"])
    out = os.path.join(WORK, "rg.mlir")
    saved = {**fields, "_block_types": types}
    status, lines = run(["recurrent_gemma_hybrid", "--config",
                         write("rg/saved.json", saved), "-o", out])
    expect(status == 0, f"_block_types: {lines}")
    with open(out) as f:
        text = f.read()
    expect(("temporal_block_k_proj" in text) == ("attention" in types),
           "_block_types not read")
    both = {**saved, "block_types": ["recurrent"]}
    status, lines = run(["recurrent_gemma_hybrid", "--config",
                         write("rg/both.json", both), "-o", out])
    expect(status == 1 and "_block_types" in lines[0], f"both: {lines}")
    print(f"ok _block_types read; disagreeing pair: {lines[0]}")


def unsupported_values() -> None:
    """Values of known fields that the model does not support: one
    message naming them all, for a block and for a whole model."""
    fields = {**example("mamba2"), "hidden_act": "gelu", "rms_norm": False,
              "time_step_limit": [0.0, 1.0]}
    out = os.path.join(WORK, "unsupported.mlir")
    status, lines = run(["mamba2", "--config",
                         write("unsupported/mamba2.json", fields), "-o", out])
    expect(status == 1 and len(lines) == 1 and "3 unsupported fields" in
           lines[0] and all(f"'{name}'" in lines[0] for name in
                            ("hidden_act", "rms_norm", "time_step_limit")),
           f"unsupported values: {status} {lines}")
    print(f"ok {lines[0]}")
    directory = os.path.join(WORK, "unsupported-model")
    write("unsupported-model/config.json",
          {**example("qwen3_next"), "hidden_act": "gelu",
           "rope_scaling": {"rope_type": "yarn", "factor": 4.0}})
    status, lines = run(["build", directory, "-o",
                         os.path.join(directory, "model.mlir")])
    expect(status == 1 and len(lines) == 1 and "'hidden_act'" in lines[0]
           and "'rope_scaling'" in lines[0], f"whole model: {lines}")
    print(f"ok {lines[0]}")
    # Kimi Linear's MLA and MoE: every unsupported value at once.
    write("unsupported-kimi/config.json",
          {**example("kimi_linear"), "mla_use_nope": False,
           "q_lora_rank": 64, "num_expert_group": 2,
           "moe_router_activation_func": "softmax"})
    directory = os.path.join(WORK, "unsupported-kimi")
    status, lines = run(["build", directory, "-o",
                         os.path.join(directory, "model.mlir")])
    expect(status == 1 and len(lines) == 1 and all(
        f"'{name}'" in lines[0] for name in
        ("mla_use_nope", "q_lora_rank", "topk_group",
         "moe_router_activation_func")), f"kimi_linear: {lines}")
    print(f"ok {lines[0]}")


# The example config of each whole model's family (by model_type).
WHOLE_EXAMPLES = {
    "mamba": "mamba", "mamba2": "mamba2", "nemotron_h": "nemotron_h_model",
    "qwen3_next": "qwen3_next", "recurrent_gemma": "recurrent_gemma_hybrid",
    "gla": "gla", "retnet": "retnet", "hgrn2": "hgrn2_model",
    "rwkv6": "rwkv6", "kimi_linear": "kimi_linear", "qwen3_5": "qwen3_5"}


def whole_model() -> None:
    """Every whole model's directory with a published config.json."""
    expect(set(WHOLE_EXAMPLES) == set(whole.FAMILY_MODULES),
           f"whole models without an example: {sorted(whole.FAMILY_MODULES)}")
    for family, name in sorted(WHOLE_EXAMPLES.items()):
        directory = os.path.join(WORK, f"{family}-model")
        write(f"{family}-model/config.json",
              {**example(name), **PUBLISHED_EXTRAS})
        status, lines = run(["build", directory, "-o",
                             os.path.join(directory, "model.mlir"),
                             "--verbose"])
        expect(status == 0 and "ignored field quantization: is null" in
               lines, f"{family} whole model: {status} {lines[:5]}")
        print(f"ok {family} whole model: published fields accepted")
        # RWKV-6's f16 rescaling does not change the function, nor do
        # Nemotron-3's rotary fields (its attention has no RoPE): listed.
        listed = {"rwkv6": ["rescale_every"],
                  "nemotron_h": ["rope_theta", "partial_rotary_factor"]}
        for name in listed.get(family, []):
            expect(any(line.startswith(f"ignored field {name}:")
                       for line in lines),
                   f"{family}: {name} not listed: {lines}")


def main_test() -> None:
    for family in sorted(FAMILIES):
        published(family)
    block_types()
    unsupported_values()
    whole_model()
    print("model configs published: OK")


if __name__ == "__main__":
    main_test()
