#!/bin/sh
# Renders the demo audit report the way GitHub shows it at 1,000 px and screenshots it,
# to check the layout by eye (issue #15): CommonMark + GFM tables (pulldown-cmark, the
# report_html example) with GitHub's measures, in headless Chromium.
#
#   docs/report-preview.sh [OUT_DIR]     (default target/report-preview)
#
# Writes OUT_DIR/report.html and OUT_DIR/report.png, the first HEIGHT pixels (default
# 2000; HEIGHT=14000 takes the whole demo report; a headless screenshot of a scrolled
# anchor comes out blank, so the height is the way to see further). Needs chromium
# (apt-get install chromium).
set -eu
cd "$(dirname "$0")/.."
out=${1:-target/report-preview}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cargo run --quiet -- audit --demo --quiet --out "$out/demo"
cargo run --quiet --example report_html -- "$out/demo/report.md" > "$out/report.html"
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
    echo "report-preview: no Chromium found (apt-get install chromium); the HTML is $out/report.html" >&2
    exit 2
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run \
    --user-data-dir="$profile" --window-size=1000,"${HEIGHT:-2000}" \
    --screenshot="$out/report.png" "file://$out/report.html" 2>/dev/null
echo "$out/report.png"
