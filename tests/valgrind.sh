#!/bin/sh
# make valgrind: scripts/demo.sh with every command under valgrind memcheck
# (--leak-check=full); any invalid access, uninitialised read or leak makes
# that command exit 97, which stops the demo. Logs: build/valgrind/.
set -eu
cd "$(dirname "$0")/.."
log=$PWD/build/valgrind
wrap=$log/bin
rm -rf "$log" && mkdir -p "$wrap"
for c in build/bin/ad-*; do
	case $c in *.d) continue ;; esac  # the compiler's dependency files
	name=${c#build/bin/}
	cat > "$wrap/$name" <<WRAP
#!/bin/sh
exec valgrind -q --leak-check=full --show-leak-kinds=all \\
	--errors-for-leak-kinds=all --error-exitcode=97 \\
	--log-file="$log/$name.%p.log" "$PWD/build/bin/$name" "\$@"
WRAP
	chmod +x "$wrap/$name"
done
ADKIT_BIN=$wrap scripts/demo.sh > "$log/demo.out"
runs=$(ls "$log"/*.log | wc -l)
dirty=$(find "$log" -name '*.log' -size +0 | wc -l)
echo "valgrind: $runs command runs of the demo, $dirty with a report"
[ "$dirty" -eq 0 ]
