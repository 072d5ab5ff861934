#!/usr/bin/env bats
# ad-features' memory bounds (moved from ad-features.bats): each makes
# 400,000 rows and measures peak RSS, seconds a test, so they run in the
# slow tier (`make test`), not in `make check`. Skipped under a sanitizer,
# whose quarantine inflates RSS.

load ../helper

@test "memory stays flat when fitting a standard scale from a binary file" {
	[ -z "${ADKIT_SANITIZED:-}" ] || skip "a sanitizer's quarantine inflates RSS"
	awk 'BEGIN { print "a,b,c,d"; for (i = 0; i < 400000; i++) print i "," i % 13 "," i % 7 "," i * 0.5 }' |
	    ad-clean -q -F bin -o big.bin
	run /usr/bin/time -f '%M' ad-features -q --scale standard -o /dev/null big.bin
	assert_success
	[ "${lines[-1]}" -lt 10000 ]   # KiB; held, the rows would take 16 MB
}

@test "memory stays flat when restoring and with context features per group" {
	[ -z "${ADKIT_SANITIZED:-}" ] || skip "a sanitizer's quarantine inflates RSS"
	awk 'BEGIN { print "t,h,v,w"; for (i = 0; i < 400000; i++) print i "," (i % 50) "," i % 13 "," i % 7 }' > big.csv
	ad-features -q --scale standard -s p.txt -o /dev/null big.csv
	run /usr/bin/time -f '%M' ad-features -r p.txt -o /dev/null big.csv
	assert_success
	[ "${lines[-1]}" -lt 20000 ]   # KiB
	run /usr/bin/time -f '%M' ad-features -q --time t --group h --rolling 100 --lags 1,50 -o /dev/null big.csv
	assert_success
	[ "${lines[-1]}" -lt 20000 ]
}
