#!/usr/bin/env bash
# CURVE across a real network link: two network namespaces ("hosts") joined by
# a veth pair, a ROUTER server in one, DEALER clients in the other, each host
# with its own keys directory, set up by common/curve.c as the daemons do.
#
#   test_network_namespaces.sh CURVE_PEER HRSSCTL     (root: ip netns)
#
# Checks, in order:
#   plain (HRSS_CURVE=0): the request crosses, readable on the wire
#     (which shows the packet capture below would see plain text);
#   CURVE: a listed client gets its answer and nothing readable crosses;
#   CURVE: an unlisted key, a plain client and a client holding the wrong
#     server key get no answer; the server counts and logs the refusal,
#     naming the other host's address.
set -euo pipefail

PEER=${1:?usage: $0 CURVE_PEER HRSSCTL}
HRSSCTL=${2:?usage: $0 CURVE_PEER HRSSCTL}
[[ $(id -u) == 0 ]] || { echo "needs root (ip netns)" >&2; exit 1; }
command -v ip >/dev/null || { echo "needs ip (iproute2)" >&2; exit 1; }

NS_A=hrss-a-$$ NS_B=hrss-b-$$
VETH_A=hva$$ VETH_B=hvb$$
ADDR_A=10.231.77.1 ADDR_B=10.231.77.2
PORT=5555
ENDPOINT=tcp://$ADDR_A:$PORT
TMP=$(mktemp -d /tmp/hrss-netns.XXXXXX)
SERVER_PID=""

cleanup() {
    [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    ip netns del "$NS_A" 2>/dev/null || true   # takes the veth pair along
    ip netns del "$NS_B" 2>/dev/null || true
    rm -rf -- "$TMP"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# --- two hosts ------------------------------------------------------------------
ip netns add "$NS_A"
ip netns add "$NS_B"
ip link add "$VETH_A" type veth peer name "$VETH_B"
ip link set "$VETH_A" netns "$NS_A"
ip link set "$VETH_B" netns "$NS_B"
ip -n "$NS_A" addr add "$ADDR_A/24" dev "$VETH_A"
ip -n "$NS_B" addr add "$ADDR_B/24" dev "$VETH_B"
for ns in "$NS_A" "$NS_B"; do ip -n "$ns" link set lo up; done
ip -n "$NS_A" link set "$VETH_A" up
ip -n "$NS_B" link set "$VETH_B" up

# --- keys: one directory per host, as they would be deployed --------------------
A=$TMP/host-a B=$TMP/host-b C=$TMP/host-c W=$TMP/host-wrong
for d in "$A" "$B" "$C" "$W"; do mkdir -p "$d/authorized"; done
"$HRSSCTL" keygen --name server --dir "$A" >/dev/null 2>&1
"$HRSSCTL" keygen --name client --dir "$B" >/dev/null 2>&1
"$HRSSCTL" keygen --name stranger --dir "$C" >/dev/null 2>&1
"$HRSSCTL" keygen --name client --dir "$W" >/dev/null 2>&1
cp "$B/client.pub" "$A/authorized/client.pub"   # A admits B's client key only
cp "$W/client.pub" "$A/authorized/other.pub"    # and W's (W is wrong about A's key)
cp "$A/server.pub" "$B/server.pub"
cp "$A/server.pub" "$C/server.pub"
cp "$C/stranger.pub" "$W/server.pub"            # W holds another key for "server"

# capture PAYLOAD SECONDS OUT: in host B, record whether PAYLOAD crossed the veth
# in clear text (an AF_PACKET socket sees every frame of the link).
capture() {
    ip netns exec "$NS_B" python3 - "$VETH_B" "$1" "$2" >"$3" <<'EOF' &
import socket, sys, time
iface, marker, seconds = sys.argv[1], sys.argv[2].encode(), float(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((iface, 0))
s.settimeout(0.1)
print("listening", flush=True)
seen = frames = 0
end = time.time() + seconds
while time.time() < end:
    try:
        frame = s.recv(65535)
    except socket.timeout:
        continue
    frames += 1
    seen += marker in frame
print(f"frames {frames} seen {seen}", flush=True)
EOF
    CAPTURE_PID=$!
    local i
    for ((i = 0; i < 50; i++)); do grep -q listening "$3" 2>/dev/null && return 0; sleep 0.1; done
    fail "packet capture did not start"
}

# serve CURVE KEYS_DIR: the server in host A
serve() {
    ip netns exec "$NS_A" env HRSS_CURVE="$1" HRSS_KEYS_DIR="$2" "$PEER" serve server "$ENDPOINT" \
        >"$TMP/server.out" 2>"$TMP/server.log" &
    SERVER_PID=$!
    local i
    for ((i = 0; i < 50; i++)); do grep -q ready "$TMP/server.out" 2>/dev/null && return 0; sleep 0.1; done
    cat "$TMP/server.log" >&2
    fail "the server did not start"
}

stop_server() {
    kill "$SERVER_PID"
    wait "$SERVER_PID" || fail "the server failed"
    SERVER_PID=""
}

# ask CURVE KEYS_DIR NAME PAYLOAD TIMEOUT_MS: a client in host B
ask() {
    ip netns exec "$NS_B" env HRSS_CURVE="$1" HRSS_KEYS_DIR="$2" \
        "$PEER" ask "$3" server "$ENDPOINT" "$5" "$4" 2>>"$TMP/client.log"
}

# --- plain: the baseline the capture is measured against --------------------------
serve 0 "$A"
capture plain-marker-8f2d 3 "$TMP/cap-plain"
ask 0 "$B" client plain-marker-8f2d 3000 || fail "plain request/reply across the link"
wait "$CAPTURE_PID"
grep -q 'seen [1-9]' "$TMP/cap-plain" || fail "plain text not seen on the link: $(cat "$TMP/cap-plain")"
pass "plain: answered, and the payload is readable on the link ($(tail -1 "$TMP/cap-plain"))"
stop_server

# --- CURVE ------------------------------------------------------------------------
serve 1 "$A"
capture curve-marker-51c7 3 "$TMP/cap-curve"
ask 1 "$B" client curve-marker-51c7 3000 || fail "a listed client got no answer under CURVE"
wait "$CAPTURE_PID"
grep -q 'frames [1-9][0-9]* seen 0$' "$TMP/cap-curve" ||
    fail "under CURVE the payload crossed in clear text, or nothing was captured: $(cat "$TMP/cap-curve")"
pass "CURVE: a listed client is answered, nothing readable on the link ($(tail -1 "$TMP/cap-curve"))"

if ask 1 "$C" stranger curve-stranger 2000; then fail "an unlisted key got an answer"; fi
pass "CURVE: an unlisted key gets no answer"
if ask 0 "$B" client curve-plain 2000; then fail "a plain client got an answer from a CURVE server"; fi
pass "CURVE: a plain client gets no answer"
if ask 1 "$W" client curve-wrong-server-key 2000; then fail "a client with the wrong server key got an answer"; fi
pass "CURVE: a client holding the wrong server key gets no answer"

stop_server
refusals=$(sed -n 's/^refusals //p' "$TMP/server.out")
((${refusals:-0} >= 1)) || fail "the server counted no refusal"
grep -q "refused a CURVE handshake from $ADDR_B: key not in authorized/" "$TMP/server.log" ||
    fail "the refusal of host B's unlisted key is not in the server's log: $(cat "$TMP/server.log")"
if grep -qF "$(cut -c1-40 "$A/server.key")" "$TMP/server.log"; then
    fail "the server's log holds its secret key"
fi
pass "CURVE: $refusals refusal(s) counted and logged with host B's address"
