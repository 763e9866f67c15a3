//! What the syntax trainers share: treebank sentences as training examples, batches, the
//! loss, prediction for scoring, a seeded shuffle and a resumable Adam.
#![allow(dead_code)]
use std::collections::HashMap;
use std::path::Path;

use portavoz::ner::syntax_heads::{affix_ids, SyntaxHeads, SyntaxSpec, WordSyntax};
use portavoz::syntax::treebank::tokens_of;
use portavoz::syntax::{conllu, lemma_script};
use tch::{Reduction, Tensor};

pub use portavoz::ner::syntax_heads::AFFIXES;

/// Deterministic shuffling (xorshift64*), so a resumed run sees the same batch order.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// A treebank sentence with its frozen encoder states and gold class ids (-100: not learned).
pub struct Example {
    pub sentence: conllu::Sentence,
    /// `words × (states * hidden)` floats: each syntactic word gets its token's states.
    pub states: Vec<f32>,
    pub parts: Vec<i64>,
    /// `words × AFFIXES` spelling feature ids.
    pub affixes: Vec<i64>,
    pub upos: Vec<i64>,
    pub feats: Vec<i64>,
    pub lemma: Vec<i64>,
    pub heads: Vec<i64>,
    pub rels: Vec<i64>,
    /// Index into `SyntaxSpec::treebanks` of the treebank the sentence comes from.
    pub treebank: i64,
}

pub fn read_treebank(path: &Path) -> portavoz::Result<Vec<conllu::Sentence>> {
    let text = std::fs::read_to_string(path).map_err(|e| portavoz::Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    conllu::read(&text).map_err(|e| portavoz::Error::Parse {
        path: path.display().to_string(),
        line: 0,
        reason: e.to_string(),
    })
}

/// Classes in order of frequency (ties by name), so ids are stable across runs.
pub fn inventory<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    items.for_each(|i| *counts.entry(i).or_default() += 1);
    let mut list: Vec<(&str, usize)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    list.into_iter().map(|(s, _)| s.to_string()).collect()
}

pub fn ids(list: &[String]) -> HashMap<&str, i64> {
    list.iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i as i64))
        .collect()
}

pub fn feats_or_none(f: &str) -> &str {
    if f.is_empty() {
        "_"
    } else {
        f
    }
}

pub struct Adam {
    params: Vec<(String, Tensor)>,
    m: Vec<Tensor>,
    v: Vec<Tensor>,
    t: i64,
}

impl Adam {
    pub fn new(heads: &SyntaxHeads) -> Self {
        Self::over(heads.vs.variables().into_iter().collect())
    }
    /// Adam over named parameters (names must be unique: they key the saved moments).
    pub fn over(mut params: Vec<(String, Tensor)>) -> Self {
        params.sort_by(|a, b| a.0.cmp(&b.0));
        let m = params.iter().map(|(_, p)| p.zeros_like()).collect();
        let v = params.iter().map(|(_, p)| p.zeros_like()).collect();
        Adam { params, m, v, t: 0 }
    }
    pub fn step(&mut self, lr: f64) {
        self.step_by(|_| lr)
    }
    /// One step with a learning rate per parameter name.
    pub fn step_by(&mut self, lr_of: impl Fn(&str) -> f64) {
        let _guard = tch::no_grad_guard();
        self.t += 1;
        let (b1, b2, eps) = (0.9f64, 0.9f64, 1e-8);
        let (c1, c2) = (1.0 - b1.powi(self.t as i32), 1.0 - b2.powi(self.t as i32));
        for ((name, p), (m, v)) in self
            .params
            .iter_mut()
            .zip(self.m.iter_mut().zip(self.v.iter_mut()))
        {
            let g = p.grad();
            if !g.defined() {
                continue;
            }
            let lr = lr_of(name);
            m.copy_(&(&*m * b1 + &g * (1.0 - b1)));
            v.copy_(&(&*v * b2 + &g * &g * (1.0 - b2)));
            let update = (&*m / c1) / ((&*v / c2).sqrt() + eps) * lr;
            let _ = p.g_sub_(&update);
            let _ = p.grad().zero_();
        }
    }
    pub fn save(&self, path: &Path) -> Result<(), tch::TchError> {
        let mut named: Vec<(String, Tensor)> = Vec::new();
        for ((name, _), (m, v)) in self.params.iter().zip(self.m.iter().zip(&self.v)) {
            named.push((format!("m.{name}"), m.shallow_clone()));
            named.push((format!("v.{name}"), v.shallow_clone()));
        }
        named.push(("t".into(), Tensor::from_slice(&[self.t])));
        Tensor::write_safetensors(&named, path)
    }
    pub fn load(&mut self, path: &Path) -> Result<(), tch::TchError> {
        let stored: HashMap<String, Tensor> = Tensor::read_safetensors(path)?.into_iter().collect();
        let _guard = tch::no_grad_guard();
        for ((name, _), (m, v)) in self
            .params
            .iter()
            .zip(self.m.iter_mut().zip(self.v.iter_mut()))
        {
            if let (Some(sm), Some(sv)) = (
                stored.get(&format!("m.{name}")),
                stored.get(&format!("v.{name}")),
            ) {
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

pub struct Batch {
    pub states: Tensor,
    /// `[batch]` treebank of each sentence.
    pub styles: Tensor,
    pub parts: Tensor,
    pub affixes: Tensor,
    pub mask: Tensor,
    pub upos: Tensor,
    pub feats: Tensor,
    pub lemma: Tensor,
    pub heads: Tensor,
    pub rels: Tensor,
}

pub fn make_batch(examples: &[&Example], dim: usize) -> Batch {
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
        styles: Tensor::from_slice(&examples.iter().map(|e| e.treebank).collect::<Vec<_>>()),
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

pub fn loss(heads: &SyntaxHeads, batch: &Batch, dropout: f64) -> Tensor {
    let x = heads.mix_states(&batch.states);
    let scores = heads.scores(
        &x,
        &batch.parts,
        &batch.affixes,
        &batch.mask,
        Some(&batch.styles),
        dropout,
    );
    let ce = |logits: &Tensor, target: &Tensor| {
        let c = *logits.size().last().unwrap_or(&1);
        logits.view([-1, c]).cross_entropy_loss::<Tensor>(
            &target.view([-1]),
            None,
            Reduction::Mean,
            -100,
            0.0,
        )
    };
    let gold_heads = batch.heads.clamp_min(0);
    let rels = heads.relation_scores(&scores, &gold_heads);
    ce(&scores.upos, &batch.upos)
        + ce(&scores.feats, &batch.feats)
        + ce(&scores.lemma, &batch.lemma)
        + ce(&scores.arcs, &batch.heads)
        + ce(&rels, &batch.rels)
}

/// Predicted sentences (the gold sentence with the system's columns) for scoring.
pub fn predict(heads: &SyntaxHeads, examples: &[Example], dim: usize) -> Vec<conllu::Sentence> {
    let _guard = tch::no_grad_guard();
    examples
        .iter()
        .map(|e| {
            let n = e.heads.len() as i64;
            let states = Tensor::from_slice(&e.states).view([1, n, dim as i64]);
            let x = heads.mix_states(&states).squeeze_dim(0);
            let forms: Vec<&str> = e.sentence.words.iter().map(|w| w.form.as_str()).collect();
            if let Some(name) = heads.spec.treebanks.get(e.treebank as usize) {
                heads.set_style(name);
            }
            with_analysis(&e.sentence, heads.predict(&x, &e.parts, &forms))
        })
        .collect()
}

/// `sentence` with the system's columns (one analysis per word, in order) for scoring.
pub fn with_analysis(sentence: &conllu::Sentence, analysis: Vec<WordSyntax>) -> conllu::Sentence {
    let mut s = sentence.clone();
    for (w, a) in s.words.iter_mut().zip(analysis) {
        w.upos = a.upos;
        w.feats = if a.feats == "_" {
            String::new()
        } else {
            a.feats
        };
        w.lemma = a.lemma;
        w.head = a.head;
        w.deprel = a.deprel;
    }
    s
}

/// The training example of a treebank sentence: gold class ids under `spec` (-100 where a
/// class is unknown to it), part ids and spelling features; `token_states` holds each
/// orthographic token's `dim` floats (empty when the states come from a live encoder).
pub fn example_for(
    sentence: conllu::Sentence,
    spec: &SyntaxSpec,
    token_states: &[f32],
    dim: usize,
) -> Example {
    let (upos, feats, lemma, rels) = (
        ids(&spec.upos),
        ids(&spec.feats),
        ids(&spec.lemma_scripts),
        ids(&spec.deprels),
    );
    let known: HashMap<&str, i64> = spec
        .parts
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_str(), i as i64 + 2))
        .collect();
    let (_, words) = tokens_of(&sentence);
    let id = |map: &HashMap<&str, i64>, k: &str| map.get(k).copied().unwrap_or(-100);
    let mut states = Vec::with_capacity(if token_states.is_empty() {
        0
    } else {
        words.len() * dim
    });
    if !token_states.is_empty() {
        for &(t, _) in &words {
            states.extend_from_slice(token_states.get(t * dim..(t + 1) * dim).unwrap_or(&[]));
        }
    }
    Example {
        parts: sentence
            .words
            .iter()
            .zip(&words)
            .map(|(w, &(_, part))| {
                if part == 0 {
                    0
                } else {
                    known
                        .get(w.form.to_lowercase().as_str())
                        .copied()
                        .unwrap_or(1)
                }
            })
            .collect(),
        affixes: sentence
            .words
            .iter()
            .flat_map(|w| affix_ids(&w.form, spec.affix_buckets))
            .collect(),
        upos: sentence.words.iter().map(|w| id(&upos, &w.upos)).collect(),
        feats: sentence
            .words
            .iter()
            .map(|w| id(&feats, feats_or_none(&w.feats)))
            .collect(),
        lemma: sentence
            .words
            .iter()
            .map(|w| id(&lemma, &lemma_script::script_for(&w.form, &w.lemma)))
            .collect(),
        heads: sentence.words.iter().map(|w| w.head as i64).collect(),
        rels: sentence
            .words
            .iter()
            .map(|w| id(&rels, &w.deprel))
            .collect(),
        treebank: sentence
            .comment_value("treebank")
            .and_then(|t| spec.treebanks.iter().position(|n| n == t))
            .unwrap_or(0) as i64,
        states,
        sentence,
    }
}

/// The treebanks: GSD dev + PUD test for training with every tenth sentence held out, and
/// GSD test for the report.
pub fn treebanks(
    ud: &Path,
) -> portavoz::Result<(
    Vec<conllu::Sentence>,
    Vec<conllu::Sentence>,
    Vec<conllu::Sentence>,
)> {
    let mut train: Vec<conllu::Sentence> = Vec::new();
    for (name, treebank) in [("es_gsd-ud-dev.conllu", "gsd"), ("es_pud-ud-test.conllu", "pud")] {
        train.extend(tagged(read_treebank(&ud.join(name))?, treebank));
    }
    let test = tagged(read_treebank(&ud.join("es_gsd-ud-test.conllu"))?, "gsd");
    let (mut fit, mut held_out) = (Vec::new(), Vec::new());
    for (i, s) in train.into_iter().enumerate() {
        if i % 10 == 9 {
            held_out.push(s)
        } else {
            fit.push(s)
        }
    }
    Ok((fit, held_out, test))
}

/// The treebanks the heads learn from, in the order of `SyntaxSpec::treebanks`.
pub const TREEBANKS: [&str; 2] = ["gsd", "pud"];

/// `sentences` with a `treebank = NAME` comment (kept in memory only), read by [`example_for`].
fn tagged(mut sentences: Vec<conllu::Sentence>, treebank: &str) -> Vec<conllu::Sentence> {
    for s in &mut sentences {
        s.comments.push(format!("treebank = {treebank}"));
    }
    sentences
}

/// The lowercased lemmas of `sentences` by part of speech, sorted, once each, for the parts of
/// speech in `classes` (AUX counted as VERB; for VERB only infinitives): `SyntaxSpec::known_lemmas`.
/// A verb lemma whose stem-vowel variant is also there and more frequent is a treebank slip and
/// stays out ("advirtir" once beside "advertir").
pub fn known_lemmas(
    sentences: &[conllu::Sentence],
    classes: &[&str],
) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut counts: std::collections::BTreeMap<String, std::collections::BTreeMap<String, usize>> =
        std::collections::BTreeMap::new();
    for w in sentences.iter().flat_map(|s| s.words.iter()) {
        let class = if w.upos == "AUX" {
            "VERB"
        } else {
            w.upos.as_str()
        };
        let lemma = w.lemma.to_lowercase();
        // a verb's lemma is an infinitive: the treebank's few slips ("aprueba") stay out
        let infinitive = ["ar", "er", "ir", "ír"].iter().any(|e| lemma.ends_with(e));
        if classes.contains(&class)
            && !lemma.is_empty()
            && lemma != "_"
            && (class != "VERB" || infinitive)
        {
            *counts
                .entry(class.to_string())
                .or_default()
                .entry(lemma)
                .or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|(class, lemmas)| {
            let slip = |l: &str, n: usize| {
                class == "VERB"
                    && portavoz::lexicon::verb_lemma_variants(l)
                        .iter()
                        .any(|v| lemmas.get(v).map_or(false, |&m| m > n))
            };
            let list: Vec<String> = lemmas
                .iter()
                .filter(|(l, &n)| !slip(l, n))
                .map(|(l, _)| l.clone())
                .collect();
            (class, list)
        })
        .collect()
}
