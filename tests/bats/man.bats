#!/usr/bin/env bats
# The man pages: lint-clean, SYNOPSIS equal to each command's usage line,
# the shared exit status table, and every EXAMPLE runs.

load helper

pages() { ls "$ROOT"/man/ad-*.1; }

# Renders a page as plain text, without the overstrikes of bold and italics.
render() { mandoc -Tascii -O width=1000 "$1" | sed 's/.\x08//g'; }

@test "every command has a man page and every page lints clean" {
	for c in "$ROOT"/cmd/ad-*.c; do
		[ -f "$ROOT/man/$(basename "$c" .c).1" ]
	done
	[ -f "$ROOT/man/adkit.5" ] && [ -f "$ROOT/man/adkit.7" ]
	run mandoc -Tlint -W warning "$ROOT"/man/*
	assert_success
	assert_output ""
}

# groff is what man(1) renders with here: its warnings (a word too long to
# break or adjust at 80 columns, a word read as a macro) are the page's bugs.
@test "every page renders with groff at 80 columns without a warning" {
	for page in "$ROOT"/man/*; do
		run groff -ww -z -mandoc -rLL=80n "$page"
		assert_success
		assert_output ""
	done
}

@test "each SYNOPSIS reads exactly like the command's usage line" {
	for page in $(pages); do
		cmd=$(basename "$page" .1)
		synopsis=$(render "$page" |
			sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' | tr -s ' \n' '  ' |
			sed 's/^ *//; s/ *$//')
		usage=$("$cmd" --help | sed -n 's/^usage: //p')
		assert_equal "$synopsis" "$usage"
	done
}

@test "each page lists the shared exit codes" {
	for page in $(pages); do
		text=$(render "$page" | awk '/^EXIT STATUS/ { on = 1; next } on && /^[A-Z]/ { exit } on')
		for code in 0 1 2 3 4; do
			[[ "$text" == *" $code "* ]] || { echo "$page lacks exit $code"; false; }
		done
	done
}

@test "every EXAMPLE in the pages runs" {
	cd "$ROOT"
	n=0
	for page in $(pages) "$ROOT/man/adkit.7"; do
		while IFS= read -r example; do
			example=${example//\/tmp\//$BATS_TEST_TMPDIR/}
			run bash -o pipefail -c "$example"
			[ "$status" -eq 0 ] || { echo "failed ($status): $example"; echo "$output"; false; }
			n=$((n + 1))
		done < <(awk '/^\.Sh EXAMPLES/ { on = 1 } /^\.Sh SEE ALSO/ { on = 0 }
			on && /^\.Ed/ { lit = 0 } on && lit { print }
			on && /^\.Bd -literal/ { lit = 1 }' "$page" | sed 's/\\e/\\/g')
	done
	[ "$n" -ge 3 ]
}
