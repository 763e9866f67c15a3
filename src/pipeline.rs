//! The whole chain: text -> segment -> ner -> mentions -> claims -> stance -> [`Annotation`].
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use once_cell::sync::OnceCell;

use crate::annotation::Annotation;
use crate::doc::Doc;
use crate::error::{Error, Result};
use crate::model_location::ModelInfo;
use crate::ner::{Forward, InferenceOptions, NerModel, NerProfile, Precision};
use crate::normalize::NormalizedText;
use crate::segment::{self, Segmentation};
use crate::text::OffsetMap;

/// One input document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Document {
    pub id: String,
    pub text: String,
}

impl Document {
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Self {
        Document { id: id.into(), text: text.into() }
    }
}

/// Where the model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceChoice {
    /// The CPU (the default).
    #[default]
    Cpu,
    /// The first CUDA GPU when libtorch sees one, else the CPU.
    CudaIfAvailable,
    /// A given CUDA GPU (an error at build time if libtorch sees none).
    Cuda(usize),
}

/// How to build a [`Pipeline`]: a builder with sane defaults.
///
/// The model folder is found as [`crate::model_location`] describes (an explicit
/// [`model_dir`](method@PipelineConfig::model_dir), then `PORTAVOZ_MODEL`, then the per-user copy
/// set-up installs, then the crate's own folder).
///
/// ```no_run
/// use portavoz::{Pipeline, PipelineConfig};
/// let pipeline = Pipeline::new(PipelineConfig::default().batch_size(16).threads(2))?;
/// # Ok::<(), portavoz::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Folder with config.json, model.safetensors and tokenizer.json; `None` (the default)
    /// finds it as [`crate::model_location`] describes.
    pub model_dir: Option<PathBuf>,
    /// Rows per forward pass; each row holds `window` positions of one or more packed
    /// sentence windows.
    pub batch_size: usize,
    /// Subword positions per model input, `<s>` and `</s>` included (at most 512).
    pub window: usize,
    /// Subwords shared by consecutive windows of a long sentence.
    pub overlap: usize,
    pub device: DeviceChoice,
    /// libtorch intra-op threads; `None` keeps libtorch's default (one per core).
    pub threads: Option<usize>,
    /// Number format of the model's weights and activations (`Auto`: the fastest that keeps F1
    /// on this machine).
    pub precision: Precision,
    /// Forward-pass implementation (the fused one unless cross-checking against rust-bert's).
    pub forward: Forward,
    /// Put the parsed sentences and words ([`crate::doc::Token`]: lemma, part of speech,
    /// features, dependency) into each [`Annotation`] (off by default: the JSONL line stays small).
    pub tokens: bool,
    /// Run the syntax heads when the model has them (on by default; off skips them and their
    /// cost: tokens then carry no lemma, part of speech or tree).
    pub syntax: bool,
    /// Whose treebank conventions the parse follows, when the syntax heads learned more than
    /// one (`syntax.json`'s `treebanks`: "gsd" or "pud" for the shipped model); `None` keeps
    /// the model's default.
    pub syntax_style: Option<String>,
}

/// The model folder of the crate's source (see [`crate::model_location::crate_model_dir`]);
/// the pipeline looks in other places first.
#[cfg(feature = "training")]
pub fn default_model_dir() -> PathBuf {
    crate::model_location::crate_model_dir()
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            model_dir: None,
            batch_size: 32,
            window: 128,
            overlap: 32,
            device: DeviceChoice::Cpu,
            threads: None,
            precision: Precision::default(),
            forward: Forward::default(),
            tokens: false,
            syntax: true,
            syntax_style: None,
        }
    }
}

impl PipelineConfig {
    /// Loads the model from this folder (instead of looking for it).
    pub fn model_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.model_dir = Some(dir.into());
        self
    }
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n;
        self
    }
    pub fn window(mut self, positions: usize) -> Self {
        self.window = positions;
        self
    }
    pub fn device(mut self, device: DeviceChoice) -> Self {
        self.device = device;
        self
    }
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = Some(n);
        self
    }
    /// Number format of the encoder: `Auto` (the default: `Bf16` on CPUs with AMX, else
    /// `Fp32`), `Fp32`, `Bf16` (bfloat16 weights and activations), or `Int8` (int8 linear
    /// layers through fbgemm, the rest in f32).
    pub fn precision(mut self, precision: Precision) -> Self {
        self.precision = precision;
        self
    }
    /// Whether annotations carry their parsed sentences and words (see [`PipelineConfig::tokens`]).
    pub fn tokens(mut self, on: bool) -> Self {
        self.tokens = on;
        self
    }
    /// Whether the syntax heads run (see [`PipelineConfig::syntax`]).
    pub fn syntax(mut self, on: bool) -> Self {
        self.syntax = on;
        self
    }
    /// The treebank conventions the parse follows (see [`PipelineConfig::syntax_style`]).
    pub fn syntax_style(mut self, treebank: impl Into<String>) -> Self {
        self.syntax_style = Some(treebank.into());
        self
    }
    /// Forward-pass implementation: [`Forward::Fused`] (the default) or [`Forward::RustBert`].
    pub fn forward(mut self, forward: Forward) -> Self {
        self.forward = forward;
        self
    }

    fn validate(&self) -> Result<()> {
        if self.batch_size == 0 {
            return Err(Error::Config("batch_size must be at least 1".into()));
        }
        if !(8..=512).contains(&self.window) {
            return Err(Error::Config(format!("window must be between 8 and 512 positions, not {}", self.window)));
        }
        if self.overlap * 2 > self.window {
            return Err(Error::Config("overlap must be at most half the window".into()));
        }
        if self.threads == Some(0) {
            return Err(Error::Config("threads must be at least 1".into()));
        }
        Ok(())
    }
}

/// Annotates documents. Build it once (loading the model is the expensive part) and reuse it.
///
/// A `Pipeline` is `Send` but not `Sync` (libtorch tensors are not `Sync`): move it into a
/// worker thread, put it behind a `Mutex` to share it, or give each thread its own
/// (each holds its own copy of the model, about 300 MB). [`with_default_pipeline`] shares
/// one behind a `Mutex`.
///
/// ```no_run
/// use portavoz::{Pipeline, PipelineConfig};
/// let pipeline = Pipeline::new(PipelineConfig::default())?;
/// let annotation = pipeline.annotate("Wang Yi habló por teléfono con Sergey Lavrov.")?;
/// for entity in &annotation.entities {
///     println!("{} {}", entity.label, entity.text);
/// }
/// # Ok::<(), portavoz::Error>(())
/// ```
pub struct Pipeline {
    ner: NerModel,
    tokens: bool,
    model: ModelInfo,
}

impl Pipeline {
    /// Loads the model named by `config` (or found: see [`crate::model_location`]). The model
    /// folder is checked first: a missing, unreadable or inconsistent file is an [`Error`]
    /// naming the file and the value at fault, never a panic; no folder at all is
    /// [`Error::ModelNotFound`], naming every place looked at.
    pub fn new(config: PipelineConfig) -> Result<Self> {
        config.validate()?;
        let model = ModelInfo::locate(config.model_dir.as_deref())?;
        crate::model_folder::check(&model.dir)?;
        if let Some(n) = config.threads {
            tch::set_num_threads(n as i32);
        }
        let device = match config.device {
            DeviceChoice::Cpu => tch::Device::Cpu,
            DeviceChoice::CudaIfAvailable => tch::Device::cuda_if_available(),
            DeviceChoice::Cuda(i) => {
                if !tch::Cuda::is_available() {
                    return Err(Error::Config("a CUDA device was asked for but libtorch sees none".into()));
                }
                tch::Device::Cuda(i)
            }
        };
        let options = InferenceOptions {
            batch_size: config.batch_size,
            max_len: config.window,
            overlap: config.overlap,
            constrained: true,
            precision: config.precision,
            forward: config.forward,
            syntax: config.syntax,
        };
        let ner = NerModel::load_on(&model.dir, device, options)?;
        if let (Some(style), Some(heads)) = (&config.syntax_style, &ner.syntax) {
            if !heads.set_style(style) {
                return Err(Error::Config(format!(
                    "syntax style {style:?}: this model's syntax heads know {}",
                    if heads.spec.treebanks.is_empty() { "one style only".to_string() } else { heads.spec.treebanks.join(", ") }
                )));
            }
        }
        Ok(Pipeline { ner, tokens: config.tokens, model })
    }

    /// Which model runs, its version and where it was loaded from.
    ///
    /// ```no_run
    /// let pipeline = portavoz::Pipeline::new(portavoz::PipelineConfig::default())?;
    /// eprintln!("portavoz {}, model {}", portavoz::VERSION, pipeline.model());
    /// # Ok::<(), portavoz::Error>(())
    /// ```
    pub fn model(&self) -> &ModelInfo {
        &self.model
    }

    /// Loads the model in `dir`, with default settings.
    pub fn from_model_dir(dir: &Path) -> Result<Self> {
        Self::new(PipelineConfig::default().model_dir(dir))
    }

    /// Annotates one text (its id is empty).
    pub fn annotate(&self, text: &str) -> Result<Annotation> {
        self.annotate_document(&Document::new("", text))
    }

    /// Annotates one document.
    pub fn annotate_document(&self, doc: &Document) -> Result<Annotation> {
        let mut out = self.annotate_batch(std::slice::from_ref(doc))?;
        out.pop().ok_or_else(|| Error::InvalidInput("no annotation produced".into()))
    }

    /// Annotates documents together: the sentences of all of them share forward passes.
    /// Returns one annotation per document, in order; an empty text gives an empty annotation.
    pub fn annotate_batch(&self, docs: &[Document]) -> Result<Vec<Annotation>> {
        Ok(self.run_batch(docs)?.0)
    }

    /// [`Pipeline::annotate_batch`], with the time each stage took.
    ///
    /// Every stage runs on the [`NormalizedText`] of each document (NFC, zero-width characters
    /// removed), so that "Gutie\u{301}rrez" and "Gutiérrez" are one name; the offsets and strings
    /// of the output are then mapped back to the original text and sliced from it.
    #[cfg(feature = "training")]
    pub fn annotate_batch_profiled(&self, docs: &[Document]) -> Result<(Vec<Annotation>, StageTimes)> {
        self.run_batch(docs)
    }

    /// Documents of at most [`SECTION_BYTES`] run together; a longer one runs alone, section by
    /// section (see [`sections`]), and its sections' annotations are joined.
    fn run_batch(&self, docs: &[Document]) -> Result<(Vec<Annotation>, StageTimes)> {
        let mut out: Vec<Option<Annotation>> = vec![None; docs.len()];
        let small: Vec<usize> = (0..docs.len()).filter(|&i| docs[i].text.len() <= SECTION_BYTES).collect();
        let inputs: Vec<(&str, &str)> = small.iter().map(|&i| (docs[i].id.as_str(), docs[i].text.as_str())).collect();
        let (annotations, mut times) = if inputs.is_empty() { (Vec::new(), StageTimes::default()) } else { self.run(&inputs)? };
        for (i, annotation) in small.iter().zip(annotations) {
            out[*i] = Some(annotation);
        }
        for (i, doc) in docs.iter().enumerate().filter(|(_, d)| d.text.len() > SECTION_BYTES) {
            let mut joined = Annotation { id: doc.id.clone(), text: doc.text.clone(), ..Annotation::default() };
            let mut chars = 0;
            let mut previous_end = 0;
            for (start, end) in sections(&doc.text, SECTION_BYTES) {
                chars += doc.text[previous_end..start].chars().count();
                previous_end = start;
                let (mut part, part_times) = self.run(&[(doc.id.as_str(), &doc.text[start..end])])?;
                times.add(&part_times);
                if let Some(part) = part.pop() {
                    append_section(&mut joined, part, chars, start);
                }
            }
            out[i] = Some(joined);
        }
        Ok((out.into_iter().map(Option::unwrap_or_default).collect(), times))
    }

    fn run(&self, docs: &[(&str, &str)]) -> Result<(Vec<Annotation>, StageTimes)> {
        let t = Instant::now();
        let views: Vec<NormalizedText> = docs.iter().map(|(_, text)| NormalizedText::new(text)).collect();
        let segmentations: Vec<Segmentation> = views.iter().map(|v| segment::segment(&v.text)).collect();
        let segment_time = t.elapsed();
        let inputs: Vec<(&str, &Segmentation)> = views.iter().zip(&segmentations).map(|(v, s)| (v.text.as_str(), s)).collect();
        let (analyses, ner) = self.ner.analyze_texts_profiled(&inputs)?;
        let t = Instant::now();
        let labels = self.ner.tagger.labels();
        let annotations = docs
            .iter()
            .zip(&views)
            .zip(&segmentations)
            .zip(analyses)
            .map(|((((id, text), view), seg), analysis)| {
                let doc = Doc::build(&view.text, &seg.paragraphs, analysis, labels);
                let mut annotation = crate::attribution::annotate(id, &doc);
                if self.tokens {
                    annotation.sentences = doc.sentences;
                    annotation.tokens = doc.tokens;
                }
                if view.changed() {
                    annotation = to_original_text(annotation, view, text);
                }
                annotation
            })
            .collect();
        Ok((annotations, StageTimes { segment: segment_time, ner, rules: t.elapsed() }))
    }

    /// The NER stage alone.
    #[cfg(feature = "training")]
    pub fn ner(&self) -> &NerModel {
        &self.ner
    }

    /// Whether the model has syntax heads (lemmas, part of speech, features, dependencies).
    pub fn has_syntax(&self) -> bool {
        self.ner.syntax.is_some()
    }
}

/// Documents longer than this (in UTF-8 bytes, about 5,000 words; a news readout is 2 to 10 KB)
/// are annotated in sections of whole paragraphs of at most this size, one after the other, so
/// that memory stays flat whatever a document's size: a 5 MB document peaked at 1,957 MB in one
/// piece, at 767 MB in sections of 256 KB, 710 MB in sections of 64 KB and 696 MB in sections
/// of 32 KB (`portavoz annotate`, 2 cores). Each section is read as a document of its own: a
/// name is linked to a later mention, and a speaker carried to the next sentence, only within
/// a section.
pub const SECTION_BYTES: usize = 32 * 1024;

/// Byte ranges that cover `text` end to end, each at most `limit` bytes unless one character is
/// longer: cut after the last blank line in the second half of the range, else after the last
/// line break, else after the last sentence end (". ", "? ", "! "), else after the last space,
/// else at a character boundary.
fn sections(text: &str, limit: usize) -> Vec<(usize, usize)> {
    let limit = limit.max(8);
    let mut out = Vec::new();
    let mut start = 0;
    while text.len() - start > limit {
        let mut hard = start + limit;
        while !text.is_char_boundary(hard) {
            hard -= 1;
        }
        let mut soft = start + limit / 2;
        while !text.is_char_boundary(soft) {
            soft -= 1;
        }
        let window = &text[soft..hard];
        let cut = ["\n\n", "\n", ". ", "? ", "! ", " "]
            .iter()
            .find_map(|mark| window.rfind(mark).map(|at| soft + at + mark.len()))
            .filter(|&cut| cut > start)
            .unwrap_or(if hard > start { hard } else { start + text[start..].chars().next().map_or(1, char::len_utf8) });
        out.push((start, cut));
        start = cut;
    }
    if start < text.len() || out.is_empty() {
        out.push((start, text.len()));
    }
    out
}

/// Appends the annotation of the section that starts at code point `chars` and byte `bytes` of
/// `joined`'s text: its offsets, and its sentence, token and paragraph indices, move by as much.
fn append_section(joined: &mut Annotation, mut part: Annotation, chars: usize, bytes: usize) {
    for e in &mut part.entities {
        (e.start, e.end, e.byte_start, e.byte_end) = (e.start + chars, e.end + chars, e.byte_start + bytes, e.byte_end + bytes);
    }
    for c in &mut part.claims {
        c.cue_start = c.cue_start.map(|x| x + chars);
        c.cue_end = c.cue_end.map(|x| x + chars);
        (c.content_start, c.content_end) = (c.content_start + chars, c.content_end + chars);
    }
    let (sentences, tokens) = (joined.sentences.len(), joined.tokens.len());
    let paragraphs = joined.sentences.last().map_or(0, |s| s.paragraph + 1);
    for s in &mut part.sentences {
        (s.start, s.end, s.byte_start, s.byte_end) = (s.start + chars, s.end + chars, s.byte_start + bytes, s.byte_end + bytes);
        s.paragraph += paragraphs;
        s.first_token += tokens;
    }
    for t in &mut part.tokens {
        (t.start, t.end, t.byte_start, t.byte_end) = (t.start + chars, t.end + chars, t.byte_start + bytes, t.byte_end + bytes);
        t.head = t.head.map(|h| h + tokens);
        t.sentence += sentences;
    }
    joined.entities.append(&mut part.entities);
    joined.claims.append(&mut part.claims);
    joined.sentences.append(&mut part.sentences);
    joined.tokens.append(&mut part.tokens);
}

/// Maps an annotation of the normalized view `view` back to `original`: every offset is
/// mapped, every string that is a slice of the text is sliced again from `original` (names,
/// speakers and stance targets stay as found, in NFC).
fn to_original_text(mut annotation: Annotation, view: &NormalizedText, original: &str) -> Annotation {
    let normalized = OffsetMap::new(&view.text);
    let map = OffsetMap::new(original);
    // (original bytes, original code points) of normalized code points `start..end`.
    let from_chars = |start: usize, end: usize| {
        let (b0, b1) = view.original_range(normalized.byte_of(start), normalized.byte_of(end));
        (b0, b1, map.char_of(b0), map.char_of(b1))
    };
    for e in &mut annotation.entities {
        let (b0, b1) = view.original_range(e.byte_start, e.byte_end);
        (e.byte_start, e.byte_end, e.start, e.end) = (b0, b1, map.char_of(b0), map.char_of(b1));
        e.text = original[b0..b1].to_string();
    }
    for c in &mut annotation.claims {
        let (b0, b1, s, e) = from_chars(c.content_start, c.content_end);
        (c.content_start, c.content_end, c.content) = (s, e, original[b0..b1].to_string());
        if let (Some(cue_start), Some(cue_end)) = (c.cue_start, c.cue_end) {
            let (b0, b1, s, e) = from_chars(cue_start, cue_end);
            (c.cue_start, c.cue_end, c.cue) = (Some(s), Some(e), Some(original[b0..b1].to_string()));
        }
    }
    for s in &mut annotation.sentences {
        let (b0, b1) = view.original_range(s.byte_start, s.byte_end);
        (s.byte_start, s.byte_end, s.start, s.end) = (b0, b1, map.char_of(b0), map.char_of(b1));
    }
    for t in &mut annotation.tokens {
        let (b0, b1) = view.original_range(t.byte_start, t.byte_end);
        (t.byte_start, t.byte_end, t.start, t.end) = (b0, b1, map.char_of(b0), map.char_of(b1));
        let slice = original[b0..b1].to_string();
        match &mut t.multiword {
            Some(token) => *token = slice,
            None => t.form = slice,
        }
    }
    annotation.text = original.to_string();
    annotation
}

/// Time spent in each stage of [`Pipeline::annotate_batch_profiled`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[cfg_attr(not(feature = "training"), allow(dead_code))] // read by the throughput benchmark only
pub struct StageTimes {
    /// Sentence and paragraph segmentation.
    pub segment: Duration,
    /// The NER stage: word splitting, tokenization, forward passes, decoding.
    pub ner: NerProfile,
    /// The rule layer: gazetteer, mentions, claims, stance.
    pub rules: Duration,
}

impl StageTimes {
    #[cfg(feature = "training")]
    pub fn total(&self) -> Duration {
        self.segment + self.ner.total() + self.rules
    }

    /// Adds another call's times.
    pub fn add(&mut self, other: &StageTimes) {
        self.segment += other.segment;
        self.ner.add(&other.ner);
        self.rules += other.rules;
    }
}

static DEFAULT_PIPELINE: OnceCell<Mutex<Pipeline>> = OnceCell::new();

/// Runs `f` with a process-wide pipeline on the default configuration (the model found as
/// [`crate::model_location`] describes), loaded on first use and shared
/// (behind a `Mutex`) by every thread.
///
/// ```no_run
/// let n = portavoz::with_default_pipeline(|p| p.annotate("Lavrov dijo que Rusia está dispuesta a dialogar."))??;
/// # Ok::<(), portavoz::Error>(())
/// ```
pub fn with_default_pipeline<R>(f: impl FnOnce(&Pipeline) -> R) -> Result<R> {
    let cell = DEFAULT_PIPELINE.get_or_try_init(|| Pipeline::new(PipelineConfig::default()).map(Mutex::new))?;
    let guard = cell.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    Ok(f(&guard))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::{Claim, Entity, Label, Mode};

    /// The rule layer on the normalized view, mapped back: what the pipeline does after NER.
    fn rules_on_view(original: &str, names: &[&str]) -> Annotation {
        let view = NormalizedText::new(original);
        let map = OffsetMap::new(&view.text);
        let entities = names
            .iter()
            .map(|name| {
                let b = view.text.find(name).unwrap();
                let span = map.span_from_bytes(b, b + name.len());
                Entity {
                    text: name.to_string(),
                    label: Label::Per,
                    start: span.start,
                    end: span.end,
                    byte_start: b,
                    byte_end: b + name.len(),
                    score: 1.0,
                    canonical: name.to_string(),
                }
            })
            .collect();
        let annotation = crate::attribution::annotate_from_entities("d", &view.text, entities);
        to_original_text(annotation, &view, original)
    }

    fn chars(text: &str, start: usize, end: usize) -> String {
        text.chars().skip(start).take(end - start).collect()
    }

    fn assert_offsets_slice(a: &Annotation) {
        for e in &a.entities {
            assert_eq!(&a.text[e.byte_start..e.byte_end], e.text);
            assert_eq!(chars(&a.text, e.start, e.end), e.text);
        }
        for c in &a.claims {
            assert_eq!(chars(&a.text, c.content_start, c.content_end), c.content);
            if let (Some(s), Some(e), Some(cue)) = (c.cue_start, c.cue_end, &c.cue) {
                assert_eq!(&chars(&a.text, s, e), cue);
            }
        }
    }

    #[test]
    fn sections_cover_the_text_end_to_end_and_cut_at_the_best_boundary() {
        let covers = |text: &str, limit: usize| {
            let parts = sections(text, limit);
            assert_eq!(parts.first().map(|p| p.0), Some(0));
            assert_eq!(parts.last().map(|p| p.1), Some(text.len()));
            assert!(parts.windows(2).all(|p| p[0].1 == p[1].0), "{parts:?}");
            for &(a, b) in &parts {
                assert!(a < b || text.is_empty(), "{parts:?}");
                assert!(b - a <= limit.max(8) || text[a..b].chars().count() == 1, "{parts:?}");
                assert!(text.is_char_boundary(a) && text.is_char_boundary(b));
            }
            parts
        };
        assert_eq!(covers("", 100), vec![(0, 0)]);
        assert_eq!(covers("corto", 100), vec![(0, 5)]);
        let text = "Primer párrafo. Otra frase.\n\nSegundo párrafo largo. Y otra.\nUna línea.";
        let parts = covers(text, 40);
        assert!(text[..parts[0].1].ends_with("\n\n"), "{parts:?}");
        // no blank line, no line break: after a sentence end, else a space, else anywhere
        let text = "Una frase corta. Otra frase más larga que sigue sin parar nunca";
        assert_eq!(&text[..covers(text, 24)[0].1], "Una frase corta. ");
        let text = "Palabras sin punto que siguen y siguen";
        assert_eq!(&text[..covers(text, 24)[0].1], "Palabras sin punto que ");
        covers(&"ñ".repeat(100), 9);
        covers(&"palabra ".repeat(50), 30);
    }

    #[test]
    fn sections_joined_keep_offsets_and_indices_into_the_whole_text() {
        let first = "Ana Ruiz dijo que Portugal apoya el diálogo.\n\n";
        let second = "Tomás Vidal afirmó que España rechaza la guerra.";
        let whole = format!("{first}{second}");
        let mut joined = Annotation { id: "d".into(), text: whole.clone(), ..Annotation::default() };
        append_section(&mut joined, rules_on_view(first, &["Ana Ruiz"]), 0, 0);
        append_section(&mut joined, rules_on_view(second, &["Tomás Vidal"]), first.chars().count(), first.len());
        assert!(joined.entities.iter().any(|e| e.text == "Tomás Vidal" && e.start == first.chars().count()));
        let said = |who: &str, cue: &str| joined.claims.iter().any(|c| c.speaker == [who] && c.cue.as_deref() == Some(cue));
        assert!(said("Ana Ruiz", "dijo") && said("Tomás Vidal", "afirmó"), "{:#?}", joined.claims);
        let second_start = first.chars().count();
        assert!(joined.claims.iter().filter(|c| c.speaker == ["Tomás Vidal"]).all(|c| c.content_start > second_start));
        assert_offsets_slice(&joined);
    }

    #[test]
    fn decomposed_accents_find_the_cue_and_keep_the_original_offsets() {
        let original = "Pedro Gutie\u{301}rrez afirmo\u{301} que Espan\u{303}a apoya el dia\u{301}logo.";
        let a = rules_on_view(original, &["Pedro Gutiérrez"]);
        assert_eq!(a.text, original);
        assert_eq!(a.entities[0].text, "Pedro Gutie\u{301}rrez");
        assert_eq!(a.entities[0].canonical, "Pedro Gutiérrez");
        let claim: &Claim = &a.claims[0];
        assert_eq!(claim.speaker, ["Pedro Gutiérrez"]);
        assert_eq!(claim.cue.as_deref(), Some("afirmo\u{301}"));
        assert_eq!(claim.mode, Mode::Indirect);
        assert_offsets_slice(&a);
    }

    #[test]
    fn zero_width_joiners_do_not_break_names() {
        let original = "\u{FEFF}Lin\u{200D} Hao dijo que China apoya el multilateralismo.";
        let a = rules_on_view(original, &["Lin Hao"]);
        assert_eq!(a.entities[0].text, "Lin\u{200D} Hao");
        assert_eq!(a.entities[0].start, 1);
        assert_eq!(a.claims[0].speaker, ["Lin Hao"]);
        assert_eq!(a.claims[0].cue.as_deref(), Some("dijo"));
        assert_offsets_slice(&a);
    }
}
