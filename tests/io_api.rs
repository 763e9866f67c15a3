//! The streaming I/O layer through the public API only, with a stand-in annotator (no model):
//! how a program embeds `portavoz::io` to run its own corpus loop.
use std::fs;

use portavoz::io::{
    annotate_stream, plan_inputs, InputFormat, InputSpec, JsonlSink, OutputFile, OutputRecord,
    RecordReader, RunOptions,
};
use portavoz::report::HtmlReport;
use portavoz::{Annotation, Document, Entity, Label, Result};

/// Marks every "Rusia" as a state, the way a real pipeline would report it.
fn stand_in(docs: &[Document]) -> Result<Vec<Annotation>> {
    Ok(docs
        .iter()
        .map(|d| {
            let entities = d
                .text
                .match_indices("Rusia")
                .map(|(b, s)| {
                    let start = d.text[..b].chars().count();
                    Entity {
                        text: s.to_string(),
                        label: Label::State,
                        start,
                        end: start + 5,
                        byte_start: b,
                        byte_end: b + 5,
                        score: 1.0,
                        canonical: "Rusia".into(),
                    }
                })
                .collect();
            Annotation {
                id: d.id.clone(),
                text: d.text.clone(),
                entities,
                claims: Vec::new(),
                ..Default::default()
            }
        })
        .collect())
}

fn output_ids(path: &std::path::Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<OutputRecord>(l)
                .expect("every line is a record")
                .id()
                .to_string()
        })
        .collect()
}

#[test]
fn a_corpus_loop_with_resume_and_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.jsonl");
    let mut text = String::new();
    for i in 0..10 {
        text.push_str(&format!("{{\"id\": \"n{i}\", \"text\": \"Según Moscú, Rusia y Kazajistán firmaron {i} acuerdos.\"}}\n"));
    }
    text.push_str("{\"id\": \"n10\", \"text\": \n");
    fs::write(&corpus, text).unwrap();
    let plan = plan_inputs(&[InputSpec::Path(corpus.clone())], InputFormat::Auto).unwrap();
    assert_eq!(plan.total_bytes, Some(fs::metadata(&corpus).unwrap().len()));

    // A first run that stops after 4 records, its last line cut short.
    let out = dir.path().join("out.jsonl");
    let mut sink = JsonlSink::new(OutputFile::create(&out).unwrap());
    let opts = RunOptions {
        batch_size: 3,
        ..RunOptions::default()
    };
    let first = RecordReader::new(&plan).take(4);
    annotate_stream(
        first,
        stand_in,
        &mut sink,
        &opts,
        None,
        &mut (),
        "out.jsonl",
    )
    .unwrap();
    drop(sink);
    let written = fs::read(&out).unwrap();
    fs::write(&out, &written[..written.len() - 10]).unwrap();

    // The resumed run completes it.
    let (file, mut state) = OutputFile::resume(&out).unwrap();
    assert_eq!(state.records, 3);
    let mut sink = JsonlSink::new(file);
    let summary = annotate_stream(
        RecordReader::new(&plan),
        stand_in,
        &mut sink,
        &opts,
        Some(&mut state),
        &mut (),
        "out.jsonl",
    )
    .unwrap();
    drop(sink);
    assert_eq!(summary.counts.skipped, 3);
    assert_eq!(summary.counts.written, 8);
    assert_eq!(summary.counts.failed, 1);
    assert_eq!(summary.exit_code(), 1);
    let mut expected: Vec<String> = (0..10).map(|i| format!("n{i}")).collect();
    expected.push("line-11".into());
    assert_eq!(output_ids(&out), expected);

    // And the report of the whole output.
    let mut report = HtmlReport::new(Vec::new(), "corpus").unwrap();
    for line in fs::read_to_string(&out).unwrap().lines() {
        report
            .add(&portavoz::io::parse_output_line(line).unwrap())
            .unwrap();
    }
    assert_eq!(report.summary().documents, 10);
    assert_eq!(report.summary().failed, 1);
    assert_eq!(report.summary().entities.get(&Label::State), Some(&10));
    let html = String::from_utf8(report.finish().unwrap()).unwrap();
    assert!(html.contains("<mark class=\"ent l-STATE\" title=\"STATE · Rusia · score 1.00\">Rusia"));
}
