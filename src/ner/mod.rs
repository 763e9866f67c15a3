//! Stage 2: named entities from the transformer token classifier, then the gazetteer pass.
pub mod convert;
pub mod bio;
pub mod e5s1;
pub mod encode;
pub mod gazetteer;
pub mod store;
pub mod vocab;
pub mod window;
pub mod words;
pub mod xlmr;

use std::path::Path;
use std::time::{Duration, Instant};

use tch::{Device, Kind, Tensor};

use crate::annotation::{Entity, Label};
use crate::error::Result;
use crate::segment::Segmentation;
use crate::text::OffsetMap;
use encode::{Chunk, EncodedWords, WordEncoder, PAD_ID};
use xlmr::XlmrTagger;
pub use xlmr::Precision;

/// How sentences are fed to the model.
#[derive(Debug, Clone, Copy)]
pub struct InferenceOptions {
    /// Inputs per forward pass.
    pub batch_size: usize,
    /// Positions per input, `<s>` and `</s>` included (the model was trained on 128).
    pub max_len: usize,
    /// Subwords shared by consecutive windows of a long sentence.
    pub overlap: usize,
    /// Decode with the BIO constraint (no I-X after O or another type) instead of per-word argmax.
    pub constrained: bool,
    /// Number format the weights are loaded in (used by [`NerModel::load_on`]).
    pub precision: Precision,
}

impl Default for InferenceOptions {
    fn default() -> Self {
        InferenceOptions { batch_size: 32, max_len: 128, overlap: 32, constrained: true, precision: Precision::default() }
    }
}

/// The label chosen for a word and its probability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WordTag {
    pub label: usize,
    pub prob: f32,
}

/// Log-probabilities of every label for every word of every sentence.
///
/// Inputs are sorted by length and cut into batches of `opts.batch_size`, so a batch is padded
/// to nearly its own length; the whole loop runs without autograd, and the logits (bf16 ones
/// included) are turned into f32 log-probabilities before leaving libtorch.
pub fn word_log_probs(tagger: &XlmrTagger, encoded: &[EncodedWords], opts: &InferenceOptions) -> Vec<Vec<Vec<f32>>> {
    word_log_probs_counted(tagger, encoded, opts).0
}

/// [`word_log_probs`], also returning the number of subword positions fed to the model
/// (`<s>` and `</s>` included, padding excluded).
pub fn word_log_probs_counted(tagger: &XlmrTagger, encoded: &[EncodedWords], opts: &InferenceOptions) -> (Vec<Vec<Vec<f32>>>, usize) {
    let n_labels = tagger.labels().len();
    let mut out: Vec<Vec<Vec<f32>>> = encoded.iter().map(|e| vec![Vec::new(); e.pieces.len()]).collect();
    let chunks = encode::chunks(encoded, opts.max_len, opts.overlap);
    let subwords = chunks.iter().map(|c| c.ids.len()).sum();
    let mut order: Vec<usize> = (0..chunks.len()).collect();
    order.sort_by_key(|&i| chunks[i].ids.len());
    let device = tagger.device();
    let _guard = tch::no_grad_guard();
    let mut ids = Vec::new();
    let mut mask = Vec::new();
    let mut flat: Vec<f32> = Vec::new();
    for batch in order.chunks(opts.batch_size.max(1)) {
        let batch: Vec<&Chunk> = batch.iter().map(|&i| &chunks[i]).collect();
        let width = batch.iter().map(|c| c.ids.len()).max().unwrap_or(0);
        ids.clear();
        ids.resize(batch.len() * width, PAD_ID);
        mask.clear();
        mask.resize(batch.len() * width, 0i64);
        for (b, c) in batch.iter().enumerate() {
            ids[b * width..b * width + c.ids.len()].copy_from_slice(&c.ids);
            mask[b * width..b * width + c.ids.len()].fill(1);
        }
        let shape = [batch.len() as i64, width as i64];
        let ids_t = Tensor::from_slice(&ids).view(shape).to_device(device);
        let mask_t = Tensor::from_slice(&mask).view(shape).to_device(device);
        let log_probs = tagger.logits(&ids_t, &mask_t, false).to_kind(Kind::Float).log_softmax(-1, Kind::Float);
        let log_probs = log_probs.to_device(Device::Cpu).contiguous();
        let numel = log_probs.numel();
        flat.resize(numel, 0.0);
        log_probs.copy_data(&mut flat, numel);
        for (b, c) in batch.iter().enumerate() {
            for w in c.window.own_start..c.window.own_end {
                let pos = c.first_subword[w - c.window.start];
                let at = (b * width + pos) * n_labels;
                out[c.sentence][w] = flat[at..at + n_labels].to_vec();
            }
        }
    }
    (out, subwords)
}

/// Chooses one label per word (BIO-constrained or argmax).
pub fn choose_tags(log_probs: &[Vec<f32>], labels: &[String], constrained: bool) -> Vec<WordTag> {
    let path: Vec<usize> = if constrained {
        bio::constrained_argmax(log_probs, labels)
    } else {
        log_probs.iter().map(|lp| (0..lp.len()).max_by(|&a, &b| lp[a].total_cmp(&lp[b])).unwrap_or(0)).collect()
    };
    path.into_iter().zip(log_probs).map(|(label, lp)| WordTag { label, prob: lp.get(label).map_or(0.0, |x| x.exp()) }).collect()
}

/// Where the time of a [`NerModel::recognize_profiled`] call went, and how much was fed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NerProfile {
    /// Splitting sentences into words.
    pub split: Duration,
    /// SentencePiece tokenization.
    pub tokenize: Duration,
    /// Windows, batches, the forward passes and log-softmax (everything in libtorch).
    pub forward: Duration,
    /// Label choice, BIO spans and entity offsets.
    pub decode: Duration,
    /// Sentences with at least one word.
    pub sentences: usize,
    /// Words given to the model.
    pub words: usize,
    /// Subword positions fed to the model (`<s>`/`</s>` included, padding excluded).
    pub subwords: usize,
}

impl NerProfile {
    pub fn total(&self) -> Duration {
        self.split + self.tokenize + self.forward + self.decode
    }

    /// Adds another call's figures.
    pub fn add(&mut self, other: &NerProfile) {
        self.split += other.split;
        self.tokenize += other.tokenize;
        self.forward += other.forward;
        self.decode += other.decode;
        self.sentences += other.sentences;
        self.words += other.words;
        self.subwords += other.subwords;
    }
}

/// The XLM-R token classifier with its tokenizer: text in, entities with model labels out.
pub struct NerModel {
    pub tagger: XlmrTagger,
    pub encoder: WordEncoder,
    pub options: InferenceOptions,
}

impl NerModel {
    /// Loads a model folder (config.json, model.safetensors, tokenizer.json).
    pub fn load(dir: &Path) -> Result<Self> {
        Self::load_on(dir, Device::Cpu, InferenceOptions::default())
    }

    pub fn load_on(dir: &Path, device: Device, options: InferenceOptions) -> Result<Self> {
        if !dir.is_dir() {
            return Err(crate::error::Error::ModelMissing {
                path: dir.to_path_buf(),
                hint: "no such folder; pass the folder that holds config.json, model.safetensors and tokenizer.json".into(),
            });
        }
        let encoder = WordEncoder::load(&dir.join(xlmr::TOKENIZER_FILE))?;
        let tagger = XlmrTagger::load_with(dir, device, options.precision)?;
        Ok(NerModel { tagger, encoder, options })
    }

    /// Tags pre-split sentences: one tag per word.
    pub fn tag_words<S: AsRef<str>>(&self, sentences: &[Vec<S>]) -> Result<Vec<Vec<WordTag>>> {
        self.tag_words_profiled(sentences, &mut NerProfile::default())
    }

    fn tag_words_profiled<S: AsRef<str>>(&self, sentences: &[Vec<S>], profile: &mut NerProfile) -> Result<Vec<Vec<WordTag>>> {
        let t = Instant::now();
        let encoded = sentences.iter().map(|s| self.encoder.encode_words(s)).collect::<Result<Vec<_>>>()?;
        profile.tokenize += t.elapsed();
        let t = Instant::now();
        let (log_probs, subwords) = word_log_probs_counted(&self.tagger, &encoded, &self.options);
        profile.forward += t.elapsed();
        profile.subwords += subwords;
        profile.words += encoded.iter().map(|e| e.pieces.len()).sum::<usize>();
        let t = Instant::now();
        let labels = self.tagger.labels();
        let tags = log_probs.iter().map(|lp| choose_tags(lp, labels, self.options.constrained)).collect();
        profile.decode += t.elapsed();
        Ok(tags)
    }

    /// Entities (labels PER, LOC, ORG, MISC) of each text, sentence by sentence.
    pub fn recognize(&self, texts: &[(&str, &Segmentation)]) -> Result<Vec<Vec<Entity>>> {
        Ok(self.recognize_profiled(texts)?.0)
    }

    /// [`NerModel::recognize`], with where its time went.
    pub fn recognize_profiled(&self, texts: &[(&str, &Segmentation)]) -> Result<(Vec<Vec<Entity>>, NerProfile)> {
        struct SentenceRef {
            doc: usize,
            words: Vec<(usize, usize)>,
        }
        let mut profile = NerProfile::default();
        let t = Instant::now();
        let mut refs = Vec::new();
        let mut sentences: Vec<Vec<&str>> = Vec::new();
        for (d, (text, seg)) in texts.iter().enumerate() {
            for s in &seg.sentences {
                let base = s.span.byte_start;
                let words: Vec<(usize, usize)> =
                    words::split(s.span.slice(text)).into_iter().map(|(a, b)| (a + base, b + base)).collect();
                if words.is_empty() {
                    continue;
                }
                sentences.push(words.iter().map(|&(a, b)| &text[a..b]).collect());
                refs.push(SentenceRef { doc: d, words });
            }
        }
        profile.split += t.elapsed();
        profile.sentences = sentences.len();
        let tags = self.tag_words_profiled(&sentences, &mut profile)?;
        let t = Instant::now();
        let labels = self.tagger.labels();
        let maps: Vec<OffsetMap> = texts.iter().map(|(t, _)| OffsetMap::new(t)).collect();
        let mut out: Vec<Vec<Entity>> = vec![Vec::new(); texts.len()];
        for (r, tags) in refs.iter().zip(&tags) {
            let names: Vec<&str> = tags.iter().map(|t| labels[t.label].as_str()).collect();
            for span in bio::decode(&names) {
                let Some(label) = Label::parse(&span.label) else { continue };
                let (b0, b1) = (r.words[span.start].0, r.words[span.end - 1].1);
                let text = texts[r.doc].0;
                let sp = maps[r.doc].span_from_bytes(b0, b1);
                let score = tags[span.start..span.end].iter().map(|t| t.prob).sum::<f32>() / (span.end - span.start) as f32;
                out[r.doc].push(Entity {
                    text: text[b0..b1].to_string(),
                    label,
                    start: sp.start,
                    end: sp.end,
                    byte_start: b0,
                    byte_end: b1,
                    score,
                    canonical: text[b0..b1].to_string(),
                });
            }
        }
        profile.decode += t.elapsed();
        Ok((out, profile))
    }
}
