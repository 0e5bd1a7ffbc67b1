"""Last-position logits of a Hugging Face Llama checkpoint, in float32, for given input embeddings.

Usage: hf_llama_logits.py MODEL_DIR INPUTS.safetensors OUT.safetensors
INPUTS holds "inputs_embeds" [N, hidden]; OUT receives "logits" [vocab].
"""
import sys

import torch
from safetensors.torch import load_file, save_file
from transformers import LlamaForCausalLM

model_dir, inputs_file, out_file = sys.argv[1:4]
model = LlamaForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32).eval()
embeds = load_file(inputs_file)["inputs_embeds"].unsqueeze(0)
with torch.no_grad():
    logits = model(inputs_embeds=embeds).logits[0, -1]
save_file({"logits": logits.contiguous()}, out_file)
