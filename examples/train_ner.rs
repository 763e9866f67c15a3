//! Fine-tunes the XLM-R encoder for Spanish NER on AnCora, in Rust (tch / rust-bert).
//!
//!     cargo run --release --example train_ner -- --out runs/ner --epochs 4 --export models/portavoz-ner-es
//!
//! Labels: O and B-/I- PER LOC ORG MISC (AnCora's DATE and NUM are read as O); the label of a
//! word sits on its first subword. Sentences are cut into windows of at most --max-len
//! subwords, grouped in length-sorted batches whose order is shuffled with --seed each epoch.
//! AdamW with linear warm-up and linear decay; the 4-bit word-embedding table stays frozen.
//! Every --save-every steps and at each epoch's end, `OUT/last` holds the weights, the
//! optimizer moments and the position in the data, so `--resume` continues a killed run
//! exactly; the best epoch on the dev set is kept in `OUT/best`. --export writes the best
//! model in F16 with its tokenizer: the folder portavoz ships.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use portavoz::corpus::{read_conll, EntityScores, TaggedSentence};
use portavoz::ner::encode::{self, Chunk, EncodedWords, WordEncoder, PAD_ID};
use portavoz::ner::store::{self, NamedTensor, TensorData};
use portavoz::ner::xlmr::{XlmrTagger, TOKENIZER_FILE, WEIGHTS_FILE, WORD_EMBEDDINGS};
use portavoz::ner::{choose_tags, word_log_probs, InferenceOptions};
use tch::{Device, Kind, Reduction, Tensor};

#[derive(Parser, Debug, Clone)]
struct Args {
    /// Base model folder made by `make setup` (scripts/setup.sh).
    #[arg(long, default_value_os_t = default_base())]
    base: PathBuf,
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/ancora-es-ner/train.tsv"))]
    train: PathBuf,
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/ancora-es-ner/dev.tsv"))]
    dev: PathBuf,
    /// Folder for checkpoints (`last`, `best`) and the log.
    #[arg(long, default_value = "runs/ner")]
    out: PathBuf,
    #[arg(long, default_value_t = 4)]
    epochs: usize,
    /// Peak learning rate of the encoder.
    #[arg(long, default_value_t = 1.5e-4)]
    lr: f64,
    /// Peak learning rate of the classification head.
    #[arg(long, default_value_t = 1e-3)]
    head_lr: f64,
    #[arg(long, default_value_t = 0.01)]
    weight_decay: f64,
    /// Fraction of the steps spent warming up.
    #[arg(long, default_value_t = 0.1)]
    warmup: f64,
    #[arg(long, default_value_t = 32)]
    batch: usize,
    #[arg(long, default_value_t = 128)]
    max_len: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long, default_value_t = 2)]
    threads: i32,
    #[arg(long, default_value_t = 50)]
    log_every: usize,
    #[arg(long, default_value_t = 200)]
    save_every: usize,
    /// Continue from OUT/last.
    #[arg(long)]
    resume: bool,
    /// Stop after this many steps (for trials); 0 = all.
    #[arg(long, default_value_t = 0)]
    max_steps: usize,
    /// Write the best model here in F16, with its tokenizer, when training ends.
    #[arg(long)]
    export: Option<PathBuf>,
}

fn default_base() -> PathBuf {
    portavoz::ner::convert::default_base_dir()
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
            v.swap(i, (self.next() % (i as u64 + 1)) as usize);
        }
    }
}

/// AdamW whose moments can be saved and restored (for exact resumption).
struct AdamW {
    params: Vec<(String, Tensor)>,
    m: Vec<Tensor>,
    v: Vec<Tensor>,
    t: i64,
}

impl AdamW {
    const B1: f64 = 0.9;
    const B2: f64 = 0.999;
    const EPS: f64 = 1e-8;

    fn new(tagger: &XlmrTagger) -> Self {
        let mut params: Vec<(String, Tensor)> = tagger
            .vs
            .variables()
            .into_iter()
            .filter(|(n, t)| n != WORD_EMBEDDINGS && t.requires_grad())
            .collect();
        params.sort_by(|a, b| a.0.cmp(&b.0));
        let m = params.iter().map(|(_, p)| p.zeros_like()).collect();
        let v = params.iter().map(|(_, p)| p.zeros_like()).collect();
        AdamW { params, m, v, t: 0 }
    }

    fn clip_grad_norm(&self, max_norm: f64) -> f64 {
        let total: f64 = tch::no_grad(|| {
            self.params
                .iter()
                .map(|(_, p)| p.grad())
                .filter(|g| g.defined())
                .map(|g| g.square().sum(Kind::Float).double_value(&[]))
                .sum()
        });
        let norm = total.sqrt();
        if norm > max_norm {
            let scale = max_norm / (norm + 1e-6);
            tch::no_grad(|| {
                for (_, p) in &self.params {
                    let mut g = p.grad();
                    if g.defined() {
                        let _ = g.g_mul_scalar_(scale);
                    }
                }
            });
        }
        norm
    }

    fn step(&mut self, lr: f64, head_lr: f64, weight_decay: f64) {
        self.t += 1;
        let bc1 = 1.0 - Self::B1.powi(self.t as i32);
        let bc2 = 1.0 - Self::B2.powi(self.t as i32);
        tch::no_grad(|| {
            for ((name, p), (m, v)) in self
                .params
                .iter_mut()
                .zip(self.m.iter_mut().zip(self.v.iter_mut()))
            {
                let g = p.grad();
                if !g.defined() {
                    continue;
                }
                let lr = if name.starts_with("classifier.") {
                    head_lr
                } else {
                    lr
                };
                let _ = m.g_mul_scalar_(Self::B1).g_add_(&(&g * (1.0 - Self::B1)));
                let _ = v
                    .g_mul_scalar_(Self::B2)
                    .g_add_(&(&g * &g * (1.0 - Self::B2)));
                if weight_decay > 0.0 && !name.ends_with(".bias") && !name.contains("LayerNorm") {
                    let _ = p.g_mul_scalar_(1.0 - lr * weight_decay);
                }
                let update = (&*m / bc1) / ((&*v / bc2).sqrt() + Self::EPS) * lr;
                let _ = p.g_sub_(&update);
            }
        });
    }

    fn zero_grad(&mut self) {
        for (_, p) in &mut self.params {
            p.zero_grad();
        }
    }

    fn save(&self, path: &Path) -> portavoz::Result<()> {
        let mut tensors = Vec::new();
        for ((name, _), (m, v)) in self.params.iter().zip(self.m.iter().zip(&self.v)) {
            for (prefix, t) in [("m.", m), ("v.", v)] {
                let values = Vec::<f32>::try_from(t.to_device(Device::Cpu).reshape([-1]))
                    .unwrap_or_default();
                tensors.push(NamedTensor {
                    name: format!("{prefix}{name}"),
                    shape: vec![values.len()],
                    data: TensorData::F32(values),
                });
            }
        }
        store::write(
            path,
            &tensors,
            &BTreeMap::from([("t".to_string(), self.t.to_string())]),
        )
    }

    fn load(&mut self, path: &Path) -> portavoz::Result<()> {
        let (tensors, meta) = store::read(path)?;
        let by_name: BTreeMap<String, NamedTensor> =
            tensors.into_iter().map(|t| (t.name.clone(), t)).collect();
        for ((name, p), (m, v)) in self
            .params
            .iter()
            .zip(self.m.iter_mut().zip(self.v.iter_mut()))
        {
            for (prefix, t) in [("m.", m), ("v.", v)] {
                let stored = by_name.get(&format!("{prefix}{name}")).ok_or_else(|| {
                    portavoz::Error::ModelCorrupt {
                        path: path.to_path_buf(),
                        reason: format!("no optimizer state for {name}"),
                    }
                })?;
                *t = Tensor::from_slice(&stored.to_f32())
                    .view(p.size().as_slice())
                    .to_device(p.device());
            }
        }
        self.t = meta.get("t").and_then(|t| t.parse().ok()).unwrap_or(0);
        Ok(())
    }
}

const LABELS_TO_ID: [(&str, i64); 9] = [
    ("O", 0),
    ("B-PER", 1),
    ("I-PER", 2),
    ("B-LOC", 3),
    ("I-LOC", 4),
    ("B-ORG", 5),
    ("I-ORG", 6),
    ("B-MISC", 7),
    ("I-MISC", 8),
];

fn label_id(tag: &str) -> i64 {
    LABELS_TO_ID
        .iter()
        .find(|(l, _)| *l == tag)
        .map_or(0, |(_, i)| *i)
}

struct Batch {
    ids: Tensor,
    mask: Tensor,
    labels: Tensor,
    words: usize,
}

fn make_batch(chunks: &[&Chunk], sentences: &[TaggedSentence], device: Device) -> Batch {
    let width = chunks.iter().map(|c| c.ids.len()).max().unwrap_or(0);
    let mut ids = vec![PAD_ID; chunks.len() * width];
    let mut mask = vec![0i64; chunks.len() * width];
    let mut labels = vec![-100i64; chunks.len() * width];
    let mut words = 0;
    for (b, c) in chunks.iter().enumerate() {
        ids[b * width..b * width + c.ids.len()].copy_from_slice(&c.ids);
        mask[b * width..b * width + c.ids.len()].fill(1);
        for (k, &pos) in c.first_subword.iter().enumerate() {
            labels[b * width + pos] = label_id(&sentences[c.sentence].tags[c.window.start + k]);
            words += 1;
        }
    }
    let shape = [chunks.len() as i64, width as i64];
    Batch {
        ids: Tensor::from_slice(&ids).view(shape).to_device(device),
        mask: Tensor::from_slice(&mask).view(shape).to_device(device),
        labels: Tensor::from_slice(&labels).view(shape).to_device(device),
        words,
    }
}

fn evaluate(
    tagger: &XlmrTagger,
    encoded: &[EncodedWords],
    gold: &[TaggedSentence],
) -> EntityScores {
    let opts = InferenceOptions {
        batch_size: 64,
        ..Default::default()
    };
    let log_probs = word_log_probs(tagger, encoded, &opts);
    let mut scores = EntityScores::default();
    for (lp, s) in log_probs.iter().zip(gold) {
        let tags: Vec<&str> = choose_tags(lp, tagger.labels(), true)
            .iter()
            .map(|t| tagger.labels()[t.label].as_str())
            .collect();
        scores.add(&s.tags, &tags);
    }
    scores
}

#[derive(serde::Serialize, serde::Deserialize, Default, Debug)]
struct Progress {
    step: usize,
    best_dev_f1: f64,
    best_epoch: usize,
    history: Vec<(usize, f64)>,
}

fn save_checkpoint(
    dir: &Path,
    tagger: &XlmrTagger,
    opt: &AdamW,
    progress: &Progress,
    base: &Path,
) -> portavoz::Result<()> {
    let tmp = dir.with_extension("partial");
    let _ = std::fs::remove_dir_all(&tmp);
    tagger.save(&tmp, false, &BTreeMap::new())?;
    opt.save(&tmp.join("optimizer.safetensors"))?;
    std::fs::copy(base.join(TOKENIZER_FILE), tmp.join(TOKENIZER_FILE)).map_err(|e| {
        portavoz::Error::Io {
            path: base.join(TOKENIZER_FILE),
            source: e,
        }
    })?;
    std::fs::write(
        tmp.join("progress.json"),
        serde_json::to_string_pretty(progress)?,
    )
    .map_err(|e| portavoz::Error::Io {
        path: tmp.clone(),
        source: e,
    })?;
    let _ = std::fs::remove_dir_all(dir);
    std::fs::rename(&tmp, dir).map_err(|e| portavoz::Error::Io {
        path: dir.to_path_buf(),
        source: e,
    })
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> portavoz::Result<()> {
    tch::set_num_threads(args.threads);
    tch::manual_seed(args.seed as i64);
    let device = Device::cuda_if_available();
    std::fs::create_dir_all(&args.out).map_err(|e| portavoz::Error::Io {
        path: args.out.clone(),
        source: e,
    })?;
    let last = args.out.join("last");
    let resuming = args.resume && last.join(WEIGHTS_FILE).exists();

    let encoder = WordEncoder::load(&args.base.join(TOKENIZER_FILE))?;
    let tagger = if resuming {
        eprintln!("resuming from {}", last.display());
        XlmrTagger::load(&last, device)?
    } else {
        let config_text = std::fs::read_to_string(args.base.join("config.json")).map_err(|e| {
            portavoz::Error::ModelMissing {
                path: args.base.clone(),
                hint: format!("{e}; run `make setup` first"),
            }
        })?;
        let mut t = XlmrTagger::new(serde_json::from_str(&config_text)?, device)?;
        let weights = args.base.join(WEIGHTS_FILE);
        t.set_weights(store::read(&weights)?.0, true, &weights)?;
        t
    };
    tagger.freeze_word_embeddings();
    let mut opt = AdamW::new(&tagger);
    let mut progress = Progress::default();
    if resuming {
        opt.load(&last.join("optimizer.safetensors"))?;
        progress = serde_json::from_str(
            &std::fs::read_to_string(last.join("progress.json")).map_err(|e| {
                portavoz::Error::Io {
                    path: last.clone(),
                    source: e,
                }
            })?,
        )?;
    }

    let train = read_conll(&args.train)?;
    let dev = read_conll(&args.dev)?;
    let t0 = Instant::now();
    let encode_all = |s: &[TaggedSentence]| {
        s.iter()
            .map(|s| encoder.encode_words(&s.words))
            .collect::<portavoz::Result<Vec<_>>>()
    };
    let train_enc = encode_all(&train)?;
    let dev_enc = encode_all(&dev)?;
    let chunks = encode::chunks(&train_enc, args.max_len, 0);
    let mut order: Vec<usize> = (0..chunks.len()).collect();
    order.sort_by_key(|&i| (chunks[i].ids.len(), i));
    let batches: Vec<Vec<usize>> = order.chunks(args.batch).map(|b| b.to_vec()).collect();
    let steps_per_epoch = batches.len();
    let total_steps = if args.max_steps > 0 {
        args.max_steps.min(steps_per_epoch * args.epochs)
    } else {
        steps_per_epoch * args.epochs
    };
    let warmup_steps = ((total_steps as f64) * args.warmup).round().max(1.0) as usize;
    let subwords: usize = chunks.iter().map(|c| c.ids.len()).sum();
    eprintln!(
        "train: {} sentences, {} inputs, {} subwords; dev: {} sentences; {} steps/epoch x {} epochs = {} steps (warm-up {}); encoded in {:.1}s; device {:?}",
        train.len(), chunks.len(), subwords, dev.len(), steps_per_epoch, args.epochs, total_steps, warmup_steps, t0.elapsed().as_secs_f64(), device
    );

    let schedule = |step: usize| -> f64 {
        if step < warmup_steps {
            (step + 1) as f64 / warmup_steps as f64
        } else {
            ((total_steps - step) as f64 / (total_steps - warmup_steps).max(1) as f64).max(0.0)
        }
    };

    let started = Instant::now();
    let start_step = progress.step;
    let mut running_loss = 0.0;
    let mut running_n = 0;
    let mut step = progress.step;
    while step < total_steps {
        let epoch = step / steps_per_epoch;
        let mut epoch_order: Vec<usize> = (0..steps_per_epoch).collect();
        Rng(args
            .seed
            .wrapping_mul(0x9E3779B97F4A7C15)
            .wrapping_add(epoch as u64 + 1))
        .shuffle(&mut epoch_order);
        for &b in &epoch_order[step % steps_per_epoch..] {
            if step >= total_steps {
                break;
            }
            let batch_chunks: Vec<&Chunk> = batches[b].iter().map(|&i| &chunks[i]).collect();
            let batch = make_batch(&batch_chunks, &train, device);
            let logits = tagger.logits(&batch.ids, &batch.mask, true);
            let n_labels = logits.size()[2];
            let loss = logits.view([-1, n_labels]).cross_entropy_loss::<Tensor>(
                &batch.labels.view([-1]),
                None,
                Reduction::Mean,
                -100,
                0.0,
            );
            opt.zero_grad();
            loss.backward();
            opt.clip_grad_norm(1.0);
            let factor = schedule(step);
            opt.step(args.lr * factor, args.head_lr * factor, args.weight_decay);
            running_loss += loss.double_value(&[]);
            running_n += 1;
            let _ = batch.words;
            step += 1;
            if step % args.log_every == 0 || step == total_steps {
                let done = step - start_step;
                let rate = done as f64 / started.elapsed().as_secs_f64();
                let eta = (total_steps - step) as f64 / rate.max(1e-9);
                eprintln!(
                    "step {step}/{total_steps} epoch {} loss {:.4} lr {:.2e} {:.2} steps/s elapsed {:.0}s eta {:.0}s",
                    epoch + 1, running_loss / running_n as f64, args.lr * factor, rate, started.elapsed().as_secs_f64(), eta
                );
                running_loss = 0.0;
                running_n = 0;
            }
            let epoch_end = step % steps_per_epoch == 0 || step == total_steps;
            if epoch_end {
                let t = Instant::now();
                let scores = evaluate(&tagger, &dev_enc, &dev);
                let f1 = scores.overall.f1();
                eprintln!(
                    "epoch {} dev ({:.0}s):\n{scores}",
                    epoch + 1,
                    t.elapsed().as_secs_f64()
                );
                progress.history.push((step, f1));
                if progress.best_epoch == 0 || f1 > progress.best_dev_f1 {
                    progress.best_dev_f1 = f1;
                    progress.best_epoch = epoch + 1;
                    progress.step = step;
                    save_checkpoint(&args.out.join("best"), &tagger, &opt, &progress, &args.base)?;
                    eprintln!("new best dev F1 {:.2} (epoch {})", 100.0 * f1, epoch + 1);
                }
            }
            if step % args.save_every == 0 || epoch_end {
                progress.step = step;
                save_checkpoint(&last, &tagger, &opt, &progress, &args.base)?;
            }
            if epoch_end {
                break;
            }
        }
    }
    eprintln!(
        "done: best dev F1 {:.2} at epoch {}",
        100.0 * progress.best_dev_f1,
        progress.best_epoch
    );
    if let Some(export) = &args.export {
        let best = XlmrTagger::load(&args.out.join("best"), Device::Cpu)?;
        let meta = BTreeMap::from([
            ("dev_f1".to_string(), format!("{:.4}", progress.best_dev_f1)),
            ("epochs".to_string(), args.epochs.to_string()),
            ("best_epoch".to_string(), progress.best_epoch.to_string()),
            ("seed".to_string(), args.seed.to_string()),
            ("lr".to_string(), args.lr.to_string()),
            ("head_lr".to_string(), args.head_lr.to_string()),
            ("batch".to_string(), args.batch.to_string()),
            ("max_len".to_string(), args.max_len.to_string()),
        ]);
        best.save(export, true, &meta)?;
        std::fs::copy(args.base.join(TOKENIZER_FILE), export.join(TOKENIZER_FILE)).map_err(
            |e| portavoz::Error::Io {
                path: export.clone(),
                source: e,
            },
        )?;
        eprintln!("exported the best model (F16) to {}", export.display());
    }
    Ok(())
}
