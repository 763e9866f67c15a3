//! Stage 2: named entities from the transformer token classifier, then the gazetteer pass.
pub mod convert;
pub mod bio;
pub mod e5s1;
pub mod encode;
pub mod forward;
pub mod gazetteer;
pub mod pack;
pub mod store;
pub mod vocab;
pub mod window;
pub mod words;
pub mod xlmr;

use std::path::Path;
use std::time::{Duration, Instant};

use tch::{Device, Kind};

use crate::annotation::{Entity, Label};
use crate::error::Result;
use crate::segment::Segmentation;
use crate::text::OffsetMap;
use encode::{Chunk, EncodedWords, WordEncoder, PAD_ID};
use forward::{Int8Calibration, PackedRows, PADDING_IDX};
use xlmr::XlmrTagger;
pub use xlmr::{Forward, Precision};

/// How sentences are fed to the model.
#[derive(Debug, Clone, Copy)]
pub struct InferenceOptions {
    /// Rows per forward pass; a row holds `max_len` positions of one or more packed inputs.
    pub batch_size: usize,
    /// Positions per input, `<s>` and `</s>` included (the model was trained on 128).
    pub max_len: usize,
    /// Subwords shared by consecutive windows of a long sentence.
    pub overlap: usize,
    /// Decode with the BIO constraint (no I-X after O or another type) instead of per-word argmax.
    pub constrained: bool,
    /// Number format the weights are loaded in (used by [`NerModel::load_on`]).
    pub precision: Precision,
    /// Forward-pass implementation (used by [`NerModel::load_on`]).
    pub forward: Forward,
}

impl Default for InferenceOptions {
    fn default() -> Self {
        InferenceOptions {
            batch_size: 32,
            max_len: 128,
            overlap: 32,
            constrained: true,
            precision: Precision::default(),
            forward: Forward::default(),
        }
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
/// Sentences are cut into windows of at most `opts.max_len` subwords, the windows packed into
/// rows of `opts.max_len` positions (several short sentences per row, each attending only to
/// itself: see [`pack`]), and the rows run `opts.batch_size` at a time without autograd; the
/// logits (bf16 ones included) become f32 log-probabilities before leaving libtorch.
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
    let _guard = tch::no_grad_guard();
    let mut flat: Vec<f32> = Vec::new();
    for_each_packed_batch(&chunks, opts, |input, rows| {
        let log_probs = tagger.packed_logits(input).to_kind(Kind::Float).log_softmax(-1, Kind::Float);
        let log_probs = log_probs.to_device(Device::Cpu).contiguous();
        let numel = log_probs.numel();
        flat.resize(numel, 0.0);
        log_probs.copy_data(&mut flat, numel);
        for (r, row) in rows.iter().enumerate() {
            for &(c, offset) in &row.items {
                let chunk = &chunks[c];
                for w in chunk.window.own_start..chunk.window.own_end {
                    let at = (r * input.width + offset + chunk.first_subword[w - chunk.window.start]) * n_labels;
                    out[chunk.sentence][w] = flat[at..at + n_labels].to_vec();
                }
            }
        }
    });
    (out, subwords)
}

/// Packs `chunks` into rows of `opts.max_len` positions and calls `f` on each batch of
/// `opts.batch_size` rows, with the rows it holds.
fn for_each_packed_batch(chunks: &[Chunk], opts: &InferenceOptions, mut f: impl FnMut(&PackedRows, &[pack::Row])) {
    let lengths: Vec<usize> = chunks.iter().map(|c| c.ids.len()).collect();
    let rows = pack::pack(&lengths, opts.max_len);
    let (mut ids, mut positions, mut segments) = (Vec::new(), Vec::new(), Vec::new());
    for batch in rows.chunks(opts.batch_size.max(1)) {
        let width = batch.iter().map(|r| r.len).max().unwrap_or(0);
        let size = batch.len() * width;
        ids.clear();
        ids.resize(size, PAD_ID);
        positions.clear();
        positions.resize(size, PADDING_IDX);
        segments.clear();
        segments.resize(size, 0i64);
        for (r, row) in batch.iter().enumerate() {
            for (k, &(c, offset)) in row.items.iter().enumerate() {
                let at = r * width + offset;
                let chunk = &chunks[c].ids;
                ids[at..at + chunk.len()].copy_from_slice(chunk);
                for (j, p) in positions[at..at + chunk.len()].iter_mut().enumerate() {
                    *p = PADDING_IDX + 1 + j as i64;
                }
                segments[at..at + chunk.len()].fill(k as i64 + 1);
            }
        }
        f(&PackedRows { rows: batch.len(), width, ids: &ids, positions: &positions, segments: &segments }, batch);
    }
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
        let tagger = XlmrTagger::load_for_inference(dir, device, options.precision, options.forward)?;
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

    /// Measures the activation ranges int8 needs (see [`Int8Calibration`]) on pre-split
    /// sentences; the model must be loaded in fp32 with the fused forward.
    pub fn calibrate_int8<S: AsRef<str>>(&self, sentences: &[Vec<S>]) -> Result<Int8Calibration> {
        let encoded = sentences.iter().map(|s| self.encoder.encode_words(s)).collect::<Result<Vec<_>>>()?;
        let chunks = encode::chunks(&encoded, self.options.max_len, self.options.overlap);
        let _guard = tch::no_grad_guard();
        let mut maxes = Vec::new();
        let mut result = Ok(());
        for_each_packed_batch(&chunks, &self.options, |input, _| {
            if result.is_ok() {
                result = self.tagger.record_ffn_input_max(input, &mut maxes);
            }
        });
        result?;
        Ok(Int8Calibration { ffn_output_input_max: maxes })
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
