#!/usr/bin/env bash
# Checks that a crate depending on portavoz builds and runs with the one step the README
# documents ("Use portavoz in your own crate"), and nothing else:
#   - tests/downstream (the README's library example as a user's program) is copied to a
#     temporary folder outside this repository, with portavoz as a path dependency;
#   - its .cargo/config.toml is a copy of <cache>/cargo-config.toml, as written by set-up;
#   - it is built with `cargo build --release`, sharing this repository's target folder
#     (CARGO_TARGET_DIR) and its Cargo.lock, so only the small crate (and portavoz's library
#     without features) is compiled and linked;
#   - the binary runs from another temporary folder, with no LD_LIBRARY_PATH, LIBTORCH or
#     PORTAVOZ_MODEL, and must annotate a sentence with the default configuration, loading the
#     per-user copy of the model (so it would still run once this checkout is gone).
# Needs `make setup` to have run. Run by `make test`.
set -euo pipefail

say() { printf '[downstream] %s\n' "$*" >&2; }
die() { printf '[downstream] error: %s\n' "$*" >&2; exit 1; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache="${PORTAVOZ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/portavoz}"
config="$cache/cargo-config.toml"
[ -f "$config" ] || die "$config is missing: run \`make setup\` first"

work=$(mktemp -d "${TMPDIR:-/tmp}/portavoz-downstream.XXXXXX")
trap 'rm -rf "$work"' EXIT
app="$work/app"
mkdir -p "$app/.cargo" "$work/elsewhere"
cp -R "$repo/tests/downstream/." "$app/"
escaped=$(printf '%s' "$repo" | sed 's/[\\&|]/\\&/g')
sed -i "s|@PORTAVOZ_PATH@|$escaped|" "$app/Cargo.toml"
cp "$config" "$app/.cargo/config.toml"          # the one documented step
cp "$repo/Cargo.lock" "$app/Cargo.lock"         # the same dependency versions as this repository

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
say "building $app against $repo (target folder $CARGO_TARGET_DIR)"
start=$(date +%s)
(cd "$app" && env -u LIBTORCH -u LIBTORCH_CXX11_ABI -u RUSTFLAGS cargo build --release --quiet) \
  || die "the downstream crate does not build with only $config as its .cargo/config.toml"
say "built in $(( $(date +%s) - start ))s"

bin="$CARGO_TARGET_DIR/release/portavoz-downstream-check"
[ -x "$bin" ] || die "no binary at $bin"
cd "$work/elsewhere"
if ! env -u LD_LIBRARY_PATH -u LIBTORCH -u PORTAVOZ_MODEL "$bin" >out.json 2>err.txt; then
  cat err.txt >&2
  die "the downstream binary failed (run from $work/elsewhere)"
fi
cat err.txt >&2
grep -q '"text":"Lavrov"' out.json || die "no entity Lavrov in: $(cat out.json)"
grep -q '"cue":"afirmó"' out.json || die "no claim with the cue afirmó in: $(cat out.json)"
[ "$(wc -l <out.json)" -eq 1 ] || die "expected one JSON line, got: $(cat out.json)"
if [ -f "$cache/models/portavoz-ner-es-$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$repo/Cargo.toml" | head -n 1)/config.json" ]; then
  grep -q "per-user copy" err.txt || die "the model was not loaded from the per-user copy in $cache/models"
fi
say "ok: annotated from $work/elsewhere with the default configuration"
