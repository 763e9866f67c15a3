//! Shared set-up of the criterion benches: the model folder and the texts.
//!
//! The model is `PORTAVOZ_MODEL` when set, else the shipped `models/portavoz-ner-es`, else the
//! converted base encoder `~/.cache/portavoz/base/xlmr-e5-small` with an untrained head (fine
//! for timing, meaningless for labels).
#![allow(dead_code)]
use std::path::{Path, PathBuf};

use portavoz::ner::encode::WordEncoder;
use portavoz::ner::xlmr::{self, XlmrTagger};
use portavoz::ner::{InferenceOptions, NerModel, Precision};

pub fn model_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PORTAVOZ_MODEL") {
        return PathBuf::from(dir);
    }
    let shipped = portavoz::default_model_dir();
    if shipped.join(xlmr::WEIGHTS_FILE).exists() {
        return shipped;
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    home.join(".cache/portavoz/base/xlmr-e5-small")
}

/// Loads the bench model in `precision`, on 2 libtorch threads unless `PORTAVOZ_THREADS` says otherwise.
pub fn load(precision: Precision) -> NerModel {
    let threads = std::env::var("PORTAVOZ_THREADS")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(2);
    tch::set_num_threads(threads);
    let dir = model_dir();
    let options = InferenceOptions {
        precision,
        ..Default::default()
    };
    match NerModel::load_on(&dir, tch::Device::Cpu, options) {
        Ok(model) => model,
        Err(_) => load_base(&dir, options),
    }
}

/// A base encoder folder (no classifier weights): random head.
fn load_base(dir: &Path, options: InferenceOptions) -> NerModel {
    let config = serde_json::from_str(
        &std::fs::read_to_string(dir.join(xlmr::CONFIG_FILE)).expect("config.json"),
    )
    .expect("BertConfig JSON");
    tch::manual_seed(0);
    let mut tagger = XlmrTagger::new(config, tch::Device::Cpu).expect("model");
    let weights = dir.join(xlmr::WEIGHTS_FILE);
    let (tensors, _) = portavoz::ner::store::read(&weights).expect("weights");
    tagger
        .set_weights(tensors, true, &weights)
        .expect("weights fit");
    tagger.set_precision(options.precision).expect("precision");
    let encoder = WordEncoder::load(&dir.join(xlmr::TOKENIZER_FILE)).expect("tokenizer");
    NerModel::from_parts(tagger, encoder, options)
}

/// The seed readouts in examples/data.
pub fn readouts() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/data")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    paths.retain(|p| p.extension().map_or(false, |x| x == "txt"));
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("readable readout"))
        .collect()
}

/// The sentences of the seed readouts, split into words as the NER stage does.
pub fn sentences() -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for text in readouts() {
        let seg = portavoz::segment::segment(&text);
        for s in &seg.sentences {
            let sentence = s.span.slice(&text);
            let words: Vec<String> = portavoz::ner::words::split(sentence)
                .into_iter()
                .map(|(a, b)| sentence[a..b].to_string())
                .collect();
            if !words.is_empty() {
                out.push(words);
            }
        }
    }
    out
}
