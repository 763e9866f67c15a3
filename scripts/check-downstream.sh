#!/usr/bin/env bash
# Checks that a crate depending on portavoz builds and runs with the one step the README
# documents ("Use portavoz in your own crate"), and nothing else:
#   - the portavoz source is a snapshot of this clone's files (tracked and untracked, not
#     ignored), like cargo's git checkout of a dependency;
#   - tests/downstream (the README's library example as a user's program) is copied to a
#     temporary folder outside this repository, with the snapshot as a path dependency, and
#     its .cargo/config.toml is a copy of <cache>/cargo-config.toml, as set-up wrote it;
#   - it is built with `cargo build --release`, sharing this repository's target folder
#     (CARGO_TARGET_DIR) and its Cargo.lock, so only the small crate (and, when it changed,
#     portavoz's library without features) is compiled and linked;
#   - the snapshot is then moved away (the checkout is gone) and the binary runs from another
#     temporary folder, with no LD_LIBRARY_PATH, LIBTORCH or PORTAVOZ_MODEL: it must annotate
#     a sentence with the default configuration, loading the per-user copy of the model;
#   - with an empty cache instead (PORTAVOZ_CACHE), it must fail with an error that names
#     where it looked and the fix, not a panic.
# Needs `make setup` to have run. Run by `make test`.
set -euo pipefail

say() { printf '[downstream] %s\n' "$*" >&2; }
die() { printf '[downstream] error: %s\n' "$*" >&2; exit 1; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache="${PORTAVOZ_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/portavoz}"
config="$cache/cargo-config.toml"
[ -f "$config" ] || die "$config is missing: run \`make setup\` first"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"

# The dependency's source, at a fixed path so that an unchanged snapshot is not recompiled.
snapshot="$CARGO_TARGET_DIR/downstream/portavoz"
work=$(mktemp -d "${TMPDIR:-/tmp}/portavoz-downstream.XXXXXX")
cleanup() {
  [ -d "$work/checkout-gone" ] && mv "$work/checkout-gone" "$snapshot"
  rm -rf "$work"
}
trap cleanup EXIT
rm -rf "$snapshot"
mkdir -p "$snapshot"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"; done | xargs -0 cp -a --parents -t "$snapshot")

app="$work/app"
mkdir -p "$app/.cargo" "$work/elsewhere"
cp -R "$repo/tests/downstream/." "$app/"
escaped=$(printf '%s' "$snapshot" | sed 's/[\\&|]/\\&/g')
sed -i "s|@PORTAVOZ_PATH@|$escaped|" "$app/Cargo.toml"
cp "$config" "$app/.cargo/config.toml"          # the one documented step
cp "$repo/Cargo.lock" "$app/Cargo.lock"         # the same dependency versions as this repository

say "building $app against a snapshot of $repo (target folder $CARGO_TARGET_DIR)"
start=$(date +%s)
(cd "$app" && env -u LIBTORCH -u LIBTORCH_CXX11_ABI -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS cargo build --release --quiet) \
  || die "the downstream crate does not build with only $config as its .cargo/config.toml"
say "built in $(( $(date +%s) - start ))s"

bin="$CARGO_TARGET_DIR/release/portavoz-downstream-check"
[ -x "$bin" ] || die "no binary at $bin"
mv "$snapshot" "$work/checkout-gone"            # the dependency's checkout is gone
cd "$work/elsewhere"
if ! env -u LD_LIBRARY_PATH -u LIBTORCH -u PORTAVOZ_MODEL "$bin" >out.json 2>err.txt; then
  cat err.txt >&2
  die "the downstream binary failed (run from $work/elsewhere)"
fi
cat err.txt >&2
grep -q '"text":"Lavrov"' out.json || die "no entity Lavrov in: $(cat out.json)"
grep -q '"cue":"afirmó"' out.json || die "no claim with the cue afirmó in: $(cat out.json)"
[ "$(wc -l <out.json)" -eq 1 ] || die "expected one JSON line, got: $(cat out.json)"
grep -q "per-user copy" err.txt || die "the model was not loaded from the per-user copy in $cache/models"
say "ok: annotated from $work/elsewhere with the default configuration, the dependency's checkout gone"

mkdir -p "$work/empty-cache"
if env -u PORTAVOZ_MODEL PORTAVOZ_CACHE="$work/empty-cache" "$bin" >out.json 2>err.txt; then
  die "with no model anywhere the binary succeeded: $(cat out.json)"
fi
grep -q "$work/empty-cache/models/portavoz-ner-es-" err.txt && grep -q "make setup" err.txt && ! grep -q panicked err.txt \
  || die "the missing-model error does not name where it looked and the fix: $(cat err.txt)"
say "ok: with no model, the error names where it looked and the fix"
