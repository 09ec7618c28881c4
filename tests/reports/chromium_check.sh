#!/usr/bin/env bash
# End-to-end check of rendered report.html files in headless Chromium (Debian `chromium`).
#
#   chromium_check.sh REPORT.html...
#
# For each file: (1) static check that nothing in it can fetch anything (no script, link, img,
# iframe, object or embed; no src=/href= attribute; no url() or @import in CSS); (2) load it with
# the network cut off (network namespace when `unshare` works, and --host-resolver-rules
# "MAP * ~NOTFOUND"), dump the DOM, and fail on any console message or any request the page
# made beyond the file itself (read from Chromium's net log); (3) take a screenshot and fail when
# it is blank. Before the real files, a canary page with a console error and an external image
# must be caught by the same checks, so the detectors themselves are tested.
#
# Exit: 0 all good, 1 a check failed, 77 Chromium not installed (CTest SKIP_RETURN_CODE).
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
helpers="$here/chromium_check_helpers.py"

if [ "$#" -lt 1 ]; then
  echo "usage: $0 REPORT.html..." >&2
  exit 2
fi
browser=""
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null 2>&1; then browser="$candidate"; break; fi
done
if [ -z "$browser" ]; then
  echo "SKIP: chromium is not installed (apt-get install -y chromium)"
  exit 77
fi

work="$(mktemp -d /tmp/volley-chromium-check.XXXXXX)"
trap 'rm -rf "$work"' EXIT
isolate=()
if unshare --net true 2>/dev/null; then isolate=(unshare --net); fi

# run_chromium NAME URL ACTION... : one fresh-profile headless run; stderr → $work/NAME.log,
# stdout → $work/NAME.out, net log → $work/NAME.netlog.json.
run_chromium() {
  local name="$1" url="$2"
  shift 2
  timeout 120 "${isolate[@]}" "$browser" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update --disable-sync \
    --disable-default-apps --disable-extensions --user-data-dir="$work/profile-$name" \
    --host-resolver-rules="MAP * ~NOTFOUND" --enable-logging=stderr --v=0 \
    --log-net-log="$work/$name.netlog.json" "$@" "$url" \
    >"$work/$name.out" 2>"$work/$name.log"
}

# Chromium's own console lines look like: [pid:tid:time:INFO:CONSOLE:2] "message", source: ...
# The page's console messages. Messages whose source is one of Chromium's own chrome:// pages
# (e.g. "Slow network is detected … chrome://resources/…" on a loaded machine) are the
# browser's, not the report's, and are left out; the canary below still shows the page's own.
console_messages() { grep -E ':CONSOLE[:(]' "$1" | grep -Ev 'source: chrome://' || true; }

failed=0
fail() { echo "FAIL: $*"; failed=1; }

# --- canary: the detectors must catch a page that misbehaves -----------------------------
cat >"$work/canary.html" <<'HTML'
<!DOCTYPE html><html><head><meta charset="utf-8"><title>canary</title></head><body>
<img src="http://volley-canary.invalid/pixel.png" alt="">
<script>console.error("volley-canary-console-error")</script></body></html>
HTML
run_chromium canary "file://$work/canary.html" --dump-dom
if [ -z "$(console_messages "$work/canary.log")" ]; then
  fail "canary: console error was not detected (logging format changed?)"
fi
if python3 "$helpers" netlog "$work/canary.netlog.json" >/dev/null; then
  fail "canary: external request was not detected in the net log"
fi

# --- the reports ---------------------------------------------------------------------------
index=0
for html in "$@"; do
  index=$((index + 1))
  echo "== $html"
  if [ ! -s "$html" ]; then fail "$html: missing or empty"; continue; fi
  abs="$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"

  # (1) static: nothing that could fetch.
  if grep -Eiq '<(script|link|img|iframe|object|embed|video|audio|source|base)\b' "$abs"; then
    fail "$html: has an element that can load or run something"
  fi
  if grep -Eiq '<[a-z][^>]*[[:space:]](src|href|srcset|action|formaction|poster)[[:space:]]*=' "$abs"; then
    fail "$html: has a src/href-like attribute"
  fi
  if grep -Eiq 'url\(|@import|@font-face|https?://[^"<[:space:]]*\.(css|js|woff2?|png|jpe?g|svg)\b' "$abs"; then
    fail "$html: CSS or text refers to an external resource"
  fi

  # (2) DOM, console and network.
  run_chromium "dom$index" "file://$abs" --dump-dom
  dom="$work/dom$index.out"
  if ! grep -q '</html>' "$dom"; then fail "$html: DOM dump is incomplete"; fi
  svg_in_file=$(grep -o '<svg' "$abs" | wc -l)
  svg_in_dom=$(grep -o '<svg' "$dom" | wc -l)
  if [ "$svg_in_file" -lt 3 ] || [ "$svg_in_dom" -ne "$svg_in_file" ]; then
    fail "$html: expected the same charts in file and DOM ($svg_in_file vs $svg_in_dom <svg>)"
  fi
  if ! grep -q '<h1>' "$dom"; then fail "$html: no <h1> in the DOM"; fi
  messages="$(console_messages "$work/dom$index.log")"
  if [ -n "$messages" ]; then fail "$html: console messages:"; echo "$messages"; fi
  if ! python3 "$helpers" netlog "$work/dom$index.netlog.json"; then
    fail "$html: the page requested something outside the file"
  fi

  # (3) screenshot is not blank.
  shot="$work/shot$index.png"
  run_chromium "shot$index" "file://$abs" --window-size=1280,2400 --screenshot="$shot"
  if [ ! -s "$shot" ]; then
    fail "$html: no screenshot written"
  else
    if ! python3 "$helpers" png "$shot"; then fail "$html: screenshot looks blank"; fi
    if ! python3 "$helpers" netlog "$work/shot$index.netlog.json"; then
      fail "$html: the page requested something outside the file (screenshot run)"
    fi
    messages="$(console_messages "$work/shot$index.log")"
    if [ -n "$messages" ]; then fail "$html: console messages (screenshot run):"; echo "$messages"; fi
  fi
done

if [ "$failed" -ne 0 ]; then
  echo "chromium_check: FAILED"
  exit 1
fi
echo "chromium_check: all $# report(s) passed"
exit 0
