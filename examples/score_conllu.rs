//! Scores a CoNLL-U file against a gold treebank with the CoNLL 2018 shared-task measures
//! (words aligned by character span), e.g. what `portavoz annotate --format conllu` wrote for
//! the treebank's raw sentence texts; `--texts` writes those texts as JSONL input.
//!
//! ```sh
//! cargo run --release --example score_conllu -- --texts ../shared/data/ud-spanish/es_gsd-ud-test.conllu > target/gsd-test.jsonl
//! portavoz annotate target/gsd-test.jsonl --format conllu -o target/gsd-test.conllu
//! cargo run --release --example score_conllu -- ../shared/data/ud-spanish/es_gsd-ud-test.conllu target/gsd-test.conllu
//! ```
use portavoz::syntax::{conllu, score};

fn read(path: &str) -> Result<Vec<conllu::Sentence>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    conllu::read(&text).map_err(|e| format!("{path}: {e}"))
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, gold] if flag == "--texts" => {
            for (i, s) in read(gold)?.iter().enumerate() {
                let id = s
                    .sent_id()
                    .map_or_else(|| format!("s{}", i + 1), str::to_string);
                let line = serde_json::json!({"id": id, "text": s.text().unwrap_or_default()});
                println!("{line}");
            }
            Ok(())
        }
        [gold, system] => {
            let s = score::evaluate(&read(gold)?, &read(system)?)?;
            println!(
                "tokens F1 {:.2}  words F1 {:.2}  sentences F1 {:.2}",
                s.tokens, s.words, s.sentences
            );
            println!(
                "UPOS {:.2}  UFeats {:.2}  Lemma {:.2}  UAS {:.2}  LAS {:.2}",
                s.upos, s.ufeats, s.lemma, s.uas, s.las
            );
            Ok(())
        }
        _ => Err(
            "usage: score_conllu GOLD.conllu SYSTEM.conllu | score_conllu --texts GOLD.conllu"
                .into(),
        ),
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}
