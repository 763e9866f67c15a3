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
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use portavoz::ner::encode::WordEncoder;
use portavoz::ner::forward::HiddenTap;
use portavoz::ner::syntax_heads::{affix_ids, SyntaxHeads, SyntaxSpec, AFFIXES};
use portavoz::ner::xlmr::{self, XlmrTagger};
use portavoz::ner::{word_outputs, Forward, InferenceOptions, Precision};
use portavoz::syntax::treebank::tokens_of;
use portavoz::syntax::{conllu, lemma_script, score};
use tch::{Device, Reduction, Tensor};

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
    #[arg(long, default_value_t = 60)]
    epochs: usize,
    #[arg(long, default_value_t = 32)]
    batch: usize,
    #[arg(long, default_value_t = 2e-3)]
    lr: f64,
    #[arg(long, default_value_t = 0.3)]
    dropout: f64,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long, default_value_t = 384)]
    tag_dim: usize,
    #[arg(long, default_value_t = 384)]
    arc_dim: usize,
    #[arg(long, default_value_t = 128)]
    rel_dim: usize,
    #[arg(long, default_value_t = 8192)]
    affix_buckets: usize,
    #[arg(long, default_value_t = 64)]
    affix_dim: usize,
    /// Bidirectional LSTM layers over the words before the heads.
    #[arg(long, default_value_t = 0)]
    word_layers: usize,
    /// LSTM width per direction.
    #[arg(long, default_value_t = 256)]
    word_dim: usize,
    #[arg(long, default_value_t = 16)]
    max_distance: usize,
    /// Number format of the frozen encoder pass that makes the features.
    #[arg(long, default_value = "fp32")]
    precision: String,
    /// Continue the run in --out.
    #[arg(long)]
    resume: bool,
}

fn default_ud() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ud-spanish")
}

/// Deterministic shuffling (xorshift64*), so a resumed run sees the same batch order.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// A treebank sentence with its frozen encoder states and gold class ids (-100: not learned).
struct Example {
    sentence: conllu::Sentence,
    /// `words × (states * hidden)` floats: each syntactic word gets its token's states.
    states: Vec<f32>,
    parts: Vec<i64>,
    /// `words × AFFIXES` spelling feature ids.
    affixes: Vec<i64>,
    upos: Vec<i64>,
    feats: Vec<i64>,
    lemma: Vec<i64>,
    heads: Vec<i64>,
    rels: Vec<i64>,
}

fn read_treebank(path: &Path) -> portavoz::Result<Vec<conllu::Sentence>> {
    let text = std::fs::read_to_string(path).map_err(|e| portavoz::Error::Io { path: path.to_path_buf(), source: e })?;
    conllu::read(&text).map_err(|e| portavoz::Error::Parse { path: path.display().to_string(), line: 0, reason: e.to_string() })
}

/// Classes in order of frequency (ties by name), so ids are stable across runs.
fn inventory<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    items.for_each(|i| *counts.entry(i).or_default() += 1);
    let mut list: Vec<(&str, usize)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    list.into_iter().map(|(s, _)| s.to_string()).collect()
}

fn ids(list: &[String]) -> HashMap<&str, i64> {
    list.iter().enumerate().map(|(i, s)| (s.as_str(), i as i64)).collect()
}

fn feats_or_none(f: &str) -> &str {
    if f.is_empty() { "_" } else { f }
}

struct Adam {
    params: Vec<(String, Tensor)>,
    m: Vec<Tensor>,
    v: Vec<Tensor>,
    t: i64,
}

impl Adam {
    fn new(heads: &SyntaxHeads) -> Self {
        let mut params: Vec<(String, Tensor)> = heads.vs.variables().into_iter().collect();
        params.sort_by(|a, b| a.0.cmp(&b.0));
        let m = params.iter().map(|(_, p)| p.zeros_like()).collect();
        let v = params.iter().map(|(_, p)| p.zeros_like()).collect();
        Adam { params, m, v, t: 0 }
    }
    fn step(&mut self, lr: f64) {
        let _guard = tch::no_grad_guard();
        self.t += 1;
        let (b1, b2, eps) = (0.9f64, 0.9f64, 1e-8);
        let (c1, c2) = (1.0 - b1.powi(self.t as i32), 1.0 - b2.powi(self.t as i32));
        for ((_, p), (m, v)) in self.params.iter_mut().zip(self.m.iter_mut().zip(self.v.iter_mut())) {
            let g = p.grad();
            if !g.defined() {
                continue;
            }
            m.copy_(&(&*m * b1 + &g * (1.0 - b1)));
            v.copy_(&(&*v * b2 + &g * &g * (1.0 - b2)));
            let update = (&*m / c1) / ((&*v / c2).sqrt() + eps) * lr;
            let _ = p.g_sub_(&update);
            let _ = p.grad().zero_();
        }
    }
    fn save(&self, path: &Path) -> Result<(), tch::TchError> {
        let mut named: Vec<(String, Tensor)> = Vec::new();
        for ((name, _), (m, v)) in self.params.iter().zip(self.m.iter().zip(&self.v)) {
            named.push((format!("m.{name}"), m.shallow_clone()));
            named.push((format!("v.{name}"), v.shallow_clone()));
        }
        named.push(("t".into(), Tensor::from_slice(&[self.t])));
        Tensor::write_safetensors(&named, path)
    }
    fn load(&mut self, path: &Path) -> Result<(), tch::TchError> {
        let stored: HashMap<String, Tensor> = Tensor::read_safetensors(path)?.into_iter().collect();
        let _guard = tch::no_grad_guard();
        for ((name, _), (m, v)) in self.params.iter().zip(self.m.iter_mut().zip(self.v.iter_mut())) {
            if let (Some(sm), Some(sv)) = (stored.get(&format!("m.{name}")), stored.get(&format!("v.{name}"))) {
                m.copy_(sm);
                v.copy_(sv);
            }
        }
        if let Some(t) = stored.get("t") {
            self.t = t.int64_value(&[0]);
        }
        Ok(())
    }
}

struct Batch {
    states: Tensor,
    parts: Tensor,
    affixes: Tensor,
    mask: Tensor,
    upos: Tensor,
    feats: Tensor,
    lemma: Tensor,
    heads: Tensor,
    rels: Tensor,
}

fn make_batch(examples: &[&Example], dim: usize) -> Batch {
    let w = examples.iter().map(|e| e.heads.len()).max().unwrap_or(0);
    let b = examples.len();
    let mut states = vec![0f32; b * w * dim];
    let mut mask = vec![0i64; b * w];
    let mut parts = vec![0i64; b * w];
    let mut affixes = vec![0i64; b * w * AFFIXES];
    let target = |f: &dyn Fn(&Example) -> &Vec<i64>| {
        let mut t = vec![-100i64; b * (w + 1)];
        for (i, e) in examples.iter().enumerate() {
            for (j, &v) in f(e).iter().enumerate() {
                t[i * (w + 1) + j + 1] = v;
            }
        }
        Tensor::from_slice(&t).view([b as i64, w as i64 + 1])
    };
    for (i, e) in examples.iter().enumerate() {
        let n = e.heads.len();
        states[i * w * dim..i * w * dim + n * dim].copy_from_slice(&e.states);
        mask[i * w..i * w + n].fill(1);
        parts[i * w..i * w + n].copy_from_slice(&e.parts);
        affixes[i * w * AFFIXES..(i * w + n) * AFFIXES].copy_from_slice(&e.affixes);
    }
    Batch {
        states: Tensor::from_slice(&states).view([b as i64, w as i64, dim as i64]),
        mask: Tensor::from_slice(&mask).view([b as i64, w as i64]),
        parts: Tensor::from_slice(&parts).view([b as i64, w as i64]),
        affixes: Tensor::from_slice(&affixes).view([b as i64, w as i64, AFFIXES as i64]),
        upos: target(&|e| &e.upos),
        feats: target(&|e| &e.feats),
        lemma: target(&|e| &e.lemma),
        heads: target(&|e| &e.heads),
        rels: target(&|e| &e.rels),
    }
}

fn loss(heads: &SyntaxHeads, batch: &Batch, dropout: f64) -> Tensor {
    let x = heads.mix_states(&batch.states);
    let scores = heads.scores(&x, &batch.parts, &batch.affixes, &batch.mask, dropout);
    let ce = |logits: &Tensor, target: &Tensor| {
        let c = *logits.size().last().unwrap_or(&1);
        logits.view([-1, c]).cross_entropy_loss::<Tensor>(&target.view([-1]), None, Reduction::Mean, -100, 0.0)
    };
    let gold_heads = batch.heads.clamp_min(0);
    let rels = heads.relation_scores(&scores, &gold_heads);
    ce(&scores.upos, &batch.upos) + ce(&scores.feats, &batch.feats) + ce(&scores.lemma, &batch.lemma) + ce(&scores.arcs, &batch.heads) + ce(&rels, &batch.rels)
}

/// Predicted sentences (the gold sentence with the system's columns) for scoring.
fn predict(heads: &SyntaxHeads, examples: &[Example], dim: usize) -> Vec<conllu::Sentence> {
    let _guard = tch::no_grad_guard();
    examples
        .iter()
        .map(|e| {
            let n = e.heads.len() as i64;
            let states = Tensor::from_slice(&e.states).view([1, n, dim as i64]);
            let x = heads.mix_states(&states).squeeze_dim(0);
            let forms: Vec<&str> = e.sentence.words.iter().map(|w| w.form.as_str()).collect();
            let analysis = heads.predict(&x, &e.parts, &forms);
            let mut s = e.sentence.clone();
            for (w, a) in s.words.iter_mut().zip(analysis) {
                w.upos = a.upos;
                w.feats = if a.feats == "_" { String::new() } else { a.feats };
                w.lemma = a.lemma;
                w.head = a.head;
                w.deprel = a.deprel;
            }
            s
        })
        .collect()
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
    let precision = Precision::parse(&args.precision).ok_or_else(|| portavoz::Error::Config(format!("unknown precision {}", args.precision)))?;
    let tagger = XlmrTagger::load_for_inference(&args.model, Device::Cpu, precision, Forward::Fused)?;
    let encoder = WordEncoder::load(&args.model.join(xlmr::TOKENIZER_FILE))?;
    let mut train: Vec<conllu::Sentence> = Vec::new();
    for name in ["es_gsd-ud-dev.conllu", "es_pud-ud-test.conllu"] {
        train.extend(read_treebank(&args.ud.join(name))?);
    }
    let test = read_treebank(&args.ud.join("es_gsd-ud-test.conllu"))?;
    let mut held_out = Vec::new();
    let mut fit = Vec::new();
    for (i, s) in train.into_iter().enumerate() {
        if i % 10 == 9 { held_out.push(s) } else { fit.push(s) }
    }
    eprintln!("[syntax] {} training, {} held-out, {} test sentences", fit.len(), held_out.len(), test.len());

    let words = || fit.iter().flat_map(|s| s.words.iter());
    let scripts: Vec<String> = words().map(|w| lemma_script::script_for(&w.form, &w.lemma)).collect();
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
                    s.words.iter().zip(words).filter(|(_, (_, part))| *part > 0).map(|(w, _)| w.form.to_lowercase()).collect::<Vec<_>>()
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
    let opts = InferenceOptions { batch_size: 32, ..InferenceOptions::default() };
    let examples = |sentences: Vec<conllu::Sentence>| -> portavoz::Result<Vec<Example>> {
        let (upos, feats, lemma, rels) = (ids(&spec.upos), ids(&spec.feats), ids(&spec.lemma_scripts), ids(&spec.deprels));
        let plans: Vec<(Vec<String>, Vec<(usize, usize)>)> = sentences.iter().map(tokens_of).collect();
        let encoded = plans.iter().map(|(tokens, _)| encoder.encode_words(tokens)).collect::<portavoz::Result<Vec<_>>>()?;
        let outputs = word_outputs(&tagger, &encoded, &opts, HiddenTap::All);
        let parts_of = |sentence: &conllu::Sentence, words: &[(usize, usize)]| -> Vec<i64> {
            let known: HashMap<&str, i64> = spec.parts.iter().enumerate().map(|(i, p)| (p.as_str(), i as i64 + 2)).collect();
            sentence
                .words
                .iter()
                .zip(words)
                .map(|(w, &(_, part))| if part == 0 { 0 } else { known.get(w.form.to_lowercase().as_str()).copied().unwrap_or(1) })
                .collect()
        };
        Ok(sentences
            .into_iter()
            .zip(outputs.hidden)
            .zip(plans)
            .map(|((sentence, token_states), (_, words))| {
                let id = |map: &HashMap<&str, i64>, k: &str| map.get(k).copied().unwrap_or(-100);
                let mut states = Vec::with_capacity(words.len() * dim);
                for &(t, _) in &words {
                    states.extend_from_slice(token_states.get(t * dim..(t + 1) * dim).unwrap_or(&[]));
                }
                Example {
                    parts: parts_of(&sentence, &words),
                    affixes: sentence.words.iter().flat_map(|w| affix_ids(&w.form, spec.affix_buckets)).collect(),
                    upos: sentence.words.iter().map(|w| id(&upos, &w.upos)).collect(),
                    feats: sentence.words.iter().map(|w| id(&feats, feats_or_none(&w.feats))).collect(),
                    lemma: sentence.words.iter().map(|w| id(&lemma, &lemma_script::script_for(&w.form, &w.lemma))).collect(),
                    heads: sentence.words.iter().map(|w| w.head as i64).collect(),
                    rels: sentence.words.iter().map(|w| id(&rels, &w.deprel)).collect(),
                    states,
                    sentence,
                }
            })
            .collect())
    };
    let fit = examples(fit)?;
    let held_out = examples(held_out)?;
    let test = examples(test)?;
    if [&fit, &held_out, &test].iter().any(|set| set.iter().any(|e| e.states.len() != e.heads.len() * dim)) {
        return Err(portavoz::Error::Config("the encoder gave no states for some sentence".into()));
    }
    eprintln!("[syntax] encoder states in {:.1}s", t.elapsed().as_secs_f64());

    let heads = SyntaxHeads::new(spec.clone(), Device::Cpu);
    let mut opt = Adam::new(&heads);
    let checkpoint = args.out.join("last");
    let best_dir = args.out.join("best");
    let mut first_epoch = 0;
    let mut best_las = f64::MIN;
    if args.resume && checkpoint.join("syntax.safetensors").exists() {
        let mut h = heads;
        h.vs.load(checkpoint.join("syntax.safetensors"))?;
        h.vs.float();
        let heads_loaded = h;
        opt = Adam::new(&heads_loaded);
        opt.load(&checkpoint.join("adam.safetensors"))?;
        let state = std::fs::read_to_string(checkpoint.join("state.txt")).unwrap_or_default();
        let mut parts = state.split_whitespace();
        first_epoch = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        best_las = parts.next().and_then(|s| s.parse().ok()).unwrap_or(f64::MIN);
        eprintln!("[syntax] resuming at epoch {} (best held-out LAS {best_las:.2})", first_epoch + 1);
        return train_loop(args, heads_loaded, opt, &fit, &held_out, &test, dim, first_epoch, best_las, &best_dir, &checkpoint, started);
    }
    train_loop(args, heads, opt, &fit, &held_out, &test, dim, first_epoch, best_las, &best_dir, &checkpoint, started)
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
            ("data".to_string(), "UD Spanish GSD dev + PUD test (every tenth sentence held out)".to_string()),
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
        let mut rng = Rng(args.seed.wrapping_mul(0x9E3779B97F4A7C15).wrapping_add(epoch as u64 + 1));
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
        let scores = score::evaluate_gold_tokens(&gold, &predicted).map_err(portavoz::Error::Config)?;
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
        std::fs::write(checkpoint.join("state.txt"), format!("{} {}", epoch + 1, best_las)).map_err(|e| portavoz::Error::Io { path: checkpoint.to_path_buf(), source: e })?;
    }
    let best = SyntaxHeads::load(best_dir, Device::Cpu)?.ok_or_else(|| portavoz::Error::Config("no best heads saved".into()))?;
    let predicted = predict(&best, test, dim);
    let gold: Vec<conllu::Sentence> = test.iter().map(|e| e.sentence.clone()).collect();
    let s = score::evaluate_gold_tokens(&gold, &predicted).map_err(portavoz::Error::Config)?;
    println!("GSD test (gold tokens, {} words): UPOS {:.2}  UFeats {:.2}  Lemma {:.2}  UAS {:.2}  LAS {:.2}", s.words_gold, s.upos, s.ufeats, s.lemma, s.uas, s.las);
    println!("best held-out LAS {best_las:.2}; {:.0}s in all", started.elapsed().as_secs_f64());
    if let Some(dir) = &args.export {
        for file in [portavoz::ner::syntax_heads::SYNTAX_LABELS_FILE, portavoz::ner::syntax_heads::SYNTAX_WEIGHTS_FILE] {
            std::fs::copy(best_dir.join(file), dir.join(file)).map_err(|e| portavoz::Error::Io { path: dir.join(file), source: e })?;
        }
        println!("heads written to {}", dir.display());
    }
    Ok(())
}
