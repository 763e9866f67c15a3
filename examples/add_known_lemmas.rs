//! Writes the known-lemma lists of the syntax heads (`known_lemmas` in `syntax.json`: the
//! lowercased lemmas the training sentences give a part of speech; by default VERB, with AUX) into a model
//! folder whose heads were trained before `train_syntax` wrote the list itself. The weights
//! are left as they are; the training sentences are those of `train_syntax` (UD Spanish GSD
//! dev + PUD test without every tenth sentence, read in place from ../shared/data).
//!
//! ```sh
//! cargo run --release --features training --example add_known_lemmas -- --model models/portavoz-ner-es
//! ```
use std::path::{Path, PathBuf};

use clap::Parser;
use portavoz::ner::syntax_heads::SYNTAX_LABELS_FILE;
use portavoz::syntax::conllu;

#[path = "common/syntax_data.rs"]
mod syntax_data;

#[derive(Parser, Debug)]
struct Args {
    /// Model folder with syntax heads.
    #[arg(long, default_value = "models/portavoz-ner-es")]
    model: PathBuf,
    /// Folder of the UD Spanish treebanks.
    #[arg(long, default_value_os_t = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ud-spanish"))]
    ud: PathBuf,
    /// Parts of speech whose lemmas are listed (AUX goes with VERB).
    #[arg(long, default_value = "VERB")]
    classes: String,
}

fn main() {
    if let Err(e) = run(&Args::parse()) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> portavoz::Result<()> {
    let path = args.model.join(SYNTAX_LABELS_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| portavoz::Error::Io {
        path: path.clone(),
        source: e,
    })?;
    let mut spec: serde_json::Value = serde_json::from_str(&text)?;
    let (fit, _, _): (Vec<conllu::Sentence>, _, _) = syntax_data::treebanks(&args.ud)?;
    let classes: Vec<&str> = args.classes.split(',').collect();
    let lemmas = syntax_data::known_lemmas(&fit, &classes);
    for (class, list) in &lemmas {
        eprintln!("{class}: {} lemmas", list.len());
    }
    eprintln!(
        "from {} training sentences -> {}",
        fit.len(),
        path.display()
    );
    spec["known_lemmas"] = serde_json::to_value(&lemmas)?;
    std::fs::write(&path, serde_json::to_string_pretty(&spec)?).map_err(|e| {
        portavoz::Error::Io {
            path: path.clone(),
            source: e,
        }
    })?;
    Ok(())
}
