//! Trains the syntax heads (part of speech, features, lemma edit scripts, biaffine arcs and
//! relations) on the frozen encoder of the shipped entity model, and writes them into a model
//! folder as `syntax.json` + `syntax.safetensors`.
//!
//! Data: Universal Dependencies Spanish from ../shared/data/ud-spanish, read in place (never
//! copied): es_gsd-ud-dev + es_pud-ud-test for training, every tenth of those sentences held
//! out for model selection (best held-out LAS), es_gsd-ud-test for the report only.
//!
//! The encoder stays frozen, so its hidden states are computed once (every layer's output at
//! each word's first subword) and the heads train on them: a few minutes on 2 cores. Adam,
//! seeded batch order; after every epoch the weights, the optimizer moments and the epoch are
//! saved in `--out`, so `--resume` continues a killed run exactly.
//!
//! ```sh
//! cargo run --release --example train_syntax -- --out runs/syntax --export models/portavoz-ner-es
//! ```
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use portavoz::ner::encode::WordEncoder;
use portavoz::ner::forward::HiddenTap;
use portavoz::ner::syntax_heads::{SyntaxHeads, SyntaxSpec};
use portavoz::ner::xlmr::{self, XlmrTagger};
use portavoz::ner::{word_outputs, Forward, InferenceOptions, Precision};
use portavoz::syntax::treebank::tokens_of;
use portavoz::syntax::{conllu, lemma_script, score};
use tch::Device;

#[path = "common/syntax_data.rs"]
mod syntax_data;
use syntax_data::*;

#[derive(Parser, Debug)]
struct Args {
    /// Model folder whose encoder the heads read (and where --export writes them by default).
    #[arg(long, default_value = "models/portavoz-ner-es")]
    model: PathBuf,
    /// UD Spanish folder.
    #[arg(long, default_value_os_t = default_ud())]
    ud: PathBuf,
    /// Run folder: checkpoint and the best heads.
    #[arg(long, default_value = "runs/syntax")]
    out: PathBuf,
    /// Copy the best heads into this model folder at the end.
    #[arg(long)]
    export: Option<PathBuf>,
    #[arg(long, default_value_t = 50)]
    epochs: usize,
    #[arg(long, default_value_t = 32)]
    batch: usize,
    #[arg(long, default_value_t = 2e-3)]
    lr: f64,
    #[arg(long, default_value_t = 0.4)]
    dropout: f64,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long, default_value_t = 256)]
    tag_dim: usize,
    #[arg(long, default_value_t = 256)]
    arc_dim: usize,
    #[arg(long, default_value_t = 100)]
    rel_dim: usize,
    #[arg(long, default_value_t = 4096)]
    affix_buckets: usize,
    #[arg(long, default_value_t = 64)]
    affix_dim: usize,
    /// Bidirectional LSTM layers over the words before the heads.
    #[arg(long, default_value_t = 2)]
    word_layers: usize,
    /// LSTM width per direction.
    #[arg(long, default_value_t = 192)]
    word_dim: usize,
    #[arg(long, default_value_t = 16)]
    max_distance: usize,
    /// Number format of the frozen encoder pass that makes the features.
    #[arg(long, default_value = "fp32")]
    precision: String,
    /// Continue the run in --out.
    #[arg(long)]
    resume: bool,
    /// Learn GSD's and PUD's conventions apart (a learned vector per treebank, see
    /// `SyntaxSpec::treebanks`) instead of one blend of both (the shipped heads).
    #[arg(long)]
    treebank_styles: bool,
    /// With --treebank-styles: the treebank whose conventions the heads write by default.
    #[arg(long, default_value = "pud")]
    style: String,
}

fn default_ud() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ud-spanish")
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> portavoz::Result<()> {
    tch::manual_seed(args.seed as i64);
    let started = Instant::now();
    let precision = Precision::parse(&args.precision)
        .ok_or_else(|| portavoz::Error::Config(format!("unknown precision {}", args.precision)))?;
    let tagger =
        XlmrTagger::load_for_inference(&args.model, Device::Cpu, precision, Forward::Fused)?;
    let encoder = WordEncoder::load(&args.model.join(xlmr::TOKENIZER_FILE))?;
    let (fit, held_out, test) = treebanks(&args.ud)?;
    eprintln!(
        "[syntax] {} training, {} held-out, {} test sentences",
        fit.len(),
        held_out.len(),
        test.len()
    );

    let words = || fit.iter().flat_map(|s| s.words.iter());
    let scripts: Vec<String> = words()
        .map(|w| lemma_script::script_for(&w.form, &w.lemma))
        .collect();
    let spec = SyntaxSpec {
        upos: inventory(words().map(|w| w.upos.as_str())),
        feats: inventory(words().map(|w| feats_or_none(&w.feats))),
        lemma_scripts: inventory(scripts.iter().map(|s| s.as_str())),
        deprels: inventory(words().map(|w| w.deprel.as_str())),
        parts: {
            let later: Vec<String> = fit
                .iter()
                .flat_map(|s| {
                    let (_, words) = tokens_of(s);
                    s.words
                        .iter()
                        .zip(words)
                        .filter(|(_, (_, part))| *part > 0)
                        .map(|(w, _)| w.form.to_lowercase())
                        .collect::<Vec<_>>()
                })
                .collect();
            inventory(later.iter().map(|s| s.as_str()))
        },
        hidden_states: tagger.config.num_hidden_layers as usize + 1,
        hidden: tagger.config.hidden_size as usize,
        tag_dim: args.tag_dim,
        arc_dim: args.arc_dim,
        rel_dim: args.rel_dim,
        affix_buckets: args.affix_buckets,
        affix_dim: args.affix_dim,
        word_layers: args.word_layers,
        word_dim: args.word_dim,
        max_distance: args.max_distance,
        whole_word_forms: {
            let mut table: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for (w, script) in words().zip(&scripts) {
                if script
                    .split_once(';')
                    .is_some_and(|(_, edit)| edit.starts_with('='))
                {
                    let forms = table.entry(script.clone()).or_default();
                    let lower = w.form.to_lowercase();
                    if !forms.contains(&lower) {
                        forms.push(lower);
                    }
                }
            }
            table.values_mut().for_each(|f| f.sort());
            table
        },
        known_lemmas: syntax_data::known_lemmas(&fit, &["VERB"]),
        treebanks: if args.treebank_styles {
            TREEBANKS.iter().map(|t| t.to_string()).collect()
        } else {
            Vec::new()
        },
        default_style: if args.treebank_styles {
            args.style.clone()
        } else {
            String::new()
        },
    };
    eprintln!(
        "[syntax] classes: {} UPOS, {} FEATS, {} lemma scripts, {} relations",
        spec.upos.len(),
        spec.feats.len(),
        spec.lemma_scripts.len(),
        spec.deprels.len()
    );
    let dim = 2 * spec.hidden_states * spec.hidden;

    let t = Instant::now();
    let opts = InferenceOptions {
        batch_size: 32,
        ..InferenceOptions::default()
    };
    let examples = |sentences: Vec<conllu::Sentence>| -> portavoz::Result<Vec<Example>> {
        let encoded = sentences
            .iter()
            .map(|s| encoder.encode_words(&tokens_of(s).0))
            .collect::<portavoz::Result<Vec<_>>>()?;
        let outputs = word_outputs(&tagger, &encoded, &opts, HiddenTap::All);
        Ok(sentences
            .into_iter()
            .zip(outputs.hidden)
            .map(|(sentence, states)| example_for(sentence, &spec, &states, dim))
            .collect())
    };
    let fit = examples(fit)?;
    let held_out = examples(held_out)?;
    let test = examples(test)?;
    if [&fit, &held_out, &test]
        .iter()
        .any(|set| set.iter().any(|e| e.states.len() != e.heads.len() * dim))
    {
        return Err(portavoz::Error::Config(
            "the encoder gave no states for some sentence".into(),
        ));
    }
    eprintln!(
        "[syntax] encoder states in {:.1}s",
        t.elapsed().as_secs_f64()
    );

    let mut heads = SyntaxHeads::new(spec.clone(), Device::Cpu);
    let mut opt = Adam::new(&heads);
    let checkpoint = args.out.join("last");
    let best_dir = args.out.join("best");
    let mut first_epoch = 0;
    let mut best_las = f64::MIN;
    if args.resume && checkpoint.join("syntax.safetensors").exists() {
        heads.vs.load(checkpoint.join("syntax.safetensors"))?;
        heads.vs.float();
        heads.set_lstm_kind(tch::Kind::Float);
        opt = Adam::new(&heads);
        opt.load(&checkpoint.join("adam.safetensors"))?;
        let state = std::fs::read_to_string(checkpoint.join("state.txt")).unwrap_or_default();
        let mut parts = state.split_whitespace();
        first_epoch = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        best_las = parts
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(f64::MIN);
        eprintln!(
            "[syntax] resuming at epoch {} (best held-out LAS {best_las:.2})",
            first_epoch + 1
        );
    }
    train_loop(
        args,
        heads,
        opt,
        &fit,
        &held_out,
        &test,
        dim,
        first_epoch,
        best_las,
        &best_dir,
        &checkpoint,
        started,
    )
}

#[allow(clippy::too_many_arguments)]
fn train_loop(
    args: &Args,
    heads: SyntaxHeads,
    mut opt: Adam,
    fit: &[Example],
    held_out: &[Example],
    test: &[Example],
    dim: usize,
    first_epoch: usize,
    mut best_las: f64,
    best_dir: &Path,
    checkpoint: &Path,
    started: Instant,
) -> portavoz::Result<()> {
    let metadata = |epoch: usize, las: f64| -> BTreeMap<String, String> {
        [
            (
                "data".to_string(),
                "UD Spanish GSD dev + PUD test (every tenth sentence held out)".to_string(),
            ),
            ("epoch".to_string(), epoch.to_string()),
            ("held_out_las".to_string(), format!("{las:.2}")),
            ("seed".to_string(), args.seed.to_string()),
            ("lr".to_string(), args.lr.to_string()),
            ("dropout".to_string(), args.dropout.to_string()),
            ("batch".to_string(), args.batch.to_string()),
            ("features_precision".to_string(), args.precision.clone()),
        ]
        .into_iter()
        .collect()
    };
    let steps_per_epoch = fit.len().div_ceil(args.batch);
    let total_steps = (steps_per_epoch * args.epochs) as f64;
    for epoch in first_epoch..args.epochs {
        let t = Instant::now();
        // Batches of sentences of similar length (little padding), in a seeded random order.
        let mut rng = Rng(args
            .seed
            .wrapping_mul(0x9E3779B97F4A7C15)
            .wrapping_add(epoch as u64 + 1));
        let mut order: Vec<usize> = (0..fit.len()).collect();
        rng.shuffle(&mut order);
        order.sort_by_key(|&i| fit[i].heads.len());
        let mut batches: Vec<&[usize]> = order.chunks(args.batch).collect();
        rng.shuffle(&mut batches);
        let mut total = 0.0;
        for (step, chunk) in batches.into_iter().enumerate() {
            let examples: Vec<&Example> = chunk.iter().map(|&i| &fit[i]).collect();
            let batch = make_batch(&examples, dim);
            let l = loss(&heads, &batch, args.dropout);
            l.backward();
            let done = (epoch * steps_per_epoch + step) as f64 / total_steps;
            opt.step(args.lr * (1.0 - done).max(0.05));
            total += l.double_value(&[]);
        }
        let predicted = predict(&heads, held_out, dim);
        let gold: Vec<conllu::Sentence> = held_out.iter().map(|e| e.sentence.clone()).collect();
        let scores =
            score::evaluate_gold_tokens(&gold, &predicted).map_err(portavoz::Error::Config)?;
        eprintln!(
            "[syntax] epoch {:>2}: loss {:.3}, held-out UPOS {:.2} UFeats {:.2} lemma {:.2} UAS {:.2} LAS {:.2} ({:.0}s)",
            epoch + 1,
            total / steps_per_epoch as f64,
            scores.upos,
            scores.ufeats,
            scores.lemma,
            scores.uas,
            scores.las,
            t.elapsed().as_secs_f64()
        );
        if scores.las > best_las {
            best_las = scores.las;
            heads.save(best_dir, &metadata(epoch + 1, best_las), true)?;
        }
        heads.save(checkpoint, &metadata(epoch + 1, scores.las), false)?;
        opt.save(&checkpoint.join("adam.safetensors"))?;
        std::fs::write(
            checkpoint.join("state.txt"),
            format!("{} {}", epoch + 1, best_las),
        )
        .map_err(|e| portavoz::Error::Io {
            path: checkpoint.to_path_buf(),
            source: e,
        })?;
    }
    let best = SyntaxHeads::load(best_dir, Device::Cpu)?
        .ok_or_else(|| portavoz::Error::Config("no best heads saved".into()))?;
    let predicted = predict(&best, test, dim);
    let gold: Vec<conllu::Sentence> = test.iter().map(|e| e.sentence.clone()).collect();
    let s = score::evaluate_gold_tokens(&gold, &predicted).map_err(portavoz::Error::Config)?;
    println!("GSD test (gold tokens, {} words): UPOS {:.2}  UFeats {:.2}  Lemma {:.2}  UAS {:.2}  LAS {:.2}", s.words_gold, s.upos, s.ufeats, s.lemma, s.uas, s.las);
    println!(
        "best held-out LAS {best_las:.2}; {:.0}s in all",
        started.elapsed().as_secs_f64()
    );
    if let Some(dir) = &args.export {
        for file in [
            portavoz::ner::syntax_heads::SYNTAX_LABELS_FILE,
            portavoz::ner::syntax_heads::SYNTAX_WEIGHTS_FILE,
        ] {
            std::fs::copy(best_dir.join(file), dir.join(file)).map_err(|e| {
                portavoz::Error::Io {
                    path: dir.join(file),
                    source: e,
                }
            })?;
        }
        println!("heads written to {}", dir.display());
    }
    Ok(())
}
