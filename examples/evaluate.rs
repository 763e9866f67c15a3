//! Entity-level precision, recall and F1 (exact span and type, conlleval-style) of a NER
//! model folder, overall and per label, on AnCora-es test and CoNLL-2002 Spanish testb
//! (read from ../shared/data; CoNLL-2002 is for evaluation only, never for training).
//!
//!     cargo run --release --example evaluate -- [--model models/portavoz-ner-es] [--argmax] [--precision auto|fp32|bf16|int8] [--forward fused|rust-bert]
use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use portavoz::corpus::{read_conll, EntityScores};
use portavoz::ner::{Forward, InferenceOptions, NerModel, Precision};

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/models/portavoz-ner-es"))]
    model: PathBuf,
    /// Test files as NAME=PATH (default: AnCora test and CoNLL-2002 testb).
    #[arg(long = "set")]
    sets: Vec<String>,
    /// Per-word argmax instead of BIO-constrained decoding.
    #[arg(long)]
    argmax: bool,
    #[arg(long, default_value_t = 32)]
    batch: usize,
    #[arg(long, default_value_t = 128)]
    max_len: usize,
    #[arg(long, default_value_t = 2)]
    threads: i32,
    /// Number format of the weights and activations: auto, fp32, bf16 or int8.
    #[arg(long, default_value_t = Precision::default())]
    precision: Precision,
    /// Forward-pass implementation: fused or rust-bert.
    #[arg(long, default_value = "fused")]
    forward: Forward,
}

fn main() {
    let args = Args::parse();
    tch::set_num_threads(args.threads);
    let sets: Vec<(String, PathBuf)> = if args.sets.is_empty() {
        vec![
            ("ancora-test".into(), PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/ancora-es-ner/test.tsv"))),
            ("conll2002-testb".into(), PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/conll2002-es/esp.testb"))),
        ]
    } else {
        args.sets.iter().map(|s| s.split_once('=').map(|(n, p)| (n.to_string(), PathBuf::from(p))).unwrap_or((s.clone(), PathBuf::from(s)))).collect()
    };
    let options = InferenceOptions { batch_size: args.batch, max_len: args.max_len, constrained: !args.argmax, precision: args.precision, forward: args.forward, ..Default::default() };
    let t = Instant::now();
    let model = match NerModel::load_on(&args.model, tch::Device::Cpu, options) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "model {} loaded in {:.2}s; precision: {} ({}); forward: {:?}; decoding: {}",
        args.model.display(),
        t.elapsed().as_secs_f64(),
        args.precision,
        model.tagger.precision(),
        args.forward,
        if args.argmax { "argmax" } else { "BIO-constrained" }
    );
    let mut failed = false;
    for (name, path) in sets {
        let sentences = match read_conll(&path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{name}: {e}");
                failed = true;
                continue;
            }
        };
        let words: Vec<Vec<&str>> = sentences.iter().map(|s| s.words.iter().map(String::as_str).collect()).collect();
        let t = Instant::now();
        let tagged = match model.tag_words(&words) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{name}: {e}");
                failed = true;
                continue;
            }
        };
        let secs = t.elapsed().as_secs_f64();
        let labels = model.tagger.labels();
        let mut scores = EntityScores::default();
        for (s, tags) in sentences.iter().zip(&tagged) {
            let pred: Vec<&str> = tags.iter().map(|t| labels[t.label].as_str()).collect();
            scores.add(&s.tags, &pred);
        }
        let n_words: usize = words.iter().map(Vec::len).sum();
        println!("\n== {name}: {} sentences, {n_words} words, tagged in {secs:.1}s ({:.0} words/s)", sentences.len(), n_words as f64 / secs);
        print!("{scores}");
        println!("{name} F1 {:.2}", 100.0 * scores.overall.f1());
    }
    if failed {
        std::process::exit(1);
    }
}
