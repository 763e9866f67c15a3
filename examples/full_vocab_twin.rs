//! Builds the unpruned twin of a model folder: the same weights, but the base model's whole
//! 250k-piece word-embedding table and its original tokenizer.json. Evaluating both folders
//! with `examples/evaluate.rs` measures what vocabulary pruning costs.
//!
//!     cargo run --release --example full_vocab_twin -- MODEL_DIR E5S1_BIN ORIGINAL_TOKENIZER_JSON OUT_DIR
use std::collections::BTreeMap;
use std::path::PathBuf;

use portavoz::ner::e5s1::{E5File, Q4_BLOCK, Q4_BLOCK_BYTES};
use portavoz::ner::store::{self, TensorData};
use portavoz::ner::xlmr::{CONFIG_FILE, TOKENIZER_FILE, WEIGHTS_FILE, WORD_EMBEDDINGS};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if args.len() != 4 {
        eprintln!("usage: full_vocab_twin MODEL_DIR E5S1_BIN ORIGINAL_TOKENIZER_JSON OUT_DIR");
        std::process::exit(2);
    }
    let (model, bin, tokenizer, out) = (&args[0], &args[1], &args[2], &args[3]);
    let e5 = E5File::open(bin)?;
    let tok: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(tokenizer)?)?;
    let pieces = tok["model"]["vocab"].as_array().map_or(0, |v| v.len());
    let hidden = e5.header.hidden;
    let row_bytes = hidden / Q4_BLOCK * Q4_BLOCK_BYTES;
    let (mut tensors, meta) = store::read(&model.join(WEIGHTS_FILE))?;
    for t in &mut tensors {
        if t.name == WORD_EMBEDDINGS {
            t.shape = vec![pieces, hidden];
            t.data = TensorData::Q4(e5.raw("emb.word")?[..pieces * row_bytes].to_vec());
        }
    }
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model.join(CONFIG_FILE))?)?;
    config["vocab_size"] = pieces.into();
    std::fs::create_dir_all(out)?;
    std::fs::write(
        out.join(CONFIG_FILE),
        serde_json::to_string_pretty(&config)?,
    )?;
    std::fs::copy(tokenizer, out.join(TOKENIZER_FILE))?;
    let mut meta: BTreeMap<String, String> = meta
        .into_iter()
        .filter(|(k, _)| !k.starts_with("q4:"))
        .collect();
    meta.insert(
        "note".into(),
        "unpruned twin, for measuring the cost of vocabulary pruning".into(),
    );
    store::write(&out.join(WEIGHTS_FILE), &tensors, &meta)?;
    println!("wrote {} with {pieces} pieces", out.display());
    Ok(())
}
