# What tests/bats/knn.bats and lof.bats share: their fixture, and checks
# that call the file's train().

# Writes 60 rows a,b,c,label to $1: a cluster around the origin from a
# fixed linear congruential sequence, label 0, then rows 61 and 62 far
# out, label 1.
neighbors_fixture() {
	awk 'BEGIN {
		s = 12345
		print "a,b,c,label"
		for (i = 0; i < 60; i++) {
			line = ""
			for (f = 0; f < 3; f++) {
				s = (s * 1103515245 + 12345) % 2147483648
				line = line sprintf("%.3f,", s / 2147483648 * 4 - 2)
			}
			print line "0"
		}
		print "9,9,0,1"
		print "-8,0,7.5,1"
	}' > "$1"
}

# Models trained on 1 and 2 threads are the same bytes, and so
# are its scores and explanations on 1 and 2 threads.
same_on_threads() {
	neighbors_fixture data.csv
	train --threads 1 -o m1.model data.csv
	train --threads 2 -o m2.model data.csv
	cmp m1.model m2.model
	ad-score -q -m m1.model --threads 1 --explain 2 data.csv > one.csv
	ad-score -q -m m1.model --threads 2 --explain 2 data.csv > two.csv
	cmp one.csv two.csv
}

# A model cut short is refused: exit 3, a "corrupt model" message, no
# output.
truncated_refused() {
	neighbors_fixture data.csv
	train -o m.model data.csv
	head -c 900 m.model > cut.model
	run --separate-stderr ad-score -m cut.model data.csv
	assert_failure 3
	[[ "$stderr" == "ad-score: cut.model: corrupt model: "* ]]
	[ -z "$output" ]
}
