# portavoz — every target installs what it needs first (scripts/setup.sh is idempotent).
CACHE ?= $(or $(PORTAVOZ_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/portavoz)
BASE := $(CACHE)/base/xlmr-e5-small
MODEL := models/portavoz-ner-es
# The command line (`cli`) and the training/evaluation code (`training`) are cargo features; the
# targets below build with both, so that they share one build of the library.
FEATURES := --features cli,training

.PHONY: setup annotate test evaluate evaluate-rules evaluate-syntax-cli evaluate-readouts train train-syntax bench profile

## libtorch 2.4.0 (PyPI torch wheel, per-user venv), the base encoder parts, the converted base model
setup:
	@./scripts/setup.sh
	@if [ ! -f "$(BASE)/model.safetensors" ]; then \
	  echo "[setup] converting the base encoder into $(BASE)"; \
	  cargo run --release --quiet $(FEATURES) --example convert_base -- "$(CACHE)/base/e5-small-q4.bin" "$(CACHE)/base/tokenizer.json" "$(BASE)"; \
	else echo "[setup] base model ready in $(BASE)"; fi

## the main job: annotate the bundled readouts in examples/data (JSONL + HTML report in target/)
annotate: setup
	cargo run --release --quiet $(FEATURES) --bin portavoz -- annotate examples/data -o target/examples.jsonl
	cargo run --release --quiet $(FEATURES) --bin portavoz -- annotate --quiet examples/data --format html -o target/examples.html
	@echo "annotations: target/examples.jsonl   report: target/examples.html"

## all tests (unit, integration, doc), then a crate that depends on portavoz as the README says
test: setup
	cargo test --release $(FEATURES)
	./scripts/check-downstream.sh

## NER scores on AnCora test and CoNLL-2002 testb, the model alone and the whole pipeline side
## by side (overall and per label), syntax scores on UD Spanish GSD test (../shared/data)
evaluate: setup
	cargo run --release $(FEATURES) --example evaluate -- --model $(MODEL)

## the entity rules alone, measured again in seconds: the model's output is kept in target/ent-cache
## after the first run (corpora and readouts), and only the rule layer runs again
evaluate-rules: setup
	cargo run --release $(FEATURES) --example evaluate -- --model $(MODEL) --cache target/ent-cache --no-syntax
	cargo run --release $(FEATURES) --example evaluate_readouts -- --parsed target/ent-cache/readouts.parsed.jsonl

## syntax scores on GSD test through the command line: raw sentence texts -> portavoz annotate --format conllu
UD := ../shared/data/ud-spanish
evaluate-syntax-cli: setup
	cargo build --release --quiet $(FEATURES) --bin portavoz --example score_conllu
	target/release/examples/score_conllu --texts $(UD)/es_gsd-ud-test.conllu > target/gsd-test.jsonl
	target/release/portavoz annotate --quiet --model $(MODEL) target/gsd-test.jsonl --format conllu -o target/gsd-test.conllu
	target/release/examples/score_conllu $(UD)/es_gsd-ud-test.conllu target/gsd-test.conllu

## end-to-end scores on the annotated readouts (../shared/eval) with a per-document error list
evaluate-readouts: setup
	cargo run --release $(FEATURES) --example evaluate_readouts

## fine-tune the NER model on AnCora (about 40 minutes on 2 cores); see the model card
train: setup
	cargo run --release $(FEATURES) --example train_ner -- --out runs/ner --epochs 4 --export runs/export

## train the syntax heads on the frozen encoder (UD Spanish GSD dev + PUD; about 12 minutes on 2 cores)
train-syntax: setup
	cargo run --release $(FEATURES) --example train_syntax -- $(SYNTAX_ARGS) --out runs/syntax --export $(MODEL)

bench: setup
	cargo run --release $(FEATURES) --example throughput -- --docs-per-call 16

## where the model stage's time goes, by kind of operation, and the achieved TFLOP/s beside the CPU's peak
profile: setup
	cargo run --release $(FEATURES) --example throughput -- --precision auto --no-reference --docs-per-call 16 --min-words 40000 --profile
