#!/usr/bin/env python3
"""A second process on the ROS 2 graph for smoke.sh: a camera and a source of bad frames.

  camera.py bag <file.mcap> [--topic T] [--rate HZ] [--count N] [--qos sensor|reliable]
      Publishes the bag's serialized messages on the topic (sensor_msgs/msg/Image) as they are,
      byte for byte, through rclpy's raw publish, so the node sees what `spikenode replay` sees.
      Reads MCAP itself (unchunked or chunks without compression; zstd chunks when the
      python3-zstandard module is there): make the bag with
      `spikenode sample-bag --compression none`.

  camera.py malformed [--topic T] [--rounds N]
      Publishes a burst of bad messages: bytes that are not CDR, truncated frames, and
      well-formed Images whose fields lie (step, size, encoding, zero or huge dimensions).

Each command waits for a subscriber (up to --wait seconds) before it publishes, and exits 0 when
everything was sent. Only rclpy and the standard library are used.
"""

import argparse
import random
import struct
import sys
import time

MCAP_MAGIC = b"\x89MCAP0\r\n"
OP_CHANNEL, OP_MESSAGE, OP_CHUNK = 0x04, 0x05, 0x06


def _string(buf, pos):
    (n,) = struct.unpack_from("<I", buf, pos)
    return bytes(buf[pos + 4 : pos + 4 + n]).decode(), pos + 4 + n


def _records(buf, path):
    pos = 0
    while pos + 9 <= len(buf):
        op, length = struct.unpack_from("<BQ", buf, pos)
        body = buf[pos + 9 : pos + 9 + length]
        if len(body) != length:
            raise SystemExit(f"{path}: a record at byte {pos} runs past the end; the file is cut short")
        yield op, body
        pos += 9 + length


def _decompress(compression, data, path):
    if compression == "":
        return data
    if compression == "zstd":
        try:
            import zstandard  # optional: Debian's python3-zstandard
        except ImportError:
            raise SystemExit(
                f"{path}: its chunks are zstd-compressed and the python zstandard module is missing; "
                "install python3-zstandard or make the bag with `spikenode sample-bag --compression none`"
            )
        return zstandard.ZstdDecompressor().decompress(data)
    raise SystemExit(
        f"{path}: chunk compression {compression!r} is not supported here; "
        "make the bag with `spikenode sample-bag --compression none`"
    )


def read_mcap(path, topic):
    """The (log_time, data) of every message on `topic`, in file order."""
    with open(path, "rb") as f:
        buf = f.read()
    if not buf.startswith(MCAP_MAGIC):
        raise SystemExit(f"{path}: not an MCAP file (no MCAP magic at its start)")
    channels = {}
    out = []

    def visit(records):
        for op, body in records:
            if op == OP_CHANNEL:
                (cid,) = struct.unpack_from("<H", body, 0)
                name, _ = _string(body, 4)
                channels[cid] = name
            elif op == OP_MESSAGE:
                cid, _seq, log_time, _pub = struct.unpack_from("<HIQQ", body, 0)
                if channels.get(cid) == topic:
                    out.append((log_time, bytes(body[22:])))
            elif op == OP_CHUNK:
                pos = 8 + 8 + 8 + 4
                compression, pos = _string(body, pos)
                (n,) = struct.unpack_from("<Q", body, pos)
                data = _decompress(compression, body[pos + 8 : pos + 8 + n], path)
                visit(_records(data, path))

    visit(_records(memoryview(buf)[len(MCAP_MAGIC) :], path))
    if not out:
        known = ", ".join(sorted(set(channels.values()))) or "none"
        raise SystemExit(f"{path}: no message on {topic} (topics: {known}); pass --topic")
    return out


def image_cdr(height, width, encoding, step, data, stamp=(1, 0), frame_id="camera", bigendian=0):
    """sensor_msgs/msg/Image as CDR little endian with its encapsulation header."""
    out = bytearray(b"\x00\x01\x00\x00")

    def align(n):
        while (len(out) - 4) % n:
            out.append(0)

    def string(s):
        b = s.encode() + b"\x00"
        align(4)
        out.extend(struct.pack("<I", len(b)) + b)

    align(4)
    out.extend(struct.pack("<iI", *stamp))
    string(frame_id)
    align(4)
    out.extend(struct.pack("<II", height, width))
    string(encoding)
    out.append(bigendian)
    align(4)
    out.extend(struct.pack("<I", step))
    out.extend(struct.pack("<I", len(data)) + data)
    return bytes(out)


def malformed_messages(rounds, rng):
    good = image_cdr(4, 4, "mono8", 4, bytes(16))
    for r in range(rounds):
        yield "random bytes", bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 300)))
        yield "empty", b""
        yield "truncated", good[: rng.randint(1, len(good) - 1)]
        yield "big-endian header", b"\x00\x00" + good[2:]
        yield "length past end", good[:-20] + struct.pack("<I", 0x7FFFFFFF)
        yield "step too small", image_cdr(480, 640, "rgb8", 10, bytes(4800))
        yield "data too short", image_cdr(480, 640, "rgb8", 1920, bytes(100))
        yield "unknown encoding", image_cdr(4, 4, "no-such-encoding", 4, bytes(16))
        yield "zero size", image_cdr(0, 0, "rgb8", 0, b"")
        yield "huge size", image_cdr(100000, 100000, "rgb8", 300000, bytes(16))
        yield "big-endian 16-bit", image_cdr(4, 4, "mono16", 8, bytes(32), bigendian=1)
        yield "stamp out of range", image_cdr(4, 4, "mono8", 4, bytes(16), stamp=(-5, 2000000000))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bag")
    b.add_argument("mcap")
    b.add_argument("--topic", default="/camera/image_raw")
    b.add_argument("--rate", type=float, default=10.0)
    b.add_argument("--count", type=int, default=0, help="0: every frame")
    b.add_argument("--qos", choices=["sensor", "reliable"], default="reliable")
    m = sub.add_parser("malformed")
    m.add_argument("--topic", default="/camera/image_raw")
    m.add_argument("--rounds", type=int, default=20)
    m.add_argument("--qos", choices=["sensor", "reliable"], default="reliable")
    for s in (b, m):
        s.add_argument("--out-topic", default="", help="publish there instead of --topic")
        s.add_argument("--wait", type=float, default=20.0, help="seconds to wait for a subscriber")
    args = p.parse_args()

    frames = read_mcap(args.mcap, args.topic) if args.cmd == "bag" else None

    import rclpy
    from rclpy.qos import QoSProfile, ReliabilityPolicy, HistoryPolicy, qos_profile_sensor_data
    from sensor_msgs.msg import Image

    qos = (
        qos_profile_sensor_data
        if args.qos == "sensor"
        else QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=10, reliability=ReliabilityPolicy.RELIABLE)
    )
    rclpy.init()
    node = rclpy.create_node("smoke_camera")
    pub = node.create_publisher(Image, args.out_topic or args.topic, qos)
    deadline = time.monotonic() + args.wait
    while pub.get_subscription_count() == 0:
        if time.monotonic() > deadline:
            print(f"camera.py: no subscriber on {pub.topic_name} after {args.wait} s", file=sys.stderr)
            return 2
        rclpy.spin_once(node, timeout_sec=0.1)
    time.sleep(0.5)  # let the subscriber's reader match ours, or the first frames are lost

    sent = 0
    if args.cmd == "bag":
        chosen = frames[: args.count] if args.count > 0 else frames
        period = 1.0 / args.rate
        start = time.monotonic()
        for i, (_t, data) in enumerate(chosen):
            while time.monotonic() < start + i * period:
                time.sleep(0.002)
            pub.publish(data)
            sent += 1
        print(f"camera.py: published {sent} frames from {args.mcap} on {pub.topic_name}", flush=True)
    else:
        rng = random.Random(7)
        kinds = {}
        for kind, data in malformed_messages(args.rounds, rng):
            pub.publish(data)
            kinds[kind] = kinds.get(kind, 0) + 1
            sent += 1
            if sent % 20 == 0:
                time.sleep(0.01)
        print(f"camera.py: published {sent} malformed messages ({len(kinds)} kinds) on {pub.topic_name}", flush=True)
    time.sleep(1.0)  # reliable delivery finishes before the writer goes
    node.destroy_node()
    rclpy.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
