# portavoz — every target installs what it needs first (scripts/setup.sh is idempotent).
CACHE ?= $(or $(PORTAVOZ_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/portavoz)
BASE := $(CACHE)/base/xlmr-e5-small
MODEL := models/portavoz-ner-es

.PHONY: setup annotate test evaluate evaluate-readouts train bench

## libtorch 2.4.0 (PyPI torch wheel, per-user venv), the base encoder parts, the converted base model
setup:
	@./scripts/setup.sh
	@if [ ! -f "$(BASE)/model.safetensors" ]; then \
	  echo "[setup] converting the base encoder into $(BASE)"; \
	  cargo run --release --quiet --example convert_base -- "$(CACHE)/base/e5-small-q4.bin" "$(CACHE)/base/tokenizer.json" "$(BASE)"; \
	else echo "[setup] base model ready in $(BASE)"; fi

## the main job: annotate the bundled readouts in examples/data (JSONL + HTML report in target/)
annotate: setup
	cargo run --release --quiet --bin portavoz -- annotate examples/data -o target/examples.jsonl
	cargo run --release --quiet --bin portavoz -- view target/examples.jsonl -o target/examples.html
	@echo "annotations: target/examples.jsonl   report: target/examples.html"

## all tests (unit, integration, doc)
test: setup
	cargo test --release

## NER scores of the shipped model on AnCora test and CoNLL-2002 testb (../shared/data)
evaluate: setup
	cargo run --release --example evaluate -- --model $(MODEL)

## end-to-end scores on the annotated readouts (../shared/eval) with a per-document error list
evaluate-readouts: setup
	cargo run --release --example evaluate_readouts

## fine-tune the NER model on AnCora (about 40 minutes on 2 cores); see the model card
train: setup
	cargo run --release --example train_ner -- --out runs/ner --epochs 4 --export runs/export

bench: setup
	cargo run --release --example throughput
