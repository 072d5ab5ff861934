#!/usr/bin/env bats
# ad-eval's SVG plots rendered by headless Chromium (Debian's chromium) and
# checked by the pixels: curves where they belong, the legend under the plot
# areas, the chance line visible, a one-row spike kept among 200000 rows.
# Run by `make render` (part of `make test`), not by `make check`.

load ../bats/helper

PNG="$BATS_TEST_DIRNAME/png.py"

# Renders SVG $1 to PNG $2 at the SVG's own size.
render() {
	local size w h
	size=$(head -2 "$1" | grep -o 'width="[0-9]*" height="[0-9]*"')
	w=$(sed 's/width="\([0-9]*\)".*/\1/' <<< "$size")
	h=$(sed 's/.*height="\([0-9]*\)"/\1/' <<< "$size")
	timeout 60 chromium --headless --no-sandbox --disable-gpu \
		--hide-scrollbars --force-device-scale-factor=1 \
		--user-data-dir="$BATS_TEST_TMPDIR/chromium" \
		--window-size="$w,$h" --screenshot="$PWD/$2" "file://$PWD/$1" \
		> /dev/null 2>&1
	[ -s "$2" ] || { echo "chromium wrote no $2"; return 1; }
}

# Answers the queries on stdin (see png.py) about PNG $1, a line each.
pixels() {
	/usr/bin/python3 "$PNG" "$1"
}

@test "ROC and PR plot of three models: every curve in both panels, the legend below them, the PR chance line visible" {
	command -v chromium > /dev/null || skip "chromium is not installed (scripts/deps.sh test)"
	awk -F, 'NR == 1 { print $0 ",c2"; next } { print $0 "," ($1 == "" ? "" : $1 * 0.7 + NR % 5 * 0.05) }' \
		"$FIX/eval-basic.csv" > three.csv
	ad-eval -q --compare challenger --compare c2 --name "model A" --name "model B" \
		--bootstrap 10 --plot p.svg -o /dev/null three.csv
	grep -q '<text class="title"[^>]*>model A vs model B vs c2: ' p.svg
	grep -q 'chance (precision = anomalous share 0.3684)' p.svg
	render p.svg p.png
	# panels at x 0 and 440, plot areas 64..404 wide, 80..420 high; the
	# legend under them from y 470; the PR baseline 0.3684 at y 294.8
	read -r -d '' q <<-'Q' || true
	size
	nonwhite
	count #1f77b4 64 80 404 420
	count #d95f02 64 80 404 420
	count #009e73 64 80 404 420
	count #1f77b4 504 80 844 420
	count #d95f02 504 80 844 420
	count #009e73 504 80 844 420
	count #1f77b4 64 465 90 480
	count #d95f02 64 483 90 498
	count #009e73 64 501 90 516
	count #999999 520 292 840 298 40
	count #1f77b4 504 460 844 480 0
	Q
	mapfile -t n < <(pixels p.png <<< "$q")
	[ "${n[0]}" = "880 590" ]
	# not blank: curves, axes and text cover some of the picture
	[ "${n[1]}" -gt 20000 ]
	for i in 2 3 4 5 6 7; do [ "${n[$i]}" -gt 100 ] || { echo "query $i: ${n[$i]}"; false; }; done
	# each legend line in its curve's colour, in order, under the plot
	for i in 8 9 10; do [ "${n[$i]}" -gt 10 ] || { echo "legend $i: ${n[$i]}"; false; }; done
	# the dashed chance line shows across the PR panel
	[ "${n[11]}" -gt 60 ]
}

@test "time plot of 200000 rows: the panels, a one-row spike, the labelled window, the flags and the threshold show" {
	command -v chromium > /dev/null || skip "chromium is not installed (scripts/deps.sh test)"
	# a day of seconds from 2026-01-01, a sine; row 123457 spikes in v and
	# in the score, rows 150000-150999 are a labelled window
	awk 'BEGIN { print "t,v,label,score"; for (i = 0; i < 200000; i++) {
		s = 0.3 + 0.1 * sin(i / 5000); v = 10 + sin(i / 5000)
		if (i == 123457) { v = 60; s = 0.95 }
		printf "%d,%.4f,%d,%.4f\n", 1767225600 + i * 0.432, v, (i >= 150000 && i < 151000), s } }' > long.csv
	ad-eval -q --threshold 0.9 --plot-time t --plot-values v --plot-series s.svg -o /dev/null long.csv
	# plain numbers, so the axis counts them, not dates, and in full
	grep -q '>t</text>' s.svg
	grep -q '>1767240000</text>' s.svg
	ad-eval -q --threshold 0.9 --name detector --plot-time t --plot-values v \
		--plot-series s.svg -o /dev/null long.csv
	render s.svg s.png
	# the v panel at y 74..194, the score panel 224..404; the spike's pixel
	# column is 72 + 123457 / 199999 * 899 = 627; the window's 746..751
	read -r -d '' q <<-'Q' || true
	size
	count #1f77b4 622 74 633 90 80
	count #1f77b4 72 74 972 194
	count #1f77b4 72 224 972 404
	count #d62728 620 224 635 260
	count #d62728 72 224 600 404
	count #7b3294 72 230 972 260 40
	count #f8c9b4 740 74 760 194 20
	count #f8c9b4 72 74 700 194 20
	Q
	mapfile -t n < <(pixels s.png <<< "$q")
	[ "${n[0]}" = "1000 476" ]
	# the spike of one row among 200000 reaches the top of its panel (a
	# line 1.5 pixels wide, blended with white: a wider tolerance)
	[ "${n[1]}" -gt 5 ] || { echo "spike: ${n[1]}"; false; }
	[ "${n[2]}" -gt 1000 ] && [ "${n[3]}" -gt 1000 ]
	# the flagged row is marked at the spike, and nowhere else
	[ "${n[4]}" -gt 10 ] && [ "${n[5]}" -eq 0 ]
	# the dashed threshold 0.9 near the top of the score panel
	[ "${n[6]}" -gt 100 ]
	# the labelled window is shaded where it is, and only there (#f4a582
	# at opacity 0.6 on white)
	[ "${n[7]}" -gt 100 ] && [ "${n[8]}" -eq 0 ]
}
