#!/bin/sh
# Renders the demo audit report the way GitHub shows it at 1,000 px and screenshots it,
# to check the layout by eye (issue #15): CommonMark + GFM tables (pulldown-cmark, the
# report_html example) with GitHub's measures, in headless Chromium.
#
#   docs/report-preview.sh [OUT_DIR]     (default target/report-preview)
#
# Writes OUT_DIR/report.html and OUT_DIR/report-top.png, report-findings.png and
# report-indexes.png (the top of the report, the findings by area, the index
# recommendations). Needs chromium (apt-get install chromium). HEIGHT sets the
# screenshots' height in pixels (default 2000).
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
for view in top:"" findings:"#findings-by-area" indexes:"#index-recommendations"; do
    name=${view%%:*}
    anchor=${view#*:}
    "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run \
        --user-data-dir="$profile" --window-size=1000,"${HEIGHT:-2000}" \
        --screenshot="$out/report-$name.png" "file://$out/report.html$anchor" 2>/dev/null
    echo "$out/report-$name.png"
done
