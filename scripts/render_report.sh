#!/usr/bin/env bash
# Renders a portavoz HTML report to a PNG screenshot with headless Chromium, to check it by eye.
#
#   scripts/render_report.sh REPORT.html|ANNOTATIONS.jsonl [OUT.png] [WIDTH,HEIGHT]
#
# A .jsonl input is first turned into a report with `portavoz view` (the release binary in
# target/, built if missing). Needs Chromium (Debian: apt-get install -y chromium).
# The browser runs with no network, no sandbox and a throwaway profile.
set -euo pipefail

die() { printf 'render_report: %s\n' "$*" >&2; exit 2; }

[ $# -ge 1 ] || die "usage: $0 REPORT.html|ANNOTATIONS.jsonl [OUT.png] [WIDTH,HEIGHT]"
input=$1
out=${2:-${input%.*}.png}
size=${3:-1280,2000}
[ -f "$input" ] || die "no such file: $input"

browser=""
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null 2>&1; then browser=$candidate; break; fi
done
[ -n "$browser" ] || die "Chromium not found (Debian: apt-get install -y chromium)"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

case "$input" in
  *.jsonl|*.ndjson)
    bin="$repo/target/release/portavoz"
    if [ ! -x "$bin" ]; then
      (cd "$repo" && cargo build --release --bin portavoz) >&2 || die "could not build portavoz"
    fi
    html="$tmp/report.html"
    "$bin" view --quiet "$input" -o "$html" || [ $? -eq 1 ] || die "portavoz view failed"
    ;;
  *) html=$input ;;
esac

html_abs=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
out_abs=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")

"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --hide-scrollbars --user-data-dir="$tmp/profile" \
  --screenshot="$out_abs" --window-size="$size" "file://$html_abs" >"$tmp/chromium.log" 2>&1 \
  || { cat "$tmp/chromium.log" >&2; die "chromium failed"; }
[ -s "$out_abs" ] || { cat "$tmp/chromium.log" >&2; die "no screenshot written"; }
printf 'render_report: %s\n' "$out_abs" >&2
