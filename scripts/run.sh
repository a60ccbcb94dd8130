#!/usr/bin/env bash
# Starts eigenscope on the built-in demo model (cpu-paper-mqar-mamba2 on an MQAR batch). Without a display it
# says how to run headless and shows the demo with the command-line tool instead.
set -euo pipefail
cd "$(dirname "$0")/.."
app=build/app/eigenscope
cli=build/app/eigenscope-cli
[ -x "$app" ] && [ -x "$cli" ] || bash scripts/build.sh
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ] || [ -n "${QT_QPA_PLATFORM:-}" ]; then
  exec "$app" "$@"
fi
cat <<MSG
No display found (DISPLAY and WAYLAND_DISPLAY are unset), so the window cannot open here. Headless options:
  the GUI on a virtual display:        xvfb-run -a $app
  the demo window rendered to a PNG:   QT_QPA_PLATFORM=offscreen $app --screenshot demo.png
  all README screenshots:              bash scripts/screenshots.sh
The same demo with the command-line tool:

MSG
"$cli" info preset:cpu-paper-mqar-mamba2
echo
"$cli" analyze preset:cpu-paper-mqar-mamba2 --input task:mqar --batch 8 --init --impulse 0
