#!/usr/bin/env bats
# ad-clean from the outside: options, exit codes, messages, golden output.

load helper

@test "--help prints the usage on stdout and exits 0" {
	run ad-clean --help
	assert_success
	assert_line --index 0 --partial "ad-clean:"
	assert_output --partial "usage: ad-clean [-nqV]"
	run ad-clean -h
	assert_success
}

@test "--version names the command and adkit" {
	run ad-clean --version
	assert_success
	assert_output --regexp '^ad-clean \(adkit\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "an unknown option is a usage error on stderr" {
	run --separate-stderr ad-clean --no-such-option
	assert_failure 2
	assert_equal "$output" ""
	[[ "$stderr" == "ad-clean: unknown option --no-such-option"* ]]
	[[ "$stderr" == *"usage: ad-clean"* ]]
}

@test "an option without its value is a usage error" {
	run --separate-stderr ad-clean --max-rejects
	assert_failure 2
	[[ "$stderr" == "ad-clean: option --max-rejects needs a value"* ]]
}

@test "numbers in options are checked strictly" {
	for bad in abc 1x -1 "" 99999999999999999999999; do
		run --separate-stderr ad-clean --max-rejects "$bad" "$FIX/mixed.csv"
		assert_failure 2
		[[ "$stderr" == "ad-clean: --max-rejects takes a whole number"* ]]
	done
	run --separate-stderr ad-clean --infer-rows 0 "$FIX/mixed.csv"
	assert_failure 2
	[[ "$stderr" == "ad-clean: --infer-rows must be from 1"* ]]
}

@test "bad delimiter, format and list values are usage errors" {
	run ad-clean -d ab "$FIX/mixed.csv"
	assert_failure 2
	run ad-clean -F json "$FIX/mixed.csv"
	assert_failure 2
	run ad-clean --select 'a,,b' "$FIX/mixed.csv"
	assert_failure 2
	run ad-clean --impute '=mean' "$FIX/mixed.csv"
	assert_failure 2
}

@test "two inputs, or --save with --restore, are usage errors" {
	run ad-clean -i "$FIX/mixed.csv" "$FIX/mixed.csv"
	assert_failure 2
	run ad-clean -s p -r p "$FIX/mixed.csv"
	assert_failure 2
	run ad-clean --select id --drop host "$FIX/mixed.csv"
	assert_failure 2
}

@test "default cleaning matches the golden output" {
	run --separate-stderr ad-clean "$FIX/mixed.csv"
	assert_success
	assert_equal "$output" "$(cat "$GOLD/clean-default.csv")"
	[[ "$stderr" == *"10 rows read, 9 written; 1 rejected, 1 invalid cells"* ]]
}

@test "-q silences the summary" {
	run --separate-stderr ad-clean -q "$FIX/mixed.csv"
	assert_success
	assert_equal "$stderr" ""
}

@test "input from stdin, -i and a file argument are the same" {
	ad-clean -q "$FIX/mixed.csv" > a.csv
	ad-clean -q -i "$FIX/mixed.csv" > b.csv
	ad-clean -q < "$FIX/mixed.csv" > c.csv
	ad-clean -q -i - < "$FIX/mixed.csv" > d.csv
	cmp a.csv b.csv && cmp a.csv c.csv && cmp a.csv d.csv
}

@test "imputation, dedupe and a report match the golden files" {
	cd "$ROOT"
	run ad-clean -q --impute median,host=unknown,note=mode --dedupe \
		--report "$BATS_TEST_TMPDIR/report.json" tests/fixtures/mixed.csv
	assert_success
	assert_equal "$output" "$(cat "$GOLD/clean-impute.csv")"
	cmp "$BATS_TEST_TMPDIR/report.json" "$GOLD/clean-report.json"
}

@test "the report names the input and counts every kind of problem" {
	ad-clean -q --dedupe --drop-missing --report r.json "$FIX/mixed.csv" > /dev/null
	grep -q '"rows_read": 10,' r.json
	grep -q '"rows_rejected": 1,' r.json
	grep -q '"rows_duplicate": 1,' r.json
	grep -q '"rows_dropped_missing": 5,' r.json
	grep -q '"cells_invalid": 1,' r.json
	grep -q '{"name": "cpu", "type": "numeric", "missing": 2, "invalid": 1' r.json
}

@test "--prom writes metrics that promtool accepts without a warning" {
	(cd "$ROOT" && SOURCE_DATE_EPOCH=1700000000 ad-clean -q \
		--prom "$BATS_TEST_TMPDIR/m.prom" tests/fixtures/mixed.csv > /dev/null)
	cmp m.prom "$GOLD/clean.prom"
	if command -v promtool > /dev/null; then
		run promtool check metrics < m.prom
		assert_success
		assert_output ""
	fi
}

@test "--strict stops at a bad number, naming file, line and column" {
	run --separate-stderr ad-clean --strict -o out.csv "$FIX/mixed.csv"
	assert_failure 3
	assert_equal "$stderr" "ad-clean: $FIX/mixed.csv:5:3: column \"cpu\": expected a number, got \"abc\""
	[ ! -e out.csv ]
}

# A file past a MiB is mapped and read in pieces, a pipe in others: the
# output is the same, and the first error in input order is reported
# (a bad number on line 60002 before a stray quote on line 60003). The
# streams differ only in the input's name their lineage records; both
# record the input's SHA-256.
@test "a large file and the same bytes through a pipe: same output, same first error" {
	{ echo "a,b,c"; seq 1 60000 | awk '{ print $1 "," $1 * 3 ".5,\"q " $1 "\"" }'; } > big.csv
	ad-clean -q -F bin -o file.bin big.csv
	cat big.csv | ad-clean -q -F bin -o pipe.bin
	cmp <(ad-clean -q -F csv file.bin) <(ad-clean -q -F csv pipe.bin)
	sha=$(sha256sum big.csv | cut -d' ' -f1)
	od -An -tx1 -v file.bin | tr -d ' \n' | grep -q "$sha"
	od -An -tx1 -v pipe.bin | tr -d ' \n' | grep -q "$sha"
	printf '1,x,y\n2,a"b,z\n' >> big.csv
	run --separate-stderr ad-clean --strict -o out.csv big.csv
	assert_failure 3
	assert_equal "$stderr" "ad-clean: big.csv:60002:2: column \"b\": expected a number, got \"x\""
	run_pipe "cat big.csv | ad-clean --strict -o out.csv"
	assert_failure 3
	[[ "$output" == *"<stdin>:60002:2: column \"b\": expected a number"* ]]
}

@test "a number out of range is named as such" {
	printf 'x\n1\n1e999\n' > big.csv
	run --separate-stderr ad-clean --strict big.csv
	assert_failure 3
	assert_equal "$stderr" "ad-clean: big.csv:3:1: column \"x\": number out of range, got \"1e999\""
}

@test "rows with the wrong field count are rejected, counted and kept with --rejects" {
	run ad-clean -q --rejects rej.csv "$FIX/mixed.csv"
	assert_success
	assert_equal "$(cat rej.csv)" "9,7,web1,99.99999999999999,3000"
	refute_output --partial "99.99999999999999"
}

@test "--max-rejects fails once more rows than allowed are rejected" {
	run ad-clean -q --max-rejects 1 "$FIX/mixed.csv"
	assert_success
	run --separate-stderr ad-clean -q --max-rejects 0 -o out.csv "$FIX/mixed.csv"
	assert_failure 3
	[[ "$stderr" == "ad-clean: $FIX/mixed.csv:9: expected 5 fields, got 4" ]]
	[ ! -e out.csv ]
}

@test "--drop-missing drops rows that still miss a value" {
	run ad-clean -q --drop-missing "$FIX/mixed.csv"
	assert_success
	assert_equal "${#lines[@]}" 5
	refute_output --partial "web2"
}

@test "--impute applies per column and named columns override" {
	printf 'a,b,c\n1,,x\n,4,\n3,8,x\n' > t.csv
	run ad-clean -q --impute zero,b=mean,c=none t.csv
	assert_success
	assert_output "$(printf 'a,b,c\n1,6,x\n0,4,\n3,8,x')"
	run ad-clean -q --impute 'mode,a=-1' t.csv
	assert_output "$(printf 'a,b,c\n1,4,x\n-1,4,x\n3,8,x')"
}

@test "--impute mean on a text column is refused" {
	run --separate-stderr ad-clean --impute host=mean "$FIX/mixed.csv"
	assert_failure 3
	[[ "$stderr" == *'column "host" is text; mean needs numbers'* ]]
}

@test "a fill value that does not fit a numeric column is refused" {
	run ad-clean --impute cpu=lots "$FIX/mixed.csv"
	assert_failure 3
}

@test "--select keeps the given order and --drop removes columns" {
	run ad-clean -q --select note,id "$FIX/crlf.csv"
	assert_failure 3
	run ad-clean -q --select 'b,a' "$FIX/crlf.csv"
	assert_success
	assert_output "$(printf 'b,a\n2,1\n4,3')"
	run ad-clean -q --drop a "$FIX/crlf.csv"
	assert_output "$(printf 'b\n2\n4')"
}

@test "an unknown column in --select or --drop names it (exit 3)" {
	run --separate-stderr ad-clean --drop nope "$FIX/mixed.csv"
	assert_failure 3
	assert_equal "$stderr" "ad-clean: $FIX/mixed.csv: column \"nope\" is not in the input; did you mean \"note\"? (its 5 columns: id, host, cpu, bytes, note)"
}

@test "--na changes what counts as missing, sentinels included" {
	printf 'x,y\n-999,a\n5,NA\n' > s.csv
	run ad-clean -q --na '-999,NA' --impute x=zero s.csv
	assert_output "$(printf 'x,y\n0,a\n5,')"
	run ad-clean -q --na '' s.csv
	assert_output "$(printf 'x,y\n-999,a\n5,NA')"
}

@test "--schema fixes a column's type, keeping leading zeros" {
	# leading zeros alone make a column text (ZIP codes)
	run ad-clean -q "$FIX/zip.csv"
	assert_output "$(printf 'zip,amount\n02134,10\n00501,20.5')"
	printf 'column,type\nzip,numeric\n' > num.csv
	run ad-clean -q --schema num.csv "$FIX/zip.csv"
	assert_output "$(printf 'zip,amount\n2134,10\n501,20.5')"
	run ad-clean -q --schema "$FIX/zip.schema.csv" "$FIX/zip.csv"
	assert_output "$(printf 'zip,amount\n02134,10\n00501,20.5')"
	printf 'column,type\nzip,date\n' > bad.csv
	run --separate-stderr ad-clean --schema bad.csv "$FIX/zip.csv"
	assert_failure 3
	assert_equal "$stderr" "ad-clean: bad.csv:2:2: type must be numeric or text, not \"date\""
	printf 'column,type\nnope,text\n' > missing.csv
	run ad-clean --schema missing.csv "$FIX/zip.csv"
	assert_failure 3
}

@test "-n names columns c1..cN and writes no header" {
	printf '1,a\n2,b\n' > nh.csv
	run ad-clean -q -n --select c2 nh.csv
	assert_output "$(printf 'a\nb')"
}

@test "-d reads and writes another delimiter" {
	printf 'a;b\n1;x,y\n' > semi.csv
	run ad-clean -q -d ';' semi.csv
	assert_output "$(printf 'a;b\n1;x,y')"
	printf 'a\tb\n1\t2\n' > tab.tsv
	run ad-clean -q -d tab tab.tsv
	assert_output "$(printf 'a\tb\n1\t2')"
}

@test "CRLF, a BOM and a missing final newline are read" {
	run ad-clean -q "$FIX/crlf.csv"
	assert_output "$(printf 'a,b\n1,2\n3,4')"
	run ad-clean -q "$FIX/bom.csv"
	assert_output "$(printf 'a,b\n1,2')"
}

@test "empty input is an error, a header alone is a valid empty table" {
	run --separate-stderr ad-clean < /dev/null
	assert_failure 3
	assert_equal "$stderr" "ad-clean: <stdin>:1: empty input: expected a header row"
	printf 'a,b\n' | ad-clean -q > h.csv
	assert_equal "$(cat h.csv)" "a,b"
}

@test "duplicate and non-UTF-8 column names are refused" {
	printf 'a,b,a\n1,2,3\n' > dup.csv
	run --separate-stderr ad-clean dup.csv
	assert_failure 3
	assert_equal "$stderr" "ad-clean: dup.csv:1:3: duplicate column name \"a\""
	printf 'a,\xff\n1,2\n' > utf.csv
	run ad-clean utf.csv
	assert_failure 3
}

@test "a malformed quote names its line" {
	printf 'a,b\n1,2\n3,x"y\n' > q.csv
	run --separate-stderr ad-clean q.csv
	assert_failure 3
	[[ "$stderr" == "ad-clean: q.csv:3:2: malformed quoted field"* ]]
	printf 'a,b\n1,"open\n' > q2.csv
	run ad-clean q2.csv
	assert_failure 3
}

@test "CSV -> binary -> CSV reproduces the output byte for byte" {
	ad-clean -q "$FIX/mixed.csv" > direct.csv
	ad-clean -q -F bin "$FIX/mixed.csv" > mixed.bin
	head -c 8 mixed.bin | od -An -tx1 | grep -q '89 41 44 4b 0d 0a 1a 0a'
	ad-clean -q -F csv < mixed.bin > back.csv
	cmp direct.csv back.csv
	# a second pass adds a step to the lineage, and nothing to the rows
	ad-clean -q < mixed.bin > same.bin
	ad-clean -q -F csv same.bin | cmp - direct.csv
}

@test "numbers keep every bit through CSV and binary" {
	printf 'x\n0.1\n-0\n1e308\n4.9e-324\n2.2250738585072014e-308\n9007199254740993\n0.30000000000000004\n123456789012345678901234567890\ninf\n-inf\n' > n.csv
	run ad-clean -q n.csv
	assert_output "$(printf 'x\n0.1\n-0\n1e+308\n5e-324\n2.2250738585072014e-308\n9007199254740992\n0.30000000000000004\n1.2345678901234568e+29\ninf\n-inf')"
	ad-clean -q -F bin n.csv | ad-clean -q -F csv > back.csv
	assert_equal "$(cat back.csv)" "$output"
}

@test "a truncated binary stream is refused" {
	ad-clean -q -F bin "$FIX/mixed.csv" > full.bin
	size=$(wc -c < full.bin)
	head -c $((size - 3)) full.bin > cut.bin
	run --separate-stderr ad-clean cut.bin
	assert_failure 3
	[[ "$stderr" == "ad-clean: cut.bin: binary stream truncated"* ]]
}

@test "--save then --restore gives byte-identical output" {
	ad-clean -q --impute median,host=mode --dedupe --drop note -s p.txt -o one.csv "$FIX/mixed.csv"
	ad-clean -q -r p.txt -o two.csv "$FIX/mixed.csv"
	cmp one.csv two.csv
	head -1 p.txt | grep -qx 'adkit-params 1 ad-clean'
	cmp p.txt "$GOLD/clean.params"
}

@test "fills learned over many blocks are applied to every row, as a restore applies them" {
	# 20000 rows (several blocks) wait in memory for the fills, then are
	# replayed in order; -r applies the same fills in one pass
	awk 'BEGIN { print "id,v,host"; for (i = 0; i < 20000; i++)
		print i "," (i % 9 ? i % 97 : "") "," (i % 11 ? "h" i % 4 : "") }' > many.csv
	ad-clean -q --impute mean,host=mode -s p.txt -o one.csv many.csv
	ad-clean -q -r p.txt -o two.csv many.csv
	cmp one.csv two.csv
	[ "$(wc -l < one.csv)" -eq 20001 ]
	[ "$(cut -d, -f1 one.csv | sed 1d | awk '$1 != NR - 1' | wc -l)" -eq 0 ]
	ad-clean -q --impute median --drop-missing -F bin many.csv | ad-clean -q -F csv > bin.csv
	ad-clean -q --impute median --drop-missing many.csv | cmp - bin.csv
}

@test "--applied copies the params restored, and needs --restore" {
	ad-clean -q --impute median -s p.txt -o /dev/null "$FIX/mixed.csv"
	ad-clean -q -r p.txt --applied copy.txt -o /dev/null "$FIX/mixed.csv"
	cmp p.txt copy.txt
	run --separate-stderr ad-clean --applied copy2.txt "$FIX/mixed.csv"
	assert_failure 2
	[[ "$stderr" == "ad-clean: --applied needs --restore"* ]]
	[ ! -e copy2.txt ]
	# a params file of another command is refused, and nothing is written
	ad-features -q -s f.txt -o /dev/null "$FIX/mixed.csv" 2>/dev/null ||
		printf 'adkit-params 1 ad-features\n' > f.txt
	run --separate-stderr ad-clean -r f.txt --applied copy3.txt "$FIX/mixed.csv"
	assert_failure 3
	[ ! -e copy3.txt ]
}

@test "--restore refuses options the params file fixes" {
	ad-clean -q -s p.txt "$FIX/mixed.csv" > /dev/null
	for opt in "--impute zero" "--dedupe" "--drop-missing" "--select id" \
	    "--drop id" "--na x" "--schema $FIX/zip.schema.csv"; do
		run --separate-stderr ad-clean -r p.txt $opt "$FIX/mixed.csv"
		assert_failure 2
		[[ "$stderr" == "ad-clean: ${opt%% *} cannot be combined with --restore"* ]]
	done
}

@test "--restore on data that does not fit names the column (exit 3)" {
	ad-clean -q -s p.txt "$FIX/crlf.csv" > /dev/null
	printf 'a\n1\n' > fewer.csv
	run --separate-stderr ad-clean -r p.txt fewer.csv
	assert_failure 3
	assert_equal "$stderr" "ad-clean: fewer.csv: column \"b\" is not in the input (its 1 column: a)"
	printf 'a,b,c\n1,2,3\n' > more.csv
	run --separate-stderr ad-clean -r p.txt more.csv
	assert_failure 3
	[[ "$stderr" == 'ad-clean: more.csv:3: column "c" is not in the params file'* ]] ||
	[[ "$stderr" == 'ad-clean: more.csv: column "c" is not in the params file'* ]]
}

@test "a params file from another command, or no params file, is refused" {
	printf 'adkit-params 1 ad-features\n' > other.txt
	run --separate-stderr ad-clean -r other.txt "$FIX/mixed.csv"
	assert_failure 3
	assert_equal "$stderr" "ad-clean: other.txt:1: params file was written by ad-features, not ad-clean"
	printf 'hello\n' > junk.txt
	run ad-clean -r junk.txt "$FIX/mixed.csv"
	assert_failure 3
	run ad-clean -r missing.txt "$FIX/mixed.csv"
	assert_failure 4
}

@test "a missing input file is an I/O error naming it" {
	run --separate-stderr ad-clean no-such.csv
	assert_failure 4
	assert_equal "$stderr" "ad-clean: no-such.csv: cannot open: No such file or directory"
}

@test "writing to a full device fails with exit 4 and names it" {
	run --separate-stderr ad-clean -o /dev/full "$FIX/mixed.csv"
	assert_failure 4
	[[ "$stderr" == "ad-clean: /dev/full: write error: No space left on device" ]]
}

@test "a failed run leaves no output file and keeps an old one" {
	run ad-clean --strict -o out.csv "$FIX/mixed.csv"
	assert_failure 3
	[ ! -e out.csv ]
	echo old > keep.csv
	run ad-clean --strict -o keep.csv "$FIX/mixed.csv"
	assert_failure 3
	assert_equal "$(cat keep.csv)" "old"
	run ad-clean -o missing-dir/out.csv "$FIX/mixed.csv"
	assert_failure 4
	[ ! -e missing-dir ]
	ls -A > after.txt
	run grep -v -e '^out.csv$' -e '^keep.csv$' -e '^after.txt$' after.txt
	assert_output ""
}

@test "-o may name the input itself" {
	cp "$FIX/crlf.csv" self.csv
	ad-clean -q -i self.csv -o self.csv
	assert_equal "$(cat self.csv)" "$(printf 'a,b\n1,2\n3,4')"
}

@test "a closed pipe downstream ends quietly" {
	awk 'BEGIN { print "a,b,c"; for (i = 0; i < 300000; i++) print i "," i*2 ",x" i }' > big.csv
	run_pipe "ad-clean big.csv 2> err.txt | head -n 1"
	assert_success
	assert_output "a,b,c"
	assert_equal "$(cat err.txt)" ""
	run_pipe "ad-clean -F bin big.csv 2> err.txt | head -c 10 > /dev/null"
	assert_success
	assert_equal "$(cat err.txt)" ""
}

@test "SIGTERM during -o leaves no file behind" {
	mkfifo slow
	( printf 'a\n1\n'; exec sleep 30 ) > slow 3>&- &
	writer=$!
	ad-clean -i slow -o out.csv 3>&- &
	pid=$!
	sleep 0.5
	kill -TERM "$pid"
	wait "$pid" || true
	kill "$writer" 2> /dev/null || true
	[ ! -e out.csv ]
	run ls -A
	assert_output "slow"
}

# ---- regressions: each failed before its fix ----

@test "-o through a symlink replaces the link's target, not the link" {
	printf 'a\n1\n' > real.csv
	ln -s real.csv link.csv
	printf 'a\n2\n' | ad-clean -o link.csv
	[ -L link.csv ]
	assert_equal "$(cat real.csv)" "$(printf 'a\n2')"
}

@test "--infer-rows looks at exactly the first N rows, however input arrives" {
	printf 'a\nx\ny\n1\n2\n3\n' > t.csv
	run ad-clean -q --infer-rows 2 t.csv
	assert_output "$(printf 'a\nx\ny\n1\n2\n3')"
	run ad-clean -q --infer-rows 2 --strict -i - < t.csv
	assert_success
}

@test "a blank line in a params file is no crash" {
	printf 'adkit-params 1 ad-clean\n \n' > p.txt
	run --separate-stderr ad-clean -r p.txt "$FIX/mixed.csv"
	assert_failure 3
	assert_equal "$stderr" "ad-clean: p.txt: params file lacks its \"na\" or \"input\" lines"
}

@test "a column-wide --impute that does not fit a column keeps its fill" {
	printf 'a,t\n,\n1,x\n' > t.csv
	run ad-clean -q --impute mean,unk t.csv
	assert_output "$(printf 'a,t\n1,unk\n1,x')"
	run ad-clean -q --impute unk,mean t.csv
	assert_output "$(printf 'a,t\n1,unk\n1,x')"
}

@test "with --dedupe, the mean is learned from distinct rows" {
	printf 'k,v\n1,10\n1,10\n1,10\n2,1\n3,\n' > d.csv
	run ad-clean -q --dedupe --impute mean d.csv
	assert_output "$(printf 'k,v\n1,10\n2,1\n3,5.5')"
}

@test "a schema file's names may look like numbers" {
	printf '2024,2025\n1,x\n' > y.csv
	printf 'column,type\n2024,text\n2025,text\n' > s.csv
	run ad-clean -q --schema s.csv y.csv
	assert_success
	printf 'name,type\n' > nocol.csv
	run --separate-stderr ad-clean --schema nocol.csv y.csv
	assert_failure 3
	assert_equal "$stderr" "ad-clean: nocol.csv:1: a schema file needs columns \"column\" and \"type\""
}

@test "an unclosed quote at the end names the line its record starts on" {
	printf 'a,b\n1,2\n3,"4\n' > q.csv
	run --separate-stderr ad-clean q.csv
	assert_failure 3
	assert_equal "$stderr" "ad-clean: q.csv:3:2: quoted field not closed before the end of the input"
}

@test "a params file listing an output column twice is refused" {
	ad-clean -q -s p.txt "$FIX/crlf.csv" > /dev/null
	echo 'output a none' >> p.txt
	run --separate-stderr ad-clean -r p.txt "$FIX/crlf.csv"
	assert_failure 3
	[[ "$stderr" == *'output column "a" is listed twice' ]]
}

@test "a wide table: many columns cost neither quadratic time nor huge blocks" {
	awk 'BEGIN { for (r = 0; r < 3; r++) { for (c = 1; c <= 30000; c++)
		printf "%s%s", (c > 1 ? "," : ""), (r ? r * c : "c" c); print "" } }' > wide.csv
	run /usr/bin/time -f '%M' ad-clean -q -F bin -o wide.bin wide.csv
	assert_success
	# peak RSS in KiB; a sanitizer's quarantine makes it meaningless there
	[ -n "${ADKIT_SANITIZED:-}" ] || [ "${lines[-1]}" -lt 200000 ]
	ad-clean -q -F csv wide.bin | cmp - wide.csv
	sed '1s/$/,c7/' wide.csv | head -1 > dup.csv
	run --separate-stderr ad-clean dup.csv
	assert_failure 3
	assert_equal "$stderr" "ad-clean: dup.csv:1:30001: duplicate column name \"c7\""
}

@test "binary blocks of a table wider than 64 columns round trip" {
	awk 'BEGIN { for (c = 1; c <= 100; c++) printf "%s%s", (c > 1 ? "," : ""), "x" c;
		print ""; for (r = 0; r < 9000; r++) { for (c = 1; c <= 100; c++)
		printf "%s%s", (c > 1 ? "," : ""), r + c / 8; print "" } }' > w.csv
	ad-clean -q -F bin w.csv | ad-clean -q -F csv | cmp - w.csv
}

@test "a column with nothing to learn a fill from is named in a note" {
	printf 'a,b\n,1\n,2\n' > u.csv
	run --separate-stderr ad-clean --impute mean u.csv
	assert_success
	assert_equal "$stderr" 'ad-clean: 1 column(s) had no values to learn a fill from ("a"); their missing cells stay missing'
}
