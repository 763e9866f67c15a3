//! Stage 2: named entities from the transformer token classifier, then the gazetteer pass.
/// Conversion of the base encoder (training code).
#[cfg(feature = "training")]
pub mod convert;
pub mod bio;
#[cfg_attr(not(feature = "training"), allow(dead_code))] // also holds training/evaluation code
pub mod e5s1;
#[cfg_attr(not(feature = "training"), allow(dead_code))] // also holds training/evaluation code
pub mod encode;
#[cfg_attr(not(feature = "training"), allow(dead_code))] // also holds training/evaluation code
pub mod forward;
pub mod gazetteer;
pub mod memory;
#[cfg_attr(not(feature = "training"), allow(dead_code))] // read by the throughput benchmark
pub mod op_profile;
pub mod pack;
#[cfg_attr(not(feature = "training"), allow(dead_code))] // also holds training/evaluation code
pub mod store;
#[cfg_attr(not(feature = "training"), allow(dead_code))] // also holds training/evaluation code
pub mod syntax_heads;
#[cfg(feature = "training")]
pub mod vocab;
pub mod window;
pub mod words;
#[cfg_attr(not(feature = "training"), allow(dead_code))] // also holds training/evaluation code
pub mod xlmr;

use std::path::Path;
use std::time::{Duration, Instant};

use tch::{Device, Kind, Tensor};

use crate::annotation::{Entity, Label};
use crate::error::Result;
use crate::segment::Segmentation;
use crate::text::OffsetMap;
use encode::{Chunk, EncodedWords, WordEncoder, PAD_ID};
use op_profile::{timed, Op};
use forward::{HiddenTap, Int8Calibration, PackedRows, PADDING_IDX};
use syntax_heads::{SyntaxHeads, WordSyntax};
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
    /// Load and run the model folder's syntax heads, when it has them (used by
    /// [`NerModel::load_on`]).
    pub syntax: bool,
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
            syntax: true,
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
#[cfg_attr(not(feature = "training"), allow(dead_code))] // used by the examples and benches
pub fn word_log_probs(tagger: &XlmrTagger, encoded: &[EncodedWords], opts: &InferenceOptions) -> Vec<Vec<Vec<f32>>> {
    word_outputs(tagger, encoded, opts, HiddenTap::None).log_probs
}

/// Sentences per encoder call when the syntax heads run (see `NerModel::analyze_words`).
const SYNTAX_GROUP: usize = 128;

/// What one encoder pass gives for every word of every sentence.
#[derive(Debug, Clone, Default)]
pub struct WordOutputs {
    /// Entity-label log-probabilities, `[sentence][word][label]`.
    pub log_probs: Vec<Vec<Vec<f32>>>,
    /// For each sentence, `words × hidden_dim` floats: the hidden state(s) the tap asked for at
    /// each word's first subword, then at its last subword (empty when none was asked for or
    /// the forward has none).
    pub hidden: Vec<Vec<f32>>,
    pub hidden_dim: usize,
    /// Subword positions fed to the model (`<s>`/`</s>` included, padding excluded).
    pub subwords: usize,
}

/// Entity log-probabilities and, as `tap` asks, hidden states of every word, from one pass.
pub fn word_outputs(tagger: &XlmrTagger, encoded: &[EncodedWords], opts: &InferenceOptions, tap: HiddenTap) -> WordOutputs {
    let n_labels = tagger.labels().len();
    let mut out = WordOutputs {
        log_probs: encoded.iter().map(|e| vec![Vec::new(); e.pieces.len()]).collect(),
        hidden: vec![Vec::new(); encoded.len()],
        hidden_dim: 0,
        subwords: 0,
    };
    let chunks = encode::chunks(encoded, opts.max_len, opts.overlap);
    out.subwords = chunks.iter().map(|c| c.ids.len()).sum();
    let _guard = tch::no_grad_guard();
    let (mut flat, mut flat_hidden): (Vec<f32>, Vec<f32>) = (Vec::new(), Vec::new());
    for_each_packed_batch(&chunks, opts, |input, rows| {
        let (logits, hidden) = tagger.packed_logits_and_hidden(input, tap);
        let log_probs = timed(Op::Classifier, 0, || logits.to_kind(Kind::Float).log_softmax(-1, Kind::Float));
        let _copy = op_profile::Span::start(Op::CopyOut);
        let log_probs = log_probs.to_device(Device::Cpu).contiguous();
        let numel = log_probs.numel();
        flat.resize(numel, 0.0);
        log_probs.copy_data(&mut flat, numel);
        let dim = if hidden.is_empty() {
            0
        } else {
            let hidden = Tensor::cat(&hidden, -1).to_kind(Kind::Float).to_device(Device::Cpu).contiguous();
            let numel = hidden.numel();
            flat_hidden.resize(numel, 0.0);
            hidden.copy_data(&mut flat_hidden, numel);
            numel / (input.rows * input.width)
        };
        out.hidden_dim = 2 * dim;
        for (r, row) in rows.iter().enumerate() {
            for &(c, offset) in &row.items {
                let chunk = &chunks[c];
                let row_start = r * input.width + offset;
                for w in chunk.window.own_start..chunk.window.own_end {
                    let k = w - chunk.window.start;
                    let position = row_start + chunk.first_subword[k];
                    let at = position * n_labels;
                    out.log_probs[chunk.sentence][w] = flat[at..at + n_labels].to_vec();
                    if dim > 0 {
                        let last = row_start + chunk.first_subword.get(k + 1).map_or(chunk.ids.len() - 2, |next| next - 1).max(chunk.first_subword[k]);
                        let hidden = &mut out.hidden[chunk.sentence];
                        hidden.resize(encoded[chunk.sentence].pieces.len() * 2 * dim, 0.0);
                        let word = &mut hidden[w * 2 * dim..(w + 1) * 2 * dim];
                        word[..dim].copy_from_slice(&flat_hidden[position * dim..(position + 1) * dim]);
                        word[dim..].copy_from_slice(&flat_hidden[last * dim..(last + 1) * dim]);
                    }
                }
            }
        }
    });
    out
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
    /// The syntax heads and the tree decoder.
    pub syntax: Duration,
    /// Sentences with at least one word.
    pub sentences: usize,
    /// Words given to the model.
    pub words: usize,
    /// Subword positions fed to the model (`<s>`/`</s>` included, padding excluded).
    pub subwords: usize,
}

#[cfg_attr(not(feature = "training"), allow(dead_code))] // used by the examples and benches
impl NerProfile {
    pub fn total(&self) -> Duration {
        self.split + self.tokenize + self.forward + self.decode + self.syntax
    }

    /// Adds another call's figures.
    pub fn add(&mut self, other: &NerProfile) {
        self.split += other.split;
        self.tokenize += other.tokenize;
        self.forward += other.forward;
        self.decode += other.decode;
        self.syntax += other.syntax;
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
    /// The syntax heads, when the model folder has them and the forward pass can feed them.
    pub syntax: Option<SyntaxHeads>,
    /// Their mix of the encoder's hidden states, summed inside the encoder pass.
    mix_weights: Vec<f32>,
}

/// What the model stage found in one text.
#[derive(Debug, Clone)]
pub struct TextAnalysis {
    /// Its sentences that have words, in order.
    pub sentences: Vec<SentenceAnalysis>,
    /// Entity spans (labels PER, LOC, ORG, MISC).
    pub entities: Vec<Entity>,
    /// Byte <-> code point offsets of the text (built once, handed on to the `Doc`).
    pub offsets: OffsetMap,
}

/// One sentence of a text: its span, its words' byte spans and their analysis.
#[derive(Debug, Clone)]
pub struct SentenceAnalysis {
    pub span: crate::text::Span,
    /// Index of its paragraph in the text's segmentation.
    pub paragraph: usize,
    pub words: Vec<(usize, usize)>,
    pub analysis: AnalyzedSentence,
}

/// One sentence's words analysed by one encoder pass: entity tags and, when the model has
/// syntax heads, part of speech, features, lemma and dependency of every word.
#[derive(Debug, Clone, Default)]
pub struct AnalyzedSentence {
    /// One per input word (orthographic token).
    pub tags: Vec<WordTag>,
    /// The syntactic words (a contraction or a verb with enclitics is several), in order;
    /// empty when the model has no syntax heads.
    pub syntax: Vec<WordSyntax>,
}

#[cfg_attr(not(feature = "training"), allow(dead_code))] // used by the examples and benches
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
        memory::limit_primitive_caches();
        let encoder = WordEncoder::load(&dir.join(xlmr::TOKENIZER_FILE))?;
        let tagger = XlmrTagger::load_for_inference(dir, device, options.precision, options.forward)?;
        let mut syntax = if options.syntax && tagger.has_hidden_states() { SyntaxHeads::load(dir, device)? } else { None };
        if let (Some(heads), Precision::Bf16) = (syntax.as_mut(), tagger.precision()) {
            heads.set_lstm_kind(Kind::BFloat16);
        }
        if let Some(heads) = &syntax {
            let expected = tagger.config.num_hidden_layers as usize + 1;
            if heads.spec.hidden_states != expected || heads.spec.hidden != tagger.config.hidden_size as usize {
                return Err(crate::error::Error::ModelCorrupt {
                    path: dir.join(syntax_heads::SYNTAX_LABELS_FILE),
                    reason: format!(
                        "the syntax heads read {} hidden states of size {}, the encoder has {} of size {}",
                        heads.spec.hidden_states, heads.spec.hidden, expected, tagger.config.hidden_size
                    ),
                });
            }
        }
        let mix_weights = syntax.as_ref().map(|h| h.mix_weights()).unwrap_or_default();
        memory::release_free_memory();
        Ok(NerModel { tagger, encoder, options, syntax, mix_weights })
    }

    /// A model without syntax heads from its parts (e.g. a base encoder with a fresh head).
    pub fn from_parts(tagger: XlmrTagger, encoder: WordEncoder, options: InferenceOptions) -> Self {
        NerModel { tagger, encoder, options, syntax: None, mix_weights: Vec::new() }
    }

    /// Entity log-probabilities and, with syntax heads, the mixed hidden state the heads read
    /// at every word of pre-split sentences (one pass; see [`SyntaxHeads::analyze_given_words`]).
    pub fn word_states<S: AsRef<str>>(&self, sentences: &[Vec<S>]) -> Result<WordOutputs> {
        let encoded = sentences.iter().map(|s| self.encoder.encode_words(s)).collect::<Result<Vec<_>>>()?;
        let tap = if self.syntax.is_some() { HiddenTap::Mix(&self.mix_weights) } else { HiddenTap::None };
        Ok(word_outputs(&self.tagger, &encoded, &self.options, tap))
    }

    /// Entity tags and (with syntax heads) the syntax of pre-split sentences, from one pass.
    pub fn analyze_words<S: AsRef<str>>(&self, sentences: &[Vec<S>]) -> Result<Vec<AnalyzedSentence>> {
        self.analyze_words_profiled(sentences, &mut NerProfile::default())
    }

    fn analyze_words_profiled<S: AsRef<str>>(&self, sentences: &[Vec<S>], profile: &mut NerProfile) -> Result<Vec<AnalyzedSentence>> {
        self.analyze_with(sentences, profile, true)
    }

    /// One encoder pass over pre-split sentences: entity tags, and the syntax heads' decisions
    /// when `with_syntax` and the model has them.
    fn analyze_with<S: AsRef<str>>(&self, sentences: &[Vec<S>], profile: &mut NerProfile, with_syntax: bool) -> Result<Vec<AnalyzedSentence>> {
        let heads = self.syntax.as_ref().filter(|_| with_syntax);
        let t = Instant::now();
        let encoded = sentences.iter().map(|s| self.encoder.encode_words(s)).collect::<Result<Vec<_>>>()?;
        profile.tokenize += t.elapsed();
        profile.words += encoded.iter().map(|e| e.pieces.len()).sum::<usize>();
        let tap = if heads.is_some() { HiddenTap::Mix(&self.mix_weights) } else { HiddenTap::None };
        let labels = self.tagger.labels();
        let mut analyzed = Vec::with_capacity(sentences.len());
        // The syntax heads need every word's hidden states (3 KB a word): a group of sentences at
        // a time keeps a huge document's peak memory flat.
        let group = if heads.is_some() { SYNTAX_GROUP } else { usize::MAX };
        let mut start = 0;
        while start < encoded.len() {
            let end = encoded.len().min(start.saturating_add(group));
            let t = Instant::now();
            let outputs = word_outputs(&self.tagger, &encoded[start..end], &self.options, tap);
            profile.forward += t.elapsed();
            profile.subwords += outputs.subwords;
            let t = Instant::now();
            let first = analyzed.len();
            analyzed.extend(
                outputs.log_probs.iter().map(|lp| AnalyzedSentence { tags: choose_tags(lp, labels, self.options.constrained), syntax: Vec::new() }),
            );
            profile.decode += t.elapsed();
            if let (Some(heads), true) = (heads, outputs.hidden_dim > 0) {
                let t = Instant::now();
                let _guard = tch::no_grad_guard();
                let inputs: Vec<_> = timed(Op::SyntaxInput, 0, || {
                    outputs.hidden.iter().zip(&sentences[start..end]).map(|(hidden, words)| heads.expand(words, hidden, outputs.hidden_dim)).collect()
                });
                for (sentence, words) in analyzed[first..].iter_mut().zip(heads.predict_many(&inputs)) {
                    sentence.syntax = words;
                }
                profile.syntax += t.elapsed();
            }
            start = end;
        }
        Ok(analyzed)
    }

    /// Tags pre-split sentences: one tag per word.
    pub fn tag_words<S: AsRef<str>>(&self, sentences: &[Vec<S>]) -> Result<Vec<Vec<WordTag>>> {
        self.tag_words_profiled(sentences, &mut NerProfile::default())
    }

    fn tag_words_profiled<S: AsRef<str>>(&self, sentences: &[Vec<S>], profile: &mut NerProfile) -> Result<Vec<Vec<WordTag>>> {
        Ok(self.analyze_with(sentences, profile, false)?.into_iter().map(|a| a.tags).collect())
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
        let (analyses, profile) = self.analyze_texts_profiled(texts)?;
        Ok((analyses.into_iter().map(|a| a.entities).collect(), profile))
    }

    /// Every text's sentences analysed in shared forward passes: words, entity tags, syntax
    /// (when the model has syntax heads) and entity spans.
    pub fn analyze_texts_profiled(&self, texts: &[(&str, &Segmentation)]) -> Result<(Vec<TextAnalysis>, NerProfile)> {
        let mut profile = NerProfile::default();
        let t = Instant::now();
        let mut out: Vec<TextAnalysis> =
            texts.iter().map(|(text, _)| TextAnalysis { sentences: Vec::new(), entities: Vec::new(), offsets: OffsetMap::new(text) }).collect();
        let mut sentences: Vec<Vec<&str>> = Vec::new();
        let mut owners: Vec<(usize, usize)> = Vec::new();
        for (d, (text, seg)) in texts.iter().enumerate() {
            for s in &seg.sentences {
                let base = s.span.byte_start;
                let words: Vec<(usize, usize)> =
                    words::split(s.span.slice(text)).into_iter().map(|(a, b)| (a + base, b + base)).collect();
                if words.is_empty() {
                    continue;
                }
                sentences.push(words.iter().map(|&(a, b)| &text[a..b]).collect());
                owners.push((d, out[d].sentences.len()));
                out[d].sentences.push(SentenceAnalysis { span: s.span, paragraph: s.paragraph, words, analysis: AnalyzedSentence::default() });
            }
        }
        profile.split += t.elapsed();
        profile.sentences = sentences.len();
        let analyzed = self.analyze_words_profiled(&sentences, &mut profile)?;
        let t = Instant::now();
        let labels = self.tagger.labels();
        for ((d, k), analysis) in owners.into_iter().zip(analyzed) {
            out[d].sentences[k].analysis = analysis;
        }
        for (analysis, (text, _)) in out.iter_mut().zip(texts) {
            let map = &analysis.offsets;
            for r in &analysis.sentences {
                let tags = &r.analysis.tags;
                let names: Vec<&str> = tags.iter().map(|t| labels.get(t.label).map_or("O", |l| l.as_str())).collect();
                for span in bio::decode(&names) {
                    let Some(label) = Label::parse(&span.label) else { continue };
                    let (b0, b1) = (r.words[span.start].0, r.words[span.end - 1].1);
                    let sp = map.span_from_bytes(b0, b1);
                    let score = tags[span.start..span.end].iter().map(|t| t.prob).sum::<f32>() / (span.end - span.start) as f32;
                    analysis.entities.push(Entity {
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
        }
        profile.decode += t.elapsed();
        Ok((out, profile))
    }
}
