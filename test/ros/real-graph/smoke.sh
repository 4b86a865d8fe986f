#!/usr/bin/env bash
# Smoke test of spikenode in a real ROS 2 graph (see README.md beside this file).
# Runs only when ROS_DISTRO is set (a ROS 2 setup sourced); otherwise says so and exits 0.
#
#   test/ros/real-graph/smoke.sh            # the node from `ros2 run spikenode spikenode_node`
#   SMOKE_NODE=checkout test/ros/real-graph/smoke.sh   # node dist/cli/main.js run --require-ros
#
# Checks: the node starts; frames published by a second process (rclpy, camera.py) are
# classified (ros2 topic echo of ~/classification, with the frames' own stamps); it survives a
# burst of malformed messages and classifies again after it; ros2 param set changes top_k (and a
# bad value is refused); SIGINT stops it with exit status 0. Ends with "N passed, N failed".
set -uo pipefail

if [ -z "${ROS_DISTRO:-}" ]; then
  echo "smoke.sh: skipped: ROS_DISTRO is unset (source a ROS 2 setup, e.g. /opt/ros/humble/setup.bash)"
  exit 0
fi

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/spikenode-smoke.XXXXXX")"
FRAMES="${SMOKE_FRAMES:-20}"
RATE="${SMOKE_RATE:-5}"
NODE_NAME=spikenode
TOPIC=/smoke/image_raw
OUT=/$NODE_NAME/classification
# An own DDS domain, so nodes of other runs or tests on this machine are not heard (0..232).
export ROS_DOMAIN_ID="${SMOKE_DOMAIN_ID:-$((150 + RANDOM % 80))}"
export PYTHONUNBUFFERED=1

PASSED=0
FAILED=0
PIDS=()
pass() { PASSED=$((PASSED + 1)); echo "PASS: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*"; }
cleanup() {
  for pid in "${PIDS[@]}"; do kill -INT -- "-$pid" "$pid" 2>/dev/null; done
  sleep 1
  for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" "$pid" 2>/dev/null; done
  # ros2 param starts a CLI daemon for this domain on first use; it would outlive the test.
  ros2 daemon stop >/dev/null 2>&1
  if [ -n "${SMOKE_KEEP:-}" ]; then echo "smoke.sh: kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

# Waits up to $1 seconds for the command in "$@" (after $1) to succeed.
wait_for() {
  local limit=$1
  shift
  local end=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge $end ] && return 1
    sleep 0.5
  done
}
# Results for the sample frames (stamped from 1 700 000 000 s); a malformed-but-decodable frame
# of the burst (stamp 1 s or -5 s) may be classified too and is not counted.
results() { grep -c '^    sec: 1700000000$' "$TMP/echo.txt" 2>/dev/null || true; }
at_least() { [ "$(results)" -ge "$1" ]; }
node_alive() { kill -0 "$NODE_PID" 2>/dev/null; }
node_listed() { ros2 node list --no-daemon --spin-time 2 2>/dev/null | grep -qx "/$NODE_NAME"; }

echo "smoke.sh: ROS_DISTRO=$ROS_DISTRO RMW_IMPLEMENTATION=${RMW_IMPLEMENTATION:-default} ROS_DOMAIN_ID=$ROS_DOMAIN_ID, in $TMP"

# 1. Frames: the sample camera stream as an uncompressed MCAP file, which camera.py reads itself.
BAG="$TMP/frames.mcap"
if ! node "$REPO/dist/cli/main.js" sample-bag --out "$BAG" --count "$FRAMES" --compression none \
  >"$TMP/sample-bag.log" 2>&1; then
  echo "smoke.sh: spikenode sample-bag failed (is dist/ built, Debian's dataset-fashion-mnist installed?):"
  cat "$TMP/sample-bag.log"
  exit 1
fi
[ -f "$BAG" ] || BAG="$(find "$TMP/frames.mcap" -name '*.mcap' | head -n 1)"

# 2. A subscriber from a third process, started before the node: ros2 topic echo.
ros2 topic echo --qos-reliability reliable --qos-depth 100 "$OUT" vision_msgs/msg/Classification \
  >"$TMP/echo.txt" 2>"$TMP/echo.err" &
PIDS+=($!)

# 3. The node, in a process group of its own: `ros2 run` leaves SIGINT to its child (it expects
# a terminal's Ctrl-C to reach the whole group), so step 7 signals the group.
NODE_ARGS=(--ros-args -r "__node:=$NODE_NAME" -p "image_topic:=$TOPIC" -p top_k:=5)
if [ "${SMOKE_NODE:-ros2run}" = checkout ]; then
  setsid node "$REPO/dist/cli/main.js" run --require-ros "${NODE_ARGS[@]}" >"$TMP/node.log" 2>&1 &
else
  setsid ros2 run spikenode spikenode_node "${NODE_ARGS[@]}" >"$TMP/node.log" 2>&1 &
fi
NODE_PID=$!
PIDS+=("$NODE_PID")
if wait_for 90 node_listed && node_alive; then
  pass "node starts and joins the graph as /$NODE_NAME"
else
  fail "node did not appear in ros2 node list within 90 s"
  cat "$TMP/node.log"
  exit 1
fi

camera() { /usr/bin/env python3 "$HERE/camera.py" "$@" --out-topic "$TOPIC"; }

# 4. Frames from a second process are classified, with their own headers.
camera bag "$BAG" --rate "$RATE" >"$TMP/camera1.log" 2>&1
if wait_for 60 at_least "$FRAMES"; then
  pass "$FRAMES of $FRAMES published frames classified (ros2 topic echo $OUT)"
else
  fail "$(results) of $FRAMES published frames classified within 60 s"
fi
# The sample stream is stamped from 1 700 000 000 s at 30 fps; results carry the image header.
if grep -q "frame_id: camera_optical_frame" "$TMP/echo.txt" && grep -q "class_id: '[0-9]'" "$TMP/echo.txt"; then
  pass "results carry the frames' stamps and class ids"
else
  fail "results lack the frames' stamps or class ids (see the echo output below)"
  head -n 40 "$TMP/echo.txt"
fi

# How many of the first results name the frame's true class (information, not a check).
if [ -f "$BAG.labels.json" ]; then
  /usr/bin/env python3 - "$BAG.labels.json" "$TMP/echo.txt" "$FRAMES" <<'PY' || true
import json, re, sys
raw = json.load(open(sys.argv[1]))
labels = raw.get("labels", raw) if isinstance(raw, dict) else raw
labels = [l if isinstance(l, int) else l.get("label", l.get("class")) for l in labels]
text = open(sys.argv[2]).read()
top = [m.group(1) for m in re.finditer(r"^results:\n- class_id: '(\d+)'", text, re.M)][: int(sys.argv[3])]
agree = sum(1 for t, l in zip(top, labels) if str(l) == t)
print(f"info: {agree} of {len(top)} first results name the frame's labelled class")
PY
fi

# 5. A burst of malformed messages from a second process; the node lives and classifies after it.
before=$(results)
camera malformed --rounds 20 >"$TMP/camera2.log" 2>&1
sleep 2
if node_alive; then
  pass "node survives $(grep -o 'published [0-9]* malformed' "$TMP/camera2.log" | grep -o '[0-9]*') malformed messages"
else
  fail "node exited during the malformed burst"
  tail -n 30 "$TMP/node.log"
fi
camera bag "$BAG" --rate "$RATE" --count 5 >"$TMP/camera3.log" 2>&1
if wait_for 30 at_least $((before + 5)); then
  pass "classifies again after the burst ($(($(results) - before)) new results)"
else
  fail "after the burst only $(($(results) - before)) of 5 frames were classified"
fi

# 6. Parameters: ros2 param set changes top_k; a value out of range is refused.
set_out=$(ros2 param set --no-daemon "/$NODE_NAME" top_k 2 2>&1)
get_out=$(ros2 param get --no-daemon "/$NODE_NAME" top_k 2>&1)
if grep -q "successful" <<<"$set_out" && grep -q "Integer value is: 2" <<<"$get_out"; then
  pass "ros2 param set top_k 2 is accepted and read back"
else
  fail "ros2 param set/get top_k: $set_out / $get_out"
fi
bad_out=$(ros2 param set --no-daemon "/$NODE_NAME" top_k 0 2>&1)
if grep -q "failed" <<<"$bad_out" && grep -q "Integer value is: 2" <<<"$(ros2 param get --no-daemon "/$NODE_NAME" top_k 2>&1)"; then
  pass "ros2 param set top_k 0 is refused (${bad_out//$'\n'/ })"
else
  fail "ros2 param set top_k 0 was not refused: $bad_out"
fi
before=$(results)
camera bag "$BAG" --rate "$RATE" --count 3 >"$TMP/camera4.log" 2>&1
if wait_for 30 at_least $((before + 3)); then
  # Hypotheses of the last result: class_id lines after its last header.
  last=$(awk '/^header:/{n=0} /class_id:/{n++} END{print n}' "$TMP/echo.txt")
  if [ "$last" = 2 ]; then
    pass "results after the change carry top_k = 2 hypotheses"
  else
    fail "the last result has $last hypotheses, not 2"
  fi
else
  fail "frames after the parameter change were not classified"
fi

# 7. SIGINT stops the node cleanly.
kill -INT -- "-$NODE_PID"
end=$((SECONDS + 20))
while node_alive && [ $SECONDS -lt $end ]; do sleep 0.5; done
if node_alive; then
  fail "node still running 20 s after SIGINT"
else
  wait "$NODE_PID"
  status=$?
  if [ "$status" = 0 ]; then pass "SIGINT stops the node with exit status 0"; else fail "node exited with $status after SIGINT"; fi
fi

if [ "$FAILED" -gt 0 ]; then
  echo "--- node log (last 40 lines)"
  tail -n 40 "$TMP/node.log"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
