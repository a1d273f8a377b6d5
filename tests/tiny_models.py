"""Tiny randomly initialised models and a word-level tokenizer, built in-process (no hub)."""

from __future__ import annotations

from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import (
    BartConfig,
    BartForConditionalGeneration,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
    T5Config,
    T5ForConditionalGeneration,
)

SPECIALS = ["<pad>", "<s>", "</s>", "<unk>", "<|im_start|>", "<|im_end|>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
CORPUS = [
    "rebels",
    "captured",
    "the",
    "city",
    "of",
    "hama",
    "on",
    "thursday",
    "after",
    "days",
    "of",
    "fighting",
    ".",
    "president",
    "assad",
    "lost",
    "aleppo",
    ".",
    "thousands",
    "fled",
    "homs",
    "toward",
    "damascus",
    ".",
    "the",
    "united",
    "nations",
    "said",
    "civilians",
    "suffer",
    ".",
    "iran",
    "and",
    "russia",
    "back",
    "the",
    "government",
    ".",
    "write",
    "summarize",
    "headline",
    "sentence",
    "paragraph",
    "brief",
    "article",
    "text",
    "rewrite",
    "plain",
    "formal",
    "neutral",
    "concise",
    "paraphrase",
    "key",
    "points",
    "words",
    "facts",
    "only",
    "answer",
    "with",
    "above",
    ".",
    ",",
    ":",
    "<",
    ">",
    "/",
    "article",
    "text",
]


def build_tokenizer(folder: Path) -> PreTrainedTokenizerFast:
    tok = Tokenizer(models.WordLevel(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.decoder = decoders.WordPiece()  # joins word-level tokens with spaces
    tok.train_from_iterator([" ".join(CORPUS)], trainers.WordLevelTrainer(special_tokens=SPECIALS))
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", bos_token="<s>", eos_token="</s>", unk_token="<unk>"
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(folder)
    return fast


def tiny_llama_config(tok: PreTrainedTokenizerFast, hidden: int) -> LlamaConfig:
    return LlamaConfig(
        vocab_size=len(tok),
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )


def save_tiny_llama(folder: Path) -> Path:
    torch.manual_seed(0)
    tok = build_tokenizer(folder)
    LlamaForCausalLM(tiny_llama_config(tok, hidden=32)).save_pretrained(folder, safe_serialization=True)
    return folder


def save_tiny_bart(folder: Path) -> Path:
    torch.manual_seed(0)
    tok = build_tokenizer(folder)
    config = BartConfig(
        vocab_size=len(tok),
        d_model=32,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        max_position_embeddings=256,
        pad_token_id=tok.pad_token_id,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        decoder_start_token_id=tok.eos_token_id,
        forced_bos_token_id=None,
    )
    BartForConditionalGeneration(config).save_pretrained(folder, safe_serialization=True)
    return folder


def save_tiny_t5(folder: Path) -> Path:
    torch.manual_seed(0)
    tok = build_tokenizer(folder)
    config = T5Config(
        vocab_size=len(tok),
        d_model=32,
        d_ff=64,
        d_kv=8,
        num_layers=1,
        num_heads=2,
        pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id,
        decoder_start_token_id=tok.pad_token_id,
    )
    T5ForConditionalGeneration(config).save_pretrained(folder, safe_serialization=True)
    return folder


def snap_to_4bit_groups(weight: torch.Tensor, group: int = 32) -> torch.Tensor:
    """Round-trip a weight through 4-bit groups (a scale and a minimum per ``group`` inputs), as a
    Q4_1 GGUF stores it: what the embedded model's weights look like once dequantised."""
    rows, cols = weight.shape
    groups = weight.view(rows, cols // group, group)
    low, high = groups.amin(-1, keepdim=True), groups.amax(-1, keepdim=True)
    scale = ((high - low) / 15).half().float()  # Q4_1 keeps its scale and minimum as fp16
    low = low.half().float()
    steps = torch.clamp(torch.round((groups - low) / scale), 0, 15)
    return (steps * scale + low).view(rows, cols)


def save_tiny_llama_4bit(folder: Path) -> Path:
    """A tiny Llama wide enough for 4-bit groups (64 inputs), decoder weights on a 4-bit grid."""
    torch.manual_seed(0)
    tok = build_tokenizer(folder)
    model = LlamaForCausalLM(tiny_llama_config(tok, hidden=64))
    with torch.no_grad():
        for name, module in model.named_modules():
            if isinstance(module, torch.nn.Linear) and name.startswith("model.layers."):
                module.weight.copy_(snap_to_4bit_groups(module.weight))
    model.save_pretrained(folder, safe_serialization=True)
    return folder
