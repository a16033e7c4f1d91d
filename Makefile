# Test entry points for the messente.omnichannel collection.
# Everything installs itself into .venv/ on first use. The ansible-core lines, their Pythons and
# their steps are in tests/utils/matrix.txt; tests/utils/run-tests.sh documents the environment
# knobs (CORE_LINES, PYTHON_2_16 ..., PYTEST_DIRS, TEST_JOBS, STEP_TIMEOUT, KEEP_TMP).

SHELL := /bin/bash
RUN_TESTS := bash tests/utils/run-tests.sh
LINES := $(shell sed -e 's/\#.*//' -e '/^[[:space:]]*$$/d' tests/utils/matrix.txt | awk '{print $$1}')
LINE_TARGETS := $(addprefix test-,$(LINES))

.DEFAULT_GOAL := test
.PHONY: help test $(LINE_TARGETS) sanity units lint e2e docs packaging tested-with clean demo

help:
	@echo "make demo         schedule, inspect and cancel a message against the local Messente sandbox"
	@echo "make test         every step on every ansible-core line ($(LINES)); what CI runs"
	@for line in $(LINES); do printf 'make %-12s every step of ansible-core %s (see tests/utils/matrix.txt)\n' "test-$$line" "$$line"; done
	@echo "make sanity       ansible-test sanity on every line"
	@echo "make units        ansible-test units on every line"
	@echo "make lint         ansible-lint, reuse lint, shellcheck"
	@echo "make e2e          build + install the collection, pytest tests/sandbox, tests/ledger and tests/e2e where the matrix runs them"
	@echo "make docs         ansible-doc sections, antsibull-docs and antsibull-changelog lint, offline docsite"
	@echo "make packaging    the Galaxy tarball's file list and the Execution Environment build context"
	@echo "make tested-with  print README's \"Tested with\" table from tests/utils/matrix.txt"
	@echo "make clean        remove .venv, build output, tests/output and .ansible"

test:
	$(RUN_TESTS) all

$(LINE_TARGETS): test-%:
	CORE_LINES=$* $(RUN_TESTS) all

sanity:
	$(RUN_TESTS) sanity

units:
	$(RUN_TESTS) units

lint:
	$(RUN_TESTS) lint reuse shellcheck

e2e:
	$(RUN_TESTS) sandbox ledger e2e

docs:
	$(RUN_TESTS) docs

packaging:
	$(RUN_TESTS) packaging

tested-with:
	@$(RUN_TESTS) --tested-with

clean:
	rm -rf .venv build tests/output .ansible .hypothesis .pytest_cache ./*.tar.gz
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +

demo:
	bash tests/utils/demo.sh
