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
use portavoz::syntax::treebank::tokens_of;
use portavoz::syntax::{conllu, score};
use portavoz::{Document, Pipeline, PipelineConfig};

#[path = "common/syntax_data.rs"]
mod syntax_data;
use syntax_data::with_analysis;

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
    /// UD Spanish folder (GSD test scores the syntax heads).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/ud-spanish"))]
    ud: PathBuf,
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
    if let Err(e) = evaluate_syntax(&model, &args.model, args.precision, &args.ud) {
        eprintln!("syntax: {e}");
        failed = true;
    }
    if failed {
        std::process::exit(1);
    }
}

/// UPOS, UFeats, lemma, UAS and LAS (CoNLL 2018 definitions) on UD Spanish GSD test, never
/// trained on: with the treebank's own tokens and words (gold tokenization), and from the raw
/// sentence texts through the whole pipeline (our segmentation, words and multiword split;
/// words aligned by character span as the CoNLL 2018 evaluation does).
fn evaluate_syntax(model: &NerModel, model_dir: &std::path::Path, precision: Precision, ud: &std::path::Path) -> Result<(), String> {
    let Some(heads) = &model.syntax else {
        println!("\n== syntax: the model has no syntax heads");
        return Ok(());
    };
    let path = ud.join("es_gsd-ud-test.conllu");
    let gold = conllu::read(&std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?).map_err(|e| e.to_string())?;
    let t = Instant::now();
    let plans: Vec<(Vec<String>, Vec<(usize, usize)>)> = gold.iter().map(tokens_of).collect();
    let tokens: Vec<Vec<String>> = plans.iter().map(|p| p.0.clone()).collect();
    let outputs = model.word_states(&tokens).map_err(|e| e.to_string())?;
    let system: Vec<conllu::Sentence> = gold
        .iter()
        .zip(&plans)
        .zip(&outputs.hidden)
        .map(|((sentence, (_, words)), states)| {
            let given: Vec<(usize, String)> = words.iter().zip(&sentence.words).map(|(&(t, _), w)| (t, w.form.clone())).collect();
            with_analysis(sentence, heads.analyze_given_words(&given, states, outputs.hidden_dim))
        })
        .collect();
    let secs = t.elapsed().as_secs_f64();
    let s = score::evaluate_gold_tokens(&gold, &system)?;
    println!("\n== ud-gsd-test: {} sentences, {} words, parsed in {secs:.1}s", gold.len(), s.words_gold);
    println!("gold tokenization:  UPOS {:.2}  UFeats {:.2}  Lemma {:.2}  UAS {:.2}  LAS {:.2}", s.upos, s.ufeats, s.lemma, s.uas, s.las);

    // Raw text: each sentence's text as one document through the pipeline, as users run it.
    let config = PipelineConfig::default().model_dir(model_dir).precision(precision).tokens(true);
    let pipeline = Pipeline::new(config).map_err(|e| e.to_string())?;
    let docs: Vec<Document> = gold.iter().enumerate().map(|(k, s)| Document::new(k.to_string(), s.text().unwrap_or_default())).collect();
    let annotations = pipeline.annotate_batch(&docs).map_err(|e| e.to_string())?;
    // Words are aligned over the whole text, so where our segmenter cuts a treebank sentence
    // in two changes nothing.
    let system: Vec<conllu::Sentence> = annotations.iter().flat_map(portavoz::syntax::export::sentences).collect();
    let s = score::evaluate(&gold, &system)?;
    println!(
        "raw text:           UPOS {:.2}  UFeats {:.2}  Lemma {:.2}  UAS {:.2}  LAS {:.2}  (words F1 {:.2}, tokens F1 {:.2})",
        s.upos, s.ufeats, s.lemma, s.uas, s.las, s.words, s.tokens
    );
    Ok(())
}
