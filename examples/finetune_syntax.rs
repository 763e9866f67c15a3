//! Fine-tunes the shared encoder for syntax and entities together, starting from a model
//! folder that already has trained syntax heads (`make train-syntax`): every step takes a batch
//! of UD Spanish sentences (syntax loss through the heads) and a batch of AnCora sentences
//! (entity loss through the classifier), so the encoder learns syntax without forgetting the
//! entities. The forward pass is the inference pass itself (`FusedEncoder::trainable`), so
//! training and inference compute the same states.
//!
//! Model selection: after each epoch, held-out LAS (every tenth training sentence) and AnCora
//! dev F1; the best LAS among the epochs whose dev F1 stays within `--ner-tolerance` of the
//! starting model's is kept. After every epoch `OUT/last` holds the weights, the optimizer
//! moments and the progress, so `--resume` continues a killed run.
//!
//! ```sh
//! cargo run --release --example finetune_syntax -- --model models/portavoz-ner-es --out runs/joint --export runs/joint-export
//! ```
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use portavoz::corpus::{read_conll, EntityScores, TaggedSentence};
use portavoz::ner::encode::{self, WordEncoder, PAD_ID};
use portavoz::ner::forward::{FusedEncoder, HiddenTap, PackedRows, PADDING_IDX};
use portavoz::ner::syntax_heads::{SyntaxHeads, SYNTAX_LABELS_FILE, SYNTAX_WEIGHTS_FILE};
use portavoz::ner::xlmr::{XlmrTagger, TOKENIZER_FILE, WORD_EMBEDDINGS};
use portavoz::ner::{choose_tags, word_log_probs, word_outputs, InferenceOptions, Precision};
use portavoz::syntax::treebank::tokens_of;
use portavoz::syntax::{conllu, score};
use tch::{Device, Reduction, Tensor};

#[path = "common/syntax_data.rs"]
mod syntax_data;
use syntax_data::*;

#[derive(Parser, Debug)]
struct Args {
    /// Starting model folder: encoder, entity head and syntax heads.
    #[arg(long, default_value = "models/portavoz-ner-es")]
    model: PathBuf,
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/ud-spanish"))]
    ud: PathBuf,
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/ancora-es-ner/train.tsv"))]
    ner_train: PathBuf,
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/ancora-es-ner/dev.tsv"))]
    ner_dev: PathBuf,
    #[arg(long, default_value = "runs/joint")]
    out: PathBuf,
    /// Write the selected model (F16, with tokenizer and syntax heads) here at the end.
    #[arg(long)]
    export: Option<PathBuf>,
    #[arg(long, default_value_t = 6)]
    epochs: usize,
    /// UD sentences per step.
    #[arg(long, default_value_t = 16)]
    batch: usize,
    /// AnCora inputs per step.
    #[arg(long, default_value_t = 16)]
    ner_batch: usize,
    /// Peak learning rate of the encoder.
    #[arg(long, default_value_t = 3e-5)]
    lr: f64,
    /// Peak learning rate of the syntax heads and the entity classifier.
    #[arg(long, default_value_t = 3e-4)]
    head_lr: f64,
    /// Dropout in the syntax heads.
    #[arg(long, default_value_t = 0.4)]
    dropout: f64,
    /// Weight of the entity loss.
    #[arg(long, default_value_t = 1.0)]
    ner_weight: f64,
    /// Largest drop of AnCora dev F1 (points) an epoch may have and still be selected.
    #[arg(long, default_value_t = 0.15)]
    ner_tolerance: f64,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long, default_value_t = 2)]
    threads: i32,
    /// Stop after this many steps (trials); 0 = all.
    #[arg(long, default_value_t = 0)]
    max_steps: usize,
    #[arg(long)]
    resume: bool,
}

/// One model input row: subword ids with, for a UD sentence, each word's first and last
/// subword position, or for an AnCora input, the label of every position (-100 elsewhere).
struct Row {
    ids: Vec<i64>,
    first: Vec<usize>,
    last: Vec<usize>,
    labels: Vec<i64>,
}

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Progress {
    epoch: usize,
    best_las: f64,
    best_epoch: usize,
    start_dev_f1: f64,
    history: Vec<(usize, f64, f64)>,
}

const NER_LABELS: [&str; 9] = [
    "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC",
];

fn packed(rows: &[&Row]) -> (Vec<i64>, Vec<i64>, Vec<i64>, usize) {
    let width = rows.iter().map(|r| r.ids.len()).max().unwrap_or(1);
    let mut ids = vec![PAD_ID; rows.len() * width];
    let mut positions = vec![PADDING_IDX; rows.len() * width];
    let mut segments = vec![0i64; rows.len() * width];
    for (r, row) in rows.iter().enumerate() {
        let at = r * width;
        ids[at..at + row.ids.len()].copy_from_slice(&row.ids);
        for j in 0..row.ids.len() {
            positions[at + j] = PADDING_IDX + 1 + j as i64;
            segments[at + j] = 1;
        }
    }
    (ids, positions, segments, width)
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> portavoz::Error + '_ {
    move |e| portavoz::Error::Io {
        path: path.to_path_buf(),
        source: e,
    }
}

fn run(args: &Args) -> portavoz::Result<()> {
    tch::set_num_threads(args.threads);
    tch::manual_seed(args.seed as i64);
    let started = Instant::now();
    let last = args.out.join("last");
    let resuming = args.resume && last.join("progress.json").exists();
    let from = if resuming {
        last.clone()
    } else {
        args.model.clone()
    };
    let mut tagger = XlmrTagger::load(&from, Device::Cpu)?;
    tagger.freeze_word_embeddings();
    let mut heads = SyntaxHeads::load(&from, Device::Cpu)?.ok_or_else(|| {
        portavoz::Error::Config(format!(
            "{} has no syntax heads: run make train-syntax first",
            from.display()
        ))
    })?;
    heads.vs.unfreeze();
    let encoder = WordEncoder::load(&args.model.join(TOKENIZER_FILE))?;
    let spec = heads.spec.clone();
    let (layers, n_heads, hidden) = (
        tagger.config.num_hidden_layers,
        tagger.config.num_attention_heads,
        tagger.config.hidden_size,
    );

    // UD sentences that fit one input.
    let (fit, held_out, _) = treebanks(&args.ud)?;
    let ud_rows = |sentences: Vec<conllu::Sentence>| -> portavoz::Result<Vec<(Example, Row)>> {
        let mut out = Vec::new();
        for s in sentences {
            let (tokens, words) = tokens_of(&s);
            let enc = encoder.encode_words(&tokens)?;
            let chunks = encode::chunks(std::slice::from_ref(&enc), 128, 0);
            let [chunk] = chunks.as_slice() else { continue };
            let token_last: Vec<usize> = (0..tokens.len())
                .map(|t| {
                    chunk
                        .first_subword
                        .get(t + 1)
                        .map_or(chunk.ids.len() - 2, |n| n - 1)
                })
                .collect();
            let row = Row {
                ids: chunk.ids.clone(),
                first: words.iter().map(|&(t, _)| chunk.first_subword[t]).collect(),
                last: words
                    .iter()
                    .map(|&(t, _)| token_last[t].max(chunk.first_subword[t]))
                    .collect(),
                labels: Vec::new(),
            };
            out.push((example_for(s, &spec, &[], 0), row));
        }
        Ok(out)
    };
    let fit = ud_rows(fit)?;
    let held_out_sentences: Vec<conllu::Sentence> = held_out;
    // AnCora inputs (sentences cut into windows of whole words).
    let ner_train: Vec<TaggedSentence> = read_conll(&args.ner_train)?;
    let ner_dev: Vec<TaggedSentence> = read_conll(&args.ner_dev)?;
    let label_id: HashMap<&str, i64> = NER_LABELS
        .iter()
        .enumerate()
        .map(|(i, l)| (*l, i as i64))
        .collect();
    let ner_enc = ner_train
        .iter()
        .map(|s| encoder.encode_words(&s.words))
        .collect::<portavoz::Result<Vec<_>>>()?;
    let dev_enc = ner_dev
        .iter()
        .map(|s| encoder.encode_words(&s.words))
        .collect::<portavoz::Result<Vec<_>>>()?;
    let ner_rows: Vec<Row> = encode::chunks(&ner_enc, 128, 0)
        .into_iter()
        .map(|c| {
            let mut labels = vec![-100i64; c.ids.len()];
            for (k, &pos) in c.first_subword.iter().enumerate() {
                let tag = ner_train[c.sentence]
                    .tags
                    .get(c.window.start + k)
                    .map_or("O", String::as_str);
                labels[pos] = label_id.get(tag).copied().unwrap_or(0);
            }
            Row {
                ids: c.ids,
                first: Vec::new(),
                last: Vec::new(),
                labels,
            }
        })
        .collect();
    eprintln!(
        "[joint] {} UD sentences, {} held out; {} AnCora inputs; prepared in {:.1}s",
        fit.len(),
        held_out_sentences.len(),
        ner_rows.len(),
        started.elapsed().as_secs_f64()
    );

    let mut params: Vec<(String, Tensor)> = tagger
        .vs
        .variables()
        .into_iter()
        .filter(|(n, t)| n != WORD_EMBEDDINGS && t.requires_grad())
        .map(|(n, t)| (format!("encoder/{n}"), t))
        .collect();
    params.extend(
        heads
            .vs
            .variables()
            .into_iter()
            .map(|(n, t)| (format!("syntax/{n}"), t)),
    );
    let mut opt = Adam::over(params);
    let mut progress = Progress::default();
    if resuming {
        opt.load(&last.join("adam.safetensors"))?;
        progress = serde_json::from_str(
            &std::fs::read_to_string(last.join("progress.json")).map_err(io_err(&last))?,
        )?;
        eprintln!("[joint] resuming after epoch {}", progress.epoch);
    }

    let steps_per_epoch = fit.len().div_ceil(args.batch);
    let total = if args.max_steps > 0 {
        args.max_steps
    } else {
        steps_per_epoch * args.epochs
    };
    let warmup = (total / 20).max(1);
    let schedule = |step: usize| {
        if step < warmup {
            (step + 1) as f64 / warmup as f64
        } else {
            ((total - step.min(total)) as f64 / (total - warmup).max(1) as f64).max(0.02)
        }
    };

    let evaluate = |tagger: &mut XlmrTagger, heads: &SyntaxHeads| -> portavoz::Result<(f64, f64)> {
        tagger.set_precision(Precision::Fp32)?; // rebuilds the inference pass on the current weights
        let opts = InferenceOptions {
            batch_size: 64,
            precision: Precision::Fp32,
            ..Default::default()
        };
        let lp = word_log_probs(tagger, &dev_enc, &opts);
        let mut ner = EntityScores::default();
        for (lp, s) in lp.iter().zip(&ner_dev) {
            let tags: Vec<&str> = choose_tags(lp, tagger.labels(), true)
                .iter()
                .map(|t| tagger.labels()[t.label].as_str())
                .collect();
            ner.add(&s.tags, &tags);
        }
        let dim = 2 * spec.hidden_states * spec.hidden;
        let enc = held_out_sentences
            .iter()
            .map(|s| encoder.encode_words(&tokens_of(s).0))
            .collect::<portavoz::Result<Vec<_>>>()?;
        let outputs = word_outputs(tagger, &enc, &opts, HiddenTap::All);
        let examples: Vec<Example> = held_out_sentences
            .iter()
            .cloned()
            .zip(&outputs.hidden)
            .map(|(s, st)| example_for(s, &spec, st, dim))
            .collect();
        let predicted = predict(heads, &examples, dim);
        let s = score::evaluate_gold_tokens(&held_out_sentences, &predicted)
            .map_err(portavoz::Error::Config)?;
        Ok((s.las, 100.0 * ner.overall.f1()))
    };
    if !resuming {
        let (las, f1) = evaluate(&mut tagger, &heads)?;
        progress.start_dev_f1 = f1;
        progress.best_las = las;
        eprintln!("[joint] start: held-out LAS {las:.2}, AnCora dev F1 {f1:.2}");
    }

    let mut step = progress.epoch * steps_per_epoch;
    let mut ner_cursor = step * args.ner_batch;
    let mut ner_order: Vec<usize> = (0..ner_rows.len()).collect();
    Rng(args.seed ^ 0xA5A5).shuffle(&mut ner_order);
    for epoch in progress.epoch..args.epochs {
        if step >= total {
            break;
        }
        let t = Instant::now();
        let mut rng = Rng(args
            .seed
            .wrapping_mul(0x9E3779B97F4A7C15)
            .wrapping_add(epoch as u64 + 1));
        let mut order: Vec<usize> = (0..fit.len()).collect();
        rng.shuffle(&mut order);
        order.sort_by_key(|&i| fit[i].1.ids.len());
        let mut batches: Vec<&[usize]> = order.chunks(args.batch).collect();
        rng.shuffle(&mut batches);
        let (mut syn_total, mut ner_total) = (0.0, 0.0);
        for (k, chunk) in batches.iter().enumerate() {
            if step >= total {
                break;
            }
            let fused = FusedEncoder::trainable(&tagger.vs, layers, n_heads, hidden)
                .map_err(portavoz::Error::Config)?;
            // Syntax: the heads read every hidden state at each word's first and last subword.
            let rows: Vec<&Row> = chunk.iter().map(|&i| &fit[i].1).collect();
            let (ids, positions, segments, width) = packed(&rows);
            let input = PackedRows {
                rows: rows.len(),
                width,
                ids: &ids,
                positions: &positions,
                segments: &segments,
            };
            let (_, states) = fused.logits_and_hidden(
                &input,
                fused.word_embeddings(&input, None),
                HiddenTap::All,
            );
            let s = states.len() as i64;
            let flat = Tensor::stack(&states, 2).view([-1, s * hidden]);
            let n = rows.iter().map(|r| r.first.len()).max().unwrap_or(1);
            let (mut first, mut lastp) = (vec![0i64; rows.len() * n], vec![0i64; rows.len() * n]);
            for (r, row) in rows.iter().enumerate() {
                for (w, (&a, &b)) in row.first.iter().zip(&row.last).enumerate() {
                    first[r * n + w] = (r * width + a) as i64;
                    lastp[r * n + w] = (r * width + b) as i64;
                }
            }
            let gather = |idx: &[i64]| {
                flat.index_select(0, &Tensor::from_slice(idx)).view([
                    rows.len() as i64,
                    n as i64,
                    s * hidden,
                ])
            };
            let word_states = Tensor::cat(&[gather(&first), gather(&lastp)], -1);
            let examples: Vec<&Example> = chunk.iter().map(|&i| &fit[i].0).collect();
            let mut batch = make_batch(&examples, 0);
            batch.states = word_states;
            let syn_loss = loss(&heads, &batch, args.dropout);
            // Entities: the next AnCora inputs.
            let ner: Vec<&Row> = (0..args.ner_batch)
                .map(|j| &ner_rows[ner_order[(ner_cursor + j) % ner_rows.len()]])
                .collect();
            ner_cursor += args.ner_batch;
            let (ids, positions, segments, width) = packed(&ner);
            let input = PackedRows {
                rows: ner.len(),
                width,
                ids: &ids,
                positions: &positions,
                segments: &segments,
            };
            let logits = fused.logits(&input, fused.word_embeddings(&input, None));
            let mut labels = vec![-100i64; ner.len() * width];
            for (r, row) in ner.iter().enumerate() {
                labels[r * width..r * width + row.labels.len()].copy_from_slice(&row.labels);
            }
            let ner_loss = logits
                .view([-1, NER_LABELS.len() as i64])
                .cross_entropy_loss::<Tensor>(
                    &Tensor::from_slice(&labels),
                    None,
                    Reduction::Mean,
                    -100,
                    0.0,
                );
            let total_loss = &syn_loss + &ner_loss * args.ner_weight;
            total_loss.backward();
            let factor = schedule(step);
            opt.step_by(|name| {
                if name.starts_with("syntax/") || name.starts_with("encoder/classifier.") {
                    args.head_lr * factor
                } else {
                    args.lr * factor
                }
            });
            syn_total += syn_loss.double_value(&[]);
            ner_total += ner_loss.double_value(&[]);
            step += 1;
            if (k + 1) % 20 == 0 {
                eprintln!(
                    "[joint] epoch {} step {}/{}: syntax loss {:.3}, entity loss {:.3} ({:.0}s)",
                    epoch + 1,
                    k + 1,
                    batches.len(),
                    syn_total / (k + 1) as f64,
                    ner_total / (k + 1) as f64,
                    t.elapsed().as_secs_f64()
                );
            }
        }
        let (las, f1) = evaluate(&mut tagger, &heads)?;
        progress.epoch = epoch + 1;
        progress.history.push((epoch + 1, las, f1));
        eprintln!(
            "[joint] epoch {}: held-out LAS {las:.2}, AnCora dev F1 {f1:.2} (start {:.2}) ({:.0}s)",
            epoch + 1,
            progress.start_dev_f1,
            t.elapsed().as_secs_f64()
        );
        let meta: BTreeMap<String, String> = [
            ("joint_epoch".to_string(), (epoch + 1).to_string()),
            ("held_out_las".to_string(), format!("{las:.2}")),
            ("ancora_dev_f1".to_string(), format!("{f1:.2}")),
            ("seed".to_string(), args.seed.to_string()),
            ("lr".to_string(), args.lr.to_string()),
            ("head_lr".to_string(), args.head_lr.to_string()),
        ]
        .into_iter()
        .collect();
        if las > progress.best_las && f1 >= progress.start_dev_f1 - args.ner_tolerance {
            progress.best_las = las;
            progress.best_epoch = epoch + 1;
            let best = args.out.join("best");
            tagger.save(&best, true, &meta)?;
            heads.save(&best, &meta, true)?;
        }
        tagger.save(&last, false, &meta)?;
        heads.save(&last, &meta, false)?;
        opt.save(&last.join("adam.safetensors"))?;
        std::fs::write(
            last.join("progress.json"),
            serde_json::to_string_pretty(&progress)?,
        )
        .map_err(io_err(&last))?;
        // set_precision built an inference pass; training goes on with the trainable one.
        tagger.freeze_word_embeddings();
    }
    println!(
        "best epoch {} (held-out LAS {:.2}); history (epoch, LAS, dev F1): {:?}; {:.0}s",
        progress.best_epoch,
        progress.best_las,
        progress.history,
        started.elapsed().as_secs_f64()
    );
    if let Some(dir) = &args.export {
        if progress.best_epoch == 0 {
            println!(
                "no epoch beat the starting model within the entity tolerance: nothing exported"
            );
            return Ok(());
        }
        let best = args.out.join("best");
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        for file in [
            "config.json",
            "model.safetensors",
            SYNTAX_LABELS_FILE,
            SYNTAX_WEIGHTS_FILE,
        ] {
            std::fs::copy(best.join(file), dir.join(file)).map_err(io_err(&best.join(file)))?;
        }
        std::fs::copy(args.model.join(TOKENIZER_FILE), dir.join(TOKENIZER_FILE))
            .map_err(io_err(dir))?;
        println!(
            "model written to {} (rebuild its int8 calibration with examples/calibrate_int8)",
            dir.display()
        );
    }
    Ok(())
}
