#!/usr/bin/env bats
# The reader on several threads: CSV after the rows that settle the types
# is cut into chunks (ADKIT_CHUNK_BYTES makes them tiny here, so records,
# quoted newlines and errors fall on chunk edges) and parsed at once; every
# output must be byte-identical for any --threads, from a file or a pipe.

load helper

# data.csv: 1500 rows (the chunks begin after the 1000 that settle the
# types) with quoted newlines, CRLFs, blank lines, rows of the wrong field
# count and cells that are no numbers spread over the file.
make_data() {
	awk 'BEGIN {
		print "a,b,note,label"
		for (i = 1; i <= 1500; i++) {
			k = i % 11
			if (k == 3) printf "%d,%d.5,\"two\nlines\",0\n", i, i
			else if (k == 5) printf "%d,%d,crlf,1\r\n", i, -i
			else if (k == 7 && i > 1000) printf "%d,%d\n", i, i
			else if (k == 8 && i > 1000) printf "%d,x%d,bad,0\n", i, i
			else if (k == 9) printf "\n%d,%d.25,\"q,\"\"r\"\"\",0\n", i, i
			else printf "%d,%d.125,t%d,%d\n", i, 2 * i, i % 13, i % 17 == 0
		}
	}' > data.csv
}

# Runs "$@" with --threads 1, 2 and 7 in tiny chunks, each into out.N
# (stdout, stderr and the exit status); all must equal the first.
same_for_threads() {
	local t
	for t in 1 2 7; do
		ADKIT_CHUNK_BYTES=61 "$@" --threads "$t" > "out.$t" 2>&1 &&
			echo "exit 0" >> "out.$t" || echo "exit $?" >> "out.$t"
		sed -i "s/^\(ad-[a-z]*: \)[0-9.]* s\b//" "out.$t"
		cmp out.1 "out.$t" || { diff out.1 "out.$t" | head; return 1; }
	done
}

@test "ad-clean: output, rejects, report and messages the same for any --threads" {
	make_data
	for t in 1 2 7; do
		ADKIT_CHUNK_BYTES=61 run ad-clean --threads "$t" --rejects "rej.$t" \
			--report "rep.$t" -o "clean.$t" data.csv
		assert_success
		echo "$output" > "err.$t"
	done
	[ "$(wc -l < rej.1)" -gt 40 ]
	grep -q '"rows_rejected"' rep.1
	for t in 2 7; do
		cmp clean.1 "clean.$t"
		cmp rej.1 "rej.$t"
		cmp rep.1 "rep.$t"
		cmp err.1 "err.$t"
	done
	# the default chunk (the whole rest in one) gives the same
	run ad-clean --threads 1 --rejects rej.d --report rep.d -o clean.d data.csv
	cmp clean.1 clean.d
	cmp rej.1 rej.d
}

@test "ad-clean: a pipe gives what the file gives" {
	make_data
	ADKIT_CHUNK_BYTES=61 ad-clean -q --threads 1 -F bin -o file.bin data.csv
	for t in 1 2 7; do
		ADKIT_CHUNK_BYTES=61 run_pipe "cat data.csv | ad-clean -q --threads $t -F bin > pipe.$t.bin"
		assert_success
		# the lineage names the input (<stdin>), so the rows are compared
		same_rows file.bin "pipe.$t.bin"
		cmp pipe.1.bin "pipe.$t.bin"
	done
}

@test "the first error in input order is reported, whatever the thread count" {
	make_data
	# a bad quote in one chunk, a bad cell (--strict) earlier in another
	awk 'NR == 1400 { print "1400,\"7\"x,bad,0"; next } { print }' data.csv > two.csv
	same_for_threads ad-clean --strict -o /dev/null two.csv
	grep -q "^ad-clean: two.csv:1193:2: column \"b\": expected a number" out.1
	grep -q "^exit 3" out.1
	same_for_threads ad-clean -o /dev/null two.csv
	grep -q "two.csv:1400:2: malformed quoted field" out.1
	grep -q "^exit 3" out.1
	# --max-rejects stops at the same row
	same_for_threads ad-clean --max-rejects 3 -o /dev/null data.csv
	grep -q "more than 3 rejected rows" out.1
}

@test "a header only, and a file smaller than a chunk, read the same" {
	printf 'a,b\r\n' > head.csv
	same_for_threads ad-clean head.csv
	grep -qx 'a,b' out.1
	printf 'a,b\n1,p\n3,"x\ny"\n' > small.csv
	ADKIT_CHUNK_BYTES=1048576 run ad-clean --threads 7 --infer-rows 1 small.csv
	assert_success
	assert_output --partial '"x
y"'
	same_for_threads ad-clean --infer-rows 1 small.csv
}

@test "ad-features, ad-train, ad-score, ad-eval, ad-drift: the same for any --threads" {
	make_data
	ad-clean -q --drop note -o num.csv data.csv
	same_for_threads ad-features --window 5 num.csv
	SOURCE_DATE_EPOCH=0 same_for_threads ad-train -a iforest --seed 7 \
		-o /dev/stdout num.csv
	ad-train -q -a iforest --seed 7 -o m.model num.csv
	same_for_threads ad-score -m m.model num.csv
	ADKIT_CHUNK_BYTES=61 ad-score -q --threads 2 -m m.model -o scored.csv num.csv
	same_for_threads ad-eval scored.csv
	same_for_threads ad-drift --reference num.csv num.csv
}

@test "a binary stream reads the same for any --threads" {
	make_data
	ad-clean -q -F bin -o data.bin data.csv
	same_for_threads ad-clean -F csv data.bin
	ad-clean -q -o data.out.csv data.csv
	head -c -0 out.1 | sed '$d' | cmp - data.out.csv
}

@test "the examples of cells made missing are the first few in input order, whatever the chunks and threads" {
	{
		echo "id,x"
		for i in $(seq 1 400); do
			if [ $((i % 37)) = 0 ]; then echo "$i,w$((i % 5))"; else echo "$i,$i.5"; fi
		done
	} > d.csv
	run --separate-stderr ad-clean --threads 1 -o /dev/null d.csv
	assert_success
	[[ "$stderr" == *'(such as "w2", "w4", "w1")'* ]]
	printf '%s\n' "$stderr" > one.txt
	for t in 1 2 7; do
		ADKIT_CHUNK_BYTES=61 ad-clean --threads $t -o /dev/null d.csv 2> "e.$t"
		cmp one.txt "e.$t"
	done
}
