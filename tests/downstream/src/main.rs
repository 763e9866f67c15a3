//! The README's library example, as a user's own program.
use portavoz::{Pipeline, PipelineConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let pipeline = Pipeline::new(PipelineConfig::default())?; // finds the model by itself
    eprintln!("portavoz {}, model {}", portavoz::VERSION, pipeline.model());
    let annotation = pipeline.annotate("Lavrov afirmó que Rusia se opone al unilateralismo.")?;
    for claim in &annotation.claims {
        eprintln!("{:?} {:?}: {} {:?}", claim.speaker, claim.cue, claim.content, claim.stances);
    }
    println!("{}", serde_json::to_string(&annotation)?); // the JSONL line format
    Ok(())
}
