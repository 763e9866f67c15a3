//! Scores portavoz on the gold readouts and lists its errors document by document.
//!
//!     cargo run --release --example evaluate_readouts -- [--gold-entities] [GOLD.jsonl] [--out PRED.jsonl] [--parsed PARSE.jsonl]
//!
//! `--parsed PARSE.jsonl` keeps the model's parse of the documents in that file (written on the
//! first run, read on the next ones while the documents are the same), so that a change to the
//! rules is measured again without the model pass.
//!
//! `--gold-entities` feeds each document's gold entities (STATE relabelled LOC, as the model
//! would label them) into the rule layer, so claims and stances are measured without the model.
//! Without it the full pipeline (NER model included) runs.
use std::collections::HashSet;
use std::io::Write;
use std::process::Command;

use portavoz::attribution::annotate_from_entities;
use portavoz::text::OffsetMap;
use portavoz::{Annotation, Entity, Label};
use serde_json::Value;

#[path = "common/replay.rs"]
mod replay;

const DEFAULT_GOLD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/eval/readouts-dev.jsonl"
);
const SCORER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/eval/score.py");

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut gold_entities = false;
    let mut gold_path = DEFAULT_GOLD.to_string();
    let mut out_path = "target/readouts-pred.jsonl".to_string();
    let mut parsed_path: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--gold-entities" => gold_entities = true,
            "--out" => out_path = args.next().ok_or("--out needs a path")?,
            "--parsed" => parsed_path = Some(args.next().ok_or("--parsed needs a path")?),
            "-h" | "--help" => {
                println!("usage: evaluate_readouts [--gold-entities] [GOLD.jsonl] [--out PRED.jsonl] [--parsed PARSE.jsonl]");
                return Ok(());
            }
            _ => gold_path = a,
        }
    }
    let gold_text = std::fs::read_to_string(&gold_path).map_err(|e| format!("{gold_path}: {e}"))?;
    let gold: Vec<Value> = gold_text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;

    let preds: Vec<Annotation> = if gold_entities {
        gold.iter()
            .map(|d| {
                let id = d["id"].as_str().unwrap_or_default();
                let text = d["text"].as_str().unwrap_or_default();
                let map = OffsetMap::new(text);
                let ents: Vec<Entity> = d["entities"]
                    .as_array()
                    .map(|a| a.as_slice())
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|e| {
                        let start = e["start"].as_u64()? as usize;
                        let end = e["end"].as_u64()? as usize;
                        let label = match e["label"].as_str()? {
                            "STATE" => Label::Loc, // the model never says STATE
                            l => Label::parse(l)?,
                        };
                        let span = map.span_from_chars(start, end);
                        let t = span.slice(text).to_string();
                        Some(Entity {
                            text: t.clone(),
                            label,
                            start,
                            end,
                            byte_start: span.byte_start,
                            byte_end: span.byte_end,
                            score: 1.0,
                            canonical: t,
                        })
                    })
                    .collect();
                annotate_from_entities(id, text, ents)
            })
            .collect()
    } else {
        let docs: Vec<portavoz::Document> = gold
            .iter()
            .map(|d| portavoz::Document {
                id: d["id"].as_str().unwrap_or_default().into(),
                text: d["text"].as_str().unwrap_or_default().into(),
            })
            .collect();
        match &parsed_path {
            Some(path) => {
                let parsed = replay::parsed(Some(std::path::Path::new(path)), &docs, || {
                    let pipeline =
                        portavoz::Pipeline::new(portavoz::PipelineConfig::default().tokens(true))?;
                    Ok(pipeline.annotate_batch(&docs)?)
                })?;
                replay::reannotate(&parsed)
            }
            None => portavoz::Pipeline::new(portavoz::PipelineConfig::default())?
                .annotate_batch(&docs)?,
        }
    };

    if let Some(dir) = std::path::Path::new(&out_path).parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)?;
        }
    }
    let mut f = std::fs::File::create(&out_path)?;
    for p in &preds {
        writeln!(f, "{}", serde_json::to_string(p)?)?;
    }
    drop(f);
    println!(
        "predictions: {out_path} ({} documents, mode: {})",
        preds.len(),
        if gold_entities {
            "gold entities"
        } else {
            "pipeline"
        }
    );

    match Command::new("python3")
        .arg(SCORER)
        .arg(&gold_path)
        .arg(&out_path)
        .output()
    {
        Ok(o) => {
            print!("{}", String::from_utf8_lossy(&o.stdout));
            eprint!("{}", String::from_utf8_lossy(&o.stderr));
        }
        Err(e) => eprintln!("could not run {SCORER}: {e}"),
    }

    println!("\n== errors by document ==");
    for (g, p) in gold.iter().zip(&preds) {
        report(g, p);
    }
    Ok(())
}

fn norm(s: &str) -> String {
    s.to_lowercase()
}

fn overlap(a0: i64, a1: i64, b0: i64, b1: i64) -> i64 {
    (a1.min(b1) - a0.max(b0)).max(0)
}

/// The scorer's matching rule: cues overlap, or (for cue-less gold) contents overlap by half.
fn matches(g: &Value, p: &portavoz::Claim) -> bool {
    if let (Some(gs), Some(ge), Some(ps), Some(pe)) = (
        g["cue_start"].as_i64(),
        g["cue_end"].as_i64(),
        p.cue_start,
        p.cue_end,
    ) {
        if overlap(gs, ge, ps as i64, pe as i64) > 0 {
            return true;
        }
    }
    let (gs, ge) = (
        g["content_start"].as_i64().unwrap_or(0),
        g["content_end"].as_i64().unwrap_or(0),
    );
    let (ps, pe) = (p.content_start as i64, p.content_end as i64);
    let short = (ge - gs).min(pe - ps);
    short > 0 && overlap(gs, ge, ps, pe) * 2 >= short
}

fn speakers(v: &Value) -> Vec<String> {
    let mut s: Vec<String> = v
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_str().map(norm)).collect())
        .unwrap_or_default();
    s.sort();
    s
}

fn first_words(s: &str, n: usize) -> String {
    s.split_whitespace().take(n).collect::<Vec<_>>().join(" ")
}

fn report(g: &Value, p: &Annotation) {
    let id = g["id"].as_str().unwrap_or_default();
    let empty = Vec::new();
    let gcl = g["claims"].as_array().unwrap_or(&empty);
    let mut lines: Vec<String> = Vec::new();
    let mut used: HashSet<usize> = HashSet::new();
    for gc in gcl {
        let gsp = speakers(&gc["speaker"]);
        let cands: Vec<usize> = p
            .claims
            .iter()
            .enumerate()
            .filter(|(i, pc)| !used.contains(i) && matches(gc, pc))
            .map(|(i, _)| i)
            .collect();
        let label = format!(
            "{:?} [{}] «{}»",
            gc["cue"].as_str().unwrap_or("—"),
            gsp.join(", "),
            first_words(gc["content"].as_str().unwrap_or(""), 8)
        );
        if cands.is_empty() {
            lines.push(format!("  MISSED    {label}"));
            continue;
        }
        let best = cands.iter().copied().find(|&i| {
            let mut s: Vec<String> = p.claims[i].speaker.iter().map(|x| norm(x)).collect();
            s.sort();
            s == gsp
        });
        match best {
            Some(i) => {
                used.insert(i);
            }
            None => {
                let i = cands[0];
                used.insert(i);
                lines.push(format!(
                    "  SPEAKER   {label} -> predicted [{}] (cue {:?})",
                    p.claims[i].speaker.join(", "),
                    p.claims[i].cue
                ));
            }
        }
    }
    for (i, pc) in p.claims.iter().enumerate() {
        if !gcl.iter().any(|gc| matches(gc, pc)) {
            lines.push(format!(
                "  SPURIOUS  {:?} [{}] «{}» ({:?})",
                pc.cue.as_deref().unwrap_or("—"),
                pc.speaker.join(", "),
                first_words(&pc.content, 8),
                pc.mode
            ));
        }
        let _ = i;
    }
    // Stances as (speaker, target, polarity) triples, as the scorer counts them.
    let mut gst: HashSet<(String, String, String)> = HashSet::new();
    for gc in gcl {
        for s in gc["stances"].as_array().unwrap_or(&empty) {
            gst.insert((
                speakers(&gc["speaker"]).join("+"),
                norm(s["target"].as_str().unwrap_or("")),
                s["polarity"].as_str().unwrap_or("").to_string(),
            ));
        }
    }
    let mut pst: HashSet<(String, String, String)> = HashSet::new();
    for pc in &p.claims {
        let mut sp: Vec<String> = pc.speaker.iter().map(|x| norm(x)).collect();
        sp.sort();
        for s in &pc.stances {
            let pol = serde_json::to_value(s.polarity)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            pst.insert((sp.join("+"), norm(&s.target), pol));
        }
    }
    for t in gst.difference(&pst) {
        lines.push(format!("  STANCE-   {} {} {}", t.0, t.2, t.1));
    }
    for t in pst.difference(&gst) {
        lines.push(format!("  STANCE+   {} {} {}", t.0, t.2, t.1));
    }
    // Entities (strict).
    let gents: HashSet<(i64, i64, String)> = g["entities"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .map(|e| {
            (
                e["start"].as_i64().unwrap_or(0),
                e["end"].as_i64().unwrap_or(0),
                e["label"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let pents: HashSet<(i64, i64, String)> = p
        .entities
        .iter()
        .filter(|e| e.label != Label::Misc)
        .map(|e| (e.start as i64, e.end as i64, e.label.as_str().to_string()))
        .collect();
    let text: Vec<char> = p.text.chars().collect();
    let slice = |a: i64, b: i64| {
        text.get(a.max(0) as usize..(b.max(0) as usize).min(text.len()))
            .map(|c| c.iter().collect::<String>())
            .unwrap_or_default()
    };
    for e in gents.difference(&pents) {
        lines.push(format!("  ENT-      {} {:?}", e.2, slice(e.0, e.1)));
    }
    for e in pents.difference(&gents) {
        lines.push(format!("  ENT+      {} {:?}", e.2, slice(e.0, e.1)));
    }
    println!(
        "{id}: {} gold claims, {} predicted",
        gcl.len(),
        p.claims.len()
    );
    for l in lines {
        println!("{l}");
    }
}
