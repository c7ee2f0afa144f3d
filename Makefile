# fixbroker: the two set-up commands are `make demo` and `make test`; both bootstrap .venv.
#
# The virtualenv is rebuilt only when it is missing or when setup.cfg / pyproject.toml are
# newer than its stamp (quickfix compiles from source: minutes, so it is cached).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.fixbroker-installed
FB     := $(BIN)/fixbroker
export FIXBROKER_DB ?= sqlite:///var/fixbroker.db

.PHONY: demo test venv system-packages clean

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The main job on the embedded SQLite default: schema, venue, funding, then the accounts.
# Re-runnable: the venue load is idempotent and each deposit's bank reference is recorded once.
demo: venv
	$(FB) db upgrade
	$(FB) ref load config/venue.toml
	$(FB) ref show --section exchanges --section products --section members --section sessions
	$(FB) cash deposit C000101 1000000.00 --reference DEMO-C000101 --note "demo funding"
	$(FB) cash deposit C000102 5000000.00 --reference DEMO-C000102 --note "demo funding"
	$(FB) cash deposit P0001 20000000.00 --reference DEMO-P0001 --note "demo funding"
	$(FB) cash deposit C000201 800000.00 --reference DEMO-C000201 --note "demo funding"
	$(FB) cash deposit C000202 3000000.00 --reference DEMO-C000202 --note "demo funding"
	$(FB) cash deposit C010101 500000.00 --reference DEMO-C010101 --note "demo funding"
	$(FB) cash deposit RSV-CFFEX-0001-B 5000000.00 --reference DEMO-RSV-1 --note "settlement reserve"
	$(FB) cash deposit RSV-SHFE-0001-B 5000000.00 --reference DEMO-RSV-2 --note "settlement reserve"
	$(FB) cash withdraw C000101 50000.00 --reference DEMO-W-C000101 --note "demo withdrawal"
	$(FB) accounts list

# Debian packages the suite runs for real: PostgreSQL's server, stunnel (TLS in front of FIX).
system-packages:
	bash .ci/system-packages

test: venv system-packages
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
