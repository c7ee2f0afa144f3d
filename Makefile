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

# The main job on the embedded SQLite default: a whole trading day of the sample venue, over FIX.
# Schema and venue; funding; the previous day's settlement prices; then `fixbroker demo day`:
# the gateway on a rehearsal clock (14:30-15:15 exchange time at 30x real time), a simulated
# Bloomberg-style client per FIX session (real QuickFIX initiators, FIX 4.2 and 4.4) trading
# until the gateway closes the day, the end of day through the scheduler (prices, both levels of
# settlement, margin calls, statements in every format under
# var/statements/DAY/<member>/<account>.txt|json|csv|pdf, the bank file), and a summary of the
# day. Logs: var/demo/logs. About two to three minutes.
# Re-runnable: the venue load is idempotent, each deposit's bank reference is recorded once,
# a closed day is not traded again and a completed end of day is not run again.
DEMO_DAY  := 2026-11-23
DEMO_PREV := 2026-11-20
demo: venv
	$(FB) db upgrade
	$(FB) ref load config/venue.toml
	$(FB) ref show --section exchanges --section products --section members --section sessions
	$(FB) cash deposit C000101 20000000.00 --reference DEMO-C000101 --date $(DEMO_PREV) --note "demo funding"
	$(FB) cash deposit C000102 50000000.00 --reference DEMO-C000102 --date $(DEMO_PREV) --note "demo funding"
	$(FB) cash deposit P0001 80000000.00 --reference DEMO-P0001 --date $(DEMO_PREV) --note "demo funding"
	$(FB) cash deposit C000201 20000000.00 --reference DEMO-C000201 --date $(DEMO_PREV) --note "demo funding"
	$(FB) cash deposit C000202 50000000.00 --reference DEMO-C000202 --date $(DEMO_PREV) --note "demo funding"
	$(FB) cash deposit C010101 3000000.00 --reference DEMO-C010101 --date $(DEMO_PREV) --note "demo funding"
	$(FB) cash deposit C010101 17000000.00 --reference DEMO-C010101-2 --date $(DEMO_PREV) --note "demo funding"
	$(FB) cash deposit RSV-CFFEX-0001-B 10000000.00 --reference DEMO-RSV-1 --date $(DEMO_PREV) --note "settlement reserve"
	$(FB) cash deposit RSV-SHFE-0001-B 10000000.00 --reference DEMO-RSV-2 --date $(DEMO_PREV) --note "settlement reserve"
	$(FB) cash deposit RSV-CFFEX-0002-B 10000000.00 --reference DEMO-RSV-3 --date $(DEMO_PREV) --note "settlement reserve"
	$(FB) cash deposit RSV-SHFE-0002-B 10000000.00 --reference DEMO-RSV-4 --date $(DEMO_PREV) --note "settlement reserve"
	$(FB) cash deposit RSV-CFFEX-0001-P 20000000.00 --reference DEMO-RSV-5 --date $(DEMO_PREV) --note "proprietary reserve"
	$(FB) cash deposit RSV-SHFE-0001-P 20000000.00 --reference DEMO-RSV-6 --date $(DEMO_PREV) --note "proprietary reserve"
	$(FB) cash deposit TM-0001-0101 5000000.00 --reference DEMO-TM-0101 --date $(DEMO_PREV) --note "trading member funds"
	$(FB) prices import config/demo-prices.csv
	$(FB) demo day --date $(DEMO_DAY)
	$(FB) eod status --date $(DEMO_DAY)
	$(FB) statements show --date $(DEMO_DAY) --account C000102

# Debian packages the suite runs for real: PostgreSQL's server, stunnel (TLS in front of FIX).
system-packages:
	bash .ci/system-packages

test: venv system-packages
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
