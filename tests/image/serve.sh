#!/bin/bash
# Run inside the image by image.bats (bash for /dev/tcp: the image has no
# HTTP client): builds a model store from the sample (servers.csv in the
# current folder), scores the cleaned sample in batch, then starts ad-serve
# on a loopback port, posts the cleaned sample to it as CSV, stops it, and
# compares its answer with the batch scores. (The sample's four bad rows,
# which ad-clean rejects, would make the server refuse the request: an
# answer must have a row per row sent.) Prints the HTTP status line and
# "same".
set -eu
ad-clean -q -s clean.params -o clean.csv servers.csv
ad-features -q --time timestamp --group host --rolling 12 --diff --onehot host \
	--scale robust --keep label -s features.params -o features.csv clean.csv
ad-train -q -a iforest --seed 1 -o model features.csv
mkdir -p store/servers/releases/r1
cp clean.params features.params model store/servers/releases/r1/
ln -s releases/r1 store/servers/current
ad-clean -q -r clean.params clean.csv | ad-features -q -r features.params |
	ad-score -q -m model --keep '' > batch.csv

ad-serve -q --store store --listen 127.0.0.1:0 > port.txt &
server=$!
trap 'kill $server 2>/dev/null || :' EXIT
for _ in $(seq 100); do
	grep -q '^listening on ' port.txt && break
	sleep 0.1
done
port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' port.txt)
exec 3<> "/dev/tcp/127.0.0.1/$port"
printf 'POST /v2/models/servers/infer HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/csv\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' \
	"$(wc -c < clean.csv)" >&3
cat clean.csv >&3
cat <&3 > answer.http
exec 3<&-
kill "$server"
wait "$server"
trap - EXIT
head -n 1 answer.http | tr -d '\r'
# the body: after the header's blank line
sed '1,/^\r$/d' answer.http > online.csv
cmp online.csv batch.csv
echo same
