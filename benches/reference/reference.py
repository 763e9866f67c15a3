#!/usr/bin/env python3
"""Yardstick for examples/throughput.rs: the Hugging Face `transformers` token-classification
pipeline on the SAME weights (a portavoz model folder) and the same texts, in float32.

It reads the model folder itself, with no portavoz code:
  * config.json is rust-bert's BertConfig JSON, mapped here to an XLMRobertaConfig;
  * model.safetensors is parsed with json + numpy: F16/F32 tensors, and the U8 word-embedding
    table whose metadata key `q4:<name>` = "rows x cols" holds Q4_0 blocks (per 32 values,
    18 bytes: an f16 scale d, then 16 bytes q; value j = ((q[j] & 15) - 8) * d and
    value j + 16 = ((q[j] >> 4) - 8) * d);
  * tokenizer.json through PreTrainedTokenizerFast.

The corpus is a JSONL file of {"id", "text"} records (throughput.rs writes one to a temporary
folder). Each document is one pipeline call, `aggregation_strategy="first"`, long texts cut into
windows of 128 subwords overlapping by 32 (as portavoz does), the windows of a document run in
batches of up to 32; one warm-up document first. It prints a human summary, then one JSON line
(prefixed `REFERENCE_JSON `) with the figures.

Set-up (once):  ~/.cache/portavoz/venv/bin/pip install transformers==4.44.2
Run:            ~/.cache/portavoz/venv/bin/python benches/reference/reference.py \
                    --model models/portavoz-ner-es --corpus corpus.jsonl
"""
import argparse
import json
import os
import resource
import statistics
import struct
import sys
import time

import numpy as np
import torch


def read_safetensors(path):
    """Name -> float32 numpy array, dequantizing Q4_0 tables."""
    with open(path, "rb") as f:
        data = f.read()
    (head_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + head_len])
    body = memoryview(data)[8 + head_len :]
    meta = header.pop("__metadata__", {}) or {}
    out = {}
    for name, info in header.items():
        start, end = info["data_offsets"]
        raw = body[start:end]
        dtype, shape = info["dtype"], info["shape"]
        if dtype == "F32":
            arr = np.frombuffer(raw, dtype="<f4").reshape(shape)
        elif dtype == "F16":
            arr = np.frombuffer(raw, dtype="<f2").astype(np.float32).reshape(shape)
        elif dtype == "U8":
            rows, cols = (int(x) for x in meta["q4:" + name].split("x"))
            arr = dequantize_q4(np.frombuffer(raw, dtype=np.uint8), rows, cols)
        else:
            raise SystemExit(f"{path}: {name} has unsupported dtype {dtype}")
        out[name] = arr
    return out


def dequantize_q4(raw, rows, cols):
    blocks = raw.reshape(-1, 18)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n, 1)
    q = blocks[:, 2:]
    lo = (q & 0x0F).astype(np.int8) - 8
    hi = (q >> 4).astype(np.int8) - 8
    values = np.concatenate([lo, hi], axis=1).astype(np.float32) * scale
    return values.reshape(rows, cols)


def build_config(path):
    from transformers import XLMRobertaConfig

    with open(path) as f:
        c = json.load(f)
    id2label = {int(k): v for k, v in (c.get("id2label") or {}).items()}
    return XLMRobertaConfig(
        vocab_size=c["vocab_size"],
        hidden_size=c["hidden_size"],
        num_hidden_layers=c["num_hidden_layers"],
        num_attention_heads=c["num_attention_heads"],
        intermediate_size=c["intermediate_size"],
        hidden_act=c["hidden_act"],  # rust-bert's "gelu" is the erf form, as is transformers'
        hidden_dropout_prob=c["hidden_dropout_prob"],
        attention_probs_dropout_prob=c["attention_probs_dropout_prob"],
        max_position_embeddings=c["max_position_embeddings"],
        type_vocab_size=c["type_vocab_size"],
        initializer_range=c["initializer_range"],
        layer_norm_eps=1e-12,  # rust-bert's BERT/RoBERTa layer norms
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
    )


def load(model_dir, window, stride, batch_size, dtype="fp32"):
    from transformers import PreTrainedTokenizerFast, XLMRobertaForTokenClassification, pipeline

    config = build_config(os.path.join(model_dir, "config.json"))
    with torch.device("meta"):
        model = XLMRobertaForTokenClassification(config)
    tensors = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    state = {k: torch.from_numpy(v if v.flags.writeable else v.copy()) for k, v in tensors.items()}
    missing, unexpected = model.load_state_dict(state, strict=False, assign=True)
    missing = [m for m in missing if not m.endswith("position_ids")]
    if missing or unexpected:
        raise SystemExit(f"weights do not fit XLMRobertaForTokenClassification: missing {missing}, unexpected {unexpected}")
    model = model.float().eval()
    if dtype == "bf16":
        # bfloat16 weights and activations (oneDNN runs them on AMX); the pipeline's
        # post-processing reads the logits with numpy, which needs them back in float32.
        model = model.to(torch.bfloat16)
        model.classifier.register_forward_hook(lambda _module, _inputs, output: output.float())
    # Buffers left on the meta device (position_ids, token_type_ids) are rebuilt on the CPU.
    emb = model.roberta.embeddings
    n_pos = config.max_position_embeddings
    emb.register_buffer("position_ids", torch.arange(n_pos).expand((1, -1)), persistent=False)
    emb.register_buffer("token_type_ids", torch.zeros((1, n_pos), dtype=torch.long), persistent=False)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_file=os.path.join(model_dir, "tokenizer.json"),
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        model_max_length=window,
    )
    ner = pipeline(
        "token-classification",
        model=model,
        tokenizer=tokenizer,
        aggregation_strategy="first",
        stride=stride,
        batch_size=batch_size,
        device=-1,
        framework="pt",
    )
    return ner, tokenizer


def peak_rss_mb():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def percentile(values, p):
    s = sorted(values)
    if not s:
        return 0.0
    k = (len(s) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--corpus", required=True, help="JSONL with id and text")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--window", type=int, default=128)
    ap.add_argument("--stride", type=int, default=32)
    ap.add_argument("--docs-per-call", type=int, default=1)
    ap.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32", help="number format of the weights and activations")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    import transformers

    with open(args.corpus) as f:
        docs = [json.loads(line) for line in f if line.strip()]
    texts = [d["text"] for d in docs]

    t0 = time.perf_counter()
    ner, tokenizer = load(args.model, args.window, args.stride, args.batch_size, args.dtype)
    load_s = time.perf_counter() - t0

    words = sum(len(t.split()) for t in texts)
    enc = tokenizer(
        texts,
        truncation=True,
        max_length=args.window,
        stride=args.stride,
        return_overflowing_tokens=True,
    )
    subwords = sum(len(ids) for ids in enc["input_ids"])

    with torch.inference_mode():
        ner([texts[0]])  # warm-up, not counted
        latencies = []
        entities = 0
        t_all = time.perf_counter()
        for i in range(0, len(texts), args.docs_per_call):
            group = texts[i : i + args.docs_per_call]
            t = time.perf_counter()
            out = ner(group)
            latencies.append(time.perf_counter() - t)
            entities += sum(len(o) for o in out)
        total_s = time.perf_counter() - t_all

    result = {
        "engine": f"transformers {transformers.__version__} / torch {torch.__version__} {args.dtype}",
        "threads": args.threads,
        "docs": len(texts),
        "words": words,
        "subwords": subwords,
        "entities": entities,
        "seconds": total_s,
        "words_per_s": words / total_s,
        "subwords_per_s": subwords / total_s,
        "latency_p50_ms": 1000 * percentile(latencies, 50),
        "latency_p95_ms": 1000 * percentile(latencies, 95),
        "latency_mean_ms": 1000 * statistics.fmean(latencies),
        "load_s": load_s,
        "peak_rss_mb": peak_rss_mb(),
    }
    print(
        f"reference ({result['engine']}, {args.threads} threads): {len(texts)} docs, {words} words, "
        f"{subwords} subwords in {total_s:.1f}s: {result['words_per_s']:.0f} words/s, "
        f"{result['subwords_per_s']:.0f} subwords/s, p50 {result['latency_p50_ms']:.0f} ms, "
        f"p95 {result['latency_p95_ms']:.0f} ms, load {load_s:.2f}s, peak RSS {result['peak_rss_mb']:.0f} MB",
        file=sys.stderr,
    )
    print("REFERENCE_JSON " + json.dumps(result))


if __name__ == "__main__":
    main()
