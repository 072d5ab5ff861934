# Starting and stopping ad-serve in bats tests (load serve). A server
# listens on 127.0.0.1 only, on a port the kernel picks, and is stopped by
# the PID this file recorded.

# Starts ad-serve with the arguments given on 127.0.0.1, port 0, and waits
# (at most 10 s) for the port it prints; sets SERVER (its PID), PORT and
# URL (http://127.0.0.1:PORT). Its stdout goes to port.txt and its stderr to
# server.log, in the current directory.
serve_start() {
	ad-serve --listen 127.0.0.1:0 "$@" > port.txt 2> server.log &
	SERVER=$!
	for _ in $(seq 100); do
		grep -q '^listening on ' port.txt 2>/dev/null && break
		kill -0 "$SERVER" 2>/dev/null || break
		sleep 0.1
	done
	PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' port.txt)
	[ -n "$PORT" ] || { cat server.log; return 1; }
	URL="http://127.0.0.1:$PORT"
}

# Stops the server serve_start started, if any, and waits for it.
serve_stop() {
	if [ -n "${SERVER:-}" ]; then
		kill "$SERVER" 2>/dev/null || true
		wait "$SERVER" 2>/dev/null || true
	fi
}
