//! Annotate one Spanish sentence and print its entities and claims.
//!
//!     cargo run --release --example quickstart
//!     cargo run --release --example quickstart -- "Lavrov dijo que Rusia está dispuesta a negociar."
use std::process::ExitCode;

use portavoz::{Pipeline, PipelineConfig};

fn main() -> ExitCode {
    let text = std::env::args().nth(1).unwrap_or_else(|| {
        "El ministro de Asuntos Exteriores ruso, Serguéi Lavrov, dijo que Rusia se opone a \
         las sanciones unilaterales de Estados Unidos y apoya la cooperación con China."
            .to_string()
    });

    // Loading the model is the slow part: build the pipeline once and reuse it.
    let pipeline = match Pipeline::new(PipelineConfig::default()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("cannot build the pipeline: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("portavoz {}, model {}", portavoz::VERSION, pipeline.model());
    let annotation = match pipeline.annotate(&text) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("annotation failed: {e}");
            return ExitCode::FAILURE;
        }
    };

    println!("{text}\n");
    println!("Entities:");
    for e in &annotation.entities {
        // start/end count code points; byte_start/byte_end slice the Rust string.
        println!(
            "  {:<5} {:<28} [{}..{})  canonical: {}",
            e.label.as_str(),
            &text[e.byte_start..e.byte_end],
            e.start,
            e.end,
            e.canonical
        );
    }
    println!("Claims:");
    for c in &annotation.claims {
        println!(
            "  {} -- {} ({:?}): {}",
            c.speaker.join(" + "),
            c.cue.as_deref().unwrap_or("-"),
            c.mode,
            c.content
        );
        for s in &c.stances {
            println!("      {:?} {}", s.polarity, s.target);
        }
    }
    // The whole annotation as one JSONL record (the format of `portavoz annotate`).
    match serde_json::to_string(&annotation) {
        Ok(json) => println!("\n{json}"),
        Err(e) => eprintln!("cannot serialize: {e}"),
    }
    ExitCode::SUCCESS
}
