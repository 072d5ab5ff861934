#!/usr/bin/env bats
# ad-train -a autoencoder and ad-score with its models, from the outside:
# options, reproducibility, scores and explanations, the model's metadata,
# refusals. (No golden model bytes: OpenBLAS picks its kernels by processor,
# and they round differently; the same machine gives the same bytes.)

load helper

SMALL="$FIX/train-small.csv"

# Trains a small autoencoder reproducibly; extra arguments go to ad-train.
train() {
	SOURCE_DATE_EPOCH=0 ad-train -q -a autoencoder --epochs 20 "$@"
}

# 600 rows near a line through 3 features, and one row off it: y and z
# follow x, but row 601's z does not (its values stay in range).
line_csv() {
	awk 'BEGIN { srand(3); print "x,y,z"
		for (i = 0; i < 600; i++) { t = rand() * 10
			printf "%.4f,%.4f,%.4f\n", t, 2 * t + rand() * 0.1, 5 - t + rand() * 0.1 }
		print "5,10,9" }'
}

@test "an autoencoder trains and scores; --inspect shows its layers" {
	train --label label -o m "$SMALL"
	ad-score -q -m m --keep id "$SMALL" > s.csv
	[ "$(head -n 1 s.csv)" = "id,score,is_anomaly" ]
	[ "$(wc -l < s.csv)" -eq 40 ]
	ad-score -m m --inspect > m.json
	grep -q '"algorithm": "autoencoder"' m.json
	grep -q '"hyperparameters": {"activation": "relu", "hidden_layers": 3, "epochs": 20, "batch_size": 200, "learning_rate": 0.001, "weight_decay": 0.0001, "dropout": 0, "validation_fraction": 0.1, "patience": 10, "epochs_run": ' m.json
	grep -q '"hidden_1": 64, "hidden_2": 16, "hidden_3": 64}' m.json
	# id, cpu, mem, latency_ms: 4 x 64 + 64 + 64 x 16 + 16 + 16 x 64 + 64 +
	# 64 x 4 + 4
	grep -q '"weights": 2708,' m.json
	grep -q '"contamination": "auto",' m.json
	grep -q '"threshold": 1,' m.json
}

@test "every option reaches the model" {
	train --hidden 8,2,8 --activation tanh --epochs 7 --batch-size 5 \
	    --learning-rate 0.01 --weight-decay 0.5 --dropout 0.25 \
	    --validation-fraction 0 --patience 3 --label label -o m "$SMALL"
	ad-score -m m --inspect > m.json
	grep -q '"hyperparameters": {"activation": "tanh", "hidden_layers": 3, "epochs": 7, "batch_size": 5, "learning_rate": 0.01, "weight_decay": 0.5, "dropout": 0.25, "validation_fraction": 0, "patience": 3, "epochs_run": 7, "best_epoch": 7, "hidden_1": 8, "hidden_2": 2, "hidden_3": 8}' m.json
	train --activation sigmoid --hidden 4 --label label -o s "$SMALL"
	ad-score -m s --inspect | grep -q '"activation": "sigmoid", "hidden_layers": 1,'
}

@test "options are checked strictly, and only -a autoencoder takes them" {
	for bad in "--hidden 0" "--hidden 64,,2" "--hidden 8193" "--hidden ,4" \
	    "--hidden 4," "--hidden x" "--activation softmax" "--epochs 0" \
	    "--epochs 1.5" "--batch-size 0" "--learning-rate 0" \
	    "--learning-rate 11" "--weight-decay -1" "--dropout 1" \
	    "--dropout -0.1" "--validation-fraction 1" "--patience 0" \
	    "--max-train-rows 1"; do
		run --separate-stderr ad-train -a autoencoder $bad -o m "$SMALL"
		assert_failure 2
		[[ "$stderr" == "ad-train: "* ]]
		[ ! -e m ]
	done
	run --separate-stderr ad-train --hidden 4 -o m "$SMALL"
	assert_failure 2
	[[ "$stderr" == "ad-train: --hidden needs -a autoencoder"* ]]
	run --separate-stderr ad-train -a eif --epochs 3 -o m "$SMALL"
	[[ "$stderr" == "ad-train: --epochs needs -a autoencoder"* ]]
	run --separate-stderr ad-train -a autoencoder --trees 10 -o m "$SMALL"
	assert_failure 2
	[[ "$stderr" == "ad-train: --trees needs -a iforest or eif"* ]]
	run --separate-stderr ad-train -a autoencoder --nu 0.1 -o m "$SMALL"
	assert_failure 2
	[[ "$stderr" == "ad-train: --nu needs -a ocsvm"* ]]
	run --separate-stderr ad-train -a autoencoder --activation softmax "$SMALL"
	[[ "$stderr" == "ad-train: --activation takes relu|tanh|sigmoid, not \"softmax\""* ]]
}

@test "the same seed gives the same model and scores for any thread count" {
	line_csv > line.csv
	train --seed 4 --threads 1 -o a line.csv
	train --seed 4 --threads 2 -o b line.csv
	cmp a b
	train --seed 5 -o c line.csv
	! cmp -s a c
	ad-score -q -m a --threads 1 line.csv > s1.csv
	ad-score -q -m a --threads 3 line.csv > s3.csv
	cmp s1.csv s3.csv
	# a row's score does not depend on the rows around it
	(head -n 1 line.csv; tail -n 1 line.csv) | ad-score -q -m a > last.csv
	[ "$(tail -n 1 last.csv)" = "$(tail -n 1 s1.csv)" ]
}

@test "a row off what the rows have in common scores highest, and its feature explains it" {
	line_csv > line.csv
	ad-train -q -a autoencoder --hidden 8,1,8 --epochs 60 --seed 1 -o m line.csv
	ad-score -q -m m --explain 1 line.csv > s.csv
	[ "$(tail -n +2 s.csv | sort -t, -k4 -g -r | head -n 1)" = "$(tail -n 1 s.csv)" ]
	[[ "$(tail -n 1 s.csv)" == *",z" ]]
	# --threshold and --keep work as for forests
	ad-score -q -m m --threshold 1e300 --keep "" line.csv > none.csv
	[ "$(head -n 1 none.csv)" = "score,is_anomaly" ]
	! grep -q ',1$' none.csv
	ad-score -q -m m --threshold 0 --keep "" line.csv > all.csv
	[ "$(grep -c ',1$' all.csv)" -eq 601 ]
	run --separate-stderr ad-score -m m --threshold -1 line.csv
	assert_failure 2
	[[ "$stderr" == "ad-score: --threshold must be from 0 to inf for autoencoder models, not -1"* ]]
}

@test "--contamination puts the threshold at that quantile of the training scores" {
	line_csv > line.csv
	train --contamination 0.01 -o m line.csv
	ad-score -q -m m line.csv > s.csv
	# 601 rows: 1% flagged means 6 or 7 (ties at the quantile)
	n=$(grep -c ',1$' s.csv)
	[ "$n" -ge 5 ] && [ "$n" -le 7 ]
}

@test "--max-train-rows trains on a sample and says so" {
	line_csv > line.csv
	run --separate-stderr ad-train -a autoencoder --epochs 2 --max-train-rows 100 -o m line.csv
	assert_success
	[[ "$stderr" == "ad-train: line.csv: 3 features: x, y, z
ad-train: line.csv: 601 rows; trained on a uniform sample of 100 (--max-train-rows)" ]]
	ad-score -m m --inspect | grep -q '"training_rows": 601,'
}

@test "progress shows epochs and errors on a terminal only; -q silences it" {
	line_csv > line.csv
	run --separate-stderr ad-train -a autoencoder --epochs 3 -o m line.csv
	assert_equal "$stderr" "ad-train: line.csv: 3 features: x, y, z"
	script -qec "ad-train -a autoencoder --epochs 3 -o m2 line.csv" /dev/null > tty.txt
	grep -q "ad-train: epoch 3 of 3: loss [0-9.e-]*, validation [0-9.e-]*" tty.txt
	script -qec "ad-train -a autoencoder --epochs 3 --validation-fraction 0 -o m3 line.csv" /dev/null > tty.txt
	grep -q "ad-train: epoch 3 of 3: loss [0-9.e-]*" tty.txt
	! grep -q validation tty.txt
	script -qec "ad-train -q -a autoencoder --epochs 3 -o m4 line.csv" /dev/null > tty.txt
	[ ! -s tty.txt ]
}

@test "--merge refuses autoencoders clearly (exit 3)" {
	train --label label -o a "$SMALL"
	train --label label --seed 1 -o b "$SMALL"
	run --separate-stderr ad-train --merge a b -o m
	assert_failure 3
	[[ "$stderr" == "ad-train: a: cannot merge: only forests"* ]]
	[ ! -e m ]
}

@test "a damaged autoencoder model is refused (exit 3)" {
	train --label label -o m "$SMALL"
	head -c 2000 m > cut
	run --separate-stderr ad-score -m cut "$SMALL"
	assert_failure 3
	[[ "$stderr" == "ad-score: cut: corrupt model: "* ]]
}

@test "stdin trains the same model as a file" {
	line_csv > line.csv
	train -o a line.csv
	train -o b < line.csv
	cmp a b
}

@test "infinite and extreme cells train and score to finite numbers" {
	printf 'a,b\n1,2\n2,4\ninf,6\n4,1e308\n5,-1.7e308\n6,12\n' > x.csv
	train --contamination 0.2 -o m x.csv
	ad-score -q -m m x.csv > s.csv
	[ "$(wc -l < s.csv)" -eq 7 ]
	! grep -qi 'nan\|inf,' s.csv
	tail -n +2 s.csv | awk -F, '$3 + 0 < 0 || $3 == "" { exit 1 }'
}
