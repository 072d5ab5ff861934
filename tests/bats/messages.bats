#!/usr/bin/env bats
# Messages that say what to do (issue 17): a missing column, a model's
# missing features, unscored data, a control character in a header.

load helper

@test "a missing column: the closest name and the columns found" {
	printf 'id,host,cpu,mem\n1,a,2,3\n2,b,3,4\n' > in.csv
	run --separate-stderr ad-train -o m --features cpu,mme in.csv
	assert_failure 3
	assert_equal "$stderr" 'ad-train: in.csv: feature column "mme" is not in the input; did you mean "mem"? (its 4 columns: id, host, cpu, mem)'
	run --separate-stderr ad-eval --label CPU in.csv
	assert_failure 3
	[[ "$stderr" == *'column "CPU" is not in the input; did you mean "cpu"?'* ]]
	# far from every name: no guess
	run --separate-stderr ad-clean --select nothing in.csv
	assert_failure 3
	assert_equal "$stderr" 'ad-clean: in.csv: column "nothing" is not in the input (its 4 columns: id, host, cpu, mem)'
}

@test "a missing column in a wide input: the first columns and a count" {
	printf 'c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11,c12\n' > wide.csv
	printf '1,2,3,4,5,6,7,8,9,10,11,12\n' >> wide.csv
	run --separate-stderr ad-features --select zz wide.csv
	assert_failure 3
	assert_equal "$stderr" 'ad-features: wide.csv: column "zz" is not in the input (its 12 columns: c1, c2, c3, c4, c5, c6, c7, c8 and 4 more)'
}

@test "a header read as one field suggests -d" {
	printf 'a;b;cpu\n1;2;3\n' > semi.csv
	run --separate-stderr ad-train -o m --features cpu semi.csv
	assert_failure 3
	[[ "$stderr" == *"its header is one field holding ';': if that separates the columns, give -d ';'" ]]
	printf 'a|b\n1|2\n' > pipe.csv
	run --separate-stderr ad-eval --score b pipe.csv
	assert_failure 3
	[[ "$stderr" == *"give -d '|'" ]]
	run ad-eval -d '|' --score b --label a pipe.csv
	assert_success
}

@test "a tab or another control character in a column name has its own message" {
	printf 'a\tb\n1\t2\n' > t.csv
	run --separate-stderr ad-clean t.csv
	assert_failure 3
	assert_equal "$stderr" 'ad-clean: t.csv:1:1: column name "a\x09b" holds a control character (\x09); if tabs separate the columns, give -d tab'
	printf 'a\001b,c\n1,2\n' > c.csv
	run --separate-stderr ad-clean c.csv
	assert_failure 3
	assert_equal "$stderr" 'ad-clean: c.csv:1:1: column name "a\x01b" holds a control character (\x01)'
}

@test "a model given rows without its features names them all and where they come from" {
	printf 'a,b,c\n1,2,3\n2,3,5\n3,1,4\n4,4,1\n' > t.csv
	ad-train -q --trees 2 -o m t.csv
	cut -d, -f2 t.csv > b.csv
	run --separate-stderr ad-score -m m b.csv
	assert_failure 3
	assert_equal "$stderr" "ad-score: b.csv: the model's feature columns \"a\" and \"c\" are not in the input (its 1 column: b); make the features as the training data's were, with ad-features -r PARAMS"
	printf 'x,y\n1,2\n' > xy.csv
	run --separate-stderr ad-score -m m xy.csv
	assert_failure 3
	[[ "$stderr" == *'columns "a", "b" and "c" are not in the input'* ]]
}

@test "ad-eval on data with no score says to run ad-score first" {
	printf 'x,label\n1,0\n2,1\n' > l.csv
	run --separate-stderr ad-eval l.csv
	assert_failure 3
	assert_equal "$stderr" 'ad-eval: l.csv: score column "score" is not in the input (its 2 columns: x, label); ad-eval reads scores: run ad-score -m MODEL on the data first, or name the score column with --score'
}

@test "range messages say the range as the help does" {
	printf 'x\n1\n2\n' > x.csv
	for bad in 1.5 0; do
		run --separate-stderr ad-features --ewm "$bad" x.csv
		assert_failure 2
		[[ "$stderr" == "ad-features: --ewm must be above 0 and at most 1, not $bad"* ]]
	done
	run ad-features --help
	[[ "$output" == *"alpha A in (0, 1]"* ]]
	for cmd in "ad-eval --threshold inf" "ad-score -m m --threshold inf" \
	    "ad-eval --threshold -inf"; do
		run --separate-stderr $cmd x.csv
		assert_failure 2
		[[ "$stderr" == *"--threshold takes a finite number, not \""*"inf\""* ]]
	done
}

@test "a binary stream's place in a message is a row, not a line" {
	printf 'score,label\n0.1,0\n0.2,1\n0.3,2\n' > bl.csv
	run --separate-stderr ad-eval bl.csv
	assert_failure 3
	[[ "$stderr" == "ad-eval: bl.csv:4:2: column \"label\": expected a label"* ]]
	ad-clean -q -F bin bl.csv > bl.bin
	run --separate-stderr ad-eval bl.bin
	assert_failure 3
	[[ "$stderr" == "ad-eval: bl.bin: row 3, field 2: column \"label\": expected a label"* ]]
	printf 't,x\n2024-01-02,1\n2024-01-01,2\n' > t.csv
	ad-clean -q -F bin t.csv > t.bin
	run --separate-stderr ad-features --time t --diff t.bin
	assert_failure 3
	assert_equal "$stderr" 'ad-features: t.bin: row 2, field 1: column "t": time goes back (the previous row is row 1); sort the input or give --sort'
}
