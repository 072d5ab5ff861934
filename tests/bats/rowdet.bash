# Shared by tests/bats/{hbos,ecod,pca}.bats (each sets ALGO): a generated
# fixture and the checks every detector trained on one sample passes alike.

# data.csv: 200 rows of features a, b, c, deterministic; the last, id 200,
# is $1 ("5,40,4" by default: far out in b only).
fixture() {
	awk -v far="${1:-5,40,4}" 'BEGIN {
		print "id,a,b,c"
		for (i = 1; i < 200; i++)
			printf "%d,%.2f,%.2f,%.2f\n", i, (i * 37 % 101) / 10,
			    (i * 53 % 97) / 10 + (i * 37 % 101) / 20,
			    (i * 71 % 89) / 10
		print "200," far
	}' > data.csv
}

# ad-train -a $ALGO without the id column; arguments go to ad-train.
train() {
	SOURCE_DATE_EPOCH=0 ad-train -q -a "$ALGO" --ignore id "$@"
}

# Prints the id of model $1's highest score on data.csv and its flag.
most_anomalous() {
	ad-score -q -m "$1" --keep id data.csv | awk -F, 'NR > 1 &&
	    ($2 > best || NR == 2) { best = $2; id = $1; flag = $3 }
	    END { print id, flag }'
}

# Prints how many rows of data.csv model $1 flags.
flagged() {
	ad-score -q -m "$1" --keep '' data.csv | awk -F, 'NR > 1 && $2 == 1' |
	    wc -l
}

# The model and its scores and explanations are the same on 1 and 2
# threads.
check_threads() {
	fixture
	train --threads 1 -o one.model data.csv
	train --threads 2 -o two.model data.csv
	cmp one.model two.model
	ad-score -q -m one.model --threads 1 --explain 2 data.csv > one.csv
	ad-score -q -m one.model --threads 2 --explain 2 data.csv > two.csv
	cmp one.csv two.csv
}

# A model cut short is refused as corrupt, exit 3.
check_cut() {
	fixture
	train -o m.model data.csv
	head -c "$(($(wc -c < m.model) - 20))" m.model > cut.model
	run --separate-stderr ad-score -m cut.model data.csv
	assert_failure 3
	[[ "$stderr" == "ad-score: cut.model: corrupt model: "* ]]
}

# Another detector's options are usage errors naming it.
check_refuses_others() {
	fixture
	run --separate-stderr train --trees 5 -o m data.csv
	assert_failure 2
	[[ "$stderr" == "ad-train: --trees needs -a iforest or eif"* ]]
	run --separate-stderr train --nu 0.1 -o m data.csv
	assert_failure 2
	[[ "$stderr" == "ad-train: --nu needs -a ocsvm"* ]]
	[ ! -e m ]
}
