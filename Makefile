# Entry points for the scripts in scripts/. Pass benchmark options through BENCH_ARGS, for example:
#   make bench BENCH_ARGS="--quick --json /tmp/bench.json"

.PHONY: bench test run

bench:
	scripts/bench $(BENCH_ARGS)

test:
	scripts/test

run:
	scripts/run
