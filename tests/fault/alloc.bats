#!/usr/bin/env bats
# Every command under allocation failure (issue 9): for N = 1, 2, ... up to
# the allocations a small run makes, the Nth fails once, then the Nth and
# all after it. Each run must end with exit 4 and one "out of memory"
# message and leave no output file, or (a transient fault absorbed) end
# as a run without faults does, with the same output. The commands are the sanitized
# build's, linked with tests/fault/alloc.c, so a leak or a bad access on any
# error path fails the run.
export ADKIT_BIN="${ADKIT_FAULT_BIN:?run through make fault}"
load ../bats/helper

# the failing allocator counts leaks (exit 97); LeakSanitizer would be slow
export ASAN_OPTIONS=detect_leaks=0:exitcode=99
export UBSAN_OPTIONS=halt_on_error=1:exitcode=98
# models record their creation time; runs must be comparable byte for byte
export SOURCE_DATE_EPOCH=1

SERVERS="$ROOT/data/servers.csv"

# Runs the command line given with the Nth allocation failing; out is the
# file it writes. Prints a line for each run whose outcome is wrong. Of the
# allocations that share a call stack (alloc.c's ADKIT_ALLOC_SITES: one
# allocation repeated in a loop, for each tree, row or column), the first
# two and the last are failed (the first with nothing built yet, the second
# with one built, the last with all the others), the rest skipped;
# ADKIT_FAULT_EVERY=1 fails every allocation. The runs are shared out among
# one worker per core plus one (they wait on process starts as much as on
# the CPU), each in a folder of its own with a copy of the inputs.
fail_each_allocation() {
	local out=$1; shift
	local count picks ok=0 w workers failed=0
	rm -f "$out"
	ADKIT_ALLOC_COUNT=count.txt ADKIT_ALLOC_SITES=sites.txt "$@" \
		> /dev/null 2> stderr.txt || ok=$?
	# ad-drift's exit 1 (drift found) is a result, not a failure
	if [ "$ok" -gt 1 ]; then
		echo "the run without faults failed:"; cat stderr.txt; return 1
	fi
	cp "$out" expected
	count=$(cat count.txt)
	# the harness works: failing every allocation fails the command
	[ "$count" -gt 0 ]
	run -4 env ADKIT_FAIL_ALLOC=1+ "$@"
	if [ "${ADKIT_FAULT_EVERY:-}" = 1 ]; then
		seq "$count" > picks.txt
	else
		awk '{ if (++seen[$1] <= 2) pick[NR] = 1; last[$1] = NR }
		    END { for (h in last) pick[last[h]] = 1
		          for (n = 1; n <= NR; n++) if (n in pick) print n }' \
		    sites.txt > picks.txt
	fi
	rm -f sites.txt
	picks=$(wc -l < picks.txt)
	workers=$(($(nproc) + 1))
	for ((w = 0; w < workers; w++)); do
		rm -rf "w$w"; mkdir "w$w"
		find . -maxdepth 1 -type f -exec cp {} "w$w" \;
		(cd "w$w" && fail_share "$w" "$workers" "$out" "$ok" "$@") &
	done
	for ((w = 0; w < workers; w++)); do
		wait -n || failed=1
	done
	if [ "$failed" = 1 ]; then
		cat w*/failures.txt
		return 1
	fi
	echo "# $1: $count allocations, $picks of them each failed once and for ever" >&3
}

# One worker's share of picks.txt: lines first, first + step, ...
fail_share() {
	local first=$1 step=$2 out=$3 ok=$4 n k mode st picks
	shift 4
	mapfile -t picks < picks.txt
	for mode in "" +; do
		for ((k = first; k < ${#picks[@]}; k += step)); do
			n=${picks[k]}
			# no rm process where there is nothing to remove (most runs
			# end in exit 4, which leaves no file)
			[ ! -e "$out" ] || rm -f "$out"
			st=0
			ADKIT_FAIL_ALLOC=$n$mode "$@" > /dev/null 2> stderr.txt || st=$?
			check_outcome "$out" "$n$mode" "$st" "$ok" > failures.txt ||
				return 1
		done
	done
}

OOM_LINE=$'^ad-[a-z]*: [^\n]*out of memory\n$'

check_outcome() {
	local out=$1 at=$2 st=$3 ok=$4 err
	case $st in
	"$ok")
		if ! cmp -s "$out" expected; then
			echo "allocation $at: exit $st with different output"
			return 1
		fi ;;
	4)
		if [ -e "$out" ]; then
			echo "allocation $at: exit 4 left $out behind"
			return 1
		fi
		# one whole line, read and matched in bash: thousands of runs,
		# no wc or grep process each
		IFS= read -r -d '' err < stderr.txt || :
		if [[ ! "$err" =~ $OOM_LINE ]]; then
			echo "allocation $at: exit 4 without one out-of-memory line:"
			cat stderr.txt
			return 1
		fi ;;
	*)
		echo "allocation $at: exit $st"
		cat stderr.txt
		return 1 ;;
	esac
}

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	head -n 61 "$SERVERS" > small.csv
}

@test "the harness sees a block left allocated at exit" {
	run -97 "$ADKIT_FAULT_BIN/leak"
	assert_output "leak: 1 blocks not freed"
}

@test "ad-clean under allocation failure" {
	fail_each_allocation out.bin ad-clean -q --impute median,label=none \
		--dedupe -s clean.params --report q.json -F bin -o out.bin small.csv
}

@test "ad-clean -r under allocation failure" {
	ad-clean -q --impute mean -s clean.params -o /dev/null small.csv
	fail_each_allocation out.csv ad-clean -q -r clean.params --applied a.params \
		-o out.csv small.csv
}

@test "ad-features under allocation failure" {
	fail_each_allocation out.csv ad-features --time timestamp --group host \
		--rolling 3 --diff --lags 1 --calendar --onehot host --scale robust \
		--log bytes_out --keep label -s f.params -o out.csv small.csv
}

@test "ad-features -r under allocation failure" {
	ad-features --scale standard --freq host --drop timestamp -s f.params \
		-o /dev/null small.csv
	fail_each_allocation out.bin ad-features -r f.params -F bin -o out.bin small.csv
}

@test "ad-train under allocation failure" {
	fail_each_allocation model ad-train -q --trees 4 --sample-size 16 \
		--threads 2 --label label --ignore timestamp,host -o model small.csv
}

@test "ad-train -a ocsvm, -a autoencoder and -a zscore under allocation failure" {
	fail_each_allocation model ad-train -q -a ocsvm --label label \
		--ignore timestamp,host -o model small.csv
	fail_each_allocation model ad-train -q -a autoencoder --hidden 4,2,4 \
		--epochs 3 --threads 1 --label label --ignore timestamp,host \
		-o model small.csv
	fail_each_allocation model ad-train -q -a zscore --threads 2 \
		--label label --ignore timestamp,host -o model small.csv
}

@test "ad-score of a zscore model under allocation failure" {
	ad-train -q -a zscore --label label --ignore timestamp,host -o model \
		small.csv
	fail_each_allocation out.csv ad-score -q --threads 3 -m model \
		--explain 1 -o out.csv small.csv
}

@test "ad-train -a hbos, -a ecod, -a pca and -a mcd under allocation failure" {
	for a in hbos ecod pca mcd; do
		fail_each_allocation model ad-train -q -a "$a" --threads 2 \
			--label label --ignore timestamp,host -o model small.csv
	done
}

@test "ad-score of hbos, ecod, pca and mcd models under allocation failure" {
	for a in hbos ecod pca mcd; do
		ad-train -q -a "$a" --label label --ignore timestamp,host \
			-o model small.csv
		fail_each_allocation out.csv ad-score -q --threads 3 -m model \
			--explain 1 -o out.csv small.csv
	done
}

@test "ad-train -a ensemble under allocation failure" {
	fail_each_allocation model ad-train -q -a ensemble=iforest,knn,hbos \
		--trees 3 --sample-size 16 --threads 2 --label label \
		--ignore timestamp,host -o model small.csv
}

@test "ad-score of an ensemble model, and --calibrated, under allocation failure" {
	ad-train -q -a ensemble=iforest,knn,hbos --trees 3 --sample-size 16 \
		--label label --ignore timestamp,host -o model small.csv
	fail_each_allocation out.csv ad-score -q --threads 3 -m model \
		--explain 1 --calibrated -o out.csv small.csv
}

@test "ad-train --merge under allocation failure" {
	ad-train -q --trees 2 --seed 1 --label label -o m1 --ignore timestamp,host small.csv
	ad-train -q --trees 2 --seed 2 --label label -o m2 --ignore timestamp,host small.csv
	fail_each_allocation model ad-train -q --merge -o model m1 m2
}

@test "ad-score under allocation failure" {
	ad-train -q --trees 4 --sample-size 16 --label label \
		--ignore timestamp,host -o model small.csv
	fail_each_allocation out.csv ad-score -q --threads 2 -m model \
		--explain 2 -o out.csv small.csv
	fail_each_allocation meta.json ad-score --inspect -m model -o meta.json
}

@test "a lineage through ad-train and ad-score under allocation failure" {
	ad-clean -q -s c.params -F bin small.csv |
		ad-features -q --scale standard --drop timestamp,host -s f.params \
		-F bin -o feat.bin
	fail_each_allocation model ad-train -q -a zscore -o model feat.bin
	ad-train -q -a zscore -o model feat.bin
	fail_each_allocation out.csv ad-score -q -m model -F csv -o out.csv feat.bin
	fail_each_allocation meta.json ad-score --inspect -m model -o meta.json
}

@test "ad-eval under allocation failure" {
	ad-train -q --trees 4 --label label --ignore timestamp,host -o model small.csv
	ad-score -q -m model --keep host,label -o scored.csv small.csv
	fail_each_allocation report.json ad-eval -F json --by host \
		--curves curves.csv --plot-series s.svg -o report.json scored.csv
}

@test "ad-drift under allocation failure" {
	head -n 31 small.csv > ref.csv
	{ head -n 1 small.csv; tail -n 30 small.csv; } > cur.csv
	fail_each_allocation report.csv ad-drift -r ref.csv -F csv -o report.csv cur.csv
	fail_each_allocation ref.prof ad-drift --profile -o ref.prof ref.csv
}

@test "ad-train -a knn and -a lof, and ad-score of their models, under allocation failure" {
	fail_each_allocation model ad-train -q -a knn --k 3 --threads 2 \
		--label label --ignore timestamp,host -o model small.csv
	fail_each_allocation out.csv ad-score -q --threads 3 -m model \
		--explain 1 -o out.csv small.csv
	fail_each_allocation model ad-train -q -a lof --k 4 --threads 2 \
		--label label --ignore timestamp,host -o model small.csv
	fail_each_allocation out.csv ad-score -q --threads 3 -m model \
		--explain 1 -o out.csv small.csv
}
