//! The syntax heads on the shared encoder: universal part of speech, morphological features,
//! lemma edit scripts, and biaffine dependency arcs and relations (Dozat & Manning 2017).
//!
//! They read one learned mix of the encoder's hidden states (the embedding output and every
//! layer's output) at each word's first subword, so the entity head and the syntax heads share
//! a single encoder pass: the mix is summed inside that pass ([`super::forward::HiddenTap::Mix`])
//! and only `[words, hidden]` features leave it. The encoder itself is the entity model's and
//! stays frozen while the heads train, which keeps entity F1 exactly as it was.
use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::{nn, nn::Module, nn::RNN, Device, Kind, Tensor};

use super::op_profile::{Op, Span};
use crate::error::{Error, Result};

pub const SYNTAX_WEIGHTS_FILE: &str = "syntax.safetensors";
pub const SYNTAX_LABELS_FILE: &str = "syntax.json";

/// Label inventories and sizes of the syntax heads (`syntax.json` in the model folder).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SyntaxSpec {
    /// Universal part-of-speech tags.
    pub upos: Vec<String>,
    /// Whole FEATS strings (`_` for none), as one class each.
    pub feats: Vec<String>,
    /// Lemma edit scripts (see [`crate::syntax::lemma_script`]).
    pub lemma_scripts: Vec<String>,
    /// Dependency relations.
    pub deprels: Vec<String>,
    /// Lowercased forms of the later parts of multiword tokens ("el" of "del", "lo" of
    /// "hacerlo"): part id `i + 2`; 1 is any other later part, 0 a word that is a whole token
    /// or the first part of one.
    pub parts: Vec<String>,
    /// Encoder hidden states mixed (embedding output + layers).
    pub hidden_states: usize,
    /// Encoder hidden size.
    pub hidden: usize,
    pub tag_dim: usize,
    pub arc_dim: usize,
    pub rel_dim: usize,
    /// Hash buckets and size of the spelling features (suffixes of 1-4 letters, word shape).
    pub affix_buckets: usize,
    pub affix_dim: usize,
    /// Bidirectional LSTM layers over the words of a sentence before the heads (0: none), and
    /// their width per direction.
    pub word_layers: usize,
    pub word_dim: usize,
    /// Largest head-dependent distance with its own learned arc bias (longer ones share).
    pub max_distance: usize,
    /// For each whole-word lemma script ("dijo" -> "decir" shares no stem with its lemma), the
    /// lowercased forms the treebank gives it: such a script is only chosen for those forms,
    /// so an unseen verb never gets another verb's lemma.
    #[serde(default)]
    pub whole_word_forms: BTreeMap<String, Vec<String>>,
    /// By part of speech (the shipped model lists VERB, which also serves AUX), the lowercased
    /// lemmas the treebank gives it, sorted: such a word takes the best-ranked lemma script that
    /// makes one of them before one that makes an unknown lemma, and a verb with none known tries
    /// the scripts' stem-vowel variants ("advirtió" -> "advertir", not "advierir").
    #[serde(default)]
    pub known_lemmas: BTreeMap<String, Vec<String>>,
    /// The treebanks the heads learned from, when more than one: each has a learned vector
    /// added to every word's input, so the heads learn each treebank's conventions apart (GSD
    /// tags a relative "que" SCONJ `mark` and a possessive "su" DET, PUD PRON `nsubj` and PRON)
    /// instead of a blend of both; at inference the heads write in the style of
    /// [`SyntaxSpec::default_style`] unless told another ([`SyntaxHeads::set_style`]).
    #[serde(default)]
    pub treebanks: Vec<String>,
    /// The treebank whose conventions the heads follow by default (one of `treebanks`).
    #[serde(default)]
    pub default_style: String,
}

impl SyntaxSpec {
    /// Width of a word's encoder input: the mixed state at its first and at its last subword.
    pub fn word_input(&self) -> usize {
        2 * self.hidden
    }

    /// Width of what the heads read.
    fn head_input(&self) -> usize {
        if self.word_layers > 0 { 2 * self.word_dim } else { self.word_input() }
    }
}

/// Spelling features of a word: hashed ids of its lowercased last 1, 2, 3 and 4 letters and of
/// its shape (capitalization, digits, punctuation), in `0..buckets`.
pub fn affix_ids(form: &str, buckets: usize) -> [i64; AFFIXES] {
    let lower: Vec<char> = form.to_lowercase().chars().collect();
    let shape: String = form
        .chars()
        .take(4)
        .map(|c| if c.is_uppercase() { 'X' } else if c.is_lowercase() { 'x' } else if c.is_numeric() { 'd' } else { c })
        .collect();
    let mut ids = [0i64; AFFIXES];
    for (n, id) in ids.iter_mut().enumerate().take(4) {
        let suffix: String = lower[lower.len().saturating_sub(n + 1)..].iter().collect();
        *id = bucket(&format!("s{}:{suffix}", n + 1), buckets);
    }
    ids[4] = bucket(&format!("shape:{shape}"), buckets);
    ids
}

/// Sentences per padded batch in [`SyntaxHeads::predict_many`].
const PREDICT_BATCH: usize = 64;

/// Word positions (sentences × the longest one's words) per padded batch: oneDNN keeps an LSTM
/// work area in proportion to them for every shape it caches (see `super::memory`).
const PREDICT_POSITIONS: usize = 1024;

/// Lemma scripts considered per word, best first (see `SyntaxHeads::choose_lemma`).
const LEMMA_CANDIDATES: usize = 8;
/// FEATS strings ranked per word, the first the spelling allows taken.
const FEATS_CANDIDATES: usize = 4;

/// Whether a word spelled `lower` may have the FEATS string `feats` (its VerbForm, by
/// `verb_form_endings.tsv`).
fn spelling_allows(lower: &str, feats: &str) -> bool {
    match feats.split('|').find_map(|f| f.strip_prefix("VerbForm=")) {
        Some(verb_form) => VERB_FORM_ENDINGS.iter().filter(|(v, _, _)| v == verb_form).all(|(_, endings, only)| endings.iter().any(|e| lower.ends_with(e.as_str())) == *only),
        None => true,
    }
}

/// VerbForm value, endings, and whether a form must end in one of them (else in none).
static VERB_FORM_ENDINGS: once_cell::sync::Lazy<Vec<(String, Vec<String>, bool)>> = once_cell::sync::Lazy::new(|| {
    include_str!("../syntax/verb_form_endings.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| match l.split('\t').collect::<Vec<_>>().as_slice() {
            [verb_form, endings, rule] => Some((verb_form.to_string(), endings.split_whitespace().map(str::to_string).collect(), *rule == "only")),
            _ => None,
        })
        .collect()
});

/// Spelling features per word (see [`affix_ids`]).
pub const AFFIXES: usize = 5;

/// FNV-1a, so the buckets stay the same across builds and platforms.
fn bucket(key: &str, buckets: usize) -> i64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    (h % buckets.max(1) as u64) as i64
}

/// What the heads compute for a batch of sentences, `[batch, words + 1, ...]` with the root at
/// position 0 (as libtorch tensors; [`SyntaxHeads::predict`] turns them into decisions).
pub struct HeadScores {
    pub upos: Tensor,
    pub feats: Tensor,
    pub lemma: Tensor,
    /// `[batch, words + 1 (dependent), words + 1 (head)]`; padding heads are masked out.
    pub arcs: Tensor,
    /// Relation MLP outputs with a bias column, dependents' and heads' sides.
    rel_dep: Tensor,
    rel_head: Tensor,
}

/// The trainable (or loaded) heads.
pub struct SyntaxHeads {
    pub vs: nn::VarStore,
    pub spec: SyntaxSpec,
    mix: Tensor,
    gamma: Tensor,
    root: Tensor,
    part: Tensor,
    affix: Tensor,
    affix_proj: nn::Linear,
    word_lstm: Option<nn::LSTM>,
    distance: Tensor,
    tag_mlp: nn::Linear,
    upos: nn::Linear,
    feats: nn::Linear,
    lemma: nn::Linear,
    arc_dep: nn::Linear,
    arc_head: nn::Linear,
    arc_weight: Tensor,
    rel_dep: nn::Linear,
    rel_head: nn::Linear,
    rel_weight: Tensor,
    /// `[treebanks, word input]` when the heads learned from more than one treebank.
    treebank: Option<Tensor>,
    /// Index into `spec.treebanks` of the style the heads write at inference.
    style: std::sync::atomic::AtomicI64,
    /// The word BiLSTM's weights per layer, forward and backward direction, in the number
    /// format it runs in at inference (bf16 beside a bf16 encoder; f32 ones share the
    /// variables, so training updates reach them).
    lstm_params: Vec<[Vec<Tensor>; 2]>,
}

/// One sentence for [`SyntaxHeads::predict_many`]: its syntactic words as (token index, form,
/// part id), and their mixed states (`words × 2 * hidden` floats).
#[derive(Debug, Clone, Default)]
pub struct SentenceInput {
    pub plan: Vec<(usize, String, i64)>,
    pub states: Vec<f32>,
}

/// One word's syntax as the heads decide it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordSyntax {
    /// Index of the orthographic token (the model's input word) this word belongs to.
    pub token: usize,
    /// The syntactic word: the token itself, or one part of it ("de" or "el" of "del").
    pub form: String,
    pub upos: String,
    pub feats: String,
    pub lemma: String,
    /// 0 = root, else the 1-based index of the head word in the sentence.
    pub head: usize,
    pub deprel: String,
}

impl SyntaxHeads {
    /// Freshly initialised heads (seed with `tch::manual_seed` first).
    pub fn new(spec: SyntaxSpec, device: Device) -> Self {
        let vs = nn::VarStore::new(device);
        let p = vs.root();
        let x = spec.word_input() as i64;
        let h = spec.head_input() as i64;
        let (t, a, r) = (spec.tag_dim as i64, spec.arc_dim as i64, spec.rel_dim as i64);
        let mix = p.zeros("mix", &[spec.hidden_states as i64]);
        let gamma = p.ones("gamma", &[1]);
        let root = p.randn("root", &[x], 0.0, 0.02);
        let part = p.zeros("part", &[spec.parts.len() as i64 + 2, x]);
        let affix = p.randn("affix", &[spec.affix_buckets.max(1) as i64, spec.affix_dim.max(1) as i64], 0.0, 0.1);
        let affix_proj = nn::linear(&p / "affix_proj", spec.affix_dim.max(1) as i64, x, Default::default());
        let word_lstm = (spec.word_layers > 0).then(|| {
            let config = nn::RNNConfig { bidirectional: true, batch_first: true, num_layers: spec.word_layers as i64, ..Default::default() };
            nn::lstm(&p / "word_lstm", x, spec.word_dim as i64, config)
        });
        let distance = p.zeros("distance", &[2 * spec.max_distance as i64 + 1]);
        let tag_mlp = nn::linear(&p / "tag_mlp", h, t, Default::default());
        let upos = nn::linear(&p / "upos", t, spec.upos.len() as i64, Default::default());
        let feats = nn::linear(&p / "feats", t, spec.feats.len() as i64, Default::default());
        let lemma = nn::linear(&p / "lemma", t, spec.lemma_scripts.len() as i64, Default::default());
        let arc_dep = nn::linear(&p / "arc_dep", h, a, Default::default());
        let arc_head = nn::linear(&p / "arc_head", h, a, Default::default());
        let arc_weight = p.zeros("arc_weight", &[a + 1, a]);
        let rel_dep = nn::linear(&p / "rel_dep", h, r, Default::default());
        let rel_head = nn::linear(&p / "rel_head", h, r, Default::default());
        let rel_weight = p.zeros("rel_weight", &[spec.deprels.len() as i64, r + 1, r + 1]);
        let treebank = (spec.treebanks.len() > 1).then(|| p.zeros("treebank", &[spec.treebanks.len() as i64, x]));
        let style = std::sync::atomic::AtomicI64::new(spec.treebanks.iter().position(|t| *t == spec.default_style).unwrap_or(0) as i64);
        let mut heads = SyntaxHeads { vs, spec, mix, gamma, root, part, affix, affix_proj, word_lstm, distance, tag_mlp, upos, feats, lemma, arc_dep, arc_head, arc_weight, rel_dep, rel_head, rel_weight, treebank, style, lstm_params: Vec::new() };
        heads.set_lstm_kind(Kind::Float);
        heads
    }

    /// Loads `syntax.json` and `syntax.safetensors` from a model folder; `Ok(None)` when the
    /// folder has no syntax heads.
    pub fn load(dir: &Path, device: Device) -> Result<Option<Self>> {
        let (spec_path, weights) = (dir.join(SYNTAX_LABELS_FILE), dir.join(SYNTAX_WEIGHTS_FILE));
        if !spec_path.exists() && !weights.exists() {
            return Ok(None);
        }
        let corrupt = |path: &Path, reason: String| Error::ModelCorrupt { path: path.to_path_buf(), reason };
        let text = std::fs::read_to_string(&spec_path).map_err(|e| corrupt(&spec_path, e.to_string()))?;
        let spec: SyntaxSpec = serde_json::from_str(&text).map_err(|e| corrupt(&spec_path, e.to_string()))?;
        if [spec.upos.len(), spec.feats.len(), spec.lemma_scripts.len(), spec.deprels.len(), spec.hidden_states, spec.hidden]
            .contains(&0)
        {
            return Err(corrupt(&spec_path, "an empty label list or a zero size".into()));
        }
        let mut heads = SyntaxHeads::new(spec, device);
        heads.vs.load(&weights).map_err(|e| corrupt(&weights, e.to_string()))?;
        heads.vs.float();
        heads.vs.freeze();
        heads.set_lstm_kind(Kind::Float);
        Ok(Some(heads))
    }

    /// Writes `syntax.json` and `syntax.safetensors` into `dir`, in f16 when `half` (the
    /// shipped form) or f32 (training checkpoints, so a resumed run continues exactly).
    pub fn save(&self, dir: &Path, metadata: &BTreeMap<String, String>, half: bool) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let spec_path = dir.join(SYNTAX_LABELS_FILE);
        let mut json = serde_json::to_value(&self.spec)?;
        json["training"] = serde_json::to_value(metadata)?;
        std::fs::write(&spec_path, serde_json::to_string_pretty(&json)?).map_err(|e| Error::io(&spec_path, e))?;
        let _guard = tch::no_grad_guard();
        let kind = if half { Kind::Half } else { Kind::Float };
        let mut named: Vec<(String, Tensor)> = self.vs.variables().into_iter().map(|(name, t)| (name, t.to_kind(kind))).collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Tensor::write_safetensors(&named, dir.join(SYNTAX_WEIGHTS_FILE))?)
    }

    /// Makes the heads write in the conventions of `treebank` (one of [`SyntaxSpec::treebanks`]);
    /// `false`, and nothing changed, for a treebank they did not learn from.
    pub fn set_style(&self, treebank: &str) -> bool {
        match self.spec.treebanks.iter().position(|t| t == treebank) {
            Some(i) => {
                self.style.store(i as i64, std::sync::atomic::Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// The treebank whose conventions the heads write in (`None` for heads of one treebank).
    pub fn style(&self) -> Option<&str> {
        self.treebank.as_ref().and_then(|_| self.spec.treebanks.get(self.style.load(std::sync::atomic::Ordering::Relaxed) as usize)).map(String::as_str)
    }

    /// Runs the word BiLSTM in `kind` at inference (`Kind::BFloat16` alongside a bf16 encoder).
    pub fn set_lstm_kind(&mut self, kind: Kind) {
        let vars = self.vs.variables();
        let params = |layer: usize, suffix: &str| -> Vec<Tensor> {
            ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
                .iter()
                .filter_map(|w| vars.get(&format!("word_lstm.{w}_l{layer}{suffix}")))
                .map(|t| if kind == Kind::Float { t.shallow_clone() } else { t.detach().to_kind(kind) })
                .collect()
        };
        self.lstm_params = (0..self.spec.word_layers).map(|layer| [params(layer, ""), params(layer, "_reverse")]).collect();
    }

    /// The weight of each encoder hidden state in the mix the heads read (softmax × gamma):
    /// what [`super::forward::HiddenTap::Mix`] sums inside the encoder pass.
    pub fn mix_weights(&self) -> Vec<f32> {
        let _guard = tch::no_grad_guard();
        let w = self.mix.softmax(0, Kind::Float) * &self.gamma;
        Vec::<f32>::try_from(w.to_kind(Kind::Float).to_device(Device::Cpu)).unwrap_or_default()
    }

    /// Mixes `[batch, words, 2 * states * hidden]` stored hidden states (every state at the
    /// first subword, then at the last) into `[batch, words, 2 * hidden]` (training reads every
    /// state; inference gets the mix from the encoder).
    pub fn mix_states(&self, states: &Tensor) -> Tensor {
        let size = states.size();
        let (b, w) = (size[0], size[1]);
        let (s, h) = (self.spec.hidden_states as i64, self.spec.hidden as i64);
        let weights = self.mix.softmax(0, Kind::Float) * &self.gamma;
        states.view([b, w, 2, s, h]).transpose(3, 4).matmul(&weights.view([s, 1])).view([b, w, 2 * h])
    }

    /// The part id of a syntactic word (see [`SyntaxSpec::parts`]): `index` is its place
    /// among the parts of its token.
    pub fn part_id(&self, index: usize, form: &str) -> i64 {
        if index == 0 {
            return 0;
        }
        let lower = form.to_lowercase();
        self.spec.parts.iter().position(|p| *p == lower).map_or(1, |i| i as i64 + 2)
    }

    /// Scores for mixed word features `x` `[batch, words, hidden]` (a multiword token's state
    /// repeated for each of its words), part ids `parts` `[batch, words]` and `mask`
    /// `[batch, words]` (1 for real words); `dropout` is the training rate (0 at inference).
    /// `styles` `[batch]` gives each sentence's treebank (index into [`SyntaxSpec::treebanks`]);
    /// `None` is the heads' style for all.
    pub fn scores(&self, x: &Tensor, parts: &Tensor, affixes: &Tensor, mask: &Tensor, styles: Option<&Tensor>, dropout: f64) -> HeadScores {
        self.scores_with_lengths(x, parts, affixes, mask, styles, dropout, None)
    }

    /// [`SyntaxHeads::scores`]; with `lengths` (words per sentence, padding after them) the
    /// word BiLSTM reads each sentence backward from its own last word, so padding never
    /// reaches a real word and a padded batch gives what each sentence gives alone.
    #[allow(clippy::too_many_arguments)]
    pub fn scores_with_lengths(&self, x: &Tensor, parts: &Tensor, affixes: &Tensor, mask: &Tensor, styles: Option<&Tensor>, dropout: f64, lengths: Option<&[i64]>) -> HeadScores {
        let size = x.size();
        let b = size[0];
        let train = dropout > 0.0;
        let root = self.root.view([1, 1, -1]).expand([b, 1, size[2]], false);
        let spelling = Tensor::embedding(&self.affix, affixes, -1, false, false).sum_dim_intlist(-2, false, Kind::Float);
        let mut x = x + Tensor::embedding(&self.part, parts, -1, false, false) + self.affix_proj.forward(&spelling);
        if let Some(table) = &self.treebank {
            let styles = match styles {
                Some(s) => s.shallow_clone(),
                None => Tensor::full([b], self.style.load(std::sync::atomic::Ordering::Relaxed), (Kind::Int64, x.device())),
            };
            x = x + Tensor::embedding(table, &styles, -1, false, false).unsqueeze(1);
        }
        let mut x = Tensor::cat(&[root, x], 1).dropout(dropout, train);
        if let Some(lstm) = &self.word_lstm {
            let _lstm = Span::start(Op::SyntaxLstm);
            x = match lengths {
                Some(lengths) if !train => self.padded_bilstm(&x, lengths),
                _ => lstm.seq(&x).0.dropout(dropout, train),
            };
        }
        let _scores = Span::start(Op::SyntaxScores);
        let tags = self.tag_mlp.forward(&x).gelu("none").dropout(dropout, train);
        let with_bias = |t: Tensor| {
            let mut s = t.size();
            *s.last_mut().unwrap_or(&mut 0) = 1;
            Tensor::cat(&[t.shallow_clone(), Tensor::ones(s.as_slice(), (t.kind(), t.device()))], -1)
        };
        let arc_dep = with_bias(self.arc_dep.forward(&x).gelu("none").dropout(dropout, train));
        let arc_head = self.arc_head.forward(&x).gelu("none").dropout(dropout, train);
        let n = size[1] + 1;
        let k = self.spec.max_distance as i64;
        let positions = Tensor::arange(n, (Kind::Int64, x.device()));
        let offsets = (positions.unsqueeze(0) - positions.unsqueeze(1)).clamp(-k, k) + k;
        let arcs = arc_dep.matmul(&self.arc_weight).matmul(&arc_head.transpose(1, 2)) + self.distance.index_select(0, &offsets.view([-1])).view([1, n, n]);
        let head_ok = Tensor::cat(&[Tensor::ones([b, 1], (mask.kind(), mask.device())), mask.shallow_clone()], 1);
        let arcs = arcs.masked_fill(&head_ok.eq(0).unsqueeze(1), -1e9);
        let rel_dep = with_bias(self.rel_dep.forward(&x).gelu("none").dropout(dropout, train));
        let rel_head = with_bias(self.rel_head.forward(&x).gelu("none").dropout(dropout, train));
        HeadScores {
            upos: self.upos.forward(&tags),
            feats: self.feats.forward(&tags),
            lemma: self.lemma.forward(&tags),
            arcs,
            rel_dep,
            rel_head,
        }
    }

    /// The word BiLSTM over `x` `[batch, 1 + words, d]` (root first) where sentence `b` has
    /// `lengths[b]` words: the backward direction runs on each sentence reversed within its own
    /// length, so padding comes after every real position in both directions.
    fn padded_bilstm(&self, x: &Tensor, lengths: &[i64]) -> Tensor {
        let size = x.size();
        let (b, t) = (size[0], size[1]);
        let mut order = Vec::with_capacity((b * t) as usize);
        for &n in lengths {
            let len = (n + 1).clamp(0, t);
            order.extend((0..t).map(|i| if i < len { len - 1 - i } else { i }));
        }
        let order = Tensor::from_slice(&order).view([b, t, 1]).to_device(x.device());
        let reverse = |y: &Tensor| {
            let d = y.size()[2];
            y.gather(1, &order.expand([b, t, d], false), false)
        };
        let h = self.spec.word_dim as i64;
        let mut y = x.shallow_clone();
        for [forward_params, backward_params] in &self.lstm_params {
            let kind = forward_params.first().map_or(Kind::Float, Tensor::kind);
            let zeros = Tensor::zeros([1, b, h], (kind, x.device()));
            let hx = [zeros.shallow_clone(), zeros];
            let (forward, _, _) = y.to_kind(kind).lstm(&hx, forward_params, true, 1, 0.0, false, false, true);
            let (backward, _, _) = reverse(&y).to_kind(kind).lstm(&hx, backward_params, true, 1, 0.0, false, false, true);
            y = Tensor::cat(&[forward, reverse(&backward)], -1).to_kind(Kind::Float);
        }
        y
    }

    /// Relation scores `[batch, words + 1, relations]` of each word attached to `heads`
    /// `[batch, words + 1]` (int64 positions, root = 0).
    pub fn relation_scores(&self, scores: &HeadScores, heads: &Tensor) -> Tensor {
        let size = scores.rel_head.size();
        let index = heads.unsqueeze(-1).expand([size[0], size[1], size[2]], false);
        let head_side = scores.rel_head.gather(1, &index, false);
        Tensor::einsum("bip,lpq,biq->bil", &[&scores.rel_dep, &self.rel_weight, &head_side], None::<i64>)
    }

    /// [`SyntaxHeads::relation_scores`] computed on the real words only (the bilinear product
    /// is the heads' largest), with -inf at the root and padding positions.
    fn real_word_relation_scores(&self, scores: &HeadScores, heads: &Tensor, lengths: &[i64]) -> Tensor {
        let size = scores.rel_head.size();
        let (b, side) = (size[0], size[1]);
        let index = heads.unsqueeze(-1).expand([b, side, size[2]], false);
        let head_side = scores.rel_head.gather(1, &index, false);
        let real: Vec<i64> = lengths.iter().enumerate().flat_map(|(k, &n)| (1..=n).map(move |i| k as i64 * side + i)).collect();
        let real = Tensor::from_slice(&real).to_device(heads.device());
        let pick = |t: &Tensor| t.view([b * side, -1]).index_select(0, &real);
        let labels = self.spec.deprels.len() as i64;
        // The bilinear product's `[words, relations, rel_dim]` intermediate stays small because
        // a batch holds at most PREDICT_POSITIONS words.
        let values = Tensor::einsum("np,lpq,nq->nl", &[&pick(&scores.rel_dep), &self.rel_weight, &pick(&head_side)], None::<i64>);
        Tensor::full([b * side, labels], f64::NEG_INFINITY, (Kind::Float, heads.device())).index_copy(0, &real, &values).view([b, side, labels])
    }

    /// Decides every word of one sentence from its mixed features `[words, 2 * hidden]`, its
    /// part ids and its word forms (see [`SyntaxHeads::predict_many`]).
    pub fn predict<S: AsRef<str>>(&self, x: &Tensor, parts: &[i64], forms: &[S]) -> Vec<WordSyntax> {
        let n = x.size()[0] as usize;
        let flat = Vec::<f32>::try_from(x.to_kind(Kind::Float).to_device(Device::Cpu).contiguous().view([-1])).unwrap_or_default();
        let plan: Vec<(usize, String, i64)> = forms.iter().zip(parts).map(|(f, &p)| (0, f.as_ref().to_string(), p)).collect();
        if plan.len() != n {
            return Vec::new();
        }
        self.predict_many(&[SentenceInput { plan, states: flat }]).pop().unwrap_or_default()
    }

    /// Decides the words of many sentences: tags by argmax, lemmas by applying the chosen edit
    /// script to the form, the tree by maximum spanning tree over the arc scores (one root, no
    /// cycles), relations at the chosen heads. Sentences of the same length run together, so
    /// nothing is padded and each result is what the sentence alone would give.
    pub fn predict_many(&self, sentences: &[SentenceInput]) -> Vec<Vec<WordSyntax>> {
        let mut out: Vec<Vec<WordSyntax>> = vec![Vec::new(); sentences.len()];
        let dim = self.spec.word_input();
        let mut order: Vec<usize> = (0..sentences.len()).filter(|&i| !sentences[i].plan.is_empty() && sentences[i].states.len() == sentences[i].plan.len() * dim).collect();
        order.sort_by_key(|&i| sentences[i].plan.len());
        let _guard = tch::no_grad_guard();
        let device = self.root.device();
        // Sentences of similar length share a padded batch (padding changes no result: masked
        // heads, and the BiLSTM reads each sentence within its own length).
        let mut groups: Vec<&[usize]> = Vec::new();
        let mut rest = order.as_slice();
        while !rest.is_empty() {
            // sorted by length: the group's last sentence is its longest
            let mut take = 1;
            while take < rest.len().min(PREDICT_BATCH) && (take + 1) * sentences[rest[take]].plan.len() <= PREDICT_POSITIONS {
                take += 1;
            }
            groups.push(&rest[..take]);
            rest = &rest[take..];
        }
        for group in groups {
            let input_span = Span::start(Op::SyntaxInput);
            let g = group.len();
            let n = group.iter().map(|&i| sentences[i].plan.len()).max().unwrap_or(0);
            let (n64, g64) = (n as i64, g as i64);
            let mut states = vec![0f32; g * n * dim];
            let mut parts = vec![0i64; g * n];
            let mut affixes = vec![0i64; g * n * AFFIXES];
            let mut mask = vec![0i64; g * n];
            let mut lengths = Vec::with_capacity(g);
            for (k, &i) in group.iter().enumerate() {
                let len = sentences[i].plan.len();
                lengths.push(len as i64);
                states[k * n * dim..(k * n + len) * dim].copy_from_slice(&sentences[i].states);
                mask[k * n..k * n + len].fill(1);
                for (w, (_, form, part)) in sentences[i].plan.iter().enumerate() {
                    parts[k * n + w] = *part;
                    affixes[(k * n + w) * AFFIXES..(k * n + w + 1) * AFFIXES].copy_from_slice(&affix_ids(form, self.spec.affix_buckets));
                }
            }
            let x = Tensor::from_slice(&states).view([g64, n64, dim as i64]).to_device(device);
            let parts = Tensor::from_slice(&parts).view([g64, n64]).to_device(device);
            let affixes = Tensor::from_slice(&affixes).view([g64, n64, AFFIXES as i64]).to_device(device);
            let mask = Tensor::from_slice(&mask).view([g64, n64]).to_device(device);
            drop(input_span);
            let scores = self.scores_with_lengths(&x, &parts, &affixes, &mask, None, 0.0, Some(&lengths));
            let output_span = Span::start(Op::SyntaxOutput);
            let argmax = |t: &Tensor| -> Vec<i64> { Vec::<i64>::try_from(t.argmax(-1, false).to_device(Device::Cpu).view([-1])).unwrap_or_default() };
            let upos = argmax(&scores.upos);
            let feat_candidates = FEATS_CANDIDATES.min(self.spec.feats.len()) as i64;
            let feats = Vec::<i64>::try_from(scores.feats.topk(feat_candidates, -1, true, true).1.to_device(Device::Cpu).contiguous().view([-1])).unwrap_or_default();
            let candidates = LEMMA_CANDIDATES.min(self.spec.lemma_scripts.len()) as i64;
            let lemma = Vec::<i64>::try_from(scores.lemma.topk(candidates, -1, true, true).1.to_device(Device::Cpu).contiguous().view([-1]))
                .unwrap_or_default();
            let side = n + 1;
            let arcs = Vec::<f32>::try_from(scores.arcs.to_kind(Kind::Float).to_device(Device::Cpu).contiguous().view([-1])).unwrap_or_default();
            if arcs.len() != g * side * side || upos.len() != g * side || lemma.len() != g * side * candidates as usize || feats.len() != g * side * feat_candidates as usize {
                continue;
            }
            drop(output_span);
            let tree_span = Span::start(Op::TreeDecode);
            let trees: Vec<Vec<usize>> = (0..g)
                .map(|k| {
                    let block = ndarray::ArrayView2::from_shape((side, side), &arcs[k * side * side..(k + 1) * side * side])
                        .map(|full| full.slice(ndarray::s![..=lengths[k] as usize, ..=lengths[k] as usize]).to_owned())
                        .unwrap_or_else(|_| ndarray::Array2::zeros((1, 1)));
                    crate::syntax::tree::decode_mst(&block)
                })
                .collect();
            drop(tree_span);
            let relation_span = Span::start(Op::Relations);
            let mut heads: Vec<i64> = Vec::with_capacity(g * side);
            for tree in &trees {
                heads.push(0);
                heads.extend((0..n).map(|i| tree.get(i).copied().unwrap_or(0) as i64));
            }
            let heads = Tensor::from_slice(&heads).view([g64, side as i64]).to_device(device);
            // The root's relation is "root", and no other word's.
            let root_label = self.spec.deprels.iter().position(|r| r == "root").map(|i| i as i64);
            let mut rel_scores = self.real_word_relation_scores(&scores, &heads, &lengths);
            if let Some(root) = root_label {
                let attached_to_root = heads.eq(0).unsqueeze(-1);
                let is_root_label = Tensor::arange(self.spec.deprels.len() as i64, (Kind::Int64, device)).eq(root).view([1, 1, -1]);
                rel_scores = rel_scores.masked_fill(&attached_to_root.logical_xor(&is_root_label), f64::NEG_INFINITY);
            }
            let rels = argmax(&rel_scores);
            drop(relation_span);
            let _output = Span::start(Op::SyntaxOutput);
            let label = |list: &[String], i: i64| list.get(i as usize).cloned().unwrap_or_else(|| "_".into());
            for (k, &i) in group.iter().enumerate() {
                let at = |j: usize| k * side + j;
                out[i] = sentences[i]
                    .plan
                    .iter()
                    .enumerate()
                    .map(|(w, (token, form, _))| WordSyntax {
                        token: *token,
                        form: form.clone(),
                        upos: label(&self.spec.upos, upos[at(w + 1)]),
                        feats: self.choose_feats(form, &feats[at(w + 1) * feat_candidates as usize..(at(w + 1) + 1) * feat_candidates as usize]),
                        lemma: {
                            let tag = label(&self.spec.upos, upos[at(w + 1)]);
                            match (tag.as_str(), crate::syntax::irregular::lemma(form)) {
                                ("VERB" | "AUX", Some(infinitive)) => infinitive,
                                _ => self.choose_lemma(form, &tag, &lemma[at(w + 1) * candidates as usize..(at(w + 1) + 1) * candidates as usize]),
                            }
                        },
                        head: trees[k].get(w).copied().unwrap_or(0),
                        deprel: label(&self.spec.deprels, rels.get(at(w + 1)).copied().unwrap_or(-1)),
                    })
                    .collect();
            }
        }
        out
    }

    /// Decides one sentence whose syntactic words are given: `words` lists each word's token
    /// index and form, in order (a treebank's own split, for gold tokenization); `states` holds
    /// each token's `dim` mixed floats.
    pub fn analyze_given_words(&self, words: &[(usize, String)], states: &[f32], dim: usize) -> Vec<WordSyntax> {
        let mut input = SentenceInput { plan: Vec::with_capacity(words.len()), states: Vec::with_capacity(words.len() * dim) };
        for (i, (token, form)) in words.iter().enumerate() {
            let Some(state) = states.get(token * dim..(token + 1) * dim) else { return Vec::new() };
            let index = if i > 0 && words[i - 1].0 == *token { input.plan.iter().rev().take_while(|p| p.0 == *token).count() } else { 0 };
            input.plan.push((*token, form.clone(), self.part_id(index, form)));
            input.states.extend_from_slice(state);
        }
        self.predict_many(&[input]).pop().unwrap_or_default()
    }

    /// The syntactic words of `tokens` (see [`crate::syntax::split`]) with their states.
    pub fn expand<S: AsRef<str>>(&self, tokens: &[S], states: &[f32], dim: usize) -> SentenceInput {
        let mut input = SentenceInput { plan: Vec::new(), states: Vec::new() };
        if dim == 0 || states.len() != tokens.len() * dim {
            return input;
        }
        for (t, token) in tokens.iter().enumerate() {
            let token = token.as_ref();
            let forms = crate::syntax::split::syntactic_words(token).unwrap_or_else(|| vec![token.to_string()]);
            for (i, form) in forms.into_iter().enumerate() {
                let part = self.part_id(i, &form);
                input.plan.push((t, form, part));
                input.states.extend_from_slice(&states[t * dim..(t + 1) * dim]);
            }
        }
        input
    }

    /// The first of the ranked FEATS strings whose verb form the word's spelling allows: an
    /// infinitive ends in "r", a gerund in "ndo", a participle in "-do", "-to", "-so" or
    /// "-cho" (and their feminine and plural), and a finite verb never in "r" ("respalda" is no
    /// infinitive, whatever the classifier says); the best one when none is allowed.
    /// (The endings are language data: `src/syntax/verb_form_endings.tsv`.)
    fn choose_feats(&self, form: &str, ranked: &[i64]) -> String {
        let lower = form.to_lowercase();
        let allowed = |feats: &str| spelling_allows(&lower, feats);
        let label = |i: i64| self.spec.feats.get(i as usize).cloned().unwrap_or_else(|| "_".into());
        ranked.iter().map(|&i| label(i)).find(|f| allowed(f)).unwrap_or_else(|| ranked.first().map_or_else(|| "_".into(), |&i| label(i)))
    }

    /// The lemma of `form` by the first of the ranked `scripts` that may apply to it: a
    /// whole-word script only for the forms it was seen with, any other script when it applies.
    fn choose_lemma(&self, form: &str, upos: &str, scripts: &[i64]) -> String {
        let lower = form.to_lowercase();
        let candidates: Vec<String> = scripts
            .iter()
            .filter_map(|&i| {
                let script = usize::try_from(i).ok().and_then(|i| self.spec.lemma_scripts.get(i))?;
                let whole_word = script.split_once(';').is_some_and(|(_, edit)| edit.starts_with('='));
                if whole_word && !self.spec.whole_word_forms.get(script).is_some_and(|forms| forms.contains(&lower)) {
                    return None;
                }
                crate::syntax::lemma_script::apply_script(form, script)
            })
            .collect();
        let class = if upos == "AUX" { "VERB" } else { upos };
        if let Some(list) = self.spec.known_lemmas.get(class).filter(|l| !l.is_empty()) {
            // known from the treebank, or, for a verb, from the rule layer's lexicons
            let named = &crate::lexicon::lexicon().infinitives;
            let known = |l: &String| {
                let lower = l.to_lowercase();
                list.binary_search(&lower).is_ok() || class == "VERB" && named.contains(&lower)
            };
            // (a lower-ranked one only when it begins as the form does: "pidieron" is not
            // "tener", whatever script made that of it)
            let first = |w: &str| w.chars().next().map(|c| c.to_lowercase().collect::<String>());
            let same_start = |l: &String| first(l) == first(&lower);
            if let Some(lemma) = candidates.iter().enumerate().find(|(k, l)| known(l) && (*k == 0 || same_start(l))).map(|(_, l)| l) {
                return lemma.clone();
            }
            // none known: a verb's stem vowel a script kept from the inflected form
            // ("advirtió" -> "advirtir" -> "advertir")
            if class == "VERB" {
                if let Some(lemma) = candidates.iter().flat_map(|l| crate::lexicon::verb_lemma_variants(l)).find(known) {
                    return lemma;
                }
                // or its spelling ("confíar" -> "confiar", "profundicar" -> "profundizar")
                if let Some(lemma) = candidates.iter().take(2).flat_map(|l| crate::lexicon::verb_spelling_variants(l)).find(known) {
                    return lemma;
                }
            }
        }
        // An adjective the rule layer names, whose script kept the form's gender or number.
        if upos == "ADJ" {
            let words = &crate::lexicon::lexicon().dictionary_words;
            let top = candidates.first().map_or(lower.clone(), |l| l.to_lowercase());
            if !words.contains(&top) {
                if let Some(lemma) = crate::lexicon::adjective_lemma_variants(&top).into_iter().find(|l| words.contains(l)) {
                    return lemma;
                }
            }
        }
        candidates.into_iter().next().unwrap_or_else(|| form.to_string())
    }

    /// The lemma that edit script `script` makes of `form` (the form itself when the script
    /// does not apply).
    pub fn lemma(&self, form: &str, script: i64) -> String {
        usize::try_from(script)
            .ok()
            .and_then(|i| self.spec.lemma_scripts.get(i))
            .and_then(|s| crate::syntax::lemma_script::apply_script(form, s))
            .unwrap_or_else(|| form.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spelling_rules_out_verb_forms_it_cannot_have() {
        let fin = "Mood=Ind|Number=Sing|Person=3|Tense=Pres|VerbForm=Fin";
        assert!(!spelling_allows("respalda", "VerbForm=Inf"));
        assert!(spelling_allows("respalda", fin));
        assert!(spelling_allows("respaldar", "VerbForm=Inf"));
        assert!(!spelling_allows("respaldar", fin));
        assert!(spelling_allows("diciendo", "VerbForm=Ger"));
        assert!(!spelling_allows("dice", "VerbForm=Ger"));
        assert!(spelling_allows("dicho", "Gender=Masc|Number=Sing|VerbForm=Part"));
        assert!(spelling_allows("impuestas", "Gender=Fem|Number=Plur|VerbForm=Part"));
        assert!(!spelling_allows("impone", "Gender=Masc|Number=Sing|VerbForm=Part"));
        assert!(spelling_allows("casa", "Gender=Fem|Number=Sing"));
    }

    fn spec(treebanks: &[&str]) -> SyntaxSpec {
        let labels = |n: usize| (0..n).map(|i| format!("l{i}")).collect::<Vec<_>>();
        SyntaxSpec {
            upos: labels(3),
            feats: labels(2),
            lemma_scripts: labels(2),
            deprels: vec!["root".into(), "nsubj".into(), "obj".into()],
            parts: Vec::new(),
            hidden_states: 2,
            hidden: 4,
            tag_dim: 6,
            arc_dim: 5,
            rel_dim: 4,
            affix_buckets: 16,
            affix_dim: 3,
            word_layers: 1,
            word_dim: 4,
            max_distance: 3,
            whole_word_forms: BTreeMap::new(),
            known_lemmas: BTreeMap::new(),
            treebanks: treebanks.iter().map(|t| t.to_string()).collect(),
            default_style: treebanks.last().map(|t| t.to_string()).unwrap_or_default(),
        }
    }

    fn tags_in_style(heads: &SyntaxHeads, x: &Tensor) -> Tensor {
        let (b, n) = (1, x.size()[1]);
        let parts = Tensor::zeros([b, n], (Kind::Int64, Device::Cpu));
        let affixes = Tensor::zeros([b, n, AFFIXES as i64], (Kind::Int64, Device::Cpu));
        let mask = Tensor::ones([b, n], (Kind::Int64, Device::Cpu));
        heads.scores(x, &parts, &affixes, &mask, None, 0.0).upos
    }

    #[test]
    fn heads_of_two_treebanks_write_in_the_style_asked_for() {
        tch::manual_seed(7);
        let heads = SyntaxHeads::new(spec(&["gsd", "pud"]), Device::Cpu);
        assert_eq!(heads.style(), Some("pud"), "the spec's default style");
        if let Some(table) = &heads.treebank {
            let _guard = tch::no_grad_guard();
            let _ = table.shallow_clone().copy_(&Tensor::randn([2, heads.spec.word_input() as i64], (Kind::Float, Device::Cpu)));
        }
        let x = Tensor::randn([1, 4, heads.spec.word_input() as i64], (Kind::Float, Device::Cpu));
        let _guard = tch::no_grad_guard();
        let pud = tags_in_style(&heads, &x);
        assert!(heads.set_style("gsd"));
        assert_eq!(heads.style(), Some("gsd"));
        let gsd = tags_in_style(&heads, &x);
        assert!(f64::try_from((&pud - &gsd).abs().max()).unwrap_or(0.0) > 1e-4, "each treebank's vector changes the scores");
        assert!(!heads.set_style("ancora"), "an unknown treebank is refused");
        assert_eq!(heads.style(), Some("gsd"), "and changes nothing");
        assert!(heads.set_style("pud"));
        assert!(f64::try_from((&pud - tags_in_style(&heads, &x)).abs().max()).unwrap_or(1.0) < 1e-6, "back to the same scores");
    }

    #[test]
    fn heads_of_one_treebank_have_no_style() {
        let heads = SyntaxHeads::new(spec(&[]), Device::Cpu);
        assert_eq!(heads.style(), None);
        assert!(!heads.set_style("gsd"));
        assert!(heads.vs.variables().keys().all(|k| k != "treebank"), "no treebank table to save or load");
    }
}
