#!/usr/bin/env bash
# Opens a lab report in headless Chromium: every figure must load, the page must log
# no console errors, and a screenshot is saved under the build tree.
# Usage: check_report.sh ACTLAB_BINARY WORK_DIR. Exit 77 (skipped) without chromium.
set -euo pipefail
actlab=$1
work=$2
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "SKIPPED: chromium is not installed (scripts/setup.sh installs it)"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work"
"$actlab" lab saturation --out "$work/report" > "$work/lab.log"
"$actlab" lab gelu-approx --quick --out "$work/report" >> "$work/lab.log"
flags=(--headless --no-sandbox --disable-gpu --allow-file-access-from-files --user-data-dir="$work/profile")
# 1. Every image the pages reference, loaded by a harness page that reports onload/onerror.
imgs=()
for page in "$work"/report/*/index.html "$work/report/index.html"; do
  dir=$(dirname "$page")
  while read -r src; do imgs+=("file://$dir/$src"); done < <(grep -o '<img src="[^"]*"' "$page" | sed 's/<img src="//; s/"$//')
done
[ ${#imgs[@]} -gt 0 ] || { echo "FAIL: no images in the report"; exit 1; }
{
  echo '<!DOCTYPE html><html><body><pre id="out">pending</pre><script>'
  echo 'const srcs = ['
  for s in "${imgs[@]}"; do echo "  \"$s\","; done
  echo '];'
  echo 'let left = srcs.length; const bad = [];'
  echo 'for (const s of srcs) { const i = new Image(); i.onload = () => { if (!i.naturalWidth) bad.push(s); if (--left === 0) done(); };'
  echo '  i.onerror = () => { bad.push(s); if (--left === 0) done(); }; i.src = s; }'
  echo 'function done() { document.getElementById("out").textContent = bad.length ? "BAD " + bad.join(" ") : "ALL " + srcs.length + " LOADED"; }'
  echo '</script></body></html>'
} > "$work/harness.html"
dom=$("$browser" "${flags[@]}" --virtual-time-budget=15000 --dump-dom "file://$work/harness.html" 2> "$work/harness.err")
echo "$dom" | grep -q "ALL ${#imgs[@]} LOADED" || { echo "FAIL: images did not load: $(echo "$dom" | grep -o 'BAD[^<]*\|pending')"; exit 1; }
echo "ok: ${#imgs[@]} figures load"
# Two runs into one directory: the index links both.
for name in saturation gelu-approx; do
  grep -q "href=\"$name/index.html\"" "$work/report/index.html" || { echo "FAIL: index does not link $name"; exit 1; }
done
# 2. Console errors and a screenshot of the index and one experiment.
for page in index.html saturation/index.html; do
  shot="$work/$(echo "$page" | tr '/' '-').png"
  "$browser" "${flags[@]}" --enable-logging=stderr --v=0 --window-size=1200,2400 --screenshot="$shot" \
    "file://$work/report/$page" > /dev/null 2> "$work/console.err" || true
  if grep -E "CONSOLE|Uncaught|Failed to load resource" "$work/console.err"; then
    echo "FAIL: console errors on $page"
    exit 1
  fi
  [ -s "$shot" ] || { echo "FAIL: no screenshot for $page"; exit 1; }
  echo "ok: $page has no console errors; screenshot $shot"
done
