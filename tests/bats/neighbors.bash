# The fixture tests/bats/knn.bats and lof.bats train on, loaded by both.

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
