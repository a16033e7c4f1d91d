# Test entry points for the messente.omnichannel collection.
# Everything installs itself into .venv/ on first use; see tests/utils/run-tests.sh
# for the environment knobs (PYTHON_NEW, PYTHON_OLD, CORE_LINES, STEP_TIMEOUT, KEEP_TMP).

SHELL := /bin/bash
RUN_TESTS := bash tests/utils/run-tests.sh

.DEFAULT_GOAL := test
.PHONY: help test test-new test-old sanity units lint e2e docs clean demo

help:
	@echo "make demo      schedule, inspect and cancel a message against the local Messente sandbox"
	@echo "make test      every test on both ansible-core lines (2.21 and 2.19); what CI runs"
	@echo "make test-new  every test on ansible-core 2.21 (Python 3.12+) only"
	@echo "make test-old  sanity, units and lint on ansible-core 2.19 (Python 3.11) only"
	@echo "make sanity    ansible-test sanity on both lines"
	@echo "make units     ansible-test units on both lines"
	@echo "make lint      ansible-lint on both lines, shellcheck on the repo scripts"
	@echo "make e2e       build + install the collection, pytest tests/sandbox and tests/e2e"
	@echo "make docs      build + install the collection, check its ansible-doc output"
	@echo "make clean     remove .venv, build output, tests/output and .ansible"

test:
	$(RUN_TESTS) all

test-new:
	CORE_LINES=new $(RUN_TESTS) all

test-old:
	CORE_LINES=old $(RUN_TESTS) all

sanity:
	$(RUN_TESTS) sanity

units:
	$(RUN_TESTS) units

lint:
	$(RUN_TESTS) lint shellcheck

e2e:
	CORE_LINES=new $(RUN_TESTS) e2e

docs:
	CORE_LINES=new $(RUN_TESTS) docs

clean:
	rm -rf .venv build tests/output .ansible .hypothesis .pytest_cache ./*.tar.gz
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +

demo:
	bash tests/utils/demo.sh
