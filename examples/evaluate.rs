//! Entity-level precision, recall and F1 (exact span and type, conlleval-style) of a NER
//! model folder, overall and per label, on AnCora-es test and CoNLL-2002 Spanish testb
//! (read from ../shared/data; CoNLL-2002 is for evaluation only, never for training).
//!
//! Side by side, three columns:
//! - `model`: the model alone on the gold words and sentences;
//! - `model*`: the model's entities as the pipeline finds them, before the rule layer (each
//!   sentence one record, its words joined by spaces, our own segmentation and words);
//! - `pipeline`: the same after the rule layer (`portavoz annotate`). A STATE span counts as
//!   the gold label of that exact span when it is LOC or ORG (STATE is our finer label for what
//!   these corpora tag either way), else as LOC.
//! So a rule that costs F1 shows as `pipeline` < `model*`.
//!
//!     cargo run --release --example evaluate -- [--model models/portavoz-ner-es] [--argmax] [--precision auto|fp32|bf16|int8] [--forward fused|rust-bert] [--cache DIR] [--no-syntax]
use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use portavoz::corpus::{read_conll, EntityScores};
use portavoz::corpus::{Counts, TaggedSentence};
use portavoz::ner::bio;
use portavoz::ner::{Forward, InferenceOptions, NerModel, Precision};
use portavoz::syntax::treebank::tokens_of;
use portavoz::syntax::{conllu, score};
use portavoz::{Document, Label, Pipeline, PipelineConfig};

#[path = "common/syntax_data.rs"]
mod syntax_data;
use syntax_data::with_analysis;
#[path = "common/replay.rs"]
mod replay;

#[derive(Parser, Debug)]
struct Args {
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/models/portavoz-ner-es"))]
    model: PathBuf,
    /// Test files as NAME=PATH (default: AnCora test and CoNLL-2002 testb).
    #[arg(long = "set")]
    sets: Vec<String>,
    /// Per-word argmax instead of BIO-constrained decoding.
    #[arg(long)]
    argmax: bool,
    #[arg(long, default_value_t = 32)]
    batch: usize,
    #[arg(long, default_value_t = 128)]
    max_len: usize,
    #[arg(long, default_value_t = 2)]
    threads: i32,
    /// Number format of the weights and activations: auto, fp32, bf16 or int8.
    #[arg(long, default_value_t = Precision::default())]
    precision: Precision,
    /// Forward-pass implementation: fused or rust-bert.
    #[arg(long, default_value = "fused")]
    forward: Forward,
    /// UD Spanish folder (GSD test scores the syntax heads).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/ud-spanish"))]
    ud: PathBuf,
    /// Keep the model's output in this folder (written on the first run, read while the
    /// sentences are the same), so that a change to the rules is measured without a model pass.
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Skip the syntax scores.
    #[arg(long)]
    no_syntax: bool,
}

fn main() {
    let args = Args::parse();
    tch::set_num_threads(args.threads);
    let sets: Vec<(String, PathBuf)> = if args.sets.is_empty() {
        vec![
            (
                "ancora-test".into(),
                PathBuf::from(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../shared/data/ancora-es-ner/test.tsv"
                )),
            ),
            (
                "conll2002-testb".into(),
                PathBuf::from(concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../shared/data/conll2002-es/esp.testb"
                )),
            ),
        ]
    } else {
        args.sets
            .iter()
            .map(|s| {
                s.split_once('=')
                    .map(|(n, p)| (n.to_string(), PathBuf::from(p)))
                    .unwrap_or((s.clone(), PathBuf::from(s)))
            })
            .collect()
    };
    let options = InferenceOptions {
        batch_size: args.batch,
        max_len: args.max_len,
        constrained: !args.argmax,
        precision: args.precision,
        forward: args.forward,
        ..Default::default()
    };
    let t = Instant::now();
    let model = match NerModel::load_on(&args.model, tch::Device::Cpu, options) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "model {} loaded in {:.2}s; precision: {} ({}); forward: {:?}; decoding: {}",
        args.model.display(),
        t.elapsed().as_secs_f64(),
        args.precision,
        model.tagger.precision(),
        args.forward,
        if args.argmax {
            "argmax"
        } else {
            "BIO-constrained"
        }
    );
    let mut failed = false;
    if let Some(dir) = &args.cache {
        let _ = std::fs::create_dir_all(dir);
    }
    let mut pipeline: Option<Pipeline> = None;
    for (name, path) in sets {
        let sentences = match read_conll(&path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{name}: {e}");
                failed = true;
                continue;
            }
        };
        let words: Vec<Vec<&str>> = sentences
            .iter()
            .map(|s| s.words.iter().map(String::as_str).collect())
            .collect();
        let n_words: usize = words.iter().map(Vec::len).sum();
        let cached_tags = args
            .cache
            .as_ref()
            .map(|d| d.join(format!("{name}.model-tags.json")));
        let kept: Option<Vec<Vec<String>>> = cached_tags
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|s| serde_json::from_str(&s).ok())
            .filter(|k: &Vec<Vec<String>>| {
                k.len() == words.len() && k.iter().zip(&words).all(|(a, b)| a.len() == b.len())
            });
        let model_tags: Vec<Vec<String>> = match kept {
            Some(k) => k,
            None => {
                let t = Instant::now();
                let tagged = match model.tag_words(&words) {
                    Ok(t) => t,
                    Err(e) => {
                        eprintln!("{name}: {e}");
                        failed = true;
                        continue;
                    }
                };
                let secs = t.elapsed().as_secs_f64();
                println!(
                    "\n{name}: {} sentences, {n_words} words, tagged in {secs:.1}s ({:.0} words/s)",
                    sentences.len(),
                    n_words as f64 / secs
                );
                let labels = model.tagger.labels();
                let tags: Vec<Vec<String>> = tagged
                    .iter()
                    .map(|ts| ts.iter().map(|t| labels[t.label].clone()).collect())
                    .collect();
                if let Some(p) = &cached_tags {
                    let _ = std::fs::write(p, serde_json::to_string(&tags).unwrap_or_default());
                }
                tags
            }
        };
        let (mut alone, mut alone_aligned) = (EntityScores::default(), EntityScores::default());
        for (s, tags) in sentences.iter().zip(&model_tags) {
            let predicted = spans_of(&s.words, tags);
            score_spans(&mut alone, s, &predicted, false);
            score_spans(&mut alone_aligned, s, &predicted, true);
        }

        // The same sentences through the pipeline: one record per sentence, words joined by spaces.
        let docs: Vec<Document> = sentences
            .iter()
            .enumerate()
            .map(|(k, s)| Document::new(format!("{name}-{k}"), s.words.join(" ")))
            .collect();
        let cache_file = args
            .cache
            .as_ref()
            .map(|d| d.join(format!("{name}.parsed.jsonl")));
        let parsed = replay::parsed(cache_file.as_deref(), &docs, || {
            if pipeline.is_none() {
                let config = PipelineConfig::default()
                    .model_dir(&args.model)
                    .precision(args.precision)
                    .forward(args.forward)
                    .tokens(true);
                pipeline = Some(Pipeline::new(config)?);
            }
            Ok(pipeline
                .as_ref()
                .map(|p| p.annotate_batch(&docs))
                .transpose()?
                .unwrap_or_default())
        });
        let parsed = match parsed {
            Ok(p) => p,
            Err(e) => {
                eprintln!("{name}: {e}");
                failed = true;
                continue;
            }
        };
        let (mut before, mut after) = (EntityScores::default(), EntityScores::default());
        let (mut before_aligned, mut after_aligned) =
            (EntityScores::default(), EntityScores::default());
        let mut changes = String::new();
        for (s, a) in sentences.iter().zip(&parsed) {
            let doc = replay::doc_of(a);
            let refined = portavoz::attribution::annotate(&a.id, &doc);
            let (model_spans, pipeline_spans) =
                (entity_spans(&doc.entities), entity_spans(&refined.entities));
            score_spans(&mut before, s, &model_spans, false);
            score_spans(&mut after, s, &pipeline_spans, false);
            score_spans(&mut before_aligned, s, &model_spans, true);
            score_spans(&mut after_aligned, s, &pipeline_spans, true);
            if args.cache.is_some() {
                let spans = |es: &[portavoz::Entity]| {
                    es.iter()
                        .map(|e| (e.start, e.end, e.label.as_str().to_string(), e.text.clone()))
                        .collect::<Vec<_>>()
                };
                let line = serde_json::json!({"text": a.text, "gold": gold_spans(s), "model": spans(&doc.entities), "pipeline": spans(&refined.entities)});
                changes.push_str(&line.to_string());
                changes.push('\n');
            }
        }
        if let Some(dir) = &args.cache {
            let _ = std::fs::write(dir.join(format!("{name}.spans.jsonl")), changes);
        }
        println!(
            "\n== {name}: {} sentences, {n_words} words",
            sentences.len()
        );
        print_side_by_side(&[("model", &alone), ("model*", &before), ("pipeline", &after)]);
        println!(
            "{name} F1 model {:.2}  model* {:.2}  pipeline {:.2}",
            100.0 * alone.overall.f1(),
            100.0 * before.overall.f1(),
            100.0 * after.overall.f1()
        );
        println!("\n-- {name}, GUIDELINES.md convention: a capitalized generic noun alone (\"el Gobierno\", \"el Estado\": generic_orgs.tsv), a title alone (\"los Reyes\") and a title's portfolio (\"ministro de Interior\") are no names; those gold spans, and predictions on them, are left out in every column");
        print_side_by_side(&[
            ("model", &alone_aligned),
            ("model*", &before_aligned),
            ("pipeline", &after_aligned),
        ]);
        println!(
            "{name} F1 (guidelines convention) model {:.2}  model* {:.2}  pipeline {:.2}",
            100.0 * alone_aligned.overall.f1(),
            100.0 * before_aligned.overall.f1(),
            100.0 * after_aligned.overall.f1()
        );
    }
    if args.no_syntax {
        if failed {
            std::process::exit(1);
        }
        return;
    }
    if let Err(e) = evaluate_syntax(&model, &args.model, args.precision, &args.ud) {
        eprintln!("syntax: {e}");
        failed = true;
    }
    if failed {
        std::process::exit(1);
    }
}

/// UPOS, UFeats, lemma, UAS and LAS (CoNLL 2018 definitions) on UD Spanish GSD test, never
/// trained on: with the treebank's own tokens and words (gold tokenization), and from the raw
/// sentence texts through the whole pipeline (our segmentation, words and multiword split;
/// words aligned by character span as the CoNLL 2018 evaluation does).
fn evaluate_syntax(
    model: &NerModel,
    model_dir: &std::path::Path,
    precision: Precision,
    ud: &std::path::Path,
) -> Result<(), String> {
    let Some(heads) = &model.syntax else {
        println!("\n== syntax: the model has no syntax heads");
        return Ok(());
    };
    let path = ud.join("es_gsd-ud-test.conllu");
    let gold = conllu::read(
        &std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?,
    )
    .map_err(|e| e.to_string())?;
    // Heads that learned several treebanks are scored in GSD's conventions (the test set's),
    // and in the model's default style when that is another.
    let default_style = heads.style().map(str::to_string);
    let mut styles: Vec<Option<String>> = Vec::new();
    if heads.spec.treebanks.iter().any(|t| t == "gsd") {
        styles.push(Some("gsd".into()));
    }
    if styles.is_empty() || default_style.as_deref() != Some("gsd") {
        styles.push(default_style.clone());
    }
    let t = Instant::now();
    let plans: Vec<(Vec<String>, Vec<(usize, usize)>)> = gold.iter().map(tokens_of).collect();
    let tokens: Vec<Vec<String>> = plans.iter().map(|p| p.0.clone()).collect();
    let outputs = model.word_states(&tokens).map_err(|e| e.to_string())?;
    let style_name = |style: &Option<String>| match style {
        Some(name) if Some(name) == default_style.as_ref() => format!("{name} style, the default"),
        Some(name) => format!("{name} style"),
        None => "one style".to_string(),
    };
    for style in &styles {
        if let Some(name) = style {
            heads.set_style(name);
        }
        let system: Vec<conllu::Sentence> = gold
            .iter()
            .zip(&plans)
            .zip(&outputs.hidden)
            .map(|((sentence, (_, words)), states)| {
                let given: Vec<(usize, String)> = words
                    .iter()
                    .zip(&sentence.words)
                    .map(|(&(t, _), w)| (t, w.form.clone()))
                    .collect();
                with_analysis(
                    sentence,
                    heads.analyze_given_words(&given, states, outputs.hidden_dim),
                )
            })
            .collect();
        let s = score::evaluate_gold_tokens(&gold, &system)?;
        println!(
            "\n== ud-gsd-test: {} sentences, {} words, parsed in {:.1}s ({})",
            gold.len(),
            s.words_gold,
            t.elapsed().as_secs_f64(),
            style_name(style)
        );
        println!(
            "gold tokenization:  UPOS {:.2}  UFeats {:.2}  Lemma {:.2}  UAS {:.2}  LAS {:.2}",
            s.upos, s.ufeats, s.lemma, s.uas, s.las
        );
    }
    if let Some(name) = &default_style {
        heads.set_style(name);
    }

    // Raw text: each sentence's text as one document through the pipeline, as users run it.
    for style in &styles {
        let mut config = PipelineConfig::default()
            .model_dir(model_dir)
            .precision(precision)
            .tokens(true);
        if let Some(name) = style {
            config = config.syntax_style(name.clone());
        }
        let pipeline = Pipeline::new(config).map_err(|e| e.to_string())?;
        let docs: Vec<Document> = gold
            .iter()
            .enumerate()
            .map(|(k, s)| Document::new(k.to_string(), s.text().unwrap_or_default()))
            .collect();
        let annotations = pipeline.annotate_batch(&docs).map_err(|e| e.to_string())?;
        // Words are aligned over the whole text, so where our segmenter cuts a treebank sentence
        // in two changes nothing.
        let system: Vec<conllu::Sentence> = annotations
            .iter()
            .flat_map(portavoz::syntax::export::sentences)
            .collect();
        let s = score::evaluate(&gold, &system)?;
        println!(
            "raw text ({}): UPOS {:.2}  UFeats {:.2}  Lemma {:.2}  UAS {:.2}  LAS {:.2}  (words F1 {:.2}, tokens F1 {:.2})",
            style_name(style), s.upos, s.ufeats, s.lemma, s.uas, s.las, s.words, s.tokens
        );
    }
    Ok(())
}

/// Code point spans of the gold entities of a sentence whose words are joined by spaces.
fn gold_spans(s: &TaggedSentence) -> Vec<(usize, usize, String)> {
    let mut starts = Vec::with_capacity(s.words.len());
    let mut at = 0;
    for w in &s.words {
        let n = w.chars().count();
        starts.push((at, at + n));
        at += n + 1;
    }
    bio::decode(&s.tags)
        .into_iter()
        .map(|sp| (starts[sp.start].0, starts[sp.end - 1].1, sp.label))
        .collect()
}

/// Code point spans of the entities the tags of `words` give, in their space-joined text.
fn spans_of(words: &[String], tags: &[String]) -> Vec<(usize, usize, Label)> {
    gold_spans(&TaggedSentence {
        words: words.to_vec(),
        tags: tags.to_vec(),
    })
    .into_iter()
    .filter_map(|(a, b, l)| Some((a, b, Label::parse(&l)?)))
    .collect()
}

fn entity_spans(entities: &[portavoz::Entity]) -> Vec<(usize, usize, Label)> {
    entities.iter().map(|e| (e.start, e.end, e.label)).collect()
}

/// Whether GUIDELINES.md counts the gold span `words` as no name while the corpus does: a
/// capitalized generic noun alone ("Gobierno", "Estado"), or the plural of one; a title alone
/// ("el Rey", "los Reyes", "el Presidente"); a title's portfolio ("ministro de Interior").
/// `before` is the sentence's text before the span.
fn convention_excluded(words: &str, before: &str) -> bool {
    let lex = portavoz::lexicon::lexicon();
    let lower: Vec<String> = portavoz::lexicon::phrase_words(words);
    let title_alone = lex.titles.iter().any(|t| t.words == lower);
    let prev: Vec<String> = before
        .split_whitespace()
        .rev()
        .take(2)
        .map(str::to_lowercase)
        .collect();
    let portfolio = words
        .split_whitespace()
        .next()
        .map_or(false, |w| lex.portfolios.contains(w))
        && prev.len() == 2
        && matches!(prev[0].as_str(), "de" | "del")
        && lex
            .titles
            .iter()
            .any(|t| t.words.len() == 1 && t.words[0] == prev[1]);
    lex.generic_orgs.contains(words)
        || (!words.contains(' ') && lex.generic_plurals.contains(&words.to_lowercase()))
        || title_alone
        || portfolio
}

/// Adds a sentence's predicted entities (code point spans in its space-joined text) to `scores`.
/// STATE counts as the gold label of the same span when that is LOC or ORG, else as LOC. With
/// `aligned`, gold spans of [`convention_excluded`] words, and predictions on them, are left out.
fn score_spans(
    scores: &mut EntityScores,
    s: &TaggedSentence,
    predicted: &[(usize, usize, Label)],
    aligned: bool,
) {
    let text = s.words.join(" ");
    let chars: Vec<char> = text.chars().collect();
    let slice = |a: usize, b: usize| {
        chars[a.min(chars.len())..b.min(chars.len())]
            .iter()
            .collect::<String>()
    };
    let mut gold = gold_spans(s);
    let mut left_out = Vec::new();
    if aligned {
        gold.retain(|g| {
            let out = convention_excluded(&slice(g.0, g.1), &slice(0, g.0));
            if out {
                left_out.push((g.0, g.1));
            }
            !out
        });
    }
    for g in &gold {
        scores.overall.gold += 1;
        scores.per_type.entry(g.2.clone()).or_default().gold += 1;
    }
    for &(start, end, plabel) in predicted {
        if left_out.contains(&(start, end)) {
            continue;
        }
        let same = gold.iter().find(|g| g.0 == start && g.1 == end);
        let label = match plabel {
            Label::State => match same {
                Some(g) if g.2 == "LOC" || g.2 == "ORG" => g.2.clone(),
                _ => "LOC".to_string(),
            },
            l => l.as_str().to_string(),
        };
        scores.overall.predicted += 1;
        let c = scores.per_type.entry(label.clone()).or_default();
        c.predicted += 1;
        if same.map_or(false, |g| g.2 == label) {
            c.correct += 1;
            scores.overall.correct += 1;
        }
    }
}

/// One row per label, P/R/F1 of each column side by side, then the F1 change the rules make.
fn print_side_by_side(columns: &[(&str, &EntityScores)]) {
    let mut labels: Vec<String> = columns
        .iter()
        .flat_map(|(_, s)| s.per_type.keys().cloned())
        .collect();
    labels.sort();
    labels.dedup();
    print!("{:<8}", "label");
    for (name, _) in columns {
        print!(" | {:^22}", name);
    }
    println!(" | {:>6}", "rules");
    print!("{:<8}", "");
    for _ in columns {
        print!(" | {:>6} {:>6} {:>6} ", "P", "R", "F1");
    }
    println!(" | {:>6}", "ΔF1");
    let row = |name: &str, counts: Vec<Counts>| {
        print!("{:<8}", name);
        for c in &counts {
            print!(
                " | {:>6.2} {:>6.2} {:>6.2} ",
                100.0 * c.precision(),
                100.0 * c.recall(),
                100.0 * c.f1()
            );
        }
        let n = counts.len();
        println!(
            " | {:>+6.2}",
            100.0 * (counts[n - 1].f1() - counts[n - 2].f1())
        );
    };
    for l in &labels {
        row(
            l,
            columns
                .iter()
                .map(|(_, s)| s.per_type.get(l).copied().unwrap_or_default())
                .collect(),
        );
    }
    row("overall", columns.iter().map(|(_, s)| s.overall).collect());
}
